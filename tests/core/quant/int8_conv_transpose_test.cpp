// QConvTranspose, the integer ConvTranspose of the int8 executor:
// - every SIMD path (QGemm per group + col2im) bit for bit against referenceConvTranspose2d (the
//   scatter loops) on random shapes: groups, strides, dilations, pads, output_padding, odd
//   channel counts, u8 and i8 inputs;
// - one op against codes computed by hand (stride 2 scatter, then the same with pads that crop
//   it; float requantization with a multiplier of exactly 1);
// - a small graph of two ConvTransposes (stride 2, pads, output_padding, bias, Relu; then groups
//   and dilation) quantized per channel and per tensor: both lower to QConvTranspose (no float
//   island) and every code tensor is within one quantization step of the Simulator given the
//   Simulator's inputs (the divergence finder's per-node comparison), in float and fixed-point
//   requantization.
#include "int8_test_ops.h"
#include "quant/int8/int8_kernels.h"
#include "quant/int8/divergence_finder.h"
#include "quant/int8/int8_executor.h"
#include "quant/quantizer.h"

#include <QtTest>
#include <random>

using namespace qs;
using namespace qs::testing;

namespace {

// x [1,4,5,5] → ConvTranspose ctA (w [4,6,3,3], stride 2, pads 1, output_padding 1, bias)
//   → y [1,6,10,10] → Relu → r → ConvTranspose ctB (w [6,2,2,2], group 3, dilation 2) → z
//   [1,6,12,12].
Graph makeGraph() {
    Graph g;
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 0.5f);
    auto value = [&](const char* name, Shape shape) {
        const ValueId id = g.addValue(name).value();
        g.value(id).info = TensorInfo{DataType::F32, std::move(shape), true};
        return id;
    };
    auto init = [&](const char* name, Shape s) {
        const ValueId id = value(name, s);
        std::vector<float> v(size_t(numelOf(s)));
        for (float& x : v) x = normal(rng);
        g.value(id).initializer = Tensor::fromVector<float>(s, v);
        return id;
    };
    auto node = [&](const char* name, const char* op, std::vector<ValueId> ins,
                    std::vector<ValueId> outs) -> Node& {
        Node n;
        n.name = name;
        n.opType = op;
        n.inputs = std::move(ins);
        n.outputs = std::move(outs);
        return g.node(g.addNode(std::move(n)));
    };
    const ValueId x = value("x", {-1, 4, 5, 5});
    g.value(x).isGraphInput = true;
    const ValueId wa = init("wa", {4, 6, 3, 3}), ba = init("ba", {6});
    const ValueId wb = init("wb", {6, 2, 2, 2});
    const ValueId y = value("y", {-1, 6, 10, 10}), r = value("r", {-1, 6, 10, 10}),
                  z = value("z", {-1, 6, 12, 12});
    Node& a = node("ctA", "ConvTranspose", {x, wa, ba}, {y});
    a.attributes["strides"] = attrIs({2, 2});
    a.attributes["pads"] = attrIs({1, 1, 1, 1});
    a.attributes["output_padding"] = attrIs({1, 1});
    node("relu", "Relu", {y}, {r});
    Node& b = node("ctB", "ConvTranspose", {r, wb}, {z});
    b.attributes["group"] = attrI(3);
    b.attributes["dilations"] = attrIs({2, 2});
    g.setInputs({x});
    g.setOutputs({z});
    return g;
}

Tensor randomInput(int64_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> v(size_t(n * 4 * 5 * 5));
    for (float& x : v) x = normal(rng);
    return Tensor::fromVector<float>({n, 4, 5, 5}, v);
}

} // namespace

class Int8ConvTransposeTest : public QObject {
    Q_OBJECT

private slots:
    void handComputed_data();
    void handComputed();
    void graphWithinOneStep_data();
    void graphWithinOneStep();
    void pathsMatchReference();
};

void Int8ConvTransposeTest::handComputed_data() {
    QTest::addColumn<QList<int64_t>>("pads");
    QTest::addColumn<QList<int>>("expected");
    // x − z_x = [[2, 0], [4, 0]], w = [[1, 2], [3, −1]], stride 2: each input pixel scatters
    // (x − z)·w into its own 2×2 block; + bias 5, × M = 0.5·0.25/0.125 = 1, + z_y 100:
    //   x(0,0) = 2: [[107, 109], [111, 103]]; x(1,0) = 4: [[109, 113], [117, 101]]; zeros: 105.
    QTest::newRow("stride 2") << QList<int64_t>{0, 0, 0, 0}
                              << QList<int>{107, 109, 105, 105, 111, 103, 105, 105,
                                            109, 113, 105, 105, 117, 101, 105, 105};
    // pads 1 on every side crop the 4×4 result to its centre.
    QTest::newRow("stride 2, pads 1")
        << QList<int64_t>{1, 1, 1, 1} << QList<int>{103, 105, 113, 105};
}

