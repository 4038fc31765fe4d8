// .qsproj: a project written and read back is the same project (paths relative to the project,
// every setting, override and result); a moved project still finds its model; the previous
// version is kept as .bak; corrupt and hand-edited files give warnings naming the field and
// open the rest; files with no project in them are errors; a missing model is reported.
#include "project/project_file.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

using namespace qs;
using nlohmann::json;

namespace {

void writeText(const QString& path, const std::string& text) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(text.data(), qint64(text.size()));
}

std::string readText(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    const QByteArray b = f.readAll();
    return std::string(b.constData(), size_t(b.size()));
}

const char* kAnalyze = R"({"model": "m.onnx", "layers": [{"node": "conv1", "op": "Conv",
 "sqnr_db": 31.5, "cosine": 0.999, "sensitivity_rank": 1, "weight_range_ratio": 4.25,
 "outlier_channels": [2], "suggested_bits": 8}], "accuracy": {"top1": 0.9}})";

const char* kTable = R"({"model": "m.onnx", "settings": {"bits": "8"}, "tensors": {"x": {"state":
 "quantized", "bits": 8, "scheme": "asymmetric", "signed": false, "granularity": "tensor",
 "axis": null, "scale": [0.5], "zero_point": [3], "min": [-1.5], "max": [126.0],
 "role": "activation"}}, "nodes": {"conv1": {"op": "Conv", "region": "quantizable", "rule":
 "weighted", "quantized": true, "fused_activation": false, "bits": 8}}, "notes": []})";

// A project in dir with every field set; the model and data files exist under dir.
Project fullProject(const QString& dir) {
    writeText(dir + QStringLiteral("/models/m.onnx"), "not really onnx");
    writeText(dir + QStringLiteral("/data/calib.npy"), "x");
    Project p;
    p.modelPath = (dir + QStringLiteral("/models/m.onnx")).toStdString();
    p.calibrationPath = (dir + QStringLiteral("/data/calib.npy")).toStdString();
    p.evaluationPath = (dir + QStringLiteral("/data/eval.npy")).toStdString();
    p.labelsPath = (dir + QStringLiteral("/data/labels.npy")).toStdString();
    p.inputName = "x";
    p.maxEvalSamples = 64;
    p.evalBatch = 8;
    p.imageOptions = {{"scale", "1/255"}, {"mean", "0.485, 0.456, 0.406"}, {"layout", "nhwc"}};
    p.quantOptions = {{"bits", "4"},
                      {"granularity", "group:8"},
                      {"cle", ""},
                      {"cle-layers", "conv1,conv2"},
                      {"adaround-layers", "conv2"},
                      {"calib-method", "percentile:99.9"}};
    p.nodeOverrides["conv1"] = ProjectNodeOverride{true, 0};
    p.nodeOverrides["conv2"] = ProjectNodeOverride{false, 6};
    p.selectedNode = "conv2";
    ProjectRunResult run;
    run.layers["conv1"] = ProjectRunLayer{"Conv", true, true, 8, "symmetric", "channel", 27.125};
    run.layers["relu"] = ProjectRunLayer{"Relu", false, false, 0, "", "", std::nullopt};
    run.settings = {"weights: 4-bit"};
    run.notes = {"a note"};
    run.calibrationSamples = 100;
    run.evalSamples = 32;
    run.outputSqnrDb = 19.75;
    run.agreement = 0.96875;
    run.seconds = 1.5;
    run.tensorShapes["y"] = "[N,8]";
    p.run = run;
    p.analyzeJson = json::parse(kAnalyze).dump();
    p.analyze = *analyzeResultFromJson(kAnalyze);
    p.quantTable = *quantPlanFromJson(kTable);
    return p;
}

// A valid minimal project text with one field replaced.
std::string withField(const std::string& key, const json& value) {
    json j{{"signature", "quantscope-project"},
           {"format_version", 1},
           {"model", {{"path", "m.onnx"}}},
           {"quant_options", json::array({json::array({"bits", "6"})})},
           {"preprocessing", {{"max_eval_samples", 16}}}};
    j[key] = value;
    return j.dump();
}

