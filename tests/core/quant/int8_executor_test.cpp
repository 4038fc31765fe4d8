// The int8 integer executor (core/quant/int8):
// - requantization arithmetic and a 1×1 QConv against hand-computed codes (float and fixed point);
// - every SIMD path of QConv/QGemm bit for bit against the direct reference loops on random
//   shapes (odd channels, strides, pads, dilations, groups, depthwise, 1×1, int8 and uint8 input);
// - digits_mbv2_bn, ppocr_cls, mobilenet_v2_bn: every integer tensor within one quantization step
//   of the Simulator's given the same inputs, same top-1 on the test data (digits' 500 test
//   images, ppocr's 160 text lines, mobilenet's one input; float and fixed-point requantization);
// - ONNX Runtime running our QDQ export (QLinearConv & co.): float requantization equal on
//   ≥ 99.9% of the compared codes, never more than one step apart, same top-1 for every sample
//   (digits_mbv2_bn, ppocr_cls). Skipped with the install command when ORT is not installed.
#include "exec/executor.h"
#include "exec/node_runner.h"
#include "int8_test_ops.h"
#include "io/npy.h"
#include "onnx/onnx_exporter.h"
#include "onnx/onnx_importer.h"
#include "ops/op_registry.h"
#include "quant/int8/divergence_finder.h"
#include "quant/int8/int8_diagnostics.h"
#include "quant/int8/int8_executor.h"
#include "quant/int8/int8_kernels.h"
#include "quant/int8/requantize.h"
#include "quant/quantizer.h"
#include "quant/simulator.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <cstring>
#include <limits>
#include <random>

using namespace qs;
using namespace qs::int8;
using namespace qs::testing;

namespace {

const std::string kShared = QS_SHARED_DIR;
const QString kNode = QStringLiteral(QS_NODE_EXECUTABLE);
const QString kToolsDir = QStringLiteral(QS_TEST_TOOLS_DIR);
const char* const kInstallHint =
    "ONNX Runtime for Node is not installed; run: cd tests/tools && npm install "
    "--ignore-scripts --no-audit --no-fund";

std::vector<int64_t> argmaxRows(const Tensor& logits) {
    const int64_t n = logits.dim(0), c = logits.numel() / std::max<int64_t>(1, n);
    const auto v = logits.toFloatVector();
    std::vector<int64_t> out;
    for (int64_t i = 0; i < n; ++i)
        out.push_back(std::max_element(v.begin() + i * c, v.begin() + (i + 1) * c) -
                      (v.begin() + i * c));
    return out;
}

// Keeps every value of a run.
class KeepAll : public ExecHooks {
public:
    bool keep(ValueId) const override { return true; }
};

std::map<std::string, Tensor> keptByName(const Graph& g, const RunResult& r) {
    std::map<std::string, Tensor> out;
    for (const auto& [id, t] : r.kept) out[g.value(id).name] = t;
    return out;
}

// Compares each produced code tensor with the Simulator's tensor of the same plan name and
// (when forcing) replaces it by the Simulator's codes, so every integer op sees the
// Simulator's inputs.
class TeacherForcing : public ExecHooks {
public:
    TeacherForcing(const Graph& g, const Int8Program& p, const std::map<std::string, Tensor>& sim,
                   const QuantPlan& plan, bool force = true)
        : m_g(g)
        , m_p(p)
        , m_sim(sim)
        , m_plan(plan)
        , m_force(force) {}
    Status onTensor(NodeId, ValueId value, Tensor& tensor) override {
        const std::string& name = m_g.value(value).name;
        auto c = m_p.codes.find(name);
        if (c == m_p.codes.end() || tensor.dtype() == DataType::F32) return {};
        auto s = m_sim.find(c->second.source);
        if (s == m_sim.end() || s->second.shape() != tensor.shape()) return {};
        const QuantParams* params = m_plan.effectiveParams(c->second.source);
        int32_t& w = worst[name];
        for (int64_t i = 0; i < tensor.numel(); ++i) {
            const int32_t q = quantizeValue(s->second.data<float>()[i], c->second.scale,
                                            c->second.zeroPoint, params->spec);
            const int32_t d = std::abs(q - codeOf(tensor, i));
            w = std::max(w, d);
            exact += d == 0;
            if (m_force) {
                if (tensor.dtype() == DataType::U8)
                    tensor.data<uint8_t>()[i] = uint8_t(q);
                else
                    tensor.data<int8_t>()[i] = int8_t(q);
            }
        }
        compared += tensor.numel();
        return {};
    }
    int largest() const {
        int l = 0;
        for (const auto& [name, w] : worst) l = std::max(l, w);
        return l;
    }
    std::map<std::string, int32_t> worst;
    int64_t compared = 0, exact = 0;

private:
    const Graph& m_g;
    const Int8Program& m_p;
    const std::map<std::string, Tensor>& m_sim;
    const QuantPlan& m_plan;
    bool m_force;
};

std::string g0(const Graph& g, const std::string& node) {
    auto id = g.findNode(node);
    if (!id) return std::string();
    std::string r = g.node(*id).opType;
    for (ValueId v : g.node(*id).inputs)
        r += " " + (v == kNoValue ? std::string("-") : g.value(v).name);
    return r;
}

struct Models {
    QuantizedModel model;
    Tensor test;
    std::string inputName;
};

Result<Models> quantizeShared(const std::string& model, const std::string& calib,
                              int64_t calibSamples, const std::string& test, RequantMode requant,
                              int weightBits = 8, const std::string& scheme = std::string()) {
    QS_ASSIGN(Graph g, importOnnxFile(kShared + "/models/" + model));
    QS_ASSIGN(Tensor c, readNpy(kShared + "/data/" + calib));
    QS_ASSIGN(Tensor x, readNpy(kShared + "/data/" + test));
    Shape s = c.shape();
    s[0] = std::min(s[0], calibSamples);
    Tensor cs(DataType::F32, s);
    std::memcpy(cs.rawData(), c.rawData(), cs.byteSize());
    QuantConfig config;
    config.requant = requant;
    config.weight.bits = weightBits;
    if (!scheme.empty()) QS_TRY(applyQuantOption(config, "scheme", scheme));
    CalibrationData calibration;
    calibration.samples = cs;
    Models m;
    QS_ASSIGN(m.model, quantizeModel(g, config, &calibration));
    m.test = x;
    m.inputName = g.value(g.inputs()[0]).name;
    return m;
}

} // namespace

class Int8ExecutorTest : public QObject {
    Q_OBJECT
private slots:
    void fixedPointArithmetic();
    void handComputedConv1x1_data();
    void handComputedConv1x1();
    void convPathsMatchReference();
    void gemmPathsMatchReference();
    void gemmVectorMatchesReference();
    void gemmFourBitMatchesReference();
    void fusedRequantPathsAgree();
    void im2colMatchesDefinition();
    void depthwiseMatchesReference();
    void executorReinfersChangedShapes();
    void outputStagePathsAgree();
    void diagnosticsCountCodes();
    void weightsHeldOnce();
    void withinOneStepOfSimulator_data();
    void withinOneStepOfSimulator();
    void matchesOnnxRuntime_data();
    void matchesOnnxRuntime();
    void elementwisePathsAgree();
    void fusedElementwiseBitExact_data();
    void fusedElementwiseBitExact();
};

void Int8ExecutorTest::fixedPointArithmetic() {
    // 0.5 = 2^30 · 2^(0−31): M0 = 2^30, shift 0.
    const FixedPointMultiplier half = quantizeMultiplier(0.5);
    QCOMPARE(half.m0, int32_t(1) << 30);
    QCOMPARE(half.shift, 0);
    // Ties upward in gemmlowp's doubling high multiply, unlike float requantization's half to even.
    QCOMPARE(multiplyByQuantizedMultiplier(5, half), 3);
    // gemmlowp's high multiply: nudge 2^30 or 1 − 2^30, then truncation: −2.5 → −2.
    QCOMPARE(multiplyByQuantizedMultiplier(-5, half), -2);
    QCOMPARE(requantizeFloat(5, 0.5f, 0, -128, 127), 2);
    QCOMPARE(requantizeFloat(-5, 0.5f, 0, -128, 127), -2);
    QCOMPARE(roundingDivideByPot(-5, 1), -3);
    QCOMPARE(roundingDivideByPot(6, 2), 2); // 1.5 → 2
    // 0.3 · 1000 = 300 exactly representable to 2^-31 relative.
    QCOMPARE(multiplyByQuantizedMultiplier(1000, quantizeMultiplier(0.3)), 300);
    // A multiplier above 1 shifts left first: 3.0 · 7 = 21.
    QCOMPARE(multiplyByQuantizedMultiplier(7, quantizeMultiplier(3.0)), 21);
    // Saturation at the code range.
    QCOMPARE(requantizeFixedPoint(100000, half, 128, 0, 255), 255);
    QCOMPARE(requantizeFloat(-100000, 0.5f, 128, 0, 255), 0);
}

void Int8ExecutorTest::handComputedConv1x1_data() {
    QTest::addColumn<QString>("requant");
    QTest::addColumn<int>("lo");
    QTest::addColumn<QList<int>>("expected");
    // x − z_x: channel 0 [2, 10], channel 1 [0, −6]; acc = Σ (x − z)·w + bias:
    //   m0 (w 1, 2; b 3):      [5, 1]      × M 0.5      = [2.5, 0.5]
    //   m1 (w −3, 1; b −4):    [−10, −40]  × M 1.0      = [−10, −40]
    //   m2 (w 127, −127; b 0): [254, 2032] × M 0.015625 = [3.96875, 31.75]
    // + z_y 128; float rounds half to even, fixed point half away from zero.
    QTest::newRow("float") << "float" << 0 << QList<int>{130, 128, 118, 88, 132, 160};
    QTest::newRow("fixed") << "fixed" << 0 << QList<int>{131, 129, 118, 88, 132, 160};
    // A fused Relu: the clamp's floor is the zero point.
    QTest::newRow("float relu") << "float" << 128 << QList<int>{130, 128, 128, 128, 132, 160};
}

void Int8ExecutorTest::handComputedConv1x1() {
    QFETCH(QString, requant);
    QFETCH(int, lo);
    QFETCH(QList<int>, expected);
    const Tensor x = Tensor::fromVector<uint8_t>({1, 2, 1, 2}, {12, 20, 10, 4});
    const Tensor w = Tensor::fromVector<int8_t>({3, 2, 1, 1}, {1, 2, -3, 1, 127, -127});
    const Tensor b = Tensor::fromVector<int32_t>({3}, {3, -4, 0});
    const Node node = int8Node("QConv", 3,
                               {{"x_scale", attrF(0.5f)},
                                {"x_zero_point", attrI(10)},
                                {"w_scale", attrFs({0.25f, 0.5f, 0.0078125f})},
                                {"y_scale", attrF(0.25f)},
                                {"y_zero_point", attrI(128)},
                                {"y_type", attrS("u8")},
                                {"lo", attrI(lo)},
                                {"hi", attrI(255)},
                                {"requant", attrS(requant.toStdString())}});
    auto y = runInt8Op(node, {&x, &w, &b});
    QVERIFY2(y.isOk(), y.message().c_str());
    QCOMPARE(y->shape(), (Shape{1, 3, 1, 2}));
    QList<int> got;
    for (int64_t i = 0; i < y->numel(); ++i) got.push_back(codeOf(*y, i));
    QCOMPARE(got, expected);
}

