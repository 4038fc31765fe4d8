// ONNX Runtime interop: our exported models run in ONNX Runtime (onnxruntime-node, through
// tests/tools/ort_run.js) and agree with our engine.
// - fp32: exportOnnxFile of the unquantized graph (as imported, and ppocr_cls raised to opset
//   13) in ORT matches our fp32 executor to 1e-4 relative to the output's largest magnitude.
// - QDQ: exportQdqModel of quantizeModel's plan (default QuantConfig: int8 per-channel weights,
//   uint8 per-tensor activations; and a few other settings on digits) in ORT against our Simulator:
//   the same top-1 on ≥ 99% of the samples and SQNR ≥ 35 dB (ORT runs integer kernels, QLinearConv
//   etc., whose requantization rounds differently from fake quantization: a step here and there,
//   never more).
// Without node or tests/tools/node_modules the ORT cases are skipped with the install command;
// CI installs both (.ci/install-deps.sh).
#include "core/quant/concat_graph.h"
#include "exec/executor.h"
#include "io/npy.h"
#include "onnx/onnx_exporter.h"
#include "onnx/onnx_importer.h"
#include "onnx/opset_upgrade.h"
#include "quant/quant_config.h"
#include "quant/quantizer.h"
#include "quant/simulator.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <cstring>

using namespace qs;

namespace {

const std::string kShared = QS_SHARED_DIR;
const QString kNode = QStringLiteral(QS_NODE_EXECUTABLE);
const QString kToolsDir = QStringLiteral(QS_TEST_TOOLS_DIR);
const char* const kInstallHint =
    "ONNX Runtime for Node is not installed; run: apt-get install nodejs npm && "
    "cd tests/tools && npm install --ignore-scripts --no-audit --no-fund";

Tensor firstSamples(const Tensor& x, int64_t n) {
    Shape s = x.shape();
    s[0] = std::min(n, s[0]);
    Tensor t(x.dtype(), s);
    std::memcpy(t.rawData(), x.rawData(), t.byteSize());
    return t;
}

// Runs `model` in ONNX Runtime on one input; outputs by name. Errors as text in `error`.
std::map<std::string, Tensor> runOrt(const QString& model, const std::string& inputName,
                                     const Tensor& input, QString* error) {
    QTemporaryDir dir;
    const QString in = dir.filePath(QStringLiteral("input.npy"));
    if (Status st = writeNpy(in.toStdString(), input); !st) {
        *error = QString::fromStdString(st.message());
        return {};
    }
    QProcess node;
    node.start(kNode, {kToolsDir + QStringLiteral("/ort_run.js"), model,
                       QString::fromStdString(inputName) + QLatin1Char('=') + in,
                       dir.filePath(QStringLiteral("out"))});
    if (!node.waitForFinished(600000) || node.exitStatus() != QProcess::NormalExit ||
        node.exitCode() != 0) {
        *error = QStringLiteral("ort_run.js failed: ") +
                 QString::fromLocal8Bit(node.readAllStandardError());
        node.kill();
        return {};
    }
    const QJsonObject outputs = QJsonDocument::fromJson(node.readAllStandardOutput())
                                    .object()
                                    .value(QStringLiteral("outputs"))
                                    .toObject();
    std::map<std::string, Tensor> result;
    for (auto it = outputs.begin(); it != outputs.end(); ++it) {
        auto t =
            readNpy(it.value().toObject().value(QStringLiteral("file")).toString().toStdString());
        if (!t) {
            *error = QString::fromStdString(t.message());
            return {};
        }
        result[it.key().toStdString()] = std::move(t).value();
    }
    if (result.empty()) *error = QStringLiteral("ort_run.js wrote no outputs");
    return result;
}

// max |a − r| / max |r|
double maxRelativeError(const Tensor& a, const Tensor& r) {
    const auto va = a.toFloatVector(), vr = r.toFloatVector();
    double maxRef = 0, maxDiff = 0;
    for (size_t i = 0; i < vr.size(); ++i) {
        maxRef = std::max(maxRef, double(std::fabs(vr[i])));
        maxDiff = std::max(maxDiff, double(std::fabs(va[i] - vr[i])));
    }
    return maxRef > 0 ? maxDiff / maxRef : maxDiff;
}

// 10·log10(Σ r² / Σ (t − r)²) over all elements; +inf when identical.
double sqnrDb(const Tensor& reference, const Tensor& test) {
    const auto r = reference.toFloatVector(), t = test.toFloatVector();
    double signal = 0, noise = 0;
    for (size_t i = 0; i < r.size(); ++i) {
        signal += double(r[i]) * double(r[i]);
        noise += (double(t[i]) - double(r[i])) * (double(t[i]) - double(r[i]));
    }
    return noise > 0 ? 10.0 * std::log10(signal / noise) : INFINITY;
}

std::vector<int64_t> argmaxRows(const Tensor& logits) {
    const int64_t n = logits.dim(0), c = logits.numel() / std::max<int64_t>(1, logits.dim(0));
    const auto v = logits.toFloatVector();
    std::vector<int64_t> out;
    for (int64_t i = 0; i < n; ++i) {
        const float* row = v.data() + i * c;
        out.push_back(std::max_element(row, row + c) - row);
    }
    return out;
}

double fractionEqual(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
    int64_t same = 0;
    for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
    return a.empty() ? 0.0 : double(same) / double(a.size());
}

} // namespace

class OrtInteropTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void fp32ExportMatchesExecutor_data();
    void fp32ExportMatchesExecutor();
    void qdqMatchesSimulator_data();
    void qdqMatchesSimulator();
    void alignedConcatQdqMatchesSimulator();

private:
    bool m_haveOrt = false;
    QTemporaryDir m_dir;
};

void OrtInteropTest::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_haveOrt = !kNode.isEmpty() && !kNode.endsWith(QStringLiteral("NOTFOUND")) &&
                QFileInfo(kNode).isExecutable() &&
                QFileInfo::exists(kToolsDir +
                                  QStringLiteral("/node_modules/onnxruntime-node/package.json"));
    if (!m_haveOrt) qWarning("%s", kInstallHint);
}

void OrtInteropTest::fp32ExportMatchesExecutor_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("data");
    QTest::addColumn<int>("upgradeTo"); // 0: export as imported
    QTest::newRow("digits_mbv2_bn") << "models/digits_mbv2_bn.onnx"
                                    << "data/digits_test_x.npy" << 0;
    QTest::newRow("ppocr_cls") << "models/ppocr_cls.onnx"
                               << "data/textlines_x.npy" << 0;
    QTest::newRow("ppocr_cls opset 13") << "models/ppocr_cls.onnx"
                                        << "data/textlines_x.npy" << 13;
}

void OrtInteropTest::fp32ExportMatchesExecutor() {
    if (!m_haveOrt) QSKIP(kInstallHint);
    QFETCH(QString, model);
    QFETCH(QString, data);
    QFETCH(int, upgradeTo);
    auto g = importOnnxFile(kShared + "/" + model.toStdString());
    QVERIFY2(g.isOk(), g.message().c_str());
    if (upgradeTo) {
        auto up = upgradeOpset(*g, upgradeTo);
        QVERIFY2(up.isOk(), up.message().c_str());
        g = std::move(up).value();
    }
    const QString path = m_dir.filePath(
        QStringLiteral("fp32_%1.onnx").arg(QTest::currentDataTag()).replace(' ', '_'));
    Status st = exportOnnxFile(*g, path.toStdString());
    QVERIFY2(st.isOk(), st.message().c_str());

    auto x = readNpy(kShared + "/" + data.toStdString());
    QVERIFY(x.isOk());
    const std::string inputName = g->value(g->inputs()[0]).name;
    auto ex = Executor::create(*g);
    QVERIFY2(ex.isOk(), ex.message().c_str());
    auto ours = (*ex)->run({{inputName, *x}});
    QVERIFY2(ours.isOk(), ours.message().c_str());
    QString error;
    const auto ort = runOrt(path, inputName, *x, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(ort.size(), ours->outputs.size());
    for (const auto& [name, t] : ours->outputs) {
        QVERIFY2(ort.count(name), name.c_str());
        QCOMPARE(ort.at(name).shape(), t.shape());
        const double err = maxRelativeError(t, ort.at(name));
        qInfo("%s fp32 export: ORT vs our executor, output %s: max rel. error %.3g",
              qPrintable(QTest::currentDataTag()), name.c_str(), err);
        QVERIFY2(err <= 1e-4, qPrintable(QStringLiteral("relative error %1").arg(err)));
    }
}

void OrtInteropTest::qdqMatchesSimulator_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("calib");
    QTest::addColumn<int>("calibSamples");
    QTest::addColumn<QString>("data");
    QTest::addColumn<QString>("labels");
    QTest::addColumn<QString>("options"); // QUANT OPTIONS without dashes, space-separated
    const QString digits = QStringLiteral("models/digits_mbv2_bn.onnx");
    const QString calib = QStringLiteral("data/digits_calib_x.npy");
    const QString test = QStringLiteral("data/digits_test_x.npy");
    const QString labels = QStringLiteral("data/digits_test_y.npy");
    QTest::newRow("digits_mbv2_bn") << digits << calib << 128 << test << labels << "";
    QTest::newRow("ppocr_cls") << "models/ppocr_cls.onnx"
                               << "data/textlines_x.npy" << 32 << "data/textlines_x.npy"
                               << "data/textlines_y.npy"
                               << "";
    // Other forms the export takes: int8 activations with the Clip to [-127, 127] and per-tensor
    // weights; 4-bit weights in an int8 container; per-group scales expanded per channel (weight
    // only: with per-group weights the plan keeps the bias float, and ONNX Runtime then quantizes
    // that bias itself, which the Simulator does not do); DynamicQuantizeLinear.
    QTest::newRow("digits symmetric, per-tensor")
        << digits << calib << 128 << test << labels << "scheme=symmetric granularity=tensor";
    QTest::newRow("digits 4-bit weights") << digits << calib << 128 << test << labels << "bits=4";
    QTest::newRow("digits 4-bit group:4 weight-only")
        << digits << calib << 128 << test << labels
        << "bits=4 granularity=group:4 act-mode=weight-only";
    QTest::newRow("digits dynamic")
        << digits << calib << 128 << test << labels << "act-mode=dynamic";
    // Scale alignment on: PP-OCR's only Concat builds a shape (float region), so the plan keeps
    // its numbers; the export must still run. The tiny Concat graph below exercises alignment.
    QTest::newRow("ppocr_cls align-concat")
        << "models/ppocr_cls.onnx"
        << "data/textlines_x.npy" << 32 << "data/textlines_x.npy"
        << "data/textlines_y.npy"
        << "align-concat";
}

