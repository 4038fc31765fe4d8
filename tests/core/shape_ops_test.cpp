// Shape and data-movement ops against plain reference loops written here (one index
// computation per element, no dim merging or blocking) on random shapes and every element
// size, and hand-computed rows for what the ONNX backend data does not cover: old-opset
// attribute forms, Slice clamping at the int64 limits, negative pads with reflect/edge,
// Split's num_outputs, Resize-10 / Upsample-7 rules, opset-18 axes, error codes, and
// results independent of the thread count.
#include "ops/op_registry.h"

#include <QtTest>
#include <climits>
#include <numeric>
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
Attribute floatAttr(float v) {
    Attribute a;
    a.kind = Attribute::Kind::Float;
    a.f = v;
    return a;
}
Attribute floatsAttr(std::vector<float> v) {
    Attribute a;
    a.kind = Attribute::Kind::Floats;
    a.floats = std::move(v);
    return a;
}
Attribute stringAttr(std::string s) {
    Attribute a;
    a.kind = Attribute::Kind::String;
    a.s = std::move(s);
    return a;
}

struct OpCall {
    std::string op;
    std::vector<Tensor> inputs; // a null Tensor is an omitted optional input
    std::map<std::string, Attribute> attrs;
    int64_t opset = 17;
    int outputs = 1;
    int threads = 1;
};

// Runs one node as the executor does (infer, kernel) and checks outputs against the infos.
Result<std::vector<Tensor>> runAll(const OpCall& call) {
    const OpDef* def = findOp("", call.op);
    if (!def) return makeError(ErrorCode::NotFound, "op ", call.op, " is not registered");
    Node node;
    node.name = "n";
    node.opType = call.op;
    node.attributes = call.attrs;
    for (int i = 0; i < call.outputs; ++i) node.outputs.push_back(100 + i);
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
    for (int i = 0; i < call.outputs; ++i) {
        const Tensor& y = kctx.output(i);
        if (y.dtype() != ictx.outputInfo(i).dtype || y.shape() != ictx.outputInfo(i).shape)
            return makeError(ErrorCode::Internal, "output ", i,
                             " does not match the inferred info");
    }
    return kctx.outputs();
}

Result<Tensor> run(const OpCall& call) {
    QS_ASSIGN(std::vector<Tensor> outs, runAll(call));
    return outs[0];
}

Tensor i64s(std::vector<int64_t> v) {
    return Tensor::fromVector<int64_t>({int64_t(v.size())}, v);
}
Tensor f32s(Shape shape, std::vector<float> v) {
    return Tensor::fromVector<float>(std::move(shape), v);
}

// Distinct values in every byte, so a misplaced element of any size is visible.
Tensor randomOfSize(size_t elemSize, const Shape& shape, std::mt19937& rng) {
    const DataType dtype = elemSize == 1   ? DataType::U8
                           : elemSize == 2 ? DataType::F16
                           : elemSize == 4 ? DataType::I32
                                           : DataType::I64;
    Tensor t(dtype, shape);
    auto* bytes = static_cast<uint8_t*>(t.rawData());
    for (size_t i = 0; i < t.byteSize(); ++i) bytes[i] = uint8_t(rng());
    return t;
}

std::vector<int64_t> valuesOf(const Tensor& t) {
    return t.toInt64Vector();
}
std::vector<float> floatsOf(const Tensor& t) {
    return t.toFloatVector();
}

// Element `flat` of a row-major shape as a multi-index.
std::vector<int64_t> unravel(int64_t flat, const Shape& shape) {
    std::vector<int64_t> idx(shape.size());
    for (size_t d = shape.size(); d-- > 0;) {
        idx[d] = flat % shape[d];
        flat /= shape[d];
    }
    return idx;
}

bool sameElement(const Tensor& a, int64_t ia, const Tensor& b, int64_t ib) {
    const size_t n = dataTypeSize(a.dtype());
    return std::memcmp(static_cast<const uint8_t*>(a.rawData()) + size_t(ia) * n,
                       static_cast<const uint8_t*>(b.rawData()) + size_t(ib) * n, n) == 0;
}

} // namespace

