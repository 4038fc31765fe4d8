// ONNX export without ONNX Runtime: round trips of the real models (import → export → import
// gives the same nodes and values, and the same outputs bit for bit through our executor), the
// ONNX checker and ONNX's own strict shape inference on every exported model (an independent
// validator of the protobuf we write), the opset upgrade (old forms and new forms computing the
// same outputs), and the QDQ graph on hand-made plans with hand-computed codes.
#include "exec/executor.h"
#include "exec/shape_inference.h"
#include "io/npy.h"
#include "onnx/onnx_exporter.h"
#include "onnx/onnx_importer.h"
#include "onnx/opset_upgrade.h"
#include "quant/quant_config.h"
#include "quant/quant_plan.h"
#include "quant/quantizer.h"
#include "quant/simulator.h"

#include <QtTest>
#include <cmath>
#include <cstring>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

using namespace qs;

namespace {

const std::string kShared = QS_SHARED_DIR;

// The ONNX checker and strict shape inference (type checks on, node errors thrown): what ONNX
// itself says about the bytes we wrote. Returns "" when both accept the model.
std::string onnxCheck(const std::string& bytes) {
    onnx::ModelProto model;
    if (!model.ParseFromString(bytes)) return "protobuf parse failed";
    try {
        onnx::checker::check_model(model);
        onnx::ShapeInferenceOptions options(/*check_type=*/true, /*strict_mode=*/1,
                                            /*data_prop=*/false);
        onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options);
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

bool sameTensor(const Tensor& a, const Tensor& b) {
    return a.dtype() == b.dtype() && a.shape() == b.shape() &&
           (a.byteSize() == 0 || std::memcmp(a.rawData(), b.rawData(), a.byteSize()) == 0);
}

bool sameAttribute(const Attribute& a, const Attribute& b) {
    if (a.kind != b.kind) return false;
    switch (a.kind) {
    case Attribute::Kind::Int:
        return a.i == b.i;
    case Attribute::Kind::Float:
        return std::memcmp(&a.f, &b.f, sizeof(float)) == 0;
    case Attribute::Kind::String:
        return a.s == b.s;
    case Attribute::Kind::Ints:
        return a.ints == b.ints;
    case Attribute::Kind::Floats:
        return a.floats == b.floats;
    case Attribute::Kind::Strings:
        return a.strings == b.strings;
    case Attribute::Kind::Tensor:
        return sameTensor(a.t, b.t);
    case Attribute::Kind::Graph:
        return true;
    }
    return false;
}

std::string valueName(const Graph& g, ValueId v) {
    return v == kNoValue ? std::string() : g.value(v).name;
}

// "" when the graphs have the same nodes (name, op, domain, inputs, outputs, attributes), graph
// inputs/outputs (name, type, shape, dim names), initializers and opsets; else what differs.
std::string compareGraphs(const Graph& a, const Graph& b) {
    if (a.nodeCount() != b.nodeCount())
        return "node count " + std::to_string(a.nodeCount()) + " vs " +
               std::to_string(b.nodeCount());
    if (a.opsets() != b.opsets()) return "opsets differ";
    for (NodeId n = 0; n < a.nodeCount(); ++n) {
        const Node& x = a.node(n);
        auto m = b.findNode(x.name);
        if (!m) return "node " + x.name + " is missing";
        const Node& y = b.node(*m);
        if (x.opType != y.opType || x.domain != y.domain) return "node " + x.name + ": op differs";
        if (x.inputs.size() != y.inputs.size() || x.outputs.size() != y.outputs.size())
            return "node " + x.name + ": arity";
        for (size_t i = 0; i < x.inputs.size(); ++i)
            if (valueName(a, x.inputs[i]) != valueName(b, y.inputs[i]))
                return "node " + x.name + ": input " + std::to_string(i);
        for (size_t i = 0; i < x.outputs.size(); ++i)
            if (valueName(a, x.outputs[i]) != valueName(b, y.outputs[i]))
                return "node " + x.name + ": output " + std::to_string(i);
        if (x.attributes.size() != y.attributes.size())
            return "node " + x.name + ": attribute count";
        for (const auto& [k, attr] : x.attributes) {
            const Attribute* other = y.attribute(k);
            if (!other || !sameAttribute(attr, *other))
                return "node " + x.name + ": attribute " + k;
        }
    }
    auto compareIo = [&](const std::vector<ValueId>& ia, const std::vector<ValueId>& ib,
                         const char* what) -> std::string {
        if (ia.size() != ib.size()) return std::string(what) + " count";
        for (size_t i = 0; i < ia.size(); ++i) {
            const Value& x = a.value(ia[i]);
            const Value& y = b.value(ib[i]);
            if (x.name != y.name || x.info.dtype != y.info.dtype ||
                x.info.shapeKnown != y.info.shapeKnown || x.info.shape != y.info.shape ||
                x.dimNames != y.dimNames)
                return std::string(what) + " '" + x.name + "' differs";
        }
        return {};
    };
    if (auto d = compareIo(a.inputs(), b.inputs(), "graph input"); !d.empty()) return d;
    if (auto d = compareIo(a.outputs(), b.outputs(), "graph output"); !d.empty()) return d;
    for (const Value& x : a.values()) {
        if (!x.initializer) continue;
        auto y = b.findValue(x.name);
        if (!y || !b.value(*y).initializer || !sameTensor(*x.initializer, *b.value(*y).initializer))
            return "initializer '" + x.name + "' differs";
    }
    for (const Value& y : b.values())
        if (y.initializer && !a.findValue(y.name)) return "extra initializer '" + y.name + "'";
    return {};
}

Tensor firstSamples(const Tensor& x, int64_t n) {
    Shape s = x.shape();
    s[0] = std::min(n, s[0]);
    Tensor t(DataType::F32, s);
    std::memcpy(t.rawData(), x.rawData(), t.byteSize());
    return t;
}

Result<std::map<std::string, Tensor>> runGraph(const Graph& g, const Tensor& x) {
    QS_ASSIGN(auto ex, Executor::create(g));
    QS_ASSIGN(RunResult r, ex->run({{g.value(g.inputs()[0]).name, x}}));
    return r.outputs;
}

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
Attribute stringAttr(std::string v) {
    Attribute a;
    a.kind = Attribute::Kind::String;
    a.s = std::move(v);
    return a;
}

// Builds graphs by value names: add("Conv", {"x", "w"}, {"y"}, attrs).
struct GraphBuilder {
    Graph g;
    int counter = 0;
    ValueId input(const std::string& name, Shape shape, std::vector<std::string> dimNames = {}) {
        ValueId id = g.addValue(name).value();
        g.value(id).info = TensorInfo{DataType::F32, std::move(shape), true};
        g.value(id).dimNames =
            dimNames.empty() ? std::vector<std::string>(g.value(id).info.shape.size()) : dimNames;
        auto ins = g.inputs();
        ins.push_back(id);
        g.setInputs(ins);
        return id;
    }
    void initializer(const std::string& name, Tensor t) {
        ValueId id = g.valueOrAdd(name);
        g.value(id).info = TensorInfo{t.dtype(), t.shape(), true};
        g.value(id).initializer = std::move(t);
    }
    void add(const std::string& op, std::vector<std::string> ins, std::vector<std::string> outs,
             std::map<std::string, Attribute> attrs = {}, std::string domain = {}) {
        Node n;
        n.name = op + "_" + std::to_string(counter++);
        n.opType = op;
        n.domain = std::move(domain);
        for (const auto& s : ins) n.inputs.push_back(s.empty() ? kNoValue : g.valueOrAdd(s));
        for (const auto& s : outs) n.outputs.push_back(s.empty() ? kNoValue : g.valueOrAdd(s));
        n.attributes = std::move(attrs);
        g.addNode(std::move(n));
    }
    Result<Graph> finish(const std::vector<std::string>& outputs, int64_t opset) {
        std::vector<ValueId> outs;
        for (const auto& s : outputs) outs.push_back(*g.findValue(s));
        g.setOutputs(outs);
        g.opsets()[""] = opset;
        g.name = "test";
        g.irVersion = 7;
        QS_TRY(g.finalize());
        return g;
    }
};

Tensor pseudoRandom(Shape shape, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
    Tensor t(DataType::F32, std::move(shape));
    uint32_t s = seed;
    for (float& v : t.span<float>()) {
        s = s * 1664525u + 1013904223u; // LCG: fixed sequence for a fixed seed
        v = lo + (hi - lo) * float(s >> 8) / float(1u << 24);
    }
    return t;
}

} // namespace

class OnnxExporterTest : public QObject {
    Q_OBJECT
private slots:
    void roundTripRealModels_data();
    void roundTripRealModels();
    void attributeKindsRoundTrip();
    void dynamicDimsAreNotFixedByInference();
    void errorsNameTheCulprit();
    void upgradeOpset9Forms();
    void upgradeOpset10Forms();
    void upgradePpocrToOpset13();
    void qdqHandMadePlan();
    void qdqNarrowAndGroupedCodes();
    void qdqGraphMatchesSimulatorOnDigits();
    void qdqModesMatchSimulator_data();
    void qdqModesMatchSimulator();
    void backendCorpus();
};

void OnnxExporterTest::roundTripRealModels_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("input");
    QTest::addColumn<int>("samples");
    QTest::newRow("ppocr_cls") << "models/ppocr_cls.onnx"
                               << "data/textlines_x.npy" << 8;
    QTest::newRow("digits_mbv2_bn") << "models/digits_mbv2_bn.onnx"
                                    << "data/digits_test_x.npy" << 64;
    QTest::newRow("digits_mbv1_imb") << "models/digits_mbv1_imb.onnx"
                                     << "data/digits_test_x.npy" << 64;
    QTest::newRow("mobilenet_v2_bn") << "models/mobilenet_v2_bn.onnx"
                                     << "data/mobilenet_v2_input.npy" << 1;
}

