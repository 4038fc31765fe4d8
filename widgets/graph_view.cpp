#include "graph_view.h"

#include "graph_items.h"
#include "graph_layout.h"

#include <QCheckBox>
#include <QComboBox>
#include <QContextMenuEvent>
#include <QElapsedTimer>
#include <QEvent>
#include <QGraphicsScene>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QTimer>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <utility>

namespace qs {

namespace {

constexpr double kMinZoom = 0.02;
constexpr double kMaxZoom = 4.0;
constexpr double kStepZoom = 1.25;
// Fitting a large graph to the window makes it unreadable: below this scale the view opens at
// kReadableZoom on the graph's inputs instead, and the minimap shows the whole.
constexpr double kMinFitZoom = 0.55;
constexpr double kReadableZoom = 0.9;
constexpr int kMiniMapWidth = 180;
constexpr int kMiniMapHeight = 220;
constexpr int kMiniMapDelayMs = 60;

// "k=[3,3] s=[2,2] g=16": the attributes worth a glance, from the snapshot's "key=value, ..."
// text (list values use "," without a space, so ", " separates attributes).
QString keyAttributes(const QString& attributes) {
    static const QList<QPair<QString, QString>> kKeys{
        {QStringLiteral("kernel_shape"), QStringLiteral("k")},
        {QStringLiteral("strides"), QStringLiteral("s")},
        {QStringLiteral("group"), QStringLiteral("g")},
        {QStringLiteral("axis"), QStringLiteral("axis")},
        {QStringLiteral("perm"), QStringLiteral("perm")},
        {QStringLiteral("alpha"), QStringLiteral("\u03b1")},
        {QStringLiteral("mode"), QStringLiteral("mode")}};
    QStringList parts;
    const QStringList items = attributes.split(QStringLiteral(", "), Qt::SkipEmptyParts);
    for (const auto& [key, shortName] : kKeys) {
        for (const QString& item : items) {
            if (!item.startsWith(key + QLatin1Char('='))) continue;
            const QString value = item.mid(key.size() + 1);
            if (key == QLatin1String("group") && value == QLatin1String("1")) continue;
            parts << shortName + QLatin1Char('=') + value;
        }
    }
    return parts.join(QLatin1Char(' '));
}

} // namespace

// What the layout job works on and returns: the boxes and edges to draw, plain data.
struct GraphPicture {
    struct Box {
        NodeItem::Kind kind = NodeItem::Kind::Node;
        NodeBoxText text;
        QString search; // lower-case words the search box matches
    };
    struct Edge {
        int from = 0;
        int to = 0;
        QString tensor;
        QString shape;
    };
    QList<Box> boxes;
    QList<Edge> edges;
    LayoutInput input;
    LayoutResult layout;
    double layoutMs = 0;
};

GraphView::GraphView(QWidget* parent)
    : QWidget(parent)
    , m_scene(new QGraphicsScene(this))
    , m_canvas(new GraphCanvas(m_scene, this))
    , m_miniMap(new GraphMiniMap(m_scene, m_canvas, m_canvas))
    , m_legend(new QLabel(m_canvas))
    , m_search(new QLineEdit(this))
    , m_matchLabel(new QLabel(this))
    , m_showFolded(new QCheckBox(this))
    , m_colorCombo(new QComboBox(this))
    , m_colorLabel(new QLabel(this)) {
    m_canvas->setObjectName(QStringLiteral("graphCanvas"));
    m_search->setObjectName(QStringLiteral("graphSearch"));
    m_search->setClearButtonEnabled(true);
    m_showFolded->setObjectName(QStringLiteral("showFoldedNodes"));
    m_colorCombo->setObjectName(QStringLiteral("colorMode"));
    for (int i = 0; i < int(ColorMode::Count); ++i) m_colorCombo->addItem(QString());
    m_colorCombo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_colorCombo->setMinimumContentsLength(12);
    m_search->setMinimumWidth(120);
    m_legend->setObjectName(QStringLiteral("graphLegend"));
    m_legend->setTextFormat(Qt::RichText);
    m_legend->setAutoFillBackground(true);
    m_legend->setMargin(6);
    m_legend->setFrameShape(QFrame::StyledPanel);

    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(4, 2, 4, 2);
    bar->addWidget(m_search, 2);
    bar->addWidget(m_matchLabel);
    bar->addSpacing(12);
    bar->addWidget(m_showFolded);
    bar->addSpacing(12);
    bar->addWidget(m_colorLabel);
    bar->addWidget(m_colorCombo, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(bar);
    layout->addWidget(m_canvas, 1);

    connect(m_search, &QLineEdit::textChanged, this, [this](const QString& text) { search(text); });
    connect(m_search, &QLineEdit::returnPressed, this, &GraphView::findNext);
    connect(m_showFolded, &QCheckBox::toggled, this, [this](bool shown) {
        rebuild();
        emit showFoldedChanged(shown);
    });
    connect(m_colorCombo, &QComboBox::currentIndexChanged, this,
            [this](int index) { setColorMode(ColorMode(index)); });
    connect(m_scene, &QGraphicsScene::selectionChanged, this, &GraphView::onSceneSelectionChanged);
    connect(m_canvas, &GraphCanvas::viewportChanged, this, &GraphView::placeOverlays);
    connect(m_canvas, &GraphCanvas::nodeContextMenuRequested, this,
            [this](const QString& name, const QPoint& globalPos) {
                // Selected without centring (the menu opens where the user clicked); the scene's
                // selection change tells the window.
                if (NodeItem* item = m_nodeItems.value(name); item && !item->isSelected()) {
                    m_scene->clearSelection();
                    item->setSelected(true);
                }
                emit nodeContextMenuRequested(name, globalPos);
            });
    retranslateUi();
}

void GraphView::placeOverlays() {
    const QRect area = m_canvas->viewport()->geometry();
    m_legend->adjustSize();
    // Both overlays on the right: the layout starts at the scene's left edge, and a selected node
    // near it stays at the view's left (centring cannot scroll past the edge), so a legend there
    // would cover the graph's main column.
    m_legend->move(std::max(area.left() + 8, area.right() - m_legend->width() - 8), area.top() + 8);
    m_miniMap->setGeometry(area.right() - kMiniMapWidth - 8, area.bottom() - kMiniMapHeight - 8,
                           kMiniMapWidth, kMiniMapHeight);
    m_miniMap->update();
}

GraphView::~GraphView() {
    // The scene is our child: QObject would delete it after this destructor has run, and its
    // items' removal emits selectionChanged into a half-destroyed GraphView (UBSan: invalid
    // downcast in the slot call); the canvas likewise reports its viewport while it is torn
    // down. Disconnect first.
    m_scene->disconnect(this);
    m_canvas->disconnect(this);
}

QGraphicsView* GraphView::canvas() const {
    return m_canvas;
}

QWidget* GraphView::miniMap() const {
    return m_miniMap;
}

void GraphView::setSnapshot(std::shared_ptr<const ModelSnapshot> snapshot) {
    m_snapshot = std::move(snapshot);
    m_bits.clear();
    m_metric = NodeMetric();
    m_modeMetrics.clear();
    m_measuredShapes.clear();
    rebuild();
}

void GraphView::setShowFolded(bool show) {
    m_showFolded->setChecked(show); // rebuilds through toggled()
}

bool GraphView::showFolded() const {
    return m_showFolded->isChecked();
}

void GraphView::rebuild() {
    auto picture = std::make_shared<GraphPicture>();
    if (!m_snapshot) {
        m_layoutJob.cancel();
        buildScene(*picture);
        return;
    }
    const ModelSnapshot& snapshot = *m_snapshot;
    const bool showAll = m_showFolded->isChecked();
    const QFont font = this->font();
    QHash<QString, int> producer; // tensor name -> box
    auto addBox = [&](NodeItem::Kind kind, NodeBoxText text, QString search) {
        const QSizeF size = NodeItem::measure(text, font);
        picture->input.boxes.push_back({size.width(), size.height()});
        picture->boxes.append({kind, std::move(text), std::move(search)});
        return int(picture->boxes.size()) - 1;
    };
    auto addEdge = [&](const SnapshotTensor& tensor, int to) {
        const auto it = producer.constFind(tensor.name);
        if (it == producer.constEnd()) return; // produced by a folded node
        picture->edges.append({it.value(), to, tensor.name, tensor.shape});
        picture->input.edges.push_back({it.value(), to});
    };
    // Box titles are language-neutral names; "Input"/"Output" are translated when built.
    for (const SnapshotTensor& input : snapshot.inputs)
        producer.insert(input.name,
                        addBox(NodeItem::Kind::GraphInput, {tr("Input"), input.name, input.shape},
                               input.name.toLower()));
    for (const NodeSummary& node : snapshot.nodes) {
        if (!showAll && node.isFolded()) continue;
        QStringList words{node.name, node.opType};
        for (const SnapshotTensor& t : node.inputs) words << t.name;
        for (const SnapshotTensor& t : node.outputs) words << t.name;
        const int box =
            addBox(NodeItem::Kind::Node, {node.opType, node.name, keyAttributes(node.attributes)},
                   words.join(QLatin1Char('\n')).toLower());
        for (const SnapshotTensor& t : node.inputs)
            if (!t.isConstant || showAll) addEdge(t, box);
        for (const SnapshotTensor& t : node.outputs) producer.insert(t.name, box);
    }
    for (const SnapshotTensor& output : snapshot.outputs) {
        const int box = addBox(NodeItem::Kind::GraphOutput,
                               {tr("Output"), output.name, output.shape}, output.name.toLower());
        addEdge(output, box);
    }

    m_layoutJob.start(
        [picture] {
            QElapsedTimer timer;
            timer.start();
            picture->layout = layoutLayered(picture->input);
            picture->layoutMs = double(timer.nsecsElapsed()) / 1e6;
            return picture;
        },
        [this](std::shared_ptr<GraphPicture> done) { buildScene(*done); });
}

void GraphView::buildScene(const GraphPicture& picture) {
    const QString keepSelection =
        m_pendingSelection.isEmpty() ? selectedNode() : m_pendingSelection;
    m_pendingSelection.clear();
    m_selecting = true;
    m_scene->clear();
    m_nodeItems.clear();
    m_matches.clear();
    m_searchText.clear();
    m_currentMatch = -1;
    m_lastLayoutMs = picture.layoutMs;

    const QFont font = this->font();
    const LayoutResult& layout = picture.layout;
    for (int i = 0; i < picture.boxes.size(); ++i) {
        const GraphPicture::Box& box = picture.boxes[i];
        const LayoutInput::Box& size = picture.input.boxes[size_t(i)];
        auto* item = new NodeItem(box.kind, box.text, QSizeF(size.width, size.height), font);
        item->setPos(layout.centers[size_t(i)].x, layout.centers[size_t(i)].y);
        m_scene->addItem(item);
        m_searchText.insert(item, box.search);
        if (box.kind == NodeItem::Kind::Node) m_nodeItems.insert(box.text.name, item);
    }
    for (int e = 0; e < picture.edges.size(); ++e) {
        QList<QPointF> points;
        for (const LayoutPoint& p : layout.edgePaths[size_t(e)]) points << QPointF(p.x, p.y);
        const QString& tensor = picture.edges[e].tensor;
        m_scene->addItem(new EdgeItem(
            points, tensor, m_measuredShapes.value(tensor, picture.edges[e].shape), font));
    }
    const QRectF bounds(0, 0, layout.width, layout.height);
    m_scene->setSceneRect(bounds.adjusted(-40, -40, 40, 40));
    m_selecting = false;

    applyColors();
    if (!m_search->text().isEmpty()) search(m_search->text());
    fitToWindow();
    if (m_canvas->transform().m11() < kMinFitZoom) {
        m_canvas->resetTransform();
        m_canvas->scale(kReadableZoom, kReadableZoom);
        m_canvas->centerOn(bounds.center().x(), 0);
        if (!picture.boxes.isEmpty())
            m_canvas->centerOn(QPointF(layout.centers[0].x, layout.centers[0].y));
    }
    m_miniMap->refresh();
    if (!keepSelection.isEmpty()) selectNode(keepSelection);
    emit layoutFinished();
}

void GraphView::setColorMode(ColorMode mode) {
    m_colorMode = mode;
    if (m_colorCombo->currentIndex() != int(mode)) m_colorCombo->setCurrentIndex(int(mode));
    applyColors();
}

void GraphView::setQuantResults(QHash<QString, int> bits, NodeMetric metric,
                                QHash<QString, QString> shapes, bool showMetric) {
    m_bits = std::move(bits);
    m_metric = std::move(metric);
    if (showMetric && !m_metric.isEmpty()) {
        m_colorMode = ColorMode::Metric;
        const QSignalBlocker blocker(m_colorCombo);
        m_colorCombo->setCurrentIndex(int(ColorMode::Metric));
    }
    applyColors();
    setTensorShapes(std::move(shapes));
}

void GraphView::setNodeBits(QHash<QString, int> bits) {
    m_bits = std::move(bits);
    applyColors();
}

void GraphView::setNodeMetric(NodeMetric metric) {
    m_metric = std::move(metric);
    applyColors();
}

void GraphView::setModeMetric(ColorMode mode, NodeMetric metric) {
    m_modeMetrics.insert(int(mode), std::move(metric));
    if (mode == m_colorMode) applyColors();
}

const NodeMetric& GraphView::activeMetric() const {
    const auto it = m_modeMetrics.constFind(int(m_colorMode));
    return it != m_modeMetrics.cend() ? it.value() : m_metric;
}

QColor GraphView::nodeColor(const QString& name) const {
    const NodeItem* item = m_nodeItems.value(name);
    return item ? item->color() : NodeColoring::neutral();
}

void GraphView::applyColors() {
    if (m_snapshot) {
        const QHash<QString, QColor> colors =
            NodeColoring::colors(m_colorMode, *m_snapshot, m_bits, activeMetric());
        for (auto it = m_nodeItems.cbegin(); it != m_nodeItems.cend(); ++it)
            it.value()->setColor(colors.value(it.key(), NodeColoring::neutral()));
    }
    updateLegend();
    m_miniMap->refresh();
}

void GraphView::updateLegend() {
    if (!m_snapshot) {
        m_legend->hide();
        return;
    }
    QStringList rows;
    for (const LegendEntry& entry :
         NodeColoring::legend(m_colorMode, *m_snapshot, m_bits, activeMetric()))
        rows << QStringLiteral(
                    "<tr><td><span style=\"color:%1\">\u25a0</span></td><td>%2</td></tr>")
                    .arg(entry.color.name(), entry.text.toHtmlEscaped());
    m_legend->setText(
        QStringLiteral("<table cellspacing=\"1\">%1</table>").arg(rows.join(QString())));
    placeOverlays(); // its width follows the text
    m_legend->show();
    m_legend->raise();
}

void GraphView::setTensorShapes(QHash<QString, QString> shapes) {
    m_measuredShapes = std::move(shapes);
    for (QGraphicsItem* item : m_scene->items()) {
        if (item->type() != EdgeItem::Type) continue;
        auto* edge = static_cast<EdgeItem*>(item);
        const auto it = m_measuredShapes.constFind(edge->tensorName());
        if (it != m_measuredShapes.constEnd()) edge->setLabel(it.value());
    }
    m_miniMap->refresh();
}

QString GraphView::legendText() const {
    return m_legend->text();
}

bool GraphView::selectNode(const QString& name) {
    if (m_layoutJob.isRunning()) {
        m_pendingSelection = name;
        return m_snapshot && std::any_of(m_snapshot->nodes.cbegin(), m_snapshot->nodes.cend(),
                                         [&](const NodeSummary& n) { return n.name == name; });
    }
    NodeItem* item = m_nodeItems.value(name);
    m_selecting = true;
    m_scene->clearSelection();
    if (item) {
        item->setSelected(true);
        m_canvas->centerOn(item);
    }
    m_selecting = false;
    return item != nullptr;
}

QString GraphView::selectedNode() const {
    for (QGraphicsItem* item : m_scene->selectedItems())
        if (item->type() == NodeItem::Type) return static_cast<NodeItem*>(item)->text().name;
    return {};
}

void GraphView::onSceneSelectionChanged() {
    if (m_selecting) return;
    emit nodeSelected(selectedNode());
}

QStringList GraphView::drawnNodeNames() const {
    return m_nodeItems.keys();
}

void GraphView::zoomIn() {
    m_canvas->zoomBy(kStepZoom);
}

void GraphView::zoomOut() {
    m_canvas->zoomBy(1 / kStepZoom);
}

void GraphView::fitToWindow() {
    if (m_scene->items().isEmpty()) return;
    m_canvas->fitInView(m_scene->sceneRect(), Qt::KeepAspectRatio);
    if (m_canvas->transform().m11() > 1.0) {
        m_canvas->resetTransform(); // small graphs: never blown up past 100 %
        m_canvas->centerOn(m_scene->sceneRect().center());
    }
    emit m_canvas->viewportChanged();
}

double GraphView::zoomFactor() const {
    return m_canvas->transform().m11();
}

void GraphView::focusSearch() {
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

int GraphView::search(const QString& text) {
    if (m_search->text() != text) {
        const QSignalBlocker blocker(m_search);
        m_search->setText(text);
    }
    for (NodeItem* item : std::as_const(m_matches)) item->setMatched(false);
    m_matches.clear();
    m_currentMatch = -1;
    const QString needle = text.trimmed().toLower();
    if (needle.isEmpty()) {
        m_matchLabel->clear();
        return 0;
    }
    for (auto it = m_searchText.cbegin(); it != m_searchText.cend(); ++it)
        if (it.value().contains(needle)) m_matches << it.key();
    // Top to bottom, then left to right: the order a reader scans the graph in.
    std::sort(m_matches.begin(), m_matches.end(), [](const NodeItem* a, const NodeItem* b) {
        return a->y() != b->y() ? a->y() < b->y() : a->x() < b->x();
    });
    for (NodeItem* item : std::as_const(m_matches)) item->setMatched(true);
    if (m_matches.isEmpty()) {
        m_matchLabel->setText(tr("No match"));
        return 0;
    }
    findNext();
    return int(m_matches.size());
}

void GraphView::findNext() {
    if (m_matches.isEmpty()) return;
    m_currentMatch = (m_currentMatch + 1) % int(m_matches.size());
    NodeItem* item = m_matches[m_currentMatch];
    m_canvas->centerOn(item);
    if (item->kind() == NodeItem::Kind::Node) {
        m_scene->clearSelection();
        item->setSelected(true); // the selection signal tells the table
    }
    m_matchLabel->setText(tr("%1 of %2").arg(m_currentMatch + 1).arg(m_matches.size()));
}

void GraphView::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslateUi();
    QWidget::changeEvent(event);
}

void GraphView::retranslateUi() {
    m_search->setPlaceholderText(tr("Find a node or tensor by name or op (Ctrl+F)"));
    m_showFolded->setText(tr("Show constants"));
    m_showFolded->setToolTip(tr("Show the constant nodes and the shape arithmetic (Shape, Gather "
                                "on shapes, ...), hidden by "
                                "default: they are not quantized and clutter the picture."));
    m_colorLabel->setText(tr("Colour:"));
    m_colorCombo->setItemText(int(ColorMode::OpCategory), tr("By op type"));
    m_colorCombo->setItemText(int(ColorMode::Region), tr("By dispatch region"));
    m_colorCombo->setItemText(int(ColorMode::BitWidth), tr("By bit width"));
    m_colorCombo->setItemText(int(ColorMode::Metric), tr("By output SQNR"));
    m_colorCombo->setItemText(int(ColorMode::Sensitivity), tr("By sensitivity"));
    m_colorCombo->setItemText(int(ColorMode::OutlierSeverity), tr("By outlier severity"));
    m_colorCombo->setItemText(int(ColorMode::ErrorOrigin), tr("By error injected vs inherited"));
    if (!m_search->text().isEmpty()) search(m_search->text());
    updateLegend();
    // Input/Output box titles are part of the picture: rebuild it in the new language.
    if (m_snapshot) rebuild();
}

GraphCanvas::GraphCanvas(QGraphicsScene* scene, QWidget* parent)
    : QGraphicsView(scene, parent) {
    setDragMode(ScrollHandDrag);
    setTransformationAnchor(AnchorUnderMouse);
    setResizeAnchor(AnchorViewCenter);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setViewportUpdateMode(SmartViewportUpdate);
    setOptimizationFlags(DontSavePainterState | DontAdjustForAntialiasing);
    setBackgroundBrush(palette().color(QPalette::Window));
    setFocusPolicy(Qt::StrongFocus);
}

void GraphCanvas::zoomBy(double factor) {
    const double current = transform().m11();
    const double target = std::clamp(current * factor, kMinZoom, kMaxZoom);
    scale(target / current, target / current);
    emit viewportChanged();
}

void GraphCanvas::wheelEvent(QWheelEvent* event) {
    // Wheel zooms around the cursor (Netron, map viewers); Shift+wheel scrolls.
    if (event->modifiers() & Qt::ShiftModifier) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    const double steps = event->angleDelta().y() / 120.0;
    if (steps != 0) zoomBy(std::pow(1.15, steps));
    event->accept();
}

void GraphCanvas::contextMenuEvent(QContextMenuEvent* event) {
    for (QGraphicsItem* item : items(event->pos())) {
        if (item->type() != NodeItem::Type) continue;
        const auto* node = static_cast<NodeItem*>(item);
        if (node->kind() != NodeItem::Kind::Node) continue;
        emit nodeContextMenuRequested(node->text().name, event->globalPos());
        event->accept();
        return;
    }
    QGraphicsView::contextMenuEvent(event);
}

void GraphCanvas::keyPressEvent(QKeyEvent* event) {
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomBy(kStepZoom);
        return;
    case Qt::Key_Minus:
        zoomBy(1 / kStepZoom);
        return;
    default:
        QGraphicsView::keyPressEvent(event);
    }
}

void GraphCanvas::scrollContentsBy(int dx, int dy) {
    QGraphicsView::scrollContentsBy(dx, dy);
    emit viewportChanged();
}

void GraphCanvas::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    emit viewportChanged();
}