void Int8ExecutorTest::convPathsMatchReference() {
    std::mt19937 rng(1234);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    struct Case {
        int n, c, h, w, m, kh, kw, stride, pad, dilation, group;
        int strideW = 0; // 0: as stride
    };
    std::vector<Case> cases{
        {1, 3, 9, 11, 5, 3, 3, 1, 1, 1, 1},
        {2, 7, 8, 8, 13, 1, 1, 1, 0, 1, 1},
        {1, 16, 10, 10, 16, 3, 3, 2, 1, 1, 16},
        {1, 6, 9, 7, 9, 3, 3, 1, 2, 2, 3},
        {1, 5, 12, 13, 33, 5, 3, 2, 2, 1, 1},
        {1, 17, 7, 7, 17, 3, 3, 1, 1, 1, 17},
        {1, 40, 15, 15, 24, 1, 1, 1, 0, 1, 1},
        {1, 4, 6, 6, 8, 1, 1, 2, 0, 1, 2},
        {1, 9, 5, 5, 1, 5, 5, 1, 2, 1, 1},
        {1, 64, 14, 14, 70, 3, 3, 1, 1, 1, 1},
        {1, 12, 9, 37, 12, 3, 3, 2, 1, 1, 12, 1},
        {1, 8, 10, 21, 8, 3, 5, 1, 2, 1, 8, 2},
        // Depthwise on the VBMI path: wide rows (several 16-column steps and a tail), 5×5 and 7×7
        // kernels (two four-tap groups), dilation, and a geometry outside its 64-byte window
        // (15·2 + 2·17 ≥ 64: the fallback).
        {1, 5, 6, 70, 5, 3, 3, 2, 1, 1, 5},
        {1, 3, 11, 50, 3, 5, 5, 1, 2, 1, 3},
        {1, 4, 13, 41, 4, 7, 7, 2, 3, 1, 4},
        {1, 3, 12, 40, 3, 3, 3, 1, 2, 2, 3},
        {1, 2, 40, 40, 2, 3, 3, 2, 17, 17, 2},
        // At most 4 output positions (one dot product per column): 1×1 planes, 2×2, grouped,
        // through im2col (3×3 on a 1×1 plane), batch 2.
        {1, 88, 1, 1, 22, 1, 1, 1, 0, 1, 1},
        {2, 7, 2, 2, 13, 1, 1, 1, 0, 1, 1},
        {1, 5, 1, 1, 9, 3, 3, 1, 1, 1, 1},
        {1, 6, 1, 3, 70, 1, 1, 1, 0, 1, 2},
        // The GEMM's parallel tiles: more than one 64-row tile and one 256-column tile.
        {1, 19, 17, 19, 130, 1, 1, 1, 0, 1, 1},
        {1, 6, 20, 15, 72, 3, 3, 1, 1, 1, 2},
    };
    for (int r = 0; r < 6; ++r) { // random extra shapes
        Case k{uni(1, 2), 0,         0,         0,         0,        uni(1, 3),
               uni(1, 3), uni(1, 2), uni(0, 2), uni(1, 2), uni(1, 3)};
        k.h = k.dilation * (k.kh - 1) + 1 + uni(0, 9); // the window always fits
        k.w = k.dilation * (k.kw - 1) + 1 + uni(0, 9);
        k.c = k.group * uni(1, 9);
        k.m = k.group * uni(1, 9);
        cases.push_back(k);
    }
    int checked = 0;
    for (const Case& k : cases)
        for (DataType inType : {DataType::U8, DataType::I8}) {
            const int64_t cg = k.c / k.group;
            Tensor x(inType, {k.n, k.c, k.h, k.w});
            for (int64_t i = 0; i < x.numel(); ++i)
                static_cast<uint8_t*>(x.rawData())[i] = uint8_t(uni(0, 255));
            Tensor w(DataType::I8, {k.m, cg, k.kh, k.kw});
            for (int64_t i = 0; i < w.numel(); ++i) w.data<int8_t>()[i] = int8_t(uni(-127, 127));
            std::vector<int32_t> bias(static_cast<size_t>(k.m));
            for (auto& v : bias) v = uni(-5000, 5000);
            const Tensor b = Tensor::fromVector<int32_t>({k.m}, bias);
            const int32_t zx = inType == DataType::U8 ? uni(0, 255) : uni(-128, 127);
            // Expected accumulators from the reference loops (on u8 codes: i8 + 128, z + 128).
            Tensor xu(DataType::U8, x.shape());
            for (int64_t i = 0; i < x.numel(); ++i)
                xu.data<uint8_t>()[i] = inType == DataType::U8 ? x.data<uint8_t>()[i]
                                                               : uint8_t(x.data<int8_t>()[i] + 128);
            Conv2dShape s{k.n,
                          k.c,
                          k.h,
                          k.w,
                          k.m,
                          0,
                          0,
                          k.kh,
                          k.kw,
                          k.stride,
                          k.strideW ? k.strideW : k.stride,
                          k.dilation,
                          k.dilation,
                          k.pad,
                          k.pad,
                          k.group};
            s.outH = (k.h + 2 * k.pad - k.dilation * (k.kh - 1) - 1) / k.stride + 1;
            s.outW = (k.w + 2 * k.pad - k.dilation * (k.kw - 1) - 1) / s.strideW + 1;
            std::vector<int32_t> acc(size_t(k.n * k.m * s.outH * s.outW));
            referenceConv2d(s, xu.data<uint8_t>(), inType == DataType::U8 ? zx : zx + 128,
                            w.data<int8_t>(), bias.data(), acc.data());
            for (SimdPath path : QGemm::supportedPaths()) {
                // y_type f32 with unit scales gives the accumulators themselves (|acc| < 2^24:
                // exact).
                const Node node =
                    int8Node("QConv", 3,
                             {{"x_scale", attrF(1.0f)},
                              {"x_zero_point", attrI(zx)},
                              {"w_scale", attrFs(std::vector<float>(size_t(k.m), 1.0f))},
                              {"y_type", attrS("f32")},
                              {"group", attrI(k.group)},
                              {"strides", attrIs({k.stride, s.strideW})},
                              {"pads", attrIs({k.pad, k.pad, k.pad, k.pad})},
                              {"dilations", attrIs({k.dilation, k.dilation})},
                              {"simd_path", attrS(simdPathName(path))}});
                auto y = runInt8Op(node, {&x, &w, &b});
                QVERIFY2(y.isOk(), y.message().c_str());
                QCOMPARE(y->numel(), int64_t(acc.size()));
                for (int64_t i = 0; i < y->numel(); ++i)
                    if (y->data<float>()[i] != float(acc[size_t(i)]))
                        QFAIL(qPrintable(
                            QStringLiteral(
                                "path %1, case c%2 m%3 k%4x%5 s%6 p%7 d%8 g%9: element %10 is %11, "
                                "reference %12")
                                .arg(QLatin1String(simdPathName(path)))
                                .arg(k.c)
                                .arg(k.m)
                                .arg(k.kh)
                                .arg(k.kw)
                                .arg(k.stride)
                                .arg(k.pad)
                                .arg(k.dilation)
                                .arg(k.group)
                                .arg(i)
                                .arg(double(y->data<float>()[i]))
                                .arg(acc[size_t(i)])));
                ++checked;
            }
        }
    qInfo("QConv: %d case/path combinations equal the reference bit for bit", checked);
}

void Int8ExecutorTest::gemmPathsMatchReference() {
    std::mt19937 rng(99);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    int checked = 0;
    for (int r = 0; r < 12; ++r) {
        const int64_t rows = uni(1, 9), k = uni(1, 70), n = uni(1, 45);
        Tensor x(DataType::U8, {rows, k});
        for (int64_t i = 0; i < x.numel(); ++i) x.data<uint8_t>()[i] = uint8_t(uni(0, 255));
        Tensor w(DataType::I8, {n, k});
        for (int64_t i = 0; i < w.numel(); ++i) w.data<int8_t>()[i] = int8_t(uni(-127, 127));
        std::vector<int32_t> bias(static_cast<size_t>(n));
        for (auto& v : bias) v = uni(-999, 999);
        const Tensor b = Tensor::fromVector<int32_t>({n}, bias);
        const int32_t zx = uni(0, 255);
        std::vector<int32_t> acc(size_t(rows * n));
        referenceDot(rows, n, k, x.data<uint8_t>(), zx, w.data<int8_t>(), bias.data(),
                     acc.data()); // [n][rows]
        for (SimdPath path : QGemm::supportedPaths()) {
            const Node node = int8Node("QGemm", 3,
                                       {{"x_scale", attrF(1.0f)},
                                        {"x_zero_point", attrI(zx)},
                                        {"w_scale", attrFs(std::vector<float>(size_t(n), 1.0f))},
                                        {"y_type", attrS("f32")},
                                        {"simd_path", attrS(simdPathName(path))}});
            auto y = runInt8Op(node, {&x, &w, &b});
            QVERIFY2(y.isOk(), y.message().c_str());
            for (int64_t i = 0; i < rows; ++i)
                for (int64_t j = 0; j < n; ++j)
                    QCOMPARE(y->data<float>()[i * n + j], float(acc[size_t(j * rows + i)]));
            ++checked;
        }
    }
    qInfo("QGemm: %d shape/path combinations equal the reference bit for bit", checked);
}