void OnnxExporterTest::roundTripRealModels() {
    QFETCH(QString, model);
    QFETCH(QString, input);
    QFETCH(int, samples);
    auto original = importOnnxFile(kShared + "/" + model.toStdString());
    QVERIFY2(original.isOk(), original.message().c_str());
    auto bytes = exportOnnxBytes(*original);
    QVERIFY2(bytes.isOk(), bytes.message().c_str());
    const std::string check = onnxCheck(*bytes);
    QVERIFY2(check.empty(), check.c_str());
    auto again = importOnnxBytes(bytes->data(), bytes->size(), "");
    QVERIFY2(again.isOk(), again.message().c_str());
    const std::string diff = compareGraphs(*original, *again);
    QVERIFY2(diff.empty(), diff.c_str());

    // Exporting the re-imported graph gives the same bytes: nothing drifts on a second trip.
    auto bytes2 = exportOnnxBytes(*again);
    QVERIFY(bytes2.isOk());
    QVERIFY(*bytes2 == *bytes);

    auto x = readNpy(kShared + "/" + input.toStdString());
    QVERIFY2(x.isOk(), x.message().c_str());
    const Tensor xs = firstSamples(*x, samples);
    auto a = runGraph(*original, xs);
    auto b = runGraph(*again, xs);
    QVERIFY2(a.isOk(), a.message().c_str());
    QVERIFY2(b.isOk(), b.message().c_str());
    QCOMPARE(a->size(), b->size());
    for (const auto& [name, t] : *a) QVERIFY2(sameTensor(t, b->at(name)), name.c_str());
    qInfo("%s: %zu bytes exported, %d nodes, outputs identical", qPrintable(model), bytes->size(),
          again->nodeCount());
}

