// Math, activation and normalisation ops against plain reference loops written here (index
// arithmetic per element, no dim merging) on random shapes, hand-computed edge cases (rounding,
// integer division, saturation), error codes, and results independent of the thread count.
// The ONNX backend data is covered by test_onnx_conformance; these rows cover what it does not:
// odd broadcast patterns, large tensors that take the parallel paths, integer corner cases.
#include "ops/op_registry.h"

#include <QtTest>
#include <cmath>
#include <functional>
#include <random>

using namespace qs;

namespace {

Attribute intAttr(int64_t v) {
    Attribute a;
    a.kind = Attribute::Kind::Int;
    a.i = v;
    return a;
}
Attribute intsAttr(std::vector<int64_t> v) {
    Attribute a;
    a.kind = Attribute::Kind::Ints;
    a.ints = std::move(v);
    return a;
}

struct OpCall {
    std::string op;
    std::vector<Tensor> inputs; // a null Tensor is an omitted optional input
    std::map<std::string, Attribute> attrs;
    int64_t opset = 17;
    int threads = 1;
};

// Runs one node: infer, then the kernel, as the executor does.
Result<Tensor> run(const OpCall& call) {
    const OpDef* def = findOp("", call.op);
    if (!def) return makeError(ErrorCode::NotFound, "op ", call.op, " is not registered");
    Node node;
    node.name = "n";
    node.opType = call.op;
    node.attributes = call.attrs;
    node.outputs = {100};
    std::vector<TensorInfo> infos(call.inputs.size());
    std::vector<const TensorInfo*> infoPtrs;
    std::vector<const Tensor*> values;
    for (size_t i = 0; i < call.inputs.size(); ++i) {
        const Tensor& t = call.inputs[i];
        node.inputs.push_back(t.isNull() ? kNoValue : ValueId(i));
        infos[i] = TensorInfo{t.dtype(), t.shape(), true};
        infoPtrs.push_back(t.isNull() ? nullptr : &infos[i]);
        values.push_back(t.isNull() ? nullptr : &t);
    }
    InferContext ictx(node, call.opset, infoPtrs, values);
    QS_TRY(def->infer(ictx));
    ThreadPool pool(call.threads);
    KernelContext kctx(node, call.opset, values, ictx.outputs(), pool);
    QS_TRY(def->compute(kctx));
    const Tensor& y = kctx.output(0);
    if (y.dtype() != ictx.outputInfo(0).dtype || y.shape() != ictx.outputInfo(0).shape)
        return makeError(ErrorCode::Internal, "output does not match the inferred info");
    return y;
}

Tensor randomF32(const Shape& shape, std::mt19937& rng, float lo = -3.0f, float hi = 3.0f) {
    Tensor t(DataType::F32, shape);
    std::uniform_real_distribution<float> d(lo, hi);
    for (float& v : t.span<float>()) v = d(rng);
    return t;
}

Shape randomShape(std::mt19937& rng, int maxRank, int64_t maxDim) {
    Shape s(size_t(std::uniform_int_distribution<int>(0, maxRank)(rng)));
    for (int64_t& d : s) d = std::uniform_int_distribution<int64_t>(1, maxDim)(rng);
    return s;
}

// A shape that broadcasts to `out`: some trailing dims, some of them set to 1.
Shape broadcastableTo(const Shape& out, std::mt19937& rng) {
    const size_t rank = size_t(std::uniform_int_distribution<int>(0, int(out.size()))(rng));
    Shape s(out.end() - long(rank), out.end());
    for (int64_t& d : s)
        if (rng() % 3 == 0) d = 1;
    return s;
}

// Element offset in `in` for output multi-index `idx` (numpy broadcasting, reference form).
int64_t broadcastOffset(const Shape& in, const Shape& out, const std::vector<int64_t>& idx) {
    int64_t off = 0;
    const size_t lead = out.size() - in.size();
    for (size_t d = 0; d < in.size(); ++d) off = off * in[d] + (in[d] == 1 ? 0 : idx[lead + d]);
    return off;
}

void forEachIndex(const Shape& shape,
                  const std::function<void(const std::vector<int64_t>&, int64_t)>& fn) {
    std::vector<int64_t> idx(shape.size(), 0);
    const int64_t n = numelOf(shape);
    for (int64_t flat = 0; flat < n; ++flat) {
        fn(idx, flat);
        for (size_t d = shape.size(); d-- > 0;) {
            if (++idx[d] < shape[d]) break;
            idx[d] = 0;
        }
    }
}

bool sameBits(const Tensor& a, const Tensor& b) {
    return a.dtype() == b.dtype() && a.shape() == b.shape() &&
           std::memcmp(a.rawData(), b.rawData(), a.byteSize()) == 0;
}

} // namespace

