// The report's plain-language findings, derived from the run's analysis structs only (no text
// about particular models): for each of the most sensitive layers what its outliers, grid,
// clipping and CLE say and what keeping it in float recovers; then the graph-wise error, the
// executors' agreement and the mixed-bit suggestion. Numbers are the structs' own.
#pragma once

#include "report_data.h"

#include <QCoreApplication>
#include <QStringList>
#include <vector>

namespace qs {

class ReportFindings {
    Q_DECLARE_TR_FUNCTIONS(qs::ReportFindings)

public:
    // Indices into analyses->layers of the data.topLayers most sensitive layers, rank 1 first
    // (by the outlier ranking when sensitivity was not run).
    static std::vector<size_t> topLayers(const ReportData& data);
    // What the analyses say about one layer, one clause each ("per-tensor weights: ...").
    static QStringList layerFindings(const ReportData& data, size_t layer);
    // Every finding, most important first; each one sentence.
    static QStringList findings(const ReportData& data);
};

// "12.3" with `decimals`; "∞" / "−∞" for infinities, "—" for NaN.
QString formatNumber(double value, int decimals = 2);

} // namespace qs
