// BatchNormalization folding: exact in fp32 on the real models, and equal to the folding the
// PyTorch exporter did itself (digits_mbv2.onnx is digits_mbv2_bn.onnx folded at export).
#include "exec/executor.h"
#include "io/npy.h"
#include "onnx/onnx_importer.h"
#include "quant/passes/fold_batch_norm.h"

#include <QtTest>

#include <cmath>

using namespace qs;

namespace {

const std::string kShared = QS_SHARED_DIR;

Tensor runModel(const Graph& g, const Tensor& x) {
    auto ex = Executor::create(g, ExecOptions{2});
    if (!ex) qFatal("%s", ex.message().c_str());
    auto r = (*ex)->run({{g.value(g.inputs()[0]).name, x}});
    if (!r) qFatal("%s", r.message().c_str());
    return r->outputs.begin()->second;
}

double maxRelDiff(const Tensor& a, const Tensor& b) {
    const auto x = a.toFloatVector(), y = b.toFloatVector();
    double m = 0, d = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        m = std::max(m, double(std::fabs(y[i])));
        d = std::max(d, double(std::fabs(x[i] - y[i])));
    }
    return d / m;
}

int countOps(const Graph& g, const char* op) {
    int n = 0;
    for (const Node& node : g.nodes()) n += node.opType == op;
    return n;
}

} // namespace

class BnFoldTest : public QObject {
    Q_OBJECT
private slots:
    void foldIsExact_data();
    void foldIsExact();
    void matchesExporterFolding();
    void handComputedConvBn();
};

void BnFoldTest::foldIsExact_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("data");
    QTest::addColumn<int>("bnCount");
    QTest::newRow("digits_mbv2_bn") << "models/digits_mbv2_bn.onnx"
                                    << "data/digits_test_x.npy" << 16;
    QTest::newRow("digits_mbv1_imb") << "models/digits_mbv1_imb.onnx"
                                     << "data/digits_test_x.npy" << -1;
    QTest::newRow("ppocr_cls") << "models/ppocr_cls.onnx"
                               << "data/textlines_x.npy" << 35;
}

void BnFoldTest::foldIsExact() {
    QFETCH(QString, model);
    QFETCH(QString, data);
    QFETCH(int, bnCount);
    auto g = importOnnxFile(kShared + "/" + model.toStdString());
    QVERIFY2(g.isOk(), g.message().c_str());
    auto x = readNpy(kShared + "/" + data.toStdString());
    QVERIFY(x.isOk());
    auto folded = foldBatchNorms(*g);
    QVERIFY2(folded.isOk(), folded.message().c_str());
    const int before = countOps(*g, "BatchNormalization");
    if (bnCount >= 0) QCOMPARE(before, bnCount);
    QCOMPARE(int(folded->folds.size()), before);
    QCOMPARE(countOps(folded->graph, "BatchNormalization"), 0);
    QVERIFY(folded->notFolded.empty());
    const double diff = maxRelDiff(runModel(folded->graph, *x), runModel(*g, *x));
    qInfo("%s: folded vs unfolded output max rel diff %.3g", qPrintable(model), diff);
    QVERIFY(diff <= 1e-5);
    // The record keeps each channel's factor γ/√(σ²+ε) for the range view.
    for (const auto& f : folded->folds) {
        QCOMPARE(f.factor.size(), f.gamma.size());
        QVERIFY(!f.originalWeight.empty() && !f.foldedWeight.empty());
    }
}

void BnFoldTest::matchesExporterFolding() {
    auto bn = importOnnxFile(kShared + "/models/digits_mbv2_bn.onnx");
    auto ref = importOnnxFile(kShared + "/models/digits_mbv2.onnx");
    QVERIFY(bn.isOk() && ref.isOk());
    auto folded = foldBatchNorms(*bn);
    QVERIFY(folded.isOk());
    // Conv weights in node order, ours vs the exporter's.
    std::vector<Tensor> ours, theirs;
    for (NodeId n : folded->graph.topoOrder())
        if (folded->graph.node(n).opType == "Conv")
            ours.push_back(*folded->graph.value(folded->graph.node(n).inputs[1]).initializer);
    for (NodeId n : ref->topoOrder())
        if (ref->node(n).opType == "Conv")
            theirs.push_back(*ref->value(ref->node(n).inputs[1]).initializer);
    QCOMPARE(ours.size(), theirs.size());
    double worst = 0;
    for (size_t i = 0; i < ours.size(); ++i) {
        QCOMPARE(ours[i].shape(), theirs[i].shape());
        worst = std::max(worst, maxRelDiff(ours[i], theirs[i]));
    }
    qInfo("folded conv weights vs the exporter's: max rel diff %.3g", worst);
    QVERIFY(worst <= 1e-5);
}

void BnFoldTest::handComputedConvBn() {
    // 1x1 conv, 2 output channels, W = [[1],[2]] (Cin = 1), b = [0.5, -1];
    // BN γ = [2, 0.5], β = [1, 0], μ = [0.5, 1], σ² = [3, 0.25 - 1e-5] with ε = 1e-5.
    // f = γ/√(σ²+ε) = [2/√(3.00001), 1]; W' = [f0, 2]; b' = β + (b − μ) f = [1 + 0, -2].
    Graph g;
    const ValueId x = g.addValue("x").value();
    g.value(x).info = TensorInfo{DataType::F32, {1, 1, 1, 1}, true};
    auto init = [&](const char* name, Shape s, std::vector<float> v) {
        const ValueId id = g.addValue(name).value();
        g.value(id).initializer = Tensor::fromVector<float>(s, v);
        return id;
    };
    const ValueId w = init("w", {2, 1, 1, 1}, {1, 2});
    const ValueId b = init("b", {2}, {0.5f, -1});
    const ValueId gam = init("g", {2}, {2, 0.5f}), bet = init("be", {2}, {1, 0}),
                  mu = init("mu", {2}, {0.5f, 1}), var = init("var", {2}, {3, 0.25f - 1e-5f});
    const ValueId c = g.addValue("c").value(), y = g.addValue("y").value();
    Node conv;
    conv.name = "conv";
    conv.opType = "Conv";
    conv.inputs = {x, w, b};
    conv.outputs = {c};
    g.addNode(conv);
    Node bnNode;
    bnNode.name = "bn";
    bnNode.opType = "BatchNormalization";
    bnNode.inputs = {c, gam, bet, mu, var};
    bnNode.outputs = {y};
    g.addNode(bnNode);
    g.setInputs({x});
    g.setOutputs({y});
    g.opsets()[""] = 13;
    QVERIFY(g.finalize().isOk());
    auto folded = foldBatchNorms(g);
    QVERIFY2(folded.isOk(), folded.message().c_str());
    const Graph& fg = folded->graph;
    QCOMPARE(fg.nodeCount(), 1);
    const Node& fc = fg.node(0);
    QCOMPARE(fg.value(fc.outputs[0]).name, std::string("y"));
    const auto wf = fg.value(fc.inputs[1]).initializer->toFloatVector();
    const auto bf = fg.value(fc.inputs[2]).initializer->toFloatVector();
    QVERIFY(std::fabs(wf[0] - 2.0 / std::sqrt(3.00001)) < 1e-6);
    QVERIFY(std::fabs(wf[1] - 2.0) < 1e-5);
    QVERIFY(std::fabs(bf[0] - 1.0) < 1e-6);
    QVERIFY(std::fabs(bf[1] - (-2.0)) < 1e-5);
}

QTEST_GUILESS_MAIN(BnFoldTest)
#include "bn_fold_test.moc"