void Int8ConvTransposeTest::handComputed() {
    QFETCH(QList<int64_t>, pads);
    QFETCH(QList<int>, expected);
    const Tensor x = Tensor::fromVector<uint8_t>({1, 1, 2, 2}, {12, 10, 14, 10});
    const Tensor w = Tensor::fromVector<int8_t>({1, 1, 2, 2}, {1, 2, 3, -1});
    const Tensor b = Tensor::fromVector<int32_t>({1}, {5});
    const Node node = int8Node("QConvTranspose", 3,
                               {{"x_scale", attrF(0.5f)},
                                {"x_zero_point", attrI(10)},
                                {"w_scale", attrFs({0.25f})},
                                {"y_scale", attrF(0.125f)},
                                {"y_zero_point", attrI(100)},
                                {"y_type", attrS("u8")},
                                {"strides", attrIs({2, 2})},
                                {"pads", attrIs(std::vector<int64_t>(pads.begin(), pads.end()))}});
    auto y = runInt8Op(node, {&x, &w, &b});
    QVERIFY2(y.isOk(), y.message().c_str());
    const int64_t side = pads[0] == 0 ? 4 : 2;
    QCOMPARE(y->shape(), (Shape{1, 1, side, side}));
    QList<int> got;
    for (int64_t i = 0; i < y->numel(); ++i) got.push_back(codeOf(*y, i));
    QCOMPARE(got, expected);
}

void Int8ConvTransposeTest::graphWithinOneStep_data() {
    QTest::addColumn<int>("requant");
    QTest::addColumn<bool>("perChannel");
    QTest::newRow("float, per channel") << int(RequantMode::Float) << true;
    QTest::newRow("fixed, per channel") << int(RequantMode::FixedPoint) << true;
    QTest::newRow("float, per tensor") << int(RequantMode::Float) << false;
}

void Int8ConvTransposeTest::graphWithinOneStep() {
    QFETCH(int, requant);
    QFETCH(bool, perChannel);
    const Graph graph = makeGraph();
    QuantConfig config;
    config.requant = RequantMode(requant);
    if (!perChannel) {
        config.weight.granularity = Granularity::PerTensor;
    }
    CalibrationData calibration;
    calibration.samples = randomInput(16, 1);
    auto q = quantizeModel(graph, config, &calibration);
    QVERIFY2(q, q ? "" : q.message().c_str());
    auto ex = Int8Executor::create(q->graph, q->plan, Int8Options{RequantMode(requant), 1});
    QVERIFY2(ex, ex ? "" : ex.message().c_str());
    const Int8Program& program = (*ex)->program();
    for (const std::string& f : program.floatNodes) QVERIFY2(f != "ctA" && f != "ctB", f.c_str());
    int lowered = 0;
    for (const Node& n : program.graph.nodes()) lowered += n.opType == "QConvTranspose";
    QCOMPARE(lowered, 2);

    auto report = findDivergence(q->graph, q->plan, **ex, {{"x", randomInput(4, 2)}});
    QVERIFY2(report, report ? "" : report.message().c_str());
    int compared = 0;
    for (const TensorDivergence& t : report->tensors) {
        QVERIFY2(t.maxSteps <= 1, qPrintable(QStringLiteral("%1: %2 steps")
                                                 .arg(QString::fromStdString(t.tensor))
                                                 .arg(t.maxSteps)));
        compared += t.node == "ctA" || t.node == "ctB";
    }
    QCOMPARE(compared, 2);
}

