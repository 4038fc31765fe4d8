// Interop exports against hand-computed references: TensorRT calibration cache lines (hex of
// the float32 scale bits worked out by hand / with Python's struct), ONNX Runtime
// TensorQuantOverrides keys and values, the per-layer CSV against the analyze JSON's numbers,
// and the Netron attachment's shape.
#include "export/analyze_result.h"
#include "export/layer_exports.h"
#include "export/ort_overrides.h"
#include "export/run_diff.h"
#include "export/trt_calibration_cache.h"

#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>

using namespace qs;
using nlohmann::json;

namespace {

TensorQuantEntry quantized(int bits, QuantScheme scheme, bool isSigned, std::vector<float> scale,
                           std::vector<int32_t> zp, std::vector<float> mn, std::vector<float> mx) {
    TensorQuantEntry e;
    e.params.state = TensorQuantState::Quantized;
    e.params.spec.bits = bits;
    e.params.spec.scheme = scheme;
    e.params.spec.isSigned = isSigned;
    e.params.scale = std::move(scale);
    e.params.zeroPoint = std::move(zp);
    e.params.min = std::move(mn);
    e.params.max = std::move(mx);
    return e;
}

// input: symmetric int8, amax 2.54 -> scale 0.02; conv_out: asymmetric uint8 over [-0.5, 1.27]
// -> TensorRT scale 1.27/127 = 0.01; relu_out: passive, takes conv_out's; w: per-channel int8
// weight; w6: a 6-bit weight; b: bias; f: float.
QuantPlan handPlan() {
    QuantPlan plan;
    plan.model = "hand.onnx";
    plan.tensors["input"] =
        quantized(8, QuantScheme::Symmetric, true, {0.02f}, {0}, {-2.54f}, {2.54f});
    auto conv =
        quantized(8, QuantScheme::Asymmetric, false, {1.77f / 255.0f}, {72}, {-0.5f}, {1.27f});
    plan.tensors["conv_out"] = conv;
    TensorQuantEntry relu;
    relu.params.state = TensorQuantState::Passive;
    relu.passiveSource = "conv_out";
    plan.tensors["relu_out"] = relu;
    auto w = quantized(8, QuantScheme::Symmetric, true, {0.25f, 0.5f, 1.0f}, {0, 0, 0},
                       {-31.75f, -63.5f, -127.f}, {31.75f, 63.5f, 127.f});
    w.isWeight = true;
    w.params.spec.granularity = Granularity::PerChannel;
    w.params.spec.axis = 0;
    plan.tensors["w"] = w;
    auto w6 = quantized(6, QuantScheme::Symmetric, true, {0.1f}, {0}, {-3.1f}, {3.1f});
    w6.isWeight = true;
    plan.tensors["w6"] = w6;
    auto b = quantized(32, QuantScheme::Symmetric, true, {0.005f}, {0}, {-1.f}, {1.f});
    b.isBias = true;
    plan.tensors["b"] = b;
    TensorQuantEntry f;
    f.params.state = TensorQuantState::Float;
    plan.tensors["f"] = f;
    NodeQuantInfo conv1{"Conv", NodeRegion::Quantizable, OpQuantRule::Weighted, true, false, 8};
    NodeQuantInfo head{"Gemm", NodeRegion::Quantizable, OpQuantRule::Weighted, false, false, 0};
    plan.nodes["conv1"] = conv1;
    plan.nodes["head"] = head;
    return plan;
}

// Built as an object (moc cannot scan a raw string holding \" escapes).
const json kAnalyzeObject = {
    {"model", "m.onnx"},
    {"settings", {{"bits", "8"}}},
    {"layers", json::array({json{{"node", "conv,1"},
                                 {"op", "Conv"},
                                 {"sqnr_db", 31.25},
                                 {"cosine", 0.9993},
                                 {"sensitivity_rank", 2},
                                 {"weight_range_ratio", 12.5},
                                 {"outlier_channels", {3, 7}},
                                 {"suggested_bits", 8},
                                 {"depthwise", false},
                                 {"agreement", 1.0},
                                 {"top1", nullptr},
                                 {"outlier_weights", 4},
                                 {"per_tensor_noise_db", -40.125},
                                 {"per_channel_noise_db", -52.5},
                                 {"outlier_rank", 1}},
                            json{{"node", "fc \"head\""},
                                 {"op", "Gemm"},
                                 {"sqnr_db", nullptr},
                                 {"cosine", 0.5},
                                 {"sensitivity_rank", 1},
                                 {"weight_range_ratio", 1.0000001},
                                 {"outlier_channels", json::array()},
                                 {"suggested_bits", 16}}})},
    {"mixed_bits", {{"budget", nullptr}, {"assignment", {{"conv,1", 6}}}}},
    {"accuracy", {{"top1", 0.875}, {"fp32_top1", 0.9}, {"agreement", 0.95}, {"sqnr_db", 20.5}}}};
const std::string kAnalyzeJson = kAnalyzeObject.dump(1);

// Minimal RFC 4180 split of one line (no embedded newlines in these tests).
std::vector<std::string> splitCsv(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                out.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                out.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.emplace_back();
        } else {
            out.back() += c;
        }
    }
    return out;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

} // namespace

