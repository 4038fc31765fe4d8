// The exports as a deployment script uses them: `quantize --out-dir` writes the TensorRT
// calibration cache and ONNX Runtime's TensorQuantOverrides next to the QDQ model, with the
// quant table's numbers; `analyze --csv/--netron` write the per-layer table with the JSON's
// numbers; `diff` compares two runs; a failed export leaves no temporary file behind.
#include "cli_process.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>

namespace {

const QString kShared = QStringLiteral(QS_SHARED_DIR);

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QJsonObject readJson(const QString& path) {
    return QJsonDocument::fromJson(readAll(path)).object();
}

float floatFromHex(const QString& hex) {
    bool ok = false;
    const uint32_t bits = hex.toUInt(&ok, 16);
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return ok ? f : std::nanf("");
}

CliResult quantize(const QString& outDir, const QStringList& extra = {}) {
    QStringList args{
        QStringLiteral("quantize"),  kShared + QStringLiteral("/models/digits_mbv2_bn.onnx"),
        QStringLiteral("--calib"),   kShared + QStringLiteral("/data/digits_calib_x.npy"),
        QStringLiteral("--out-dir"), outDir};
    return runCli(args + extra);
}

// Splits one CSV line (RFC 4180 quotes).
QStringList csvFields(const QString& line) {
    QStringList out{QString()};
    bool quoted = false;
    for (int i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (quoted && c == QLatin1Char('"') && i + 1 < line.size() && line[i + 1] == c) {
            out.last() += c;
            ++i;
        } else if (c == QLatin1Char('"')) {
            quoted = !quoted;
        } else if (!quoted && c == QLatin1Char(',')) {
            out << QString();
        } else {
            out.last() += c;
        }
    }
    return out;
}

} // namespace

class ExportCliTest : public QObject {
    Q_OBJECT
private slots:
    void quantizeWritesTrtCacheAndOrtOverrides();
    void failedExportLeavesNoTemporary();
    void analyzeCsvAndNetronMatchJson();
    void diffTwoRuns();
    void fourBitWeightsStatedInInt8Containers();
};

// 4-bit weights go out in int8 containers (opset 13 has no int4): the export says so; an 8-bit
// export has nothing to say.
void ExportCliTest::fourBitWeightsStatedInInt8Containers() {
    QTemporaryDir dir;
    const CliResult r = quantize(dir.path(), {QStringLiteral("--bits"), QStringLiteral("4")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("opset 13 has no int4")), qPrintable(r.err));
    QVERIFY(r.err.contains(dir.filePath(QStringLiteral("quantized.onnx"))));
    const CliResult eight = quantize(dir.path());
    QVERIFY2(eight.exitCode == 0, qPrintable(eight.err));
    QVERIFY2(!eight.err.contains(QStringLiteral("int4")), qPrintable(eight.err));
}

