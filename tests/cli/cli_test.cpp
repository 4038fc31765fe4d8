// quantscope-cli as a user runs it: exit codes, one-line errors naming the fault, outputs
// checked against ONNX Runtime's reference and the model card's facts.
#include "cli_process.h"
#include "io/npy.h"
#include "onnx/onnx_exporter.h"
#include "onnx/onnx_importer.h"
#include "quant/quantizer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace qs;

namespace {

const QString kShared = QStringLiteral(QS_SHARED_DIR);

} // namespace

class CliTest : public QObject {
    Q_OBJECT
private slots:
    void helpAndUsage();
    void infoJsonMatchesModelCard();
    void runWritesOutputsMatchingOnnxRuntime();
    void runInt8DiagnosticsHasDivergence();
    void badInputs_data();
    void badInputs();
    void benchPrintsJson();
    void commaInNodeNames();
};

void CliTest::helpAndUsage() {
    QCOMPARE(runCli({QStringLiteral("--help")}).exitCode, 0);
    for (const char* cmd : {"info", "run", "bench", "quantize", "eval", "analyze", "diff"}) {
        const CliResult r = runCli({QString::fromLatin1(cmd), QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(
            r.out.contains(QStringLiteral("usage: quantscope-cli ") + QString::fromLatin1(cmd)));
        // Every option line says what the option does: "  --name [VALUE]   text".
        for (const QString& line : r.out.split(QLatin1Char('\n'))) {
            if (!line.startsWith(QStringLiteral("  --"))) continue;
            const QStringList words = line.simplified().split(QLatin1Char(' '));
            QVERIFY2(words.size() >= 2 && !(words.size() == 2 && words[1].front().isUpper()),
                     qPrintable(QString::fromLatin1(cmd) + QStringLiteral(": ") + line));
        }
    }
    const CliResult none = runCli({});
    QCOMPARE(none.exitCode, 2);
    const CliResult unknown = runCli({QStringLiteral("frobnicate")});
    QCOMPARE(unknown.exitCode, 2);
    QVERIFY(unknown.err.contains(QStringLiteral("frobnicate")));
}

void CliTest::infoJsonMatchesModelCard() {
    // ../shared/models/README.md: ppocr_cls has 471 nodes incl. 250 Constant and 35
    // BatchNormalization, input x N×3×48×192 (dynamic batch, height and width in the file), output
    // softmax_0.tmp_0.
    const CliResult r =
        runCli({QStringLiteral("info"), kShared + QStringLiteral("/models/ppocr_cls.onnx"),
                QStringLiteral("--json")});
    QCOMPARE(r.exitCode, 0);
    QJsonParseError perr;
    const QJsonObject j = QJsonDocument::fromJson(r.out.toUtf8(), &perr).object();
    QCOMPARE(perr.error, QJsonParseError::NoError);
    QCOMPARE(j[QStringLiteral("node_count")].toInt(), 471);
    QCOMPARE(j[QStringLiteral("op_counts")].toObject()[QStringLiteral("Constant")].toInt(), 250);
    QCOMPARE(
        j[QStringLiteral("op_counts")].toObject()[QStringLiteral("BatchNormalization")].toInt(),
        35);
    QCOMPARE(j[QStringLiteral("opset")].toInt(), 9);
    const QJsonObject in = j[QStringLiteral("inputs")].toArray()[0].toObject();
    QCOMPARE(in[QStringLiteral("name")].toString(), QStringLiteral("x"));
    QCOMPARE(in[QStringLiteral("shape")].toArray()[1].toInt(), 3);
    QVERIFY(in[QStringLiteral("shape")].toArray()[0].isString()); // dynamic batch keeps its symbol
    QCOMPARE(
        j[QStringLiteral("outputs")].toArray()[0].toObject()[QStringLiteral("name")].toString(),
        QStringLiteral("softmax_0.tmp_0"));
    QVERIFY(j[QStringLiteral("unsupported_ops")].toObject().isEmpty());

    const CliResult text =
        runCli({QStringLiteral("info"), kShared + QStringLiteral("/models/digits_mbv2_bn.onnx")});
    QCOMPARE(text.exitCode, 0);
    QVERIFY(text.out.contains(QStringLiteral("input  f32 [N,1,16,16]")));
}

void CliTest::runWritesOutputsMatchingOnnxRuntime() {
    QTemporaryDir dir;
    const CliResult r = runCli(
        {QStringLiteral("run"), kShared + QStringLiteral("/models/digits_mbv2_bn.onnx"),
         QStringLiteral("--input"),
         QStringLiteral("input=") + kShared + QStringLiteral("/data/digits_test_x.npy"),
         QStringLiteral("--out"), dir.path(), QStringLiteral("--threads"), QStringLiteral("2")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    auto y = readNpy(dir.filePath(QStringLiteral("logits.npy")).toStdString());
    QVERIFY2(y.isOk(), y.message().c_str());
    auto ref = readNpy(
        (kShared + QStringLiteral("/models/digits_mbv2_bn.ort_test_logits.npy")).toStdString());
    QVERIFY(ref.isOk());
    QCOMPARE(y->shape(), ref->shape());
    const auto a = y->toFloatVector(), b = ref->toFloatVector();
    double maxRef = 0, maxDiff = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        maxRef = std::max(maxRef, double(std::fabs(b[i])));
        maxDiff = std::max(maxDiff, double(std::fabs(a[i] - b[i])));
    }
    QVERIFY(maxDiff <= 1e-4 * maxRef);
}

// run --executor int8 --diagnostics: the integer-domain keys stay, the "divergence" object is
// added, the summary line is printed; an absurd --divergence-sqnr fires at the first tensor.
void CliTest::runInt8DiagnosticsHasDivergence() {
    QTemporaryDir dir;
    const QString json = dir.filePath(QStringLiteral("diag.json"));
    const QStringList base{
        QStringLiteral("run"),           kShared + QStringLiteral("/models/digits_mbv2_bn.onnx"),
        QStringLiteral("--input"),       kShared + QStringLiteral("/data/digits_test_x.npy"),
        QStringLiteral("--calib"),       kShared + QStringLiteral("/data/digits_calib_x.npy"),
        QStringLiteral("--out"),         dir.path(),
        QStringLiteral("--executor"),    QStringLiteral("int8"),
        QStringLiteral("--diagnostics"), json};
    const CliResult r = runCli(base); // default SQNR threshold 20 dB
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    auto readJson = [](const QString& path) {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll()).object()
                                              : QJsonObject();
    };
    const QJsonObject j = readJson(json);
    for (const char* key : {"runs", "tensors", "nodes", "divergence"})
        QVERIFY2(j.contains(QString::fromLatin1(key)), key);
    const QJsonObject d = j[QStringLiteral("divergence")].toObject();
    const QJsonArray rows = d[QStringLiteral("tensors")].toArray();
    QVERIFY(rows.size() > 20);
    QCOMPARE(d[QStringLiteral("compared")].toInt(), rows.size());
    QVERIFY(d[QStringLiteral("first")].isNull()); // every tensor within one step, above 20 dB
    QCOMPARE(d[QStringLiteral("sqnr_threshold_db")].toDouble(), 20.0);
    // Every compared tensor is one the integer-domain statistics know as a source.
    QSet<QString> sources;
    for (const QJsonValue& t : j[QStringLiteral("tensors")].toArray())
        sources.insert(t.toObject()[QStringLiteral("source")].toString());
    for (const QJsonValue& v : rows) {
        const QJsonObject t = v.toObject();
        QVERIFY(sources.contains(t[QStringLiteral("tensor")].toString()));
        QVERIFY(t[QStringLiteral("max_steps")].toInt() <= 1);
        QCOMPARE(t[QStringLiteral("elements")].toInt() % 500, 0); // 500 test images
        for (const char* key : {"node", "op", "lowered_node", "lowered_op", "scale", "zero_point",
                                "share_beyond_one_step", "sqnr_int_db", "sqnr_sim_db"})
            QVERIFY2(t.contains(QString::fromLatin1(key)), key);
    }
    const QString summary = d[QStringLiteral("summary")].toString();
    QVERIFY(summary.startsWith(
        QStringLiteral("no divergence: all %1 tensors within one step").arg(rows.size())));
    QVERIFY2(r.out.contains(summary + QLatin1Char('\n')), qPrintable(r.out));

    const CliResult high =
        runCli(base + QStringList{QStringLiteral("--divergence-sqnr"), QStringLiteral("1000")});
    QVERIFY2(high.exitCode == 0, qPrintable(high.err));
    const QJsonObject h = readJson(json)[QStringLiteral("divergence")].toObject();
    const QJsonObject first = h[QStringLiteral("first")].toObject();
    QCOMPARE(first[QStringLiteral("criterion")].toString(), QStringLiteral("sqnr"));
    QCOMPARE(first[QStringLiteral("index")].toInt(), 0);
    QCOMPARE(h[QStringLiteral("sqnr_threshold_db")].toDouble(), 1000.0);
    QVERIFY2(high.out.contains(QStringLiteral("first divergent node: ")), qPrintable(high.out));

    const CliResult off =
        runCli(base + QStringList{QStringLiteral("--divergence-sqnr"), QStringLiteral("off")});
    QVERIFY2(off.exitCode == 0, qPrintable(off.err));
    const QJsonObject o = readJson(json)[QStringLiteral("divergence")].toObject();
    QVERIFY(o[QStringLiteral("sqnr_threshold_db")].isNull());
    QVERIFY(o[QStringLiteral("first")].isNull());
}

void CliTest::badInputs_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("mentions");
    const QString model = kShared + QStringLiteral("/models/digits_mbv2_bn.onnx");
    const QString wrongShape = kShared + QStringLiteral("/data/mobilenet_v2_input.npy");
    const QString wrongType = kShared + QStringLiteral("/data/digits_test_y.npy");
    QTest::newRow("missing model")
        << QStringList{QStringLiteral("info"), QStringLiteral("/nonexistent/m.onnx")} << 1
        << QStringLiteral("/nonexistent/m.onnx");
    QTest::newRow("not a model") << QStringList{QStringLiteral("info"), wrongShape} << 1
                                 << wrongShape;
    QTest::newRow("unknown option")
        << QStringList{QStringLiteral("info"), model, QStringLiteral("--frob")} << 2
        << QStringLiteral("--frob");
    QTest::newRow("input wrong shape")
        << QStringList{QStringLiteral("run"),     model,
                       QStringLiteral("--input"), QStringLiteral("input=") + wrongShape,
                       QStringLiteral("--out"),   QStringLiteral("/tmp/qs-cli-test-out")}
        << 1 << QStringLiteral("expects shape [?,1,16,16]");
    QTest::newRow("input wrong dtype")
        << QStringList{QStringLiteral("run"),     model,
                       QStringLiteral("--input"), QStringLiteral("input=") + wrongType,
                       QStringLiteral("--out"),   QStringLiteral("/tmp/qs-cli-test-out")}
        << 1 << QStringLiteral("expects f32, got i64");
    QTest::newRow("unknown input name")
        << QStringList{QStringLiteral("run"),     model,
                       QStringLiteral("--input"), QStringLiteral("image=") + wrongType,
                       QStringLiteral("--out"),   QStringLiteral("/tmp/qs-cli-test-out")}
        << 1 << QStringLiteral("no input 'image'");
    QTest::newRow("missing out") << QStringList{QStringLiteral("run"), model} << 2
                                 << QStringLiteral("--out");
    QTest::newRow("divergence-sqnr without diagnostics")
        << QStringList{QStringLiteral("run"),
                       model,
                       QStringLiteral("--input"),
                       kShared + QStringLiteral("/data/digits_test_x.npy"),
                       QStringLiteral("--out"),
                       QStringLiteral("/tmp/qs-cli-test-out"),
                       QStringLiteral("--executor"),
                       QStringLiteral("int8"),
                       QStringLiteral("--divergence-sqnr"),
                       QStringLiteral("20")}
        << 2 << QStringLiteral("'--divergence-sqnr': needs --diagnostics");
    QTest::newRow("bad divergence-sqnr")
        << QStringList{QStringLiteral("run"),
                       model,
                       QStringLiteral("--input"),
                       kShared + QStringLiteral("/data/digits_test_x.npy"),
                       QStringLiteral("--out"),
                       QStringLiteral("/tmp/qs-cli-test-out"),
                       QStringLiteral("--executor"),
                       QStringLiteral("int8"),
                       QStringLiteral("--diagnostics"),
                       QStringLiteral("/tmp/qs-cli-test-out/d.json"),
                       QStringLiteral("--divergence-sqnr"),
                       QStringLiteral("loud")}
        << 2 << QStringLiteral("option '--divergence-sqnr': 'loud'");
    // Per-layer repairs: a node that is unknown, in no equalizable pair or not weighted.
    const QString imbalanced = kShared + QStringLiteral("/models/digits_mbv1_imb.onnx");
    const QStringList evalArgs{
        QStringLiteral("eval"),    imbalanced,
        QStringLiteral("--data"),  kShared + QStringLiteral("/data/digits_test_x.npy"),
        QStringLiteral("--calib"), kShared + QStringLiteral("/data/digits_calib_x.npy")};
    // (not blamed on the calibration file: the option names what the model lacks)
    QTest::newRow("cle-layers unknown node")
        << evalArgs + QStringList{QStringLiteral("--cle-layers"), QStringLiteral("nope")} << 2
        << QStringLiteral("error: option '--cle-layers nope': the model has no node named 'nope'");
    QTest::newRow("cle-layers node in no pair")
        << evalArgs +
               QStringList{QStringLiteral("--cle-layers"), QStringLiteral("/35/Gemm,/2/Relu")}
        << 2 << QStringLiteral("'/2/Relu' is in no pair");
    QTest::newRow("cle-layers empty name")
        << evalArgs + QStringList{QStringLiteral("--cle-layers"), QStringLiteral("/0/Conv,")} << 2
        << QStringLiteral("option '--cle-layers': '/0/Conv,' is not NODE[,NODE...]");
    QTest::newRow("adaround-layers unweighted node")
        << evalArgs + QStringList{QStringLiteral("--adaround-layers"), QStringLiteral("/2/Relu")}
        << 2 << QStringLiteral("'/2/Relu' is not a weighted layer");
    QTest::newRow("bad threads") << QStringList{QStringLiteral("bench"), model,
                                                QStringLiteral("--threads"), QStringLiteral("x")}
                                 << 2 << QStringLiteral("--threads");
}

void CliTest::badInputs() {
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, mentions);
    const CliResult r = runCli(args);
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY2(r.err.contains(mentions), qPrintable(r.err));
    QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0); // one line
}

