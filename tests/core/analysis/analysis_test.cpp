// Analysis and repair (issue 5): cross-layer equalization, weight outliers after BN merge,
// histograms and channel spread, bias correction. References: hand-computed values, the fp32
// model itself (CLE must not change it), the model card of ../shared (fp32 top-1, what
// per-tensor quantization does to digits_mbv1_imb).
#include "analysis/accuracy.h"
#include "analysis/channel_spread.h"
#include "analysis/error_propagation.h"
#include "analysis/mixed_bits.h"
#include "analysis/quant_layers.h"
#include "analysis/sensitivity.h"
#include "analysis/tensor_histograms.h"
#include "analysis/weight_outliers.h"
#include "exec/executor.h"
#include "io/npy.h"
#include "onnx/onnx_importer.h"
#include "quant/passes/cross_layer_equalization.h"
#include "quant/quantizer.h"
#include "quant/simulator.h"

#include <QtTest>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

using namespace qs;

namespace {

const std::string kShared = QS_SHARED_DIR;

Graph loadModel(const std::string& name) {
    auto g = importOnnxFile(kShared + "/models/" + name);
    if (!g) qFatal("%s", g.message().c_str());
    return std::move(g).value();
}

Tensor loadData(const std::string& name) {
    auto t = readNpy(kShared + "/data/" + name);
    if (!t) qFatal("%s", t.message().c_str());
    return std::move(t).value();
}

Tensor runGraph(const Graph& g, const Tensor& x) {
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

QuantConfig perTensorConfig() {
    QuantConfig c;
    c.weight.granularity = Granularity::PerTensor;
    c.threads = 2;
    return c;
}

QuantConfig perTensorConfigBits(int bits) {
    QuantConfig c = perTensorConfig();
    c.weight.bits = bits;
    return c;
}

Tensor firstRows(const Tensor& t, int64_t n) {
    Shape s = t.shape();
    s[0] = std::min(n, s[0]);
    Tensor out(t.dtype(), s);
    std::memcpy(out.rawData(), t.rawData(), out.byteSize());
    return out;
}

QuantizedModel quantizeDigits(const Graph& g, const QuantConfig& config) {
    CalibrationData calib;
    calib.samples = loadData("digits_calib_x.npy");
    auto q = quantizeModel(g, config, &calib);
    if (!q) qFatal("%s", q.message().c_str());
    return std::move(q).value();
}

// Top-1 and SQNR of the quantized model against fp32 on the digits test split.
AccuracyResult evalDigits(const Graph& g, const QuantizedModel& q) {
    const Tensor x = loadData("digits_test_x.npy"), y = loadData("digits_test_y.npy");
    auto sim = Simulator::create(q.graph, q.plan, ExecOptions{2});
    if (!sim) qFatal("%s", sim.message().c_str());
    auto out = (*sim)->run({{g.value(g.inputs()[0]).name, x}});
    if (!out) qFatal("%s", out.message().c_str());
    auto acc = compareClassifiers(runGraph(g, x), out->outputs.begin()->second, &y);
    if (!acc) qFatal("%s", acc.message().c_str());
    return *acc;
}

// Small graphs built in code.
struct Builder {
    Graph g;
    ValueId value(const std::string& name) { return g.addValue(name).value(); }
    ValueId init(const std::string& name, Shape s, const std::vector<float>& v) {
        const ValueId id = value(name);
        g.value(id).initializer = Tensor::fromVector<float>(s, v);
        g.value(id).info = TensorInfo{DataType::F32, s, true};
        return id;
    }
    void node(const std::string& name, const std::string& op, std::vector<ValueId> in,
              std::vector<ValueId> out, std::map<std::string, Attribute> attrs = {}) {
        Node n;
        n.name = name;
        n.opType = op;
        n.inputs = std::move(in);
        n.outputs = std::move(out);
        n.attributes = std::move(attrs);
        g.addNode(n);
    }
    Graph finish(ValueId input, Shape inputShape, ValueId output) {
        g.value(input).info = TensorInfo{DataType::F32, inputShape, true};
        g.setInputs({input});
        g.setOutputs({output});
        g.opsets()[""] = 13;
        if (Status st = g.finalize(); !st) qFatal("%s", st.message().c_str());
        return g;
    }
};

std::vector<float> gaussian(size_t n, float sigma, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, sigma);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

} // namespace

class AnalysisTest : public QObject {
    Q_OBJECT
private slots:
    void cleHandComputed();
    void cleSkipsRelu6();
    void cleIsExactOnImbalancedModel();
    void cleRecoversPerTensorAccuracy();
    void outliersRankImbalancedDepthwiseFirst();
    void plantedOutlierChannelIsFound();
    void channelStatsHandComputed();
    void histogramsAndSpread();
    void biasCorrectionHandComputed();
    void biasCorrectionImprovesLowBitSqnr();
    void sensitivityConeMatchesFullRun();
    void sensitivityFirstRankedRecoversMore();
    void errorSplitInjectedInherited();
    void adaroundBeatsNearestW4();
    void mixedBitsPredictedMatchesMeasured();
    void sensitivityConeWithIntegerInput();
};

void AnalysisTest::cleHandComputed() {
    // A: 1x1 conv, Cin 2, W_A = [[4, -4], [1, -1]], b_A = [2, 1]; Relu; B: 1x1 conv, Cout 1,
    // W_B = [1, 4]. r1 = [4, 1], r2 = [1, 4], s = √(r1/r2) = [2, 0.5]:
    // W_A = [[2, -2], [2, -2]], b_A = [1, 2], W_B = [2, 2].
    Builder b;
    const ValueId x = b.value("x"), a = b.value("a"), r = b.value("r"), y = b.value("y");
    b.node("A", "Conv", {x, b.init("wa", {2, 2, 1, 1}, {4, -4, 1, -1}), b.init("ba", {2}, {2, 1})},
           {a});
    b.node("relu", "Relu", {a}, {r});
    b.node("B", "Conv", {r, b.init("wb", {1, 2, 1, 1}, {1, 4})}, {y});
    const Graph g = b.finish(x, {1, 2, 2, 2}, y);
    auto cle = equalizeCrossLayer(g);
    QVERIFY2(cle.isOk(), cle.message().c_str());
    QCOMPARE(int(cle->pairs.size()), 1);
    QCOMPARE(cle->pairs[0].between, std::string("Relu"));
    QVERIFY(cle->converged);
    const Graph& e = cle->graph;
    auto values = [&](const char* name) {
        return e.value(*e.findValue(name)).initializer->toFloatVector();
    };
    QCOMPARE(values("wa"), (std::vector<float>{2, -2, 2, -2}));
    QCOMPARE(values("ba"), (std::vector<float>{1, 2}));
    QCOMPARE(values("wb"), (std::vector<float>{2, 2}));
    QCOMPARE(cle->outputDivisors.at("A"), (std::vector<double>{2, 0.5}));
    QCOMPARE(cle->layers[0].rangeRatioBefore, 8.0 / 5.0); // ranges [8, 2]: largest / median (5)
    QCOMPARE(cle->layers[0].rangeRatioAfter, 1.0);
    const Tensor in = Tensor::fromVector<float>({1, 2, 2, 2}, {1, -1, 0.5f, 3, 2, 0.25f, -3, 1});
    QVERIFY(maxRelDiff(runGraph(e, in), runGraph(g, in)) < 1e-6);
}

void AnalysisTest::cleSkipsRelu6() {
    // Clip(0, 6) is not scale-invariant: the pair must be left alone and named.
    Builder b;
    const ValueId x = b.value("x"), a = b.value("a"), r = b.value("r"), y = b.value("y");
    b.node("A", "Conv", {x, b.init("wa", {2, 1, 1, 1}, {4, 1})}, {a});
    b.node("relu6", "Clip", {a, b.init("lo", {}, {0}), b.init("hi", {}, {6})}, {r});
    b.node("B", "Conv", {r, b.init("wb", {1, 2, 1, 1}, {1, 4})}, {y});
    const Graph g = b.finish(x, {1, 1, 2, 2}, y);
    auto cle = equalizeCrossLayer(g);
    QVERIFY2(cle.isOk(), cle.message().c_str());
    QVERIFY(cle->pairs.empty());
    QCOMPARE(int(cle->skipped.size()), 1);
    QVERIFY(cle->skipped[0].find("Clip") != std::string::npos);
    QCOMPARE(cle->graph.value(*cle->graph.findValue("wa")).initializer->toFloatVector(),
             (std::vector<float>{4, 1}));
}

void AnalysisTest::cleIsExactOnImbalancedModel() {
    const Graph g = loadModel("digits_mbv1_imb.onnx");
    auto folded = foldBatchNorms(g);
    QVERIFY(folded.isOk());
    auto cle = equalizeCrossLayer(folded->graph);
    QVERIFY2(cle.isOk(), cle.message().c_str());
    // 11 convolutions in a chain, then pooling and the classifier: 11 pairs (the last one
    // through GlobalAveragePool and Flatten into the Gemm).
    QCOMPARE(int(cle->pairs.size()), 11);
    QVERIFY(cle->converged);
    const Tensor x = loadData("digits_test_x.npy");
    const double diff = maxRelDiff(runGraph(cle->graph, x), runGraph(g, x));
    qInfo("CLE: %d sweeps, output max rel diff %.3g", cle->sweeps, diff);
    QVERIFY(diff <= 1e-4);
    double worstBefore = 0, worstAfter = 0;
    for (const CleLayerRanges& l : cle->layers) {
        qInfo("  %-12s range ratio %8.2f -> %6.2f", l.node.c_str(), l.rangeRatioBefore,
              l.rangeRatioAfter);
        worstBefore = std::max(worstBefore, l.rangeRatioBefore);
        worstAfter = std::max(worstAfter, l.rangeRatioAfter);
    }
    QVERIFY(worstBefore > 20);
    QVERIFY(worstAfter < worstBefore / 5);
}

void AnalysisTest::cleRecoversPerTensorAccuracy() {
    const Graph g = loadModel("digits_mbv1_imb.onnx");
    const AccuracyResult plain = evalDigits(g, quantizeDigits(g, perTensorConfig()));
    QuantConfig config = perTensorConfig();
    config.cle = true;
    const QuantizedModel q = quantizeDigits(g, config);
    const AccuracyResult cle = evalDigits(g, q);
    qInfo("W8A8 per-tensor: top-1 %.3f (SQNR %.1f dB); with CLE %.3f (SQNR %.1f dB); fp32 %.3f",
          *plain.top1, plain.sqnrDb, *cle.top1, cle.sqnrDb, *cle.fp32Top1);
    QVERIFY(q.cle.has_value());
    QVERIFY(*plain.top1 < 0.3);                 // the collapse the model card describes
    QVERIFY(*cle.top1 >= *cle.fp32Top1 - 0.01); // within one point of fp32
}

void AnalysisTest::outliersRankImbalancedDepthwiseFirst() {
    const Graph g = loadModel("digits_mbv1_imb.onnx");
    const QuantizedModel q = quantizeDigits(g, perTensorConfig());
    const auto layers = quantLayers(q);
    QCOMPARE(int(layers.size()), 12); // 11 Conv + Gemm
    auto report = analyzeWeightOutliers(layers);
    QVERIFY2(report.isOk(), report.message().c_str());
    int depthwise = 0;
    for (const QuantLayerRef& l : layers) depthwise += l.depthwise;
    QVERIFY(depthwise >= 4);
    for (size_t i : report->ranking) {
        const LayerOutliers& l = report->layers[i];
        qInfo("  #%-2d %-10s %s ratio %8.2f per-tensor noise %6.1f dB (per-channel %6.1f) outlier "
              "channels %zu",
              l.rank, l.node.c_str(), l.depthwise ? "dw" : "  ", l.channelRangeRatio,
              l.perTensorNoiseDb, l.perChannelNoiseDb, l.outlierChannels.size());
    }
    for (int r = 0; r < depthwise; ++r)
        QVERIFY2(report->layers[report->ranking[size_t(r)]].depthwise,
                 "a depthwise layer is not ranked first");
}

void AnalysisTest::plantedOutlierChannelIsFound() {
    // conv1 (8 out, 4 in, 3x3) + BN whose γ is 1 except channel 5 (γ = 40) + Relu, then a clean
    // 1x1 conv2. After merge, channel 5's weights are 40x the others: the only outlier channel,
    // and conv1 the layer per-tensor quantization hurts most.
    Builder b;
    const ValueId x = b.value("x"), c1 = b.value("c1"), bn = b.value("bn"), r = b.value("r"),
                  y = b.value("y");
    std::vector<float> gamma(8, 1.0f);
    gamma[5] = 40.0f;
    b.node("conv1", "Conv", {x, b.init("w1", {8, 4, 3, 3}, gaussian(8 * 4 * 9, 0.1f, 7))}, {c1},
           {{"pads", [] {
                 Attribute a;
                 a.kind = Attribute::Kind::Ints;
                 a.ints = {1, 1, 1, 1};
                 return a;
             }()}});
    b.node("bn1", "BatchNormalization",
           {c1, b.init("gamma", {8}, gamma), b.init("beta", {8}, std::vector<float>(8, 0.1f)),
            b.init("mean", {8}, std::vector<float>(8, 0.0f)),
            b.init("var", {8}, std::vector<float>(8, 1.0f))},
           {bn});
    b.node("relu", "Relu", {bn}, {r});
    b.node("conv2", "Conv", {r, b.init("w2", {4, 8, 1, 1}, gaussian(32, 0.2f, 11))}, {y});
    const Graph g = b.finish(x, {1, 4, 6, 6}, y);
    QuantConfig config;
    config.threads = 1;
    auto q = quantizeModel(g, config, nullptr); // data-free: no calibration needed for weights
    QVERIFY2(q.isOk(), q.message().c_str());
    const auto layers = quantLayers(*q);
    QCOMPARE(int(layers.size()), 2);
    QCOMPARE(layers[0].batchNorm, std::string("bn1"));
    auto report = analyzeWeightOutliers(layers);
    QVERIFY2(report.isOk(), report.message().c_str());
    const LayerOutliers& l1 = report->layers[0];
    QCOMPARE(l1.outlierChannels, (std::vector<int64_t>{5}));
    QVERIFY(l1.channelRangeRatio > 20);
    QVERIFY(l1.outlierWeightCount > 0);
    for (const OutlierWeight& w : l1.outlierWeights) QCOMPARE(w.channel, int64_t(5));
    QVERIFY(report->layers[1].outlierChannels.empty());
    QCOMPARE(l1.rank, 1);
    QVERIFY(l1.perTensorNoiseDb > l1.perChannelNoiseDb + 10);
}

void AnalysisTest::channelStatsHandComputed() {
    // 2 channels of 4: [1, -1, 1, -1] (mean 0, std 1), [0, 0, 0, 8] (mean 2, std √12).
    const Tensor w = Tensor::fromVector<float>({2, 4}, {1, -1, 1, -1, 0, 0, 0, 8});
    auto s = channelWeightStats(w, 0);
    QVERIFY(s.isOk());
    QCOMPARE((*s)[0].min, -1.0f);
    QCOMPARE((*s)[0].std, 1.0);
    QCOMPARE((*s)[1].mean, 2.0);
    QVERIFY(std::fabs((*s)[1].std - std::sqrt(12.0)) < 1e-12);
    QCOMPARE((*s)[1].absMax, 8.0f);
    QVERIFY(std::fabs((*s)[1].absMaxOverStd - 8.0 / std::sqrt(12.0)) < 1e-12);
    // Ranges 2 and 8: largest / median (5).
    QCOMPARE(channelRangeRatio({-1, 0}, {1, 8}), 8.0 / 5.0);
}

void AnalysisTest::histogramsAndSpread() {
    const Graph g = loadModel("digits_mbv1_imb.onnx");
    QuantConfig config = perTensorConfig();
    config.cle = true;
    const QuantizedModel q = quantizeDigits(g, config);
    const auto layers = quantLayers(q);
    auto hist = layerHistograms(q, layers);
    QVERIFY2(hist.isOk(), hist.message().c_str());
    QCOMPARE(hist->size(), layers.size());
    for (const LayerHistograms& h : *hist) {
        int64_t total = 0;
        for (int64_t c : h.weightQuantized.counts) total += c;
        QCOMPARE(total + 0, h.weightQuantized.count);
        QCOMPARE(int(h.weightQuantized.grids.size()), 1); // per tensor
        QCOMPARE(h.weightQuantized.grids[0].levelCount(), int64_t(255));
        // Min-max weights: nothing is clipped; the grid spans the values.
        QCOMPARE(h.weightQuantized.clippedFraction, 0.0);
        QVERIFY(h.weightQuantized.clipHi >= h.weightQuantized.max * 0.999f);
        QVERIFY(h.output.has_value());
        QVERIFY(h.output->clippedFraction < 1e-3);
    }
    auto spread = channelSpread(q, layers);
    QVERIFY2(spread.isOk(), spread.message().c_str());
    QCOMPARE(spread->size(), layers.size());
    int improved = 0;
    for (const LayerChannelSpread& s : *spread) {
        QVERIFY(s.weightAfterCle.has_value());
        QVERIFY(s.outputRanges.has_value());
        improved += s.weightAfterCle->rangeRatio() < s.weightAfterBn.rangeRatio();
    }
    QVERIFY(improved >= 8);
}

void AnalysisTest::biasCorrectionHandComputed() {
    // 1x1 conv, Cin 1, Cout 2, W = [1, 0.3], b = [0, 0.5]; 2-bit symmetric per-tensor weights:
    // qmax 1, s = 1, so Ŵ = [1, 0] and ΔW = [0, -0.3]. E[x] = 2 everywhere: shift = [0, -0.6],
    // corrected bias = [0, 1.1].
    Builder b;
    const ValueId x = b.value("x"), y = b.value("y");
    b.node("conv", "Conv", {x, b.init("w", {2, 1, 1, 1}, {1, 0.3f}), b.init("b", {2}, {0, 0.5f})},
           {y});
    const Graph g = b.finish(x, {1, 1, 3, 3}, y);
    QuantConfig config;
    config.weight.bits = 2;
    config.weight.granularity = Granularity::PerTensor;
    config.activationMode = ActivationMode::WeightOnly;
    auto q = quantizeModel(g, config, nullptr);
    QVERIFY2(q.isOk(), q.message().c_str());
    InputMeans means{{"x", Tensor::fromVector<float>({1, 1, 3, 3}, std::vector<float>(9, 2.0f))}};
    auto bc = computeBiasCorrection(q->graph, q->plan, means, BiasCorrectionMode::Empirical);
    QVERIFY2(bc.isOk(), bc.message().c_str());
    QCOMPARE(int(bc->layers.size()), 1);
    QVERIFY(std::fabs(bc->layers[0].shift[0]) < 1e-7);
    QVERIFY(std::fabs(bc->layers[0].shift[1] - (-0.6)) < 1e-6);
    auto corrected = applyBiasCorrection(q->graph, *bc);
    QVERIFY2(corrected.isOk(), corrected.message().c_str());
    const auto bias = corrected->value(*corrected->findValue("b")).initializer->toFloatVector();
    QVERIFY(std::fabs(bias[0]) < 1e-7 && std::fabs(bias[1] - 1.1f) < 1e-6);
}

void AnalysisTest::biasCorrectionImprovesLowBitSqnr() {
    // digits_mbv2_bn with 4-bit per-tensor weights: rounding shifts each channel's mean output,
    // which both corrections remove (output SQNR against fp32 on the test split).
    const Graph g = loadModel("digits_mbv2_bn.onnx");
    QuantConfig config = perTensorConfig();
    config.weight.bits = 4;
    const AccuracyResult plain = evalDigits(g, quantizeDigits(g, config));
    config.biasCorrection = true;
    const QuantizedModel empirical = quantizeDigits(g, config);
    QVERIFY(empirical.biasCorrection &&
            empirical.biasCorrection->mode == BiasCorrectionMode::Empirical);
    QVERIFY(empirical.biasCorrection->layers.size() >= 10);
    const AccuracyResult withEmpirical = evalDigits(g, empirical);
    // Data-free: same activation ranges (calibrated), the means from BN statistics instead.
    QuantizedModel dataFree = quantizeDigits(g, perTensorConfigBits(4));
    std::map<std::string, std::string> sources;
    const InputMeans means = dataFreeInputMeans(dataFree.graph, dataFree.folds, &sources);
    auto bc = computeBiasCorrection(dataFree.graph, dataFree.plan, means,
                                    BiasCorrectionMode::DataFree, sources);
    QVERIFY2(bc.isOk(), bc.message().c_str());
    QVERIFY(bc->layers.size() >= 10);
    auto corrected = applyBiasCorrection(dataFree.graph, *bc);
    QVERIFY(corrected.isOk());
    dataFree.graph = *corrected;
    auto replanned = buildQuantPlan(dataFree.graph, dataFree.config, dataFree.activationRanges);
    QVERIFY(replanned.isOk());
    dataFree.plan = *replanned;
    const AccuracyResult withDataFree = evalDigits(g, dataFree);
    qInfo("W4A8 per-tensor digits_mbv2_bn: SQNR %.2f dB, top-1 %.3f; empirical BC %.2f dB, %.3f; "
          "data-free BC %.2f dB, %.3f",
          plain.sqnrDb, *plain.top1, withEmpirical.sqnrDb, *withEmpirical.top1, withDataFree.sqnrDb,
          *withDataFree.top1);
    QVERIFY(withEmpirical.sqnrDb > plain.sqnrDb + 0.5);
    QVERIFY(withDataFree.sqnrDb > plain.sqnrDb);
}

void AnalysisTest::sensitivityConeMatchesFullRun() {
    // A layer's run from cached activations equals the whole model run from its input with
    // only that layer quantized.
    const Graph g = loadModel("digits_mbv2_bn.onnx");
    const QuantizedModel q = quantizeDigits(g, perTensorConfigBits(4));
    const auto layers = quantLayers(q);
    const Tensor x = firstRows(loadData("digits_test_x.npy"), 64);
    const std::string in = g.value(g.inputs()[0]).name;
    SensitivityOptions options;
    options.threads = 2;
    options.batchSize = 16;
    auto s = analyzeSensitivity(q, layers, x, nullptr, in, options);
    QVERIFY2(s.isOk(), s.message().c_str());
    QCOMPARE(s->layers.size(), layers.size());
    auto fp32 = Executor::create(q.graph, ExecOptions{2});
    QVERIFY(fp32.isOk());
    const Tensor reference = (*fp32)->run({{in, x}})->outputs.begin()->second;
    for (size_t i : {size_t(0), layers.size() / 2, layers.size() - 1}) {
        const QuantLayerRef& l = layers[i];
        const Node& node = q.graph.node(l.node);
        std::vector<std::string> keep{l.weight, l.input, l.output,
                                      q.graph.value(node.outputs[0]).name};
        if (node.inputs.size() > 2) keep.push_back(q.graph.value(node.inputs[2]).name);
        auto sim = Simulator::create(q.graph, planQuantizingOnly(q.plan, keep), ExecOptions{2});
        QVERIFY(sim.isOk());
        const Tensor out = (*sim)->run({{in, x}})->outputs.begin()->second;
        const double full = sqnrDb(reference, out);
        qInfo("  %s alone: cone %.4f dB, full run %.4f dB", l.name.c_str(),
              s->layers[i].alone.sqnrDb, full);
        QVERIFY(std::fabs(s->layers[i].alone.sqnrDb - full) < 1e-3);
    }
    // The whole model quantized: what the simulator gives from the input.
    auto sim = Simulator::create(q.graph, q.plan, ExecOptions{2});
    const Tensor all = (*sim)->run({{in, x}})->outputs.begin()->second;
    QVERIFY(std::fabs(s->full.sqnrDb - sqnrDb(reference, all)) < 1e-3);
}

void AnalysisTest::sensitivityFirstRankedRecoversMore() {
    // Keeping the layer that sensitivity ranks first in float recovers more than keeping the
    // one ranked last (output SQNR on the test split).
    const Graph g = loadModel("digits_mbv2_bn.onnx");
    QuantConfig config = perTensorConfigBits(4);
    const QuantizedModel q = quantizeDigits(g, config);
    const auto layers = quantLayers(q);
    const Tensor x = loadData("digits_test_x.npy"), y = loadData("digits_test_y.npy");
    SensitivityOptions options;
    options.threads = 2;
    auto s = analyzeSensitivity(q, layers, x, &y, g.value(g.inputs()[0]).name, options);
    QVERIFY2(s.isOk(), s.message().c_str());
    const std::string first = s->layers[s->ranking.front()].node,
                      last = s->layers[s->ranking.back()].node;
    QuantConfig keepFirst = config, keepLast = config;
    keepFirst.floatNodes = {first};
    keepLast.floatNodes = {last};
    const AccuracyResult a = evalDigits(g, quantizeDigits(g, keepFirst));
    const AccuracyResult b = evalDigits(g, quantizeDigits(g, keepLast));
    qInfo("all quantized %.2f dB; %s (rank 1) float: %.2f dB, top-1 %.3f; %s (rank %zu) float: "
          "%.2f dB, top-1 %.3f",
          s->full.sqnrDb, first.c_str(), a.sqnrDb, *a.top1, last.c_str(), layers.size(), b.sqnrDb,
          *b.top1);
    QVERIFY(a.sqnrDb > b.sqnrDb);
    // The reverse run of a layer is that same float fallback, from cached activations.
    QVERIFY(std::fabs(s->layers[s->ranking.front()].reverse.sqnrDb - a.sqnrDb) < 0.05);
}

void AnalysisTest::errorSplitInjectedInherited() {
    // Only one layer's weight quantized: upstream tensors carry no error, that layer injects
    // all of its output error, everything downstream only inherits.
    const Graph g = loadModel("digits_mbv2_bn.onnx");
    QuantizedModel q = quantizeDigits(g, perTensorConfigBits(4));
    const auto layers = quantLayers(q);
    const QuantLayerRef& l = layers[layers.size() / 2];
    q.plan = planQuantizingOnly(q.plan, {l.weight});
    ErrorPropagationOptions options;
    options.threads = 2;
    auto e = analyzeErrorPropagation(q, firstRows(loadData("digits_test_x.npy"), 64),
                                     g.value(g.inputs()[0]).name, options);
    QVERIFY2(e.isOk(), e.message().c_str());
    bool seen = false;
    int downstream = 0;
    for (const TensorError& t : e->tensors) {
        if (t.node == l.name) {
            seen = true;
            QVERIFY(t.totalNoise > 0);
            // Up to the rounding of a kernel run alone versus inside the executor.
            QVERIFY(t.inheritedNoise <= 1e-6 * t.totalNoise);
            QVERIFY(std::fabs(t.injectedNoise - t.totalNoise) <= 1e-3 * t.totalNoise);
            QVERIFY(t.injectedShare > 0.999);
        } else if (!seen) {
            QCOMPARE(t.totalNoise, 0.0);
        } else if (t.totalNoise > 0) {
            ++downstream;
            QVERIFY(t.injectedNoise <= 1e-6 * t.totalNoise);
            QVERIFY(t.injectedShare < 1e-3);
        }
    }
    QVERIFY(seen);
    QVERIFY(downstream > 3);
    // The whole model: the input's quantization is injected there; later tensors mix both.
    QuantizedModel full = quantizeDigits(g, perTensorConfigBits(4));
    auto all = analyzeErrorPropagation(full, firstRows(loadData("digits_test_x.npy"), 64),
                                       g.value(g.inputs()[0]).name, options);
    QVERIFY(all.isOk());
    QCOMPARE(all->tensors.front().op, std::string("input"));
    int mixed = 0;
    for (const TensorError& t : all->tensors)
        mixed += t.injectedShare > 0.05 && t.injectedShare < 0.95;
    QVERIFY(mixed > 3);
}

void AnalysisTest::adaroundBeatsNearestW4() {
    // W4A8 per-channel on digits_mbv1_imb (CLE first, else per-tensor activations collapse it):
    // AdaRound beats nearest rounding in top-1 and SQNR, and its reconstruction error is lower
    // for at least 90% of the layers.
    const Graph g = loadModel("digits_mbv1_imb.onnx");
    QuantConfig config;
    config.weight.bits = 4;
    config.cle = true;
    config.threads = 2;
    const AccuracyResult nearest = evalDigits(g, quantizeDigits(g, config));
    config.adaround = true;
    config.adaroundIterations = 1000;
    const QuantizedModel q = quantizeDigits(g, config);
    const AccuracyResult learned = evalDigits(g, q);
    QVERIFY(q.adaround.has_value());
    int better = 0;
    for (const AdaRoundLayer& l : q.adaround->layers) {
        qInfo("  %-10s reconstruction error nearest %.4g, AdaRound %.4g; %lld of %lld weights "
              "flipped, %.2f s",
              l.node.c_str(), l.nearestError, l.adaroundError, (long long)l.changed,
              (long long)l.weights, l.seconds);
        better += l.adaroundError < l.nearestError;
    }
    qInfo(
        "W4A8 per-channel + CLE: nearest top-1 %.3f SQNR %.2f dB; AdaRound top-1 %.3f SQNR %.2f dB",
        *nearest.top1, nearest.sqnrDb, *learned.top1, learned.sqnrDb);
    QCOMPARE(int(q.adaround->layers.size()), 12);
    QVERIFY(better >= int(std::ceil(0.9 * double(q.adaround->layers.size()))));
    QVERIFY(*learned.top1 >= *nearest.top1 + 0.01);
    QVERIFY(learned.sqnrDb > nearest.sqnrDb + 6.0);
}

void AnalysisTest::mixedBitsPredictedMatchesMeasured() {
    // digits_mbv2_bn, per-channel W8A8 as configured; a 6-bit average budget over {4, 6, 8}.
    const Graph g = loadModel("digits_mbv2_bn.onnx");
    QuantConfig config;
    config.threads = 2;
    const QuantizedModel q = quantizeDigits(g, config);
    const auto layers = quantLayers(q);
    const Tensor x = loadData("digits_test_x.npy");
    auto runner = LayerConeRunner::create(q, layers, x, g.value(g.inputs()[0]).name, 2, 16, true);
    QVERIFY2(runner.isOk(), runner.message().c_str());
    MixedBitsOptions options;
    options.budgetBits = 6.0;
    auto mb = suggestMixedBits(q, layers, **runner, options);
    QVERIFY2(mb.isOk(), mb.message().c_str());
    QVERIFY(mb->withinBudget);
    QVERIFY(mb->chosen.averageBits <= 6.0);
    QVERIFY(mb->pareto.size() >= 5);
    for (size_t i = 1; i < mb->pareto.size(); ++i) {
        QVERIFY(mb->pareto[i].averageBits > mb->pareto[i - 1].averageBits);
        QVERIFY(mb->pareto[i].predictedSqnrDb > mb->pareto[i - 1].predictedSqnrDb);
    }
    // The all-8-bit end of the curve is the configured model: predicted = measured exactly.
    QVERIFY(std::fabs(mb->pareto.back().predictedSqnrDb -
                      sqnrDb((*runner)->reference(), (*runner)->quantized())) < 1e-9);
    // Measured: quantize with the suggestion (what --layer-bits does) and against uniform 4 and 6
    // bits.
    auto measure = [&](const QuantConfig& c) { return evalDigits(g, quantizeDigits(g, c)).sqnrDb; };
    QuantConfig suggested = config, uniform6 = config, uniform4 = config;
    suggested.layerBits = mb->chosen.assignment;
    uniform6.weight.bits = 6;
    uniform4.weight.bits = 4;
    const double measured = measure(suggested), six = measure(uniform6), four = measure(uniform4);
    qInfo("budget 6 bits: chosen %.2f bits, predicted %.2f dB, measured %.2f dB; uniform 6-bit "
          "%.2f dB, 4-bit %.2f dB; %zu Pareto points",
          mb->chosen.averageBits, mb->chosen.predictedSqnrDb, measured, six, four,
          mb->pareto.size());
    QVERIFY(std::fabs(measured - mb->chosen.predictedSqnrDb) < 3.0);
    QVERIFY(measured > six);
    QVERIFY(measured > four + 6.0);
}

void AnalysisTest::sensitivityConeWithIntegerInput() {
    // The conv's cone reads an int64 shape computed outside it (Shape of the model input), as
    // PP-OCR's does: the cone's extra input must keep its type (regression: it was taken as f32).
    Builder b;
    const ValueId x = b.value("x"), c = b.value("c"), shp = b.value("shp"), y = b.value("y");
    b.node("conv", "Conv",
           {x, b.init("w", {2, 2, 1, 1}, {1, 0.5f, -0.25f, 2}), b.init("bias", {2}, {0.1f, -0.2f})},
           {c});
    b.node("shape", "Shape", {x}, {shp});
    b.node("reshape", "Reshape", {c, shp}, {y});
    const Graph g = b.finish(x, {-1, 2, 2, 2}, y);
    CalibrationData calib;
    calib.samples = Tensor::fromVector<float>({4, 2, 2, 2}, gaussian(32, 1.0f, 3));
    QuantConfig config;
    auto q = quantizeModel(g, config, &calib);
    QVERIFY2(q.isOk(), q.message().c_str());
    const auto layers = quantLayers(*q);
    QCOMPARE(int(layers.size()), 1);
    auto s = analyzeSensitivity(*q, layers, calib.samples, nullptr, "x");
    QVERIFY2(s.isOk(), s.message().c_str());
    QVERIFY(s->layers[0].alone.sqnrDb > 20.0);
}

QTEST_GUILESS_MAIN(AnalysisTest)
#include "analysis_test.moc"