void OnnxExporterTest::attributeKindsRoundTrip() {
    GraphBuilder b;
    b.input("x", {-1, 3}, {"batch", ""});
    std::map<std::string, Attribute> attrs;
    attrs["i"] = intAttr(-7);
    attrs["f"] = floatAttr(0.1f);
    attrs["s"] = stringAttr("text");
    attrs["is"] = intsAttr({1, -2, 3});
    Attribute fs;
    fs.kind = Attribute::Kind::Floats;
    fs.floats = {1.5f, -0.25f};
    attrs["fs"] = fs;
    Attribute ss;
    ss.kind = Attribute::Kind::Strings;
    ss.strings = {"a", "", "c"};
    attrs["ss"] = ss;
    Attribute t;
    t.kind = Attribute::Kind::Tensor;
    t.t = Tensor::fromVector<int64_t>({2, 2}, {1, 2, 3, -4});
    attrs["t"] = t;
    // An op of a custom domain: export writes what it does not know as it is.
    b.add("Custom", {"x", ""}, {"y", "", "z"}, attrs, "com.example");
    b.initializer("h", Tensor::fromVector<uint16_t>({2}, {floatToHalf(1.0f), floatToHalf(-2.5f)}));
    b.initializer("flags", Tensor::fromVector<bool>({3}, {true, false, true}));
    b.initializer("d", Tensor::fromVector<double>({1}, {3.25}));
    b.add("Identity", {"z"}, {"w"});
    auto g = b.finish({"y", "w"}, 13);
    QVERIFY2(g.isOk(), g.message().c_str());
    g->value(*g->findValue("y")).info = TensorInfo{DataType::F32, {-1, 3}, true};
    g->value(*g->findValue("y")).dimNames = {"batch", ""};
    g->value(*g->findValue("w")).info = TensorInfo{DataType::I64, {}, true};
    g->value(*g->findValue("w")).dimNames = {};
    g->opsets()["com.example"] = 2;

    auto bytes = exportOnnxBytes(*g);
    QVERIFY2(bytes.isOk(), bytes.message().c_str());
    auto again = importOnnxBytes(bytes->data(), bytes->size(), "");
    QVERIFY2(again.isOk(), again.message().c_str());
    const std::string diff = compareGraphs(*g, *again);
    QVERIFY2(diff.empty(), diff.c_str());
    const Node& n = again->node(*again->findNode("Custom_0"));
    QCOMPARE(n.domain, std::string("com.example"));
    QCOMPARE(n.outputs[1], kNoValue);
    QCOMPARE(n.inputs[1], kNoValue);
    QCOMPARE(again->opsetVersion("com.example"), int64_t(2));
    QCOMPARE(again->value(*again->findValue("y")).dimNames,
             (std::vector<std::string>{"batch", ""}));
}

void OnnxExporterTest::dynamicDimsAreNotFixedByInference() {
    // The quantizer runs shape inference with the batch bound to 1; the export must not write
    // that 1 as a fixed dim of intermediate values (ONNX Runtime would then plan for batch 1).
    auto g = importOnnxFile(kShared + "/models/digits_mbv2_bn.onnx");
    QVERIFY(g.isOk());
    auto report = inferShapes(*g, {{"input", {1, 1, 16, 16}}});
    QVERIFY(report.isOk());
    const Node& conv =
        g->node(*std::find_if(g->topoOrder().begin(), g->topoOrder().end(),
                              [&](NodeId n) { return g->node(n).opType == "Conv"; }));
    const std::string convOut = g->value(conv.outputs[0]).name;
    QCOMPARE(g->value(conv.outputs[0]).info.shape.at(0), int64_t(1));
    auto bytes = exportOnnxBytes(*g);
    QVERIFY2(bytes.isOk(), bytes.message().c_str());
    QVERIFY2(onnxCheck(*bytes).empty(), onnxCheck(*bytes).c_str());
    onnx::ModelProto m;
    QVERIFY(m.ParseFromString(*bytes));
    bool found = false;
    for (const auto& vi : m.graph().value_info()) {
        if (vi.name() != convOut) continue;
        found = true;
        const auto& dims = vi.type().tensor_type().shape().dim();
        QCOMPARE(dims.size(), 4);
        QVERIFY(!dims[0].has_dim_value()); // the batch
        QVERIFY(dims[1].has_dim_value() && dims[1].dim_value() > 0);
        QVERIFY(dims[2].has_dim_value() && dims[3].has_dim_value());
    }
    QVERIFY2(found, "no value_info for the first Conv output");

    // A fully static graph keeps every inferred dim.
    auto mb = importOnnxFile(kShared + "/models/mobilenet_v2_bn.onnx");
    QVERIFY(mb.isOk());
    QVERIFY(inferShapes(*mb).isOk());
    auto mbBytes = exportOnnxBytes(*mb);
    QVERIFY(mbBytes.isOk());
    QVERIFY(m.ParseFromString(*mbBytes));
    int fixed = 0;
    for (const auto& vi : m.graph().value_info()) {
        bool all = vi.type().tensor_type().has_shape();
        for (const auto& d : vi.type().tensor_type().shape().dim()) all = all && d.has_dim_value();
        fixed += all;
    }
    QVERIFY2(fixed > 100,
             qPrintable(QStringLiteral("%1 fully known value_info entries").arg(fixed)));
    QVERIFY2(onnxCheck(*mbBytes).empty(), onnxCheck(*mbBytes).c_str());
}