class ExportsTest : public QObject {
    Q_OBJECT
private slots:
    void float32HexByHand();
    void trtCacheLines();
    void trtCacheRejectsBadVersion();
    void ortOverridesKeysAndValues();
    void csvRowsMatchJson();
    void netronAttachmentShape();
    void runDiffLayerByLayer();
    void runDiffOfGuiProjects();
    void analyzeReaderNamesBadField_data();
    void analyzeReaderNamesBadField();
};

void ExportsTest::float32HexByHand() {
    // 1.0f = sign 0, exponent 127 (0x7f << 23), mantissa 0 -> 0x3f800000.
    QCOMPARE(float32BitsHex(1.0f), std::string("3f800000"));
    // 0.25f = 2^-2: exponent 125 -> 0x3e800000.
    QCOMPARE(float32BitsHex(0.25f), std::string("3e800000"));
    // 0.02f: Python struct.pack('>f', 0.02).hex() == '3ca3d70a'.
    QCOMPARE(float32BitsHex(0.02f), std::string("3ca3d70a"));
    // Leading zero digits are kept: the smallest normal float 2^-126 = 0x00800000.
    QCOMPARE(float32BitsHex(1.17549435e-38f), std::string("00800000"));
}

void ExportsTest::trtCacheLines() {
    auto cache = tensorRtCalibrationCache(handPlan());
    QVERIFY2(cache.isOk(), cache.message().c_str());
    // conv_out: asymmetric [-0.5, 1.27] -> amax 1.27 -> 1.27/127 = 0.01 -> 3c23d70a (Python:
    // struct.pack('>f', float32(1.27)/127)); relu_out takes conv_out's; weights, bias, float
    // tensors are not in a TensorRT cache.
    const std::string expected = "TRT-8601-EntropyCalibration2\n"
                                 "conv_out: 3c23d70a\n"
                                 "input: 3ca3d70a\n"
                                 "relu_out: 3c23d70a\n";
    QCOMPARE(cache->text, expected);
    QCOMPARE(cache->tensors, 3);
    QCOMPARE(cache->notes.size(), size_t(1)); // conv_out and relu_out converted from asymmetric
    auto v10 = tensorRtCalibrationCache(handPlan(), "100300");
    QVERIFY(v10.isOk());
    QVERIFY(v10->text.rfind("TRT-100300-EntropyCalibration2\n", 0) == 0);
}

void ExportsTest::trtCacheRejectsBadVersion() {
    auto bad = tensorRtCalibrationCache(handPlan(), "8.6\nx");
    QVERIFY(!bad.isOk());
    QVERIFY(bad.message().find("version") != std::string::npos);
}

