#include "run_report.h"

#include "quant_run.h"
#include "report_data.h"
#include "report_writer.h"

#include <QFileInfo>

namespace qs {

std::unique_ptr<ReportData> reportDataFromRun(const QString& modelPath, const Graph& graph,
                                              const QuantRunResult& run) {
    if (!run.analyses) return nullptr;
    auto data = std::make_unique<ReportData>();
    data->modelName = QFileInfo(modelPath).fileName();
    data->summary = summarizeModel(graph);
    // QuantRunResult keeps QuantConfig::describe() as "key: value" lines.
    for (const QString& line : run.settings) {
        const qsizetype colon = line.indexOf(QLatin1String(": "));
        if (colon < 0) continue;
        data->settings.emplace_back(line.left(colon).toStdString(),
                                    line.mid(colon + 2).toStdString());
    }
    data->calibrationSamples = run.calibrationSamples;
    const int64_t samples =
        run.analyses->executors ? run.analyses->executors->samples : run.evalSamples;
    data->evaluationData =
        ReportWriter::tr("the first %n calibration sample(s)", nullptr, int(samples));
    data->notes = run.notes;
    data->analyses = run.analyses;
    return data;
}

QString writeRunReport(const QString& modelPath, const Graph& graph, const QuantRunResult& run,
                       const QString& outPath) {
    const auto data = reportDataFromRun(modelPath, graph, run);
    if (!data)
        return ReportWriter::tr("Nothing to report: run the quantization with calibration data "
                                "first.");
    return ReportWriter::write(*data, outPath);
}

} // namespace qs
