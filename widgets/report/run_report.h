// The report of one GUI run, without the report's headers: widgets/model_snapshot.h and core's
// analysis/model_summary.h both define qs::TensorSummary, so the main window's side (which sees
// the snapshot) reaches ReportData only through these functions.
#pragma once

#include <QString>
#include <memory>

namespace qs {

class Graph;
struct QuantRunResult;
struct ReportData;

// The report of `run` on the model at `modelPath`; null when the run has no analyses.
std::unique_ptr<ReportData> reportDataFromRun(const QString& modelPath, const Graph& graph,
                                              const QuantRunResult& run);

// Writes that report to `outPath` (format by extension). Empty on success, else one line (also
// when there is nothing to report).
QString writeRunReport(const QString& modelPath, const Graph& graph, const QuantRunResult& run,
                       const QString& outPath);

} // namespace qs
