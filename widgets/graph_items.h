// The scene items of the graph view: a node box (op type, name, key attributes) and an edge
// (a smooth path through the layout's points, labelled with the tensor's shape). Both skip
// their text when zoomed far out, so that panning a large graph stays smooth.
#pragma once

#include <QColor>
#include <QFont>
#include <QGraphicsItem>
#include <QPainterPath>
#include <QString>

namespace qs {

struct NodeBoxText {
    QString title;      // op type, or "Input" / "Output" for graph inputs and outputs
    QString name;       // node or tensor name
    QString attributes; // key attributes, one short line; may be empty
};

class NodeItem : public QGraphicsItem {
public:
    enum { Type = UserType + 1 };
    enum class Kind { Node, GraphInput, GraphOutput };

    NodeItem(Kind kind, NodeBoxText text, QSizeF size, const QFont& font);

    // The size a box needs for its text in `font`, measured on the GUI thread before layout.
    static QSizeF measure(const NodeBoxText& text, const QFont& font);

    Kind kind() const { return m_kind; }
    const NodeBoxText& text() const { return m_text; }
    void setColor(const QColor& color);
    QColor color() const { return m_color; }
    // A search hit: drawn with a marker frame.
    void setMatched(bool matched);
    bool isMatched() const { return m_matched; }

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    Kind m_kind;
    NodeBoxText m_text;
    QRectF m_rect;
    QFont m_font;
    QColor m_color;
    bool m_matched = false;
};

class EdgeItem : public QGraphicsItem {
public:
    enum { Type = UserType + 2 };

    EdgeItem(const QList<QPointF>& points, QString tensorName, QString label, const QFont& font);

    const QString& tensorName() const { return m_tensorName; }
    const QString& label() const { return m_label; }
    void setLabel(const QString& label);

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    void updateGeometry();

    QPainterPath m_path;
    QPolygonF m_arrow;
    QString m_tensorName;
    QString m_label;
    QPointF m_labelPos;
    QRectF m_labelRect;
    QFont m_font;
    QRectF m_bounds;
};

} // namespace qs