class MathOpsTest : public QObject {
    Q_OBJECT
private slots:
    void binaryBroadcastMatchesReference_data();
    void binaryBroadcastMatchesReference();
    void whereBroadcastMatchesReference();
    void integerDivisionAndModulo();
    void quantizeRoundsHalfToEvenAndSaturates();
    void dequantizePerAxis();
    void reduceMatchesReference_data();
    void reduceMatchesReference();
    void softmaxAlongMiddleAxis();
    void resultsIndependentOfThreadCount();
    void geluMatchesClosedForm();
    void errorsAreTyped();
};

void MathOpsTest::binaryBroadcastMatchesReference_data() {
    QTest::addColumn<QString>("op");
    QTest::newRow("Add") << "Add";
    QTest::newRow("Sub") << "Sub";
    QTest::newRow("Mul") << "Mul";
    QTest::newRow("Div") << "Div";
    QTest::newRow("Pow") << "Pow";
}

// Exact equality: both sides do the same single f32 operation per element.
void MathOpsTest::binaryBroadcastMatchesReference() {
    QFETCH(QString, op);
    const std::map<QString, std::function<float(float, float)>> ref = {
        {"Add", [](float a, float b) { return a + b; }},
        {"Sub", [](float a, float b) { return a - b; }},
        {"Mul", [](float a, float b) { return a * b; }},
        {"Div", [](float a, float b) { return a / b; }},
        {"Pow", [](float a, float b) { return std::pow(a, b); }}};
    std::mt19937 rng(42);
    std::vector<std::pair<Shape, Shape>> cases = {
        {{2, 3, 4, 5}, {1, 3, 1, 1}}, {{2, 3, 4, 5}, {3, 1, 1}}, {{2, 3, 4, 5}, {}}, {{}, {2, 3}},
        {{4, 1, 5}, {1, 6, 1}},       {{1, 1, 7}, {3, 1, 1}},    {{0, 3}, {1, 3}}};
    for (int i = 0; i < 40; ++i) {
        const Shape out = randomShape(rng, 5, 4);
        cases.emplace_back(broadcastableTo(out, rng), out);
        cases.emplace_back(out, broadcastableTo(out, rng));
    }
    for (const auto& shapes : cases) {
        const Shape& sa = shapes.first; // not a structured binding: clang 14 cannot capture those
        const Shape& sb = shapes.second;
        const Tensor a = randomF32(sa, rng, 0.5f, 2.0f), b = randomF32(sb, rng, 0.5f, 2.0f);
        auto y = run({op.toStdString(), {a, b}});
        QVERIFY2(y.isOk(), y.message().c_str());
        const Shape& so = y->shape();
        const float* pa = a.data<float>();
        const float* pb = b.data<float>();
        const float* py = y->data<float>();
        bool ok = true;
        forEachIndex(so, [&](const std::vector<int64_t>& idx, int64_t flat) {
            const float expected =
                ref.at(op)(pa[broadcastOffset(sa, so, idx)], pb[broadcastOffset(sb, so, idx)]);
            ok = ok && py[flat] == expected;
        });
        QVERIFY2(ok, (shapeToString(sa) + " with " + shapeToString(sb)).c_str());
    }
}

void MathOpsTest::whereBroadcastMatchesReference() {
    std::mt19937 rng(7);
    for (int i = 0; i < 30; ++i) {
        const Shape out = randomShape(rng, 4, 4);
        const Shape sc = broadcastableTo(out, rng), sx = broadcastableTo(out, rng), sy = out;
        Tensor cond(DataType::Bool, sc);
        for (int64_t k = 0; k < cond.numel(); ++k) cond.data<bool>()[k] = rng() % 2;
        const Tensor x =
            Tensor::fromVector<int64_t>(sx, std::vector<int64_t>(size_t(numelOf(sx)), 1));
        Tensor y(DataType::I64, sy);
        for (int64_t k = 0; k < y.numel(); ++k) y.data<int64_t>()[k] = -k;
        auto r = run({"Where", {cond, x, y}});
        QVERIFY2(r.isOk(), r.message().c_str());
        bool ok = true;
        forEachIndex(out, [&](const std::vector<int64_t>& idx, int64_t flat) {
            const bool c = cond.data<bool>()[broadcastOffset(sc, out, idx)];
            const int64_t expected = c ? 1 : y.data<int64_t>()[broadcastOffset(sy, out, idx)];
            ok = ok && r->data<int64_t>()[flat] == expected;
        });
        QVERIFY(ok);
    }
}