void OnnxExporterTest::errorsNameTheCulprit() {
    {
        GraphBuilder b;
        b.input("x", {1});
        Attribute body;
        body.kind = Attribute::Kind::Graph;
        b.add("If", {"x"}, {"y"}, {{"then_branch", body}});
        auto g = b.finish({"y"}, 13);
        QVERIFY(g.isOk());
        g->value(*g->findValue("y")).info.dtype = DataType::F32;
        auto bytes = exportOnnxBytes(*g);
        QVERIFY(!bytes.isOk());
        QCOMPARE(bytes.error().code(), ErrorCode::Unsupported);
        QVERIFY2(bytes.message().find("If_0") != std::string::npos &&
                     bytes.message().find("then_branch") != std::string::npos,
                 bytes.message().c_str());
    }
    {
        // An output whose type nothing knows (an op we do not implement produces it).
        GraphBuilder b;
        b.input("x", {1});
        b.add("Mystery", {"x"}, {"y"}, {}, "com.example");
        auto g = b.finish({"y"}, 13);
        QVERIFY(g.isOk());
        auto bytes = exportOnnxBytes(*g);
        QVERIFY(!bytes.isOk());
        QVERIFY2(bytes.message().find("graph output 'y'") != std::string::npos,
                 bytes.message().c_str());
    }
    {
        // Unwritable path: an error naming the file, no crash.
        GraphBuilder b;
        b.input("x", {1});
        b.add("Relu", {"x"}, {"y"});
        auto g = b.finish({"y"}, 13);
        QVERIFY(g.isOk());
        Status st = exportOnnxFile(*g, "/nonexistent-dir/m.onnx");
        QVERIFY(!st.isOk());
        QVERIFY2(st.message().find("/nonexistent-dir/m.onnx") != std::string::npos,
                 st.message().c_str());
    }
    {
        // A plan for another graph, 12-bit activations, a weight given as a graph input.
        GraphBuilder b;
        b.input("x", {1, 2});
        b.add("Relu", {"x"}, {"y"});
        auto g = b.finish({"y"}, 13);
        QVERIFY(g.isOk());
        QuantPlan plan;
        plan.tensors["nope"].params.state = TensorQuantState::Float;
        auto r = buildQdqGraph(*g, plan);
        QVERIFY(!r.isOk());
        QVERIFY2(r.message().find("'nope'") != std::string::npos, r.message().c_str());

        QuantPlan wide;
        auto params =
            computeQuantParams(QuantSpec{12, QuantScheme::Asymmetric, false}, {-1.0f}, {1.0f});
        QVERIFY(params.isOk());
        wide.tensors["y"].params = *params;
        r = buildQdqGraph(*g, wide);
        QVERIFY(!r.isOk());
        QCOMPARE(r.error().code(), ErrorCode::Unsupported);
        QVERIFY2(r.message().find("tensor 'y'") != std::string::npos &&
                     r.message().find("12-bit") != std::string::npos,
                 r.message().c_str());
    }
}

void OnnxExporterTest::upgradeOpset9Forms() {
    // Opset-9 forms of the ops whose form changed by 13, upgraded; both graphs run in our
    // executor (whose kernels implement each opset's form separately) and ONNX's checker and
    // strict shape inference accept the upgraded model.
    GraphBuilder b;
    b.input("x", {-1, 3, 4, 5}, {"N", "", "", ""});
    b.add("Clip", {"x"}, {"c"}, {{"min", floatAttr(-0.5f)}, {"max", floatAttr(0.75f)}});
    b.add("Clip", {"c"}, {"c2"}, {{"max", floatAttr(0.5f)}});
    b.add("Slice", {"c2"}, {"s"},
          {{"starts", intsAttr({1, 0})}, {"ends", intsAttr({4, 100})}, {"axes", intsAttr({2, 3})}});
    b.add("Upsample", {"s", "scales"}, {"u"}, {{"mode", stringAttr("nearest")}});
    b.initializer("scales", Tensor::fromVector<float>({4}, {1.0f, 1.0f, 2.0f, 3.0f}));
    b.add("Softmax", {"u"}, {"p"}, {{"axis", intAttr(2)}}); // over dims 2 and 3 together before 13
    b.add("Unsqueeze", {"p"}, {"q"}, {{"axes", intsAttr({0})}});
    b.add("Squeeze", {"q"}, {"r"}, {{"axes", intsAttr({0})}});
    b.add("ReduceSum", {"r"}, {"rs"}, {{"axes", intsAttr({3})}, {"keepdims", intAttr(1)}});
    b.add("Split", {"rs"}, {"a", "b2"}, {{"axis", intAttr(1)}, {"split", intsAttr({1, 2})}});
    b.add("Pad", {"a"}, {"pa"},
          {{"pads", intsAttr({0, 0, 1, 0, 0, 0, 1, 0})}, {"value", floatAttr(0.25f)}});
    b.add("Upsample", {"b2", "scales_lin"}, {"ul"}, {{"mode", stringAttr("linear")}});
    b.initializer("scales_lin", Tensor::fromVector<float>({4}, {1.0f, 1.0f, 1.5f, 2.0f}));
    b.add("LogSoftmax", {"ul"}, {"ls"}, {{"axis", intAttr(3)}}); // the last axis: same meaning
    auto g = b.finish({"pa", "ls"}, 9);
    QVERIFY2(g.isOk(), g.message().c_str());

    std::vector<std::string> notes;
    auto up = upgradeOpset(*g, 13, &notes);
    QVERIFY2(up.isOk(), up.message().c_str());
    QCOMPARE(up->opsetVersion(), int64_t(13));
    for (const auto& n : notes) qInfo("  %s", n.c_str());
    for (const Node& n : up->nodes()) {
        QVERIFY2(n.opType != "Upsample", "Upsample left in an opset-13 graph");
        if (n.opType == "Clip") QVERIFY(!n.attribute("min") && !n.attribute("max"));
        if (n.opType == "Slice") QCOMPARE(n.inputs.size(), size_t(4));
    }
    auto bytes = exportOnnxBytes(*up);
    QVERIFY2(bytes.isOk(), bytes.message().c_str());
    const std::string check = onnxCheck(*bytes);
    QVERIFY2(check.empty(), check.c_str());

    const Tensor x = pseudoRandom({2, 3, 4, 5}, 7, -1.0f, 1.0f);
    auto before = runGraph(*g, x);
    auto after = runGraph(*up, x);
    QVERIFY2(before.isOk(), before.message().c_str());
    QVERIFY2(after.isOk(), after.message().c_str());
    for (const auto& [name, t] : *before) {
        const Tensor& u = after->at(name);
        QCOMPARE(u.shape(), t.shape());
        const auto va = t.toFloatVector(), vb = u.toFloatVector();
        for (size_t i = 0; i < va.size(); ++i)
            QVERIFY2(std::fabs(va[i] - vb[i]) <= 1e-6f * std::max(1.0f, std::fabs(va[i])),
                     name.c_str());
    }
    // Spot checks by hand: Clip bounds as inputs still clamp.
    const Node& clip = up->node(*up->findNode("Clip_0"));
    QCOMPARE(up->value(clip.inputs[1]).initializer->data<float>()[0], -0.5f);
    QCOMPARE(up->value(clip.inputs[2]).initializer->data<float>()[0], 0.75f);
    const Node& clip2 = up->node(*up->findNode("Clip_1"));
    QCOMPARE(clip2.inputs[1], kNoValue); // no min: the input stays omitted
}

