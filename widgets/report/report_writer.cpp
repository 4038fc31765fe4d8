#include "report_writer.h"

#include "inspector/error_propagation_chart.h"
#include "inspector/mixed_bit_chart.h"
#include "inspector/per_channel_range_chart.h"
#include "inspector/sensitivity_chart.h"
#include "inspector/tensor_histogram_chart.h"
#include "report_comparison.h"
#include "report_findings.h"
#include "report_html.h"

#include <QBuffer>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QImage>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTextDocument>
#include <QUrl>
#include <algorithm>
#include <cmath>
#include <functional>

namespace qs {

namespace {

using report_html::esc;
using report_html::L;

// Chart size in the report (CSS pixels) and the scale of the PNG behind it (sharp in print).
constexpr int kChartWidth = 860, kChartHeight = 380;
constexpr qreal kChartScale = 1.5;
// Display width of a chart in the PDF's document pixels (A4 less print()'s 2 cm margins at 96 dpi
// ≈ 643).
constexpr int kPdfChartWidth = 640;

const char* const kStyle =
    "body{font-family:sans-serif;font-size:10pt;color:#202020;}"
    "h1{font-size:18pt;}h2{font-size:14pt;border-bottom:1px solid #999;margin-top:18pt;}"
    "h3{font-size:11pt;margin-top:12pt;}"
    "table{border-collapse:collapse;margin:4pt 0;}"
    "th,td{border:1px solid #bbb;padding:2px 4px;text-align:left;vertical-align:top;font-size:8pt;}"
    "th{background:#eef2f7;}td.num{text-align:right;}"
    "p.caption{color:#555;font-size:9pt;}";

struct Chart {
    QString caption;
    QImage image;
};

class Builder {
public:
    explicit Builder(const ReportData& data)
        : m_data(data)
        , m_a(*data.analyses) {}

    QString body();
    const std::vector<Chart>& charts() const { return m_charts; }

private:
    void section(const char* id, const QString& title, bool pageBreak = false);
    void addChart(AnalysisChart& chart, const QString& caption);
    // widths: percentages of the table width per column (header rows), 0 = automatic.
    void row(const QStringList& cells, bool header = false, const QList<bool>& numeric = {},
             const QList<int>& widths = {});
    void modelSection();
    void settingsSection();
    void accuracySection();
    void findingsSection();
    void layersSection();
    void sensitiveSection();
    void errorSection();
    void int8Section();
    void mixedSection();