class ShapeOpsTest : public QObject {
    Q_OBJECT
private slots:
    void transposeMatchesReference();
    void expandAndTileMatchReference();
    void sliceClampsAsTheSpecSays_data();
    void sliceClampsAsTheSpecSays();
    void sliceOldOpsetAttributes();
    void padModesAndCrops();
    void splitForms();
    void reshapeFamily();
    void gatherIndices();
    void rangeAndConstants();
    void concatWithEmptyInput();
    void resizeLegacyAndOpset18();
    void resizeIsThreadIndependent();
};

void ShapeOpsTest::transposeMatchesReference() {
    std::mt19937 rng(7);
    std::vector<std::pair<Shape, std::vector<int64_t>>> rows = {
        {{2, 64, 56, 56}, {0, 2, 3, 1}}, {{3, 33, 17}, {0, 2, 1}}, {{1, 3, 300, 7}, {0, 3, 1, 2}}};
    for (int i = 0; i < 40; ++i) {
        Shape s(size_t(std::uniform_int_distribution<int>(1, 5)(rng)));
        for (int64_t& d : s) d = std::uniform_int_distribution<int64_t>(1, 6)(rng);
        std::vector<int64_t> perm(s.size());
        std::iota(perm.begin(), perm.end(), 0);
        std::shuffle(perm.begin(), perm.end(), rng);
        rows.emplace_back(s, perm);
    }
    for (const auto& [shape, perm] : rows) {
        for (size_t elemSize : {1, 2, 4, 8}) {
            const Tensor x = randomOfSize(elemSize, shape, rng);
            for (int threads : {1, 2}) {
                auto y = run({"Transpose", {x}, {{"perm", intsAttr(perm)}}, 13, 1, threads});
                QVERIFY2(y, y.message().c_str());
                const std::vector<int64_t> inStrides = stridesOf(shape);
                for (int64_t o = 0; o < y->numel(); ++o) {
                    const auto idx = unravel(o, y->shape());
                    int64_t src = 0;
                    for (size_t d = 0; d < idx.size(); ++d)
                        src += idx[d] * inStrides[size_t(perm[d])];
                    if (!sameElement(*y, o, x, src))
                        QFAIL(("mismatch for shape " + shapeToString(shape)).c_str());
                }
            }
        }
    }
    auto bad =
        run({"Transpose", {Tensor::zeros(DataType::F32, {2, 3})}, {{"perm", intsAttr({0, 0})}}});
    QCOMPARE(bad.error().code(), ErrorCode::InvalidModel);
}

void ShapeOpsTest::expandAndTileMatchReference() {
    std::mt19937 rng(3);
    for (size_t elemSize : {1, 2, 4, 8}) {
        const Tensor x = randomOfSize(elemSize, {3, 1, 4}, rng);
        auto e = run({"Expand", {x, i64s({2, 1, 5, 1})}});
        QVERIFY2(e, e.message().c_str());
        QCOMPARE(e->shape(), Shape({2, 3, 5, 4}));
        for (int64_t o = 0; o < e->numel(); ++o) {
            const auto idx = unravel(o, e->shape());
            QVERIFY(sameElement(*e, o, x, idx[1] * 4 + idx[3]));
        }
        auto t = run({"Tile", {x, i64s({2, 3, 1})}});
        QVERIFY2(t, t.message().c_str());
        QCOMPARE(t->shape(), Shape({6, 3, 4}));
        for (int64_t o = 0; o < t->numel(); ++o) {
            const auto idx = unravel(o, t->shape());
            QVERIFY(sameElement(*t, o, x, (idx[0] % 3) * 4 + idx[2]));
        }
    }
    // Sizes from data beyond any allocation are refused before any product can overflow.
    const Tensor one = Tensor::zeros(DataType::F32, {1, 1});
    QCOMPARE(run({"Tile", {one, i64s({int64_t(1) << 62, 4})}}).error().code(),
             ErrorCode::ResourceLimit);
    QCOMPARE(run({"Expand", {one, i64s({int64_t(1) << 40, int64_t(1) << 40})}}).error().code(),
             ErrorCode::ResourceLimit);
    QCOMPARE(run({"Reshape", {one, i64s({int64_t(1) << 40, int64_t(1) << 40, -1})}}).error().code(),
             ErrorCode::ResourceLimit);
    QCOMPARE(run({"Resize", {one, Tensor(), f32s({2}, {1e30f, 1})}}).error().code(),
             ErrorCode::ResourceLimit);
    QCOMPARE(run({"Expand", {Tensor::zeros(DataType::F32, {3}), i64s({2})}}).error().code(),
             ErrorCode::ShapeMismatch);
}

