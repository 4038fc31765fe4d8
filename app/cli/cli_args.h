// Command-line parsing for quantscope-cli: each subcommand declares its options; anything
// else is an error naming the option. `--name value` and `--name=value` are both accepted.
#pragma once

#include "util/error.h"

#include <map>
#include <string>
#include <vector>

namespace qs::cli {

struct OptionSpec {
    std::string name;       // without dashes: "input"
    bool takesValue = true; // false for switches (--json)
    bool repeatable = false;
    std::string help; // "NAME=FILE  an input tensor (.npy or .pb)"
};

struct ParsedArgs {
    std::vector<std::string> positional;
    std::map<std::string, std::vector<std::string>> options; // in the order given
    bool has(const std::string& name) const { return options.count(name) != 0; }
    // The last value given (later options override earlier ones).
    std::string value(const std::string& name, const std::string& fallback = {}) const;
    const std::vector<std::string>& values(const std::string& name) const;
};

Result<ParsedArgs> parseArgs(const std::vector<std::string>& args,
                             const std::vector<OptionSpec>& specs);
std::string formatOptionsHelp(const std::vector<OptionSpec>& specs);

// Integer option parsing with a range check; the error names the option.
Result<int> parseIntOption(const std::string& name, const std::string& text, int minValue,
                           int maxValue);

} // namespace qs::cli