    const ReportData& m_data;
    const RunAnalyses& m_a;
    QString m_html;
    std::vector<Chart> m_charts;
};

void Builder::section(const char* id, const QString& title, bool pageBreak) {
    if (!m_html.isEmpty()) m_html += L("</div>\n");
    m_html += L("<div class=\"section\" id=\"%1\">\n<h2%2>%3</h2>\n")
                  .arg(L(id), pageBreak ? L(" style=\"page-break-before: always\"") : QString(),
                       esc(title));
}

void Builder::addChart(AnalysisChart& chart, const QString& caption) {
    const QSize size(kChartWidth, kChartHeight);
    chart.resize(size);
    QImage image(QSize(int(kChartWidth * kChartScale), int(kChartHeight * kChartScale)),
                 QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(kChartScale);
    image.fill(Qt::white);
    chart.render(image, size);
    // A marker the format replaces with its <img/> (data URI or document resource).
    m_html += L("<p class=\"chart\">@@CHART%1@@</p>\n<p class=\"caption\">%2</p>\n")
                  .arg(m_charts.size())
                  .arg(esc(caption));
    m_charts.push_back(Chart{caption, image.convertToFormat(QImage::Format_RGB32)});
}

void Builder::row(const QStringList& cells, bool header, const QList<bool>& numeric,
                  const QList<int>& widths) {
    m_html += L("<tr>");
    for (int i = 0; i < cells.size(); ++i) {
        if (header && i < widths.size() && widths[i] > 0)
            m_html += L("<th width=\"%1%\">").arg(widths[i]) + cells[i] + L("</th>");
        else if (header)
            m_html += L("<th>") + cells[i] + L("</th>");
        else if (i < numeric.size() && numeric[i])
            m_html += L("<td class=\"num\" align=\"right\">") + cells[i] + L("</td>");
        else
            m_html += L("<td>") + cells[i] + L("</td>");
    }
    m_html += L("</tr>\n");
}

QString megabytes(int64_t bytes) {
    return QString::number(double(bytes) / (1024.0 * 1024.0), 'f', 2);
}

QString shapeText(const TensorSummary& t) {
    QStringList dims;
    for (size_t i = 0; i < t.shape.size(); ++i)
        dims << (t.shape[i] < 0 ? (i < t.dimNames.size() && !t.dimNames[i].empty()
                                       ? QString::fromStdString(t.dimNames[i])
                                       : QStringLiteral("?"))
                                : QString::number(t.shape[i]));
    return QLatin1Char('[') + dims.join(QLatin1Char(',')) + QLatin1Char(']');
}

void Builder::modelSection() {
    section("model", ReportWriter::tr("Model summary"));
    const ModelSummary& s = m_data.summary;
    m_html += L("<table>\n");
    auto kv = [this](const QString& k, const QString& v) { row({esc(k), v}); };
    kv(ReportWriter::tr("Model file"), esc(m_data.modelName));
    if (!s.graphName.empty()) kv(ReportWriter::tr("Graph"), esc(s.graphName));
    if (!s.producer.empty()) kv(ReportWriter::tr("Producer"), esc(s.producer));
    kv(ReportWriter::tr("Opset / IR version"),
       QStringLiteral("%1 / %2").arg(s.opset).arg(s.irVersion));
    kv(ReportWriter::tr("Nodes"), QString::number(s.nodeCount));
    QStringList io;
    for (const TensorSummary& t : s.inputs) io << esc(t.name) + QLatin1Char(' ') + shapeText(t);
    kv(ReportWriter::tr("Inputs"), io.join(QStringLiteral(", ")));
    io.clear();
    for (const TensorSummary& t : s.outputs) io << esc(t.name) + QLatin1Char(' ') + shapeText(t);
    kv(ReportWriter::tr("Outputs"), io.join(QStringLiteral(", ")));
    kv(ReportWriter::tr("Parameters"), QString::number(s.parameterCount));
    kv(ReportWriter::tr("Quantizable layers"), QString::number(m_a.layers.size()));
    const QuantizedSize& z = m_a.size;
    kv(ReportWriter::tr("Size of the constants, fp32"),
       ReportWriter::tr("%1 MB (%2 parameters after BatchNorm folding)")
           .arg(megabytes(z.fp32Bytes))
           .arg(z.parameters));
    kv(ReportWriter::tr("Size of the constants, quantized"),
       ReportWriter::tr("%1 MB (%2\u00d7 smaller; %3 parameters quantized)")
           .arg(megabytes(z.quantizedBytes),
                formatNumber(z.quantizedBytes > 0 ? double(z.fp32Bytes) / double(z.quantizedBytes)
                                                  : qQNaN(),
                             2))
           .arg(z.quantizedParameters));
    m_html += L("</table>\n");
    std::vector<std::pair<std::string, int>> ops = s.opCounts;
    std::stable_sort(ops.begin(), ops.end(),
                     [](const auto& x, const auto& y) { return x.second > y.second; });
    QStringList opText;
    for (const auto& [op, count] : ops)
        opText << QStringLiteral("%1\u00a0%2").arg(esc(op)).arg(count);
    m_html += L("<p>") + esc(ReportWriter::tr("Operators:")) + QLatin1Char(' ') +
              opText.join(QStringLiteral(", ")) + L("</p>\n");
    if (!s.unsupportedOps.empty()) {
        QStringList un;
        for (const auto& [op, count] : s.unsupportedOps)
            un << QStringLiteral("%1 (%2)").arg(esc(op)).arg(count);
        m_html += L("<p>") + esc(ReportWriter::tr("Unsupported operators:")) + QLatin1Char(' ') +
                  un.join(QStringLiteral(", ")) + L("</p>\n");
    }
}

void Builder::settingsSection() {
    section("settings", ReportWriter::tr("Settings"));
    m_html += L("<table>\n");
    row({esc(ReportWriter::tr("Setting")), esc(ReportWriter::tr("Value"))}, true);
    for (const auto& [k, v] : m_data.settings) row({esc(k), esc(v)});
    row({esc(ReportWriter::tr("Calibration samples")),
         m_data.calibrationSamples > 0 ? QString::number(m_data.calibrationSamples)
                                       : esc(ReportWriter::tr("none (data-free ranges)"))});
    if (!m_data.evaluationData.isEmpty())
        row({esc(ReportWriter::tr("Evaluation data")), esc(m_data.evaluationData)});
    m_html += L("</table>\n");
    QStringList notes = m_data.notes;
    for (const std::string& n : m_a.notes) notes << QString::fromStdString(n);
    if (!notes.isEmpty()) {
        m_html += L("<ul>\n");
        for (const QString& n : notes) m_html += L("<li>") + esc(n) + L("</li>\n");
        m_html += L("</ul>\n");
    }
}

void Builder::accuracySection() {
    section("accuracy", ReportWriter::tr("Accuracy and agreement"));
    if (!m_a.executors) {
        m_html += L("<p>") + esc(ReportWriter::tr("The executors were not compared in this run.")) +
                  L("</p>\n");
        return;
    }
    const ExecutorComparison& x = *m_a.executors;
    m_html +=
        L("<p>") +
        esc(ReportWriter::tr("On %n evaluation sample(s), against the fp32 executor on the same "
                             "(BatchNorm-folded) graph.",
                             nullptr, int(x.samples))) +
        L("</p>\n<table>\n");
    row({esc(ReportWriter::tr("Executor")), esc(ReportWriter::tr("Top-1")),
         esc(ReportWriter::tr("Agreement with fp32")), esc(ReportWriter::tr("Output SQNR (dB)")),
         esc(ReportWriter::tr("Cosine"))},
        true);
    const QList<bool> num{false, true, true, true, true};
    auto pct = [](std::optional<double> v) {
        return v ? formatNumber(100.0 * *v, 1) + QLatin1Char('%') : QStringLiteral("\u2014");
    };
    row({esc(ReportWriter::tr("fp32")), pct(x.fp32Top1), QStringLiteral("100.0%"),
         QStringLiteral("\u221e"), QStringLiteral("1.0000")},
        false, num);
    for (const ExecutorAccuracy& e : x.executors) {
        const QString name = e.executor == "int8"
                                 ? ReportWriter::tr("int8 executor (integer)")
                                 : ReportWriter::tr("simulator (fake quantization)");
        if (!e.measured) {
            row({esc(name),
                 esc(ReportWriter::tr("not run: %1").arg(QString::fromStdString(e.note))),
                 QString(), QString(), QString()});
            continue;
        }
        row({esc(name), pct(e.result.top1), pct(e.result.agreement),
             formatNumber(e.result.sqnrDb, 2), formatNumber(e.cosine, 4)},
            false, num);
    }
    m_html += L("</table>\n");
}

void Builder::findingsSection() {
    section("findings", ReportWriter::tr("Findings"));
    const QStringList findings = ReportFindings::findings(m_data);
    if (findings.isEmpty()) {
        m_html += L("<p>") + esc(ReportWriter::tr("No findings: the analyses did not run.")) +
                  L("</p>\n");
        return;
    }
    m_html += L("<ul>\n");
    for (const QString& f : findings) m_html += L("<li>") + esc(f) + L("</li>\n");
    m_html += L("</ul>\n");
}

void Builder::layersSection() {
    section("layers", ReportWriter::tr("Per-layer table"), true);
    if (m_a.sensitivity) {
        SensitivityChart chart;
        chart.setResult(&*m_a.sensitivity);
        addChart(chart,
                 ReportWriter::tr("Output SQNR with each layer quantized alone (bars) and with all "
                                  "but that layer quantized (line), in graph order."));
    }
    const bool reverse = m_a.sensitivity && m_a.reverseMeasured;
    const bool mixed = m_a.mixedBits.has_value();
    QStringList header{esc(ReportWriter::tr("#")),      esc(ReportWriter::tr("Layer")),
                       esc(ReportWriter::tr("Op")),     esc(ReportWriter::tr("SQNR alone (dB)")),
                       esc(ReportWriter::tr("Cosine")), esc(ReportWriter::tr("Rank"))};
    if (reverse) header << esc(ReportWriter::tr("All but this (dB)"));
    header << esc(ReportWriter::tr("Range ratio")) << esc(ReportWriter::tr("Outlier ch."))
           << esc(ReportWriter::tr("W noise/tensor (dB)"))
           << esc(ReportWriter::tr("W noise/channel (dB)"));
    if (mixed) header << esc(ReportWriter::tr("Suggested bits"));
    // The names get the room; the numbers share the rest.
    QList<int> widths{3, 24, 5};
    const int numbers = int(header.size()) - 3;
    while (widths.size() < header.size()) widths << (100 - 32) / numbers;
    m_html += L("<table width=\"100%\">\n");
    row(header, true, {}, widths);
    for (size_t l = 0; l < m_a.layers.size(); ++l) {
        const LayerInfo& info = m_a.layers[l];
        QStringList cells{
            QString::number(l + 1),
            QStringLiteral("<span title=\"%1\">%2</span>")
                .arg(esc(info.node), esc(shortName(QString::fromStdString(info.node), 34))),
            esc(info.op)};
        QList<bool> num{true, false, false};
        if (m_a.sensitivity && l < m_a.sensitivity->layers.size()) {
            const LayerSensitivity& s = m_a.sensitivity->layers[l];
            cells << formatNumber(s.alone.sqnrDb, 2) << formatNumber(s.alone.cosine, 4)
                  << QString::number(s.rank);
            if (reverse) cells << formatNumber(s.reverse.sqnrDb, 2);
        } else {
            cells << QString() << QString() << QString();
        }
        if (l < m_a.outliers.layers.size()) {
            const LayerOutliers& o = m_a.outliers.layers[l];
            cells << formatNumber(o.channelRangeRatio, 1)
                  << QString::number(o.outlierChannels.size())
                  << formatNumber(o.perTensorNoiseDb, 1) << formatNumber(o.perChannelNoiseDb, 1);
        } else {
            cells << QString() << QString() << QString() << QString();
        }
        if (mixed) {
            const auto it = m_a.mixedBits->chosen.assignment.find(info.node);
            cells << (it != m_a.mixedBits->chosen.assignment.end() ? QString::number(it->second)
                                                                   : QString());
        }
        while (num.size() < cells.size()) num << true;
        row(cells, false, num);
    }
    m_html += L("</table>\n");
}

void Builder::sensitiveSection() {
    const std::vector<size_t> top = ReportFindings::topLayers(m_data);
    section("sensitive-layers",
            ReportWriter::tr("The %n most sensitive layer(s)", nullptr, int(top.size())), true);
    if (top.empty()) {
        m_html += L("<p>") + esc(ReportWriter::tr("No layer was analysed.")) + L("</p>\n");
        return;
    }
    int index = 0;
    for (size_t l : top) {
        const LayerInfo& info = m_a.layers[l];
        m_html += L("<h3>%1</h3>\n")
                      .arg(esc(ReportWriter::tr("%1. %2 (%3)")
                                   .arg(++index)
                                   .arg(QString::fromStdString(info.node),
                                        QString::fromStdString(info.op))));
        const QStringList parts = ReportFindings::layerFindings(m_data, l);
        if (!parts.isEmpty()) {
            m_html += L("<ul>\n");
            for (const QString& p : parts) m_html += L("<li>") + esc(p) + L("</li>\n");
            m_html += L("</ul>\n");
        }
        if (l < m_a.histograms.size()) {
            TensorHistogramChart chart;
            chart.setLayer(&m_a.histograms[l]);
            addChart(chart,
                     ReportWriter::tr("Weight histogram of %1 before and after BatchNorm merge, "
                                      "with the clip range and quantization grid.")
                         .arg(QString::fromStdString(info.node)));
        }
        if (l < m_a.spread.size()) {
            PerChannelRangeChart chart;
            const auto factor = m_a.bnFactor.find(info.node);
            chart.setLayer(&m_a.spread[l],
                           l < m_a.outliers.layers.size() ? &m_a.outliers.layers[l] : nullptr,
                           factor != m_a.bnFactor.end() ? &factor->second : nullptr);
            addChart(chart,
                     ReportWriter::tr("Per-channel weight range of %1 (outlier channels in red, "
                                      "BN factor on the right axis).")
                         .arg(QString::fromStdString(info.node)));
        }
        if (l < m_a.outliers.layers.size()) {
            const LayerOutliers& o = m_a.outliers.layers[l];
            std::vector<const ChannelWeightStats*> channels;
            for (const ChannelWeightStats& c : o.channels) channels.push_back(&c);
            std::stable_sort(channels.begin(), channels.end(),
                             [](auto* x, auto* y) { return x->absMaxOverStd > y->absMaxOverStd; });
            if (channels.size() > 8) channels.resize(8);
            m_html +=
                L("<p>") +
                esc(ReportWriter::tr("Channels with the largest max|w|/\u03c3 (outlier threshold "
                                     "%1\u03c3 of the median channel spread):")
                        .arg(formatNumber(m_a.outliers.options.k, 1))) +
                L("</p>\n<table>\n");
            row({esc(ReportWriter::tr("Channel")), esc(ReportWriter::tr("Min")),
                 esc(ReportWriter::tr("Max")), esc(ReportWriter::tr("max|w|/\u03c3")),
                 esc(ReportWriter::tr("Outlier"))},
                true);
            for (const ChannelWeightStats* c : channels)
                row({QString::number(c->channel), formatNumber(c->min, 4), formatNumber(c->max, 4),
                     formatNumber(c->absMaxOverStd, 1),
                     c->outlier ? esc(ReportWriter::tr("yes")) : esc(ReportWriter::tr("no"))},
                    false, {true, true, true, true, false});
            m_html += L("</table>\n");
        }
    }
}

void Builder::errorSection() {
    section("error-propagation", ReportWriter::tr("Graph-wise error"), true);
    if (!m_a.errors) {
        m_html +=
            L("<p>") + esc(ReportWriter::tr("Not run (needs evaluation data).")) + L("</p>\n");
        return;
    }
    ErrorPropagationChart chart;
    chart.setResult(&*m_a.errors);
    addChart(chart,
             ReportWriter::tr("SQNR of every tensor with the whole model quantized (total), the "
                              "error each node injects and the error it inherits."));
    std::vector<const TensorError*> worst;
    for (const TensorError& e : m_a.errors->tensors)
        if (std::isfinite(e.injectedSqnrDb)) worst.push_back(&e);
    std::stable_sort(worst.begin(), worst.end(),
                     [](auto* x, auto* y) { return x->injectedSqnrDb < y->injectedSqnrDb; });
    if (worst.size() > 8) worst.resize(8);
    if (worst.empty()) return;
    m_html += L("<p>") + esc(ReportWriter::tr("The nodes that inject the most error:")) +
              L("</p>\n<table width=\"100%\">\n");
    row({esc(ReportWriter::tr("Node")), esc(ReportWriter::tr("Op")),
         esc(ReportWriter::tr("Total (dB)")), esc(ReportWriter::tr("Injected (dB)")),
         esc(ReportWriter::tr("Inherited (dB)")), esc(ReportWriter::tr("Injected share"))},
        true, {}, {40, 12, 12, 12, 12, 12});
    for (const TensorError* e : worst)
        row({esc(shortName(QString::fromStdString(e->node), 34)), esc(e->op),
             formatNumber(e->totalSqnrDb, 1), formatNumber(e->injectedSqnrDb, 1),
             formatNumber(e->inheritedSqnrDb, 1),
             formatNumber(100.0 * e->injectedShare, 0) + QLatin1Char('%')},
            false, {false, false, true, true, true, true});
    m_html += L("</table>\n");
}

void Builder::int8Section() {
    section("int8", ReportWriter::tr("Integer executor"));
    if (!m_a.int8 || !m_a.int8->measured) {
        const QString why = m_a.int8 && !m_a.int8->note.empty()
                                ? ReportWriter::tr("The integer executor could not run this plan: "
                                                   "%1.")
                                      .arg(QString::fromStdString(m_a.int8->note))
                                : ReportWriter::tr("Not run (needs evaluation data).");
        m_html += L("<p>") + esc(why) + L("</p>\n");
        return;
    }
    const Int8Findings& f = *m_a.int8;
    m_html += L("<p>") +
              esc(ReportWriter::tr("The integer executor, the simulator and fp32 side by side on "
                                   "%n sample(s). Steps compare the integer codes with the "
                                   "simulator's, each node fed the simulator's inputs; SQNR is "
                                   "end to end against fp32.",
                                   nullptr, int(f.samples))) +
              L("</p>\n<p><code>") + esc(QString::fromStdString(f.summary)) + L("</code></p>\n");
    // The first divergent node, then the nodes furthest from the simulator and the most
    // saturated: the rows worth a look.
    std::vector<const Int8NodeFinding*> rows;
    for (const Int8NodeFinding& n : f.nodes) rows.push_back(&n);
    auto saturation = [](const Int8NodeFinding* n) { return n->saturationLow + n->saturationHigh; };
    std::stable_sort(rows.begin(), rows.end(), [&](auto* x, auto* y) {
        if (x->divergent != y->divergent) return x->divergent;
        if (x->maxSteps != y->maxSteps) return x->maxSteps > y->maxSteps;
        return saturation(x) > saturation(y);
    });
    if (rows.size() > 10) rows.resize(10);
    m_html += L("<table width=\"100%\">\n");
    row({esc(ReportWriter::tr("Node")), esc(ReportWriter::tr("Max steps")),
         esc(ReportWriter::tr("> 1 step")), esc(ReportWriter::tr("SQNR int / sim (dB)")),
         esc(ReportWriter::tr("Codes used")), esc(ReportWriter::tr("Saturated")),
         esc(ReportWriter::tr("Headroom (bits)"))},
        true, {}, {34, 10, 10, 14, 10, 10, 12});
    for (const Int8NodeFinding* n : rows) {
        QString name = shortName(QString::fromStdString(n->node), 30);
        if (n->divergent) name += QStringLiteral(" \u26a0");
        row({esc(name), QString::number(n->maxSteps),
             formatNumber(100.0 * n->shareBeyondOneStep, 3) + QLatin1Char('%'),
             formatNumber(n->sqnrIntDb, 1) + QStringLiteral(" / ") + formatNumber(n->sqnrSimDb, 1),
             std::isnan(n->codesUsedShare)
                 ? QString()
                 : formatNumber(100.0 * n->codesUsedShare, 1) + QLatin1Char('%'),
             formatNumber(100.0 * (n->saturationLow + n->saturationHigh), 2) + QLatin1Char('%'),
             n->headroomBits ? formatNumber(*n->headroomBits, 1) : QString()},
            false, {false, true, true, true, true, true, true});
    }
    m_html += L("</table>\n");
}

void Builder::mixedSection() {
    section("mixed-bits", ReportWriter::tr("Mixed-bit suggestion"), true);
    if (!m_a.mixedBits || m_a.mixedBits->pareto.empty()) {
        m_html += L("<p>") + esc(ReportWriter::tr("Not run (budget 0, or no evaluation data).")) +
                  L("</p>\n");
        return;
    }
    const MixedBitsResult& m = *m_a.mixedBits;
    MixedBitChart chart;
    chart.setResult(&m, m_a.mixedBitsMeasured ? m_a.mixedBitsMeasuredSqnrDb : qQNaN());
    addChart(chart,
             ReportWriter::tr("Pareto curve of average weight bits against predicted output SQNR, "
                              "the budget and the suggestion."));
    QString text =
        ReportWriter::tr("Budget %1 average weight bits; suggestion %2 bits, predicted %3 dB")
            .arg(formatNumber(m.budgetBits, 2), formatNumber(m.chosen.averageBits, 2),
                 formatNumber(m.chosen.predictedSqnrDb, 1));
    if (m_a.mixedBitsMeasured)
        text +=
            ReportWriter::tr(", measured %1 dB").arg(formatNumber(m_a.mixedBitsMeasuredSqnrDb, 1));
    m_html += L("<p>") + esc(text + QLatin1Char('.')) + L("</p>\n<table width=\"100%\">\n");
    row({esc(ReportWriter::tr("Layer")), esc(ReportWriter::tr("Parameters")),
         esc(ReportWriter::tr("Configured bits")), esc(ReportWriter::tr("Suggested bits"))},
        true, {}, {55, 15, 15, 15});
    for (const LayerBitNoise& r : m.table) {
        const auto it = m.chosen.assignment.find(r.node);
        row({esc(shortName(QString::fromStdString(r.node), 34)), QString::number(r.params),
             QString::number(r.configuredBits),
             it != m.chosen.assignment.end() ? QString::number(it->second) : QString()},
            false, {false, true, true, true});
    }
    m_html += L("</table>\n");
}

QString Builder::body() {
    m_html.clear();
    m_charts.clear();
    modelSection();
    settingsSection();
    accuracySection();
    findingsSection();
    layersSection();
    sensitiveSection();
    errorSection();
    int8Section();
    mixedSection();
    m_html += L("</div>\n");
    if (m_data.comparison) m_html += ReportComparison::section(*m_data.comparison, true);
    return m_html;
}

QString document(const QString& title, const QString& body) {
    return L("<!DOCTYPE html>\n"
             "<html xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n"
             "<meta charset=\"utf-8\"/>\n<title>%1</title>\n<style type=\"text/css\">%2</style>\n"
             "</head>\n<body>\n<h1>%1</h1>\n<p>%3</p>\n%4</body>\n</html>\n")
        .arg(esc(title), L(kStyle),
             esc(ReportWriter::tr("Generated by QuantScope %1 on %2.")
                     .arg(QStringLiteral(QUANTSCOPE_VERSION),
                          QDateTime::currentDateTimeUtc().toString(Qt::ISODate))),
             body);
}

QString replaceCharts(QString html, const std::vector<Chart>& charts,
                      const std::function<QString(size_t)>& src, int width) {
    for (size_t i = 0; i < charts.size(); ++i) {
        const int height = int(std::lround(double(width) * kChartHeight / kChartWidth));
        html.replace(L("@@CHART%1@@").arg(i),
                     L("<img src=\"%1\" width=\"%2\" height=\"%3\" alt=\"%4\"/>")
                         .arg(src(i))
                         .arg(width)
                         .arg(height)
                         .arg(esc(charts[i].caption)));
    }
    return html;
}

QString writeHtml(const QString& path, const QString& html, qint64* bytes) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return ReportWriter::tr("cannot write %1: %2").arg(path, file.errorString());
    const QByteArray utf8 = html.toUtf8();
    if (file.write(utf8) != utf8.size() || !file.commit())
        return ReportWriter::tr("cannot write %1: %2").arg(path, file.errorString());
    *bytes = utf8.size();
    return {};
}

QString writePdf(const QString& path, const QString& title, const QString& html,
                 const std::vector<Chart>& charts, int* pages, qint64* bytes) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return ReportWriter::tr("cannot write %1: %2").arg(path, file.errorString());
    {
        QPdfWriter pdf(&file);
        pdf.setPageSize(QPageSize(QPageSize::A4));
        // QTextDocument::print() puts its own 2 cm margin inside the page: none from the writer.
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout::Millimeter);
        pdf.setResolution(300);
        pdf.setTitle(title);
        pdf.setCreator(QStringLiteral("QuantScope"));
        QTextDocument doc;
        QFont font = doc.defaultFont();
        font.setPointSizeF(8.0);
        doc.setDefaultFont(font);
        for (size_t i = 0; i < charts.size(); ++i)
            doc.addResource(QTextDocument::ImageResource, QUrl(L("qs-chart-%1.png").arg(i)),
                            QVariant(charts[i].image));
        doc.setHtml(html);
        doc.print(&pdf);
    }
    *bytes = file.size();
    if (!file.commit())
        return ReportWriter::tr("cannot write %1: %2").arg(path, file.errorString());
    // print() paginates a copy of the document: count the pages it wrote (one page object each).
    QFile written(path);
    if (written.open(QIODevice::ReadOnly)) {
        static const QRegularExpression page(QStringLiteral("/Type\\s*/Page(?![s\\w])"));
        *pages = int(QString::fromLatin1(written.readAll()).count(page));
    }
    return {};
}

} // namespace

