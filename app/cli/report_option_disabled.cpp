// quantscope-cli built without the widgets library (QUANTSCOPE_BUILD_GUI=OFF): no reports.
#include "cli/commands.h"
#include "cli/report_option.h"

namespace qs::cli {

Status checkReportOption(const std::string& path) {
    return makeError(ErrorCode::InvalidArgument, "option '--report ", path,
                     "': this quantscope-cli was built without Qt widgets "
                     "(QUANTSCOPE_BUILD_GUI=OFF), which reports need");
}

int writeAnalyzeReport(const AnalyzeReportInputs& inputs) {
    return fail(
        "analyze",
        checkReportOption(inputs.paths.empty() ? std::string() : inputs.paths.front()).message(),
        2);
}

int writeDiffReport(const RunDiff&, const std::vector<std::string>& paths) {
    return fail("diff", checkReportOption(paths.empty() ? std::string() : paths.front()).message(),
                2);
}

} // namespace qs::cli