void OnnxExporterTest::upgradeOpset10Forms() {
    // Resize-10 downsampling (nearest: ceil, ONNX Runtime's rule for opset < 11), a Softmax over
    // a non-last axis with two dynamic dims (its shape comes back through Shape at run time),
    // Dropout-10's ratio attribute.
    GraphBuilder b;
    b.input("x", {-1, 2, -1, 4}, {"N", "", "H", ""});
    b.initializer("scales", Tensor::fromVector<float>({4}, {1.0f, 1.0f, 0.5f, 0.5f}));
    b.add("Resize", {"x", "scales"}, {"r"}, {{"mode", stringAttr("nearest")}});
    b.add("Softmax", {"r"}, {"p"}, {{"axis", intAttr(1)}});
    b.add("Dropout", {"x"}, {"d"}, {{"ratio", floatAttr(0.3f)}});
    auto g = b.finish({"p", "d"}, 10);
    QVERIFY2(g.isOk(), g.message().c_str());
    auto up = upgradeOpset(*g, 13);
    QVERIFY2(up.isOk(), up.message().c_str());
    const Node& resize = up->node(*up->findNode("Resize_0"));
    QCOMPARE(resize.inputs.size(), size_t(3));
    QCOMPARE(resize.inputs[1], kNoValue);
    QCOMPARE(resize.attribute("nearest_mode")->s, std::string("ceil"));
    QCOMPARE(resize.attribute("coordinate_transformation_mode")->s, std::string("asymmetric"));
    bool shapeNode = false;
    for (const Node& n : up->nodes()) shapeNode = shapeNode || n.opType == "Shape";
    QVERIFY2(shapeNode, "two dynamic dims: the Reshape back needs Shape(x)");
    QVERIFY(!up->node(*up->findNode("Dropout_2")).attribute("ratio"));
    auto bytes = exportOnnxBytes(*up);
    QVERIFY2(bytes.isOk(), bytes.message().c_str());
    const std::string check = onnxCheck(*bytes);
    QVERIFY2(check.empty(), check.c_str());

    const Tensor x = pseudoRandom({2, 2, 6, 4}, 9, -2.0f, 2.0f);
    auto before = runGraph(*g, x);
    auto after = runGraph(*up, x);
    QVERIFY2(before.isOk(), before.message().c_str());
    QVERIFY2(after.isOk(), after.message().c_str());
    for (const auto& [name, t] : *before) {
        const Tensor& u = after->at(name);
        QCOMPARE(u.shape(), t.shape());
        const auto va = t.toFloatVector(), vb = u.toFloatVector();
        for (size_t i = 0; i < va.size(); ++i)
            QVERIFY2(std::fabs(va[i] - vb[i]) <= 1e-6f * std::max(1.0f, std::fabs(va[i])),
                     name.c_str());
    }
}

void OnnxExporterTest::upgradePpocrToOpset13() {
    auto g = importOnnxFile(kShared + "/models/ppocr_cls.onnx");
    QVERIFY(g.isOk());
    QCOMPARE(g->opsetVersion(), int64_t(9));
    std::vector<std::string> notes;
    auto up = upgradeOpset(*g, 13, &notes);
    QVERIFY2(up.isOk(), up.message().c_str());
    for (const auto& n : notes) qInfo("  %s", n.c_str());
    auto bytes = exportOnnxBytes(*up);
    QVERIFY(bytes.isOk());
    const std::string check = onnxCheck(*bytes);
    QVERIFY2(check.empty(), check.c_str());
    auto x = readNpy(kShared + "/data/textlines_x.npy");
    QVERIFY(x.isOk());
    const Tensor xs = firstSamples(*x, 16);
    auto a = runGraph(*g, xs);
    auto b = runGraph(*up, xs);
    QVERIFY2(a.isOk() && b.isOk(), (a.message() + b.message()).c_str());
    for (const auto& [name, t] : *a) QVERIFY2(sameTensor(t, b->at(name)), name.c_str());
}