std::optional<ReportWriter::Format> ReportWriter::formatForPath(const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("html") || suffix == QLatin1String("htm")) return Format::Html;
    if (suffix == QLatin1String("pdf")) return Format::Pdf;
    return std::nullopt;
}

QString ReportWriter::unknownFormatError(const QString& path) {
    return tr("report %1: unknown format '.%2' (use .html, .htm or .pdf)")
        .arg(path, QFileInfo(path).suffix());
}

QStringList ReportWriter::sectionIds() {
    return {QStringLiteral("model"),
            QStringLiteral("settings"),
            QStringLiteral("accuracy"),
            QStringLiteral("findings"),
            QStringLiteral("layers"),
            QStringLiteral("sensitive-layers"),
            QStringLiteral("error-propagation"),
            QStringLiteral("int8"),
            QStringLiteral("mixed-bits")};
}

namespace {

// Either format from the document body and its charts; fills the stats (not the time).
QString writeDocument(const QString& path, ReportWriter::Format format, const QString& title,
                      const QString& body, const std::vector<Chart>& charts,
                      ReportWriter::Stats& s) {
    s.charts = int(charts.size());
    if (format == ReportWriter::Format::Html) {
        const QString html = replaceCharts(
            document(title, body), charts,
            [&charts](size_t i) {
                QByteArray png;
                QBuffer buffer(&png);
                buffer.open(QIODevice::WriteOnly);
                charts[i].image.save(&buffer, "PNG");
                return L("data:image/png;base64,") + QString::fromLatin1(png.toBase64());
            },
            kChartWidth);
        return writeHtml(path, html, &s.bytes);
    }
    // QTextDocument knows no data: URIs: the images are document resources.
    const QString html = replaceCharts(
        document(title, body), charts, [](size_t i) { return L("qs-chart-%1.png").arg(i); },
        kPdfChartWidth);
    return writePdf(path, title, html, charts, &s.pages, &s.bytes);
}

} // namespace