// The Concat graph of the scale-alignment test with aligned scales (hand ranges; union [-2, 12]
// for c, y1 and y3), exported as QDQ: ONNX Runtime's outputs against the Simulator's, to within
// one quantization step of each output (ORT may run QLinearConcat/QLinearConv, which round once
// in the integer domain where fake quantization rounds in float).
void OrtInteropTest::alignedConcatQdqMatchesSimulator() {
    if (!m_haveOrt) QSKIP(kInstallHint);
    Graph g = testing::makeConcatGraph();
    QVERIFY(g.finalize().isOk());
    QuantConfig config;
    config.alignConcatScales = true;
    const std::map<std::string, ClipRange> ranges{{"x", {-1.0f, 1.0f}},
                                                  {"y1", {-2.0f, 6.0f}},
                                                  {"y3", {0.0f, 12.0f}},
                                                  {"c", {-1.5f, 10.0f}},
                                                  {"z", {-1.0f, 1.0f}}};
    auto plan = buildQuantPlan(g, config, ranges);
    QVERIFY2(plan.isOk(), plan.message().c_str());
    QCOMPARE(plan->tensor("y3")->alignedWith, std::string("c"));
    const QString path = m_dir.filePath(QStringLiteral("qdq_aligned_concat.onnx"));
    QVERIFY(exportQdqModel(g, *plan, path.toStdString()).isOk());
    auto sim = Simulator::create(g, *plan);
    QVERIFY2(sim.isOk(), sim.message().c_str());
    const Tensor x = Tensor::fromVector<float>(
        {1, 2, 2, 2}, {0.93f, -0.41f, 0.17f, -1.0f, 0.66f, 0.0f, 1.0f, 0.29f});
    auto simOut = (*sim)->run({{"x", x}});
    QVERIFY2(simOut.isOk(), simOut.message().c_str());
    QString error;
    const auto ort = runOrt(path, "x", x, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    for (const auto& [name, step] :
         {std::pair<std::string, float>{"c", 14.0f / 255.0f}, {"z", 2.0f / 255.0f}}) {
        QVERIFY2(ort.count(name), name.c_str());
        const auto a = ort.at(name).toFloatVector(), b = simOut->outputs.at(name).toFloatVector();
        QCOMPARE(a.size(), b.size());
        float worst = 0;
        for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
        qInfo("aligned Concat graph, output %s: ORT vs simulator max |diff| %.3g (%.2f steps)",
              name.c_str(), double(worst), double(worst / step));
        QVERIFY2(worst <= step * 1.001f, name.c_str());
    }
}

void OrtInteropTest::qdqMatchesSimulator() {
    if (!m_haveOrt) QSKIP(kInstallHint);
    QFETCH(QString, model);
    QFETCH(QString, calib);
    QFETCH(int, calibSamples);
    QFETCH(QString, data);
    QFETCH(QString, labels);
    QFETCH(QString, options);
    QuantConfig config;
    for (const QString& option : options.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const auto kv = option.split(QLatin1Char('='));
        Status st = applyQuantOption(config, kv[0].toStdString(),
                                     kv.size() > 1 ? kv[1].toStdString() : std::string());
        QVERIFY2(st.isOk(), st.message().c_str());
    }
    auto g = importOnnxFile(kShared + "/" + model.toStdString());
    QVERIFY2(g.isOk(), g.message().c_str());
    auto c = readNpy(kShared + "/" + calib.toStdString());
    auto x = readNpy(kShared + "/" + data.toStdString());
    auto y = readNpy(kShared + "/" + labels.toStdString());
    QVERIFY(c.isOk() && x.isOk() && y.isOk());

    CalibrationData calibration;
    calibration.samples = firstSamples(*c, calibSamples);
    auto m = quantizeModel(*g, config, &calibration);
    QVERIFY2(m.isOk(), m.message().c_str());
    const QString path =
        m_dir.filePath(QStringLiteral("qdq_%1.onnx")
                           .arg(QString::fromLatin1(QTest::currentDataTag()).replace(' ', '_')));
    QdqExportReport report;
    Status st = exportQdqModel(m->graph, m->plan, path.toStdString(), &report);
    QVERIFY2(st.isOk(), st.message().c_str());
    qInfo("%s: QDQ export, opset %lld -> %lld, %d weights, %d biases, %d activations",
          qPrintable(QTest::currentDataTag()), (long long)report.opsetBefore,
          (long long)report.opsetAfter, report.quantizedWeights, report.quantizedBiases,
          report.quantizedActivations);
    for (const auto& note : report.notes) qInfo("  %s", note.c_str());
    QVERIFY(report.quantizedWeights > 0);

    const std::string inputName = g->value(g->inputs()[0]).name;
    auto sim = Simulator::create(m->graph, m->plan);
    QVERIFY2(sim.isOk(), sim.message().c_str());
    auto simOut = (*sim)->run({{inputName, *x}});
    QVERIFY2(simOut.isOk(), simOut.message().c_str());
    auto fp32 = Executor::create(*g);
    QVERIFY(fp32.isOk());
    auto fp32Out = (*fp32)->run({{inputName, *x}});
    QVERIFY2(fp32Out.isOk(), fp32Out.message().c_str());
    QString error;
    const auto ort = runOrt(path, inputName, *x, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    QCOMPARE(simOut->outputs.size(), size_t(1));
    const std::string out = simOut->outputs.begin()->first;
    QVERIFY2(ort.count(out), out.c_str());
    const Tensor& simY = simOut->outputs.at(out);
    const Tensor& ortY = ort.at(out);
    QCOMPARE(ortY.shape(), simY.shape());

    const auto truth = y->toInt64Vector();
    const auto simTop = argmaxRows(simY), ortTop = argmaxRows(ortY),
               fpTop = argmaxRows(fp32Out->outputs.at(out));
    const double agreement = fractionEqual(ortTop, simTop);
    const double sqnr = sqnrDb(simY, ortY);
    qInfo("%s: top-1 fp32 %.4f, simulator %.4f, ORT QDQ %.4f; ORT vs simulator: same top-1 %.4f "
          "(%lld of %zu differ), "
          "SQNR %.2f dB; simulator vs fp32 SQNR %.2f dB",
          qPrintable(QTest::currentDataTag()), fractionEqual(fpTop, truth),
          fractionEqual(simTop, truth), fractionEqual(ortTop, truth), agreement,
          (long long)std::llround((1.0 - agreement) * double(simTop.size())), simTop.size(), sqnr,
          sqnrDb(fp32Out->outputs.at(out), simY));
    QVERIFY2(agreement >= 0.99, qPrintable(QStringLiteral("top-1 agreement %1").arg(agreement)));
    QVERIFY2(sqnr >= 35.0, qPrintable(QStringLiteral("SQNR %1 dB").arg(sqnr)));
}

QTEST_GUILESS_MAIN(OrtInteropTest)
#include "ort_interop_test.moc"
