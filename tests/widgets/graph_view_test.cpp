// The graph view inside the main window on the real PP-OCR classifier: which nodes are drawn
// (checked against the ONNX file read with protobuf, not our importer), folding, selection in
// both directions, search, zoom, colour modes, and the open+layout time.
#include "timing_budget.h"
#include "graph_items.h"
#include "graph_view.h"
#include "language_manager.h"
#include "main_window.h"
#include "node_table_model.h"
#include "node_table_page.h"

#include <QCheckBox>
#include <QElapsedTimer>
#include <QFile>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QItemSelectionModel>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>
#include <onnx/onnx_pb.h>

using namespace qs;

namespace {

const QString kPpocr = QStringLiteral(QS_SHARED_DIR "/models/ppocr_cls.onnx");
// The one shape computation in the file (protoc --decode=onnx.ModelProto): Shape of the pooled
// features, cast, sliced and concatenated into the target of p2o.Reshape.36.
const QSet<QString> kShapeChain{QStringLiteral("p2o.Shape.0"), QStringLiteral("p2o.Cast.0"),
                                QStringLiteral("p2o.Slice.0"), QStringLiteral("p2o.Cast.1"),
                                QStringLiteral("p2o.Cast.3"),  QStringLiteral("p2o.Concat.0")};

onnx::ModelProto readModel(const QString& path) {
    QFile file(path);
    onnx::ModelProto model;
    if (file.open(QIODevice::ReadOnly)) {
        const QByteArray bytes = file.readAll();
        model.ParseFromArray(bytes.constData(), int(bytes.size()));
    }
    return model;
}

QSet<QString> toSet(const QStringList& list) {
    return QSet<QString>(list.cbegin(), list.cend());
}

} // namespace

class GraphViewTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("QuantScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("graph_view_test"));
        QSettings().clear();
        LanguageManager::instance()->setLanguage(QStringLiteral("en"));

        m_model = readModel(kPpocr);
        const onnx::ModelProto& model = m_model;
        QCOMPARE(model.graph().node_size(), 471);
        for (const onnx::NodeProto& node : model.graph().node()) {
            const QString name = QString::fromStdString(node.name());
            if (node.op_type() != "Constant" && !kShapeChain.contains(name)) m_dataNodes << name;
        }
        QCOMPARE(m_dataNodes.size(), 471 - 250 - 6);
    }

    void cleanupTestCase() { QSettings().clear(); }

    void opensAndFoldsConstants() {
        MainWindow window;
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        GraphView* graph = window.graphView();
        QSignalSpy laidOut(graph, &GraphView::layoutFinished);
        QElapsedTimer timer;
        timer.start();
        window.openModel(kPpocr);
        QVERIFY(laidOut.wait(10000));
        const qint64 openMs = timer.elapsed();
        qInfo("ppocr_cls open + layout: %lld ms (layout alone %.1f ms)", openMs,
              graph->lastLayoutMs());
        QVERIFY2(openMs <= timingBudgetMs(2000), qPrintable(QString::number(openMs)));

        QCOMPARE(toSet(graph->drawnNodeNames()), m_dataNodes);
        // The pooled features feed the Reshape and the (folded) Shape: one edge drawn.
        int edgesIntoReshape = 0, boxes = 0;
        for (QGraphicsItem* item : graph->scene()->items()) {
            if (item->type() == NodeItem::Type) ++boxes;
            if (item->type() != EdgeItem::Type) continue;
            const auto* edge = static_cast<EdgeItem*>(item);
            if (edge->tensorName() == QLatin1String("p2o.GlobalAveragePool.19"))
                ++edgesIntoReshape;
            else
                QVERIFY(!edge->label().isEmpty()); // a shape, "?" where inference stopped
        }
        // PP-OCR's height and width are dynamic: before a run the first Conv's output shows
        // them as "?" (static inference would say 1), the batch by name, the channels as is.
        bool firstConv = false;
        for (QGraphicsItem* item : graph->scene()->items()) {
            if (item->type() != EdgeItem::Type) continue;
            const auto* edge = static_cast<EdgeItem*>(item);
            if (edge->tensorName() != QLatin1String("conv2d_53.tmp_0")) continue;
            QVERIFY2(edge->label().endsWith(QStringLiteral(",8,?,?]")), qPrintable(edge->label()));
            QVERIFY(!edge->label().startsWith(QStringLiteral("[1,")));
            firstConv = true;
        }
        QVERIFY(firstConv);
        QCOMPARE(boxes, m_dataNodes.size() + 2); // + the graph input and output
        QCOMPARE(edgesIntoReshape, 1);           // its other consumer, p2o.Shape.0, is folded
        // A tall graph opens readable, with the overview shown.
        QTRY_VERIFY(graph->miniMap()->isVisible());
        QVERIFY(graph->legendText().contains(QStringLiteral("Activation")));

        // Showing everything draws every node of the file.
        graph->setShowFolded(true);
        QVERIFY(laidOut.wait(10000));
        // (The file's Constant nodes are unnamed; the importer names them "Constant_<n>".)
        QCOMPARE(graph->drawnNodeNames().size(), m_model.graph().node_size());
        QVERIFY(toSet(graph->drawnNodeNames()).contains(m_dataNodes));
        graph->setShowFolded(false);
        QVERIFY(laidOut.wait(10000));
        QCOMPARE(graph->drawnNodeNames().size(), m_dataNodes.size());
    }

    void selectionFollowsBothWays() {
        MainWindow window;
        window.resize(1280, 800);
        window.show();
        GraphView* graph = window.graphView();
        QSignalSpy laidOut(graph, &GraphView::layoutFinished);
        window.openModel(kPpocr);
        QVERIFY(laidOut.wait(10000));
        NodeTablePage* table = window.nodePage();

        // Row → graph: the node is selected and centred.
        const QString conv = QStringLiteral("p2o.Conv.20");
        QVERIFY(m_dataNodes.contains(conv));
        QVERIFY(table->selectNode(conv));
        QCOMPARE(graph->selectedNode(), conv);
        NodeItem* item = graph->nodeItem(conv);
        QVERIFY(item && item->isSelected());
        // Centred vertically; horizontally as far as the scene allows (it is narrower than the
        // view, so Qt keeps it centred as a whole).
        const QRectF visible =
            graph->canvas()->mapToScene(graph->canvas()->viewport()->rect()).boundingRect();
        QVERIFY(visible.contains(item->sceneBoundingRect()));
        QVERIFY2(std::abs(visible.center().y() - item->sceneBoundingRect().center().y()) < 5,
                 "the selected node is centred");

        // Graph → row: a click on another node selects its row.
        const QString other = QStringLiteral("p2o.HardSigmoid.3");
        NodeItem* otherItem = graph->nodeItem(other);
        QVERIFY(otherItem);
        graph->canvas()->centerOn(otherItem);
        const QPoint at = graph->canvas()->mapFromScene(otherItem->sceneBoundingRect().center());
        QTest::mouseClick(graph->canvas()->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(graph->selectedNode(), other);
        QCOMPARE(table->currentNodeName(), other);

        // The table can hide the folded nodes as the graph does: the drawn nodes remain.
        table->setHideFolded(true);
        QCOMPARE(table->view()->model()->rowCount(), m_dataNodes.size());
        // A folded node exists in the table but not in the picture: the graph clears (and the
        // table shows the row again).
        QVERIFY(window.selectNode(QStringLiteral("p2o.Shape.0")));
        QCOMPARE(table->currentNodeName(), QStringLiteral("p2o.Shape.0"));
        QCOMPARE(graph->selectedNode(), QString());
    }

    void searchZoomAndColours() {
        MainWindow window;
        window.resize(1280, 800);
        window.show();
        GraphView* graph = window.graphView();
        QSignalSpy laidOut(graph, &GraphView::layoutFinished);
        window.openModel(kPpocr);
        QVERIFY(laidOut.wait(10000));

        // Case-insensitive, over names, ops and tensor names: the 9 HardSigmoid nodes and the 9
        // Mul nodes that read their outputs (tensors "p2o.HardSigmoid.N").
        QCOMPARE(graph->search(QStringLiteral("hardsigmoid")),
                 expectedHits(QStringLiteral("hardsigmoid")));
        QCOMPARE(expectedHits(QStringLiteral("hardsigmoid")), 18);
        QCOMPARE(graph->selectedNode().left(15), QStringLiteral("p2o.HardSigmoid"));
        QCOMPARE(window.nodePage()->currentNodeName(), graph->selectedNode());
        const QString first = graph->selectedNode();
        graph->findNext();
        QVERIFY(graph->selectedNode() != first);
        // Tensor names: the model's output tensor finds its producer and the output box.
        QVERIFY(graph->search(QStringLiteral("softmax_0.tmp_0")) >= 1);
        QCOMPARE(graph->search(QStringLiteral("no such thing")), 0);

        const double zoom = graph->zoomFactor();
        graph->zoomIn();
        QVERIFY(graph->zoomFactor() > zoom * 1.2);
        graph->zoomOut();
        graph->zoomOut();
        QVERIFY(graph->zoomFactor() < zoom);
        graph->fitToWindow();
        const QRectF visible =
            graph->canvas()->mapToScene(graph->canvas()->viewport()->rect()).boundingRect();
        QVERIFY(visible.adjusted(-2, -2, 2, 2).contains(graph->scene()->sceneRect()));

        graph->setColorMode(ColorMode::Region);
        QVERIFY(graph->legendText().contains(QStringLiteral("Quantizable")));
        QCOMPARE(graph->nodeItem(QStringLiteral("p2o.Conv.20"))->color(),
                 NodeColoring::regionColor(NodeRegion::Quantizable));
        graph->setColorMode(ColorMode::BitWidth);
        QVERIFY(graph->legendText().contains(QStringLiteral("No quantization run yet")));
        // The metric hook: any per-node number becomes a heat colour.
        NodeMetric metric;
        metric.title = QStringLiteral("SQNR (dB)");
        metric.values = {{QStringLiteral("p2o.Conv.0"), 10.0},
                         {QStringLiteral("p2o.Conv.1"), 40.0}};
        graph->setNodeMetric(metric);
        graph->setColorMode(ColorMode::Metric);
        QCOMPARE(graph->nodeItem(QStringLiteral("p2o.Conv.0"))->color(),
                 NodeColoring::heatColor(0));
        QCOMPARE(graph->nodeItem(QStringLiteral("p2o.Conv.1"))->color(),
                 NodeColoring::heatColor(1));
        QCOMPARE(graph->nodeItem(QStringLiteral("p2o.Conv.2"))->color(), NodeColoring::neutral());
        QVERIFY(graph->legendText().contains(QStringLiteral("40.0 (best)")));
    }

    // A generated deep residual network of 1500 nodes (Conv 1x1 → Relu → Add with the block
    // input, 500 times) opens and is laid out within the 2 s budget.
    void largeGraphOpensFast() {
        onnx::ModelProto model;
        model.set_ir_version(7);
        model.add_opset_import()->set_version(13);
        onnx::GraphProto* graph = model.mutable_graph();
        graph->set_name("deep_resnet");
        auto declare = [](onnx::ValueInfoProto* info, const char* name) {
            info->set_name(name);
            auto* type = info->mutable_type()->mutable_tensor_type();
            type->set_elem_type(onnx::TensorProto::FLOAT);
            for (int d : {1, 4, 8, 8}) type->mutable_shape()->add_dim()->set_dim_value(d);
        };
        declare(graph->add_input(), "x");
        onnx::TensorProto* weight = graph->add_initializer();
        weight->set_name("w");
        weight->set_data_type(onnx::TensorProto::FLOAT);
        for (int d : {4, 4, 1, 1}) weight->add_dims(d);
        for (int i = 0; i < 16; ++i) weight->add_float_data(i % 5 == 0 ? 1.0f : 0.01f);
        std::string previous = "x";
        constexpr int kBlocks = 500;
        for (int b = 0; b < kBlocks; ++b) {
            const std::string id = std::to_string(b);
            auto add = [&](const char* op, std::vector<std::string> inputs, std::string output) {
                onnx::NodeProto* node = graph->add_node();
                node->set_op_type(op);
                node->set_name(std::string(op) + "_" + id);
                for (const std::string& in : inputs) node->add_input(in);
                node->add_output(output);
            };
            add("Conv", {previous, "w"}, "c" + id);
            add("Relu", {"c" + id}, "r" + id);
            add("Add", {"r" + id, previous}, "a" + id);
            previous = "a" + id;
        }
        declare(graph->add_output(), previous.c_str());
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("deep_resnet.onnx"));
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            const std::string bytes = model.SerializeAsString();
            file.write(bytes.data(), qint64(bytes.size()));
        }

        MainWindow window;
        window.resize(1280, 800);
        window.show();
        QSignalSpy laidOut(window.graphView(), &GraphView::layoutFinished);
        QElapsedTimer timer;
        timer.start();
        window.openModel(path);
        QVERIFY(laidOut.wait(20000));
        const qint64 ms = timer.elapsed();
        qInfo("1500-node graph open + layout: %lld ms (layout alone %.1f ms)", ms,
              window.graphView()->lastLayoutMs());
        QCOMPARE(window.graphView()->drawnNodeNames().size(), 3 * kBlocks);
        QVERIFY2(ms <= timingBudgetMs(2000), qPrintable(QString::number(ms)));
    }

private:
    // Drawn nodes whose name, op, input or output names contain `needle`, from the file.
    int expectedHits(const QString& needle) const {
        int hits = 0;
        for (const onnx::NodeProto& node : m_model.graph().node()) {
            if (!m_dataNodes.contains(QString::fromStdString(node.name()))) continue;
            QStringList words{QString::fromStdString(node.name()),
                              QString::fromStdString(node.op_type())};
            for (const std::string& t : node.input()) words << QString::fromStdString(t);
            for (const std::string& t : node.output()) words << QString::fromStdString(t);
            hits += words.join(QLatin1Char('\n')).contains(needle, Qt::CaseInsensitive);
        }
        return hits;
    }

    onnx::ModelProto m_model;
    QSet<QString> m_dataNodes;
};

QTEST_MAIN(GraphViewTest)
#include "graph_view_test.moc"
