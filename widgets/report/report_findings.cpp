#include "report_findings.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs {

QString formatNumber(double value, int decimals) {
    if (std::isnan(value)) return QStringLiteral("\u2014");
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("\u221e") : QStringLiteral("\u2212\u221e");
    return QString::number(value, 'f', decimals);
}

namespace {

QString name(const std::string& s) {
    return QString::fromStdString(s);
}

// Percentage points between two fractions, signed ("+3.1", "−0.5").
QString points(double after, double before) {
    const double d = 100.0 * (after - before);
    return (d >= 0 ? QStringLiteral("+") : QStringLiteral("\u2212")) +
           QString::number(std::abs(d), 'f', 1);
}

QString signedDb(double d) {
    if (!std::isfinite(d)) return formatNumber(d, 1);
    return (d >= 0 ? QStringLiteral("+") : QStringLiteral("\u2212")) +
           QString::number(std::abs(d), 'f', 1);
}

bool perTensorWeights(const RunAnalyses& a, size_t l) {
    return l < a.histograms.size() && a.histograms[l].weightQuantized.quantized &&
           a.histograms[l].weightQuantized.grids.size() == 1;
}

} // namespace

std::vector<size_t> ReportFindings::topLayers(const ReportData& data) {
    return data.analyses ? data.analyses->mostSensitive(data.topLayers) : std::vector<size_t>{};
}

QStringList ReportFindings::layerFindings(const ReportData& data, size_t l) {
    QStringList out;
    if (!data.analyses || l >= data.analyses->layers.size()) return out;
    const RunAnalyses& a = *data.analyses;
    const LayerInfo& info = a.layers[l];
    if (a.sensitivity && l < a.sensitivity->layers.size()) {
        const LayerSensitivity& s = a.sensitivity->layers[l];
        out << tr("quantized alone it brings the output to %1 dB SQNR and %2% arg-max agreement "
                  "(sensitivity rank %3 of %4)")
                   .arg(formatNumber(s.alone.sqnrDb, 1), formatNumber(100.0 * s.alone.agreement, 1))
                   .arg(s.rank)
                   .arg(a.layers.size());
    }
    const bool perTensor = perTensorWeights(a, l);
    if (l < a.outliers.layers.size()) {
        const LayerOutliers& o = a.outliers.layers[l];
        const int n = int(o.outlierChannels.size());
        const QString merged = o.batchNorm.empty()
                                   ? tr("in its weights")
                                   : tr("after merging BatchNorm %1").arg(name(o.batchNorm));
        const QString noise =
            tr("weight noise %1 dB per tensor vs %2 dB per channel")
                .arg(formatNumber(o.perTensorNoiseDb, 1), formatNumber(o.perChannelNoiseDb, 1));
        if (n > 0 && perTensor) {
            out << tr("per-tensor weights: %n outlier channel(s) %1 stretch the one grid of all "
                      "%2 channels (channel range ratio %3\u00d7); %4",
                      nullptr, n)
                       .arg(merged)
                       .arg(info.channels)
                       .arg(formatNumber(o.channelRangeRatio, 1), noise);
        } else if (n > 0) {
            out << tr("%n outlier channel(s) %1 (channel range ratio %2\u00d7); per-channel "
                      "weights give each its own grid (%3)",
                      nullptr, n)
                       .arg(merged, formatNumber(o.channelRangeRatio, 1), noise);
        } else if (perTensor && o.perTensorNoiseDb - o.perChannelNoiseDb > 6.0) {
            out << tr("per-tensor weights: channel ranges spread %1\u00d7 %2; %3")
                       .arg(formatNumber(o.channelRangeRatio, 1), merged, noise);
        }
        if (perTensor && std::isfinite(o.perTensorNoiseDb) && std::isfinite(o.perChannelNoiseDb) &&
            o.perTensorNoiseDb > o.perChannelNoiseDb)
            out << tr("per-channel weights would lower its weight noise by %1 dB")
                       .arg(formatNumber(o.perTensorNoiseDb - o.perChannelNoiseDb, 1));
    }
    if (l < a.histograms.size()) {
        const LayerHistograms& h = a.histograms[l];
        if (h.weightQuantized.clippedFraction > 0)
            out << tr("%1% of its quantized weights lie outside the grid (clipped)")
                       .arg(formatNumber(100.0 * h.weightQuantized.clippedFraction, 3));
        if (h.output && h.output->quantized && h.output->clippedFraction >= 1e-3)
            out << tr("its output activation %1 clips %2% of the calibration values")
                       .arg(name(h.output->tensor),
                            formatNumber(100.0 * h.output->clippedFraction, 2));
    }
    if (a.remedies) {
        for (const LayerRemedies& r : a.remedies->layers) {
            if (r.node != info.node) continue;
            const OutputScore& now = a.remedies->current;
            for (const RemedyOutcome& o : r.outcomes) {
                const QString what =
                    o.remedy == "per_channel" ? tr("per-channel weights") : tr("16-bit weights");
                QString text = tr("%1 on this layer only: output SQNR %2 dB (%3 dB), %4 points of "
                                  "agreement")
                                   .arg(what, formatNumber(o.score.sqnrDb, 1),
                                        signedDb(o.score.sqnrDb - now.sqnrDb),
                                        points(o.score.agreement, now.agreement));
                if (o.score.top1 && now.top1)
                    text += tr(", %1 points of top-1").arg(points(*o.score.top1, *now.top1));
                out << text + tr(" (measured on %n sample(s))", nullptr, int(a.remedies->samples));
            }
        }
    }
    if (l < a.spread.size() && a.spread[l].weightAfterCle)
        out << tr("CLE changed its channel range ratio from %1\u00d7 to %2\u00d7")
                   .arg(formatNumber(a.spread[l].weightAfterBn.rangeRatio(), 1),
                        formatNumber(a.spread[l].weightAfterCle->rangeRatio(), 1));
    if (a.sensitivity && a.reverseMeasured && l < a.sensitivity->layers.size()) {
        const LayerSensitivity& s = a.sensitivity->layers[l];
        const OutputAgreement& full = a.sensitivity->full;
        QString text =
            tr("keeping it in float (all else quantized) gives %1 dB output SQNR "
               "(%2 dB) and %3 points of agreement")
                .arg(formatNumber(s.reverse.sqnrDb, 1), signedDb(s.reverse.sqnrDb - full.sqnrDb),
                     points(s.reverse.agreement, full.agreement));
        if (s.reverse.top1 && full.top1)
            text += tr(", %1 points of top-1").arg(points(*s.reverse.top1, *full.top1));
        out << text;
    }
    return out;
}