void ExportsTest::ortOverridesKeysAndValues() {
    const OrtOverridesExport ort = ortTensorQuantOverrides(handPlan());
    const json j = json::parse(ort.json);
    QVERIFY(j.is_object());
    // input, conv_out (own params) and w (per channel); not the bias, the passive relu_out, the
    // float tensor or the 6-bit weight (no ORT QuantType).
    std::vector<std::string> keys;
    for (const auto& [k, v] : j.items()) keys.push_back(k);
    QCOMPARE(keys, (std::vector<std::string>{"conv_out", "input", "w"}));
    QCOMPARE(ort.tensors, 3);
    const json& in = j["input"];
    QCOMPARE(in.size(), size_t(1));
    QCOMPARE(in[0]["quant_type"].get<std::string>(), std::string("QInt8"));
    QCOMPARE(in[0]["scale"].get<float>(), 0.02f);
    QCOMPARE(in[0]["zero_point"].get<int>(), 0);
    QVERIFY(!in[0].contains("axis"));
    const json& conv = j["conv_out"][0];
    QCOMPARE(conv["quant_type"].get<std::string>(), std::string("QUInt8"));
    QCOMPARE(conv["zero_point"].get<int>(), 72);
    QCOMPARE(conv["scale"].get<float>(), 1.77f / 255.0f);
    // ORT refuses these beside scale + zero_point.
    for (const auto& [k, list] : j.items())
        for (const json& d : list)
            for (const char* banned : {"symmetric", "reduce_range", "rmin", "rmax"})
                QVERIFY2(!d.contains(banned), banned);
    const json& w = j["w"];
    QCOMPARE(w.size(), size_t(3)); // one dictionary per channel
    QCOMPARE(w[0]["axis"].get<int>(), 0);
    QCOMPARE(w[0]["quant_type"].get<std::string>(), std::string("QInt8"));
    QCOMPARE(w[1]["scale"].get<float>(), 0.5f);
    QCOMPARE(w[2]["scale"].get<float>(), 1.0f);
    QCOMPARE(ort.floatNodes, std::vector<std::string>{"head"});
    bool noted6 = false;
    for (const std::string& n : ort.notes) noted6 |= n.find("bit width") != std::string::npos;
    QVERIFY(noted6);
    // Tensors the model given to ORT does not have (BN-folded weights) are left out, counted.
    const std::set<std::string> inModel{"input", "conv_out", "relu_out"};
    const OrtOverridesExport filtered = ortTensorQuantOverrides(handPlan(), &inModel);
    QCOMPARE(filtered.tensors, 2);
    QVERIFY(!json::parse(filtered.json).contains("w"));
    bool notedFolded = false;
    for (const std::string& n : filtered.notes)
        notedFolded |= n.find("2 tensor(s) exist only") != std::string::npos;
    QVERIFY(notedFolded);
    QCOMPARE(std::string(ortQuantTypeName(16, false)), std::string("QUInt16"));
    QCOMPARE(std::string(ortQuantTypeName(4, true)), std::string("QInt4"));
    QVERIFY(ortQuantTypeName(6, true) == nullptr);
}

void ExportsTest::csvRowsMatchJson() {
    auto result = analyzeResultFromJson(kAnalyzeJson);
    QVERIFY2(result.isOk(), result.message().c_str());
    const std::vector<std::string> rows = lines(analyzeLayersCsv(*result));
    QCOMPARE(rows.size(), size_t(3)); // header + one per layer
    QCOMPARE(rows[0], std::string(kAnalyzeCsvHeader));
    const json& ref = kAnalyzeObject;
    const auto header = splitCsv(rows[0]);
    for (size_t i = 0; i < 2; ++i) {
        const auto f = splitCsv(rows[i + 1]);
        QCOMPARE(f.size(), header.size());
        const json& r = ref["layers"][i];
        QCOMPARE(f[0], r["node"].get<std::string>()); // quoting undone: comma, quotes
        QCOMPARE(f[1], r["op"].get<std::string>());
        for (size_t c : {2, 3, 5}) { // sqnr_db, cosine, weight_range_ratio
            const json& v = r[header[c]];
            if (v.is_null())
                QCOMPARE(f[c], std::string());
            else
                QCOMPARE(std::stod(f[c]), v.get<double>());
        }
        QCOMPARE(std::stoi(f[4]), r["sensitivity_rank"].get<int>());
        QCOMPARE(std::stoi(f[7]), r["suggested_bits"].get<int>());
    }
    const auto f1 = splitCsv(rows[1]);
    QCOMPARE(f1[6], std::string("3 7"));
    QCOMPARE(f1[10], std::string()); // top1 null
    QCOMPARE(f1[12], std::string("-40.125"));
}