void Int8ConvTransposeTest::pathsMatchReference() {
    std::mt19937 rng(31);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    int checked = 0;
    for (int r = 0; r < 40; ++r) {
        int8::Conv2dShape s;
        s.group = uni(1, 3);
        s.batch = uni(1, 2);
        s.inChannels = s.group * uni(1, 5);
        s.outChannels = s.group * uni(1, 6);
        s.inH = uni(1, 7);
        s.inW = uni(1, 9);
        s.kernelH = uni(1, 4);
        s.kernelW = uni(1, 4);
        s.strideH = uni(1, 3);
        s.strideW = uni(1, 3);
        s.dilationH = uni(1, 2);
        s.dilationW = uni(1, 2);
        s.padTop = uni(0, int(s.kernelH - 1));
        s.padLeft = uni(0, int(s.kernelW - 1));
        const int64_t padBottom = uni(0, int(s.kernelH - 1)), padRight = uni(0, int(s.kernelW - 1));
        const int64_t outPadH = uni(0, int(std::max(s.strideH, s.dilationH) - 1)),
                      outPadW = uni(0, int(std::max(s.strideW, s.dilationW) - 1));
        s.outH = (s.inH - 1) * s.strideH + (s.kernelH - 1) * s.dilationH + 1 + outPadH - s.padTop -
                 padBottom;
        s.outW = (s.inW - 1) * s.strideW + (s.kernelW - 1) * s.dilationW + 1 + outPadW - s.padLeft -
                 padRight;
        if (s.outH < 1 || s.outW < 1) continue;
        const bool signedInput = r % 3 == 2;
        Tensor x(signedInput ? DataType::I8 : DataType::U8, {s.batch, s.inChannels, s.inH, s.inW});
        for (int64_t i = 0; i < x.numel(); ++i)
            static_cast<uint8_t*>(x.rawData())[i] = uint8_t(uni(0, 255));
        Tensor w(DataType::I8, {s.inChannels, s.outChannels / s.group, s.kernelH, s.kernelW});
        for (int64_t i = 0; i < w.numel(); ++i) w.data<int8_t>()[i] = int8_t(uni(-128, 127));
        std::vector<int32_t> bias(size_t(s.outChannels));
        for (auto& v : bias) v = uni(-5000, 5000);
        const Tensor b = Tensor::fromVector<int32_t>({s.outChannels}, bias);
        const int32_t zx = signedInput ? uni(-128, 127) : uni(0, 255);
        // The reference on uint8 codes: int8 inputs shifted by 128 with their zero point.
        std::vector<uint8_t> xu(size_t(x.numel()));
        for (int64_t i = 0; i < x.numel(); ++i)
            xu[size_t(i)] = signedInput ? uint8_t(static_cast<uint8_t*>(x.rawData())[i] ^ 0x80u)
                                        : x.data<uint8_t>()[i];
        std::vector<int32_t> want(size_t(s.batch * s.outChannels * s.outH * s.outW));
        int8::referenceConvTranspose2d(s, xu.data(), signedInput ? zx + 128 : zx, w.data<int8_t>(),
                                       bias.data(), want.data());
        for (SimdPath path : int8::QGemm::supportedPaths()) {
            const Node node =
                int8Node("QConvTranspose", 3,
                         {{"x_scale", attrF(1.0f)},
                          {"x_zero_point", attrI(zx)},
                          {"w_scale", attrFs(std::vector<float>(size_t(s.outChannels), 1.0f))},
                          {"y_type", attrS("f32")},
                          {"group", attrI(s.group)},
                          {"strides", attrIs({s.strideH, s.strideW})},
                          {"dilations", attrIs({s.dilationH, s.dilationW})},
                          {"pads", attrIs({s.padTop, s.padLeft, padBottom, padRight})},
                          {"output_padding", attrIs({outPadH, outPadW})},
                          {"simd_path", attrS(simdPathName(path))}});
            auto y = runInt8Op(node, {&x, &w, &b});
            QVERIFY2(y.isOk(), y.message().c_str());
            QCOMPARE(y->numel(), int64_t(want.size()));
            for (int64_t i = 0; i < y->numel(); ++i)
                if (y->data<float>()[i] != float(want[size_t(i)]))
                    QFAIL(qPrintable(QString("path %1, case %2, element %3: %4 != %5")
                                         .arg(simdPathName(path))
                                         .arg(r)
                                         .arg(i)
                                         .arg(y->data<float>()[i])
                                         .arg(want[size_t(i)])));
            ++checked;
        }
    }
    qInfo("QConvTranspose: %d shape/path combinations equal the reference bit for bit", checked);
    QVERIFY(checked >= 30 * int(int8::QGemm::supportedPaths().size()));
}

QTEST_GUILESS_MAIN(Int8ConvTransposeTest)
#include "int8_conv_transpose_test.moc"