void MathOpsTest::integerDivisionAndModulo() {
    const auto a = Tensor::fromVector<int32_t>({5}, {7, -7, 7, -7, INT32_MIN});
    const auto b = Tensor::fromVector<int32_t>({5}, {2, 2, -2, -2, -1});
    auto div = run({"Div", {a, b}});
    QVERIFY2(div.isOk(), div.message().c_str());
    // C truncation toward zero; INT_MIN / -1 wraps instead of trapping.
    QCOMPARE(std::vector<int32_t>(div->span<int32_t>().begin(), div->span<int32_t>().end()),
             (std::vector<int32_t>{3, -3, -3, 3, INT32_MIN}));
    auto pyMod = run({"Mod", {a, b}});
    QVERIFY(pyMod.isOk());
    QCOMPARE(std::vector<int32_t>(pyMod->span<int32_t>().begin(), pyMod->span<int32_t>().end()),
             (std::vector<int32_t>{1, 1, -1, -1, 0})); // sign of the divisor
    auto cMod = run({"Mod", {a, b}, {{"fmod", intAttr(1)}}});
    QVERIFY(cMod.isOk());
    QCOMPARE(std::vector<int32_t>(cMod->span<int32_t>().begin(), cMod->span<int32_t>().end()),
             (std::vector<int32_t>{1, -1, 1, -1, 0})); // sign of the dividend
    auto byZero = run({"Div", {a, Tensor::scalar<int32_t>(0)}});
    QVERIFY(!byZero.isOk());
    QCOMPARE(byZero.error().code(), ErrorCode::NumericError);
}

void MathOpsTest::quantizeRoundsHalfToEvenAndSaturates() {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const auto x = Tensor::fromVector<float>(
        {9}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 1000.f, -1000.f, nan});
    auto q = run({"QuantizeLinear", {x, Tensor::scalar<float>(1.0f), Tensor::scalar<int8_t>(0)}});
    QVERIFY2(q.isOk(), q.message().c_str());
    QCOMPARE(q->dtype(), DataType::I8);
    QCOMPARE(std::vector<int8_t>(q->span<int8_t>().begin(), q->span<int8_t>().end()),
             (std::vector<int8_t>{0, 2, 2, 0, -2, -2, 127, -128, 0}));
    // u8 by default; the zero point is added after rounding: round(x/2) + 3.
    const auto x2 = Tensor::fromVector<float>({4}, {1.0f, 3.0f, -9.0f, 600.0f});
    auto u = run(
        {"QuantizeLinear", {x2, Tensor::scalar<float>(2.0f), Tensor::scalar<uint8_t>(3)}, {}, 10});
    QVERIFY2(u.isOk(), u.message().c_str());
    QCOMPARE(std::vector<uint8_t>(u->span<uint8_t>().begin(), u->span<uint8_t>().end()),
             (std::vector<uint8_t>{3, 5, 0, 255}));
}

void MathOpsTest::dequantizePerAxis() {
    // x [2, 3, 2], axis 1: channel c uses scale[c], zero point[c].
    Tensor x(DataType::U8, {2, 3, 2});
    for (int64_t i = 0; i < x.numel(); ++i) x.data<uint8_t>()[i] = uint8_t(10 * i);
    const auto scale = Tensor::fromVector<float>({3}, {0.5f, 1.0f, 2.0f});
    const auto zp = Tensor::fromVector<uint8_t>({3}, {0, 10, 20});
    auto y = run({"DequantizeLinear", {x, scale, zp}, {}, 13});
    QVERIFY2(y.isOk(), y.message().c_str());
    for (int64_t i = 0; i < x.numel(); ++i) {
        const int64_t c = (i / 2) % 3;
        const float expected = float(10 * i - zp.data<uint8_t>()[c]) * scale.data<float>()[c];
        QCOMPARE(y->data<float>()[i], expected);
    }
}

void MathOpsTest::reduceMatchesReference_data() {
    QTest::addColumn<QString>("op");
    for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
                           "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp"})
        QTest::newRow(op) << op;
}