void OnnxExporterTest::qdqHandMadePlan() {
    // Conv 1→2 channels, 1×1 kernel, bias; Relu. Weights per channel, symmetric int8:
    // channel 0 has max |w| = 0.5 → s = 0.5/127; channel 1 max |w| = 1.0 → s = 1/127.
    GraphBuilder b;
    b.input("x", {-1, 1, 2, 2}, {"N", "", "", ""});
    b.initializer("w", Tensor::fromVector<float>({2, 1, 1, 1}, {0.5f, -1.0f}));
    b.initializer("bias", Tensor::fromVector<float>({2}, {0.1f, -0.2f}));
    b.add("Conv", {"x", "w", "bias"}, {"c"});
    b.add("Relu", {"c"}, {"y"});
    auto g = b.finish({"y"}, 13);
    QVERIFY2(g.isOk(), g.message().c_str());

    QuantPlan plan;
    QuantSpec wspec{8, QuantScheme::Symmetric, true, Granularity::PerChannel, 0};
    auto wp = computeQuantParams(wspec, {0.0f, -1.0f}, {0.5f, 0.0f});
    QVERIFY(wp.isOk());
    QCOMPARE(wp->scale[0], 0.5f / 127.0f);
    QCOMPARE(wp->scale[1], 1.0f / 127.0f);
    plan.tensors["w"].params = *wp;
    plan.tensors["w"].isWeight = true;
    // Input: asymmetric uint8 over [-1, 3]: s = 4/255, z = round(0 + 1/s) = round(63.75) = 64.
    auto xp = computeQuantParams(QuantSpec{8, QuantScheme::Asymmetric, false}, {-1.0f}, {3.0f});
    QVERIFY(xp.isOk());
    QCOMPARE(xp->zeroPoint[0], 64);
    plan.tensors["x"].params = *xp;
    // Bias: int32, s = s_x · s_w[c], zero point 0.
    TensorQuantEntry bias;
    bias.isBias = true;
    bias.params.spec = QuantSpec{32, QuantScheme::Symmetric, true, Granularity::PerChannel, 0};
    bias.params.scale = {xp->scale[0] * wp->scale[0], xp->scale[0] * wp->scale[1]};
    bias.params.zeroPoint = {0, 0};
    plan.tensors["bias"] = bias;
    plan.tensors["c"].params.state = TensorQuantState::Float;
    auto yp = computeQuantParams(QuantSpec{8, QuantScheme::Asymmetric, false}, {0.0f}, {2.0f});
    QVERIFY(yp.isOk());
    plan.tensors["y"].params = *yp;

    QdqExportReport report;
    auto qdq = buildQdqGraph(*g, plan, &report);
    QVERIFY2(qdq.isOk(), qdq.message().c_str());
    QCOMPARE(report.quantizedWeights, 1);
    QCOMPARE(report.quantizedBiases, 1);
    QCOMPARE(report.quantizedActivations, 2);

    // Weight codes by hand: 0.5 / (0.5/127) = 127, -1 / (1/127) = -127; DequantizeLinear on axis 0.
    const Value& w = qdq->value(*qdq->findValue("w"));
    QVERIFY(!w.initializer);
    const Node& dqw = qdq->node(w.producer);
    QCOMPARE(dqw.opType, std::string("DequantizeLinear"));
    QCOMPARE(dqw.attribute("axis")->i, int64_t(0));
    const Tensor& codes = *qdq->value(dqw.inputs[0]).initializer;
    QCOMPARE(codes.dtype(), DataType::I8);
    QCOMPARE(codes.data<int8_t>()[0], int8_t(127));
    QCOMPARE(codes.data<int8_t>()[1], int8_t(-127));
    QCOMPARE(qdq->value(dqw.inputs[2]).initializer->dtype(), DataType::I8);
    // Bias codes by hand: round(0.1 / s_b0), round(-0.2 / s_b1); int32 without a zero point.
    const Node& dqb = qdq->node(qdq->value(*qdq->findValue("bias")).producer);
    const Tensor& bcodes = *qdq->value(dqb.inputs[0]).initializer;
    QCOMPARE(bcodes.dtype(), DataType::I32);
    QCOMPARE(dqb.inputs.size(), size_t(2));
    QCOMPARE(bcodes.data<int32_t>()[0], int32_t(std::nearbyint(0.1f / bias.params.scale[0])));
    QCOMPARE(bcodes.data<int32_t>()[1], int32_t(std::nearbyint(-0.2f / bias.params.scale[1])));
    // The graph output keeps its name and is the DequantizeLinear's output; the graph input
    // keeps its name and feeds the QuantizeLinear.
    const Value& y = qdq->value(*qdq->findValue("y"));
    QVERIFY(y.isGraphOutput);
    QCOMPARE(qdq->node(y.producer).opType, std::string("DequantizeLinear"));
    const Value& x = qdq->value(*qdq->findValue("x"));
    QVERIFY(x.isGraphInput);
    QCOMPARE(x.consumers.size(), size_t(1));
    QCOMPARE(qdq->node(x.consumers[0]).opType, std::string("QuantizeLinear"));

    auto bytes = exportOnnxBytes(*qdq);
    QVERIFY2(bytes.isOk(), bytes.message().c_str());
    const std::string check = onnxCheck(*bytes);
    QVERIFY2(check.empty(), check.c_str());

    // Our executor on the QDQ graph computes what the Simulator computes, bit for bit.
    const Tensor in = pseudoRandom({3, 1, 2, 2}, 11, -1.2f, 1.2f);
    auto sim = Simulator::create(*g, plan);
    QVERIFY2(sim.isOk(), sim.message().c_str());
    auto simOut = (*sim)->run({{"x", in}});
    QVERIFY2(simOut.isOk(), simOut.message().c_str());
    auto qdqOut = runGraph(*qdq, in);
    QVERIFY2(qdqOut.isOk(), qdqOut.message().c_str());
    QVERIFY(sameTensor(simOut->outputs.at("y"), qdqOut->at("y")));
}

void OnnxExporterTest::qdqNarrowAndGroupedCodes() {
    // 4-bit per-group weights (groups of 2 output channels) and symmetric int8 activations
    // (range [-127, 127], narrower than int8's), 3-bit asymmetric activations.
    GraphBuilder b;
    b.input("x", {-1, 3, 3, 3}, {"N", "", "", ""});
    b.initializer("w", pseudoRandom({4, 3, 1, 1}, 5, -1.0f, 1.0f));
    b.add("Conv", {"x", "w"}, {"c"});
    b.add("Sigmoid", {"c"}, {"y"});
    auto g = b.finish({"y"}, 11);
    QVERIFY2(g.isOk(), g.message().c_str());

    QuantPlan plan;
    QuantSpec wspec{4, QuantScheme::Symmetric, true, Granularity::PerGroup, 0, 2};
    auto ranges = tensorRanges(*g->value(*g->findValue("w")).initializer, wspec);
    QVERIFY(ranges.isOk());
    auto wp = computeQuantParams(wspec, ranges->first, ranges->second);
    QVERIFY(wp.isOk());
    QCOMPARE(wp->count(), size_t(2));
    plan.tensors["w"].params = *wp;
    plan.tensors["w"].isWeight = true;
    auto xp = computeQuantParams(QuantSpec{8, QuantScheme::Symmetric, true}, {-0.5f}, {0.5f});
    plan.tensors["x"].params = *xp;
    auto cp = computeQuantParams(QuantSpec{3, QuantScheme::Asymmetric, false}, {-1.0f}, {1.0f});
    plan.tensors["c"].params = *cp;

    auto qdq = buildQdqGraph(*g, plan);
    QVERIFY2(qdq.isOk(), qdq.message().c_str());
    QCOMPARE(qdq->opsetVersion(), int64_t(13)); // raised from 11 for per-axis DequantizeLinear
    const Node& dqw = qdq->node(qdq->value(*qdq->findValue("w")).producer);
    const Tensor& scales = *qdq->value(dqw.inputs[1]).initializer;
    QCOMPARE(scales.numel(), int64_t(4)); // per channel, each carrying its group's scale
    QCOMPARE(scales.data<float>()[0], wp->scale[0]);
    QCOMPARE(scales.data<float>()[1], wp->scale[0]);
    QCOMPARE(scales.data<float>()[2], wp->scale[1]);
    QCOMPARE(scales.data<float>()[3], wp->scale[1]);
    for (int8_t q : qdq->value(dqw.inputs[0]).initializer->span<int8_t>())
        QVERIFY(q >= -7 && q <= 7);
    int clips = 0;
    for (const Node& n : qdq->nodes()) clips += n.opType == "Clip";
    QCOMPARE(clips, 2); // x: [-127, 127] inside int8; c: [0, 7] inside uint8

    auto bytes = exportOnnxBytes(*qdq);
    QVERIFY(bytes.isOk());
    const std::string check = onnxCheck(*bytes);
    QVERIFY2(check.empty(), check.c_str());

    // Inputs beyond the clip range, so the narrow clamp matters.
    const Tensor in = pseudoRandom({2, 3, 3, 3}, 3, -1.0f, 1.0f);
    auto sim = Simulator::create(*g, plan);
    QVERIFY2(sim.isOk(), sim.message().c_str());
    auto simOut = (*sim)->run({{"x", in}});
    QVERIFY2(simOut.isOk(), simOut.message().c_str());
    auto qdqOut = runGraph(*qdq, in);
    QVERIFY2(qdqOut.isOk(), qdqOut.message().c_str());
    QVERIFY(sameTensor(simOut->outputs.at("y"), qdqOut->at("y")));
}