void CliTest::benchPrintsJson() {
    const CliResult r =
        runCli({QStringLiteral("bench"), kShared + QStringLiteral("/models/digits_mbv2_bn.onnx"),
                QStringLiteral("--runs"), QStringLiteral("3"), QStringLiteral("--input"),
                kShared + QStringLiteral("/data/digits_calib_x.npy")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QJsonObject j = QJsonDocument::fromJson(r.out.toUtf8()).object();
    for (const char* key :
         {"executor", "threads", "runs", "median_ms", "min_ms", "max_ms", "peak_rss_mb"})
        QVERIFY2(j.contains(QString::fromLatin1(key)), key);
    QCOMPARE(j[QStringLiteral("runs")].toInt(), 3);
    QVERIFY(j[QStringLiteral("min_ms")].toDouble() <= j[QStringLiteral("median_ms")].toDouble());
    QVERIFY(j[QStringLiteral("median_ms")].toDouble() <= j[QStringLiteral("max_ms")].toDouble());
    QVERIFY(j[QStringLiteral("peak_rss_mb")].toDouble() > 0);
}

void CliTest::commaInNodeNames() {
    // digits_mbv1_imb with two nodes renamed to names holding commas (and a backslash): the node
    // lists take them escaped ("\\," and "\\\\"), and give the same result as the original model
    // with the original names; unescaped, the comma splits the name and the error says how to
    // write it; --float takes a name verbatim.
    const QString original = kShared + QStringLiteral("/models/digits_mbv1_imb.onnx");
    auto graph = importOnnxFile(original.toStdString());
    QVERIFY(graph.isOk());
    auto pairs = equalizablePairs(*graph, QuantConfig{});
    QVERIFY(pairs.isOk() && pairs->size() > 2);
    const std::string a = (*pairs)[0].first, x = (*pairs)[2].second;
    const std::string commaA = "stem,conv", commaX = "head,fc\\2";
    graph->node(*graph->findNode(a)).name = commaA;
    graph->node(*graph->findNode(x)).name = commaX;
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString renamed = dir.filePath(QStringLiteral("comma.onnx"));
    QVERIFY(exportOnnxFile(*graph, renamed.toStdString()).isOk());

    auto eval = [&](const QString& model, const QStringList& options) {
        return runCli(QStringList{QStringLiteral("eval"), model, QStringLiteral("--data"),
                                  kShared + QStringLiteral("/data/digits_calib_x.npy"),
                                  QStringLiteral("--calib"),
                                  kShared + QStringLiteral("/data/digits_calib_x.npy"),
                                  QStringLiteral("--adaround-iters"), QStringLiteral("20")} +
                      options);
    };
    auto sqnr = [](const CliResult& r) {
        return QJsonDocument::fromJson(r.out.toUtf8()).object().value(QStringLiteral("sqnr_db"));
    };
    const CliResult reference =
        eval(original, {QStringLiteral("--cle-layers"), QString::fromStdString(a),
                        QStringLiteral("--adaround-layers"), QString::fromStdString(x)});
    QVERIFY2(reference.exitCode == 0, qPrintable(reference.err));
    const CliResult escaped =
        eval(renamed, {QStringLiteral("--cle-layers"), QStringLiteral("stem\\,conv"),
                       QStringLiteral("--adaround-layers"), QStringLiteral("head\\,fc\\\\2")});
    QVERIFY2(escaped.exitCode == 0, qPrintable(escaped.err));
    QVERIFY(sqnr(reference).isDouble());
    QCOMPARE(sqnr(escaped).toDouble(), sqnr(reference).toDouble());
    // Without the repairs the result differs (else the comparison above proves nothing).
    const CliResult plain = eval(renamed, {});
    QVERIFY(plain.exitCode == 0 && sqnr(plain).toDouble() != sqnr(escaped).toDouble());

    const CliResult split =
        eval(renamed, {QStringLiteral("--cle-layers"), QStringLiteral("stem,conv")});
    QCOMPARE(split.exitCode, 2);
    // (the names are checked in sorted order: 'conv' first)
    QVERIFY2(split.err.contains(QStringLiteral("option '--cle-layers conv': the model has no node "
                                               "named 'conv' (node names of this model contain "
                                               "commas: write a comma inside a name as '\\,')")),
             qPrintable(split.err));
    QCOMPARE(split.err.trimmed().count(QLatin1Char('\n')), 0);
    const CliResult badEscape =
        eval(renamed, {QStringLiteral("--adaround-layers"), QStringLiteral("stem\\;conv")});
    QCOMPARE(badEscape.exitCode, 2);
    QVERIFY2(badEscape.err.contains(QStringLiteral("a backslash must be followed by ',' or '\\'")),
             qPrintable(badEscape.err));
    const CliResult floatNode =
        eval(renamed, {QStringLiteral("--float"), QStringLiteral("stem,conv")});
    QVERIFY2(floatNode.exitCode == 0, qPrintable(floatNode.err));
    QVERIFY(sqnr(floatNode).toDouble() != sqnr(plain).toDouble());

    // The escape is in --help.
    const CliResult help = runCli({QStringLiteral("eval"), QStringLiteral("--help")});
    QVERIFY(help.out.contains(
        QStringLiteral("a comma inside a name is written \\, and a backslash \\\\")));

    // And the round trip core and the GUI share.
    const std::vector<std::string> names{"a,b", "c\\d", "e"};
    auto back = splitNodeList("cle-layers", joinNodeList(names));
    QVERIFY(back.isOk());
    QVERIFY(*back == names);
    QCOMPARE(QString::fromStdString(joinNodeList(names)), QStringLiteral("a\\,b,c\\\\d,e"));
}

QTEST_GUILESS_MAIN(CliTest)
#include "cli_test.moc"
