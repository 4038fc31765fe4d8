// The report of one GUI run, for the main window's side: these functions build ReportData from a
// QuantRunResult and write it, so callers need none of the report's headers.
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