bool anyWarningContains(const ProjectLoad& load, const std::string& a, const std::string& b) {
    for (const std::string& w : load.warnings)
        if (w.find(a) != std::string::npos && w.find(b) != std::string::npos) return true;
    return false;
}

} // namespace

class ProjectFileTest : public QObject {
    Q_OBJECT
private slots:
    void roundTrip();
    void pathsAreRelativeAndSurviveAMove();
    void backupKeepsPreviousVersion();
    void truncatedFiles();
    void wrongTypesOpenTheRest_data();
    void wrongTypesOpenTheRest();
    void versions();
    void notAProject_data();
    void notAProject();
    void missingModel();
    void movedWithoutModelUsesAbsolutePath();
    void absoluteFallbackIsNormalised();
};

void ProjectFileTest::roundTrip() {
    QTemporaryDir dir;
    const Project p = fullProject(dir.path());
    const QString file = dir.filePath(QStringLiteral("a.qsproj"));
    QVERIFY(writeProjectFile(file.toStdString(), p).isOk());
    auto load = readProjectFile(file.toStdString());
    QVERIFY2(load.isOk(), load.message().c_str());
    QVERIFY2(load->warnings.empty(), load->warnings.empty() ? "" : load->warnings[0].c_str());
    QVERIFY(load->modelFound);
    const Project& q = load->project;
    QCOMPARE(q.modelPath, p.modelPath);
    QCOMPARE(q.calibrationPath, p.calibrationPath);
    QCOMPARE(q.evaluationPath, p.evaluationPath);
    QCOMPARE(q.labelsPath, p.labelsPath);
    QCOMPARE(q.inputName, p.inputName);
    QCOMPARE(q.maxEvalSamples, 64);
    QCOMPARE(q.evalBatch, 8);
    QVERIFY(q.imageOptions == p.imageOptions);
    QVERIFY(q.quantOptions == p.quantOptions); // order kept: later options override earlier
    QCOMPARE(q.nodeOverrides.size(), size_t(2));
    QVERIFY(q.nodeOverrides.at("conv1").keepFloat);
    QCOMPARE(q.nodeOverrides.at("conv2").bits, 6);
    QCOMPARE(q.selectedNode, std::string("conv2"));
    QVERIFY(q.run);
    QCOMPARE(q.run->layers.at("conv1").sqnrDb.value(), 27.125);
    QCOMPARE(q.run->layers.at("conv1").granularity, std::string("channel"));
    QVERIFY(!q.run->layers.at("relu").sqnrDb);
    QCOMPARE(q.run->outputSqnrDb.value(), 19.75);
    QCOMPARE(q.run->agreement.value(), 0.96875);
    QCOMPARE(q.run->calibrationSamples, 100);
    QCOMPARE(q.run->tensorShapes.at("y"), std::string("[N,8]"));
    QCOMPARE(q.run->notes, p.run->notes);
    QVERIFY(q.analyze);
    QCOMPARE(q.analyze->layers.size(), size_t(1));
    QCOMPARE(q.analyze->layers[0].sqnrDb.value(), 31.5);
    QCOMPARE(q.analyze->accuracyTop1.value(), 0.9);
    QVERIFY(q.quantTable);
    QCOMPARE(q.quantTable->tensors.at("x").params.scale, std::vector<float>{0.5f});
    QCOMPARE(q.quantTable->tensors.at("x").params.zeroPoint, std::vector<int32_t>{3});
    // Overrides become the command-line options core applies.
    const auto opts = projectQuantOptions(q);
    QVERIFY(std::find(opts.begin(), opts.end(),
                      std::pair<std::string, std::string>("float", "conv1")) != opts.end());
    QVERIFY(std::find(opts.begin(), opts.end(),
                      std::pair<std::string, std::string>("layer-bits", "conv2=6")) != opts.end());
    // Writing what was read gives the same file.
    const QString again = dir.filePath(QStringLiteral("b.qsproj"));
    QVERIFY(writeProjectFile(again.toStdString(), q).isOk());
    QCOMPARE(readText(again), readText(file));
}

