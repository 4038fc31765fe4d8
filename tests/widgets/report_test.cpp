// The report (widgets/report) as the GUI writes it from a run and as `quantscope-cli analyze
// --report` writes it: the HTML is well-formed (QXmlStreamReader), has every section in order,
// exactly one embedded <img> per chart and no external reference; its per-layer table carries the
// numbers of the analyze JSON written by the same run; the PDF is valid — pdftoppm (poppler)
// renders every page to a PNG that is not blank. `diff A B --report` (and `analyze --compare`)
// writes the run comparison: one row per layer both runs have, with the SQNR deltas B − A of the
// two analyze JSONs. Digits models: seconds, not minutes.
#include "cli_process.h"
#include "analysis/layer_remedies.h"
#include "io/npy.h"
#include "onnx/onnx_importer.h"
#include "quant/simulator.h"
#include "quant_run.h"
#include "report/report_comparison.h"
#include "report/report_findings.h"
#include "report/report_writer.h"
#include "report/run_report.h"

#include <QDir>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>
#include <cmath>
#include <cstring>

using namespace qs;

namespace {

const QString kShared = QStringLiteral(QS_SHARED_DIR);
const QString kModel = kShared + QStringLiteral("/models/digits_mbv1_imb.onnx");
const QString kCalib = kShared + QStringLiteral("/data/digits_calib_x.npy");

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Variance of the grey level over all pixels: 0 for a blank page.
double greyVariance(const QImage& image) {
    double sum = 0, sum2 = 0;
    const int64_t n = int64_t(image.width()) * image.height();
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const double g = qGray(image.pixel(x, y));
            sum += g;
            sum2 += g * g;
        }
    const double mean = sum / double(n);
    return sum2 / double(n) - mean * mean;
}

// What the HTML holds, read by a strict XML parser.
struct ParsedHtml {
    QString error;                // the parser's, empty when well-formed
    QStringList sections;         // ids of <div class="section">, in order
    QStringList imageSources;     // src of every <img>
    QStringList layerTitles;      // title attributes of the per-layer table's name cells
    QList<QStringList> layerRows; // the per-layer table's cells (text)
    QString text;                 // all character data
};

ParsedHtml parseHtml(const QByteArray& bytes) {
    ParsedHtml out;
    QXmlStreamReader xml(bytes);
    QString section;
    int tableInLayers = 0;
    QStringList row;
    bool inCell = false;
    QString cell;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            const QString name = xml.name().toString();
            const auto attrs = xml.attributes();
            if (name == QLatin1String("div") &&
                attrs.value(QLatin1String("class")) == QLatin1String("section")) {
                section = attrs.value(QLatin1String("id")).toString();
                out.sections << section;
            } else if (name == QLatin1String("img")) {
                out.imageSources << attrs.value(QLatin1String("src")).toString();
            } else if (name == QLatin1String("table") && section == QLatin1String("layers")) {
                ++tableInLayers;
            } else if (tableInLayers == 1 && name == QLatin1String("tr")) {
                row.clear();
            } else if (tableInLayers == 1 &&
                       (name == QLatin1String("td") || name == QLatin1String("th"))) {
                inCell = true;
                cell.clear();
            } else if (tableInLayers == 1 && name == QLatin1String("span") &&
                       attrs.hasAttribute(QLatin1String("title"))) {
                out.layerTitles << attrs.value(QLatin1String("title")).toString();
            }
        } else if (xml.isEndElement()) {
            const QString name = xml.name().toString();
            if (tableInLayers == 1 &&
                (name == QLatin1String("td") || name == QLatin1String("th"))) {
                inCell = false;
                row << cell;
            } else if (tableInLayers == 1 && name == QLatin1String("tr")) {
                out.layerRows << row;
            } else if (name == QLatin1String("table") && section == QLatin1String("layers")) {
                tableInLayers = 2; // only the first table of the section
            }
        } else if (xml.isCharacters()) {
            out.text += xml.text();
            if (inCell) cell += xml.text();
        }
    }
    if (xml.hasError())
        out.error = QStringLiteral("line %1: %2").arg(xml.lineNumber()).arg(xml.errorString());
    return out;
}

