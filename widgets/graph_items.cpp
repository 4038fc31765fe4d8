#include "graph_items.h"

#include <QApplication>
#include <QFontMetricsF>
#include <QPainter>
#include <QPalette>
#include <QStyleOptionGraphicsItem>
#include <QtMath>
#include <algorithm>

namespace qs {

namespace {

constexpr qreal kPadding = 6;
constexpr qreal kMinWidth = 72;
constexpr qreal kMaxWidth = 240;
constexpr qreal kRadius = 5;
// Below this zoom the text is unreadable anyway: boxes and lines only.
constexpr qreal kTextLevelOfDetail = 0.35;

QFont boldFont(const QFont& font) {
    QFont bold = font;
    bold.setBold(true);
    return bold;
}

QFont smallFont(const QFont& font) {
    QFont small = font;
    small.setPointSizeF(font.pointSizeF() * 0.85);
    return small;
}

qreal levelOfDetail(const QPainter* painter) {
    return QStyleOptionGraphicsItem::levelOfDetailFromTransform(painter->worldTransform());
}

// Readable text on a fill: dark text on light colours, light on dark (ITU-R BT.601 luma).
QColor textOn(const QColor& fill) {
    const double luma = 0.299 * fill.redF() + 0.587 * fill.greenF() + 0.114 * fill.blueF();
    return luma > 0.6 ? QColor(Qt::black) : QColor(Qt::white);
}

} // namespace

NodeItem::NodeItem(Kind kind, NodeBoxText text, QSizeF size, const QFont& font)
    : m_kind(kind)
    , m_text(std::move(text))
    , m_rect(-size.width() / 2, -size.height() / 2, size.width(), size.height())
    , m_font(font)
    , m_color(QColor(0x9a, 0x9a, 0x9a)) {
    setFlag(ItemIsSelectable, kind == Kind::Node);
    setAcceptHoverEvents(false);
    setCacheMode(DeviceCoordinateCache);
    QString tip = m_text.title + QLatin1Char('\n') + m_text.name;
    if (!m_text.attributes.isEmpty()) tip += QLatin1Char('\n') + m_text.attributes;
    setToolTip(tip);
}

QSizeF NodeItem::measure(const NodeBoxText& text, const QFont& font) {
    const QFontMetricsF bold(boldFont(font)), plain(font), small(smallFont(font));
    qreal width = std::max({bold.horizontalAdvance(text.title), plain.horizontalAdvance(text.name),
                            small.horizontalAdvance(text.attributes)});
    width = std::clamp(width + 2 * kPadding, kMinWidth, kMaxWidth);
    qreal height = bold.height() + plain.height() + 2 * kPadding;
    if (!text.attributes.isEmpty()) height += small.height();
    return QSizeF(qCeil(width), qCeil(height));
}

void NodeItem::setColor(const QColor& color) {
    if (m_color == color) return;
    m_color = color;
    update();
}

void NodeItem::setMatched(bool matched) {
    if (m_matched == matched) return;
    m_matched = matched;
    update();
}

QRectF NodeItem::boundingRect() const {
    return m_rect.adjusted(-4, -4, 4, 4); // room for the selection and search frames
}

void NodeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
    const bool selected = option->state & QStyle::State_Selected;
    const QPalette palette = QApplication::palette();
    const qreal lod = levelOfDetail(painter);
    painter->setRenderHint(QPainter::Antialiasing, lod > kTextLevelOfDetail);

    const bool selectedFrame = selected;
    if (lod < kTextLevelOfDetail) {
        // Far out (and in the minimap): a plain coloured block, no path arithmetic.
        painter->fillRect(m_rect, m_kind == Kind::Node ? m_color : palette.color(QPalette::Mid));
        if (selectedFrame || m_matched) {
            QPen pen(selectedFrame ? palette.color(QPalette::Highlight) : QColor(0xe6, 0xb4, 0x00),
                     3.0);
            pen.setCosmetic(true);
            painter->setPen(pen);
            painter->drawRect(m_rect);
        }
        return;
    }
    const QFont bold = boldFont(m_font);
    const qreal titleHeight = QFontMetricsF(bold).height() + kPadding;
    QPainterPath box;
    box.addRoundedRect(m_rect, kRadius, kRadius);
    if (m_kind == Kind::Node) {
        painter->fillPath(box, palette.color(QPalette::Base));
        // The header band: the rounded box clipped to its top (a clip is far cheaper than a
        // path intersection).
        painter->save();
        painter->setClipRect(
            QRectF(m_rect.left() - 1, m_rect.top() - 1, m_rect.width() + 2, titleHeight + 1),
            Qt::IntersectClip);
        painter->fillPath(box, m_color);
        painter->restore();
    } else {
        painter->fillPath(box, palette.color(QPalette::AlternateBase));
    }
    QPen frame(selected ? palette.color(QPalette::Highlight) : m_color.darker(130),
               selected ? 3.0 : 1.0);
    frame.setCosmetic(selected);
    painter->setPen(frame);
    painter->drawPath(box);
    if (m_matched && !selected) {
        QPen marker(QColor(0xe6, 0xb4, 0x00), 2.0, Qt::DashLine);
        painter->setPen(marker);
        painter->drawRoundedRect(m_rect.adjusted(-3, -3, 3, 3), kRadius + 2, kRadius + 2);
    }
    const QRectF inner = m_rect.adjusted(kPadding, kPadding / 2, -kPadding, -kPadding / 2);
    QRectF titleRect(inner.left(), m_rect.top(), inner.width(), titleHeight);
    painter->setFont(bold);
    painter->setPen(m_kind == Kind::Node ? textOn(m_color) : palette.color(QPalette::Text));
    const QFontMetricsF boldMetrics(bold);
    painter->drawText(titleRect, Qt::AlignCenter,
                      boldMetrics.elidedText(m_text.title, Qt::ElideRight, inner.width()));

