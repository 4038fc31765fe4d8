// Pieces every quantscope-cli subcommand shares.
#pragma once

#include "cli/cli_args.h"
#include "ir/graph.h"

#include <map>
#include <string>

namespace qs::cli {

extern const OptionSpec kHelp;
extern const OptionSpec kThreads;
extern const OptionSpec kInput;
extern const OptionSpec kExecutor;

struct Parsed {
    ParsedArgs args;
    int exitCode = -1; // >= 0: stop and return it (help printed, or a usage error)
};

// Parses args against specs: prints help, or a usage error naming the option, and expects one
// MODEL.
Parsed parseCommand(const std::string& command, const std::vector<std::string>& raw,
                    const std::vector<OptionSpec>& specs, const char* synopsis);
Result<int> threadsOption(const ParsedArgs& args);
Status checkExecutor(const ParsedArgs& args);
// Every --input NAME=FILE (or a bare FILE for a single-input model), checked against the model.
Result<std::map<std::string, Tensor>> readInputs(const Graph& graph, const ParsedArgs& args);
std::string sanitizeFileName(const std::string& name);
double peakRssMb();
// Resident set size now (MB), from /proc/self/statm; 0 where unavailable.
double currentRssMb();

} // namespace qs::cli
