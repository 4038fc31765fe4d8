// The divergence finder (core/quant/int8/divergence_finder.h):
// - on digits_mbv2_bn (100 test images) and ppocr_cls (two text lines) no tensor is more than one
//   step from the Simulator given its inputs, and every row's figures (max steps and elements
//   beyond one step, per node and end to end, both SQNRs) equal a computation made here from
//   the executors' own runs, in the float domain, with a forcing hook of the test's own;
// - a planted fault (one QConv's requantization scale halved in the lowered program) is named
//   first, by the step criterion, with every tensor before it still within one step;
// - an absurd SQNR threshold (1000 dB) fires at the first tensor, by the SQNR criterion;
// - analyzeInt8Execution (analysis/int8_findings.h, what the GUI's table and the report read)
//   joins the findings to the right node: one activation clipped at its 60th percentile shows
//   its saturation on its own node's row and nowhere else, the codes used and the saturation
//   equal a count made here from the Simulator's values of the same samples, and a cancelled
//   run says so.
#include "analysis/analysis_common.h"
#include "analysis/int8_findings.h"
#include "io/npy.h"
#include "onnx/onnx_importer.h"
#include "quant/int8/divergence_finder.h"
#include "quant/int8/int8_executor.h"
#include "quant/quantizer.h"
#include "quant/simulator.h"

#include <QtTest>
#include <cmath>
#include <algorithm>
#include <cstring>
#include <set>

using namespace qs;

namespace {

const std::string kShared = QS_SHARED_DIR;

struct Fixture {
    QuantizedModel model;
    std::map<std::string, Tensor> inputs;
};

// The model quantized on the first `calibSamples` of `calib`, and the first `samples` of `data`
// as the compared input.
Result<Fixture> load(const std::string& model, const std::string& calib, int64_t calibSamples,
                     const std::string& data, int64_t samples) {
    QS_ASSIGN(Graph g, importOnnxFile(kShared + "/models/" + model));
    QS_ASSIGN(Tensor c, readNpy(kShared + "/data/" + calib));
    QS_ASSIGN(Tensor x, readNpy(kShared + "/data/" + data));
    auto head = [](const Tensor& t, int64_t n) {
        Shape s = t.shape();
        s[0] = std::min(s[0], n);
        Tensor h(DataType::F32, s);
        std::memcpy(h.rawData(), t.rawData(), h.byteSize()); // batch outermost
        return h;
    };
    CalibrationData calibration;
    calibration.samples = head(c, calibSamples);
    Fixture f;
    QS_ASSIGN(f.model, quantizeModel(g, QuantConfig{}, &calibration));
    f.inputs[g.value(g.inputs()[0]).name] = head(x, samples);
    return f;
}

std::map<std::string, Tensor> keptByName(const Graph& g, const RunResult& r) {
    std::map<std::string, Tensor> out;
    for (const auto& [id, t] : r.kept) out[g.value(id).name] = t;
    return out;
}

int32_t codeAt(const Tensor& t, int64_t i) {
    return t.dtype() == DataType::U8 ? int32_t(t.data<uint8_t>()[i]) : int32_t(t.data<int8_t>()[i]);
}

// Measures each produced code tensor against the Simulator's value of its plan tensor (float
// domain: |s·(q − z) − x_sim| / s) and replaces it by the Simulator's codes.
class Forcing : public ExecHooks {
public:
    Forcing(const Graph& g, const Int8Program& p, const std::map<std::string, Tensor>& sim)
        : m_g(g)
        , m_p(p)
        , m_sim(sim) {}
    Status onTensor(NodeId, ValueId value, Tensor& tensor) override {
        const std::string& name = m_g.value(value).name;
        auto c = m_p.codes.find(name);
        if (c == m_p.codes.end() || tensor.dtype() == DataType::F32) return {};
        auto s = m_sim.find(c->second.source);
        if (s == m_sim.end()) return {};
        const Int8CodeInfo& info = c->second;
        double& w = worst[name];
        int64_t& b = beyond[name];
        Tensor forced(tensor.dtype(), tensor.shape());
        for (int64_t i = 0; i < tensor.numel(); ++i) {
            const float x = s->second.data<float>()[i];
            const double d =
                std::abs(double(info.scale) * double(codeAt(tensor, i) - info.zeroPoint) - x) /
                double(info.scale);
            w = std::max(w, d);
            b += d > 1.5;
            const int32_t q = std::clamp(int32_t(std::lround(x / info.scale)) + info.zeroPoint,
                                         info.qmin, info.qmax);
            if (tensor.dtype() == DataType::U8)
                forced.data<uint8_t>()[i] = uint8_t(q);
            else
                forced.data<int8_t>()[i] = int8_t(q);
        }
        tensor = std::move(forced);
        return {};
    }
    std::map<std::string, double> worst;
    std::map<std::string, int64_t> beyond;

private:
    const Graph& m_g;
    const Int8Program& m_p;
    const std::map<std::string, Tensor>& m_sim;
};

} // namespace

