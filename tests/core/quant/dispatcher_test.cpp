// Dispatcher regions on a hand-built graph with a shape subgraph, and on PP-OCR's classifier.
#include "onnx/onnx_importer.h"
#include "quant/dispatcher.h"

#include <QtTest>

using namespace qs;

namespace {

NodeId add(Graph& g, const char* name, const char* op, std::vector<ValueId> ins,
           std::vector<ValueId> outs) {
    Node n;
    n.name = name;
    n.opType = op;
    n.inputs = std::move(ins);
    n.outputs = std::move(outs);
    return g.addNode(std::move(n));
}

} // namespace

class DispatcherTest : public QObject {
    Q_OBJECT
private slots:
    void shapeSubgraphIsNotQuantized();
    void ppocrRegions();
};

void DispatcherTest::shapeSubgraphIsNotQuantized() {
    // x -> Conv -> c -> Reshape(c, shape) -> y ; shape = Concat(Gather(Shape(c), 0), [-1])
    // and a contested branch: s = Cast(Gather(Shape(c))) ; z = Mul(c, s)
    Graph g;
    auto v = [&](const char* name) { return g.addValue(name).value(); };
    const ValueId x = v("x"), w = v("w"), c = v("c"), shp = v("shp"), idx = v("idx"), n = v("n"),
                  m1 = v("m1"), target = v("target"), y = v("y"), sf = v("sf"), z = v("z");
    g.value(w).initializer = Tensor::zeros(DataType::F32, {1, 1, 1, 1});
    g.value(idx).initializer = Tensor::fromVector<int64_t>({1}, {0});
    g.value(m1).initializer = Tensor::fromVector<int64_t>({1}, {-1});
    const NodeId conv = add(g, "conv", "Conv", {x, w}, {c});
    const NodeId shape = add(g, "shape", "Shape", {c}, {shp});
    const NodeId gather = add(g, "gather", "Gather", {shp, idx}, {n});
    const NodeId concat = add(g, "concat", "Concat", {n, m1}, {target});
    const NodeId reshape = add(g, "reshape", "Reshape", {c, target}, {y});
    const NodeId cast = add(g, "cast", "Cast", {n}, {sf});
    const NodeId mul = add(g, "mul", "Mul", {c, sf}, {z});
    g.setInputs({x});
    g.setOutputs({y, z});
    QVERIFY(g.finalize().isOk());
    const auto r = dispatchRegions(g);
    QCOMPARE(r[size_t(conv)], NodeRegion::Quantizable);
    QCOMPARE(r[size_t(shape)], NodeRegion::NonQuantizable);
    QCOMPARE(r[size_t(gather)], NodeRegion::NonQuantizable);
    QCOMPARE(r[size_t(concat)], NodeRegion::NonQuantizable);
    QCOMPARE(r[size_t(reshape)], NodeRegion::Quantizable); // the shape slot does not taint it
    QCOMPARE(r[size_t(cast)], NodeRegion::NonQuantizable);
    QCOMPARE(r[size_t(mul)], NodeRegion::Contested); // data times a value computed from a shape
    QVERIFY(regionIsQuantized(NodeRegion::Contested, DispatchMode::Aggressive));
    QVERIFY(!regionIsQuantized(NodeRegion::Contested, DispatchMode::Conservative));
}

void DispatcherTest::ppocrRegions() {
    auto g = importOnnxFile(std::string(QS_SHARED_DIR) + "/models/ppocr_cls.onnx");
    QVERIFY2(g.isOk(), g.message().c_str());
    const auto r = dispatchRegions(*g);
    int convs = 0, shapeNodes = 0;
    for (NodeId n = 0; n < g->nodeCount(); ++n) {
        const Node& node = g->node(n);
        if (node.opType == "Conv") {
            ++convs;
            QCOMPARE(r[size_t(n)], NodeRegion::Quantizable);
        }
        if (node.opType == "Shape") {
            ++shapeNodes;
            QCOMPARE(r[size_t(n)], NodeRegion::NonQuantizable);
        }
        if (node.opType == "Constant") QCOMPARE(r[size_t(n)], NodeRegion::NonQuantizable);
    }
    QCOMPARE(convs, 53);
    QCOMPARE(shapeNodes, 1);
}

QTEST_GUILESS_MAIN(DispatcherTest)
#include "dispatcher_test.moc"