void ExportCliTest::quantizeWritesTrtCacheAndOrtOverrides() {
    QTemporaryDir dir;
    const CliResult r = quantize(dir.path());
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    for (const char* name :
         {"quantized.onnx", "quant_table.json", "calibration.cache", "ort_overrides.json"})
        QVERIFY2(r.out.contains(dir.filePath(QLatin1String(name))), name);
    const QJsonObject tensors = readJson(dir.filePath(QStringLiteral("quant_table.json")))
                                    .value(QStringLiteral("tensors"))
                                    .toObject();
    QVERIFY(!tensors.isEmpty());

    // TensorRT: header, then one "name: 8 hex digits" line per activation tensor.
    const QStringList lines =
        QString::fromUtf8(readAll(dir.filePath(QStringLiteral("calibration.cache"))))
            .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY(!lines.isEmpty());
    QVERIFY(QRegularExpression(QStringLiteral("^TRT-\\d+-EntropyCalibration2$"))
                .match(lines[0])
                .hasMatch());
    // Activation tensors whose values are quantized: their own parameters or, passive, their
    // source's (a chain of passive tensors ends at a quantized or a float one).
    int activations = 0;
    for (auto it = tensors.begin(); it != tensors.end(); ++it) {
        QJsonObject t = it.value().toObject();
        if (t.value(QStringLiteral("role")).toString() != QLatin1String("activation") ||
            t.value(QStringLiteral("dynamic")).toBool())
            continue;
        for (int hops = 0;
             hops < 100 && t.value(QStringLiteral("state")).toString() == QLatin1String("passive");
             ++hops)
            t = tensors.value(t.value(QStringLiteral("source")).toString()).toObject();
        if (t.value(QStringLiteral("state")).toString() == QLatin1String("quantized"))
            ++activations;
    }
    QCOMPARE(lines.size() - 1, activations);
    const QRegularExpression line(QStringLiteral("^(.+): ([0-9a-f]{8})$"));
    for (int i = 1; i < lines.size(); ++i) {
        const auto m = line.match(lines[i]);
        QVERIFY2(m.hasMatch(), qPrintable(lines[i]));
        QJsonObject t = tensors.value(m.captured(1)).toObject();
        QVERIFY2(!t.isEmpty(), qPrintable(m.captured(1)));
        for (int hops = 0; t.value(QStringLiteral("state")).toString() == QLatin1String("passive");
             ++hops) {
            QVERIFY(hops < 100);
            t = tensors.value(t.value(QStringLiteral("source")).toString()).toObject();
        }
        // TensorRT int8 is symmetric: scale = amax / 127 with amax the larger end of the clip
        // range (the digits model's activations are asymmetric uint8 by default).
        const double mn = t.value(QStringLiteral("min")).toArray()[0].toDouble();
        const double mx = t.value(QStringLiteral("max")).toArray()[0].toDouble();
        const float expected = float(std::max(std::fabs(mn), std::fabs(mx)) / 127.0);
        QCOMPARE(floatFromHex(m.captured(2)), expected);
    }

    // ONNX Runtime: {tensor: [{quant_type, scale, zero_point[, axis]}...]} with the table's
    // scales and zero points.
    const QJsonObject ort = readJson(dir.filePath(QStringLiteral("ort_overrides.json")));
    QVERIFY(!ort.isEmpty());
    int perChannel = 0;
    for (auto it = ort.begin(); it != ort.end(); ++it) {
        const QJsonArray list = it.value().toArray();
        const QJsonObject t = tensors.value(it.key()).toObject();
        QVERIFY2(!t.isEmpty(), qPrintable(it.key()));
        QCOMPARE(t.value(QStringLiteral("state")).toString(), QStringLiteral("quantized"));
        const QJsonArray scales = t.value(QStringLiteral("scale")).toArray();
        const QJsonArray zps = t.value(QStringLiteral("zero_point")).toArray();
        QCOMPARE(list.size(), scales.size());
        const QJsonObject first = list[0].toObject();
        const QString type = first.value(QStringLiteral("quant_type")).toString();
        QVERIFY2(type == QLatin1String("QInt8") || type == QLatin1String("QUInt8"),
                 qPrintable(type));
        QCOMPARE(type == QLatin1String("QInt8"), t.value(QStringLiteral("signed")).toBool());
        if (list.size() > 1) {
            ++perChannel;
            QCOMPARE(first.value(QStringLiteral("axis")).toInt(),
                     t.value(QStringLiteral("axis")).toInt());
        }
        for (int c = 0; c < list.size(); ++c) {
            const QJsonObject d = list[c].toObject();
            QCOMPARE(float(d.value(QStringLiteral("scale")).toDouble()),
                     float(scales[c].toDouble()));
            QCOMPARE(d.value(QStringLiteral("zero_point")).toInt(), zps[c].toInt());
            QVERIFY(!d.contains(QStringLiteral("symmetric")));
        }
    }
    QVERIFY(perChannel > 0); // the default weights are per channel
}