void ExportsTest::netronAttachmentShape() {
    auto result = analyzeResultFromJson(kAnalyzeJson);
    QVERIFY(result.isOk());
    const QuantPlan plan = handPlan();
    const json j = json::parse(netronAttachmentJson(*result, &plan));
    QCOMPARE(j["signature"].get<std::string>(), std::string("netron:attachment"));
    QVERIFY(j["metadata"].is_array());
    std::map<std::string, std::map<std::string, json>> byNode;
    for (const json& m : j["metrics"]) {
        for (const char* key : {"kind", "target", "name", "value", "type"})
            QVERIFY2(m.contains(key), key);
        QVERIFY(!m["value"].is_null());
        if (m["kind"] == "node")
            byNode[m["target"].get<std::string>()][m["name"].get<std::string>()] = m["value"];
    }
    QCOMPARE(byNode["conv,1"]["quantscope.sqnr_db"].get<double>(), 31.25);
    QCOMPARE(byNode["conv,1"]["quantscope.outlier_channels"].get<int>(), 2);
    QVERIFY(!byNode["fc \"head\""].count("quantscope.sqnr_db")); // null left out
    QCOMPARE(byNode["fc \"head\""]["quantscope.sensitivity_rank"].get<int>(), 1);
    QCOMPARE(byNode["conv1"]["quantscope.bits"].get<int>(), 8); // from the plan
}

void ExportsTest::runDiffLayerByLayer() {
    RunSnapshot a;
    a.source = "a.json";
    a.model = "m.onnx";
    a.settings = {{"bits", "8"}, {"cle", "false"}};
    a.analyze = *analyzeResultFromJson(kAnalyzeJson);
    a.plan = handPlan();
    RunSnapshot b = a;
    b.source = "b.json";
    b.settings = {{"bits", "4"}, {"cle", "false"}};
    b.analyze->layers[0].sqnrDb = 25.25; // was 31.25
    b.analyze->layers[0].sensitivityRank = 1;
    b.plan->tensors["input"].params.scale = {0.05f}; // was 0.02: ratio 2.5
    b.plan->tensors["w"].params.spec.bits = 4;
    b.plan->nodes["conv1"].bits = 4;
    const RunDiff d = diffRuns(a, b);
    QVERIFY(d.sameModel);
    QCOMPARE(d.settings.size(), size_t(1));
    QCOMPARE(d.settings[0].key, std::string("bits"));
    QCOMPARE(d.settings[0].a, std::string("8"));
    QCOMPARE(d.settings[0].b, std::string("4"));
    // Analysis rows first (conv,1 and fc "head"), then the plan's weighted nodes (conv1, head).
    QCOMPARE(d.layers.size(), size_t(4));
    const LayerDiff& l0 = d.layers[0];
    QCOMPARE(l0.node, std::string("conv,1"));
    QCOMPARE(l0.sqnrDbDelta().value(), -6.0);
    QCOMPARE(l0.sensitivityRankA.value(), 2);
    QCOMPARE(l0.sensitivityRankB.value(), 1);
    QVERIFY(!d.layers[1].sqnrDbDelta()); // null SQNR on both sides
    const LayerDiff& conv1 = d.layers[2];
    QCOMPARE(conv1.node, std::string("conv1"));
    QCOMPARE(conv1.bitsA.value(), 8);
    QCOMPARE(conv1.bitsB.value(), 4);
    // Only the two tensors that changed.
    QCOMPARE(d.tensors.size(), size_t(2));
    QCOMPARE(d.tensors[0].tensor, std::string("input"));
    QVERIFY(std::fabs(d.tensors[0].maxScaleRatio.value() - 2.5) < 1e-6);
    QCOMPARE(d.tensors[1].tensor, std::string("w"));
    QCOMPARE(d.tensors[1].bitsB, 4);
    const json j = json::parse(runDiffToJson(d));
    QCOMPARE(j["layers"][0]["sqnr_db_delta"].get<double>(), -6.0);
    QCOMPARE(j["tensors"].size(), size_t(2));
    QVERIFY(j["accuracy"]["top1_a"].get<double>() == 0.875);
}

