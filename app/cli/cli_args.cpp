#include "cli/cli_args.h"

#include <charconv>

namespace qs::cli {

std::string ParsedArgs::value(const std::string& name, const std::string& fallback) const {
    auto it = options.find(name);
    return it == options.end() || it->second.empty() ? fallback : it->second.back();
}

const std::vector<std::string>& ParsedArgs::values(const std::string& name) const {
    static const std::vector<std::string> kNone;
    auto it = options.find(name);
    return it == options.end() ? kNone : it->second;
}

Result<ParsedArgs> parseArgs(const std::vector<std::string>& args,
                             const std::vector<OptionSpec>& specs) {
    ParsedArgs out;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.size() < 3 || a.rfind("--", 0) != 0) {
            if (a.size() > 1 && a[0] == '-' && a != "-")
                return makeError(ErrorCode::InvalidArgument, "unknown option '", a, "'");
            out.positional.push_back(a);
            continue;
        }
        std::string name = a.substr(2), value;
        bool inlineValue = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            inlineValue = true;
        }
        const OptionSpec* spec = nullptr;
        for (const auto& s : specs)
            if (s.name == name) spec = &s;
        if (!spec)
            return makeError(ErrorCode::InvalidArgument, "unknown option '--", name,
                             "' (see --help)");
        if (spec->takesValue && !inlineValue) {
            if (i + 1 >= args.size())
                return makeError(ErrorCode::InvalidArgument, "option '--", name, "' needs a value");
            value = args[++i];
        } else if (!spec->takesValue && inlineValue) {
            return makeError(ErrorCode::InvalidArgument, "option '--", name, "' takes no value");
        }
        out.options[name].push_back(value);
    }
    return out;
}

std::string formatOptionsHelp(const std::vector<OptionSpec>& specs) {
    std::string s;
    for (const auto& o : specs) {
        std::string left = "  --" + o.name;
        std::string help = o.help;
        // help may start with the value's placeholder: "N  number of runs"
        if (o.takesValue) {
            auto sep = help.find("  ");
            if (sep != std::string::npos) {
                left += " " + help.substr(0, sep);
                help = help.substr(sep + 2);
            } else {
                left += " VALUE";
            }
        }
        if (left.size() < 32)
            left.append(32 - left.size(), ' ');
        else
            left += "  ";
        s += left + help + "\n";
    }
    return s;
}

Result<int> parseIntOption(const std::string& name, const std::string& text, int minValue,
                           int maxValue) {
    int v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || v < minValue || v > maxValue)
        return makeError(ErrorCode::InvalidArgument, "option '--", name, "': '", text,
                         "' is not a whole number from ", minValue, " to ", maxValue);
    return v;
}

} // namespace qs::cli