// 4-bit weights (all in [-8, 7]) are held as nibbles and unpacked per row block inside the
// kernels: every entry point (run's packed and vector forms, tiles with row/column ranges, the
// fused output stage) must still equal referenceDot bit for bit, on every path, with half the
// weight bytes of the same shape in int8.
void Int8ExecutorTest::gemmFourBitMatchesReference() {
    std::mt19937 rng(7741);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    int checked = 0;
    for (int r = 0; r < 30; ++r) {
        const int64_t m = uni(1, 40), k = r < 8 ? r + 1 : uni(1, 300);
        const int64_t n = r % 3 == 0 ? uni(1, int(QGemm::kVectorColumns)) : uni(5, 100);
        std::vector<uint8_t> x(size_t(k * n)); // B [k][n]
        for (auto& v : x) v = uint8_t(uni(0, 255));
        std::vector<int8_t> w(size_t(m * k));
        for (auto& v : w) v = int8_t(uni(-8, 7));
        w[size_t(uni(0, int(m * k - 1)))] = -8; // both ends of the 4-bit range occur
        w[size_t(uni(0, int(m * k - 1)))] = 7;
        std::vector<int8_t> wide = w; // one value outside 4 bits: int8 storage
        wide[0] = -9;
        // referenceDot takes rows of x: transpose B to [n][k].
        std::vector<uint8_t> xt(size_t(n * k));
        for (int64_t i = 0; i < k; ++i)
            for (int64_t j = 0; j < n; ++j) xt[size_t(j * k + i)] = x[size_t(i * n + j)];
        std::vector<int32_t> want(size_t(m * n)); // [m][n]
        referenceDot(n, m, k, xt.data(), 0, w.data(), nullptr, want.data());
        for (SimdPath path : QGemm::supportedPaths()) {
            const QString where =
                QString("path %1, m %2, k %3, n %4").arg(simdPathName(path)).arg(m).arg(k).arg(n);
            const QGemm gemm(path, m, k, w.data());
            const QGemm gemm8(path, m, k, wide.data());
            QVERIFY2(gemm.nibblePacked() && !gemm8.nibblePacked(), qPrintable(where));
            QVERIFY2(2 * gemm.weightBytes() <= gemm8.weightBytes() + 1, qPrintable(where));
            std::vector<int32_t> got(size_t(m * n), -7);
            std::vector<uint8_t> scratch;
            gemm.run(n, x.data(), n, 1, got.data(), n, scratch);
            QVERIFY2(got == want, qPrintable("run: " + where));

            // A tile starting at a row and a column block; everything outside stays untouched.
            std::vector<uint8_t> packed(size_t(gemm.packedBBytes(n)));
            gemm.packB(n, x.data(), n, 1, packed.data(), 0, n);
            const int64_t r0 = QGemm::kRowBlock * uni(0, int((m - 1) / QGemm::kRowBlock)),
                          r1 = uni(int(r0) + 1, int(m));
            const int64_t c0 = QGemm::kColBlock * uni(0, int((n - 1) / QGemm::kColBlock)),
                          c1 = uni(int(c0) + 1, int(n));
            std::vector<int32_t> tile(size_t(m * n), -7);
            gemm.multiplyPacked(packed.data(), n, r0, r1, c0, c1, tile.data(), n);
            for (int64_t i = 0; i < m; ++i)
                for (int64_t j = 0; j < n; ++j) {
                    const bool inside = i >= r0 && i < r1 && j >= c0 && j < c1;
                    QVERIFY2(tile[size_t(i * n + j)] == (inside ? want[size_t(i * n + j)] : -7),
                             qPrintable(QString("tile (%1, %2): ").arg(i).arg(j) + where));
                }

            // The fused float output stage on the same tile.
            std::vector<int32_t> offsets(static_cast<size_t>(m));
            std::vector<float> multipliers(static_cast<size_t>(m));
            for (int64_t i = 0; i < m; ++i) {
                offsets[size_t(i)] = uni(-3000, 3000);
                multipliers[size_t(i)] = float(uni(1, 999)) / 20000.0f;
            }
            std::vector<uint8_t> codes(size_t(m * n), 0xee);
            FusedRequant rq;
            rq.offsets = offsets.data();
            rq.multipliers = multipliers.data();
            rq.zeroPoint = uni(0, 255);
            rq.lo = 0;
            rq.hi = 255;
            rq.out = codes.data();
            rq.ldo = n;
            gemm.multiplyRequant(packed.data(), n, r0, r1, c0, c1, rq);
            for (int64_t i = r0; i < r1; ++i)
                for (int64_t j = c0; j < c1; ++j) {
                    const int32_t expect =
                        requantizeFloat(want[size_t(i * n + j)] + offsets[size_t(i)],
                                        multipliers[size_t(i)], rq.zeroPoint, rq.lo, rq.hi);
                    QVERIFY2(int32_t(codes[size_t(i * n + j)]) == expect,
                             qPrintable(QString("fused (%1, %2): ").arg(i).arg(j) + where));
                }
            ++checked;
        }
    }
    qInfo("QGemm 4-bit: %d shape/path combinations equal the reference bit for bit", checked);
}

// QGemm::multiplyVector (the dot-product kernel of one activation row, AVX-512: two k quads of 8
// rows per vpdpbusd, an odd last quad alone) and run() with up to kVectorColumns strided columns,
// against referenceDot: K across quad and pair boundaries, M not a multiple of 8, row ranges.
void Int8ExecutorTest::gemmVectorMatchesReference() {
    std::mt19937 rng(4242);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    int checked = 0;
    for (int r = 0; r < 40; ++r) {
        const int64_t k = r < 12 ? r + 1 : uni(1, 1300), m = uni(1, 70);
        const int64_t cols = uni(1, int(QGemm::kVectorColumns));
        std::vector<uint8_t> x(size_t(cols * k)); // [cols][k]: B(k, j) at x[j·k + k]
        for (auto& v : x) v = uint8_t(uni(0, 255));
        std::vector<int8_t> w(size_t(m * k));
        for (auto& v : w) v = int8_t(uni(-128, 127));
        std::vector<int32_t> want(size_t(m * cols)); // [m][cols]
        referenceDot(cols, m, k, x.data(), 0, w.data(), nullptr, want.data());
        for (SimdPath path : QGemm::supportedPaths()) {
            const QGemm gemm(path, m, k, w.data());
            std::vector<int32_t> got(size_t(m * cols), -7);
            std::vector<uint8_t> scratch;
            gemm.run(cols, x.data(), 1, k, got.data(), cols, scratch);
            QVERIFY2(got == want, qPrintable(QString("run: path %1, m %2, k %3, cols %4")
                                                 .arg(simdPathName(path))
                                                 .arg(m)
                                                 .arg(k)
                                                 .arg(cols)));
            // A row range starting at a row block; rows outside it stay untouched.
            const int64_t r0 = QGemm::kRowBlock * uni(0, int(m / QGemm::kRowBlock)),
                          r1 = uni(int(r0), int(m));
            std::vector<int32_t> part(size_t(m), -7);
            gemm.multiplyVector(x.data(), r0, r1, part.data(), 1);
            for (int64_t i = 0; i < m; ++i)
                QCOMPARE(part[size_t(i)], i >= r0 && i < r1 ? want[size_t(i * cols)] : -7);
            ++checked;
        }
    }
    qInfo("QGemm vector kernel: %d shape/path combinations equal the reference bit for bit",
          checked);
}

// QConv's float output stage fused into the GEMM tiles (AVX-512: two rows per step, rounded
// before the clamp when every multiplier is below 1) against the Generic path's scalar
// requantizeFloat: u8 and i8 codes, clamps narrower than the type, multipliers far below and
// above 1, odd channel counts and planes with partial 32-column blocks, 1×1 and 3×3.
void Int8ExecutorTest::fusedRequantPathsAgree() {
    std::mt19937 rng(2718);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    auto real = [&](float lo, float hi) {
        return std::uniform_real_distribution<float>(lo, hi)(rng);
    };
    int checked = 0;
    for (int r = 0; r < 36; ++r) {
        const bool outSigned = r % 2 == 1;
        const int64_t c = uni(1, 12), m = uni(1, 41);
        int64_t h = uni(1, 9), w = uni(1, 70);
        // Planes of at most 4 outputs (squeeze-excitation 1×1 planes: one dot product per
        // output column on the Avx512 path), also through im2col (3×3, pad 1).
        if (r >= 24) h = uni(1, 2), w = uni(1, 2);
        const int64_t kernel = r % 3 == 2 ? 3 : 1;
        Tensor x(DataType::U8, {1, c, h, w});
        for (int64_t i = 0; i < x.numel(); ++i) x.data<uint8_t>()[i] = uint8_t(uni(0, 255));
        Tensor wt(DataType::I8, {m, c, kernel, kernel});
        for (int64_t i = 0; i < wt.numel(); ++i) wt.data<int8_t>()[i] = int8_t(uni(-128, 127));
        std::vector<int32_t> bias(static_cast<size_t>(m));
        for (auto& v : bias) v = uni(-5000, 5000);
        const Tensor b = Tensor::fromVector<int32_t>({m}, bias);
        std::vector<float> ws;
        for (int64_t i = 0; i < m; ++i) ws.push_back(real(1e-3f, 3e-2f));
        const int z = outSigned ? uni(-30, 30) : uni(0, 255);
        const int lo = outSigned ? uni(-128, 0) : uni(0, 60),
                  hi = outSigned ? uni(1, 127) : uni(120, 255);
        float yScale = real(0.01f, 0.2f);
        if (r % 4 == 1) yScale = real(1e-6f, 1e-4f); // multipliers far above 1
        std::map<std::string, Attribute> attrs{{"x_scale", attrF(real(0.01f, 0.1f))},
                                               {"x_zero_point", attrI(uni(0, 255))},
                                               {"w_scale", attrFs(ws)},
                                               {"y_scale", attrF(yScale)},
                                               {"y_zero_point", attrI(z)},
                                               {"y_type", attrS(outSigned ? "i8" : "u8")},
                                               {"lo", attrI(lo)},
                                               {"hi", attrI(hi)},
                                               {"requant", attrS("float")}};
        if (kernel == 3) attrs["pads"] = attrIs({1, 1, 1, 1});
        std::vector<Tensor> results;
        for (SimdPath path : QGemm::supportedPaths()) {
            attrs["simd_path"] = attrS(simdPathName(path));
            auto y = runInt8Op(int8Node("QConv", 3, attrs), {&x, &wt, &b});
            QVERIFY2(y.isOk(), y.message().c_str());
            results.push_back(*y);
        }
        for (size_t i = 1; i < results.size(); ++i)
            for (int64_t e = 0; e < results[0].numel(); ++e)
                QVERIFY2(static_cast<const uint8_t*>(results[i].rawData())[e] ==
                             static_cast<const uint8_t*>(results[0].rawData())[e],
                         qPrintable(QString("case %1 (c %2, m %3, %4x%5, k %6), path %7, "
                                            "element %8")
                                        .arg(r)
                                        .arg(c)
                                        .arg(m)
                                        .arg(h)
                                        .arg(w)
                                        .arg(kernel)
                                        .arg(simdPathName(QGemm::supportedPaths()[i]))
                                        .arg(e)));
        ++checked;
    }
    qInfo("fused QConv output stage: %d cases equal on every path", checked);
}

