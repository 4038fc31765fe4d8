#include "report_comparison.h"

#include "report_findings.h"
#include "report_html.h"
#include "report_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

namespace qs {

QString formatSigned(double value, int decimals) {
    if (!std::isfinite(value)) return formatNumber(value, decimals); // "—", "∞", "−∞"
    const QString magnitude = formatNumber(std::abs(value), decimals);
    // No sign on a value that prints as zero.
    if (magnitude.toDouble() == 0.0) return magnitude;
    return (value > 0 ? QStringLiteral("+") : QStringLiteral("\u2212")) + magnitude;
}

namespace {

using report_html::esc;
using report_html::L;
QString name(const std::string& s) {
    return QString::fromStdString(s);
}
const QString kDash = QStringLiteral("\u2014");

QString text(const std::optional<double>& v, int decimals = 2) {
    return v ? formatNumber(*v, decimals) : kDash;
}
QString text(const std::optional<int>& v) {
    return v ? QString::number(*v) : kDash;
}
QString bitsText(const std::optional<int>& bits, const std::optional<bool>& quantized) {
    if (!bits) return kDash;
    if (*bits == 0 || (quantized && !*quantized)) return ReportComparison::tr("float");
    return QString::number(*bits);
}
std::optional<int> rankDelta(const LayerDiff& l) {
    if (l.sensitivityRankA && l.sensitivityRankB && *l.sensitivityRankA > 0 &&
        *l.sensitivityRankB > 0)
        return *l.sensitivityRankB - *l.sensitivityRankA;
    return std::nullopt;
}
bool finiteDelta(const std::optional<double>& d) {
    return d && std::isfinite(*d);
}

void row(QString& html, const QStringList& cells, bool header = false,
         const QList<bool>& numeric = {}) {
    html += L("<tr>");
    for (int i = 0; i < cells.size(); ++i) {
        if (header)
            html += L("<th>") + cells[i] + L("</th>");
        else if (i < numeric.size() && numeric[i])
            html += L("<td class=\"num\" align=\"right\">") + cells[i] + L("</td>");
        else
            html += L("<td>") + cells[i] + L("</td>");
    }
    html += L("</tr>\n");
}

// The largest |delta| among `layers` by `delta`, or null.
template <typename Delta>
const LayerDiff* largest(const std::vector<const LayerDiff*>& layers, Delta delta) {
    const LayerDiff* best = nullptr;
    double bestAbs = -1.0;
    for (const LayerDiff* l : layers) {
        const auto d = delta(*l);
        if (!d || !std::isfinite(double(*d))) continue;
        if (std::abs(double(*d)) > bestAbs) {
            bestAbs = std::abs(double(*d));
            best = l;
        }
    }
    return best;
}

} // namespace

std::vector<const LayerDiff*> ReportComparison::commonLayersByChange(const RunDiff& diff) {
    std::vector<const LayerDiff*> common;
    for (const LayerDiff& l : diff.layers)
        if (l.inA && l.inB) common.push_back(&l);
    // The alone-quantized SQNR when the runs have it, else the run's per-node SQNR (projects).
    auto sqnr = [](const LayerDiff& l) {
        auto d = l.sqnrDbDelta();
        if (!finiteDelta(d)) d = l.runSqnrDbDelta();
        return finiteDelta(d) ? std::abs(*d) : -1.0;
    };
    std::stable_sort(common.begin(), common.end(), [&](const LayerDiff* x, const LayerDiff* y) {
        const double sx = sqnr(*x), sy = sqnr(*y);
        if (sx != sy) return sx > sy;
        const auto rx = rankDelta(*x), ry = rankDelta(*y);
        return (rx ? std::abs(*rx) : -1) > (ry ? std::abs(*ry) : -1);
    });
    return common;
}

QStringList ReportComparison::summary(const RunDiff& diff) {
    QStringList lines;
    if (!diff.sameModel)
        lines << tr("The runs are of different models (%1, %2): layers are matched by node name.")
                     .arg(name(diff.modelA), name(diff.modelB));
    if (diff.settings.empty()) {
        lines << tr("The settings are the same.");
    } else {
        QStringList changes;
        for (const SettingDiff& s : diff.settings)
            changes << tr("%1 %2 \u2192 %3")
                           .arg(name(s.key), s.a.empty() ? kDash : name(s.a),
                                s.b.empty() ? kDash : name(s.b));
        lines << tr("%n setting(s) differ: %1.", nullptr, int(diff.settings.size()))
                     .arg(changes.join(QStringLiteral("; ")));
    }
    if (diff.sqnrDbA && diff.sqnrDbB)
        lines << tr("Output SQNR: %1 dB in A, %2 dB in B (%3 dB).")
                     .arg(formatNumber(*diff.sqnrDbA, 2), formatNumber(*diff.sqnrDbB, 2),
                          formatSigned(*diff.sqnrDbB - *diff.sqnrDbA, 2));
    if (diff.top1A && diff.top1B)
        lines << tr("Top-1: %1% in A, %2% in B (%3 points).")
                     .arg(formatNumber(100.0 * *diff.top1A, 1),
                          formatNumber(100.0 * *diff.top1B, 1),
                          formatSigned(100.0 * (*diff.top1B - *diff.top1A), 1));
    if (diff.runOutputSqnrDbA && diff.runOutputSqnrDbB)
        lines << tr("Run output SQNR: %1 dB in A, %2 dB in B (%3 dB).")
                     .arg(formatNumber(*diff.runOutputSqnrDbA, 2),
                          formatNumber(*diff.runOutputSqnrDbB, 2),
                          formatSigned(*diff.runOutputSqnrDbB - *diff.runOutputSqnrDbA, 2));

    const std::vector<const LayerDiff*> common = commonLayersByChange(diff);
    auto sqnrLine = [&](auto delta, const QString& which) {
        int changed = 0, better = 0, worse = 0;
        for (const LayerDiff* l : common) {
            const auto d = delta(*l);
            if (!finiteDelta(d)) continue;
            if (std::abs(*d) > kSqnrThresholdDb) ++changed;
            if (*d > 0) ++better;
            if (*d < 0) ++worse;
        }
        const LayerDiff* top = largest(common, delta);
        if (!top) return;
        const QString largestText =
            tr("%1 %2 dB").arg(name(top->node), formatSigned(*delta(*top), 1));
        const QString threshold = formatNumber(kSqnrThresholdDb, 0);
        if (changed > 0)
            lines << tr("%n layer(s) changed %1 by more than %2 dB; largest: %3.", nullptr, changed)
                         .arg(which, threshold, largestText);
        else
            lines << tr("No layer changed %1 by more than %2 dB; largest: %3.")
                         .arg(which, threshold, largestText);
        lines << tr("%1 is higher in B on %2 and lower on %3 of %n common layer(s).", nullptr,
                    int(common.size()))
                     .arg(which)
                     .arg(better)
                     .arg(worse);
    };
    sqnrLine([](const LayerDiff& l) { return l.sqnrDbDelta(); }, tr("SQNR"));
    sqnrLine([](const LayerDiff& l) { return l.runSqnrDbDelta(); }, tr("run SQNR"));

    int moved = 0;
    for (const LayerDiff* l : common)
        if (const auto r = rankDelta(*l); r && std::abs(*r) >= kRankThreshold) ++moved;
    if (const LayerDiff* top = largest(common, [](const LayerDiff& l) { return rankDelta(l); });
        top && *rankDelta(*top) != 0)
        lines << tr("%n layer(s) moved %1 or more places in the sensitivity ranking; largest: %2 "
                    "from rank %3 to %4.",
                    nullptr, moved)
                     .arg(kRankThreshold)
                     .arg(name(top->node))
                     .arg(*top->sensitivityRankA)
                     .arg(*top->sensitivityRankB);
    const LayerDiff *firstA = nullptr, *firstB = nullptr;
    for (const LayerDiff& l : diff.layers) {
        if (l.sensitivityRankA == 1) firstA = &l;
        if (l.sensitivityRankB == 1) firstB = &l;
    }
    if (firstA && firstB)
        lines << (firstA == firstB
                      ? tr("The most sensitive layer is %1 in both runs.").arg(name(firstA->node))
                      : tr("The most sensitive layer is %1 in A and %2 in B.")
                            .arg(name(firstA->node), name(firstB->node)));
    int rebits = 0;
    for (const LayerDiff* l : common)
        if (l->bitsA && l->bitsB &&
            bitsText(l->bitsA, l->quantizedA) != bitsText(l->bitsB, l->quantizedB))
            ++rebits;
    if (rebits > 0) lines << tr("%n layer(s) have different weight bits.", nullptr, rebits);
    if (!diff.tensors.empty()) {
        const TensorDiff* widest = nullptr;
        for (const TensorDiff& t : diff.tensors)
            if (t.maxScaleRatio && (!widest || *t.maxScaleRatio > *widest->maxScaleRatio))
                widest = &t;
        const QString count =
            tr("%n tensor(s) are quantized differently", nullptr, int(diff.tensors.size()));
        lines << (widest ? tr("%1; scales moved by up to \u00d7%2 (%3).")
                               .arg(count, formatNumber(*widest->maxScaleRatio, 3),
                                    name(widest->tensor))
                         : count + QLatin1Char('.'));
    }
    QStringList onlyA, onlyB;
    for (const LayerDiff& l : diff.layers) {
        if (l.inA && !l.inB) onlyA << name(l.node);
        if (l.inB && !l.inA) onlyB << name(l.node);
    }
    if (!onlyA.isEmpty())
        lines << tr("%n layer(s) only in A: %1.", nullptr, int(onlyA.size()))
                     .arg(onlyA.join(QStringLiteral(", ")));
    if (!onlyB.isEmpty())
        lines << tr("%n layer(s) only in B: %1.", nullptr, int(onlyB.size()))
                     .arg(onlyB.join(QStringLiteral(", ")));
    return lines;
}

QString ReportComparison::section(const RunDiff& diff, bool pageBreak) {
    QString html =
        L("<div class=\"section\" id=\"%1\">\n<h2%2>%3</h2>\n")
            .arg(sectionId(), pageBreak ? L(" style=\"page-break-before: always\"") : QString(),
                 esc(tr("Run comparison")));
    // The inputs.
    html += L("<table>\n");
    row(html, {QString(), esc(tr("A")), esc(tr("B"))}, true);
    row(html, {esc(tr("File")), esc(diff.sourceA), esc(diff.sourceB)});
    row(html, {esc(tr("Model")), esc(diff.modelA), esc(diff.modelB)});
    const QList<bool> num{false, true, true};
    if (diff.sqnrDbA || diff.sqnrDbB)
        row(html, {esc(tr("Output SQNR (dB)")), text(diff.sqnrDbA), text(diff.sqnrDbB)}, false,
            num);
    if (diff.top1A || diff.top1B) {
        auto pct = [](const std::optional<double>& v) {
            return v ? formatNumber(100.0 * *v, 1) + QLatin1Char('%') : kDash;
        };
        row(html, {esc(tr("Top-1")), pct(diff.top1A), pct(diff.top1B)}, false, num);
    }
    if (diff.runOutputSqnrDbA || diff.runOutputSqnrDbB)
        row(html,
            {esc(tr("Run output SQNR (dB)")), text(diff.runOutputSqnrDbA),
             text(diff.runOutputSqnrDbB)},
            false, num);
    if (diff.runAgreementA || diff.runAgreementB)
        row(html,
            {esc(tr("Run agreement")), text(diff.runAgreementA, 4), text(diff.runAgreementB, 4)},
            false, num);
    html += L("</table>\n");

    html += L("<ul class=\"summary\">\n");
    for (const QString& line : summary(diff)) html += L("<li>") + esc(line) + L("</li>\n");
    html += L("</ul>\n");

    html += L("<h3>") + esc(tr("Settings that differ")) + L("</h3>\n");
    if (diff.settings.empty()) {
        html += L("<p>") + esc(tr("None.")) + L("</p>\n");
    } else {
        html += L("<table>\n");
        row(html, {esc(tr("Setting")), esc(tr("A")), esc(tr("B"))}, true);
        for (const SettingDiff& s : diff.settings)
            row(html, {esc(s.key), s.a.empty() ? kDash : esc(s.a), s.b.empty() ? kDash : esc(s.b)});
        html += L("</table>\n");
    }

    const std::vector<const LayerDiff*> common = commonLayersByChange(diff);
    html += L("<h3>") + esc(tr("Per-layer comparison")) + L("</h3>\n<p class=\"caption\">") +
            esc(tr("The %n layer(s) both runs have, the largest SQNR change first. SQNR: the "
                   "model's output with this layer alone quantized; \u0394 = B \u2212 A; rank 1 "
                   "= most sensitive.",
                   nullptr, int(common.size()))) +
            L("</p>\n");
    // Columns no layer has a value for (bits without a plan, suggestions without mixed bits,
    // the run's SQNR without a GUI run) are left out.
    auto any = [&common](auto has) { return std::any_of(common.begin(), common.end(), has); };
    const bool bitsColumns = any([](const LayerDiff* l) { return l->bitsA || l->bitsB; });
    const bool suggestedColumns = any([](const LayerDiff* l) {
        return l->suggestedBitsA.value_or(0) > 0 || l->suggestedBitsB.value_or(0) > 0;
    });
    const bool sqnrColumns = any([](const LayerDiff* l) { return l->sqnrDbA || l->sqnrDbB; });
    const bool rankColumns = any([](const LayerDiff* l) {
        return l->sensitivityRankA.value_or(0) > 0 || l->sensitivityRankB.value_or(0) > 0;
    });
    const bool runColumns = any([](const LayerDiff* l) { return l->runSqnrDbA || l->runSqnrDbB; });
    QStringList header{esc(tr("Layer")), esc(tr("Op"))};
    if (bitsColumns) header << esc(tr("Bits A")) << esc(tr("Bits B"));
    if (sqnrColumns)
        header << esc(tr("SQNR A (dB)")) << esc(tr("SQNR B (dB)")) << esc(tr("\u0394SQNR (dB)"));
    if (rankColumns) header << esc(tr("Rank A")) << esc(tr("Rank B")) << esc(tr("\u0394Rank"));
    if (suggestedColumns) header << esc(tr("Suggested bits A")) << esc(tr("Suggested bits B"));
    if (runColumns)
        header << esc(tr("Run SQNR A (dB)")) << esc(tr("Run SQNR B (dB)"))
               << esc(tr("\u0394Run SQNR (dB)"));
    html += L("<table id=\"comparison-layers\" width=\"100%\">\n");
    row(html, header, true);
    for (const LayerDiff* l : common) {
        const auto d = l->sqnrDbDelta();
        const auto r = rankDelta(*l);
        auto suggested = [](const std::optional<int>& b) {
            return b && *b > 0 ? QString::number(*b) : kDash;
        };
        QStringList cells{esc(l->node), esc(l->op)};
        if (bitsColumns)
            cells << bitsText(l->bitsA, l->quantizedA) << bitsText(l->bitsB, l->quantizedB);
        if (sqnrColumns)
            cells << text(l->sqnrDbA) << text(l->sqnrDbB) << (d ? formatSigned(*d, 2) : kDash);
        if (rankColumns)
            cells << text(l->sensitivityRankA) << text(l->sensitivityRankB)
                  << (r ? (*r > 0   ? QStringLiteral("+%1").arg(*r)
                           : *r < 0 ? QStringLiteral("\u2212%1").arg(-*r)
                                    : QStringLiteral("0"))
                        : kDash);
        if (suggestedColumns) cells << suggested(l->suggestedBitsA) << suggested(l->suggestedBitsB);
        if (runColumns) {
            const auto rd = l->runSqnrDbDelta();
            cells << text(l->runSqnrDbA) << text(l->runSqnrDbB)
                  << (rd ? formatSigned(*rd, 2) : kDash);
        }
        QList<bool> numeric{false, false};
        while (numeric.size() < cells.size()) numeric << true;
        row(html, cells, false, numeric);
    }
    html += L("</table>\n");

    html += L("<h3>") + esc(tr("Tensors quantized differently")) + L("</h3>\n");
    if (diff.tensors.empty()) {
        html += L("<p>") +
                esc(tr("None, or not comparable: scales are compared only when both sides have a "
                       "quantization table (quant_table.json, a project, or the analysis run "
                       "itself).")) +
                L("</p>\n");
    } else {
        std::vector<const TensorDiff*> tensors;
        for (const TensorDiff& t : diff.tensors) tensors.push_back(&t);
        std::stable_sort(tensors.begin(), tensors.end(), [](auto* x, auto* y) {
            return x->maxScaleRatio.value_or(0.0) > y->maxScaleRatio.value_or(0.0);
        });
        const size_t shown = std::min<size_t>(tensors.size(), kMaxTensorRows);
        html += L("<table width=\"100%\">\n");
        row(html,
            {esc(tr("Tensor")), esc(tr("A")), esc(tr("B")),
             esc(tr("Max scale ratio (max over channels of the larger of A/B, B/A)"))},
            true);
        auto describe = [](const std::string& state, int bits, const std::string& scheme,
                           const std::string& granularity) {
            QStringList parts{name(state)};
            if (bits > 0) parts << tr("%1 bit").arg(bits);
            if (!scheme.empty()) parts << name(scheme);
            if (!granularity.empty()) parts << name(granularity);
            return parts.join(QStringLiteral(", "));
        };
        for (size_t i = 0; i < shown; ++i) {
            const TensorDiff& t = *tensors[i];
            row(html,
                {esc(t.tensor), esc(describe(t.stateA, t.bitsA, t.schemeA, t.granularityA)),
                 esc(describe(t.stateB, t.bitsB, t.schemeB, t.granularityB)),
                 t.maxScaleRatio ? formatNumber(*t.maxScaleRatio, 3) : kDash},
                false, {false, false, false, true});
        }
        html += L("</table>\n");
        if (tensors.size() > shown)
            html += L("<p>") +
                    esc(tr("… and %n more tensor(s).", nullptr, int(tensors.size() - shown))) +
                    L("</p>\n");
    }
    html += L("</div>\n");
    return html;
}

QString ReportComparison::writeReport(const RunDiff& diff, const QString& path) {
    return ReportWriter::writeComparison(diff, path);
}

} // namespace qs