// Tolerance: 1e-5 relative; the reference accumulates in double in plain index order.
void MathOpsTest::reduceMatchesReference() {
    QFETCH(QString, op);
    const std::string name = op.toStdString();
    std::mt19937 rng(3);
    for (int i = 0; i < 25; ++i) {
        const Shape shape = randomShape(rng, 4, 5);
        std::vector<int64_t> axes;
        for (int d = 0; d < int(shape.size()); ++d)
            if (rng() % 2) axes.push_back(rng() % 2 ? d : d - int(shape.size()));
        const bool keep = rng() % 2;
        const Tensor x = randomF32(shape, rng, 0.2f, 1.5f);
        OpCall call{name, {x}, {{"keepdims", intAttr(keep)}}, 13};
        if (name == "ReduceSum")
            call.inputs.push_back(Tensor::fromVector<int64_t>({int64_t(axes.size())}, axes));
        else if (!axes.empty())
            call.attrs["axes"] = intsAttr(axes);
        auto y = run(call);
        QVERIFY2(y.isOk(), y.message().c_str());

        std::vector<bool> reduced(shape.size(), axes.empty());
        for (int64_t a : axes) reduced[size_t(a < 0 ? a + int64_t(shape.size()) : a)] = true;
        Shape outKeep;
        for (size_t d = 0; d < shape.size(); ++d) outKeep.push_back(reduced[d] ? 1 : shape[d]);
        const bool isMax = name == "ReduceMax", isMin = name == "ReduceMin",
                   isProd = name == "ReduceProd";
        std::vector<double> acc(size_t(numelOf(outKeep)),
                                isProd ? 1.0 : (isMax ? -INFINITY : (isMin ? INFINITY : 0)));
        std::vector<int64_t> count(acc.size(), 0);
        forEachIndex(shape, [&](const std::vector<int64_t>& idx, int64_t flat) {
            int64_t o = 0;
            for (size_t d = 0; d < shape.size(); ++d)
                o = o * outKeep[d] + (reduced[d] ? 0 : idx[d]);
            const double v = x.data<float>()[flat];
            double& a = acc[size_t(o)];
            if (isMax)
                a = std::max(a, v);
            else if (isMin)
                a = std::min(a, v);
            else if (isProd)
                a *= v;
            else if (name == "ReduceL1")
                a += std::fabs(v);
            else if (name == "ReduceL2" || name == "ReduceSumSquare")
                a += v * v;
            else if (name == "ReduceLogSumExp")
                a += std::exp(v);
            else
                a += v;
            ++count[size_t(o)];
        });
        QCOMPARE(y->numel(), int64_t(acc.size()));
        for (size_t k = 0; k < acc.size(); ++k) {
            double e = acc[k];
            if (name == "ReduceMean") e /= double(count[k]);
            if (name == "ReduceL2") e = std::sqrt(e);
            if (name == "ReduceLogSumExp") e = std::log(e);
            const double got = y->data<float>()[k];
            QVERIFY2(std::fabs(got - e) <= 1e-5 * std::max(1.0, std::fabs(e)),
                     (shapeToString(shape) + ": got " + std::to_string(got) + ", expected " +
                      std::to_string(e))
                         .c_str());
        }
    }
}

void MathOpsTest::softmaxAlongMiddleAxis() {
    std::mt19937 rng(11);
    const Shape shape{2, 5, 300}; // inner 300 spans two column blocks
    const Tensor x = randomF32(shape, rng, -50.0f, 50.0f);
    for (const char* op : {"Softmax", "LogSoftmax"}) {
        auto y = run({op, {x}, {{"axis", intAttr(1)}}, 13, 2});
        QVERIFY2(y.isOk(), y.message().c_str());
        for (int64_t o = 0; o < 2; ++o) {
            for (int64_t j = 0; j < 300; ++j) {
                double m = -INFINITY, sum = 0;
                for (int64_t r = 0; r < 5; ++r)
                    m = std::max(m, double(x.data<float>()[(o * 5 + r) * 300 + j]));
                for (int64_t r = 0; r < 5; ++r)
                    sum += std::exp(double(x.data<float>()[(o * 5 + r) * 300 + j]) - m);
                for (int64_t r = 0; r < 5; ++r) {
                    const int64_t k = (o * 5 + r) * 300 + j;
                    const double v = double(x.data<float>()[k]) - m;
                    const double e =
                        std::string(op) == "Softmax" ? std::exp(v) / sum : v - std::log(sum);
                    QVERIFY(std::fabs(y->data<float>()[k] - e) <=
                            1e-5 * std::max(1.0, std::fabs(e)));
                }
            }
        }
    }
}

