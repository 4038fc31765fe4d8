// Numeric hazards of the quantization pipeline (hardening issue): NaN/Inf in weights and in
// calibration data, all-zero and denormal weights, a calibration set of one sample and an empty
// one. Each gives a clear error naming what is at fault, or a defined, finite result.
#include "exec/executor.h"
#include "io/npy.h"
#include "onnx/onnx_importer.h"
#include "quant/quantizer.h"
#include "quant/simulator.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>

using namespace qs;

namespace {

const std::string kShared = QS_SHARED_DIR;

Graph digits() {
    auto g = importOnnxFile(kShared + "/models/digits_mbv2_bn.onnx");
    if (!g) qFatal("%s", g.message().c_str());
    return std::move(g).value();
}

Tensor calibSamples(int64_t n) {
    auto x = readNpy(kShared + "/data/digits_calib_x.npy");
    if (!x) qFatal("%s", x.message().c_str());
    Shape s = x->shape();
    s[0] = n;
    Tensor out(DataType::F32, s);
    if (out.byteSize()) std::memcpy(out.rawData(), x->rawData(), out.byteSize());
    return out;
}

// The first Conv's weight initializer (a copy that the test may modify).
ValueId firstConvWeight(const Graph& g) {
    for (NodeId n : g.topoOrder())
        if (g.node(n).opType == "Conv") return g.node(n).inputs[1];
    qFatal("no Conv");
}

void setWeight(Graph& g, ValueId w, const std::function<float(int64_t, float)>& f) {
    Tensor t = g.value(w).initializer->clone();
    float* p = t.data<float>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = f(i, p[i]);
    g.value(w).initializer = t;
}

// Runs the simulator on the calibration samples; every output value must be finite.
void expectFiniteSimulation(const QuantizedModel& q, const Tensor& x) {
    auto sim = Simulator::create(q.graph, q.plan, ExecOptions{1});
    QVERIFY2(sim.isOk(), sim.message().c_str());
    const std::string in = q.graph.value(q.graph.inputs()[0]).name;
    auto r = (*sim)->run({{in, x}});
    QVERIFY2(r.isOk(), r.message().c_str());
    const Tensor& y = r->outputs.begin()->second;
    for (int64_t i = 0; i < y.numel(); ++i) QVERIFY(std::isfinite(y.data<float>()[i]));
}

void expectFinitePlan(const QuantizedModel& q) {
    for (const auto& [name, e] : q.plan.tensors)
        for (float s : e.params.scale) {
            if (!(s > 0.0f) || !std::isfinite(s))
                QFAIL(qPrintable(
                    QString::fromStdString("tensor " + name + " has scale " + std::to_string(s))));
        }
}

} // namespace

class NumericHazardsTest : public QObject {
    Q_OBJECT
private slots:
    void oneCalibrationSample() {
        const Tensor x = calibSamples(1);
        CalibrationData c{x, "", 16};
        auto q = quantizeModel(digits(), QuantConfig{}, &c);
        QVERIFY2(q.isOk(), q.message().c_str());
        QCOMPARE(q->calibrationSamples, 1);
        expectFinitePlan(*q);
        expectFiniteSimulation(*q, x);
    }

    void emptyCalibrationSetIsAnError() {
        CalibrationData c{calibSamples(0), "", 16};
        auto q = quantizeModel(digits(), QuantConfig{}, &c);
        QVERIFY(!q.isOk());
        QVERIFY2(QString::fromStdString(q.message())
                         .contains(QLatin1String("no samples"), Qt::CaseInsensitive) ||
                     QString::fromStdString(q.message())
                         .contains(QLatin1String("empty"), Qt::CaseInsensitive),
                 q.message().c_str());
    }

    void nanInCalibrationDataNamesTheTensor() {
        Tensor x = calibSamples(4).clone();
        x.data<float>()[5] = std::numeric_limits<float>::quiet_NaN();
        CalibrationData c{x, "", 16};
        auto q = quantizeModel(digits(), QuantConfig{}, &c);
        QVERIFY(!q.isOk());
        QVERIFY2(QString::fromStdString(q.message()).contains(QLatin1String("NaN")),
                 q.message().c_str());
    }

    void infInCalibrationDataIsAnError() {
        Tensor x = calibSamples(4).clone();
        x.data<float>()[7] = std::numeric_limits<float>::infinity();
        CalibrationData c{x, "", 16};
        auto q = quantizeModel(digits(), QuantConfig{}, &c);
        QVERIFY(!q.isOk());
        QVERIFY2(QString::fromStdString(q.message()).contains(QLatin1String("not finite")),
                 q.message().c_str());
    }

    void nanWeightNamesTheInitializer() {
        Graph g = digits();
        const ValueId w = firstConvWeight(g);
        setWeight(g, w, [](int64_t i, float v) {
            return i == 3 ? std::numeric_limits<float>::quiet_NaN() : v;
        });
        CalibrationData c{calibSamples(8), "", 16};
        auto q = quantizeModel(g, QuantConfig{}, &c);
        QVERIFY(!q.isOk());
        // The node and its weight are named, and the fault.
        const QString msg = QString::fromStdString(q.message());
        const QString node = QString::fromStdString(g.node(g.value(w).consumers.front()).name);
        QVERIFY2(msg.contains(node) && msg.contains(QLatin1String("not finite")),
                 q.message().c_str());
    }

    void allZeroWeightsQuantizeToZero() {
        Graph g = digits();
        const ValueId w = firstConvWeight(g);
        setWeight(g, w, [](int64_t, float) { return 0.0f; });
        const Tensor x = calibSamples(8);
        CalibrationData c{x, "", 16};
        for (Granularity gran : {Granularity::PerTensor, Granularity::PerChannel}) {
            QuantConfig config;
            config.weight.granularity = gran;
            auto q = quantizeModel(g, config, &c);
            QVERIFY2(q.isOk(), q.message().c_str());
            expectFinitePlan(*q);
            expectFiniteSimulation(*q, x);
        }
    }

    void denormalWeightsGiveFiniteScales() {
        Graph g = digits();
        const ValueId w = firstConvWeight(g);
        // Channel 0 of the first conv becomes denormal: its per-channel scale must stay finite
        // and positive (1e-40 / 127 underflows to 0 in float without a floor).
        const Shape shape = g.value(w).initializer->shape();
        const int64_t perChannel = g.value(w).initializer->numel() / shape[0];
        setWeight(g, w, [&](int64_t i, float v) {
            return i < perChannel ? (i % 2 ? 1e-40f : -1e-40f) : v;
        });
        const Tensor x = calibSamples(8);
        CalibrationData c{x, "", 16};
        QuantConfig config;
        config.foldBatchNorm = false; // keep the denormals as they are
        auto q = quantizeModel(g, config, &c);
        QVERIFY2(q.isOk(), q.message().c_str());
        expectFinitePlan(*q);
        expectFiniteSimulation(*q, x);
    }
};

QTEST_APPLESS_MAIN(NumericHazardsTest)
#include "numeric_hazards_test.moc"