// Projects saved by the GUI hold a run (per-node output SQNR, bits) and command-line options.
void ExportsTest::runDiffOfGuiProjects() {
    QTemporaryDir dir;
    auto save = [&](const char* name, int bits, double sqnr, double output) {
        Project p;
        p.modelPath = dir.filePath(QStringLiteral("m.onnx")).toStdString();
        p.quantOptions = {{"bits", std::to_string(bits)}, {"granularity", "channel"}};
        ProjectRunResult run;
        run.layers["conv1"] =
            ProjectRunLayer{"Conv", true, true, bits, "symmetric", "channel", sqnr};
        run.layers["relu"] = ProjectRunLayer{"Relu", false, false, 0, "", "", std::nullopt};
        run.outputSqnrDb = output;
        run.agreement = 1.0;
        p.run = run;
        const std::string path = dir.filePath(QString::fromLatin1(name)).toStdString();
        if (!writeProjectFile(path, p).isOk()) return std::string();
        return path;
    };
    const std::string a = save("a.qsproj", 8, 30.5, 25.0), b = save("b.qsproj", 4, 18.25, 12.5);
    QVERIFY(!a.empty() && !b.empty());
    auto sa = readRunSnapshot(a), sb = readRunSnapshot(b);
    QVERIFY2(sa.isOk(), sa.message().c_str());
    QVERIFY(sb.isOk());
    const RunDiff d = diffRuns(*sa, *sb);
    QVERIFY(d.sameModel);
    QCOMPARE(d.settings.size(), size_t(1)); // bits; granularity is the same
    QCOMPARE(d.settings[0].a, std::string("8"));
    QCOMPARE(d.layers.size(), size_t(1)); // conv1; relu is not in the quantized graph
    QCOMPARE(d.layers[0].runSqnrDbA.value(), 30.5);
    QCOMPARE(d.layers[0].runSqnrDbB.value(), 18.25);
    QCOMPARE(d.layers[0].bitsB.value(), 4);
    QCOMPARE(d.runOutputSqnrDbB.value(), 12.5);
    // A project without any results is refused, naming the file.
    Project empty;
    empty.modelPath = "m.onnx";
    const std::string e = dir.filePath(QStringLiteral("e.qsproj")).toStdString();
    QVERIFY(writeProjectFile(e, empty).isOk());
    auto se = readRunSnapshot(e);
    QVERIFY(!se.isOk());
    QVERIFY(se.message().find("e.qsproj") != std::string::npos);
}

void ExportsTest::analyzeReaderNamesBadField_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("field");
    QTest::newRow("not json") << "{\"layers\": ["
                              << "not valid JSON";
    QTest::newRow("no layers") << "{}"
                               << "layers";
    QTest::newRow("rank as text")
        << R"({"layers": [{"node": "a", "op": "Conv", "sensitivity_rank": "1", "suggested_bits": 8}]})"
        << "layers[0].sensitivity_rank";
    QTest::newRow("sqnr as text")
        << R"({"layers": [{"node": "a", "op": "Conv", "sqnr_db": "x", "sensitivity_rank": 1, "suggested_bits": 8}]})"
        << "layers[0].sqnr_db";
    QTest::newRow("channels")
        << R"({"layers": [{"node": "a", "op": "C", "sensitivity_rank": 1, "suggested_bits": 8, "outlier_channels": [1.5]}]})"
        << "layers[0].outlier_channels";
}

void ExportsTest::analyzeReaderNamesBadField() {
    QFETCH(QString, text);
    QFETCH(QString, field);
    auto r = analyzeResultFromJson(text.toStdString());
    QVERIFY(!r.isOk());
    QVERIFY2(r.message().find(field.toStdString()) != std::string::npos, r.message().c_str());
}

QTEST_GUILESS_MAIN(ExportsTest)
#include "exports_test.moc"