// Large enough for the parallel paths; 1 and 3 threads must agree bit for bit.
void MathOpsTest::resultsIndependentOfThreadCount() {
    std::mt19937 rng(5);
    const Tensor x = randomF32({2, 16, 48, 48}, rng);
    const Tensor c = randomF32({16, 1, 1}, rng);
    const std::vector<OpCall> calls = {
        {"Add", {x, c}},
        {"Mul", {x, x}},
        {"HardSwish", {x}},
        {"Sigmoid", {x}},
        {"Softmax", {x}, {{"axis", intAttr(1)}}, 13},
        {"ReduceMean", {x}, {{"axes", intsAttr({2, 3})}}, 13},
        {"ReduceSum", {x, Tensor::fromVector<int64_t>({2}, {0, 2})}, {}, 13},
        {"LayerNormalization", {x, randomF32({48}, rng)}, {}, 17},
        {"BatchNormalization",
         {x, randomF32({16}, rng), randomF32({16}, rng), randomF32({16}, rng),
          randomF32({16}, rng, 0.1f, 2.0f)},
         {},
         15},
        {"InstanceNormalization", {x, randomF32({16}, rng), randomF32({16}, rng)}, {}, 6},
        {"QuantizeLinear", {x, Tensor::scalar<float>(0.02f), Tensor::scalar<uint8_t>(128)}, {}, 13},
    };
    for (OpCall call : calls) {
        auto one = run(call);
        call.threads = 3;
        auto three = run(call);
        QVERIFY2(one.isOk() && three.isOk(),
                 (call.op + ": " + one.message() + three.message()).c_str());
        QVERIFY2(sameBits(*one, *three), call.op.c_str());
    }
}

// Reference values from the closed forms evaluated in double (Gelu has no backend test data in
// ONNX 1.12); tolerance 1e-6 absolute.
void MathOpsTest::geluMatchesClosedForm() {
    const auto x = Tensor::fromVector<float>({4}, {-2.0f, -0.5f, 1.0f, 3.0f});
    Attribute tanhMode;
    tanhMode.kind = Attribute::Kind::String;
    tanhMode.s = "tanh";
    auto exact = run({"Gelu", {x}, {}, 20});
    auto approx = run({"Gelu", {x}, {{"approximate", tanhMode}}, 20});
    QVERIFY2(exact.isOk() && approx.isOk(), (exact.message() + approx.message()).c_str());
    for (int64_t i = 0; i < 4; ++i) {
        const double v = x.data<float>()[i];
        const double e = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
        const double a =
            0.5 * v * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
        QVERIFY(std::fabs(exact->data<float>()[i] - e) <= 1e-6);
        QVERIFY(std::fabs(approx->data<float>()[i] - a) <= 1e-6);
    }
}

void MathOpsTest::errorsAreTyped() {
    const Tensor x = Tensor::fromVector<int32_t>({2}, {1, 2});
    auto sig = run({"Sigmoid", {x}});
    QVERIFY(!sig.isOk());
    QCOMPARE(sig.error().code(), ErrorCode::Unsupported);
    QVERIFY2(sig.error().message() == "input 0 has type i32, supported: f32/f16",
             sig.message().c_str());

    auto mixed = run({"Add", {x, Tensor::fromVector<int64_t>({2}, {1, 2})}});
    QVERIFY(!mixed.isOk());
    QCOMPARE(mixed.error().code(), ErrorCode::TypeMismatch);

    auto shapes =
        run({"Add", {Tensor::zeros(DataType::F32, {2, 3}), Tensor::zeros(DataType::F32, {4})}});
    QVERIFY(!shapes.isOk());
    QCOMPARE(shapes.error().code(), ErrorCode::ShapeMismatch);

    auto cast = run({"Cast", {x}, {{"to", intAttr(16)}}});
    QVERIFY(!cast.isOk());
    QCOMPARE(cast.error().code(), ErrorCode::Unsupported);
    QVERIFY(cast.error().message().find("bfloat16") != std::string::npos);

    auto gelu = run({"Gelu", {Tensor::zeros(DataType::F32, {2})}, {{"approximate", [] {
                                                                        Attribute a;
                                                                        a.kind =
                                                                            Attribute::Kind::String;
                                                                        a.s = "erf";
                                                                        return a;
                                                                    }()}}});
    QVERIFY(!gelu.isOk());
    QCOMPARE(gelu.error().code(), ErrorCode::InvalidModel);
}

QTEST_GUILESS_MAIN(MathOpsTest)
#include "math_ops_test.moc"