void OnnxExporterTest::qdqGraphMatchesSimulatorOnDigits() {
    auto g = importOnnxFile(kShared + "/models/digits_mbv2_bn.onnx");
    QVERIFY(g.isOk());
    auto calib = readNpy(kShared + "/data/digits_calib_x.npy");
    auto test = readNpy(kShared + "/data/digits_test_x.npy");
    QVERIFY(calib.isOk() && test.isOk());
    CalibrationData data;
    data.samples = *calib;
    auto m = quantizeModel(*g, QuantConfig{}, &data);
    QVERIFY2(m.isOk(), m.message().c_str());
    QdqExportReport report;
    auto qdq = buildQdqGraph(m->graph, m->plan, &report);
    QVERIFY2(qdq.isOk(), qdq.message().c_str());
    qInfo("digits_mbv2_bn QDQ: %d weights, %d biases, %d activations", report.quantizedWeights,
          report.quantizedBiases, report.quantizedActivations);
    for (const auto& n : report.notes) qInfo("  %s", n.c_str());
    QVERIFY(report.quantizedWeights >= 17);
    QVERIFY(report.quantizedActivations > 10);
    auto bytes = exportOnnxBytes(*qdq);
    QVERIFY(bytes.isOk());
    const std::string check = onnxCheck(*bytes);
    QVERIFY2(check.empty(), check.c_str());

    auto sim = Simulator::create(m->graph, m->plan);
    QVERIFY2(sim.isOk(), sim.message().c_str());
    auto simOut = (*sim)->run({{"input", *test}});
    QVERIFY2(simOut.isOk(), simOut.message().c_str());
    auto reimported = importOnnxBytes(bytes->data(), bytes->size(), "");
    QVERIFY2(reimported.isOk(), reimported.message().c_str());
    auto qdqOut = runGraph(*reimported, *test);
    QVERIFY2(qdqOut.isOk(), qdqOut.message().c_str());
    // The same float operations on the same values: identical.
    QVERIFY(sameTensor(simOut->outputs.at("logits"), qdqOut->at("logits")));
}

void OnnxExporterTest::qdqModesMatchSimulator_data() {
    QTest::addColumn<QString>("options"); // QUANT OPTIONS without dashes, space-separated
    QTest::newRow("symmetric int8, per-tensor weights") << "scheme=symmetric granularity=tensor";
    QTest::newRow("4-bit weights, groups of 4") << "bits=4 granularity=group:4";
    QTest::newRow("16-bit weights") << "bits=16";
    QTest::newRow("6-bit activations, aggressive") << "act-bits=6 dispatch=aggressive";
    QTest::newRow("weight-only") << "act-mode=weight-only";
    QTest::newRow("dynamic") << "act-mode=dynamic";
    QTest::newRow("power-of-two scales") << "power-of-two";
}

void OnnxExporterTest::qdqModesMatchSimulator() {
    // Every mode the plan can express: our executor on the QDQ model (exported, re-imported)
    // computes what the Simulator computes, bit for bit.
    QFETCH(QString, options);
    QuantConfig config;
    for (const QString& option : options.split(' ', Qt::SkipEmptyParts)) {
        const auto kv = option.split('=');
        Status st = applyQuantOption(config, kv[0].toStdString(),
                                     kv.size() > 1 ? kv[1].toStdString() : std::string());
        QVERIFY2(st.isOk(), st.message().c_str());
    }
    auto g = importOnnxFile(kShared + "/models/digits_mbv2_bn.onnx");
    QVERIFY(g.isOk());
    auto calib = readNpy(kShared + "/data/digits_calib_x.npy");
    auto test = readNpy(kShared + "/data/digits_test_x.npy");
    QVERIFY(calib.isOk() && test.isOk());
    CalibrationData data;
    data.samples = *calib;
    auto m = quantizeModel(*g, config, &data);
    QVERIFY2(m.isOk(), m.message().c_str());
    QdqExportReport report;
    auto bytes = exportQdqBytes(m->graph, m->plan, &report);
    QVERIFY2(bytes.isOk(), bytes.message().c_str());
    for (const auto& n : report.notes) qInfo("  %s", n.c_str());
    const std::string check = onnxCheck(*bytes);
    QVERIFY2(check.empty(), check.c_str());
    auto qdq = importOnnxBytes(bytes->data(), bytes->size(), "");
    QVERIFY2(qdq.isOk(), qdq.message().c_str());

    auto sim = Simulator::create(m->graph, m->plan);
    QVERIFY2(sim.isOk(), sim.message().c_str());
    auto simOut = (*sim)->run({{"input", *test}});
    QVERIFY2(simOut.isOk(), simOut.message().c_str());
    auto qdqOut = runGraph(*qdq, *test);
    QVERIFY2(qdqOut.isOk(), qdqOut.message().c_str());
    const Tensor& a = simOut->outputs.at("logits");
    const Tensor& b = qdqOut->at("logits");
    QCOMPARE(b.shape(), a.shape());
    const auto va = a.toFloatVector(), vb = b.toFloatVector();
    double maxDiff = 0, maxRef = 0;
    for (size_t i = 0; i < va.size(); ++i) {
        maxDiff = std::max(maxDiff, double(std::fabs(va[i] - vb[i])));
        maxRef = std::max(maxRef, double(std::fabs(va[i])));
    }
    qInfo("%s: %d weights, %d activations quantized; max |QDQ - simulator| = %.3g (max |simulator| "
          "%.3g)",
          qPrintable(options), report.quantizedWeights, report.quantizedActivations, maxDiff,
          maxRef);
    QVERIFY(sameTensor(a, b));
}

