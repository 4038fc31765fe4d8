// quant_table.json: quantPlanToJson / quantPlanFromJson round-trip every field of a QuantPlan
// (hand-made plans covering every state, granularity and role, and the plan of a real model),
// carry the DESIGN.md contract keys, and reject bad tables with the field at fault named.
#include "io/npy.h"
#include "onnx/onnx_importer.h"
#include "quant/quant_plan.h"
#include "quant/quantizer.h"

#include <QtTest>
#include <nlohmann/json.hpp>

using namespace qs;

namespace {

const std::string kShared = QS_SHARED_DIR;

// "" when equal, else the first difference.
std::string compareSpecs(const QuantSpec& a, const QuantSpec& b, bool perTensor) {
    if (a.bits != b.bits) return "bits";
    if (a.scheme != b.scheme) return "scheme";
    if (a.isSigned != b.isSigned) return "signed";
    if (a.granularity != b.granularity) return "granularity";
    if (!perTensor && a.axis != b.axis) return "axis"; // per tensor: the table writes axis null
    if (a.granularity == Granularity::PerGroup && a.groupSize != b.groupSize) return "group size";
    if (a.rounding != b.rounding) return "rounding";
    if (a.powerOfTwoScale != b.powerOfTwoScale) return "power-of-two";
    return {};
}

std::string comparePlans(const QuantPlan& a, const QuantPlan& b) {
    if (a.model != b.model) return "model";
    auto sa = a.settings,
         sb = b.settings; // a JSON object keeps keys sorted; values of one key keep their order
    std::stable_sort(sa.begin(), sa.end(), [](auto& x, auto& y) { return x.first < y.first; });
    std::stable_sort(sb.begin(), sb.end(), [](auto& x, auto& y) { return x.first < y.first; });
    if (sa != sb) return "settings";
    if (a.notes != b.notes) return "notes";
    if (a.tensors.size() != b.tensors.size()) return "tensor count";
    for (const auto& [name, x] : a.tensors) {
        auto it = b.tensors.find(name);
        if (it == b.tensors.end()) return "tensor '" + name + "' missing";
        const TensorQuantEntry& y = it->second;
        const std::string where = "tensor '" + name + "': ";
        if (x.params.state != y.params.state) return where + "state";
        if (x.isWeight != y.isWeight || x.isBias != y.isBias) return where + "role";
        if (x.dynamic != y.dynamic) return where + "dynamic";
        if (x.passiveSource != y.passiveSource) return where + "source";
        if (x.alignedWith != y.alignedWith) return where + "aligned_with";
        if (x.params.state == TensorQuantState::Float) continue;
        const std::string spec = compareSpecs(x.params.spec, y.params.spec,
                                              x.params.spec.granularity == Granularity::PerTensor);
        if (!spec.empty()) return where + spec;
        // Floats must come back bit for bit: the table is what the CLI and scripts re-run.
        if (x.params.scale != y.params.scale) return where + "scale";
        if (x.params.zeroPoint != y.params.zeroPoint) return where + "zero point";
        if (x.params.min != y.params.min) return where + "min";
        if (x.params.max != y.params.max) return where + "max";
    }
    if (a.nodes.size() != b.nodes.size()) return "node count";
    for (const auto& [name, x] : a.nodes) {
        auto it = b.nodes.find(name);
        if (it == b.nodes.end()) return "node '" + name + "' missing";
        const NodeQuantInfo& y = it->second;
        if (x.op != y.op || x.region != y.region || x.rule != y.rule ||
            x.quantized != y.quantized || x.fusedActivation != y.fusedActivation ||
            x.bits != y.bits)
            return "node '" + name + "'";
    }
    return {};
}

QuantPlan handMadePlan() {
    QuantPlan plan;
    plan.model = "hand \"made\"";
    plan.settings = {
        {"bits", "8"}, {"float", "conv_2"}, {"float", "conv_1"}, {"calib_method", "kl"}};
    plan.notes = {"data-free: ranges from BatchNorm",
                  "tensor 't' has no calibrated range; it stays float"};

    TensorQuantEntry w;
    w.isWeight = true;
    w.params = computeQuantParams(QuantSpec{4, QuantScheme::Symmetric, true, Granularity::PerGroup,
                                            1, 3, RoundingMode::HalfAwayFromZero, true},
                                  {-0.3f, -1e-8f}, {0.7f, 3.14159274f})
                   .value();
    plan.tensors["conv.weight"] = w;

    TensorQuantEntry a;
    a.params =
        computeQuantParams(QuantSpec{8, QuantScheme::Asymmetric, false}, {-0.123456789f}, {6.0f})
            .value();
    a.params.spec.axis = 1;
    a.alignedWith = "concat_out"; // a member of a Concat scale-alignment group
    plan.tensors["act/0:x"] = a;  // names with characters JSON must carry as they are

    TensorQuantEntry pc;
    pc.params =
        computeQuantParams(QuantSpec{7, QuantScheme::Asymmetric, true, Granularity::PerChannel, 1},
                           {-1.0f, -2.0f, 0.0f}, {1.0f, 0.5f, 0.0f})
            .value();
    plan.tensors["per_channel_act"] = pc;

    TensorQuantEntry bias;
    bias.isBias = true;
    bias.params.spec = QuantSpec{32, QuantScheme::Symmetric, true, Granularity::PerChannel, 0};
    bias.params.scale = {1.5e-6f, 2.25e-7f};
    bias.params.zeroPoint = {0, 0};
    bias.params.min = bias.params.max = {0.1f, -0.2f};
    plan.tensors["conv.bias"] = bias;

    TensorQuantEntry passive;
    passive.params.state = TensorQuantState::Passive;
    passive.params.spec = a.params.spec;
    passive.passiveSource = "act/0:x";
    plan.tensors["relu_out"] = passive;

    TensorQuantEntry dyn;
    dyn.dynamic = true;
    dyn.params.spec = QuantSpec{8, QuantScheme::Asymmetric, false};
    plan.tensors["dynamic_act"] = dyn;

    TensorQuantEntry fl;
    fl.params.state = TensorQuantState::Float;
    plan.tensors["logits"] = fl;

    plan.nodes["conv_1"] =
        NodeQuantInfo{"Conv", NodeRegion::Quantizable, OpQuantRule::Weighted, true, true, 4};
    plan.nodes["shape_0"] =
        NodeQuantInfo{"Shape", NodeRegion::NonQuantizable, OpQuantRule::Float, false, false, 0};
    plan.nodes["cast_3"] =
        NodeQuantInfo{"Cast", NodeRegion::Contested, OpQuantRule::Float, false, false, 0};
    plan.nodes["relu_1"] =
        NodeQuantInfo{"Relu", NodeRegion::Quantizable, OpQuantRule::Passive, true, false, 8};
    plan.nodes["add_2"] =
        NodeQuantInfo{"Add", NodeRegion::Quantizable, OpQuantRule::Requantize, true, false, 8};
    return plan;
}

} // namespace