// im2colU8 (memcpy rows for stride 1, a vectorised even-byte gather for stride 2) against its
// definition: cols[(c, ky, kx)][(oy, ox)] = x at (oy·s − pad + ky·d, ox·s − pad + kx·d), or the pad
// value outside the plane; wide rows (many 16-column steps), odd widths, pads, dilations.
// depthwiseConv2d on every path against referenceConv2d (+ requantizeFloat for the fused output
// stage): odd channel counts, planes 1×1 to 20×20 (up to 16 wide: several rows per vector on the
// VBMI path) and wider ones, kernels 1×1 to 7×7, strides, pads, dilations, batch 2, multipliers
// below and above 1, u8 and i8 codes; the bytes between the channels' code rows must stay
// untouched.
void Int8ExecutorTest::depthwiseMatchesReference() {
    std::mt19937 rng(2718);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    auto real = [&](float lo, float hi) {
        return std::uniform_real_distribution<float>(lo, hi)(rng);
    };
    int checked = 0;
    for (int r = 0; r < 400; ++r) {
        Conv2dShape s;
        s.batch = uni(1, 2);
        s.inChannels = s.outChannels = s.group = r % 2 == 0 ? 2 * uni(0, 9) + 1 : uni(1, 20);
        s.kernelH = r % 3 == 0 ? 3 : uni(1, 7);
        s.kernelW = r % 3 == 0 ? 3 : uni(1, 7);
        s.strideH = uni(1, 2);
        s.strideW = uni(1, 2);
        s.dilationH = r % 4 == 1 ? uni(1, 3) : 1;
        s.dilationW = r % 4 == 1 ? uni(1, 3) : 1;
        s.padTop = uni(0, 3);
        s.padLeft = uni(0, 3);
        int64_t padBottom = uni(0, 3), padRight = uni(0, 3);
        int64_t wantH = uni(1, 20), wantW = r % 4 == 0 ? uni(17, 40) : uni(1, 16);
        // Fixed geometries first: MobileNet's 7×7 and 14×14 planes, one-column planes (16 rows
        // per vector), a single output, 16 and 17 columns.
        const int64_t fixed[][6] = {{20, 1, 1, 1, 1, 1}, {19, 1, 1, 3, 1, 1}, {18, 2, 1, 1, 1, 1},
                                    {7, 7, 3, 3, 1, 1},  {7, 7, 3, 3, 2, 2},  {14, 14, 3, 3, 1, 1},
                                    {1, 1, 3, 3, 1, 1},  {3, 5, 5, 5, 1, 1},  {17, 4, 1, 1, 1, 1},
                                    {9, 16, 3, 3, 1, 2}, {9, 17, 3, 3, 2, 1}, {2, 96, 5, 5, 1, 1}};
        if (r < int(std::size(fixed))) {
            wantH = fixed[r][0];
            wantW = fixed[r][1];
            s.kernelH = fixed[r][2];
            s.kernelW = fixed[r][3];
            s.strideH = fixed[r][4];
            s.strideW = fixed[r][5];
            s.dilationH = s.dilationW = 1;
            s.padTop = padBottom = (s.kernelH - 1) / 2; // "same" padding
            s.padLeft = padRight = (s.kernelW - 1) / 2;
        }
        const int64_t extH = (s.kernelH - 1) * s.dilationH + 1,
                      extW = (s.kernelW - 1) * s.dilationW + 1;
        s.inH = std::max<int64_t>(1, (wantH - 1) * s.strideH + extH - s.padTop - padBottom);
        s.inW = std::max<int64_t>(1, (wantW - 1) * s.strideW + extW - s.padLeft - padRight);
        padBottom = std::max(padBottom, extH - s.inH - s.padTop);
        padRight = std::max(padRight, extW - s.inW - s.padLeft);
        s.outH = (s.inH + s.padTop + padBottom - extH) / s.strideH + 1;
        s.outW = (s.inW + s.padLeft + padRight - extW) / s.strideW + 1;
        const int64_t c = s.outChannels, plane = s.outH * s.outW;
        std::vector<uint8_t> x(size_t(s.batch * c * s.inH * s.inW));
        for (auto& v : x) v = uint8_t(uni(0, 255));
        std::vector<int8_t> w(size_t(c * s.kernelH * s.kernelW));
        for (auto& v : w) v = int8_t(uni(-128, 127));
        std::vector<int32_t> bias(static_cast<size_t>(c)), offsets(static_cast<size_t>(c));
        for (auto& v : bias) v = uni(-5000, 5000);
        for (auto& v : offsets) v = uni(-1000, 1000);
        const int32_t zx = uni(0, 255);
        std::vector<int32_t> ref(size_t(s.batch * c * plane));
        referenceConv2d(s, x.data(), zx, w.data(), bias.data(), ref.data());
        // The output stage: multipliers mostly < 1 (the VBMI path's packed stage), some ≥ 1.
        std::vector<float> multipliers(static_cast<size_t>(c));
        for (auto& v : multipliers) v = uni(0, 7) == 0 ? real(1.0f, 4.0f) : real(1e-4f, 0.05f);
        const bool isSigned = r % 2 == 1;
        const int32_t zy = isSigned ? uni(-30, 30) : uni(90, 160);
        const int32_t lo = isSigned ? uni(-128, -90) : uni(0, 40);
        const int32_t hi = isSigned ? uni(90, 127) : uni(200, 255);
        const int64_t ldo = plane + uni(0, 3); // gaps between the channels' codes
        for (SimdPath path : QGemm::supportedPaths()) {
            std::vector<int32_t> acc(ref.size(), 0x5a5a5a5a);
            depthwiseConv2d(path, s, x.data(), zx, w.data(), bias.data(), acc.data());
            for (size_t i = 0; i < ref.size(); ++i)
                if (acc[i] != ref[i])
                    QFAIL(qPrintable(QString("case %1 path %2: acc[%3] %4, reference %5")
                                         .arg(r)
                                         .arg(simdPathName(path))
                                         .arg(i)
                                         .arg(acc[i])
                                         .arg(ref[i])));
            std::vector<uint8_t> codes(size_t(s.batch * c * ldo), 0xa5);
            FusedRequant rq;
            rq.offsets = offsets.data();
            rq.multipliers = multipliers.data();
            rq.zeroPoint = zy;
            rq.lo = lo;
            rq.hi = hi;
            rq.isSigned = isSigned;
            rq.out = codes.data();
            rq.ldo = ldo;
            depthwiseConv2d(path, s, x.data(), zx, w.data(), bias.data(), nullptr, &rq);
            for (int64_t n = 0; n < s.batch; ++n)
                for (int64_t m = 0; m < c; ++m)
                    for (int64_t i = 0; i < ldo; ++i) {
                        const uint8_t got = codes[size_t((n * c + m) * ldo + i)];
                        const uint8_t want =
                            i >= plane
                                ? uint8_t(0xa5)
                                : uint8_t(requantizeFloat(ref[size_t((n * c + m) * plane + i)] +
                                                              offsets[size_t(m)],
                                                          multipliers[size_t(m)], zy, lo, hi));
                        if (got != want)
                            QFAIL(qPrintable(
                                QString("case %1 path %2: image %3 channel %4 code %5: %6, "
                                        "expected %7 (plane %8×%9, kernel %10×%11)")
                                    .arg(r)
                                    .arg(simdPathName(path))
                                    .arg(n)
                                    .arg(m)
                                    .arg(i)
                                    .arg(got)
                                    .arg(want)
                                    .arg(s.outH)
                                    .arg(s.outW)
                                    .arg(s.kernelH)
                                    .arg(s.kernelW)));
                    }
            ++checked;
        }
    }
    QVERIFY(checked >= 400);
}

// The executor reuses a QConv node's inferred output shape while its input's shape stays the
// same (OpDef::inferFromShapes) and infers again when it changes: runs with smaller batches and
// planes, each equal to the node run on its own (largest first: with a stale, larger shape the
// comparison fails instead of the kernel overrunning its output).
void Int8ExecutorTest::executorReinfersChangedShapes() {
    Graph g;
    const ValueId x = g.addValue("x").value(), w = g.addValue("w").value(),
                  y = g.addValue("y").value();
    g.value(x).info = TensorInfo{DataType::U8, {-1, 3, -1, -1}, true};
    g.value(x).dimNames = {"N", "", "H", "W"};
    g.value(x).isGraphInput = true;
    std::vector<int8_t> weights(4 * 3 * 3 * 3);
    for (size_t i = 0; i < weights.size(); ++i) weights[i] = int8_t(int(i * 37 % 255) - 127);
    g.value(w).initializer = Tensor::fromVector<int8_t>({4, 3, 3, 3}, weights);
    g.value(w).info = TensorInfo{DataType::I8, {4, 3, 3, 3}, true};
    g.value(y).isGraphOutput = true;
    Node node = int8Node("QConv", 2,
                         {{"x_scale", attrF(0.05f)},
                          {"x_zero_point", attrI(120)},
                          {"w_scale", attrFs({0.01f, 0.02f, 0.015f, 0.03f})},
                          {"y_scale", attrF(0.2f)},
                          {"y_zero_point", attrI(128)},
                          {"y_type", attrS("u8")},
                          {"pads", attrIs({1, 1, 1, 1})}});
    node.inputs = {x, w};
    node.outputs = {y};
    const Node single = node;
    g.addNode(std::move(node));
    g.setInputs({x});
    g.setOutputs({y});
    g.opsets()["qs.int8"] = 1;
    QVERIFY(g.finalize().isOk());
    auto ex = Executor::create(g);
    QVERIFY2(ex.isOk(), ex.message().c_str());
    std::mt19937 rng(5);
    Node alone = single;
    alone.inputs = {0, 1};
    alone.outputs = {2};
    for (const Shape& shape :
         std::vector<Shape>{{2, 3, 9, 6}, {2, 3, 5, 6}, {1, 3, 5, 6}, {1, 3, 5, 6}, {1, 3, 4, 4}}) {
        Tensor in(DataType::U8, shape);
        for (int64_t i = 0; i < in.numel(); ++i)
            in.data<uint8_t>()[i] = uint8_t(std::uniform_int_distribution<int>(0, 255)(rng));
        auto r = (*ex)->run({{"x", in}});
        QVERIFY2(r.isOk(), r.message().c_str());
        const Tensor wt = *g.value(w).initializer;
        auto want = runInt8Op(alone, {&in, &wt});
        QVERIFY2(want.isOk(), want.message().c_str());
        const Tensor& got = r->outputs.at("y");
        QCOMPARE(got.shape(), want->shape());
        QVERIFY(std::memcmp(got.rawData(), want->rawData(), want->byteSize()) == 0);
    }
}