void ShapeOpsTest::sliceClampsAsTheSpecSays_data() {
    QTest::addColumn<int64_t>("start");
    QTest::addColumn<int64_t>("end");
    QTest::addColumn<int64_t>("step");
    QTest::addColumn<std::vector<int64_t>>("expected");
    // Input 0..9; expectations worked out by hand from the ONNX Slice clamping rules.
    QTest::newRow("far out of range")
        << int64_t(-100) << int64_t(100) << int64_t(3) << std::vector<int64_t>{0, 3, 6, 9};
    QTest::newRow("int64 limits, reversed") << INT64_MAX << INT64_MIN << int64_t(-1)
                                            << std::vector<int64_t>{9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
    QTest::newRow("start past end, step -4")
        << int64_t(20) << int64_t(-20) << int64_t(-4) << std::vector<int64_t>{9, 5, 1};
    QTest::newRow("empty") << int64_t(5) << int64_t(5) << int64_t(1) << std::vector<int64_t>{};
    QTest::newRow("wrong direction")
        << int64_t(2) << int64_t(8) << int64_t(-1) << std::vector<int64_t>{};
    QTest::newRow("negative end") << int64_t(-3) << int64_t(-1) << int64_t(1)
                                  << std::vector<int64_t>{7, 8};
    QTest::newRow("step INT64_MIN")
        << int64_t(9) << int64_t(-100) << INT64_MIN << std::vector<int64_t>{9};
    QTest::newRow("huge step") << int64_t(1) << INT64_MAX << INT64_MAX << std::vector<int64_t>{1};
}

void ShapeOpsTest::sliceClampsAsTheSpecSays() {
    QFETCH(int64_t, start);
    QFETCH(int64_t, end);
    QFETCH(int64_t, step);
    QFETCH(std::vector<int64_t>, expected);
    std::vector<int64_t> x(10);
    std::iota(x.begin(), x.end(), 0);
    auto y = run({"Slice", {i64s(x), i64s({start}), i64s({end}), i64s({0}), i64s({step})}, {}, 13});
    QVERIFY2(y, y.message().c_str());
    QCOMPARE(valuesOf(*y), expected);
}

void ShapeOpsTest::sliceOldOpsetAttributes() {
    // [[0..4],[5..9]] rows 1:, columns -3:-1 (opset 9 attributes, axes omitted).
    std::vector<int64_t> x(10);
    std::iota(x.begin(), x.end(), 0);
    auto y = run({"Slice",
                  {Tensor::fromVector<int64_t>({2, 5}, x)},
                  {{"starts", intsAttr({1, -3})}, {"ends", intsAttr({2, -1})}},
                  9});
    QVERIFY2(y, y.message().c_str());
    QCOMPARE(y->shape(), Shape({1, 2}));
    QCOMPARE(valuesOf(*y), std::vector<int64_t>({7, 8}));
    QCOMPARE(run({"Slice", {i64s(x), i64s({0}), i64s({5}), i64s({0}), i64s({0})}, {}, 13})
                 .error()
                 .code(),
             ErrorCode::InvalidModel);
}

void ShapeOpsTest::padModesAndCrops() {
    const Tensor x = f32s({5}, {1, 2, 3, 4, 5});
    auto pad = [&](const Tensor& in, std::vector<int64_t> pads, const char* mode,
                   int64_t opset = 13) {
        return run({"Pad", {in, i64s(std::move(pads))}, {{"mode", stringAttr(mode)}}, opset});
    };
    // The crop happens first; reflect and edge then extend the cropped data.
    QCOMPARE(floatsOf(*pad(x, {-1, 2}, "reflect")), std::vector<float>({2, 3, 4, 5, 4, 3}));
    QCOMPARE(floatsOf(*pad(x, {2, -2}, "edge")), std::vector<float>({1, 1, 1, 2, 3}));
    QCOMPARE(floatsOf(*pad(x, {-2, -2}, "constant")), std::vector<float>({3}));
    // Pads longer than the data: numpy's repeated reflection, and wrap (opset 19).
    const Tensor x3 = f32s({3}, {1, 2, 3});
    QCOMPARE(floatsOf(*pad(x3, {5, 0}, "reflect")), std::vector<float>({2, 1, 2, 3, 2, 1, 2, 3}));
    QCOMPARE(floatsOf(*pad(x3, {4, 2}, "wrap", 19)),
             std::vector<float>({3, 1, 2, 3, 1, 2, 3, 1, 2}));
    QCOMPARE(pad(x3, {1, 0}, "wrap", 13).error().code(), ErrorCode::Unsupported);
    QCOMPARE(pad(x3, {-2, -2}, "constant").error().code(), ErrorCode::InvalidModel);
    // Opset 2: pads and value are attributes; int8 data takes the value converted.
    auto old = run({"Pad",
                    {Tensor::fromVector<int8_t>({2, 2}, {1, 2, 3, 4})},
                    {{"pads", intsAttr({0, 1, 1, 0})}, {"value", floatAttr(-7)}},
                    2});
    QVERIFY2(old, old.message().c_str());
    QCOMPARE(valuesOf(*old), std::vector<int64_t>({-7, 1, 2, -7, 3, 4, -7, -7, -7}));
    // Opset 18 axes input, constant_value input.
    auto axes =
        run({"Pad",
             {f32s({2, 2}, {1, 2, 3, 4}), i64s({1, 0}), Tensor::scalar<float>(9), i64s({-1})},
             {},
             18});
    QVERIFY2(axes, axes.message().c_str());
    QCOMPARE(axes->shape(), Shape({2, 3}));
    QCOMPARE(floatsOf(*axes), std::vector<float>({9, 1, 2, 9, 3, 4}));
}

void ShapeOpsTest::splitForms() {
    std::vector<int64_t> v(7);
    std::iota(v.begin(), v.end(), 0);
    auto parts = runAll({"Split", {i64s(v)}, {{"num_outputs", intAttr(3)}}, 18, 3});
    QVERIFY2(parts, parts.message().c_str());
    QCOMPARE(valuesOf((*parts)[0]), std::vector<int64_t>({0, 1, 2}));
    QCOMPARE(valuesOf((*parts)[2]), std::vector<int64_t>({6}));
    auto old = runAll({"Split",
                       {Tensor::fromVector<int64_t>({1, 7}, v)},
                       {{"axis", intAttr(-1)}, {"split", intsAttr({2, 5})}},
                       11,
                       2});
    QVERIFY2(old, old.message().c_str());
    QCOMPARE(valuesOf((*old)[1]), std::vector<int64_t>({2, 3, 4, 5, 6}));
    QCOMPARE(runAll({"Split", {i64s(v)}, {}, 13, 2}).error().code(), ErrorCode::ShapeMismatch);
    QCOMPARE(runAll({"Split", {i64s(v), i64s({3, 3})}, {}, 13, 2}).error().code(),
             ErrorCode::ShapeMismatch);
}

void ShapeOpsTest::reshapeFamily() {
    const Tensor x = Tensor::zeros(DataType::F32, {2, 0, 3});
    QCOMPARE(run({"Reshape", {x, i64s({0, -1})}, {}, 14})->shape(), Shape({2, 0}));
    // With allowzero the 0 is a real 0, and -1 beside it is ambiguous.
    QCOMPARE(run({"Reshape", {x, i64s({0, -1})}, {{"allowzero", intAttr(1)}}, 14}).error().code(),
             ErrorCode::ShapeMismatch);
    auto allowZero = run({"Reshape", {x, i64s({0, 3, 2})}, {{"allowzero", intAttr(1)}}, 14});
    QVERIFY2(allowZero, allowZero.message().c_str());
    QCOMPARE(allowZero->shape(), Shape({0, 3, 2}));
    const Tensor y = Tensor::zeros(DataType::U8, {2, 3, 4});
    auto r = run({"Reshape", {y, i64s({0, -1})}});
    QCOMPARE(r->shape(), Shape({2, 12}));
    QVERIFY(r->sharesBufferWith(y));
    QCOMPARE(run({"Reshape", {y, i64s({5, -1})}}).error().code(), ErrorCode::ShapeMismatch);
    QCOMPARE(run({"Reshape", {y, i64s({-1, -1})}}).error().code(), ErrorCode::InvalidModel);
    QCOMPARE(run({"Flatten", {y}, {{"axis", intAttr(3)}}})->shape(), Shape({24, 1}));
    QCOMPARE(run({"Flatten", {y}, {{"axis", intAttr(-3)}}})->shape(), Shape({1, 24}));
    const Tensor z = Tensor::zeros(DataType::Bool, {1, 3, 1});
    QCOMPARE(run({"Squeeze", {z}, {}, 13})->shape(), Shape({3}));
    QCOMPARE(run({"Squeeze", {z}, {{"axes", intsAttr({-1})}}, 11})->shape(), Shape({1, 3}));
    QCOMPARE(run({"Squeeze", {z, i64s({1})}, {}, 13}).error().code(), ErrorCode::ShapeMismatch);
    QCOMPARE(run({"Unsqueeze", {z}, {{"axes", intsAttr({-1, 0})}}, 11})->shape(),
             Shape({1, 1, 3, 1, 1}));
    QCOMPARE(run({"Unsqueeze", {z, i64s({1, 1})}, {}, 13}).error().code(), ErrorCode::InvalidModel);
}

void ShapeOpsTest::gatherIndices() {
    const Tensor x = Tensor::fromVector<uint8_t>({2, 3}, {1, 2, 3, 4, 5, 6});
    auto g = run({"Gather",
                  {x, Tensor::fromVector<int32_t>({2, 2}, {-1, 0, 2, 2})},
                  {{"axis", intAttr(1)}}});
    QVERIFY2(g, g.message().c_str());
    QCOMPARE(g->shape(), Shape({2, 2, 2}));
    QCOMPARE(valuesOf(*g), std::vector<int64_t>({3, 1, 3, 3, 6, 4, 6, 6}));
    auto scalarIndex = run({"Gather", {x, Tensor::scalar<int64_t>(-2)}});
    QCOMPARE(scalarIndex->shape(), Shape({3}));
    QCOMPARE(valuesOf(*scalarIndex), std::vector<int64_t>({1, 2, 3}));
    QCOMPARE(run({"Gather", {x, i64s({3})}, {{"axis", intAttr(1)}}}).error().code(),
             ErrorCode::InvalidArgument);
}

void ShapeOpsTest::rangeAndConstants() {
    auto r =
        run({"Range",
             {Tensor::scalar<int32_t>(10), Tensor::scalar<int32_t>(1), Tensor::scalar<int32_t>(-3)},
             {},
             11});
    QCOMPARE(valuesOf(*r), std::vector<int64_t>({10, 7, 4}));
    auto f =
        run({"Range",
             {Tensor::scalar<float>(0), Tensor::scalar<float>(1), Tensor::scalar<float>(0.25f)},
             {},
             11});
    QCOMPARE(floatsOf(*f), std::vector<float>({0, 0.25f, 0.5f, 0.75f}));
    QCOMPARE(
        run({"Range",
             {Tensor::scalar<int64_t>(0), Tensor::scalar<int64_t>(1), Tensor::scalar<int64_t>(0)},
             {},
             11})
            .error()
            .code(),
        ErrorCode::InvalidArgument);
    auto s = run({"Shape",
                  {Tensor::zeros(DataType::F32, {2, 3, 4, 5})},
                  {{"start", intAttr(-3)}, {"end", intAttr(-1)}},
                  15});
    QCOMPARE(valuesOf(*s), std::vector<int64_t>({3, 4}));
    QCOMPARE(valuesOf(*run({"Size", {Tensor::zeros(DataType::I8, {2, 3})}})),
             std::vector<int64_t>({6}));
    Attribute value;
    value.kind = Attribute::Kind::Tensor;
    value.t = Tensor::fromVector<int32_t>({1}, {-5});
    auto c = run({"ConstantOfShape", {i64s({2, 2})}, {{"value", value}}, 9});
    QCOMPARE(c->dtype(), DataType::I32);
    QCOMPARE(valuesOf(*c), std::vector<int64_t>({-5, -5, -5, -5}));
    auto k = run({"Constant", {}, {{"value_ints", intsAttr({4, 5})}}, 13});
    QCOMPARE(k->dtype(), DataType::I64);
    QCOMPARE(valuesOf(*k), std::vector<int64_t>({4, 5}));
}

void ShapeOpsTest::concatWithEmptyInput() {
    const Tensor a = Tensor::fromVector<bool>({2, 1}, {true, false});
    const Tensor e = Tensor::zeros(DataType::Bool, {2, 0});
    const Tensor b = Tensor::fromVector<bool>({2, 2}, {false, true, true, true});
    auto y = run({"Concat", {a, e, b}, {{"axis", intAttr(-1)}}});
    QVERIFY2(y, y.message().c_str());
    QCOMPARE(valuesOf(*y), std::vector<int64_t>({1, 0, 1, 0, 1, 1}));
    QCOMPARE(run({"Concat", {a, Tensor::zeros(DataType::Bool, {3, 1})}, {{"axis", intAttr(1)}}})
                 .error()
                 .code(),
             ErrorCode::ShapeMismatch);
}

void ShapeOpsTest::resizeLegacyAndOpset18() {
    const Tensor x = f32s({1, 1, 1, 4}, {1, 2, 3, 4});
    // Resize-10 nearest downsampling uses ONNX Runtime's rule: ceil(x / scale) when scale < 1.
    auto down = run({"Resize", {x, f32s({4}, {1, 1, 1, 0.5f})}, {}, 10});
    QVERIFY2(down, down.message().c_str());
    QCOMPARE(floatsOf(*down), std::vector<float>({1, 3}));
    // Upsample-7: scales attribute, linear with asymmetric coordinates, clamped at the edge.
    auto up = run({"Upsample",
                   {f32s({1, 2}, {1, 2})},
                   {{"mode", stringAttr("linear")}, {"scales", floatsAttr({1, 2})}},
                   7});
    QVERIFY2(up, up.message().c_str());
    QCOMPARE(floatsOf(*up), std::vector<float>({1, 1.5f, 2, 2}));
    // Opset 18: sizes for the listed axes, scale chosen by keep_aspect_ratio_policy.
    auto kept =
        run({"Resize",
             {Tensor::zeros(DataType::F32, {1, 1, 2, 4}), Tensor(), Tensor(), i64s({4, 4})},
             {{"axes", intsAttr({2, 3})}, {"keep_aspect_ratio_policy", stringAttr("not_larger")}},
             18});
    QVERIFY2(kept, kept.message().c_str());
    QCOMPARE(kept->shape(), Shape({1, 1, 2, 4}));
    // Nearest moves any dtype; linear on integers and antialias are rejected as Unsupported.
    auto u8 = run({"Resize",
                   {Tensor::fromVector<uint8_t>({1, 2}, {7, 9}), Tensor(), f32s({2}, {2, 1.5f})},
                   {{"nearest_mode", stringAttr("floor")},
                    {"coordinate_transformation_mode", stringAttr("asymmetric")}},
                   13});
    QVERIFY2(u8, u8.message().c_str());
    QCOMPARE(valuesOf(*u8), std::vector<int64_t>({7, 7, 9, 7, 7, 9}));
    QCOMPARE(run({"Resize",
                  {Tensor::zeros(DataType::U8, {1, 2}), Tensor(), f32s({2}, {2, 2})},
                  {{"mode", stringAttr("linear")}},
                  13})
                 .error()
                 .code(),
             ErrorCode::Unsupported);
    QCOMPARE(
        run({"Resize", {x, Tensor(), f32s({4}, {1, 1, 1, 2})}, {{"antialias", intAttr(1)}}, 18})
            .error()
            .code(),
        ErrorCode::Unsupported);
}

void ShapeOpsTest::resizeIsThreadIndependent() {
    std::mt19937 rng(11);
    Tensor x(DataType::F32, {2, 8, 37, 45});
    std::uniform_real_distribution<float> d(-1, 1);
    for (float& v : x.span<float>()) v = d(rng);
    for (const char* mode : {"linear", "cubic"}) {
        OpCall call{"Resize",
                    {x, Tensor(), Tensor(), i64s({2, 8, 61, 29})},
                    {{"mode", stringAttr(mode)}},
                    13};
        auto one = run(call);
        call.threads = 2;
        auto two = run(call);
        QVERIFY2(one && two, "resize failed");
        QVERIFY(std::memcmp(one->rawData(), two->rawData(), one->byteSize()) == 0);
    }
}

QTEST_GUILESS_MAIN(ShapeOpsTest)
#include "shape_ops_test.moc"
