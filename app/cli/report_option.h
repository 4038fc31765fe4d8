// `analyze --report OUT.html|OUT.pdf`: the report of widgets/report, written from the analysis
// the command just ran. Built only with the widgets library (QUANTSCOPE_BUILD_GUI=ON); without
// it, report_option_disabled.cpp says so and the option fails with a clear error.
#pragma once

#include "analysis/error_propagation.h"
#include "analysis/mixed_bits.h"
#include "analysis/sensitivity.h"
#include "analysis/weight_outliers.h"
#include "export/run_diff.h"
#include "util/error.h"

#include <string>
#include <vector>

namespace qs::cli {

struct AnalyzeReportInputs {
    std::vector<std::string> paths; // one report per path, format by extension
    std::string modelPath;
    const Graph* original = nullptr; // as imported
    const QuantizedModel* model = nullptr;
    const std::vector<QuantLayerRef>* layers = nullptr;
    OutlierOptions outlierOptions;
    const SensitivityResult* sensitivity = nullptr;
    bool reverseMeasured = true;
    const MixedBitsResult* mixedBits = nullptr; // null: skipped
    double mixedBitsMeasuredSqnrDb = 0.0;
    const ErrorPropagation* errors = nullptr;
    const Tensor* data = nullptr;   // the evaluation samples
    const Tensor* labels = nullptr; // or null
    std::string inputName;
    std::string evaluationData; // "calibration data" or the --data file
    int threads = 1;
    double analysisSeconds = 0.0;
    const RunDiff* comparison = nullptr; // --compare B: this run against B, as a report section
};

// Before the analysis runs: this build can write reports and the extension is known. The error
// is a usage error (exit 2).
Status checkReportOption(const std::string& path);

// Compares the executors, renders each report and writes it; prints each path on stdout and
// the report's own time on stderr. Returns the exit code.
int writeAnalyzeReport(const AnalyzeReportInputs& inputs);

// `diff A B --report OUT`: one report per path whose content is the run comparison. Prints each
// path on stdout and its size on stderr. Returns the exit code.
int writeDiffReport(const RunDiff& diff, const std::vector<std::string>& paths);

} // namespace qs::cli
