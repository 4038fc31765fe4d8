// `analyze --report`: runs the executor comparison, gathers the analyses into the widgets'
// RunAnalyses and renders the report offscreen with the GUI's chart classes.
#include "cli/report_option.h"

#include "analysis/executor_comparison.h"
#include "analysis/model_summary.h"
#include "cli/commands.h"
#include "report/report_writer.h"

#include <QApplication>
#include <QString>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

namespace qs::cli {

Status checkReportOption(const std::string& path) {
    const QString p = QString::fromStdString(path);
    if (!ReportWriter::formatForPath(p))
        return makeError(ErrorCode::InvalidArgument,
                         "option '--report': ", ReportWriter::unknownFormatError(p).toStdString());
    return {};
}

namespace {

// Charts are widgets and the PDF needs fonts: a QApplication, on the offscreen platform unless
// the caller chose one (no display is needed to render into images). Null when one exists.
std::unique_ptr<QApplication> reportApplication() {
    if (!std::getenv("QT_QPA_PLATFORM")) setenv("QT_QPA_PLATFORM", "offscreen", 1);
    if (QApplication::instance()) return nullptr;
    static int argc = 1;
    static char name[] = "quantscope-cli";
    static char* argv[] = {name, nullptr};
    return std::make_unique<QApplication>(argc, argv);
}

} // namespace

int writeAnalyzeReport(const AnalyzeReportInputs& in) {
    const auto started = std::chrono::steady_clock::now();
    const std::unique_ptr<QApplication> app = reportApplication();
    const QuantizedModel& q = *in.model;
    auto analyses = std::make_shared<RunAnalyses>();
    if (Status st = fillLayerAnalyses(*analyses, q, *in.layers, in.outlierOptions); !st)
        return fail("analyze", "report: " + st.message());
    if (in.sensitivity) analyses->sensitivity = *in.sensitivity;
    analyses->reverseMeasured = in.reverseMeasured;
    if (in.mixedBits) {
        analyses->mixedBits = *in.mixedBits;
        analyses->mixedBitsMeasuredSqnrDb = in.mixedBitsMeasuredSqnrDb;
        analyses->mixedBitsMeasured = true;
    }
    if (in.errors) analyses->errors = *in.errors;
    ExecutorComparisonOptions xo;
    xo.threads = in.threads;
    auto executors = compareExecutors(q, *in.data, in.labels, in.inputName, xo);
    if (!executors) return fail("analyze", "report: " + executors.message());
    analyses->executors = std::move(executors).value();
    Int8FindingsOptions io;
    io.threads = in.threads;
    auto int8 = analyzeInt8Execution(q, *in.data, in.inputName, io);
    if (!int8) return fail("analyze", "report: " + int8.message());
    analyses->int8 = std::move(int8).value();
    const auto executorsDone = std::chrono::steady_clock::now();
    const double executorSeconds = std::chrono::duration<double>(executorsDone - started).count();
    // Per-channel / 16-bit weights on the layers the report details, measured.
    if (Status st =
            measureReportRemedies(*analyses, q, *in.data, in.labels, in.inputName, in.threads);
        !st)
        return fail("analyze", "report: " + st.message());
    const double remedySeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - executorsDone).count();

    ReportData data;
    data.modelName =
        QString::fromStdString(std::filesystem::path(in.modelPath).filename().string());
    data.summary = summarizeModel(*in.original);
    data.settings = q.config.describe();
    data.calibrationSamples = q.calibrationSamples;
    data.evaluationData = QString::fromStdString(in.evaluationData);
    for (const std::string& n : q.plan.notes) data.notes << QString::fromStdString(n);
    if (!in.reverseMeasured)
        data.notes << QStringLiteral("--no-reverse: the all-but-one sensitivity runs were skipped");
    data.analyses = std::move(analyses);
    if (in.comparison) data.comparison = std::make_shared<const RunDiff>(*in.comparison);

    for (const std::string& path : in.paths) {
        ReportWriter::Stats stats;
        const QString error = ReportWriter::write(data, QString::fromStdString(path), &stats);
        if (!error.isEmpty()) return fail("analyze", error.toStdString());
        std::printf("%s\n", path.c_str());
        const std::string pages =
            stats.pages > 0 ? ", " + std::to_string(stats.pages) + " pages" : std::string();
        std::fprintf(stderr,
                     "quantscope-cli analyze: report %s: %d charts, %lld bytes%s, rendered and "
                     "written in %.2f s (executor comparison %.2f s, remedies %.2f s, analysis "
                     "%.2f s)\n",
                     path.c_str(), stats.charts, static_cast<long long>(stats.bytes), pages.c_str(),
                     stats.seconds, executorSeconds, remedySeconds, in.analysisSeconds);
    }
    return 0;
}

int writeDiffReport(const RunDiff& diff, const std::vector<std::string>& paths) {
    const std::unique_ptr<QApplication> app = reportApplication();
    for (const std::string& path : paths) {
        ReportWriter::Stats stats;
        const QString error =
            ReportWriter::writeComparison(diff, QString::fromStdString(path), &stats);
        if (!error.isEmpty()) return fail("diff", error.toStdString());
        std::printf("%s\n", path.c_str());
        const std::string pages =
            stats.pages > 0 ? ", " + std::to_string(stats.pages) + " pages" : std::string();
        std::fprintf(stderr,
                     "quantscope-cli diff: report %s: %lld bytes%s, rendered and written in "
                     "%.2f s\n",
                     path.c_str(), static_cast<long long>(stats.bytes), pages.c_str(),
                     stats.seconds);
    }
    return 0;
}

} // namespace qs::cli
