// Concat scale alignment (align-concat) on a tiny hand-built graph (concat_graph.h) with
// hand-chosen clip ranges: the plan's scales and zero points against values computed by hand,
// the simulator's Concat against the quantization formula, and the QDQ export's parameters.
#include "concat_graph.h"
#include "onnx/onnx_exporter.h"
#include "onnx/onnx_importer.h"
#include "quant/plan_builder.h"
#include "quant/simulator.h"

#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

using namespace qs;

namespace {

// Calibrated ranges, by hand. Aligned group {c, y1, y3} (y1 through MaxPool): union [-2, 12].
const std::map<std::string, ClipRange> kRanges{{"x", {-1.0f, 1.5f}},
                                               {"y1", {-2.0f, 6.0f}},
                                               {"y3", {0.0f, 12.0f}},
                                               {"c", {-1.5f, 10.0f}},
                                               {"z", {-1.0f, 1.0f}}};

// Default activations: asymmetric uint8, s = (hi − lo)/255, z = −round(lo/s) (half to even).
struct Grid {
    float scale;
    int32_t zeroPoint;
};
const Grid kUnion{14.0f / 255.0f, 36}; // [-2, 12]: -2/(14/255) = -36.43 -> z = 36
const Grid kY1{8.0f / 255.0f, 64};     // [-2, 6]:  -2/(8/255) = -63.75 -> z = 64
const Grid kY3{12.0f / 255.0f, 0};     // [0, 12]
const Grid kC{11.5f / 255.0f, 33};     // [-1.5, 10]: -1.5/(11.5/255) = -33.26 -> z = 33
const float kW2Scale = 0.5f / 127.0f;  // w2 symmetric int8 per channel: max |w| = 0.5

// x̂ = s (clamp(round_half_even(x/s) + z, 0, 255) − z), written out independently of quant_params.
float fakeQuant(float x, Grid g) {
    const float q = std::clamp(std::nearbyint(x / g.scale) + float(g.zeroPoint), 0.0f, 255.0f);
    return g.scale * (q - float(g.zeroPoint));
}

Graph finalizedGraph() {
    Graph g = testing::makeConcatGraph();
    if (Status st = g.finalize(); !st) qFatal("%s", st.message().c_str());
    return g;
}

QuantPlan planFor(const Graph& g, bool align) {
    QuantConfig config;
    config.alignConcatScales = align;
    auto plan = buildQuantPlan(g, config, kRanges);
    if (!plan) qFatal("%s", plan.message().c_str());
    return std::move(plan).value();
}

bool sameGrid(const QuantParams& p, Grid g) {
    return p.count() == 1 && std::fabs(p.scale[0] - g.scale) <= 1e-6f * g.scale &&
           p.zeroPoint[0] == g.zeroPoint;
}

// Keeps copies of the named tensors as the simulator hands them on (after fake quantization).
class Capture : public ExecHooks {
public:
    explicit Capture(const Graph& g)
        : m_graph(g) {}
    Status onTensor(NodeId, ValueId value, Tensor& tensor) override {
        values[m_graph.value(value).name] = tensor.toFloatVector();
        return {};
    }
    std::map<std::string, std::vector<float>> values;

private:
    const Graph& m_graph;
};

Tensor sampleInput() {
    // Values that drive y1 and y3 across their ranges and off the grids.
    return Tensor::fromVector<float>({1, 2, 2, 2},
                                     {0.93f, -0.41f, 0.17f, -1.0f, 0.66f, 0.0f, 1.0f, 0.29f});
}

} // namespace

class ScaleAlignmentTest : public QObject {
    Q_OBJECT
private slots:
    void alignedPlanSharesUnionScale();
    void unalignedPlanKeepsOwnScales();
    void simulatorConcatAddsNoRounding();
    void qdqExportCarriesSharedScale();
};

void ScaleAlignmentTest::alignedPlanSharesUnionScale() {
    const Graph g = finalizedGraph();
    const QuantPlan plan = planFor(g, true);
    for (const char* name : {"c", "y1", "y3"}) {
        const TensorQuantEntry* e = plan.tensor(name);
        QVERIFY2(e && e->params.state == TensorQuantState::Quantized, name);
        QVERIFY2(sameGrid(e->params, kUnion), name);
        QCOMPARE(e->alignedWith, std::string("c"));
        QCOMPARE(e->params.min[0], -2.0f);
        QCOMPARE(e->params.max[0], 12.0f);
    }
    // The passive MaxPool output keeps pointing at its producer, whose params are now the union's.
    QCOMPARE(plan.tensor("p1")->params.state, TensorQuantState::Passive);
    QCOMPARE(plan.tensor("p1")->passiveSource, std::string("y1"));
    // Tensors outside the group are untouched: x keeps [-1, 1.5] (s = 2.5/255, z = 1/s = 102).
    QVERIFY(sameGrid(plan.tensor("x")->params, Grid{2.5f / 255.0f, 102}));
    QVERIFY(plan.tensor("x")->alignedWith.empty());
    // conv2 reads y1: its int32 bias scale s_y1·s_w2 follows the aligned scale.
    const TensorQuantEntry* b2 = plan.tensor("b2");
    QVERIFY(b2 && b2->isBias);
    QVERIFY(std::fabs(b2->params.scale[0] - kUnion.scale * kW2Scale) <=
            1e-6f * kUnion.scale * kW2Scale);
    // quant_table.json names the group.
    const std::string json = quantPlanToJson(plan);
    QVERIFY(json.find("\"aligned_with\"") != std::string::npos);
    QVERIFY(json.find("\"align_concat\"") != std::string::npos);
    auto back = quantPlanFromJson(json);
    QVERIFY2(back.isOk(), back.message().c_str());
    QCOMPARE(back->tensor("y3")->alignedWith, std::string("c"));
}