void ExportCliTest::failedExportLeavesNoTemporary() {
    QTemporaryDir dir;
    QVERIFY(quantize(dir.path()).exitCode == 0);
    const QByteArray cache = readAll(dir.filePath(QStringLiteral("calibration.cache")));
    // ort_overrides.json cannot be replaced (a folder with a file in it has taken its place).
    QVERIFY(QFile::remove(dir.filePath(QStringLiteral("ort_overrides.json"))));
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("ort_overrides.json/keep")));
    const CliResult r = quantize(dir.path(), {QStringLiteral("--bits"), QStringLiteral("4")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(dir.filePath(QStringLiteral("ort_overrides.json"))), qPrintable(r.err));
    QCOMPARE(r.err.count(QLatin1Char('\n')), 1); // one line
    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("ort_overrides.json/keep"))).isDir());
    for (const QString& e :
         QDir(dir.path()).entryList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot))
        QVERIFY2(!e.contains(QStringLiteral(".tmp")), qPrintable(e));
    QVERIFY(!readAll(dir.filePath(QStringLiteral("calibration.cache"))).isEmpty());
    Q_UNUSED(cache);
}

void ExportCliTest::analyzeCsvAndNetronMatchJson() {
    QTemporaryDir dir;
    const QString json = dir.filePath(QStringLiteral("a.json"));
    const QString csv = dir.filePath(QStringLiteral("a.csv"));
    const QString netron = dir.filePath(QStringLiteral("a.netron.json"));
    const CliResult r = runCli(
        {QStringLiteral("analyze"), kShared + QStringLiteral("/models/digits_mbv1_imb.onnx"),
         QStringLiteral("--calib"), kShared + QStringLiteral("/data/digits_calib_x.npy"),
         QStringLiteral("--eval-samples"), QStringLiteral("64"), QStringLiteral("--no-reverse"),
         QStringLiteral("--mixed-bits-budget"), QStringLiteral("0"), QStringLiteral("--threads"),
         QStringLiteral("2"), QStringLiteral("--json"), json, QStringLiteral("--csv"), csv,
         QStringLiteral("--netron"), netron});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QJsonArray layers = readJson(json).value(QStringLiteral("layers")).toArray();
    QCOMPARE(layers.size(), 12); // 11 Conv + the Gemm: every quantizable layer
    const QStringList rows =
        QString::fromUtf8(readAll(csv)).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(rows.size(), layers.size() + 1);
    const QStringList header = csvFields(rows[0]);
    for (const char* col : {"node", "op", "sqnr_db", "cosine", "sensitivity_rank",
                            "weight_range_ratio", "outlier_channels", "suggested_bits"})
        QVERIFY2(header.contains(QLatin1String(col)), col);
    for (int i = 0; i < layers.size(); ++i) {
        const QJsonObject row = layers[i].toObject();
        const QStringList f = csvFields(rows[i + 1]);
        QCOMPARE(f.size(), header.size());
        for (int c = 0; c < header.size(); ++c) {
            const QJsonValue v = row.value(header[c]);
            if (header[c] == QLatin1String("outlier_channels")) {
                QStringList channels;
                for (const QJsonValue& ch : v.toArray()) channels << QString::number(ch.toInt());
                QCOMPARE(f[c], channels.join(QLatin1Char(' ')));
            } else if (v.isNull() || v.isUndefined()) {
                QCOMPARE(f[c], QString());
            } else if (v.isDouble()) {
                QCOMPARE(f[c].toDouble(), v.toDouble()); // the same number, not a rounding
            } else if (v.isBool()) {
                QCOMPARE(f[c], v.toBool() ? QStringLiteral("true") : QStringLiteral("false"));
            } else {
                QCOMPARE(f[c], v.toString());
            }
        }
    }
    const QJsonObject att = readJson(netron);
    QCOMPARE(att.value(QStringLiteral("signature")).toString(),
             QStringLiteral("netron:attachment"));
    QSet<QString> nodesWithSqnr;
    for (const QJsonValue& m : att.value(QStringLiteral("metrics")).toArray()) {
        const QJsonObject o = m.toObject();
        if (o.value(QStringLiteral("kind")).toString() == QLatin1String("node") &&
            o.value(QStringLiteral("name")).toString() == QLatin1String("quantscope.sqnr_db"))
            nodesWithSqnr.insert(o.value(QStringLiteral("target")).toString());
    }
    for (const QJsonValue& l : layers)
        QVERIFY(nodesWithSqnr.contains(l.toObject().value(QStringLiteral("node")).toString()));

    // diff of a run with itself: nothing differs, every delta is 0.
    const CliResult same = runCli({QStringLiteral("diff"), json, json});
    QVERIFY2(same.exitCode == 0, qPrintable(same.err));
    const QJsonObject d = QJsonDocument::fromJson(same.out.toUtf8()).object();
    QVERIFY(d.value(QStringLiteral("same_model")).toBool());
    QCOMPARE(d.value(QStringLiteral("settings")).toArray().size(), 0);
    QCOMPARE(d.value(QStringLiteral("layers")).toArray().size(), 12);
    for (const QJsonValue& l : d.value(QStringLiteral("layers")).toArray())
        QCOMPARE(l.toObject().value(QStringLiteral("sqnr_db_delta")).toDouble(), 0.0);
}

