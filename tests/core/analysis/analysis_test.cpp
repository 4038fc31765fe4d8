// Analysis and repair (issue 5): cross-layer equalization, weight outliers after BN merge,
// histograms and channel spread, bias correction. References: hand-computed values, the fp32
// model itself (CLE must not change it), the model card of ../shared (fp32 top-1, what
// per-tensor quantization does to digits_mbv1_imb).
#include "analysis/accuracy.h"
#include "analysis/analysis_session.h"
#include "analysis/calibration_extremes.h"
#include "analysis/calibrator_comparison.h"
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
#include "quant/plan_builder.h"
#include "quant/quant_plan.h"
#include "quant/quantizer.h"
#include "quant/simulator.h"

#include <QtTest>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <chrono>
#include <random>
#include <atomic>
#include <thread>

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

// mobilenet_v2_bn's shared 224×224 input and three variants of it (flipped vertically, shifted
// by 17 columns, both): 4 evaluation samples from one file.
Tensor mobileNetFourSamples() {
    const Tensor x0 = loadData("mobilenet_v2_input.npy");
    const int64_t per = x0.numel(), h = 224, w = 224;
    Shape s = x0.shape();
    s[0] = 4;
    Tensor x(DataType::F32, s);
    for (int64_t n = 0; n < 4; ++n)
        for (int64_t c = 0; c < 3; ++c)
            for (int64_t i = 0; i < h; ++i)
                for (int64_t j = 0; j < w; ++j) {
                    const int64_t si = n & 1 ? h - 1 - i : i, sj = n & 2 ? (j + 17) % w : j;
                    x.data<float>()[n * per + (c * h + i) * w + j] =
                        x0.data<float>()[(c * h + si) * w + sj];
                }
    return x;
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
    void adaroundCancelsWithinOneSecond();
    void mixedBitsPredictedMatchesMeasured();
    void sensitivityConeWithIntegerInput();
    void calibratorComparisonOutlierHandComputed();
    void calibratorComparisonSqnrMatchesFullRun();
    void calibrationExtremesFindPlantedSample();
    void whatIfMatchesFullRunDigits();
    void whatIfMobileNetLayerIsFast();
    void whatIfRedoesBiasCorrection();
    void whatIfRedoesAdaRound();
    void whatIfRepairsMobileNetTiming();
    void layerAnalysesDoNotDependOnThreads();
    void weightParamsCacheGivesTheFreshPlan();
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

void AnalysisTest::adaroundCancelsWithinOneSecond() {
    // One big Gemm (768 inputs, 256 outputs, 4-bit weights, 1000 iterations: tens of seconds at
    // 2 threads): a cancel 0.3 s after AdaRound starts on it stops quantizeModel with Cancelled
    // within 1 s (the iterations check the flag every 16 iterations).
    Builder b;
    const ValueId x = b.value("x"), y = b.value("y");
    const ValueId w = b.init("w", {768, 256}, gaussian(768 * 256, 0.05f, 3));
    b.node("fc", "Gemm", {x, w}, {y});
    const Graph g = b.finish(x, {64, 768}, y);
    QuantConfig config;
    config.threads = 2;
    config.weight.bits = 4;
    config.adaround = true;
    config.adaroundIterations = 1000;
    CalibrationData calib;
    calib.samples = Tensor::fromVector<float>({64, 768}, gaussian(64 * 768, 1.0f, 4));
    struct Flag : CancelFlag {
        std::atomic<bool> adaround{false}, done{false};
        void report(double, std::string_view what) override {
            if (what.rfind("AdaRound", 0) == 0) adaround = true;
        }
    } flag;
    using Clock = std::chrono::steady_clock;
    std::atomic<int64_t> cancelledAt{0};
    std::thread canceller([&] {
        while (!flag.adaround && !flag.done)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        if (flag.done) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        cancelledAt = Clock::now().time_since_epoch().count();
        flag.cancel();
    });
    auto q = quantizeModel(g, config, &calib, &flag);
    const int64_t returned = Clock::now().time_since_epoch().count();
    flag.done = true;
    canceller.join();
    QVERIFY2(!q.isOk(), "not cancelled: AdaRound ignored the flag or finished first");
    QCOMPARE(q.error().code(), ErrorCode::Cancelled);
    QVERIFY(cancelledAt.load() != 0);
    const double latency =
        std::chrono::duration<double>(Clock::duration(returned - cancelledAt.load())).count();
    qInfo("AdaRound of a 768×256 Gemm cancelled: returned %.3f s after cancel()", latency);
    QVERIFY(latency < 1.0);
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

void AnalysisTest::calibratorComparisonOutlierHandComputed() {
    // 100000 values uniform in [-1, 1] and one outlier at 50, asymmetric uint8 per tensor (the
    // default activation spec). Min-max must take the outlier: range [min, 50], step
    // Δ = (50 − min)/255, and every histogram bin inside the grid costs Δ²/12. Percentile 99.99
    // leaves out 0.01% (10 values) of |x|: the outlier is cut and the range stays inside ±1.
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> v(100000);
    for (float& x : v) x = u(rng);
    v.push_back(50.0f);
    const float lo = *std::min_element(v.begin(), v.end());
    RangeCollector collector;
    QVERIFY(collector.observe(Tensor::fromVector<float>({1, int64_t(v.size())}, v)).isOk());
    const QuantSpec spec = QuantConfig().activation;
    auto c = compareCalibrators("t", collector, spec);
    QVERIFY2(c.isOk(), c.message().c_str());
    QCOMPARE(int(c->choices.size()), 4);
    const CalibratorChoice &minmax = c->choices[0], &pct = c->choices[1], &kl = c->choices[2],
                           &mse = c->choices[3];
    QCOMPARE(minmax.method, std::string("minmax"));
    QCOMPARE(pct.method, std::string("percentile:99.99"));
    QCOMPARE(kl.method, std::string("kl"));
    QCOMPARE(mse.method, std::string("mse"));
    QCOMPARE(minmax.range.hi, 50.0f);
    QCOMPARE(minmax.range.lo, lo);
    QVERIFY(pct.range.hi > 0.99f && pct.range.hi <= 1.0f);
    QVERIFY(pct.range.lo < -0.99f && pct.range.lo >= -1.0f);
    const double step = (50.0 - double(lo)) / 255.0;
    const double handMse = step * step / 12.0 * 100000.0 / 100001.0;
    qInfo("min-max MSE %.6g (hand %.6g), percentile %.6g, KL %.6g [%g, %g], MSE %.6g [%g, %g]",
          minmax.quantMse, handMse, pct.quantMse, kl.quantMse, kl.range.lo, kl.range.hi,
          mse.quantMse, mse.range.lo, mse.range.hi);
    QVERIFY(std::fabs(minmax.quantMse - handMse) < 0.02 * handMse);
    // Percentile clips the outlier: at least (50 − 1)² / 100001 of clipping error, and at least
    // 1/100001 of the values outside its grid; min-max clips nothing.
    QVERIFY(pct.quantMse >= 49.0 * 49.0 / 100001.0 * 0.99);
    QCOMPARE(minmax.clippedFraction, 0.0);
    QVERIFY(pct.clippedFraction >= 1.0 / 100001.0 * 0.99);
    // The MSE search includes the min-max range, so it never does worse.
    QVERIFY(mse.quantMse <= minmax.quantMse * (1 + 1e-12));
    QCOMPARE(c->choices[size_t(c->bestByMse)].method,
             mse.quantMse <= kl.quantMse ? std::string("mse") : std::string("kl"));
    QCOMPARE(c->bestBySqnr, -1); // no session
}

void AnalysisTest::calibratorComparisonSqnrMatchesFullRun() {
    // digits_mbv2_bn W8A8: the output SQNR of a calibrator's range equals a full simulator run of
    // the plan with only that tensor's range replaced; the configured method's is the session's.
    const Graph g = loadModel("digits_mbv2_bn.onnx");
    QuantConfig config;
    config.threads = 2;
    const QuantizedModel q = quantizeDigits(g, config);
    const Tensor x = firstRows(loadData("digits_test_x.npy"), 64);
    const std::string in = g.value(g.inputs()[0]).name;
    auto session = AnalysisSession::create(q, x, in, AnalysisSessionOptions{2, 16});
    QVERIFY2(session.isOk(), session.message().c_str());
    auto all = compareCalibratorsAll(q, session->get());
    QVERIFY2(all.isOk(), all.message().c_str());
    QVERIFY(all->size() >= 10);
    for (const TensorCalibratorComparison& t : *all) {
        QCOMPARE(int(t.choices.size()), 4);
        QVERIFY2(t.choices[0].current, t.tensor.c_str()); // min-max is configured
        QCOMPARE(*t.choices[0].outputSqnrDb, (*session)->outputSqnrDb());
        QVERIFY(t.bestBySqnr >= 0);
    }
    auto fp32 = Executor::create(q.graph, ExecOptions{2});
    const Tensor reference = (*fp32)->run({{in, x}})->outputs.begin()->second;
    int checked = 0;
    for (size_t i : {size_t(1), all->size() / 2, all->size() - 2}) {
        const TensorCalibratorComparison& t = (*all)[i];
        for (size_t k = 1; k < 4; ++k) {
            const CalibratorChoice& c = t.choices[k];
            if (!c.error.empty()) continue;
            std::map<std::string, ClipRange> ranges = q.activationRanges;
            ranges[t.tensor] = c.range;
            auto plan = buildQuantPlan(q.graph, q.config, ranges);
            QVERIFY(plan.isOk());
            auto sim = Simulator::create(q.graph, *plan, ExecOptions{2});
            QVERIFY(sim.isOk());
            const double full = sqnrDb(reference, (*sim)->run({{in, x}})->outputs.begin()->second);
            qInfo("  %s %s [%g, %g]: cone %.4f dB, full run %.4f dB (min-max %.4f dB)",
                  t.tensor.c_str(), c.method.c_str(), c.range.lo, c.range.hi, *c.outputSqnrDb, full,
                  *t.choices[0].outputSqnrDb);
            QVERIFY(std::fabs(*c.outputSqnrDb - full) < 1e-6 * std::max(1.0, std::fabs(full)));
            ++checked;
        }
    }
    QVERIFY(checked >= 6);
}

void AnalysisTest::calibrationExtremesFindPlantedSample() {
    // digits calibration set (128 samples) with sample 77 made extreme (×8): it must be named as
    // setting the input's min and max, and the range flagged as dominated by one sample; the
    // untouched set has no dominated input range. The range after all N samples is what
    // calibration chose (min-max: exact).
    const Graph g = loadModel("digits_mbv2_bn.onnx");
    QuantConfig config;
    config.threads = 2;
    const QuantizedModel q = quantizeDigits(g, config);
    const std::string in = g.value(g.inputs()[0]).name;
    const Tensor calib = loadData("digits_calib_x.npy");
    Tensor planted = calib.clone();
    const int64_t per = calib.numel() / calib.dim(0);
    for (int64_t i = 0; i < per; ++i) planted.data<float>()[77 * per + i] *= 8.0f;
    CalibrationExtremesOptions options;
    options.threads = 2;
    auto clean = analyzeCalibrationExtremes(q, calib, in, options);
    QVERIFY2(clean.isOk(), clean.message().c_str());
    auto hit = analyzeCalibrationExtremes(q, planted, in, options);
    QVERIFY2(hit.isOk(), hit.message().c_str());
    QCOMPARE(hit->samples, int64_t(128));
    QVERIFY(!hit->tensors.empty());
    const TensorCalibrationExtremes& e = hit->tensors.front();
    QCOMPARE(e.tensor, in);
    QCOMPARE(e.maxSample, int64_t(77));
    QCOMPARE(e.minSample, int64_t(77));
    QVERIFY(e.maxDominated && e.minDominated);
    QVERIFY(std::find(hit->dominated.begin(), hit->dominated.end(), in) != hit->dominated.end());
    // Hand: the other samples' max is the largest pixel value (1 − 0.30556)/0.31851 ≈ 2.18.
    QVERIFY(std::fabs(e.maxWithoutSample - 2.18f) < 0.02f);
    QVERIFY(e.max > 8.0f);
    const TensorCalibrationExtremes& c = clean->tensors.front();
    QVERIFY(!c.maxDominated && !c.minDominated);
    // Checkpoints 1, 2, 4, …, 128; the last is the calibrated range.
    QCOMPARE(int(c.convergence.size()), 8);
    for (size_t k = 0; k < c.convergence.size(); ++k)
        QCOMPARE(c.convergence[k].samples, int64_t(1) << k);
    QCOMPARE(c.convergence.back().range.lo, q.activationRanges.at(in).lo);
    QCOMPARE(c.convergence.back().range.hi, q.activationRanges.at(in).hi);
    // Min-max after k samples is the running extreme: it can only widen.
    for (size_t k = 1; k < c.convergence.size(); ++k) {
        QVERIFY(c.convergence[k].range.lo <= c.convergence[k - 1].range.lo);
        QVERIFY(c.convergence[k].range.hi >= c.convergence[k - 1].range.hi);
    }
    int flaggedPlanted = int(hit->dominated.size()), flaggedClean = int(clean->dominated.size());
    qInfo("dominated tensors: %d planted, %d clean (of %zu)", flaggedPlanted, flaggedClean,
          hit->tensors.size());
    QVERIFY(flaggedPlanted > flaggedClean);
}

namespace {

// The whole model run from its input with `plan`: first output and every kept f32 value.
std::pair<Tensor, std::map<std::string, Tensor>>
fullRun(const QuantizedModel& q, const QuantPlan& plan, const Tensor& x, int batch) {
    struct KeepAll : ExecHooks {
        bool keep(ValueId) const override { return true; }
    };
    auto sim = Simulator::create(q.graph, plan, ExecOptions{2});
    if (!sim) qFatal("%s", sim.message().c_str());
    const std::string in = q.graph.value(q.graph.inputs()[0]).name;
    auto batches = splitIntoBatches(x, q.graph.value(q.graph.inputs()[0]), batch);
    std::vector<Tensor> outs;
    std::map<std::string, std::vector<Tensor>> parts;
    for (const Tensor& b : *batches) {
        KeepAll keep;
        auto r = (*sim)->run({{in, b}}, &keep);
        if (!r) qFatal("%s", r.message().c_str());
        outs.push_back(r->outputs.begin()->second);
        for (auto& [id, t] : r->kept) parts[q.graph.value(id).name].push_back(t);
    }
    auto cat = [](const std::vector<Tensor>& p) {
        Shape s = p[0].shape();
        s[0] = 0;
        for (const Tensor& t : p) s[0] += t.dim(0);
        Tensor all(p[0].dtype(), s);
        size_t off = 0;
        for (const Tensor& t : p) {
            std::memcpy(static_cast<char*>(all.rawData()) + off, t.rawData(), t.byteSize());
            off += t.byteSize();
        }
        return all;
    };
    std::map<std::string, Tensor> values;
    for (auto& [name, p] : parts)
        if (p[0].rank() > 0 && p[0].dtype() == DataType::F32) values[name] = cat(p);
    return {cat(outs), values};
}

} // namespace

void AnalysisTest::whatIfMatchesFullRunDigits() {
    // Each kind of change on digits_mbv2_bn: the cone's output equals a full simulator run of the
    // changed plan (built independently from the config), bit for bit, and so do per-tensor SQNRs.
    const Graph g = loadModel("digits_mbv2_bn.onnx");
    QuantConfig config;
    config.threads = 2;
    const QuantizedModel q = quantizeDigits(g, config);
    const auto layers = quantLayers(q);
    const Tensor x = firstRows(loadData("digits_test_x.npy"), 48);
    auto session = AnalysisSession::create(q, x, "", AnalysisSessionOptions{2, 16});
    QVERIFY2(session.isOk(), session.message().c_str());
    auto fp32 = Executor::create(q.graph, ExecOptions{2});
    struct KeepAll : ExecHooks {
        bool keep(ValueId) const override { return true; }
    };
    const std::string mid = layers[layers.size() / 2].name;
    std::vector<LayerChange> changes(4);
    changes[0].node = mid;
    changes[0].weightBits = 3;
    changes[1].node = layers[1].name;
    changes[1].keepFloat = true;
    changes[2].node = mid;
    changes[2].granularity = Granularity::PerTensor;
    changes[3].node = layers.front().name;
    changes[3].weightBits = 4;
    for (const LayerChange& ch : changes) {
        QuantConfig c = config;
        if (ch.weightBits) c.layerBits[ch.node] = *ch.weightBits;
        if (ch.keepFloat) c.floatNodes.insert(ch.node);
        if (ch.granularity) c.layerGranularity[ch.node] = *ch.granularity;
        auto plan = buildQuantPlan(q.graph, c, q.activationRanges);
        QVERIFY2(plan.isOk(), plan.message().c_str());
        auto [full, values] = fullRun(q, *plan, x, 16);
        auto r = (*session)->whatIf(ch);
        QVERIFY2(r.isOk(), r.message().c_str());
        QVERIFY(!r->changedTensors.empty());
        QVERIFY(r->nodesRun > 0 && r->nodesRun < int(q.graph.nodeCount()) + 1);
        QCOMPARE(r->output.numel(), full.numel());
        QVERIFY(std::memcmp(r->output.data<float>(), full.data<float>(), full.byteSize()) == 0);
        const double reference = sqnrDb((*session)->reference(), full);
        QCOMPARE(r->outputSqnrAfterDb, reference);
        QCOMPARE(r->outputSqnrBeforeDb, (*session)->outputSqnrDb());
        qInfo("  %s: %d nodes, %.2f → %.2f dB, %.1f ms", ch.node.c_str(), r->nodesRun,
              r->outputSqnrBeforeDb, r->outputSqnrAfterDb, r->seconds * 1e3);
        // A per-tensor figure against the full run's value of that tensor.
        QVERIFY(!r->tensors.empty());
        const TensorSqnrDelta& d = r->tensors[r->tensors.size() / 2];
        KeepAll keep;
        auto rfAll = (*fp32)->run({{g.value(g.inputs()[0]).name, x}}, &keep);
        QVERIFY(rfAll.isOk());
        const ValueId vid = *q.graph.findValue(d.tensor);
        QCOMPARE(d.afterDb, sqnrDb(rfAll->kept.at(vid), values.at(d.tensor)));
    }
    // Apply one change, then another on top: still the full run of both.
    QVERIFY((*session)->apply(changes[0]).isOk());
    auto r = (*session)->whatIf(changes[1]);
    QVERIFY(r.isOk());
    QuantConfig both = config;
    both.layerBits[mid] = 3;
    both.floatNodes.insert(layers[1].name);
    auto plan = buildQuantPlan(q.graph, both, q.activationRanges);
    auto [full, values] = fullRun(q, *plan, x, 16);
    QVERIFY(std::memcmp(r->output.data<float>(), full.data<float>(), full.byteSize()) == 0);
}

void AnalysisTest::whatIfMobileNetLayerIsFast() {
    // mobilenet_v2_bn (224×224), 4 evaluation samples (the shared input and three flips/shifts):
    // changing one layer in the second half of the network re-runs only its cone. The time is
    // printed, not asserted (shared machine); the result must equal a full run's.
    const Graph g = loadModel("mobilenet_v2_bn.onnx");
    const Tensor x = mobileNetFourSamples();
    QuantConfig config;
    config.threads = 2;
    CalibrationData calib;
    calib.samples = x;
    calib.batchSize = 4;
    auto q = quantizeModel(g, config, &calib);
    QVERIFY2(q.isOk(), q.message().c_str());
    const auto layers = quantLayers(*q);
    const auto t0 = std::chrono::steady_clock::now();
    auto session = AnalysisSession::create(*q, x, "", AnalysisSessionOptions{2, 4});
    QVERIFY2(session.isOk(), session.message().c_str());
    const double prepare =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    LayerChange ch;
    ch.node = layers[layers.size() * 2 / 3].name;
    ch.weightBits = 4;
    auto r = (*session)->whatIf(ch);
    QVERIFY2(r.isOk(), r.message().c_str());
    qInfo("mobilenet_v2_bn what-if %s → 4 bits: %d of %d nodes, %.3f s (session prepared in "
          "%.2f s); output SQNR %.2f → %.2f dB",
          ch.node.c_str(), r->nodesRun, int(q->graph.nodeCount()), r->seconds, prepare,
          r->outputSqnrBeforeDb, r->outputSqnrAfterDb);
    QuantConfig c = config;
    c.layerBits[ch.node] = 4;
    auto plan = buildQuantPlan(q->graph, c, q->activationRanges);
    QVERIFY(plan.isOk());
    auto [full, values] = fullRun(*q, *plan, x, 4);
    QVERIFY(std::memcmp(r->output.data<float>(), full.data<float>(), full.byteSize()) == 0);
    QVERIFY(r->outputSqnrAfterDb < r->outputSqnrBeforeDb);
    // The worst case: the first layer's cone is the whole network.
    LayerChange first;
    first.node = layers.front().name;
    first.keepFloat = true;
    auto f = (*session)->whatIf(first);
    QVERIFY2(f.isOk(), f.message().c_str());
    qInfo("  first layer %s kept float: %d nodes, %.3f s; output SQNR %.2f → %.2f dB",
          first.node.c_str(), f->nodesRun, f->seconds, f->outputSqnrBeforeDb, f->outputSqnrAfterDb);
    QuantConfig cf = config;
    cf.floatNodes.insert(first.node);
    auto planF = buildQuantPlan(q->graph, cf, q->activationRanges);
    QVERIFY(planF.isOk());
    auto fullF = fullRun(*q, *planF, x, 4).first;
    QVERIFY(std::memcmp(f->output.data<float>(), fullF.data<float>(), fullF.byteSize()) == 0);
}

void AnalysisTest::whatIfRedoesBiasCorrection() {
    // digits_mbv2_bn with bias correction: a what-if on one layer recomputes that layer's
    // correction for its new weight grid (none when kept in float). Corrections come from float
    // input means only, so the what-if equals a full quantizeModel with the same --layer-bits /
    // --float for any layer, empirical and data-free; the plan-only answer (the layer keeps the
    // correction of its old grid) does not.
    const Graph g = loadModel("digits_mbv2_bn.onnx");
    const Tensor x = firstRows(loadData("digits_test_x.npy"), 48);
    for (const bool dataFree : {false, true}) {
        QuantConfig config;
        config.threads = 2;
        config.biasCorrection = true;
        CalibrationData calib;
        calib.samples = loadData("digits_calib_x.npy");
        auto quantize = [&](const QuantConfig& c) {
            auto q = quantizeModel(g, c, dataFree ? nullptr : &calib);
            if (!q) qFatal("%s", q.message().c_str());
            return std::move(q).value();
        };
        const QuantizedModel q = quantize(config);
        QVERIFY(q.biasCorrection && !q.biasCorrection->means.empty());
        const auto layers = quantLayers(q);
        auto session = AnalysisSession::create(q, x, "", AnalysisSessionOptions{2, 16});
        QVERIFY2(session.isOk(), session.message().c_str());
        struct Case {
            std::string node;
            int bits;
            bool keepFloat;
        };
        // The last corrected layer (data-free: the classifier has no BatchNorm before it).
        const std::string last = q.biasCorrection->layers.back().node,
                          mid = layers[layers.size() / 2].name;
        for (const Case& c : {Case{last, 4, false}, Case{mid, 3, false}, Case{mid, 0, true}}) {
            LayerChange ch;
            ch.node = c.node;
            if (c.bits) ch.weightBits = c.bits;
            ch.keepFloat = c.keepFloat;
            auto r = (*session)->whatIf(ch);
            QVERIFY2(r.isOk(), r.message().c_str());
            QuantConfig changed = config;
            if (c.bits) changed.layerBits[c.node] = c.bits;
            if (c.keepFloat) changed.floatNodes.insert(c.node);
            const QuantizedModel q2 = quantize(changed);
            const Tensor full = fullRun(q2, q2.plan, x, 16).first;
            auto stalePlan = buildQuantPlan(q.graph, changed, q.activationRanges);
            QVERIFY(stalePlan.isOk());
            const Tensor stale = fullRun(q, *stalePlan, x, 16).first;
            const double diff = maxRelDiff(r->output, full), staleDiff = maxRelDiff(stale, full);
            qInfo("  %s %s %s: what-if vs full requantization %.2g (plan only %.2g); %s; "
                  "%.1f ms (repairs %.1f ms)",
                  dataFree ? "data-free" : "empirical", c.node.c_str(),
                  c.keepFloat ? "float" : (std::to_string(c.bits) + " bits").c_str(), diff,
                  staleDiff, r->redone.empty() ? "-" : r->redone.front().c_str(), r->seconds * 1e3,
                  r->repairSeconds * 1e3);
            QVERIFY(diff < 1e-5);
            QVERIFY(staleDiff > 1e-4);
            QCOMPARE(int(r->redone.size()), 1);
            QCOMPARE(r->biasCorrection.has_value(), !c.keepFloat);
            QVERIFY(!r->adaround);
        }
        // Apply one change, then a what-if on another layer on top: the full requantization
        // with both.
        LayerChange first;
        first.node = mid;
        first.weightBits = 3;
        QVERIFY((*session)->apply(first).isOk());
        LayerChange second;
        second.node = last;
        second.weightBits = 4;
        auto r = (*session)->whatIf(second);
        QVERIFY2(r.isOk(), r.message().c_str());
        QuantConfig both = config;
        both.layerBits[mid] = 3;
        both.layerBits[last] = 4;
        const QuantizedModel q2 = quantize(both);
        QVERIFY(maxRelDiff(r->output, fullRun(q2, q2.plan, x, 16).first) < 1e-5);
    }
}

void AnalysisTest::whatIfRedoesAdaRound() {
    // digits_mbv2_bn W8A8 with bias correction and AdaRound (200 iterations for test time).
    const Graph g = loadModel("digits_mbv2_bn.onnx");
    QuantConfig config;
    config.threads = 2;
    config.biasCorrection = true;
    config.adaround = true;
    config.adaroundIterations = 200;
    const QuantizedModel q = quantizeDigits(g, config);
    QVERIFY(q.adaround && !q.adaround->layers.empty());
    const auto layers = quantLayers(q);
    const std::string last = layers.back().name, mid = layers[layers.size() / 2].name;
    // The last weighted layer at 4 bits, the session on the calibration data: nothing downstream
    // to approximate and the same inputs, so the what-if equals a full requantization.
    const Tensor calib = loadData("digits_calib_x.npy");
    {
        auto session = AnalysisSession::create(q, calib, "", AnalysisSessionOptions{2, 16});
        QVERIFY2(session.isOk(), session.message().c_str());
        LayerChange ch;
        ch.node = last;
        ch.weightBits = 4;
        auto r = (*session)->whatIf(ch);
        QVERIFY2(r.isOk(), r.message().c_str());
        QuantConfig changed = config;
        changed.layerBits[last] = 4;
        const QuantizedModel q2 = quantizeDigits(g, changed);
        const Tensor full = fullRun(q2, q2.plan, calib, 16).first;
        auto stalePlan = buildQuantPlan(q.graph, changed, q.activationRanges);
        QVERIFY(stalePlan.isOk());
        const Tensor stale = fullRun(q, *stalePlan, calib, 16).first;
        const double diff = maxRelDiff(r->output, full), staleDiff = maxRelDiff(stale, full);
        qInfo("  last layer %s → 4 bits: what-if vs full requantization %.2g (plan only %.2g), "
              "%.1f ms",
              last.c_str(), diff, staleDiff, r->seconds * 1e3);
        for (const std::string& line : r->redone) qInfo("    redone: %s", line.c_str());
        QVERIFY(diff < 1e-5);
        QVERIFY(staleDiff > 1e-3);
        // As quantizeModel: the layer AdaRound re-learned is not bias-corrected on top.
        QVERIFY(!r->biasCorrection && r->adaround);
        QCOMPARE(int(r->redone.size()), 2);
        QVERIFY(r->redone[1].find("bias correction skipped") == 0);
    }
    // A middle layer at 4 bits on the test data: AdaRound (kept on) against nearest rounding
    // (adaround = false) — lower reconstruction error, and a better SQNR of the layer's output in
    // the simulator run.
    const Tensor x = firstRows(loadData("digits_test_x.npy"), 200);
    auto session = AnalysisSession::create(q, x, "", AnalysisSessionOptions{2, 16});
    QVERIFY2(session.isOk(), session.message().c_str());
    LayerChange learned;
    learned.node = mid;
    learned.weightBits = 4;
    LayerChange nearest = learned;
    nearest.adaround = false;
    auto ra = (*session)->whatIf(learned);
    auto rn = (*session)->whatIf(nearest);
    QVERIFY2(ra.isOk(), ra.message().c_str());
    QVERIFY2(rn.isOk(), rn.message().c_str());
    QVERIFY(ra->adaround && !rn->adaround);
    const std::string out = q.graph.value(q.graph.node(*q.graph.findNode(mid)).outputs[0]).name;
    QCOMPARE(ra->tensors.front().tensor, out);
    QCOMPARE(rn->tensors.front().tensor, out);
    qInfo("  %s → 4 bits: reconstruction error nearest %.4g, AdaRound %.4g; layer output SQNR "
          "nearest %.2f dB, AdaRound %.2f dB; model output %.2f / %.2f dB; AdaRound %.2f s",
          mid.c_str(), ra->adaround->nearestError, ra->adaround->adaroundError,
          rn->tensors.front().afterDb, ra->tensors.front().afterDb, rn->outputSqnrAfterDb,
          ra->outputSqnrAfterDb, ra->adaround->seconds);
    QVERIFY(ra->adaround->adaroundError < ra->adaround->nearestError);
    QVERIFY(ra->tensors.front().afterDb > rn->tensors.front().afterDb);
    // The approximation (downstream layers keep their roundings, learned on the old inputs):
    // the what-if against a full requantization with the same change, both against the fp32
    // model.
    QuantConfig changed = config;
    changed.layerBits[mid] = 4;
    const QuantizedModel q3 = quantizeDigits(g, changed);
    const Tensor full = fullRun(q3, q3.plan, x, 16).first, ref = runGraph(g, x);
    const double whatIfDb = sqnrDb(ref, ra->output), fullDb = sqnrDb(ref, full);
    qInfo("  %s → 4 bits, output SQNR vs fp32: what-if %.2f dB, full requantization %.2f dB "
          "(difference %.2f dB)",
          mid.c_str(), whatIfDb, fullDb, whatIfDb - fullDb);
    // Measured: what-if 31.09 dB, full 32.17 dB (the full run re-learns every downstream
    // layer's rounding on the new inputs; the what-if keeps them).
    QVERIFY(std::fabs(whatIfDb - fullDb) < 1.5);

    // A run's Cancel reaches the AdaRound redo (the report's remedies run it in the GUI run).
    CancelFlag flag;
    AnalysisSessionOptions withCancel{2, 16};
    withCancel.cancel = &flag;
    auto cancellable = AnalysisSession::create(q, x, "", withCancel);
    QVERIFY2(cancellable.isOk(), cancellable.message().c_str());
    flag.cancel();
    auto stopped = (*cancellable)->whatIf(learned);
    QVERIFY(!stopped.isOk());
    QCOMPARE(stopped.error().code(), ErrorCode::Cancelled);
}

void AnalysisTest::whatIfRepairsMobileNetTiming() {
    // mobilenet_v2_bn with bias correction (4 calibration = evaluation samples): a what-if on one
    // layer redoes its correction (and equals a full requantization); AdaRound switched on for
    // single layers (1000 iterations). Times are printed, not asserted (shared machine).
    const Graph g = loadModel("mobilenet_v2_bn.onnx");
    const Tensor x = mobileNetFourSamples();
    QuantConfig config;
    config.threads = 2;
    config.biasCorrection = true;
    CalibrationData calib;
    calib.samples = x;
    calib.batchSize = 4;
    auto q = quantizeModel(g, config, &calib);
    QVERIFY2(q.isOk(), q.message().c_str());
    const auto layers = quantLayers(*q);
    auto session = AnalysisSession::create(*q, x, "", AnalysisSessionOptions{2, 4});
    QVERIFY2(session.isOk(), session.message().c_str());
    LayerChange ch;
    ch.node = layers[layers.size() * 2 / 3].name;
    ch.weightBits = 4;
    auto r = (*session)->whatIf(ch);
    QVERIFY2(r.isOk(), r.message().c_str());
    qInfo("mobilenet_v2_bn + bias correction, what-if %s → 4 bits: %d nodes, %.3f s (repairs "
          "%.3f s); output SQNR %.2f → %.2f dB",
          ch.node.c_str(), r->nodesRun, r->seconds, r->repairSeconds, r->outputSqnrBeforeDb,
          r->outputSqnrAfterDb);
    QVERIFY(r->biasCorrection.has_value());
    QuantConfig changed = config;
    changed.layerBits[ch.node] = 4;
    auto q2 = quantizeModel(g, changed, &calib);
    QVERIFY(q2.isOk());
    const Tensor full = fullRun(*q2, q2->plan, x, 4).first;
    QVERIFY(maxRelDiff(r->output, full) < 1e-5);
    // AdaRound one layer: a depthwise, an expanding 1×1 and a projecting 1×1 one.
    for (const std::string& node :
         {std::string("/features/features.12/conv/conv.1/conv.1.0/Conv"),
          std::string("/features/features.12/conv/conv.0/conv.0.0/Conv"), ch.node}) {
        LayerChange a;
        a.node = node;
        a.weightBits = 4;
        a.adaround = true;
        auto ra = (*session)->whatIf(a, false);
        QVERIFY2(ra.isOk(), ra.message().c_str());
        QVERIFY(ra->adaround.has_value());
        qInfo("  AdaRound %s at 4 bits (%lld weights): %.3f s in all, AdaRound %.3f s; "
              "reconstruction error nearest %.4g, AdaRound %.4g; output SQNR %.2f dB",
              node.c_str(), (long long)ra->adaround->weights, ra->seconds, ra->adaround->seconds,
              ra->adaround->nearestError, ra->adaround->adaroundError, ra->outputSqnrAfterDb);
    }
}

void AnalysisTest::layerAnalysesDoNotDependOnThreads() {
    // Sensitivity, the mixed-bit table and the calibrator comparison run their work items
    // (layer × run, tensor × range) on several threads at once: the results must be the same
    // bit for bit at 1, 2 and 3 threads, and every row must hold its own layer's runs (checked
    // against runs of that layer's cone made here one by one).
    const Graph g = loadModel("digits_mbv2_bn.onnx");
    QuantConfig config;
    config.threads = 2;
    config.calibration.method = CalibrationMethod::Percentile; // the comparison's ranges differ
    const QuantizedModel q = quantizeDigits(g, config);
    const auto layers = quantLayers(q);
    QVERIFY(layers.size() >= 10);
    const Tensor x = firstRows(loadData("digits_test_x.npy"), 40); // batches of 16, 16, 8
    const std::string in = g.value(g.inputs()[0]).name;
    struct Outcome {
        SensitivityResult sensitivity;
        MixedBitsResult mixed;
        std::vector<TensorCalibratorComparison> calibrators;
    };
    auto analyse = [&](int threads) {
        Outcome o;
        auto runner = LayerConeRunner::create(q, layers, x, in, threads, 16, true);
        if (!runner) qFatal("%s", runner.message().c_str());
        SensitivityOptions so;
        so.threads = threads;
        auto s = analyzeSensitivity(q, layers, **runner, nullptr, so);
        if (!s) qFatal("%s", s.message().c_str());
        o.sensitivity = std::move(s).value();
        auto mb = suggestMixedBits(q, layers, **runner);
        if (!mb) qFatal("%s", mb.message().c_str());
        o.mixed = std::move(mb).value();
        AnalysisSessionOptions ao;
        ao.threads = threads;
        ao.batchSize = 4;
        auto session = AnalysisSession::create(q, firstRows(x, 8), in, ao);
        if (!session) qFatal("%s", session.message().c_str());
        auto cc = compareCalibratorsAll(q, session->get());
        if (!cc) qFatal("%s", cc.message().c_str());
        o.calibrators = std::move(cc).value();
        return o;
    };
    const Outcome one = analyse(1);
    auto same = [](const OutputAgreement& a, const OutputAgreement& b) {
        return a.sqnrDb == b.sqnrDb && a.cosine == b.cosine && a.agreement == b.agreement;
    };
    for (int threads : {2, 3}) {
        const Outcome other = analyse(threads);
        QCOMPARE(other.sensitivity.layers.size(), layers.size());
        for (size_t i = 0; i < layers.size(); ++i) {
            const LayerSensitivity &a = one.sensitivity.layers[i], &b = other.sensitivity.layers[i];
            QCOMPARE(b.node, layers[i].name);
            QVERIFY2(same(a.alone, b.alone) && same(a.reverse, b.reverse) && a.rank == b.rank,
                     layers[i].name.c_str());
            QVERIFY(one.mixed.table[i].noise == other.mixed.table[i].noise);
        }
        QVERIFY(one.mixed.chosen.assignment == other.mixed.chosen.assignment);
        QCOMPARE(other.calibrators.size(), one.calibrators.size());
        for (size_t t = 0; t < one.calibrators.size(); ++t) {
            QCOMPARE(other.calibrators[t].tensor, one.calibrators[t].tensor);
            for (size_t c = 0; c < one.calibrators[t].choices.size(); ++c)
                QVERIFY(other.calibrators[t].choices[c].outputSqnrDb ==
                        one.calibrators[t].choices[c].outputSqnrDb);
        }
    }
    // Rows hold their own layer: the layer's cone run here, alone (weight, bias, input and
    // output quantized) and with only its weight at 4 bits.
    auto runner = LayerConeRunner::create(q, layers, x, in, 1, 16, true);
    QVERIFY(runner.isOk());
    const Tensor& reference = (*runner)->reference();
    const size_t c4 =
        size_t(std::find(one.mixed.candidates.begin(), one.mixed.candidates.end(), 4) -
               one.mixed.candidates.begin());
    QVERIFY(c4 < one.mixed.candidates.size());
    for (size_t i : {size_t(0), size_t(3), layers.size() / 2, layers.size() - 1}) {
        const QuantLayerRef& l = layers[i];
        auto alone =
            (*runner)->run(i, planQuantizingOnly(q.plan, layerTensors(q.graph, l, true)), false);
        QVERIFY(alone.isOk());
        QCOMPARE(one.sensitivity.layers[i].alone.sqnrDb, sqnrDb(reference, *alone));
        QuantPlan plan = planQuantizingOnly(q.plan, {l.weight});
        QuantSpec spec = q.plan.tensor(l.weight)->params.spec;
        spec.bits = 4;
        auto ranges = tensorRanges(l.weightQuantized, spec);
        QVERIFY(ranges.isOk());
        plan.tensors[l.weight].params =
            computeQuantParams(spec, ranges->first, ranges->second).value();
        auto w4 = (*runner)->run(i, plan, false);
        QVERIFY(w4.isOk());
        double noise = 0.0;
        for (int64_t k = 0; k < reference.numel(); ++k) {
            const double d = double(w4->data<float>()[k]) - reference.data<float>()[k];
            noise += d * d;
        }
        QCOMPARE(one.mixed.table[i].noise[c4], noise / double(reference.numel()));
    }
}

void AnalysisTest::weightParamsCacheGivesTheFreshPlan() {
    // Plans built with one WeightParamsCache (as the what-if session does, one per change) equal
    // plans built without it: per-layer bits and granularity, power-of-two scales, and a graph
    // whose weights have the same names but other values (other buffers).
    const Graph g = loadModel("digits_mbv2_bn.onnx");
    const QuantizedModel q = quantizeDigits(g, QuantConfig{});
    const auto layers = quantLayers(q);
    QVERIFY(layers.size() >= 3);
    QuantConfig a = q.config, b = q.config, c = q.config;
    b.layerBits[layers[1].name] = 4;
    b.layerGranularity[layers[2].name] = Granularity::PerTensor;
    c.weight.powerOfTwoScale = true;
    Graph scaled = q.graph; // every weight doubled: same names, new buffers
    for (const QuantLayerRef& l : layers) {
        Value& w = scaled.value(*scaled.findValue(l.weight));
        Tensor t = w.initializer->clone();
        for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] *= 2.0f;
        w.initializer = t;
    }
    WeightParamsCache cache;
    for (int pass = 0; pass < 2; ++pass) // the second pass reads every weight from the cache
        for (const Graph* graph : std::vector<const Graph*>{&q.graph, &scaled})
            for (const QuantConfig* config : std::vector<const QuantConfig*>{&a, &b, &c}) {
                auto fresh = buildQuantPlan(*graph, *config, q.activationRanges);
                auto cached = buildQuantPlan(*graph, *config, q.activationRanges, &cache);
                QVERIFY(fresh.isOk() && cached.isOk());
                QCOMPARE(quantPlanToJson(*cached), quantPlanToJson(*fresh));
            }
    // The doubled weights really have other parameters (the cache did not hand out the first).
    auto one = buildQuantPlan(q.graph, a, q.activationRanges, &cache);
    auto two = buildQuantPlan(scaled, a, q.activationRanges, &cache);
    QVERIFY(one->tensor(layers[0].weight)->params.scale !=
            two->tensor(layers[0].weight)->params.scale);
}

QTEST_GUILESS_MAIN(AnalysisTest)
#include "analysis_test.moc"