GraphMiniMap::GraphMiniMap(QGraphicsScene* scene, GraphCanvas* main, QWidget* parent)
    : QWidget(parent)
    , m_scene(scene)
    , m_main(main) {
    setObjectName(QStringLiteral("graphMiniMap"));
    setCursor(Qt::PointingHandCursor);
    setAttribute(Qt::WA_OpaquePaintEvent);
}

QRectF GraphMiniMap::pictureRect() const {
    const QRectF scene = m_scene->sceneRect();
    if (scene.isEmpty()) return {};
    const double scale = std::min((width() - 4) / scene.width(), (height() - 4) / scene.height());
    const QSizeF size(scene.width() * scale, scene.height() * scale);
    return QRectF(QPointF((width() - size.width()) / 2, (height() - size.height()) / 2), size);
}

void GraphMiniMap::refresh() {
    if (m_renderPending) return;
    m_renderPending = true;
    // Deferred a little, so that it never runs in the same breath as the change that asked for
    // it (a run's results arriving): the GUI thread gets to breathe in between.
    QTimer::singleShot(kMiniMapDelayMs, this, &GraphMiniMap::render);
}

void GraphMiniMap::render() {
    m_renderPending = false;
    const QRectF target = pictureRect();
    // Only worth showing when the graph does not fit the view.
    const bool needed = !target.isEmpty() && m_scene->items().size() > 0;
    setVisible(needed);
    if (!needed) return;
    m_picture = QPixmap(target.size().toSize().expandedTo(QSize(1, 1)));
    m_picture.fill(palette().color(QPalette::Base));
    QPainter painter(&m_picture);
    m_scene->render(&painter, QRectF(QPointF(0, 0), target.size()), m_scene->sceneRect());
    painter.end();
    raise();
    update();
}