void ProjectFileTest::pathsAreRelativeAndSurviveAMove() {
    QTemporaryDir dir;
    const QString projDir = dir.filePath(QStringLiteral("work"));
    const Project p = fullProject(projDir);
    const QString file = projDir + QStringLiteral("/sub/a.qsproj");
    QDir().mkpath(projDir + QStringLiteral("/sub"));
    QVERIFY(writeProjectFile(file.toStdString(), p).isOk());
    const json j = json::parse(readText(file));
    QCOMPARE(j["model"]["path"].get<std::string>(), std::string("../models/m.onnx"));
    QCOMPARE(j["data"]["calibration"].get<std::string>(), std::string("../data/calib.npy"));
    // Move the whole tree: the relative paths follow.
    const QString moved = dir.filePath(QStringLiteral("moved"));
    QVERIFY(QDir().rename(projDir, moved));
    auto load = readProjectFile((moved + QStringLiteral("/sub/a.qsproj")).toStdString());
    QVERIFY(load.isOk());
    QVERIFY(load->modelFound);
    QCOMPARE(load->project.modelPath, (moved + QStringLiteral("/models/m.onnx")).toStdString());
}

void ProjectFileTest::backupKeepsPreviousVersion() {
    QTemporaryDir dir;
    Project p = fullProject(dir.path());
    const QString file = dir.filePath(QStringLiteral("a.qsproj"));
    QVERIFY(writeProjectFile(file.toStdString(), p).isOk());
    QVERIFY(!QFile::exists(file + QStringLiteral(".bak"))); // nothing to back up yet
    const std::string first = readText(file);
    p.selectedNode = "conv1";
    QVERIFY(writeProjectFile(file.toStdString(), p).isOk());
    QCOMPARE(readText(file + QStringLiteral(".bak")), first);
    QVERIFY(readText(file) != first);
    auto load = readProjectFile(file.toStdString());
    QCOMPARE(load->project.selectedNode, std::string("conv1"));
    // No temporary files left behind.
    const QStringList entries = QDir(dir.path()).entryList(QDir::Files);
    for (const QString& e : entries) QVERIFY2(!e.contains(QStringLiteral(".tmp")), qPrintable(e));
}

void ProjectFileTest::truncatedFiles() {
    QTemporaryDir dir;
    const std::string full = projectToJson(fullProject(dir.path()), dir.path().toStdString());
    // Every cut of the file is an error or a project with warnings; never a crash. Cuts inside
    // the JSON are errors naming the cause.
    int errors = 0;
    for (size_t n = 0; n + 1 < full.size(); n += 7) {
        auto load = projectFromJson(full.substr(0, n), dir.path().toStdString());
        if (!load.isOk()) {
            ++errors;
            QVERIFY(!load.message().empty());
        }
    }
    QCOMPARE(errors, int((full.size() - 2) / 7) + 1); // a prefix of a JSON object is never JSON
    auto cut = projectFromJson(full.substr(0, full.size() / 2), dir.path().toStdString());
    QVERIFY(cut.message().find("not valid JSON") != std::string::npos);
}