void Int8ExecutorTest::im2colMatchesDefinition() {
    std::mt19937 rng(31337);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    int checked = 0;
    for (int r = 0; r < 60; ++r) {
        Conv2dShape s;
        s.inChannels = uni(1, 3);
        s.inH = uni(1, 12);
        s.inW = uni(1, 130);
        s.kernelH = uni(1, 3);
        s.kernelW = uni(1, 4);
        s.strideH = uni(1, 2);
        s.strideW = r % 3 == 0 ? 1 : r % 3 == 1 ? 2 : uni(1, 3);
        s.dilationH = uni(1, 2);
        s.dilationW = uni(1, 2);
        s.padTop = uni(0, 2);
        s.padLeft = uni(0, 2);
        const int64_t extH = (s.kernelH - 1) * s.dilationH + 1,
                      extW = (s.kernelW - 1) * s.dilationW + 1;
        if (s.inH + 2 * s.padTop < extH || s.inW + 2 * s.padLeft < extW) continue;
        s.outH = (s.inH + 2 * s.padTop - extH) / s.strideH + 1;
        s.outW = (s.inW + 2 * s.padLeft - extW) / s.strideW + 1;
        std::vector<uint8_t> x(size_t(s.inChannels * s.inH * s.inW));
        for (auto& v : x) v = uint8_t(uni(0, 255));
        const uint8_t pad = uint8_t(uni(0, 255));
        const int64_t p = s.outH * s.outW;
        std::vector<uint8_t> cols(size_t(s.patch() * p), 0);
        im2colU8(s, x.data(), pad, cols.data());
        // The same rows written in two ranges (as QConv splits them across threads).
        std::vector<uint8_t> split(cols.size(), 0);
        const int64_t mid = uni(0, int(s.patch()));
        im2colU8(s, x.data(), pad, split.data(), 0, mid);
        im2colU8(s, x.data(), pad, split.data(), mid, s.patch());
        QVERIFY(split == cols);
        for (int64_t c = 0; c < s.inChannels; ++c)
            for (int64_t ky = 0; ky < s.kernelH; ++ky)
                for (int64_t kx = 0; kx < s.kernelW; ++kx)
                    for (int64_t oy = 0; oy < s.outH; ++oy)
                        for (int64_t ox = 0; ox < s.outW; ++ox) {
                            const int64_t iy = oy * s.strideH - s.padTop + ky * s.dilationH,
                                          ix = ox * s.strideW - s.padLeft + kx * s.dilationW;
                            const bool inside = iy >= 0 && iy < s.inH && ix >= 0 && ix < s.inW;
                            const uint8_t want =
                                inside ? x[size_t((c * s.inH + iy) * s.inW + ix)] : pad;
                            const int64_t row = (c * s.kernelH + ky) * s.kernelW + kx;
                            QCOMPARE(cols[size_t(row * p + oy * s.outW + ox)], want);
                        }
        ++checked;
    }
    QVERIFY(checked > 30);
    qInfo("im2col: %d geometries equal the definition", checked);
}

// The vectorised output stages (float requantization of QConv, QAdd, QMul) against the scalar loops
// (the Generic path), on random codes and scales, int8 and uint8.
void Int8ExecutorTest::outputStagePathsAgree() {
    std::mt19937 rng(7);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    auto real = [&](float lo, float hi) {
        return std::uniform_real_distribution<float>(lo, hi)(rng);
    };
    const std::vector<SimdPath> paths = QGemm::supportedPaths();
    int checked = 0;
    for (int r = 0; r < 8; ++r) {
        const bool outSigned = r % 2 == 1;
        const int64_t c = uni(1, 9), hw = uni(1, 70);
        Tensor x(DataType::U8, {1, c, 1, hw});
        for (int64_t i = 0; i < x.numel(); ++i) x.data<uint8_t>()[i] = uint8_t(uni(0, 255));
        Tensor w(DataType::I8, {c, c, 1, 1});
        for (int64_t i = 0; i < w.numel(); ++i) w.data<int8_t>()[i] = int8_t(uni(-127, 127));
        std::vector<float> ws;
        for (int64_t i = 0; i < c; ++i) ws.push_back(real(1e-3f, 2e-2f));
        const int lo = outSigned ? uni(-128, -100) : uni(0, 20);
        std::map<std::string, Attribute> attrs{
            {"x_scale", attrF(real(0.01f, 0.1f))},
            {"x_zero_point", attrI(uni(0, 255))},
            {"w_scale", attrFs(ws)},
            {"y_scale", attrF(real(0.01f, 0.2f))},
            {"y_zero_point", attrI(outSigned ? uni(-20, 20) : uni(100, 150))},
            {"y_type", attrS(outSigned ? "i8" : "u8")},
            {"lo", attrI(lo)},
            {"hi", attrI(outSigned ? 127 : 255)}};
        // Every fourth case a multiplier far above 1 (the fixed-point form's saturating left
        // shift) and one far below (a long rounding right shift).
        if (r % 4 == 3) attrs["y_scale"] = attrF(real(1e-6f, 1e-5f));
        if (r % 4 == 1) attrs["y_scale"] = attrF(real(50.0f, 500.0f));
        std::vector<Tensor> results, fixedResults;
        for (SimdPath path : paths) {
            attrs["simd_path"] = attrS(simdPathName(path));
            attrs["requant"] = attrS("float");
            auto y = runInt8Op(int8Node("QConv", 2, attrs), {&x, &w});
            QVERIFY2(y.isOk(), y.message().c_str());
            results.push_back(*y);
            attrs["requant"] = attrS("fixed");
            auto yf = runInt8Op(int8Node("QConv", 2, attrs), {&x, &w});
            QVERIFY2(yf.isOk(), yf.message().c_str());
            fixedResults.push_back(*yf);
        }
        // Depthwise 3×3 (stride 1 or 2, pad 1), the same output stages (fused into the kernel).
        Tensor xd(DataType::U8, {1, c, 9, hw});
        for (int64_t i = 0; i < xd.numel(); ++i) xd.data<uint8_t>()[i] = uint8_t(uni(0, 255));
        Tensor wd(DataType::I8, {c, 1, 3, 3});
        for (int64_t i = 0; i < wd.numel(); ++i) wd.data<int8_t>()[i] = int8_t(uni(-127, 127));
        std::map<std::string, Attribute> dw = attrs;
        dw["group"] = attrI(c);
        dw["pads"] = attrIs({1, 1, 1, 1});
        dw["strides"] = attrIs({r % 2 + 1, r % 2 + 1});
        std::vector<Tensor> dwResults;
        for (SimdPath path : paths)
            for (const char* kind : {"float", "fixed"}) {
                dw["simd_path"] = attrS(simdPathName(path));
                dw["requant"] = attrS(kind);
                auto y = runInt8Op(int8Node("QConv", 2, dw), {&xd, &wd});
                QVERIFY2(y.isOk(), y.message().c_str());
                dwResults.push_back(*y);
            }
        for (size_t i = 2; i < dwResults.size(); ++i)
            QVERIFY(std::memcmp(dwResults[i].rawData(), dwResults[i % 2].rawData(),
                                dwResults[i % 2].byteSize()) == 0);
        // QAdd, same shapes.
        Tensor a(outSigned ? DataType::I8 : DataType::U8, {3, 37}), b(a.dtype(), a.shape());
        for (int64_t i = 0; i < a.numel(); ++i) {
            static_cast<uint8_t*>(a.rawData())[i] = uint8_t(uni(0, 255));
            static_cast<uint8_t*>(b.rawData())[i] = uint8_t(uni(0, 255));
        }
        std::map<std::string, Attribute> add{
            {"a_scale", attrF(real(0.01f, 0.1f))},
            {"a_zero_point", attrI(uni(-20, 20))},
            {"b_scale", attrF(real(0.01f, 0.1f))},
            {"b_zero_point", attrI(uni(-20, 20))},
            {"y_scale", attrF(real(0.05f, 0.2f))},
            {"y_zero_point", attrI(uni(-10, 10) + (outSigned ? 0 : 128))},
            {"y_type", attrS(outSigned ? "i8" : "u8")}};
        std::vector<Tensor> sums;
        for (SimdPath path : paths) {
            add["simd_path"] = attrS(simdPathName(path));
            auto y = runInt8Op(int8Node("QAdd", 2, add), {&a, &b});
            QVERIFY2(y.isOk(), y.message().c_str());
            sums.push_back(*y);
        }
        // QMul, same shapes and one code per row (the squeeze-excitation broadcast).
        Tensor rowScale(a.dtype(), {3, 1});
        for (int64_t i = 0; i < 3; ++i)
            static_cast<uint8_t*>(rowScale.rawData())[i] = uint8_t(uni(0, 255));
        std::vector<Tensor> products, scaled;
        for (SimdPath path : paths) {
            add["simd_path"] = attrS(simdPathName(path));
            auto y = runInt8Op(int8Node("QMul", 2, add), {&a, &b});
            auto z = runInt8Op(int8Node("QMul", 2, add), {&a, &rowScale});
            QVERIFY2(y.isOk() && z.isOk(), y.isOk() ? z.message().c_str() : y.message().c_str());
            products.push_back(*y);
            scaled.push_back(*z);
        }
        for (size_t p = 1; p < paths.size(); ++p) {
            QVERIFY(std::memcmp(results[p].rawData(), results[0].rawData(),
                                results[0].byteSize()) == 0);
            QVERIFY(std::memcmp(fixedResults[p].rawData(), fixedResults[0].rawData(),
                                fixedResults[0].byteSize()) == 0);
            QVERIFY(std::memcmp(sums[p].rawData(), sums[0].rawData(), sums[0].byteSize()) == 0);
            QVERIFY(std::memcmp(products[p].rawData(), products[0].rawData(),
                                products[0].byteSize()) == 0);
            QVERIFY(std::memcmp(scaled[p].rawData(), scaled[0].rawData(), scaled[0].byteSize()) ==
                    0);
            ++checked;
        }
    }
    // Quantize (f32 → codes) on every path against the formula: round half to even of x / s,
    // + z, clamped; NaN → z. Ties (k + 0.5)·s, ±inf, NaN and far-out values included.
    for (bool outSigned : {false, true}) {
        const float scale = 0.037f;
        const int32_t z = outSigned ? -3 : 131, qmin = outSigned ? -127 : 0,
                      qmax = outSigned ? 127 : 255;
        Tensor x(DataType::F32, {1, 203});
        for (int64_t i = 0; i < x.numel(); ++i)
            x.data<float>()[i] =
                i % 3 == 0 ? (float(uni(-150, 150)) + 0.5f) * scale : real(-12.0f, 12.0f);
        x.data<float>()[5] = std::numeric_limits<float>::quiet_NaN();
        x.data<float>()[7] = std::numeric_limits<float>::infinity();
        x.data<float>()[8] = -std::numeric_limits<float>::infinity();
        x.data<float>()[10] = 3e38f;
        for (SimdPath path : paths) {
            const Node q = int8Node("Quantize", 1,
                                    {{"scale", attrF(scale)},
                                     {"zero_point", attrI(z)},
                                     {"qmin", attrI(qmin)},
                                     {"qmax", attrI(qmax)},
                                     {"y_type", attrS(outSigned ? "i8" : "u8")},
                                     {"simd_path", attrS(simdPathName(path))}});
            auto y = runInt8Op(q, {&x});
            QVERIFY2(y.isOk(), y.message().c_str());
            for (int64_t i = 0; i < x.numel(); ++i) {
                const float v = x.data<float>()[i] / scale;
                const int32_t expected = std::isnan(v)
                                             ? z
                                             : int32_t(std::clamp(double(std::nearbyint(v)) + z,
                                                                  double(qmin), double(qmax)));
                QCOMPARE(codeOf(*y, i), expected);
            }
            ++checked;
        }
    }
    // Lut: a random table on every code (int8 and uint8 input), every path against the table.
    for (DataType t : {DataType::U8, DataType::I8}) {
        std::vector<int64_t> table(256);
        for (auto& v : table) v = uni(0, 255);
        Tensor x(t, {2, 150});
        for (int64_t i = 0; i < x.numel(); ++i)
            static_cast<uint8_t*>(x.rawData())[i] = uint8_t(i < 256 ? i : uni(0, 255));
        for (SimdPath path : paths) {
            auto y = runInt8Op(
                int8Node("Lut", 1,
                         {{"table", attrIs(table)}, {"simd_path", attrS(simdPathName(path))}}),
                {&x});
            QVERIFY2(y.isOk(), y.message().c_str());
            for (int64_t i = 0; i < x.numel(); ++i) {
                const int32_t code = codeOf(x, i);
                const int64_t index = t == DataType::I8 ? code + 128 : code;
                QCOMPARE(int(static_cast<const uint8_t*>(y->rawData())[i]),
                         int(table[size_t(index)]));
            }
            ++checked;
        }
    }
    qInfo("output stages: %d comparisons of a SIMD path with the scalar loops, all equal", checked);
}

