// Wall time of `quantscope-cli analyze` (the analysis issue's speed target): mobilenet_v2_bn with
// 32 calibration inputs and 16 evaluation inputs (sensitivity of every layer with the reverse
// runs, the mixed-bit table and its verification, graph-wise error, calibrator comparison,
// calibration diagnostics) must finish in <= 60 s at 2 threads.
//
// Each run is a child process (`quantscope-cli analyze MODEL --calib C.npy --eval-samples 16
// --threads T --json OUT`); the table gives the median, min and max wall time over the runs,
// the median of each phase the JSON's `timings_s` reports, and the 1-minute load average seen
// before the runs (the machine is shared: other builds slow every run). With `--compare CLI`
// a second binary (e.g. one built from an older commit) runs in the same rounds, alternating
// which goes first, and the analyses' JSON of the two is compared value by value (timings
// excluded): the speed work must not change results.
//
// Usage: qs_bench_analyze [--runs N] [--threads 1,2] [--calib C.npy] [--eval-samples N]
//                         [--compare OTHER_CLI] [--strict]
// The calibration file (default /tmp/mbv2_calib.npy) is made by
//   /usr/bin/python3 tests/bench/make_mobilenet_calib.py /tmp/mbv2_calib.npy
// Exit code: 0 when every run succeeded (1 with --strict also when the target is missed or the
// JSON differs), 1 when a run failed, 2 on a setup error.
#include "bench_process.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace qs::bench;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr double kTargetSeconds = 60.0;

struct Options {
    int runs = 3;
    std::vector<int> threads{2};
    std::string calib = "/tmp/mbv2_calib.npy";
    int evalSamples = 16;
    std::string compare;
    bool strict = false;
};

int usage(const char* error) {
    if (error) std::fprintf(stderr, "qs_bench_analyze: %s\n", error);
    std::fprintf(error ? stderr : stdout,
                 "usage: qs_bench_analyze [--runs N] [--threads 1,2] [--calib C.npy] "
                 "[--eval-samples N] [--compare OTHER_CLI] [--strict]\n");
    return error ? 2 : 0;
}

double loadAverage() {
    std::ifstream in("/proc/loadavg");
    double l = -1;
    in >> l;
    return l;
}

// The analysis as numbers and strings, timings left out, for comparing two runs.
json withoutTimings(json j) {
    j.erase("timings_s");
    j.erase("seconds");
    return j;
}

// Leaves that differ between two JSON values (paths), at most `limit` listed.
void differences(const json& a, const json& b, const std::string& path,
                 std::vector<std::string>& out, size_t limit = 10) {
    if (out.size() >= limit) return;
    if (a.type() != b.type() && !(a.is_number() && b.is_number())) {
        out.push_back(path + " (type)");
    } else if (a.is_object()) {
        for (auto it = a.begin(); it != a.end(); ++it) {
            if (!b.contains(it.key()))
                out.push_back(path + "/" + it.key() + " (missing)");
            else
                differences(it.value(), b.at(it.key()), path + "/" + it.key(), out, limit);
        }
        for (auto it = b.begin(); it != b.end(); ++it)
            if (!a.contains(it.key())) out.push_back(path + "/" + it.key() + " (missing)");
    } else if (a.is_array()) {
        if (a.size() != b.size()) {
            out.push_back(path + " (length)");
            return;
        }
        for (size_t i = 0; i < a.size(); ++i)
            differences(a[i], b[i], path + "[" + std::to_string(i) + "]", out, limit);
    } else if (a != b) {
        out.push_back(path + ": " + a.dump() + " vs " + b.dump());
    }
}

struct Side {
    std::string name, cli;
    std::map<int, std::vector<double>> wall;                          // per thread count
    std::map<int, std::map<std::string, std::vector<double>>> phases; // per thread count
};

} // namespace

