// quantscope-cli analyze as a script drives it: the DESIGN.md JSON contract, one row per
// quantizable layer, sane numbers, the repairs visible in the accuracy block, usage errors.
#include "cli_process.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <set>

namespace {

const QString kShared = QStringLiteral(QS_SHARED_DIR);

QJsonObject analyze(const QString& model, const QStringList& extra, const QString& jsonPath) {
    QStringList args{
        QStringLiteral("analyze"),   kShared + QStringLiteral("/models/") + model,
        QStringLiteral("--calib"),   kShared + QStringLiteral("/data/digits_calib_x.npy"),
        QStringLiteral("--data"),    kShared + QStringLiteral("/data/digits_test_x.npy"),
        QStringLiteral("--labels"),  kShared + QStringLiteral("/data/digits_test_y.npy"),
        QStringLiteral("--threads"), QStringLiteral("2"),
        QStringLiteral("--json"),    jsonPath};
    args += extra;
    const CliResult r = runCli(args);
    if (r.exitCode != 0) qWarning("%s", qPrintable(r.err));
    if (r.exitCode != 0) return {};
    QFile f(jsonPath);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

} // namespace

class AnalyzeCliTest : public QObject {
    Q_OBJECT
private slots:
    void jsonContractOnImbalancedModel();
    void cleAndBiasCorrectionOptions();
    void usageErrors();
};

void AnalyzeCliTest::jsonContractOnImbalancedModel() {
    QTemporaryDir dir;
    const QJsonObject j = analyze(QStringLiteral("digits_mbv1_imb.onnx"),
                                  {QStringLiteral("--granularity"), QStringLiteral("tensor")},
                                  dir.filePath(QStringLiteral("a.json")));
    QVERIFY(!j.isEmpty());
    const QJsonArray layers = j.value(QStringLiteral("layers")).toArray();
    QCOMPARE(layers.size(), 12); // 11 Conv + the Gemm
    std::set<int> ranks;
    int depthwiseAmongWorstOutliers = 0;
    for (const QJsonValue& v : layers) {
        const QJsonObject row = v.toObject();
        for (const char* key : {"node", "op", "sqnr_db", "cosine", "sensitivity_rank",
                                "weight_range_ratio", "outlier_channels", "suggested_bits"})
            QVERIFY2(row.contains(QLatin1String(key)), key);
        QVERIFY(row.value(QStringLiteral("sqnr_db")).isDouble());
        const double cosine = row.value(QStringLiteral("cosine")).toDouble();
        QVERIFY(cosine > -1.0001 && cosine < 1.0001);
        QVERIFY(row.value(QStringLiteral("weight_range_ratio")).toDouble() >= 1.0);
        ranks.insert(row.value(QStringLiteral("sensitivity_rank")).toInt());
        const int bits = row.value(QStringLiteral("suggested_bits")).toInt();
        QVERIFY(bits >= 2 && bits <= 16);
        if (row.value(QStringLiteral("outlier_rank")).toInt() <= 5 &&
            row.value(QStringLiteral("depthwise")).toBool())
            ++depthwiseAmongWorstOutliers;
    }
    QCOMPARE(int(ranks.size()), 12);
    QCOMPARE(*ranks.begin(), 1);
    QCOMPARE(*ranks.rbegin(), 12);
    QCOMPARE(depthwiseAmongWorstOutliers, 5);
    const QJsonObject acc = j.value(QStringLiteral("accuracy")).toObject();
    QCOMPARE(acc.value(QStringLiteral("samples")).toInt(), 500);
    QVERIFY(std::fabs(acc.value(QStringLiteral("fp32_top1")).toDouble() - 0.996) < 1e-9);
    QVERIFY(acc.value(QStringLiteral("top1")).toDouble() < 0.3); // per-tensor collapse
    const QJsonObject mixed = j.value(QStringLiteral("mixed_bits")).toObject();
    QVERIFY(mixed.value(QStringLiteral("within_budget")).toBool());
    QCOMPARE(mixed.value(QStringLiteral("assignment")).toObject().size(), 12);
    QVERIFY(mixed.value(QStringLiteral("pareto")).toArray().size() >= 5);
    QVERIFY(mixed.value(QStringLiteral("measured"))
                .toObject()
                .value(QStringLiteral("sqnr_db"))
                .isDouble() ||
            mixed.value(QStringLiteral("measured"))
                .toObject()
                .value(QStringLiteral("sqnr_db"))
                .isNull());
    QVERIFY(j.value(QStringLiteral("error_propagation")).toArray().size() > 12);
    // Calibrator comparison: every calibrated activation, four methods, min-max (configured)
    // marked current, each with a range, an MSE and an output SQNR.
    const QJsonObject cc = j.value(QStringLiteral("calibrator_comparison")).toObject();
    QCOMPARE(cc.value(QStringLiteral("samples")).toInt(), 4);
    const QJsonArray ccTensors = cc.value(QStringLiteral("tensors")).toArray();
    QVERIFY(ccTensors.size() >= 12);
    for (const QJsonValue& v : ccTensors) {
        const QJsonArray choices = v.toObject().value(QStringLiteral("choices")).toArray();
        QCOMPARE(choices.size(), 4);
        const QJsonObject mm = choices[0].toObject();
        QCOMPARE(mm.value(QStringLiteral("method")).toString(), QStringLiteral("minmax"));
        QVERIFY(mm.value(QStringLiteral("current")).toBool());
        QCOMPARE(mm.value(QStringLiteral("output_sqnr_db")).toDouble(),
                 cc.value(QStringLiteral("output_sqnr_db")).toDouble());
        for (const QJsonValue& c : choices) {
            const QJsonObject o = c.toObject();
            QVERIFY(o.value(QStringLiteral("lo")).toDouble() <=
                    o.value(QStringLiteral("hi")).toDouble());
            QVERIFY(o.value(QStringLiteral("quant_mse")).toDouble() >= 0.0);
            QVERIFY(o.contains(QStringLiteral("output_sqnr_db")));
        }
    }
    // Calibration diagnostics: the 128 calibration samples, checkpoints 1..128.
    const QJsonObject cal = j.value(QStringLiteral("calibration")).toObject();
    QCOMPARE(cal.value(QStringLiteral("samples")).toInt(), 128);
    const QJsonArray calTensors = cal.value(QStringLiteral("tensors")).toArray();
    QVERIFY(calTensors.size() >= 12);
    for (const QJsonValue& v : calTensors) {
        const QJsonObject o = v.toObject();
        QVERIFY(o.value(QStringLiteral("max_sample")).toInt() >= 0 &&
                o.value(QStringLiteral("max_sample")).toInt() < 128);
        QCOMPARE(o.value(QStringLiteral("convergence")).toArray().size(), 8);
    }
}

void AnalyzeCliTest::cleAndBiasCorrectionOptions() {
    QTemporaryDir dir;
    const QJsonObject j =
        analyze(QStringLiteral("digits_mbv1_imb.onnx"),
                {QStringLiteral("--granularity"), QStringLiteral("tensor"), QStringLiteral("--cle"),
                 QStringLiteral("--bias-correction"), QStringLiteral("--no-reverse")},
                dir.filePath(QStringLiteral("b.json")));
    QVERIFY(!j.isEmpty());
    QCOMPARE(
        j.value(QStringLiteral("cle")).toObject().value(QStringLiteral("pairs")).toArray().size(),
        11);
    QCOMPARE(j.value(QStringLiteral("bias_correction"))
                 .toObject()
                 .value(QStringLiteral("mode"))
                 .toString(),
             QStringLiteral("empirical"));
    // Sensitivity with CLE: every layer alone keeps the output far above the collapse.
    for (const QJsonValue& v : j.value(QStringLiteral("layers")).toArray())
        QVERIFY(v.toObject().value(QStringLiteral("sqnr_db")).toDouble() > 15.0);
}

void AnalyzeCliTest::usageErrors() {
    const QString model = kShared + QStringLiteral("/models/digits_mbv1_imb.onnx");
    const QString calib = kShared + QStringLiteral("/data/digits_calib_x.npy");
    CliResult r = runCli({QStringLiteral("analyze"), model, QStringLiteral("--calib"), calib});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.contains(QStringLiteral("--json")));
    r = runCli({QStringLiteral("analyze"), model, QStringLiteral("--calib"), calib,
                QStringLiteral("--json"), QStringLiteral("/tmp/x.json"),
                QStringLiteral("--outlier-k"), QStringLiteral("abc")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.contains(QStringLiteral("--outlier-k")));
    r = runCli({QStringLiteral("analyze"), model, QStringLiteral("--calib"),
                QStringLiteral("/nonexistent.npy"), QStringLiteral("--json"),
                QStringLiteral("/tmp/x.json")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.contains(QStringLiteral("/nonexistent.npy")));
}

QTEST_GUILESS_MAIN(AnalyzeCliTest)
#include "cli_process.h"
#include "analyze_cli_test.moc"