void ExportCliTest::diffTwoRuns() {
    QTemporaryDir dir;
    const QString a = dir.filePath(QStringLiteral("a")), b = dir.filePath(QStringLiteral("b"));
    QVERIFY(quantize(a).exitCode == 0);
    QVERIFY(quantize(b, {QStringLiteral("--bits"), QStringLiteral("4"),
                         QStringLiteral("--granularity"), QStringLiteral("tensor")})
                .exitCode == 0);
    const QString out = dir.filePath(QStringLiteral("diff.json"));
    const CliResult r =
        runCli({QStringLiteral("diff"), a + QStringLiteral("/quant_table.json"),
                b + QStringLiteral("/quant_table.json"), QStringLiteral("--json"), out});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QJsonObject d = readJson(out);
    QStringList keys;
    for (const QJsonValue& s : d.value(QStringLiteral("settings")).toArray())
        keys << s.toObject().value(QStringLiteral("key")).toString();
    QVERIFY2(keys.contains(QStringLiteral("weights")), qPrintable(keys.join(QLatin1Char(','))));
    int to4 = 0;
    const QJsonArray layers = d.value(QStringLiteral("layers")).toArray();
    for (const QJsonValue& l : layers) {
        const QJsonObject o = l.toObject();
        QVERIFY(o.value(QStringLiteral("in_a")).toBool() &&
                o.value(QStringLiteral("in_b")).toBool());
        to4 += o.value(QStringLiteral("bits_a")).toInt() == 8 &&
               o.value(QStringLiteral("bits_b")).toInt() == 4;
    }
    QVERIFY(to4 > 0 && to4 >= layers.size() - 1); // every weighted layer (one may stay float)
    bool weightChanged = false;
    for (const QJsonValue& t : d.value(QStringLiteral("tensors")).toArray()) {
        const QJsonObject o = t.toObject();
        weightChanged |=
            o.value(QStringLiteral("bits_a")).toInt() == 8 &&
            o.value(QStringLiteral("bits_b")).toInt() == 4 &&
            o.value(QStringLiteral("granularity_a")).toString() == QLatin1String("channel") &&
            o.value(QStringLiteral("granularity_b")).toString() == QLatin1String("tensor");
    }
    QVERIFY(weightChanged);
    const CliResult bad = runCli({QStringLiteral("diff"), a + QStringLiteral("/quantized.onnx"),
                                  b + QStringLiteral("/quant_table.json")});
    QCOMPARE(bad.exitCode, 1);
    QVERIFY(bad.err.contains(QStringLiteral("quantized.onnx")));
    QCOMPARE(runCli({QStringLiteral("diff"), a}).exitCode, 2);
}

QTEST_GUILESS_MAIN(ExportCliTest)
#include "export_cli_test.moc"