int main(int argc, char** argv) {
    if (argc >= 3 && std::strcmp(argv[1], kLauncherFlag) == 0) return runLauncher(argv + 2);
    Options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool hasValue = i + 1 < argc;
        if (a == "--runs" && hasValue) {
            if (!parseIntArg(argv[++i], 1, opt.runs))
                return usage("--runs expects an integer >= 1");
        } else if (a == "--threads" && hasValue) {
            if (!parseThreadList(argv[++i], opt.threads))
                return usage("--threads expects a list like 1,2");
        } else if (a == "--calib" && hasValue) {
            opt.calib = argv[++i];
        } else if (a == "--eval-samples" && hasValue) {
            if (!parseIntArg(argv[++i], 1, opt.evalSamples))
                return usage("--eval-samples expects an integer >= 1");
        } else if (a == "--compare" && hasValue) {
            opt.compare = argv[++i];
        } else if (a == "--strict") {
            opt.strict = true;
        } else if (a == "--help" || a == "-h") {
            return usage(nullptr);
        } else {
            return usage(("unknown or incomplete option " + a).c_str());
        }
    }
    const std::string model = std::string(QS_SHARED_DIR) + "/models/mobilenet_v2_bn.onnx";
    std::vector<Side> sides{{"this build", QS_CLI_PATH, {}, {}}};
    if (!opt.compare.empty()) sides.push_back({"--compare", opt.compare, {}, {}});
    for (const Side& s : sides)
        if (!isExecutable(s.cli)) {
            std::fprintf(stderr, "qs_bench_analyze: %s is not an executable\n", s.cli.c_str());
            return 2;
        }
    if (!fs::exists(opt.calib)) {
        std::fprintf(stderr,
                     "qs_bench_analyze: no calibration file %s; make it with\n"
                     "  /usr/bin/python3 tests/bench/make_mobilenet_calib.py %s\n",
                     opt.calib.c_str(), opt.calib.c_str());
        return 2;
    }
    char tmpTemplate[] = "/tmp/qs_bench_analyze_XXXXXX";
    if (!mkdtemp(tmpTemplate)) {
        std::fprintf(stderr, "qs_bench_analyze: mkdtemp: %s\n", std::strerror(errno));
        return 2;
    }
    const fs::path tmpDir = tmpTemplate;

    std::vector<double> loads;
    json reference; // the first run's analysis
    bool failed = false, identical = true;
    std::vector<std::string> diffs;
    for (int round = 0; round < opt.runs; ++round) {
        for (int threads : opt.threads) {
            for (size_t k = 0; k < sides.size(); ++k) {
                // Alternate which binary goes first.
                Side& side = sides[(k + size_t(round)) % sides.size()];
                const fs::path out = tmpDir / "analyze.json";
                fs::remove(out);
                loads.push_back(loadAverage());
                const auto t0 = std::chrono::steady_clock::now();
                const ProcessResult r =
                    runProcess({side.cli, "analyze", model, "--calib", opt.calib, "--eval-samples",
                                std::to_string(opt.evalSamples), "--threads",
                                std::to_string(threads), "--json", out.string()},
                               (tmpDir / "stderr.txt").string());
                const double wall =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                if (r.exitCode != 0) {
                    std::fprintf(stderr, "qs_bench_analyze: %s failed (exit %d):\n%s\n",
                                 side.cli.c_str(), r.exitCode, lastLines(r.err, 5).c_str());
                    failed = true;
                    continue;
                }
                json result = json::parse(readWholeFile(out.string()), nullptr, false);
                if (result.is_discarded()) {
                    std::fprintf(stderr, "qs_bench_analyze: %s wrote no JSON\n", side.cli.c_str());
                    failed = true;
                    continue;
                }
                side.wall[threads].push_back(wall);
                if (result.contains("timings_s"))
                    for (auto it = result["timings_s"].begin(); it != result["timings_s"].end();
                         ++it)
                        side.phases[threads][it.key()].push_back(it.value().get<double>());
                std::printf("  round %d, %s, %d thread%s: %.1f s (load %.2f)\n", round + 1,
                            side.name.c_str(), threads, threads == 1 ? "" : "s", wall,
                            loads.back());
                std::fflush(stdout);
                // Every run's analysis must equal the first one (any binary, any thread count).
                json plain = withoutTimings(std::move(result));
                if (reference.is_null()) reference = plain;
                std::vector<std::string> d;
                differences(reference, plain, "", d);
                if (!d.empty()) {
                    identical = false;
                    if (diffs.empty()) diffs = d;
                }
            }
        }
    }
    std::error_code ec;
    fs::remove_all(tmpDir, ec);

    std::printf("\nquantscope-cli analyze mobilenet_v2_bn, %d evaluation inputs, calibration %s, "
                "%d run%s (load average before the runs %.2f-%.2f)\n",
                opt.evalSamples, opt.calib.c_str(), opt.runs, opt.runs == 1 ? "" : "s",
                loads.empty() ? 0.0 : *std::min_element(loads.begin(), loads.end()),
                loads.empty() ? 0.0 : *std::max_element(loads.begin(), loads.end()));
    bool missed = false;
    for (const Side& side : sides) {
        for (const auto& [threads, walls] : side.wall) {
            if (walls.empty()) continue;
            const double med = median(walls);
            std::printf("%-10s %d thr: median %.1f s [%.1f-%.1f]", side.name.c_str(), threads, med,
                        *std::min_element(walls.begin(), walls.end()),
                        *std::max_element(walls.begin(), walls.end()));
            if (threads == 2) {
                std::printf("  target <= %.0f s: %s", kTargetSeconds,
                            med <= kTargetSeconds ? "met" : "MISSED");
                if (side.name == sides[0].name && med > kTargetSeconds) missed = true;
            }
            std::printf("\n   phases (median s):");
            for (const auto& [phase, values] : side.phases.at(threads))
                std::printf(" %s %.2f", phase.c_str(), median(values));
            std::printf("\n");
        }
    }
    if (identical) {
        std::printf("analyses identical across all runs%s\n",
                    sides.size() > 1 ? " (both binaries)" : "");
    } else {
        std::printf("analyses DIFFER between runs, first differences:\n");
        for (const std::string& d : diffs) std::printf("  %s\n", d.c_str());
    }
    if (failed) return 1;
    return opt.strict && (missed || !identical) ? 1 : 0;
}
