#pragma once

#include <string>
#include <vector>

namespace qs::cli {

// Each returns the process exit code: 0 ok, 1 failure on the input, 2 bad usage.
int runInfo(const std::vector<std::string>& args);
int runRun(const std::vector<std::string>& args);
int runBench(const std::vector<std::string>& args);
int runEval(const std::vector<std::string>& args);
int runQuantize(const std::vector<std::string>& args);
int runAnalyze(const std::vector<std::string>& args);
int runDiff(const std::vector<std::string>& args);

// Prints "quantscope-cli <command>: error: <message>" on stderr and returns the exit code.
int fail(const std::string& command, const std::string& message, int exitCode = 1);

} // namespace qs::cli