    painter->setPen(palette.color(QPalette::Text));
    painter->setFont(m_font);
    const QFontMetricsF plain(m_font);
    QRectF nameRect(inner.left(), m_rect.top() + titleHeight, inner.width(), plain.height());
    painter->drawText(nameRect, Qt::AlignCenter,
                      plain.elidedText(m_text.name, Qt::ElideMiddle, inner.width()));
    if (!m_text.attributes.isEmpty()) {
        const QFont small = smallFont(m_font);
        const QFontMetricsF smallMetrics(small);
        painter->setFont(small);
        painter->setPen(palette.color(QPalette::PlaceholderText));
        QRectF attrRect(inner.left(), nameRect.bottom(), inner.width(), smallMetrics.height());
        painter->drawText(
            attrRect, Qt::AlignCenter,
            smallMetrics.elidedText(m_text.attributes, Qt::ElideRight, inner.width()));
    }
}

EdgeItem::EdgeItem(const QList<QPointF>& points, QString tensorName, QString label,
                   const QFont& font)
    : m_tensorName(std::move(tensorName))
    , m_label(std::move(label))
    , m_font(smallFont(font)) {
    setZValue(-1); // under the boxes
    setToolTip(m_tensorName + QLatin1Char(' ') + m_label);
    if (points.size() < 2) return;
    // Straight segments for the vertical runs, cubic curves for the bends between layers.
    m_path.moveTo(points.first());
    for (int i = 1; i < points.size(); ++i) {
        const QPointF a = points[i - 1], b = points[i];
        if (qFuzzyCompare(a.x() + 1, b.x() + 1)) {
            m_path.lineTo(b);
        } else {
            const qreal midY = (a.y() + b.y()) / 2;
            m_path.cubicTo(QPointF(a.x(), midY), QPointF(b.x(), midY), b);
        }
    }
    const QPointF tip = points.last();
    m_arrow << tip << tip + QPointF(-4, -8) << tip + QPointF(4, -8);

    // The label sits just below the source, beside the line.
    m_labelPos = points.first() + QPointF(4, 2);
    updateGeometry();
}

void EdgeItem::setLabel(const QString& label) {
    if (label == m_label) return;
    prepareGeometryChange();
    m_label = label;
    setToolTip(m_tensorName + QLatin1Char(' ') + m_label);
    updateGeometry();
    update();
}

void EdgeItem::updateGeometry() {
    const QFontMetricsF metrics(m_font);
    m_labelRect =
        QRectF(m_labelPos, QSizeF(metrics.horizontalAdvance(m_label) + 2, metrics.height()));
    m_bounds = m_path.boundingRect().united(m_arrow.boundingRect()).adjusted(-2, -2, 2, 2);
    if (!m_label.isEmpty()) m_bounds = m_bounds.united(m_labelRect);
}

QRectF EdgeItem::boundingRect() const {
    return m_bounds;
}

QPainterPath EdgeItem::shape() const {
    QPainterPathStroker stroker;
    stroker.setWidth(6);
    return stroker.createStroke(m_path);
}

void EdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
    const QPalette palette = QApplication::palette();
    const qreal lod = levelOfDetail(painter);
    painter->setRenderHint(QPainter::Antialiasing, lod > kTextLevelOfDetail);
    QColor line = palette.color(QPalette::Text);
    line.setAlphaF(0.55f);
    painter->setPen(QPen(line, 1.2));
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(m_path);
    painter->setPen(Qt::NoPen);
    painter->setBrush(line);
    painter->drawPolygon(m_arrow);
    if (lod < kTextLevelOfDetail || m_label.isEmpty()) return;
    painter->setFont(m_font);
    painter->setPen(palette.color(QPalette::PlaceholderText));
    painter->drawText(m_labelRect, Qt::AlignLeft | Qt::AlignVCenter, m_label);
}

} // namespace qs