QString ReportWriter::write(const ReportData& data, const QString& path, Stats* stats) {
    QElapsedTimer timer;
    timer.start();
    const auto format = formatForPath(path);
    if (!format) return unknownFormatError(path);
    if (!data.analyses) return tr("report %1: no analysis to report (run first)").arg(path);
    Builder builder(data);
    const QString body = builder.body();
    Stats s;
    const QString error = writeDocument(
        path, *format, tr("QuantScope report: %1").arg(data.modelName), body, builder.charts(), s);
    s.seconds = double(timer.nsecsElapsed()) / 1e9;
    if (stats) *stats = s;
    return error;
}

QString ReportWriter::writeComparison(const RunDiff& diff, const QString& path, Stats* stats) {
    QElapsedTimer timer;
    timer.start();
    const auto format = formatForPath(path);
    if (!format) return unknownFormatError(path);
    const QString title = tr("QuantScope run comparison: %1 vs %2")
                              .arg(QFileInfo(QString::fromStdString(diff.sourceA)).fileName(),
                                   QFileInfo(QString::fromStdString(diff.sourceB)).fileName());
    Stats s;
    const QString error =
        writeDocument(path, *format, title, ReportComparison::section(diff, false), {}, s);
    s.seconds = double(timer.nsecsElapsed()) / 1e9;
    if (stats) *stats = s;
    return error;
}

} // namespace qs