class QuantPlanJsonTest : public QObject {
    Q_OBJECT
private slots:
    void handMadePlanRoundTrips();
    void realPlanRoundTrips();
    void contractKeys();
    void badTablesNameTheField_data();
    void badTablesNameTheField();
};

void QuantPlanJsonTest::handMadePlanRoundTrips() {
    const QuantPlan plan = handMadePlan();
    const std::string json = quantPlanToJson(plan);
    auto back = quantPlanFromJson(json);
    QVERIFY2(back.isOk(), back.message().c_str());
    const std::string diff = comparePlans(plan, *back);
    QVERIFY2(diff.empty(), diff.c_str());
    QCOMPARE(quantPlanToJson(*back), json); // a fixed point: writing what was read changes nothing
}

void QuantPlanJsonTest::realPlanRoundTrips() {
    auto g = importOnnxFile(kShared + "/models/digits_mbv2_bn.onnx");
    QVERIFY(g.isOk());
    auto calib = readNpy(kShared + "/data/digits_calib_x.npy");
    QVERIFY(calib.isOk());
    CalibrationData data;
    data.samples = *calib;
    QuantConfig config;
    config.floatNodes.insert(g->node(g->topoOrder().back()).name);
    auto m = quantizeModel(*g, config, &data);
    QVERIFY2(m.isOk(), m.message().c_str());
    const std::string json = quantPlanToJson(m->plan);
    auto back = quantPlanFromJson(json);
    QVERIFY2(back.isOk(), back.message().c_str());
    const std::string diff = comparePlans(m->plan, *back);
    QVERIFY2(diff.empty(), diff.c_str());
    QCOMPARE(quantPlanToJson(*back), json);
    qInfo("digits_mbv2_bn table: %zu tensors, %zu nodes, %zu bytes", back->tensors.size(),
          back->nodes.size(), json.size());
}

void QuantPlanJsonTest::contractKeys() {
    // DESIGN.md: {"model", "settings": {...}, "tensors": {NAME: {"bits", "scheme", "granularity",
    // "axis", "scale", "zero_point", "min", "max", "state"}}, "nodes": {NAME: {"op", "region",
    // "bits"}}}
    const nlohmann::json j = nlohmann::json::parse(quantPlanToJson(handMadePlan()));
    QVERIFY(j.at("model").is_string());
    QVERIFY(j.at("settings").is_object());
    QCOMPARE(j.at("settings").at("float").size(), size_t(2));
    for (const char* name : {"conv.weight", "act/0:x", "per_channel_act", "conv.bias"}) {
        const auto& t = j.at("tensors").at(name);
        for (const char* key : {"bits", "scheme", "granularity", "axis", "scale", "zero_point",
                                "min", "max", "state"})
            QVERIFY2(t.contains(key), (std::string(name) + " lacks " + key).c_str());
        QCOMPARE(t.at("state").get<std::string>(), std::string("quantized"));
    }
    QCOMPARE(j.at("tensors").at("conv.weight").at("granularity").get<std::string>(),
             std::string("group"));
    QCOMPARE(j.at("tensors").at("conv.weight").at("axis").get<int>(), 1);
    QVERIFY(j.at("tensors").at("act/0:x").at("axis").is_null()); // per tensor
    QCOMPARE(j.at("tensors").at("relu_out").at("state").get<std::string>(), std::string("passive"));
    QCOMPARE(j.at("tensors").at("logits").at("state").get<std::string>(), std::string("float"));
    const auto& node = j.at("nodes").at("cast_3");
    QCOMPARE(node.at("op").get<std::string>(), std::string("Cast"));
    QCOMPARE(node.at("region").get<std::string>(), std::string("contested"));
    QCOMPARE(node.at("bits").get<int>(), 0);
}