// Diagnostics on a hand-made run: a Relu on codes [0, 5, 10, 200, 255] with z = 10 clamps
// 0 and 5 to 10; the collector must count codes, ends and elements exactly.
void Int8ExecutorTest::diagnosticsCountCodes() {
    Int8TensorStats s;
    s.qmin = 0;
    s.qmax = 255;
    for (int q : {10, 10, 10, 200, 255}) ++s.histogram[size_t(q)];
    QCOMPARE(s.codesUsed(), 3);
    QCOMPARE(s.codesUsedShare(), 3.0 / 256.0);
    // Static headroom of a QConv: Σ|w| = 127 + 127 = 254, max |x − z| = 255 − 10 = 245, bias 1000.
    Int8Program program;
    Graph& g = program.graph;
    const ValueId x = g.valueOrAdd("x"), w = g.valueOrAdd("w"), b = g.valueOrAdd("b"),
                  y = g.valueOrAdd("y");
    g.value(w).initializer = Tensor::fromVector<int8_t>({1, 2, 1, 1}, {127, -127});
    g.value(b).initializer = Tensor::fromVector<int32_t>({1}, {-1000});
    Node n = int8Node("QConv", 0,
                      {{"x_scale", attrF(0.5f)},
                       {"x_zero_point", attrI(10)},
                       {"w_scale", attrFs({0.25f})},
                       {"y_scale", attrF(0.25f)}});
    n.inputs = {x, w, b};
    n.outputs = {y};
    g.addNode(n);
    g.setInputs({x});
    g.setOutputs({y});
    QVERIFY(g.finalize().isOk());
    const auto nodes = int8NodeStats(program);
    QCOMPARE(nodes.size(), size_t(1));
    QCOMPARE(nodes[0].accumulatorBound, 254.0 * 245.0 + 1000.0);
    QCOMPARE(nodes[0].multipliers, std::vector<float>{0.5f});
    QCOMPARE(nodes[0].m0[0], int32_t(1) << 30);
    QCOMPARE(nodes[0].shift[0], 0);
}

// The weights QConv/QGemm pack are held once: the program's graph and the executor's keep their
// shapes only (the kernels hold the values), depthwise weights stay shared with the kernel; the
// released bytes are those weights; the diagnostics' accumulator headroom (from the program's
// per-channel Σ|w|) equals the one computed from the weights of a freshly lowered program.
void Int8ExecutorTest::weightsHeldOnce() {
    auto m = quantizeShared("digits_mbv2_bn.onnx", "digits_calib_x.npy", 64, "digits_test_x.npy",
                            RequantMode::Float);
    QVERIFY2(m.isOk(), m.message().c_str());
    auto lowered = lowerToInt8(m->model.graph, m->model.plan);
    QVERIFY2(lowered.isOk(), lowered.message().c_str());
    auto ex = Int8Executor::create(m->model.graph, m->model.plan);
    QVERIFY2(ex.isOk(), ex.message().c_str());
    const Graph& g = (*ex)->program().graph;
    int64_t packed = 0, packedBytes = 0, shared = 0;
    for (const Node& n : g.nodes()) {
        if (n.opType != "QConv" && n.opType != "QGemm") continue;
        const Value& w = g.value(n.inputs[1]);
        QVERIFY(w.initializer.has_value());
        const bool depthwise = n.opType == "QConv" && w.initializer->dim(1) == 1 &&
                               lowered->graph.value(n.inputs[1]).initializer->dim(0) ==
                                   NodeAttributes(n).getInt("group", 1);
        QCOMPARE(w.initializer->hasStorage(), depthwise);
        QVERIFY(!(*ex)->graph().value(n.inputs[1]).initializer->hasStorage() || depthwise);
        if (depthwise) {
            ++shared;
        } else {
            ++packed;
            packedBytes += int64_t(w.initializer->byteSize());
        }
    }
    qInfo("digits_mbv2_bn: %lld weights packed and released (%lld bytes), %lld depthwise shared",
          (long long)packed, (long long)packedBytes, (long long)shared);
    QVERIFY(packed > 5 && shared > 3);
    // The executor reports what it released: the packed weights, nothing else.
    auto released = Executor::create(lowered->graph);
    QVERIFY2(released.isOk(), released.message().c_str());
    QCOMPARE((*released)->prepackedConstantBytes(), packedBytes);

    const auto fromWeights = int8NodeStats(*lowered), fromSums = int8NodeStats((*ex)->program());
    QCOMPARE(fromSums.size(), fromWeights.size());
    QVERIFY(fromSums.size() > 10);
    for (size_t i = 0; i < fromSums.size(); ++i) {
        QCOMPARE(fromSums[i].node, fromWeights[i].node);
        QCOMPARE(fromSums[i].accumulatorBound, fromWeights[i].accumulatorBound);
    }
    // And the program still runs.
    Shape s = m->test.shape();
    s[0] = 4;
    Tensor x(DataType::F32, s);
    std::memcpy(x.rawData(), m->test.rawData(), x.byteSize());
    auto r = (*ex)->run({{m->inputName, x}});
    QVERIFY2(r.isOk(), r.message().c_str());
}

void Int8ExecutorTest::withinOneStepOfSimulator_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("calib");
    QTest::addColumn<int>("calibSamples");
    QTest::addColumn<QString>("test");
    QTest::addColumn<int>("tensorSamples"); // the first N test samples for the per-tensor checks
    QTest::addColumn<int>("requant");
    QTest::addColumn<int>("weightBits");
    const int fl = int(RequantMode::Float), fixed = int(RequantMode::FixedPoint);
    QTest::newRow("digits_mbv2_bn float requantization")
        << "digits_mbv2_bn.onnx"
        << "digits_calib_x.npy" << 128 << "digits_test_x.npy" << 500 << fl << 8;
    QTest::newRow("digits_mbv2_bn fixed-point requantization")
        << "digits_mbv2_bn.onnx"
        << "digits_calib_x.npy" << 128 << "digits_test_x.npy" << 500 << fixed << 8;
    // 4-bit weights: the QGemm kernels hold them as nibbles and unpack per row block.
    QTest::newRow("digits_mbv2_bn W4A8 float requantization")
        << "digits_mbv2_bn.onnx"
        << "digits_calib_x.npy" << 128 << "digits_test_x.npy" << 500 << fl << 4;
    // PP-OCR: calibrated on the first 32 text lines; every tensor of 12 lines compared (all would
    // hold 2.4 GB), top-1 on all 160.
    QTest::newRow("ppocr_cls float requantization")
        << "ppocr_cls.onnx"
        << "textlines_x.npy" << 32 << "textlines_x.npy" << 12 << fl << 8;
    QTest::newRow("ppocr_cls fixed-point requantization")
        << "ppocr_cls.onnx"
        << "textlines_x.npy" << 32 << "textlines_x.npy" << 12 << fixed << 8;
    // MobileNetV2 (random weights): its one shared input, calibration and test.
    QTest::newRow("mobilenet_v2_bn float requantization")
        << "mobilenet_v2_bn.onnx"
        << "mobilenet_v2_input.npy" << 1 << "mobilenet_v2_input.npy" << 1 << fl << 8;
}

void Int8ExecutorTest::withinOneStepOfSimulator() {
    QFETCH(QString, model);
    QFETCH(QString, calib);
    QFETCH(int, calibSamples);
    QFETCH(QString, test);
    QFETCH(int, tensorSamples);
    QFETCH(int, requant);
    QFETCH(int, weightBits);
    auto m = quantizeShared(model.toStdString(), calib.toStdString(), calibSamples,
                            test.toStdString(), RequantMode(requant), weightBits);
    QVERIFY2(m.isOk(), m.message().c_str());
    auto sim = Simulator::create(m->model.graph, m->model.plan);
    QVERIFY2(sim.isOk(), sim.message().c_str());
    auto ex =
        Int8Executor::create(m->model.graph, m->model.plan, Int8Options{RequantMode(requant), 1});
    QVERIFY2(ex.isOk(), ex.message().c_str());
    const Int8Program& program = (*ex)->program();
    qInfo("lowered: %d integer nodes, %zu float-island nodes", program.integerNodes,
          program.floatNodes.size());
    QVERIFY(program.integerNodes > 20);
    for (const std::string& f : program.floatNodes) qInfo("  float island: %s", f.c_str());

    Shape firstShape = m->test.shape();
    firstShape[0] = std::min<int64_t>(firstShape[0], tensorSamples);
    Tensor first(DataType::F32, firstShape);
    std::memcpy(first.rawData(), m->test.rawData(), first.byteSize()); // batch outermost
    KeepAll keep;
    auto simRun = (*sim)->run({{m->inputName, first}}, &keep);
    QVERIFY2(simRun.isOk(), simRun.message().c_str());
    const auto simValues = keptByName((*sim)->graph(), *simRun);

    // Per node: every integer op fed the Simulator's codes (the hook compares each produced
    // code tensor with the Simulator's, then replaces it), so a difference is that op's own.
    TeacherForcing forcing((*ex)->graph(), program, simValues, m->model.plan);
    auto forced = (*ex)->run({{m->inputName, first}}, &forcing);
    QVERIFY2(forced.isOk(), forced.message().c_str());
    for (const auto& [name, worst] : forcing.worst)
        if (worst > 1)
            qWarning("tensor %s: %d steps from the Simulator given the same inputs", name.c_str(),
                     worst);
    qInfo("per node: %zu code tensors, %lld elements: %.4f%% equal to the Simulator, largest "
          "difference %d step(s)",
          forcing.worst.size(), (long long)forcing.compared,
          100.0 * double(forcing.exact) / double(std::max<int64_t>(1, forcing.compared)),
          forcing.largest());
    QVERIFY(forcing.worst.size() > 20);
    QVERIFY(forcing.largest() <= 1);

    // End to end: differences may compound through the layers; reported, and top-1 must agree.
    auto intRun = (*ex)->run({{m->inputName, first}}, &keep);
    QVERIFY2(intRun.isOk(), intRun.message().c_str());
    TeacherForcing measure((*ex)->graph(), program, simValues, m->model.plan, false);
    for (const auto& [id, t] : intRun->kept) {
        Tensor copy = t;
        QVERIFY(measure.onTensor(kNoNode, id, copy).isOk());
    }
    qInfo("end to end: %.4f%% of %lld codes equal to the Simulator, largest difference %d step(s)",
          100.0 * double(measure.exact) / double(std::max<int64_t>(1, measure.compared)),
          (long long)measure.compared, measure.largest());
    // Top-1 on every test sample (outputs only).
    auto simAll = (*sim)->run({{m->inputName, m->test}});
    auto intAll = (*ex)->run({{m->inputName, m->test}});
    QVERIFY2(simAll.isOk(), simAll.message().c_str());
    QVERIFY2(intAll.isOk(), intAll.message().c_str());
    const std::string out = (*sim)->graph().value((*sim)->graph().outputs()[0]).name;
    const auto a = argmaxRows(simAll->outputs.at(out)), b = argmaxRows(intAll->outputs.at(out));
    int64_t same = 0;
    for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
    qInfo("top-1 equal to the Simulator's on %lld / %zu test images", (long long)same, a.size());
    QCOMPARE(same, int64_t(a.size()));
}