class DivergenceFinderTest : public QObject {
    Q_OBJECT
private slots:
    void realModelWithinOneStep_data();
    void realModelWithinOneStep();
    void plantedFaultIsNamedFirst();
    void sqnrCriterionFires();
    void findingsJoinPerNode();
};

void DivergenceFinderTest::realModelWithinOneStep_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("calib");
    QTest::addColumn<int>("calibSamples");
    QTest::addColumn<QString>("data");
    QTest::addColumn<int>("samples");
    QTest::newRow("digits_mbv2_bn") << "digits_mbv2_bn.onnx"
                                    << "digits_calib_x.npy" << 128 << "digits_test_x.npy" << 100;
    QTest::newRow("ppocr_cls") << "ppocr_cls.onnx"
                               << "textlines_x.npy" << 16 << "textlines_x.npy" << 2;
}

void DivergenceFinderTest::realModelWithinOneStep() {
    QFETCH(QString, model);
    QFETCH(QString, calib);
    QFETCH(int, calibSamples);
    QFETCH(QString, data);
    QFETCH(int, samples);
    auto f =
        load(model.toStdString(), calib.toStdString(), calibSamples, data.toStdString(), samples);
    QVERIFY2(f.isOk(), f.message().c_str());
    auto ex = Int8Executor::create(f->model.graph, f->model.plan);
    QVERIFY2(ex.isOk(), ex.message().c_str());
    DivergenceOptions options;
    options.sqnrThresholdDb = -INFINITY; // steps only: the "within one step" target
    auto report = findDivergence(f->model.graph, f->model.plan, **ex, f->inputs, options);
    QVERIFY2(report.isOk(), report.message().c_str());
    qInfo("%s", divergenceSummary(*report).c_str());
    QVERIFY(report->tensors.size() > 20);
    QVERIFY2(!report->first, divergenceSummary(*report).c_str());
    QCOMPARE(report->criterion, DivergenceCriterion::None);
    double worstSqnr = INFINITY;
    std::string worstTensor;
    for (const TensorDivergence& t : report->tensors) {
        QVERIFY2(t.maxSteps <= 1, t.tensor.c_str());
        QCOMPARE(t.beyondOneStep, int64_t(0));
        if (t.sqnrIntDb() < worstSqnr) worstSqnr = t.sqnrIntDb(), worstTensor = t.tensor;
    }
    qInfo("%zu tensors compared; lowest SQNR(int vs fp32) %.2f dB at %s", report->tensors.size(),
          worstSqnr, worstTensor.c_str());

    // Topological order: a tensor's node comes after the nodes of the tensors it reads.
    const Graph& g = f->model.graph;
    std::map<std::string, size_t> position;
    for (size_t i = 0; i < report->tensors.size(); ++i) position[report->tensors[i].tensor] = i;
    for (size_t i = 0; i < report->tensors.size(); ++i) {
        const TensorDivergence& t = report->tensors[i];
        if (t.node.empty()) continue;
        for (ValueId in : g.node(*g.findNode(t.node)).inputs)
            if (in != kNoValue)
                if (auto p = position.find(g.value(in).name); p != position.end())
                    QVERIFY2(p->second < i, t.tensor.c_str());
    }

    // An independent computation of every row: run the executors here, keep everything, and
    // measure in the float domain (steps = |x_int − x_sim| / s with x_int the dequantized codes);
    // per node with a forcing hook of the test's own that hands every code tensor the
    // Simulator's values.
    auto fp32 = Executor::create(g);
    auto sim = Simulator::create(g, f->model.plan);
    QVERIFY(fp32.isOk() && sim.isOk());
    KeepAll keep;
    auto fr = (*fp32)->run(f->inputs, &keep);
    auto sr = (*sim)->run(f->inputs, &keep);
    auto ir = (*ex)->run(f->inputs, &keep);
    QVERIFY(fr.isOk() && sr.isOk() && ir.isOk());
    const auto fv = keptByName(g, *fr), sv = keptByName(g, *sr);
    const auto iv = keptByName((*ex)->graph(), *ir);
    Forcing forcing((*ex)->graph(), (*ex)->program(), sv);
    auto forcedRun = (*ex)->run(f->inputs, &forcing);
    QVERIFY(forcedRun.isOk());
    int checked = 0, endToEndAboveOne = 0;
    for (const TensorDivergence& row : report->tensors) {
        const Tensor& ref = fv.at(row.tensor);
        const Tensor& xs = sv.at(row.tensor);
        const Tensor& codes = iv.at(row.loweredTensor);
        const Int8CodeInfo& info = (*ex)->program().codes.at(row.loweredTensor);
        QCOMPARE(codes.numel(), ref.numel());
        double maxSteps = 0, signal = 0, noiseInt = 0, noiseSim = 0;
        int64_t beyond = 0;
        for (int64_t i = 0; i < codes.numel(); ++i) {
            // x̂ = s·(q − z) in f32, as the executor dequantizes its outputs.
            const double xi = double(info.scale * float(codeAt(codes, i) - info.zeroPoint));
            const double d = std::abs(xi - double(xs.data<float>()[i])) / double(info.scale);
            maxSteps = std::max(maxSteps, d);
            beyond += d > 1.5;
            const double r = ref.data<float>()[i];
            signal += r * r;
            noiseInt += (xi - r) * (xi - r);
            noiseSim += (double(xs.data<float>()[i]) - r) * (double(xs.data<float>()[i]) - r);
        }
        QCOMPARE(row.elements, codes.numel());
        QVERIFY(std::abs(maxSteps - std::lround(maxSteps)) < 1e-3); // both on one grid
        QCOMPARE(int(std::lround(maxSteps)), row.maxStepsEndToEnd);
        QCOMPARE(beyond, row.beyondOneStepEndToEnd);
        // Double sums in another order (the finder goes in batches): equal to 1e-4 dB.
        auto near = [](double a, double b) { return a == b || std::abs(a - b) < 1e-4; };
        QVERIFY2(near(10 * std::log10(signal / noiseInt), row.sqnrIntDb()), row.tensor.c_str());
        QVERIFY2(near(10 * std::log10(signal / noiseSim), row.sqnrSimDb()), row.tensor.c_str());
        QCOMPARE(int(std::lround(forcing.worst.at(row.loweredTensor))), row.maxSteps);
        QCOMPARE(forcing.beyond.at(row.loweredTensor), row.beyondOneStep);
        endToEndAboveOne += row.maxStepsEndToEnd > 1;
        ++checked;
    }
    qInfo("%d rows checked against the test's own runs; %d tensors more than one step apart "
          "end to end (differences compound), none given the Simulator's inputs",
          checked, endToEndAboveOne);
}