void QuantPlanJsonTest::badTablesNameTheField_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("expected"); // a piece of the error message
    QTest::newRow("not json") << "{\"tensors\": "
                              << "not a JSON object";
    QTest::newRow("no tensors") << "{\"model\": \"m\"}"
                                << "tensors";
    QTest::newRow("no state") << R"({"tensors": {"t1": {"bits": 8}}})"
                              << "tensor 't1': missing \"state\"";
    QTest::newRow("unknown state") << R"({"tensors": {"t1": {"state": "half"}}})"
                                   << "tensor 't1': unknown state 'half'";
    QTest::newRow("bits as text") << R"({"tensors": {"t1": {"state": "quantized", "bits": "8"}}})"
                                  << "tensor 't1': \"bits\" has the wrong type";
    // Numbers that would not fit the field's integer type (a float was cast: undefined
    // behaviour found by fuzz_quant_table).
    QTest::newRow("zero point 3e107")
        << R"({"tensors": {"t1": {"state": "quantized", "bits": 8, "scheme": "symmetric",
        "granularity": "tensor", "scale": [0.1], "zero_point": [3.33e107]}}})"
        << "tensor 't1': \"zero_point\" must hold integers in range";
    QTest::newRow("fractional zero point")
        << R"({"tensors": {"t1": {"state": "quantized", "bits": 8, "scheme": "symmetric",
        "granularity": "tensor", "scale": [0.1], "zero_point": [2.5]}}})"
        << "tensor 't1': \"zero_point\" must hold integers in range";
    QTest::newRow("bits beyond int")
        << R"({"tensors": {"t1": {"state": "quantized", "bits": 8589934592}}})"
        << "tensor 't1': \"bits\" must hold integers in range";
    QTest::newRow("zero scale")
        << R"({"tensors": {"t1": {"state": "quantized", "bits": 8, "scheme": "symmetric",
        "granularity": "tensor", "scale": [0.0], "zero_point": [0]}}})"
        << "tensor 't1': scale 0";
    QTest::newRow("count mismatch")
        << R"({"tensors": {"t1": {"state": "quantized", "bits": 8, "scheme": "symmetric",
        "granularity": "channel", "axis": 0, "scale": [0.1, 0.2], "zero_point": [0]}}})"
        << "tensor 't1': 2 scales but 1 zero points";
    QTest::newRow("unknown scheme")
        << R"({"tensors": {"t1": {"state": "quantized", "bits": 8, "scheme": "log2",
        "granularity": "tensor", "scale": [0.1], "zero_point": [0]}}})"
        << "tensor 't1': unknown scheme 'log2'";
    QTest::newRow("unknown granularity") << R"({"tensors": {"t1": {"state": "quantized", "bits": 8,
        "scheme": "symmetric", "granularity": "row", "scale": [0.1], "zero_point": [0]}}})"
                                         << "tensor 't1': unknown granularity 'row'";
    QTest::newRow("unknown rounding") << R"({"tensors": {"t1": {"state": "quantized", "bits": 8,
        "scheme": "symmetric", "granularity": "tensor", "rounding": "stochastic", "scale": [0.1], "zero_point": [0]}}})"
                                      << "tensor 't1': unknown rounding 'stochastic'";
    QTest::newRow("unknown rule")
        << R"({"tensors": {}, "nodes": {"n1": {"op": "Conv", "rule": "magic"}}})"
        << "node 'n1': unknown rule 'magic'";
}

void QuantPlanJsonTest::badTablesNameTheField() {
    QFETCH(QString, json);
    QFETCH(QString, expected);
    auto plan = quantPlanFromJson(json.toStdString());
    QVERIFY(!plan.isOk());
    QCOMPARE(plan.error().code(), ErrorCode::ParseError);
    QVERIFY2(plan.message().find(expected.toStdString()) != std::string::npos,
             plan.message().c_str());
}

QTEST_GUILESS_MAIN(QuantPlanJsonTest)
#include "quant_plan_json_test.moc"