void Int8ExecutorTest::matchesOnnxRuntime_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("calib");
    QTest::addColumn<int>("calibSamples");
    QTest::addColumn<QString>("data");
    QTest::newRow("digits_mbv2_bn") << "digits_mbv2_bn.onnx"
                                    << "digits_calib_x.npy" << 128 << "digits_test_x.npy";
    QTest::newRow("ppocr_cls") << "ppocr_cls.onnx"
                               << "textlines_x.npy" << 32 << "textlines_x.npy";
}

void Int8ExecutorTest::matchesOnnxRuntime() {
    const bool haveOrt =
        !kNode.isEmpty() && !kNode.endsWith(QStringLiteral("NOTFOUND")) &&
        QFileInfo::exists(kToolsDir +
                          QStringLiteral("/node_modules/onnxruntime-node/package.json"));
    if (!haveOrt) QSKIP(kInstallHint);
    QFETCH(QString, model);
    QFETCH(QString, calib);
    QFETCH(int, calibSamples);
    QFETCH(QString, data);
    auto m = quantizeShared(model.toStdString(), calib.toStdString(), calibSamples,
                            data.toStdString(), RequantMode::Float);
    QVERIFY2(m.isOk(), m.message().c_str());
    auto ex =
        Int8Executor::create(m->model.graph, m->model.plan, Int8Options{RequantMode::Float, 1});
    QVERIFY2(ex.isOk(), ex.message().c_str());
    const Int8Program& program = (*ex)->program();
    qInfo("%s lowered: %d integer nodes, %zu float-island nodes", QTest::currentDataTag(),
          program.integerNodes, program.floatNodes.size());
    if (qEnvironmentVariableIsSet("QS_INT8_ORT_ALL"))
        for (const std::string& f : program.floatNodes)
            qInfo("  float island: %s (%s)", f.c_str(), g0(m->model.graph, f).c_str());

    // Compare on codes: each graph output that is codes, and otherwise the code tensors its
    // producer reads (the logits in front of a float Softmax). Those become extra outputs of
    // the QDQ model (their DequantizeLinear outputs keep the tensor names).
    auto qdq = buildQdqGraph(m->model.graph, m->model.plan);
    QVERIFY2(qdq.isOk(), qdq.message().c_str());
    std::vector<std::pair<std::string, std::string>> compare; // plan tensor → lowered codes value
    std::set<std::string> sources;
    for (const auto& [lowered, info] : program.codes) sources.insert(info.source);
    auto loweredOf = [&](const std::string& source) {
        for (const auto& [lowered, info] : program.codes)
            if (info.source == source && lowered == source) return lowered;
        return std::string();
    };
    const Graph& g = m->model.graph;
    for (ValueId out : g.outputs()) {
        const std::string& name = g.value(out).name;
        if (!loweredOf(name).empty()) {
            compare.emplace_back(name, name);
            continue;
        }
        if (g.value(out).producer == kNoNode) continue;
        for (ValueId in : g.node(g.value(out).producer).inputs)
            if (in != kNoValue && !loweredOf(g.value(in).name).empty())
                compare.emplace_back(g.value(in).name, loweredOf(g.value(in).name));
    }
    if (qEnvironmentVariableIsSet(
            "QS_INT8_ORT_ALL")) // diagnosis: every code tensor (ORT may fuse less)
        for (const auto& [lowered, info] : program.codes)
            if (lowered == info.source && g.findValue(lowered) &&
                !g.value(*g.findValue(lowered)).isGraphInput)
                compare.emplace_back(lowered, lowered);
    QVERIFY(!compare.empty());
    std::vector<ValueId> outs = qdq->outputs();
    for (const auto& [source, lowered] : compare)
        if (auto id = qdq->findValue(source);
            id && std::find(outs.begin(), outs.end(), *id) == outs.end())
            outs.push_back(*id);
    qdq->setOutputs(outs);
    QVERIFY(qdq->finalize().isOk());
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("qdq.onnx"));
    Status st = exportOnnxFile(*qdq, path.toStdString());
    QVERIFY2(st.isOk(), st.message().c_str());
    const QString in = dir.filePath(QStringLiteral("input.npy"));
    QVERIFY(writeNpy(in.toStdString(), m->test).isOk());
    QProcess node;
    node.start(kNode, {kToolsDir + QStringLiteral("/ort_run.js"), path,
                       QString::fromStdString(m->inputName) + QLatin1Char('=') + in,
                       dir.filePath(QStringLiteral("out"))});
    QVERIFY(node.waitForFinished(120000));
    QVERIFY2(node.exitCode() == 0, node.readAllStandardError().constData());
    const QJsonObject ortOuts = QJsonDocument::fromJson(node.readAllStandardOutput())
                                    .object()
                                    .value(QStringLiteral("outputs"))
                                    .toObject();

    KeepAll keep;
    auto run = (*ex)->run({{m->inputName, m->test}}, &keep);
    QVERIFY2(run.isOk(), run.message().c_str());
    const auto values = keptByName((*ex)->graph(), *run);
    for (const auto& [source, lowered] : compare) {
        const QString file = ortOuts.value(QString::fromStdString(source))
                                 .toObject()
                                 .value(QStringLiteral("file"))
                                 .toString();
        auto ort = readNpy(file.toStdString());
        QVERIFY2(
            ort.isOk(),
            qPrintable(
                QStringLiteral("ORT output %1: %2").arg(QString::fromStdString(source), file)));
        const Tensor& codes = values.at(lowered);
        const Int8CodeInfo& info = program.codes.at(lowered);
        QCOMPARE(ort->numel(), codes.numel());
        int64_t equal = 0;
        int32_t worst = 0;
        for (int64_t i = 0; i < codes.numel(); ++i) {
            const int32_t q =
                int32_t(std::nearbyint(ort->data<float>()[i] / info.scale)) + info.zeroPoint;
            const int32_t d = std::abs(q - codeOf(codes, i));
            equal += d == 0;
            worst = std::max(worst, d);
        }
        const double share = double(equal) / double(codes.numel());
        qInfo("%s: tensor %s, %lld codes: %.4f%% equal to ONNX Runtime's, largest difference %d "
              "step(s)",
              QTest::currentDataTag(), source.c_str(), (long long)codes.numel(), 100.0 * share,
              worst);
        if (qEnvironmentVariableIsSet("QS_INT8_ORT_ALL")) continue;
        QVERIFY(worst <= 1);
        QVERIFY(share >= 0.999);
    }
    // Top-1 of the graph output against ORT's, every sample.
    const std::string outName = g.value(g.outputs()[0]).name;
    auto ortOut = readNpy(ortOuts.value(QString::fromStdString(outName))
                              .toObject()
                              .value(QStringLiteral("file"))
                              .toString()
                              .toStdString());
    QVERIFY(ortOut.isOk());
    const auto a = argmaxRows(*ortOut), b = argmaxRows(run->outputs.at(outName));
    int64_t same = 0;
    for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
    qInfo("%s: top-1 equal to ONNX Runtime's on %lld / %zu samples", QTest::currentDataTag(),
          (long long)same, a.size());
    QCOMPARE(same, int64_t(a.size()));
}

