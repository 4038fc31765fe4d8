// What a QuantScope report shows, gathered once: the model summary, the settings and the
// analyses of one run (core's result structs, unchanged). `quantscope-cli analyze --report`
// and the GUI's File ▸ Export report… both fill it and hand it to ReportWriter, so the two
// produce the same report.
#pragma once

#include "analysis/model_summary.h"
#include "export/run_diff.h"
#include "inspector/run_analyses.h"

#include <QString>
#include <QStringList>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace qs {

struct ReportData {
    QString modelName;                                         // the model file's name
    ModelSummary summary;                                      // of the model as imported
    std::vector<std::pair<std::string, std::string>> settings; // QuantConfig::describe()
    std::shared_ptr<const RunAnalyses> analyses;               // required
    QStringList notes;          // calibration, data-free ranges, skipped analyses
    int calibrationSamples = 0; // 0: data-free
    QString evaluationData;     // what the evaluation samples were ("calibration data", a file)
    int topLayers = 5;          // sensitive layers shown in detail
    // `analyze --compare B`: this run (A) against B, appended as the "Run comparison" section.
    std::shared_ptr<const RunDiff> comparison;
};

} // namespace qs