// Halve one mid-graph QConv's output scale in the lowered program: its codes move away from the
// zero point by a factor two, many steps from the Simulator's.
void DivergenceFinderTest::plantedFaultIsNamedFirst() {
    auto f = load("digits_mbv2_bn.onnx", "digits_calib_x.npy", 128, "digits_test_x.npy", 50);
    QVERIFY2(f.isOk(), f.message().c_str());
    auto program = lowerToInt8(f->model.graph, f->model.plan);
    QVERIFY2(program.isOk(), program.message().c_str());
    Graph& lowered = program->graph;
    std::vector<NodeId> qconvs;
    for (NodeId n : lowered.topoOrder())
        if (lowered.node(n).opType == "QConv" &&
            program->codes.count(lowered.value(lowered.node(n).outputs[0]).name))
            qconvs.push_back(n);
    QVERIFY(qconvs.size() > 4);
    Node& victim = lowered.node(qconvs[qconvs.size() / 2]);
    const std::string victimName = victim.name;
    Attribute& yScale = victim.attributes.at("y_scale");
    qInfo("planted fault: %s y_scale %g -> %g", victimName.c_str(), double(yScale.f),
          double(yScale.f * 0.5f));
    yScale.f *= 0.5f;
    auto ex = Int8Executor::fromProgram(std::move(program).value());
    QVERIFY2(ex.isOk(), ex.message().c_str());

    DivergenceOptions options;
    options.sqnrThresholdDb = -INFINITY;
    auto report = findDivergence(f->model.graph, f->model.plan, **ex, f->inputs, options);
    QVERIFY2(report.isOk(), report.message().c_str());
    qInfo("%s", divergenceSummary(*report).c_str());
    const TensorDivergence* first = report->firstDivergent();
    QVERIFY(first);
    QCOMPARE(first->node, victimName);
    QCOMPARE(first->loweredNode, victimName);
    QCOMPARE(first->loweredOp, std::string("QConv"));
    QCOMPARE(report->criterion, DivergenceCriterion::Steps);
    QVERIFY(first->maxSteps > 1);
    QVERIFY(first->beyondOneStep > 0);
    for (size_t i = 0; i < *report->first; ++i)
        QVERIFY2(report->tensors[i].maxSteps <= 1, report->tensors[i].tensor.c_str());
    // The summary names the node and the numbers.
    const std::string summary = divergenceSummary(*report);
    QVERIFY(summary.starts_with("first divergent node: " + victimName + " (max "));
    QVERIFY(summary.find("more than one step") != std::string::npos);
    // With the SQNR criterion on as well, the faulty node is still the first.
    options.sqnrThresholdDb = 0.0;
    auto both = findDivergence(f->model.graph, f->model.plan, **ex, f->inputs, options);
    QVERIFY2(both.isOk(), both.message().c_str());
    QVERIFY(both->firstDivergent());
    QCOMPARE(both->firstDivergent()->node, victimName);
}

