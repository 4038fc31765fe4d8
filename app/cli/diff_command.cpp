// quantscope-cli diff A B: two runs of the same model compared layer by layer (core's
// diffRuns), printed as JSON or written to --json OUT.json.
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/report_option.h"
#include "export/run_diff.h"
#include "util/atomic_file.h"

#include <cstdio>

namespace qs::cli {

int runDiff(const std::vector<std::string>& raw) {
    const std::vector<OptionSpec> specs{
        {"json", true, false, "OUT.json  write the comparison there instead of stdout"},
        {"report", true, true,
         "OUT.html|OUT.pdf  also the comparison as a report (settings, per-layer table with "
         "deltas, summary; needs a build with Qt widgets); repeatable"},
        kHelp};
    const char* synopsis = "diff A B [--json OUT.json] [--report OUT.html|OUT.pdf]\n\n"
                           "A and B: analyze --json files, quant_table.json files or .qsproj "
                           "projects of the same model.";
    auto parsed = parseArgs(raw, specs);
    if (!parsed) return fail("diff", parsed.message(), 2);
    if (parsed->has("help")) {
        std::printf("usage: quantscope-cli %s\n\noptions:\n%s", synopsis,
                    formatOptionsHelp(specs).c_str());
        return 0;
    }
    const std::vector<std::string> reports = parsed->values("report");
    for (const std::string& report : reports)
        if (Status st = checkReportOption(report); !st) return fail("diff", st.message(), 2);
    if (parsed->positional.size() != 2)
        return fail("diff",
                    "expected two files A B, got " + std::to_string(parsed->positional.size()), 2);
    auto a = readRunSnapshot(parsed->positional[0]);
    if (!a) return fail("diff", a.message());
    auto b = readRunSnapshot(parsed->positional[1]);
    if (!b) return fail("diff", b.message());
    const RunDiff diff = diffRuns(*a, *b);
    if (!diff.sameModel)
        std::fprintf(stderr,
                     "quantscope-cli diff: warning: the runs are of different models (%s, %s)\n",
                     diff.modelA.c_str(), diff.modelB.c_str());
    const std::string text = runDiffToJson(diff);
    if (parsed->has("json")) {
        if (Status st = writeFileAtomically(parsed->value("json"), text); !st)
            return fail("diff", st.message());
        std::printf("%s\n", parsed->value("json").c_str());
    } else if (reports.empty()) {
        std::fputs(text.c_str(), stdout);
    }
    if (!reports.empty()) return writeDiffReport(diff, reports);
    return 0;
}

} // namespace qs::cli