QStringList ReportFindings::findings(const ReportData& data) {
    QStringList out;
    if (!data.analyses) return out;
    const RunAnalyses& a = *data.analyses;
    // The model as a whole.
    if (a.executors) {
        const ExecutorComparison& x = *a.executors;
        const ExecutorAccuracy* sim = nullptr;
        const ExecutorAccuracy* int8 = nullptr;
        for (const ExecutorAccuracy& e : x.executors) {
            if (e.executor == "simulator" && e.measured) sim = &e;
            if (e.executor == "int8") int8 = &e;
        }
        if (sim) {
            QString text = tr("The quantized model (simulated) agrees with fp32 on %1% of %n "
                              "sample(s), output SQNR %2 dB",
                              nullptr, int(x.samples))
                               .arg(formatNumber(100.0 * sim->result.agreement, 1),
                                    formatNumber(sim->result.sqnrDb, 1));
            if (sim->result.top1 && x.fp32Top1)
                text += tr("; top-1 %1% against %2% in fp32")
                            .arg(formatNumber(100.0 * *sim->result.top1, 1),
                                 formatNumber(100.0 * *x.fp32Top1, 1));
            out << text + QLatin1Char('.');
        }
        if (sim && int8 && int8->measured)
            out << tr("The int8 executor agrees with fp32 on %1% of the samples (output SQNR %2 "
                      "dB), %3 points from the simulator.")
                       .arg(formatNumber(100.0 * int8->result.agreement, 1),
                            formatNumber(int8->result.sqnrDb, 1),
                            points(int8->result.agreement, sim->result.agreement));
        else if (int8 && !int8->measured && !int8->note.empty())
            out << tr("The int8 executor could not run this plan: %1.").arg(name(int8->note));
    }
    if (a.int8 && a.int8->measured) {
        // The divergence finder's verdict, as the CLI's `run --diagnostics` prints it.
        for (const Int8NodeFinding& n : a.int8->nodes)
            if (n.divergent)
                out << tr("The integer execution departs first at %1 (%2): %3.")
                           .arg(name(n.node), name(n.op), name(a.int8->summary));
    }
    for (size_t l : topLayers(data)) {
        const QStringList parts = layerFindings(data, l);
        if (!parts.isEmpty())
            out << tr("Layer %1 (%2): %3.")
                       .arg(name(a.layers[l].node), name(a.layers[l].op),
                            parts.join(QStringLiteral("; ")));
    }
    if (a.errors && !a.errors->tensors.empty()) {
        const TensorError* worst = nullptr;
        for (const TensorError& e : a.errors->tensors)
            if (std::isfinite(e.injectedSqnrDb) &&
                (!worst || e.injectedSqnrDb < worst->injectedSqnrDb))
                worst = &e;
        if (worst)
            out << tr("Graph-wise error: node %1 (%2) injects the most error of any node "
                      "(injected SQNR %3 dB; %4% of the error on its output is its own).")
                       .arg(name(worst->node), name(worst->op),
                            formatNumber(worst->injectedSqnrDb, 1),
                            formatNumber(100.0 * worst->injectedShare, 0));
        const TensorError& last = a.errors->tensors.back();
        out << tr("The error accumulates to %1 dB SQNR at %2, the last tensor.")
                   .arg(formatNumber(last.totalSqnrDb, 1), name(last.tensor));
    }
    if (a.mixedBits && !a.mixedBits->pareto.empty()) {
        const MixedBitsResult& m = *a.mixedBits;
        std::map<int, int> byBits;
        for (const auto& [node, bits] : m.chosen.assignment) ++byBits[bits];
        QStringList counts;
        for (const auto& [bits, count] : byBits)
            counts << tr("%n layer(s) at %1 bits", nullptr, count).arg(bits);
        QString text =
            tr("Mixed bits: under a budget of %1 average weight bits the suggestion "
               "averages %2 bits (%3), predicted output SQNR %4 dB")
                .arg(formatNumber(m.budgetBits, 2), formatNumber(m.chosen.averageBits, 2),
                     counts.join(QStringLiteral(", ")), formatNumber(m.chosen.predictedSqnrDb, 1));
        if (a.mixedBitsMeasured)
            text += tr(", measured %1 dB").arg(formatNumber(a.mixedBitsMeasuredSqnrDb, 1));
        if (!m.withinBudget) text += tr("; no assignment fits the budget");
        out << text + QLatin1Char('.');
    }
    return out;
}

} // namespace qs