void DivergenceFinderTest::sqnrCriterionFires() {
    auto f = load("digits_mbv2_bn.onnx", "digits_calib_x.npy", 128, "digits_test_x.npy", 20);
    QVERIFY2(f.isOk(), f.message().c_str());
    auto ex = Int8Executor::create(f->model.graph, f->model.plan);
    QVERIFY2(ex.isOk(), ex.message().c_str());
    DivergenceOptions options;
    options.sqnrThresholdDb = 1000.0;
    auto report = findDivergence(f->model.graph, f->model.plan, **ex, f->inputs, options);
    QVERIFY2(report.isOk(), report.message().c_str());
    qInfo("%s", divergenceSummary(*report).c_str());
    QCOMPARE(report->first, std::optional<size_t>(0));
    QCOMPARE(report->criterion, DivergenceCriterion::Sqnr);
    QVERIFY(std::isfinite(report->tensors[0].sqnrIntDb()));
    QVERIFY(divergenceSummary(*report).find("SQNR below 1000.0 dB (the simulator's too") !=
            std::string::npos);
}

void DivergenceFinderTest::findingsJoinPerNode() {
    auto base = load("digits_mbv2_bn.onnx", "digits_calib_x.npy", 128, "digits_test_x.npy", 8);
    QVERIFY2(base, base ? "" : base.message().c_str());
    const Tensor& x = base->inputs.begin()->second;
    auto before = analyzeInt8Execution(base->model, x, "");
    QVERIFY2(before, before ? "" : before.message().c_str());
    QVERIFY(before->measured);
    QCOMPARE(before->samples, int64_t(8));
    QVERIFY(before->nodes.size() >= 17); // 17 weighted layers, each compared
    QVERIFY2(before->summary.rfind("no divergence", 0) == 0, before->summary.c_str());

    // The third compared tensor (a conv's fused Clip output), clipped at its 60th percentile.
    const Int8NodeFinding victim = before->nodes.at(2);
    QVERIFY(victim.saturationLow + victim.saturationHigh < 0.5);
    QuantConfig config;
    CalibrationConfig clip;
    clip.method = CalibrationMethod::Percentile;
    clip.percentile = 60.0;
    config.tensorCalibration[victim.tensor] = clip;
    auto graph = importOnnxFile(kShared + "/models/digits_mbv2_bn.onnx");
    QVERIFY(graph);
    auto calib = readNpy(kShared + "/data/digits_calib_x.npy");
    QVERIFY(calib);
    CalibrationData calibration;
    {
        Shape s = calib->shape();
        s[0] = 128;
        calibration.samples = Tensor(DataType::F32, s);
        std::memcpy(calibration.samples.rawData(), calib->rawData(),
                    calibration.samples.byteSize());
    }
    auto clipped = quantizeModel(*graph, config, &calibration);
    QVERIFY2(clipped, clipped ? "" : clipped.message().c_str());
    auto after = analyzeInt8Execution(*clipped, x, "");
    QVERIFY2(after, after ? "" : after.message().c_str());
    const Int8NodeFinding* hit = after->node(victim.node);
    QVERIFY(hit);
    QCOMPARE(hit->tensor, victim.tensor);

    // Independent count from the Simulator: codes of its values on the tensor's grid.
    const QuantParams* p = clipped->plan.effectiveParams(victim.tensor);
    QVERIFY(p && p->scale.size() == 1);
    auto sim = Simulator::create(clipped->graph, clipped->plan, ExecOptions{1});
    QVERIFY(sim);
    auto id = clipped->graph.findValue(victim.tensor);
    QVERIFY(id);
    struct Keep : ExecHooks {
        ValueId id = kNoValue;
        Tensor value;
        Status onTensor(NodeId, ValueId v, Tensor& t) override {
            if (v == id) value = t;
            return {};
        }
    } keep;
    keep.id = *id;
    auto simRun = (*sim)->run(base->inputs, &keep);
    QVERIFY2(simRun, simRun ? "" : simRun.message().c_str());
    const Tensor& v = keep.value;
    QCOMPARE(v.dtype(), DataType::F32);
    const int32_t qmin = p->spec.qmin(), qmax = p->spec.qmax();
    int64_t low = 0, high = 0;
    std::set<int32_t> used;
    for (int64_t i = 0; i < v.numel(); ++i) {
        const int32_t q =
            std::clamp(int32_t(std::nearbyint(v.data<float>()[i] / p->scale[0])) + p->zeroPoint[0],
                       qmin, qmax);
        used.insert(q);
        low += q == qmin;
        high += q == qmax;
    }
    const double n = double(v.numel());
    QVERIFY2(high / n > 0.2, qPrintable(QString::number(high / n)));
    QCOMPARE(hit->saturationHigh, high / n);
    QCOMPARE(hit->saturationLow, low / n);
    QCOMPARE(hit->codesUsedShare, double(used.size()) / double(qmax - qmin + 1));
    QVERIFY(hit->headroomBits && *hit->headroomBits > 0);
    // Nowhere else: every other node saturates as it did before.
    for (const Int8NodeFinding& f : after->nodes) {
        if (f.node == victim.node) continue;
        const Int8NodeFinding* b = before->node(f.node);
        if (!b || b->tensor != f.tensor) continue;
        QVERIFY2(f.saturationHigh < 0.2, f.node.c_str());
    }

    CancelFlag cancelled;
    cancelled.cancel();
    Int8FindingsOptions o;
    o.progress = &cancelled;
    auto stopped = analyzeInt8Execution(base->model, x, "", o);
    QVERIFY(!stopped);
    QCOMPARE(stopped.error().code(), ErrorCode::Cancelled);
}

QTEST_GUILESS_MAIN(DivergenceFinderTest)
#include "divergence_finder_test.moc"