void OnnxExporterTest::backendCorpus() {
    // Every model of the ONNX backend test data (node, pytorch-converted, pytorch-operator,
    // simple): export never crashes and fails only with a named reason; whatever ONNX's checker
    // accepts as a file it accepts after our round trip, which gives the same graph. Models below
    // opset 13 are raised to 13: where our executor runs the original on its test inputs, the
    // upgraded model gives the same outputs and passes the checker too.
    const QString root = QStringLiteral(QS_ONNX_TESTDATA_DIR);
    int models = 0, exported = 0, refused = 0, checked = 0, upgraded = 0, upgradeRefused = 0,
        upgradeRun = 0;
    QStringList failures;
    for (const char* suite : {"node", "pytorch-converted", "pytorch-operator", "simple"}) {
        QDir dir(root + QLatin1Char('/') + QLatin1String(suite));
        for (const QString& name : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
            const std::string path =
                dir.filePath(name + QStringLiteral("/model.onnx")).toStdString();
            QFile file(QString::fromStdString(path));
            if (!file.open(QIODevice::ReadOnly)) continue;
            const QByteArray original = file.readAll();
            auto g = importOnnxBytes(original.constData(), size_t(original.size()), "");
            if (!g) continue; // import errors are the importer test's business
            ++models;
            const std::string tag = std::string(suite) + "/" + name.toStdString();
            auto bytes = exportOnnxBytes(*g);
            if (!bytes) {
                ++refused;
                if (qEnvironmentVariableIsSet("QS_VERBOSE"))
                    qInfo("%s: %s", tag.c_str(), bytes.message().c_str());
                if (bytes.message().find("'") == std::string::npos)
                    failures << QString::fromStdString(tag + ": unnamed error " + bytes.message());
                continue;
            }
            ++exported;
            const bool originalValid = onnxCheck(original.toStdString()).empty();
            if (originalValid) {
                ++checked;
                const std::string check = onnxCheck(*bytes);
                if (!check.empty())
                    failures << QString::fromStdString(tag + ": checker: " + check.substr(0, 200));
            }
            auto again = importOnnxBytes(bytes->data(), bytes->size(), "");
            if (!again) {
                failures << QString::fromStdString(tag + ": re-import: " + again.message());
                continue;
            }
            if (auto diff = compareGraphs(*g, *again); !diff.empty())
                failures << QString::fromStdString(tag + ": " + diff);

            if (g->opsetVersion() >= 13) continue;
            auto up = upgradeOpset(*g, 13);
            if (!up) {
                ++upgradeRefused;
                if (up.error().code() != ErrorCode::Unsupported)
                    failures << QString::fromStdString(tag + ": upgrade: " + up.message());
                continue;
            }
            ++upgraded;
            if (originalValid) {
                auto upBytes = exportOnnxBytes(*up);
                const std::string check = upBytes ? onnxCheck(*upBytes) : upBytes.message();
                if (!check.empty())
                    failures << QString::fromStdString(tag + ": upgraded: " + check.substr(0, 200));
            }
            // Run both on test_data_set_0 when our executor handles the original.
            std::map<std::string, Tensor> inputs;
            const QString data = dir.filePath(name + QStringLiteral("/test_data_set_0"));
            for (size_t i = 0; i < g->inputs().size(); ++i) {
                auto t = readTensorProtoFile(
                    (data + QStringLiteral("/input_%1.pb").arg(i)).toStdString());
                if (t) inputs[g->value(g->inputs()[i]).name] = *t;
            }
            if (inputs.size() != g->inputs().size()) continue;
            auto ex0 = Executor::create(*g);
            if (!ex0) continue;
            auto r0 = (*ex0)->run(inputs);
            if (!r0) continue;
            auto ex1 = Executor::create(*up);
            auto r1 = ex1 ? (*ex1)->run(inputs) : Result<RunResult>(ex1.takeError());
            if (!r1) {
                failures << QString::fromStdString(
                    tag + ": upgraded model fails to run: " + r1.message());
                continue;
            }
            ++upgradeRun;
            for (const auto& [out, t] : r0->outputs) {
                const Tensor& u = r1->outputs.at(out);
                if (u.shape() != t.shape() || u.dtype() != t.dtype()) {
                    failures << QString::fromStdString(tag + ": output " + out +
                                                       " changes shape or type");
                    continue;
                }
                const auto va = t.toFloatVector(), vb = u.toFloatVector();
                for (size_t i = 0; i < va.size(); ++i)
                    if (!(std::fabs(va[i] - vb[i]) <= 1e-6f + 1e-5f * std::fabs(va[i])) &&
                        !(std::isnan(va[i]) && std::isnan(vb[i]))) {
                        failures << QString::fromStdString(tag + ": output " + out +
                                                           " differs after the upgrade");
                        break;
                    }
            }
        }
    }
    qInfo("backend corpus: %d models imported, %d exported (%d checked by ONNX), %d refused with a "
          "named reason; below opset 13: %d upgraded (%d ran before and after), %d refused",
          models, exported, checked, refused, upgraded, upgradeRun, upgradeRefused);
    for (const QString& f : failures) qWarning("%s", qPrintable(f));
    QVERIFY2(failures.isEmpty(), qPrintable(QStringLiteral("%1 failures").arg(failures.size())));
    QVERIFY(models > 800);
}

QTEST_GUILESS_MAIN(OnnxExporterTest)
#include "onnx_exporter_test.moc"