void GraphMiniMap::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Window));
    const QRectF target = pictureRect();
    painter.drawPixmap(target.topLeft(), m_picture);
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(rect().adjusted(0, 0, -1, -1));
    // The main view's visible part, in minimap coordinates.
    const QRectF scene = m_scene->sceneRect();
    if (scene.isEmpty()) return;
    const QRectF visible = m_main->mapToScene(m_main->viewport()->rect()).boundingRect();
    const double scale = target.width() / scene.width();
    QRectF frame((visible.left() - scene.left()) * scale + target.left(),
                 (visible.top() - scene.top()) * scale + target.top(), visible.width() * scale,
                 visible.height() * scale);
    painter.setPen(QPen(palette().color(QPalette::Highlight), 2));
    QColor fill = palette().color(QPalette::Highlight);
    fill.setAlphaF(0.12f);
    painter.setBrush(fill);
    painter.drawRect(frame.intersected(QRectF(rect())));
}

void GraphMiniMap::centerMainAt(const QPointF& widgetPos) {
    const QRectF target = pictureRect();
    const QRectF scene = m_scene->sceneRect();
    if (target.isEmpty()) return;
    const double scale = target.width() / scene.width();
    m_main->centerOn(QPointF((widgetPos.x() - target.left()) / scale + scene.left(),
                             (widgetPos.y() - target.top()) / scale + scene.top()));
    update();
}

void GraphMiniMap::mousePressEvent(QMouseEvent* event) {
    centerMainAt(event->position());
}

void GraphMiniMap::mouseMoveEvent(QMouseEvent* event) {
    if (event->buttons() & Qt::LeftButton) centerMainAt(event->position());
}

} // namespace qs
