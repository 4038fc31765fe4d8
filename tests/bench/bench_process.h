// Child processes for the side-by-side benchmarks (qs_bench_fp32, qs_bench_int8): each side runs
// in its own process so that peak RSS is per side, launched through a small re-executed
// launcher so the child does not inherit the benchmark's own high-water mark.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace qs::bench {

// Linux keeps the largest RSS across execve: a process spawned from a big parent reports the
// parent's peak as its own ru_maxrss (exec_mmap() folds the old mm's high-water mark into the
// signal struct, and with posix_spawn's CLONE_VM that mm is the parent's). The benchmarks hold a
// model and data, so they never exec a measured program themselves: they re-execute themselves
// as a small launcher (`PROGRAM --launch CMD...`) that spawns CMD and relays its exit code, so
// CMD inherits only the launcher's few MB. main() calls runLauncher(argv + 2) for that flag.
inline constexpr const char* kLauncherFlag = "--launch";
int runLauncher(char** argv);

struct ProcessResult {
    int exitCode = -1;
    std::string out; // stdout
    std::string err; // stderr
};

// Runs command[0] with its arguments through the launcher, stdout captured through a pipe and
// stderr through a file (so a child that writes both cannot block on a full pipe).
ProcessResult runProcess(const std::vector<std::string>& command, const std::string& stderrPath);

std::string readWholeFile(const std::string& path);

struct Measurement {
    double medianMs = 0;
    double peakRssMb = 0;
    double rssMb = 0; // resident after the runs ("rss_mb"; 0 when the side does not report it)
};

// Parses the one-line JSON both benchmark programs print: {"median_ms", ..., "peak_rss_mb"}.
std::optional<Measurement> parseMeasurement(const std::string& out);

double median(std::vector<double> v);
std::string lastLines(const std::string& text, int count);
bool isExecutable(const std::string& path);
// The node binary: $QS_NODE if set, else the one CMake found at configure time.
std::string nodeExecutable();
bool parseIntArg(const char* text, int min, int& out);
// A --threads value such as "1,2": every item an integer >= 1, at least one.
bool parseThreadList(const char* text, std::vector<int>& out);

} // namespace qs::bench