// The run comparison report as a strict XML parser reads it.
struct ParsedComparison {
    QString error;
    QStringList sections;         // ids of <div class="section">
    QList<QStringList> layerRows; // table#comparison-layers, header row first
    QString text;                 // character data of the comparison section
    int images = 0;
};

ParsedComparison parseComparison(const QByteArray& bytes) {
    ParsedComparison out;
    QXmlStreamReader xml(bytes);
    QString section;
    bool inTable = false, inCell = false;
    QStringList row;
    QString cell;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            const QString name = xml.name().toString();
            const auto attrs = xml.attributes();
            if (name == QLatin1String("div") &&
                attrs.value(QLatin1String("class")) == QLatin1String("section")) {
                section = attrs.value(QLatin1String("id")).toString();
                out.sections << section;
            } else if (name == QLatin1String("img")) {
                ++out.images;
            } else if (name == QLatin1String("table")) {
                inTable = attrs.value(QLatin1String("id")) == QLatin1String("comparison-layers");
            } else if (inTable && name == QLatin1String("tr")) {
                row.clear();
            } else if (inTable && (name == QLatin1String("td") || name == QLatin1String("th"))) {
                inCell = true;
                cell.clear();
            }
        } else if (xml.isEndElement()) {
            const QString name = xml.name().toString();
            if (inTable && (name == QLatin1String("td") || name == QLatin1String("th"))) {
                inCell = false;
                row << cell;
            } else if (inTable && name == QLatin1String("tr")) {
                out.layerRows << row;
            } else if (name == QLatin1String("table")) {
                inTable = false;
            }
        } else if (xml.isCharacters()) {
            if (section == ReportComparison::sectionId()) out.text += xml.text();
            if (inCell) cell += xml.text();
        }
    }
    if (xml.hasError())
        out.error = QStringLiteral("line %1: %2").arg(xml.lineNumber()).arg(xml.errorString());
    return out;
}

// The charts a report of `a` has: sensitivity, histogram and channel ranges per top layer,
// graph-wise error, the Pareto curve.
int expectedCharts(const RunAnalyses& a, int topLayers) {
    const int top = std::min<int>(topLayers, int(a.layers.size()));
    return (a.sensitivity ? 1 : 0) + 2 * top + (a.errors ? 1 : 0) +
           (a.mixedBits && !a.mixedBits->pareto.empty() ? 1 : 0);
}

} // namespace

class ReportTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QuantRunResult m_run;
    std::shared_ptr<const Graph> m_graph;

    // Checks an HTML report: well-formed, sections, one data: PNG per chart, nothing external.
    void checkHtml(const QString& path, int charts, ParsedHtml* parsedOut = nullptr) {
        const QByteArray bytes = readAll(path);
        QVERIFY2(bytes.startsWith("<!DOCTYPE html>"), qPrintable(path));
        const ParsedHtml parsed = parseHtml(bytes);
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
        QCOMPARE(parsed.sections, ReportWriter::sectionIds());
        QCOMPARE(parsed.imageSources.size(), charts);
        QCOMPARE(bytes.count("<img "), qsizetype(charts)); // no <img> outside the XML structure
        for (const QString& src : parsed.imageSources) {
            QVERIFY(src.startsWith(QLatin1String("data:image/png;base64,")));
            const QImage image = QImage::fromData(
                QByteArray::fromBase64(src.mid(int(strlen("data:image/png;base64,"))).toLatin1()),
                "PNG");
            QVERIFY(!image.isNull());
            QVERIFY2(greyVariance(image) > 50.0, "a chart image is blank");
        }
        // Readable offline: no reference to anything outside the file.
        static const QRegularExpression external(
            QStringLiteral("(src|href)=\"(?!data:)|url\\(|@import"));
        QVERIFY(!QString::fromUtf8(bytes).contains(external));
        if (parsedOut) *parsedOut = parsed;
    }

    // pdftoppm renders every page; none is blank. Returns the page count.
    int checkPdf(const QString& path) {
        const QByteArray bytes = readAll(path);
        if (!bytes.startsWith("%PDF-")) return -1;
        const QString pdftoppm = QStandardPaths::findExecutable(QStringLiteral("pdftoppm"));
        if (pdftoppm.isEmpty()) {
            qWarning("pdftoppm not found: install poppler-utils (.ci/install-deps.sh)");
            return -2;
        }
        const QString prefix =
            m_dir.filePath(QFileInfo(path).completeBaseName() + QStringLiteral("-page"));
        QProcess p;
        p.start(pdftoppm,
                {QStringLiteral("-r"), QStringLiteral("40"), QStringLiteral("-png"), path, prefix});
        if (!p.waitForFinished(120000) || p.exitCode() != 0) {
            qWarning("pdftoppm failed: %s", p.readAllStandardError().constData());
            return -3;
        }
        const QStringList pages =
            QDir(m_dir.path())
                .entryList({QFileInfo(prefix).fileName() + QStringLiteral("*.png")}, QDir::Files,
                           QDir::Name);
        for (const QString& page : pages) {
            const QImage image(m_dir.filePath(page));
            if (image.isNull() || greyVariance(image) < 20.0) {
                qWarning("page %s is blank or unreadable", qPrintable(page));
                return -4;
            }
        }
        return int(pages.size());
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        QVERIFY(m_dir.isValid());
        if (qEnvironmentVariableIsSet("QS_KEEP_REPORTS")) { // to look at them
            m_dir.setAutoRemove(false);
            qInfo("reports in %s", qPrintable(m_dir.path()));
        }
        auto graph = importOnnxFile(kModel.toStdString());
        QVERIFY2(graph, graph ? "" : graph.message().c_str());
        m_graph = std::make_shared<const Graph>(std::move(graph).value());
        QuantRunRequest request;
        request.graph = m_graph;
        request.calibrationPath = kCalib;
        request.maxEvalSamples = 32;
        request.config.threads = 2;
        CancelFlag progress;
        m_run = QuantRunner::run(request, progress);
        QVERIFY2(m_run.ok, qPrintable(m_run.error));
        QVERIFY(m_run.analyses);
    }

    // The GUI's run: both formats, every section, one image per chart, findings from the structs.
    void guiRunReport() {
        const auto data = reportDataFromRun(kModel, *m_graph, m_run);
        QVERIFY(data);
        const RunAnalyses& a = *m_run.analyses;
        const int charts = expectedCharts(a, data->topLayers);
        QCOMPARE(charts, 1 + 2 * 5 + 1 + 1);

        const QString html = m_dir.filePath(QStringLiteral("gui.html"));
        ReportWriter::Stats stats;
        QCOMPARE(ReportWriter::write(*data, html, &stats), QString());
        QCOMPARE(stats.charts, charts);
        QCOMPARE(stats.bytes, QFileInfo(html).size());
        ParsedHtml parsed;
        checkHtml(html, charts, &parsed);
        if (QTest::currentTestFailed()) return;
        // One row per quantizable layer, named in full.
        QCOMPARE(parsed.layerTitles.size(), int(a.layers.size()));
        for (size_t i = 0; i < a.layers.size(); ++i)
            QCOMPARE(parsed.layerTitles[int(i)], QString::fromStdString(a.layers[i].node));
        // Executors: the simulator and the int8 executor both ran on the 32 samples.
        QVERIFY(a.executors);
        QCOMPARE(a.executors->samples, 32);
        QCOMPARE(a.executors->executors.size(), size_t(2));
        for (const ExecutorAccuracy& e : a.executors->executors)
            QVERIFY2(e.measured, e.note.c_str());
        // The simulator row is the run's own agreement (QuantRunner measured it independently).
        QVERIFY(std::abs(a.executors->executors[0].result.agreement - m_run.agreement) < 1e-12);
        // The integer executor's section: the divergence finder's verdict on 8 samples. This
        // model's imbalanced channels make the SQNR criterion fire (README: 5.3 dB at /6/Conv)
        // where the simulator is just as low: quantization loss, not integer arithmetic, so
        // the flagged node is still within one step of the simulator.
        QVERIFY(a.int8 && a.int8->measured);
        QCOMPARE(a.int8->samples, int64_t(8));
        QVERIFY(parsed.text.contains(QStringLiteral("Integer executor")));
        QVERIFY2(parsed.text.contains(QString::fromStdString(a.int8->summary)),
                 a.int8->summary.c_str());
        QVERIFY2(a.int8->summary.rfind("first divergent node: ", 0) == 0, a.int8->summary.c_str());
        int divergent = 0;
        for (const Int8NodeFinding& n : a.int8->nodes) {
            QVERIFY2(n.maxSteps <= 1, n.node.c_str());
            if (!n.divergent) continue;
            ++divergent;
            QVERIFY(n.sqnrIntDb < 20.0 && n.sqnrSimDb < 20.0);
            QVERIFY(std::abs(n.sqnrIntDb - n.sqnrSimDb) < 1.0);
        }
        QCOMPARE(divergent, 1);
        // Findings: the most sensitive layer leads the layer findings and its outlier channels
        // after BN merge (this model's channel scales are spread on purpose) are named.
        const QStringList findings = ReportFindings::findings(*data);
        const size_t top = ReportFindings::topLayers(*data).front();
        QCOMPARE(int(top), int(a.sensitivity->ranking.front()));
        const QString topName = QString::fromStdString(a.layers[top].node);
        bool named = false;
        for (const QString& f : findings) named |= f.startsWith(QStringLiteral("Layer ") + topName);
        QVERIFY2(named, qPrintable(findings.join(QLatin1Char('\n'))));
        int withOutliers = 0;
        for (const LayerOutliers& o : a.outliers.layers) withOutliers += !o.outlierChannels.empty();
        QVERIFY(withOutliers > 0);
        QVERIFY(parsed.text.contains(QStringLiteral("outlier channel")));
        for (const QString& f : findings) QVERIFY2(parsed.text.contains(f), qPrintable(f));
        // The remedies were measured for exactly the layers the report details (per-channel is the
        // default, so 16-bit weights is the one remedy left to try).
        QVERIFY(a.remedies);
        const std::vector<size_t> detailed = ReportFindings::topLayers(*data);
        QCOMPARE(a.remedies->layers.size(), detailed.size());
        for (size_t i = 0; i < detailed.size(); ++i) {
            QCOMPARE(a.remedies->layers[i].node, a.layers[detailed[i]].node);
            QCOMPARE(a.remedies->layers[i].outcomes.size(), size_t(1));
            QCOMPARE(a.remedies->layers[i].outcomes[0].remedy, std::string("weights_16_bit"));
        }
        QVERIFY(parsed.text.contains(QStringLiteral("16-bit weights on this layer only")));

        const QString pdf = m_dir.filePath(QStringLiteral("gui.pdf"));
        QCOMPARE(ReportWriter::write(*data, pdf, &stats), QString());
        QCOMPARE(stats.charts, charts);
        const int pages = checkPdf(pdf);
        QVERIFY2(pages >= 3, qPrintable(QStringLiteral("pages: %1").arg(pages)));
        QCOMPARE(pages, stats.pages);
    }

    // The model size in the summary against the ONNX file read by hand: every Conv (its BN
    // folded in: a bias of C floats) and the Gemm, 8-bit per-channel weights (one f32 scale and
    // one 1-byte zero point per output channel), int32 biases.
    void modelSize() {
        int64_t weights = 0, biases = 0, channels = 0;
        for (const Node& n : m_graph->nodes()) {
            if (n.opType != "Conv" && n.opType != "Gemm") continue;
            const Tensor& w = *m_graph->value(n.inputs[1]).initializer;
            weights += w.numel();
            channels += w.dim(0); // output channels: Conv OIHW, Gemm here transB (N×K)
            biases += w.dim(0);
        }
        const QuantizedSize& z = m_run.analyses->size;
        QCOMPARE(z.parameters, weights + biases);
        QCOMPARE(z.fp32Bytes, 4 * (weights + biases));
        QCOMPARE(z.quantizedParameters, weights + biases);
        QCOMPARE(z.quantizedBytes, weights + 5 * channels + 4 * biases);
    }

    // A measured remedy equals the same change made by quantizing the whole model again: per-tensor
    // weights everywhere, then the most outlier-hit layer per channel (what-if on its cone vs a
    // full quantization with layerGranularity and a full simulator run on the same 16 samples).
    void remedyMatchesFullRequantization() {
        auto calib = readNpy(kCalib.toStdString());
        QVERIFY(calib);
        CalibrationData calibration;
        calibration.samples = *calib;
        QuantConfig config;
        config.weight.granularity = Granularity::PerTensor;
        auto q = quantizeModel(*m_graph, config, &calibration);
        QVERIFY2(q, q ? "" : q.message().c_str());
        const std::vector<QuantLayerRef> layers = quantLayers(*q);
        auto outliers = analyzeWeightOutliers(layers);
        QVERIFY(outliers && !outliers->ranking.empty());
        const std::string node = layers[outliers->ranking.front()].name;
        Shape shape = calib->shape();
        shape[0] = 16;
        Tensor data(DataType::F32, shape);
        std::memcpy(data.rawData(), calib->rawData(), data.byteSize());
        const std::string input = m_graph->value(m_graph->inputs()[0]).name;
        auto session = AnalysisSession::create(*q, data, input);
        QVERIFY(session);
        auto remedies = measureLayerRemedies(**session, {node}, nullptr);
        QVERIFY2(remedies, remedies ? "" : remedies.message().c_str());
        QCOMPARE(remedies->layers.size(), size_t(1));
        QCOMPARE(remedies->layers[0].outcomes.size(), size_t(2)); // per channel, 16-bit
        QCOMPARE(remedies->layers[0].outcomes[0].remedy, std::string("per_channel"));

        QuantConfig perChannel = config;
        perChannel.layerGranularity[node] = Granularity::PerChannel;
        auto q2 = quantizeModel(*m_graph, perChannel, &calibration);
        QVERIFY(q2);
        auto fp32 = Executor::create(q->graph);
        auto sim = Simulator::create(q2->graph, q2->plan);
        QVERIFY(fp32 && sim);
        auto ref = (*fp32)->run({{input, data}});
        auto test = (*sim)->run({{input, data}});
        QVERIFY(ref && test);
        const std::string out = m_graph->value(m_graph->outputs()[0]).name;
        const double expected = sqnrDb(ref->outputs.at(out), test->outputs.at(out));
        const double measured = remedies->layers[0].outcomes[0].score.sqnrDb;
        QVERIFY2(std::abs(measured - expected) < 1e-3,
                 qPrintable(QStringLiteral("%1 vs %2").arg(measured).arg(expected)));
        // On this model's spread channels, per channel on the worst layer helps.
        QVERIFY(measured > remedies->current.sqnrDb);
    }

    // Unknown extension and an unwritable path: one-line errors naming the file.
    void badPaths() {
        const auto data = reportDataFromRun(kModel, *m_graph, m_run);
        QVERIFY(data);
        const QString odd = m_dir.filePath(QStringLiteral("r.docx"));
        const QString e = ReportWriter::write(*data, odd);
        QVERIFY(e.contains(odd) && !e.contains(QLatin1Char('\n')));
        QVERIFY(!QFileInfo::exists(odd));
        const QString missing = m_dir.filePath(QStringLiteral("no/such/dir/r.html"));
        const QString e2 = ReportWriter::write(*data, missing);
        QVERIFY(e2.contains(missing) && !e2.contains(QLatin1Char('\n')));
    }

    // `analyze --report`: the HTML's per-layer table has the JSON's numbers (same run); the PDF of
    // a run without the reverse and mixed-bit analyses renders; an unknown extension is exit 2.
    void cliReport() {
        const QString json = m_dir.filePath(QStringLiteral("cli.json"));
        const QString html = m_dir.filePath(QStringLiteral("cli.html"));
        const QStringList common{QStringLiteral("analyze"),
                                 kModel,
                                 QStringLiteral("--calib"),
                                 kCalib,
                                 QStringLiteral("--data"),
                                 kShared + QStringLiteral("/data/digits_test_x.npy"),
                                 QStringLiteral("--labels"),
                                 kShared + QStringLiteral("/data/digits_test_y.npy"),
                                 QStringLiteral("--eval-samples"),
                                 QStringLiteral("64"),
                                 QStringLiteral("--calibrator-samples"),
                                 QStringLiteral("0"),
                                 QStringLiteral("--threads"),
                                 QStringLiteral("2")};
        CliResult r = runCli(
            common + QStringList{QStringLiteral("--json"), json, QStringLiteral("--report"), html});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.contains(html));
        QVERIFY2(r.err.contains(QStringLiteral("report ")), qPrintable(r.err));
        const QJsonObject j = QJsonDocument::fromJson(readAll(json)).object();
        const QJsonArray layers = j.value(QStringLiteral("layers")).toArray();
        // sensitivity + 2 × 5 top layers + error curve + Pareto curve.
        ParsedHtml parsed;
        checkHtml(html, 13, &parsed);
        if (QTest::currentTestFailed()) return;
        QCOMPARE(parsed.layerRows.size(), layers.size() + 1);
        const QStringList header = parsed.layerRows.front();
        const int sqnrCol = header.indexOf(QStringLiteral("SQNR alone (dB)"));
        const int rankCol = header.indexOf(QStringLiteral("Rank"));
        const int bitsCol = header.indexOf(QStringLiteral("Suggested bits"));
        QVERIFY(sqnrCol > 0 && rankCol > 0 && bitsCol > 0);
        for (int i = 0; i < layers.size(); ++i) {
            const QJsonObject l = layers[i].toObject();
            const QStringList& row = parsed.layerRows[i + 1];
            QCOMPARE(parsed.layerTitles[i], l.value(QStringLiteral("node")).toString());
            QCOMPARE(row[sqnrCol],
                     QString::number(l.value(QStringLiteral("sqnr_db")).toDouble(), 'f', 2));
            QCOMPARE(row[rankCol].toInt(), l.value(QStringLiteral("sensitivity_rank")).toInt());
            QCOMPARE(row[bitsCol].toInt(), l.value(QStringLiteral("suggested_bits")).toInt());
        }
        // With labels the accuracy table has fp32's top-1 as the JSON states it.
        const double fp32Top1 = j.value(QStringLiteral("accuracy"))
                                    .toObject()
                                    .value(QStringLiteral("fp32_top1"))
                                    .toDouble();
        QVERIFY(parsed.text.contains(QString::number(100.0 * fp32Top1, 'f', 1) + QLatin1Char('%')));
        // The integer executor's section, as the GUI's (the same core function).
        QVERIFY(parsed.text.contains(QStringLiteral("first divergent node: ")));

        const QString pdf = m_dir.filePath(QStringLiteral("cli.pdf"));
        r = runCli(common + QStringList{QStringLiteral("--no-reverse"),
                                        QStringLiteral("--mixed-bits-budget"), QStringLiteral("0"),
                                        QStringLiteral("--json"), json, QStringLiteral("--report"),
                                        pdf});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const int pages = checkPdf(pdf);
        QVERIFY2(pages >= 3, qPrintable(QStringLiteral("pages: %1").arg(pages)));

        const QString odd = m_dir.filePath(QStringLiteral("r.txt"));
        r = runCli(common +
                   QStringList{QStringLiteral("--json"), json, QStringLiteral("--report"), odd});
        QCOMPARE(r.exitCode, 2);
        QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);
        QVERIFY(r.err.contains(QStringLiteral("--report")) && r.err.contains(odd));
        QVERIFY(!QFileInfo::exists(odd));
    }

    // `diff A B --report`: two analyze JSONs of the digits model, per-tensor (A) and per-channel
    // (B) weights. The report's per-layer table has one row per layer both files have, the
    // largest change first, and its ΔSQNR is B − A as computed here from the two files.
    void diffReport() {
        const QStringList common{QStringLiteral("analyze"),
                                 kModel,
                                 QStringLiteral("--calib"),
                                 kCalib,
                                 QStringLiteral("--data"),
                                 kShared + QStringLiteral("/data/digits_test_x.npy"),
                                 QStringLiteral("--labels"),
                                 kShared + QStringLiteral("/data/digits_test_y.npy"),
                                 QStringLiteral("--eval-samples"),
                                 QStringLiteral("64"),
                                 QStringLiteral("--calibrator-samples"),
                                 QStringLiteral("0"),
                                 QStringLiteral("--mixed-bits-budget"),
                                 QStringLiteral("0"),
                                 QStringLiteral("--threads"),
                                 QStringLiteral("2")};
        const QString a = m_dir.filePath(QStringLiteral("diff-a.json"));
        const QString b = m_dir.filePath(QStringLiteral("diff-b.json"));
        CliResult r =
            runCli(common + QStringList{QStringLiteral("--granularity"), QStringLiteral("tensor"),
                                        QStringLiteral("--json"), a});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        r = runCli(common + QStringList{QStringLiteral("--granularity"), QStringLiteral("channel"),
                                        QStringLiteral("--json"), b});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));

        // From the files: B − A of every layer both have, and the settings that differ.
        const QJsonObject ja = QJsonDocument::fromJson(readAll(a)).object();
        const QJsonObject jb = QJsonDocument::fromJson(readAll(b)).object();
        QHash<QString, double> sqnrA, delta;
        for (const QJsonValue& v : ja.value(QStringLiteral("layers")).toArray()) {
            const QJsonObject l = v.toObject();
            sqnrA.insert(l.value(QStringLiteral("node")).toString(),
                         l.value(QStringLiteral("sqnr_db")).toDouble());
        }
        for (const QJsonValue& v : jb.value(QStringLiteral("layers")).toArray()) {
            const QJsonObject l = v.toObject();
            const QString node = l.value(QStringLiteral("node")).toString();
            if (sqnrA.contains(node))
                delta.insert(node, l.value(QStringLiteral("sqnr_db")).toDouble() - sqnrA[node]);
        }
        QVERIFY(delta.size() >= 10);
        const QJsonObject sa = ja.value(QStringLiteral("settings")).toObject();
        const QJsonObject sb = jb.value(QStringLiteral("settings")).toObject();
        QStringList differing;
        for (const QString& key : sa.keys())
            if (sa.value(key) != sb.value(key)) differing << key;
        QCOMPARE(differing, QStringList{QStringLiteral("weights")});

        const QString html = m_dir.filePath(QStringLiteral("diff.html"));
        r = runCli({QStringLiteral("diff"), a, b, QStringLiteral("--report"), html});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.contains(html));
        const QByteArray bytes = readAll(html);
        QVERIFY(bytes.startsWith("<!DOCTYPE html>"));
        const ParsedComparison parsed = parseComparison(bytes);
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
        QCOMPARE(parsed.sections, QStringList{ReportComparison::sectionId()});
        QCOMPARE(parsed.images, 0);
        QVERIFY(!parsed.layerRows.isEmpty());
        const QStringList header = parsed.layerRows.front();
        const int nodeCol = header.indexOf(QStringLiteral("Layer"));
        const int deltaCol = header.indexOf(QStringLiteral("\u0394SQNR (dB)"));
        QVERIFY(nodeCol >= 0 && deltaCol > 0);
        QCOMPARE(parsed.layerRows.size() - 1, delta.size());
        QSet<QString> seen;
        double previous = qInf();
        int overOneDb = 0;
        for (int i = 1; i < parsed.layerRows.size(); ++i) {
            const QStringList& row = parsed.layerRows[i];
            const QString node = row[nodeCol];
            QVERIFY2(delta.contains(node) && !seen.contains(node), qPrintable(node));
            seen.insert(node);
            QString cell = row[deltaCol];
            cell.replace(QChar(0x2212), QLatin1Char('-'));
            bool ok = false;
            const double shown = cell.toDouble(&ok);
            QVERIFY2(ok, qPrintable(row[deltaCol]));
            // Two decimals: within half a unit of the last place of B − A.
            QVERIFY2(std::abs(shown - delta[node]) <= 0.005 + 1e-9,
                     qPrintable(QStringLiteral("%1: %2 vs %3")
                                    .arg(node, row[deltaCol])
                                    .arg(delta[node], 0, 'g', 17)));
            const double magnitude = std::abs(delta[node]);
            QVERIFY2(magnitude <= previous, "the largest change is not first");
            previous = magnitude;
            if (magnitude > 1.0) ++overOneDb;
        }
        QVERIFY(overOneDb > 0); // per-channel weights change this model's layers visibly
        QVERIFY2(parsed.text.contains(
                     QStringLiteral("%1 layer(s) changed SQNR by more than 1 dB").arg(overOneDb)),
                 qPrintable(parsed.text));
        for (const QString& key : differing) {
            QVERIFY(parsed.text.contains(key));
            QVERIFY(parsed.text.contains(sa.value(key).toString()));
            QVERIFY(parsed.text.contains(sb.value(key).toString()));
        }

        const QString pdf = m_dir.filePath(QStringLiteral("diff.pdf"));
        r = runCli({QStringLiteral("diff"), a, b, QStringLiteral("--report"), pdf});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const int pages = checkPdf(pdf);
        QVERIFY2(pages >= 1, qPrintable(QStringLiteral("pages: %1").arg(pages)));

        const QString odd = m_dir.filePath(QStringLiteral("diff.odt"));
        r = runCli({QStringLiteral("diff"), a, b, QStringLiteral("--report"), odd});
        QCOMPARE(r.exitCode, 2);
        QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);
        QVERIFY(r.err.contains(QStringLiteral("--report")) && r.err.contains(odd));
        QVERIFY(!QFileInfo::exists(odd));

        // `analyze --report --compare A`: the analysis report gains the comparison section last.
        const QString c = m_dir.filePath(QStringLiteral("diff-c.json"));
        const QString withCompare = m_dir.filePath(QStringLiteral("compare.html"));
        r = runCli(common + QStringList{QStringLiteral("--granularity"), QStringLiteral("channel"),
                                        QStringLiteral("--json"), c, QStringLiteral("--report"),
                                        withCompare, QStringLiteral("--compare"), a});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const ParsedComparison both = parseComparison(readAll(withCompare));
        QVERIFY2(both.error.isEmpty(), qPrintable(both.error));
        QCOMPARE(both.sections, ReportWriter::sectionIds() << ReportComparison::sectionId());
        QCOMPARE(both.layerRows.size() - 1, delta.size());
        r = runCli(common +
                   QStringList{QStringLiteral("--json"), c, QStringLiteral("--compare"), a});
        QCOMPARE(r.exitCode, 2);
    }
};

QTEST_MAIN(ReportTest)
#include "report_test.moc"