void ProjectFileTest::wrongTypesOpenTheRest_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("why");
    auto row = [](const char* name, const std::string& text, const char* field, const char* why) {
        QTest::newRow(name) << QString::fromStdString(text) << QString::fromLatin1(field)
                            << QString::fromLatin1(why);
    };
    row("model not object", withField("model", "m.onnx"), "model", "expected an object");
    row("model path number", withField("model", {{"path", 5}}), "model.path", "expected a string");
    row("unknown option",
        withField("quant_options",
                  json::array({json::array({"bitz", "8"}), json::array({"bits", "6"})})),
        "quant_options[0]", "bitz");
    row("bad option value",
        withField("quant_options",
                  json::array({json::array({"bits", "99"}), json::array({"bits", "6"})})),
        "quant_options[0]", "bits");
    row("empty cle-layers node",
        withField("quant_options",
                  json::array({json::array({"cle-layers", "a,,b"}), json::array({"bits", "6"})})),
        "quant_options[0]", "cle-layers");
    row("option not a pair",
        withField("quant_options", json::array({"bits", json::array({"bits", "6"})})),
        "quant_options[0]", "[name, value]");
    row("options not array", withField("quant_options", "bits=8"), "quant_options",
        "expected an array");
    row("batch text", withField("preprocessing", {{"eval_batch", "four"}}),
        "preprocessing.eval_batch", "expected an integer");
    row("batch zero", withField("preprocessing", {{"eval_batch", 0}}), "preprocessing.eval_batch",
        "outside");
    row("image not object", withField("preprocessing", {{"image", "nchw"}}), "preprocessing.image",
        "expected an object");
    row("image value number", withField("preprocessing", {{"image", {{"height", 224}}}}),
        "preprocessing.image.height", "expected a string");
    row("override bits", withField("node_overrides", {{"conv1", {{"bits", 40}}}}),
        "node_overrides.conv1.bits", "");
    row("override float text", withField("node_overrides", {{"conv1", {{"float", "yes"}}}}),
        "node_overrides.conv1.float", "true or false");
    row("analyze layers", withField("results", {{"analyze", {{"layers", 5}}}}), "results.analyze",
        "layers");
    row("analyze rank", withField("results", {{"analyze", json::parse(R"({"layers": [{"node": "a",
        "op": "Conv", "sensitivity_rank": "first", "suggested_bits": 8}]})")}}),
        "results.analyze", "layers[0].sensitivity_rank");
    row("table scale", withField("results", {{"quant_table", json::parse(R"({"tensors": {"x":
        {"state": "quantized", "bits": 8, "scheme": "symmetric", "granularity": "tensor",
        "scale": [-1], "zero_point": [0]}}})")}}),
        "results.quant_table", "scale");
    row("table min beyond float", withField("results", {{"quant_table", json::parse(R"({"tensors":
        {"x": {"state": "quantized", "bits": 8, "scheme": "symmetric", "granularity": "tensor",
        "scale": [1], "zero_point": [0], "min": [-1e39], "max": [1]}}})")}}),
        "results.quant_table", "min");
    row("run sqnr text", withField("results", {{"run", {{"output_sqnr_db", "high"}}}}),
        "results.run.output_sqnr_db", "expected a number");
    row("run layer", withField("results", {{"run", {{"layers", {{"c", 3}}}}}}),
        "results.run.layers.c", "expected an object");
    row("signature", withField("signature", "something-else"), "signature", "quantscope-project");
}

void ProjectFileTest::wrongTypesOpenTheRest() {
    QFETCH(QString, text);
    QFETCH(QString, field);
    QFETCH(QString, why);
    auto load = projectFromJson(text.toStdString(), "/nonexistent");
    QVERIFY2(load.isOk(), load.message().c_str());
    QVERIFY2(anyWarningContains(*load, field.toStdString() + ":", why.toStdString()),
             load->warnings.empty() ? "no warning" : load->warnings[0].c_str());
    // What was right still opens: the model path and the option ["bits", "6"].
    if (field != QLatin1String("model") && field != QLatin1String("model.path"))
        QCOMPARE(load->project.modelPath, std::string("/nonexistent/m.onnx"));
    if (!field.startsWith(QLatin1String("quant_options"))) {
        QCOMPARE(load->project.quantOptions.size(), size_t(1));
    } else if (field != QLatin1String("quant_options")) {
        QCOMPARE(load->project.quantOptions.size(), size_t(1)); // the bad one dropped
        QCOMPARE(load->project.quantOptions[0].second, std::string("6"));
    }
}

void ProjectFileTest::versions() {
    auto newer = projectFromJson(withField("format_version", 7), "/p");
    QVERIFY(newer.isOk());
    QVERIFY(anyWarningContains(*newer, "format_version:", "newer"));
    QCOMPARE(newer->project.quantOptions.size(), size_t(1));
    for (const json& bad : {json("1"), json(0), json(-3), json(1.5), json(nullptr)}) {
        auto r = projectFromJson(withField("format_version", bad), "/p");
        QVERIFY(!r.isOk());
        QVERIFY2(r.message().find("format_version") != std::string::npos, r.message().c_str());
    }
}

void ProjectFileTest::notAProject_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("why");
    QTest::newRow("empty") << ""
                           << "not valid JSON";
    QTest::newRow("array") << "[1, 2]"
                           << "not a JSON object";
    QTest::newRow("no version") << R"({"model": {"path": "m.onnx"}})"
                                << "format_version";
    QTest::newRow("binary") << QString::fromLatin1("\x08\x07onnx\x01") << "not valid JSON";
    QTest::newRow("deep") << QString(100000, QLatin1Char('[')) << "nested deeper";
}

void ProjectFileTest::notAProject() {
    QFETCH(QString, text);
    QFETCH(QString, why);
    auto r = projectFromJson(text.toStdString(), "/p");
    QVERIFY(!r.isOk());
    QVERIFY2(r.message().find(why.toStdString()) != std::string::npos, r.message().c_str());
}

void ProjectFileTest::missingModel() {
    QTemporaryDir dir;
    Project p = fullProject(dir.path());
    const QString file = dir.filePath(QStringLiteral("a.qsproj"));
    QVERIFY(writeProjectFile(file.toStdString(), p).isOk());
    QVERIFY(QFile::remove(dir.filePath(QStringLiteral("models/m.onnx"))));
    auto load = readProjectFile(file.toStdString());
    QVERIFY(load.isOk());
    QVERIFY(!load->modelFound);
    QCOMPARE(load->project.modelPath, p.modelPath); // where it was expected, for the message
    QVERIFY(load->project.run);                     // the rest opens
    auto gone = readProjectFile(dir.filePath(QStringLiteral("nope.qsproj")).toStdString());
    QVERIFY(!gone.isOk());
    QVERIFY(gone.message().find("nope.qsproj") != std::string::npos);
}

void ProjectFileTest::movedWithoutModelUsesAbsolutePath() {
    QTemporaryDir dir;
    const Project p = fullProject(dir.filePath(QStringLiteral("home")));
    const QString file = dir.filePath(QStringLiteral("home/a.qsproj"));
    QVERIFY(writeProjectFile(file.toStdString(), p).isOk());
    QDir().mkpath(dir.filePath(QStringLiteral("elsewhere")));
    const QString moved = dir.filePath(QStringLiteral("elsewhere/a.qsproj"));
    QVERIFY(QFile::copy(file, moved));
    auto load = readProjectFile(moved.toStdString());
    QVERIFY(load.isOk());
    QVERIFY(load->modelFound);
    QCOMPARE(load->project.modelPath, p.modelPath);
    QVERIFY(anyWarningContains(*load, "model.path:", "not found next to the project"));
}

// Found by fuzz_project_file: an absolute fallback spelled with a doubled slash was kept as
// written, and the next save normalised it, so save → open → save changed the file.
void ProjectFileTest::absoluteFallbackIsNormalised() {
    QTemporaryDir dir;
    const QString model = dir.filePath(QStringLiteral("models/m.onnx"));
    writeText(model, "not read");
    const std::string spelled =
        dir.path().toStdString() + "//models/./m.onnx"; // same file, not normal form
    const json j{{"signature", "quantscope-project"},
                 {"format_version", 1},
                 {"model", {{"path", "../gone/m.onnx"}, {"absolute_path", spelled}}}};
    const std::string projectDir = dir.filePath(QStringLiteral("p")).toStdString();
    auto load = projectFromJson(j.dump(), projectDir);
    QVERIFY(load.isOk());
    QCOMPARE(QString::fromStdString(load->project.modelPath), QDir::cleanPath(model));
    const std::string once = projectToJson(load->project, projectDir);
    auto again = projectFromJson(once, projectDir);
    QVERIFY(again.isOk());
    QVERIFY(again->warnings.empty());
    QCOMPARE(projectToJson(again->project, projectDir), once);
}

QTEST_GUILESS_MAIN(ProjectFileTest)
#include "project_file_test.moc"