void ScaleAlignmentTest::unalignedPlanKeepsOwnScales() {
    const Graph g = finalizedGraph();
    const QuantPlan plan = planFor(g, false);
    QVERIFY(sameGrid(plan.tensor("y1")->params, kY1));
    QVERIFY(sameGrid(plan.tensor("y3")->params, kY3));
    QVERIFY(sameGrid(plan.tensor("c")->params, kC));
    for (const char* name : {"c", "y1", "y3"}) QVERIFY(plan.tensor(name)->alignedWith.empty());
    const float b2 = plan.tensor("b2")->params.scale[0];
    QVERIFY(std::fabs(b2 - kY1.scale * kW2Scale) <= 1e-6f * kY1.scale * kW2Scale);
}

void ScaleAlignmentTest::simulatorConcatAddsNoRounding() {
    const Graph g = finalizedGraph();
    for (bool align : {true, false}) {
        const QuantPlan plan = planFor(g, align);
        auto sim = Simulator::create(g, plan);
        QVERIFY2(sim.isOk(), sim.message().c_str());
        Capture capture((*sim)->graph());
        auto r = (*sim)->run({{"x", sampleInput()}}, &capture);
        QVERIFY2(r.isOk(), r.message().c_str());
        const auto c = r->outputs.at("c").toFloatVector();
        const auto& y1 = capture.values.at("y1"); // y1 and y3 as the simulator quantized them
        const auto& y3 = capture.values.at("y3");
        QCOMPARE(c.size(), size_t(16));
        int requantized = 0;
        for (size_t i = 0; i < 16; ++i) {
            const float in = i < 8 ? y1[i] : y3[i - 8]; // channels 0-1 from p1 (= y1), 2-3 from y3
            // Aligned: the Concat output is its inputs' codes, unchanged. Not aligned: the
            // inputs' values rounded again onto c's own grid.
            const float expected = align ? in : fakeQuant(in, kC);
            QVERIFY2(c[i] == expected, qPrintable(QStringLiteral("align %1, element %2: %3 vs %4")
                                                      .arg(align)
                                                      .arg(i)
                                                      .arg(double(c[i]))
                                                      .arg(double(expected))));
            requantized += c[i] != in;
            if (align) QVERIFY(in == fakeQuant(in, kUnion)); // the inputs sit on the shared grid
        }
        // The check can tell the modes apart: without alignment some values moved.
        if (!align) QVERIFY(requantized > 0);
    }
}

void ScaleAlignmentTest::qdqExportCarriesSharedScale() {
    const Graph g = finalizedGraph();
    QTemporaryDir dir;
    for (bool align : {true, false}) {
        const QuantPlan plan = planFor(g, align);
        const std::string path =
            dir.filePath(align ? QStringLiteral("aligned.onnx") : QStringLiteral("plain.onnx"))
                .toStdString();
        QVERIFY(exportQdqModel(g, plan, path).isOk());
        auto back = importOnnxFile(path);
        QVERIFY2(back.isOk(), back.message().c_str());
        // Scale of the QuantizeLinear applied to each activation, read from the exported file.
        std::map<std::string, std::pair<float, int>> q;
        for (const Node& n : back->nodes()) {
            if (n.opType != "QuantizeLinear") continue;
            const Value& scale = back->value(n.inputs[1]);
            const Value& zp = back->value(n.inputs[2]);
            QVERIFY(scale.initializer && zp.initializer);
            const std::string tensor =
                n.name.substr(0, n.name.rfind("_QuantizeLinear")); // the exporter's naming
            q[tensor] = {scale.initializer->toFloatVector()[0],
                         int(zp.initializer->toFloatVector()[0])};
        }
        for (const char* name : {"y1", "y3", "c"}) QVERIFY2(q.count(name), name);
        const Grid y1 = align ? kUnion : kY1, y3 = align ? kUnion : kY3, c = align ? kUnion : kC;
        QVERIFY(std::fabs(q["y1"].first - y1.scale) <= 1e-6f * y1.scale &&
                q["y1"].second == y1.zeroPoint);
        QVERIFY(std::fabs(q["y3"].first - y3.scale) <= 1e-6f * y3.scale &&
                q["y3"].second == y3.zeroPoint);
        QVERIFY(std::fabs(q["c"].first - c.scale) <= 1e-6f * c.scale &&
                q["c"].second == c.zeroPoint);
    }
}

QTEST_GUILESS_MAIN(ScaleAlignmentTest)
#include "scale_alignment_test.moc"