// The elementwise and pooling kernels on every SIMD path, bit for bit, on random shapes with odd
// sizes and vector tails, u8 and i8 codes: Lut against table[code], global QAveragePool against
// the windowed scalar loop with the whole plane as window, QMaxPool against the ordinary MaxPool
// kernel on the same codes, QMul (same shape and the per-channel SE broadcast) and QAdd against
// the Generic path.
void Int8ExecutorTest::elementwisePathsAgree() {
    std::mt19937 rng(2026);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    auto real = [&](float lo, float hi) {
        return std::uniform_real_distribution<float>(lo, hi)(rng);
    };
    auto randomCodes = [&](DataType t, const Shape& shape) {
        Tensor x(t, shape);
        for (int64_t i = 0; i < x.numel(); ++i)
            static_cast<uint8_t*>(x.rawData())[i] = uint8_t(uni(0, 255));
        return x;
    };
    auto same = [](const Tensor& a, const Tensor& b) {
        return a.shape() == b.shape() && a.dtype() == b.dtype() &&
               std::memcmp(a.rawData(), b.rawData(), a.byteSize()) == 0;
    };
    const std::vector<SimdPath> paths = QGemm::supportedPaths();
    int checked = 0;
    ThreadPool pool(2);

    // Lut: lengths around the 32- and 64-byte steps.
    for (int64_t n : {1, 5, 31, 32, 33, 63, 64, 65, 127, 200, 1000, 4099})
        for (DataType t : {DataType::U8, DataType::I8}) {
            std::vector<int64_t> table(256);
            for (auto& v : table) v = t == DataType::I8 ? uni(-128, 127) : uni(0, 255);
            const Tensor x = randomCodes(t, {n});
            for (SimdPath path : paths) {
                auto y = runInt8Op(int8Node("Lut", 1,
                                            {{"table", attrIs(table)},
                                             {"y_type", attrS(t == DataType::I8 ? "i8" : "u8")},
                                             {"simd_path", attrS(simdPathName(path))}}),
                                   {&x});
                QVERIFY2(y.isOk(), y.message().c_str());
                for (int64_t i = 0; i < n; ++i) {
                    const int64_t index = t == DataType::I8 ? codeOf(x, i) + 128 : codeOf(x, i);
                    if (codeOf(*y, i) != table[size_t(index)])
                        QFAIL(qPrintable(QStringLiteral("Lut %1, n %2, element %3: %4, want %5")
                                             .arg(simdPathName(path))
                                             .arg(n)
                                             .arg(i)
                                             .arg(codeOf(*y, i))
                                             .arg(table[size_t(index)])));
                }
                ++checked;
            }
        }

    for (int r = 0; r < 24; ++r) {
        const DataType t = r % 2 ? DataType::I8 : DataType::U8;
        const char* tn = t == DataType::I8 ? "i8" : "u8";
        const int64_t n = uni(1, 2), c = uni(1, 9), h = uni(1, 9), w = uni(1, 150);
        const Tensor x = randomCodes(t, {n, c, h, w});
        // Global average: both requantizations, against the windowed loop over the whole plane.
        for (const char* kind : {"float", "fixed"}) {
            std::map<std::string, Attribute> avg{
                {"x_scale", attrF(real(0.01f, 0.1f))},
                {"x_zero_point", attrI(t == DataType::I8 ? uni(-128, 127) : uni(0, 255))},
                {"y_scale", attrF(real(0.01f, 0.1f))},
                {"y_zero_point", attrI(t == DataType::I8 ? uni(-20, 20) : uni(100, 150))},
                {"y_type", attrS(tn)},
                {"requant", attrS(kind)}};
            std::map<std::string, Attribute> windowed = avg;
            windowed["kernel_shape"] = attrIs({h, w});
            auto want = runInt8Op(int8Node("QAveragePool", 1, windowed), {&x});
            QVERIFY2(want.isOk(), want.message().c_str());
            QCOMPARE(want->shape(), (Shape{n, c, 1, 1}));
            avg["global"] = attrI(1);
            for (SimdPath path : paths) {
                avg["simd_path"] = attrS(simdPathName(path));
                auto y = runInt8Op(int8Node("QAveragePool", 1, avg), {&x});
                QVERIFY2(y.isOk(), y.message().c_str());
                QVERIFY2(same(*y, *want),
                         qPrintable(QStringLiteral("QAveragePool %1 %2 [%3,%4,%5,%6]")
                                        .arg(simdPathName(path), kind)
                                        .arg(n)
                                        .arg(c)
                                        .arg(h)
                                        .arg(w)));
                ++checked;
            }
        }
        // MaxPool: kernels 1-3, strides 1-3, pads below the kernel, against the ordinary kernel.
        // Every fourth case 2×2 windows with stride 2 and no padding (a path of its own).
        const bool twoByTwo = r % 4 == 1 && h >= 2;
        const int64_t kh = twoByTwo ? 2 : std::min<int64_t>(uni(1, 3), h);
        const int64_t kw = twoByTwo ? 2 : uni(1, 3);
        const int64_t sh = twoByTwo ? 2 : uni(1, 3), sw = twoByTwo || r % 3 == 0 ? 2 : uni(1, 3);
        std::vector<int64_t> pads{uni(0, int(kh) - 1), uni(0, int(kw) - 1), uni(0, int(kh) - 1),
                                  uni(0, int(kw) - 1)};
        if (twoByTwo) pads = {0, 0, 0, 0};
        if (w + pads[1] + pads[3] < kw) continue;
        std::map<std::string, Attribute> mp{{"kernel_shape", attrIs({kh, kw})},
                                            {"strides", attrIs({sh, sw})},
                                            {"pads", attrIs(pads)}};
        Node plainPool = int8Node("MaxPool", 1, mp);
        plainPool.domain.clear();
        auto want = runNodeOnce(*findOp("", "MaxPool"), plainPool, 13, {&x}, pool);
        QVERIFY2(want.isOk(), want.message().c_str());
        for (SimdPath path : paths) {
            mp["simd_path"] = attrS(simdPathName(path));
            auto y = runInt8Op(int8Node("QMaxPool", 1, mp), {&x});
            QVERIFY2(y.isOk(), y.message().c_str());
            QVERIFY2(same(*y, (*want)[0]),
                     qPrintable(QStringLiteral("QMaxPool %1 [%2,%3,%4,%5] k %6x%7 s %8x%9")
                                    .arg(simdPathName(path))
                                    .arg(n)
                                    .arg(c)
                                    .arg(h)
                                    .arg(w)
                                    .arg(kh)
                                    .arg(kw)
                                    .arg(sh)
                                    .arg(sw)));
            ++checked;
        }
        // QMul x · s (s one code per channel, the SE broadcast) and x · x2, QAdd x + x2.
        const Tensor se = randomCodes(t, {n, c, 1, 1});
        const Tensor x2 = randomCodes(t, {n, c, h, w});
        std::map<std::string, Attribute> bin{
            {"a_scale", attrF(real(0.01f, 0.1f))},
            {"a_zero_point", attrI(uni(-20, 20) + (t == DataType::I8 ? 0 : 128))},
            {"b_scale", attrF(real(0.001f, 0.1f))},
            {"b_zero_point", attrI(uni(-20, 20) + (t == DataType::I8 ? 0 : 128))},
            {"y_scale", attrF(real(0.005f, 0.2f))},
            {"y_zero_point", attrI(uni(-10, 10) + (r % 4 < 2 ? 0 : 128))},
            {"y_type", attrS(r % 4 < 2 ? "i8" : "u8")}};
        // Every sixth case an output scale so small that QAdd's float value passes 2^31 (the
        // scalar loop clamps it to ±1e9 before rounding; a bare vcvtps2dq would give INT_MIN).
        if (r % 6 == 5) bin["y_scale"] = attrF(1e-9f);
        // Every third case a narrower clamp than the type's range (a fused Relu/Clip): the
        // 64-wide QMul stores saturate, so these take the float clamp.
        const bool outI8 = r % 4 < 2;
        if (r % 3 == 1) { // not the 1e-9 cases: those check the overflow guard of the packs
            bin["lo"] = attrI((outI8 ? -128 : 0) + uni(1, 60));
            bin["hi"] = attrI((outI8 ? 127 : 255) - uni(0, 60));
        }
        std::vector<std::vector<Tensor>> got(3);
        for (SimdPath path : paths) {
            bin["simd_path"] = attrS(simdPathName(path));
            auto a = runInt8Op(int8Node("QMul", 2, bin), {&x, &se});
            auto b = runInt8Op(int8Node("QMul", 2, bin), {&x, &x2});
            auto d = runInt8Op(int8Node("QAdd", 2, bin), {&x, &x2});
            QVERIFY2(a.isOk() && b.isOk() && d.isOk(), "QMul/QAdd");
            got[0].push_back(*a);
            got[1].push_back(*b);
            got[2].push_back(*d);
        }
        for (size_t k = 0; k < got.size(); ++k)
            for (size_t p = 1; p < paths.size(); ++p) {
                QVERIFY2(same(got[k][p], got[k][0]),
                         qPrintable(QStringLiteral("%1 %2 [%3,%4,%5,%6]")
                                        .arg(k == 0   ? "QMul broadcast"
                                             : k == 1 ? "QMul"
                                                      : "QAdd")
                                        .arg(simdPathName(paths[p]))
                                        .arg(n)
                                        .arg(c)
                                        .arg(h)
                                        .arg(w)));
                ++checked;
            }
    }
    QVERIFY(checked >= 90 * int(paths.size())); // the Generic path alone: 90+ cases
    qInfo("elementwise and pooling: %d comparisons on %zu paths, all equal", checked, paths.size());
}

void Int8ExecutorTest::fusedElementwiseBitExact_data() {
    QTest::addColumn<int>("requant");
    QTest::addColumn<QString>("scheme");
    QTest::newRow("float requantization") << int(RequantMode::Float) << QString();
    QTest::newRow("fixed-point requantization") << int(RequantMode::FixedPoint) << QString();
    // Symmetric int8 activations: the tables indexed by i8 codes (byte ^ 0x80).
    QTest::newRow("float requantization, int8 activations")
        << int(RequantMode::Float) << QStringLiteral("symmetric");
}

// Int8Options::fuseElementwise on ppocr_cls (HardSwish = Lut(x + 3, clip) → Lut(/ 6) → QMul(x, ·)
// and HardSigmoid tables): the fused program's every output byte, and every code tensor both
// programs hold, equal to the unfused program's on 12 text lines; the divergence finder refuses a
// fused program (its tensors are gone).
void Int8ExecutorTest::fusedElementwiseBitExact() {
    QFETCH(int, requant);
    QFETCH(QString, scheme);
    auto m = quantizeShared("ppocr_cls.onnx", "textlines_x.npy", 32, "textlines_x.npy",
                            RequantMode(requant), 8, scheme.toStdString());
    QVERIFY2(m.isOk(), m.message().c_str());
    auto plain =
        Int8Executor::create(m->model.graph, m->model.plan, Int8Options{RequantMode(requant), 1});
    auto fused = Int8Executor::create(m->model.graph, m->model.plan,
                                      Int8Options{RequantMode(requant), 1, true});
    QVERIFY2(plain.isOk(), plain.message().c_str());
    QVERIFY2(fused.isOk(), fused.message().c_str());
    QVERIFY((*plain)->program().fusedNodes.empty());
    const Int8Program& fp = (*fused)->program();
    const int removed = (*plain)->graph().nodeCount() - (*fused)->graph().nodeCount();
    qInfo("fused: %zu integer nodes folded into tables, %d fewer nodes (%d → %d)",
          fp.fusedNodes.size(), removed, (*plain)->graph().nodeCount(),
          (*fused)->graph().nodeCount());
    // 18 HardSwish (Lut, Lut, QMul → one Lut each), 9 SE HardSigmoid tables into their QMul.
    QVERIFY(removed >= 45);
    for (const auto& [lowered, info] : fp.codes) QVERIFY((*fused)->graph().findValue(lowered));

    Shape shape = m->test.shape();
    shape[0] = 12;
    Tensor first(DataType::F32, shape);
    std::memcpy(first.rawData(), m->test.rawData(), first.byteSize());
    KeepAll keep;
    auto a = (*plain)->run({{m->inputName, first}}, &keep);
    auto b = (*fused)->run({{m->inputName, first}}, &keep);
    QVERIFY2(a.isOk(), a.message().c_str());
    QVERIFY2(b.isOk(), b.message().c_str());
    QCOMPARE(a->outputs.size(), b->outputs.size());
    for (const auto& [name, t] : a->outputs) {
        const Tensor& u = b->outputs.at(name);
        QCOMPARE(u.shape(), t.shape());
        QCOMPARE(u.dtype(), t.dtype());
        QVERIFY2(std::memcmp(u.rawData(), t.rawData(), t.byteSize()) == 0, name.c_str());
    }
    const auto va = keptByName((*plain)->graph(), *a), vb = keptByName((*fused)->graph(), *b);
    int64_t tensors = 0, bytes = 0;
    for (const auto& [name, t] : vb) {
        if (!fp.codes.count(name)) continue;
        const Tensor& u = va.at(name);
        QCOMPARE(u.shape(), t.shape());
        QVERIFY2(std::memcmp(u.rawData(), t.rawData(), t.byteSize()) == 0, name.c_str());
        ++tensors;
        bytes += t.byteSize();
    }
    qInfo("%lld code tensors (%lld bytes) and every output byte-identical", (long long)tensors,
          (long long)bytes);
    QVERIFY(tensors > 40);

    auto finder = DivergenceFinder::create(m->model.graph, m->model.plan, **fused);
    QVERIFY(!finder.isOk());
    QVERIFY2(finder.message().find("fuseElementwise") != std::string::npos,
             finder.message().c_str());
}

QTEST_GUILESS_MAIN(Int8ExecutorTest)
#include "int8_executor_test.moc"
