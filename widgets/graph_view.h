// The model as an interactive graph: the centre of the main window. Builds boxes from a
// ModelSnapshot (constant and shape-only nodes folded away unless shown), lays them out on a
// worker thread (graph_layout.h) and draws them; zoom, pan, fit, search (Ctrl+F), an overview
// minimap, and colour modes with a legend. Emits nodeSelected when the user picks a node.
#pragma once

#include "job_tracker.h"
#include "model_snapshot.h"
#include "node_coloring.h"

#include <QGraphicsView>
#include <QHash>
#include <QPixmap>
#include <QPointer>
#include <QWidget>
#include <memory>

class QCheckBox;
class QComboBox;
class QGraphicsScene;
class QLabel;
class QLineEdit;

namespace qs {

class EdgeItem;
class GraphCanvas;
class GraphMiniMap;
struct GraphPicture;
class NodeItem;

class GraphView : public QWidget {
    Q_OBJECT

public:
    explicit GraphView(QWidget* parent = nullptr);
    ~GraphView() override;

    // Starts building and laying out the picture; layoutFinished() follows (unless superseded).
    void setSnapshot(std::shared_ptr<const ModelSnapshot> snapshot);
    bool isLayoutPending() const { return m_layoutJob.isRunning(); }
    // Milliseconds the last layout took on its worker thread (boxes placed, edges routed).
    double lastLayoutMs() const { return m_lastLayoutMs; }

    // Constant and shape-only nodes (dispatcher region "non-quantizable") are hidden by default.
    void setShowFolded(bool show);
    bool showFolded() const;

    void setColorMode(ColorMode mode);
    ColorMode colorMode() const { return m_colorMode; }
    // Weight/activation bits per node from the last QuantPlan (0 = float); empty = no plan.
    void setNodeBits(QHash<QString, int> bits);
    // A per-node metric for ColorMode::Metric (the run's SQNR).
    void setNodeMetric(NodeMetric metric);
    // The metric of one of the analysis modes (Sensitivity, OutlierSeverity, ErrorOrigin).
    void setModeMetric(ColorMode mode, NodeMetric metric);
    // The colour a drawn node has now (neutral if there is no such node).
    QColor nodeColor(const QString& name) const;
    QString legendText() const;
    // Everything a quantization run gives the picture, applied in one pass; `showMetric`
    // switches the colouring to the metric.
    void setQuantResults(QHash<QString, int> bits, NodeMetric metric,
                         QHash<QString, QString> shapes, bool showMetric);
    // Replaces edge labels by measured shapes (by tensor name), e.g. after a run; kept until
    // the next model.
    void setTensorShapes(QHash<QString, QString> shapes);

    // Selects and centres a drawn node; false if there is none by that name (or it is folded).
    bool selectNode(const QString& name);
    QString selectedNode() const;

    void zoomIn();
    void zoomOut();
    void fitToWindow();
    double zoomFactor() const;
    void focusSearch();
    // Marks the nodes whose name, op or tensors contain `text`, selects the first; returns hits.
    int search(const QString& text);
    void findNext();

    QGraphicsScene* scene() const { return m_scene; }
    QGraphicsView* canvas() const;
    QWidget* miniMap() const;
    // Names of the nodes drawn as boxes (graph inputs and outputs excluded).
    QStringList drawnNodeNames() const;
    NodeItem* nodeItem(const QString& name) const { return m_nodeItems.value(name); }

signals:
    void nodeSelected(const QString& name);
    // Right-click on a node box (after selecting it): the window shows its remedies menu.
    void nodeContextMenuRequested(const QString& name, const QPoint& globalPos);
    void layoutFinished();
    void showFoldedChanged(bool shown);

protected:
    void changeEvent(QEvent* event) override;

private:
    void rebuild();
    void placeOverlays(); // the legend in the view's top right, the minimap in its bottom right
    void buildScene(const GraphPicture& picture);
    void applyColors();
    void updateLegend();
    void retranslateUi();
    void onSceneSelectionChanged();

    std::shared_ptr<const ModelSnapshot> m_snapshot;
    JobTracker m_layoutJob{this};
    double m_lastLayoutMs = 0;
    QGraphicsScene* m_scene;
    GraphCanvas* m_canvas;
    GraphMiniMap* m_miniMap;
    QLabel* m_legend;
    QLineEdit* m_search;
    QLabel* m_matchLabel;
    QCheckBox* m_showFolded;
    QComboBox* m_colorCombo;
    QLabel* m_colorLabel;
    QHash<QString, NodeItem*> m_nodeItems;
    QList<NodeItem*> m_matches;
    int m_currentMatch = -1;
    ColorMode m_colorMode = ColorMode::OpCategory;
    QHash<QString, int> m_bits;
    QHash<QString, QString> m_measuredShapes;
    NodeMetric m_metric;
    QHash<int, NodeMetric> m_modeMetrics; // by ColorMode
    const NodeMetric& activeMetric() const;
    QHash<NodeItem*, QString> m_searchText; // lower-case name, op and tensor names
    QString m_pendingSelection;             // asked for while the layout was running
    bool m_selecting = false;
};

// The QGraphicsView of the graph: wheel zoom under the cursor, hand-drag pan, + / − keys.
class GraphCanvas : public QGraphicsView {
    Q_OBJECT

public:
    explicit GraphCanvas(QGraphicsScene* scene, QWidget* parent = nullptr);
    void zoomBy(double factor);

signals:
    void viewportChanged();
    void nodeContextMenuRequested(const QString& name, const QPoint& globalPos);

protected:
    void contextMenuEvent(QContextMenuEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void scrollContentsBy(int dx, int dy) override;
    void resizeEvent(QResizeEvent* event) override;
};

// The overview: the whole scene rendered once into a picture (after layout and recolouring), the
// visible part of the main view framed on it; a click or a drag moves the main view there.
class GraphMiniMap : public QWidget {
    Q_OBJECT

public:
    GraphMiniMap(QGraphicsScene* scene, GraphCanvas* main, QWidget* parent);
    // Re-renders the scene picture once control returns to the event loop: several changes in
    // a row (colours, labels, mode) cost one render.
    void refresh();

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;

private:
    QRectF pictureRect() const; // where the scene is drawn inside the widget
    void render();
    void centerMainAt(const QPointF& widgetPos);

    QGraphicsScene* m_scene;
    GraphCanvas* m_main;
    QPixmap m_picture;
    bool m_renderPending = false;
};

} // namespace qs
