#include "cli/commands.h"

#include "cli/cli_common.h"
#include "cli/model_runner.h"

#include "analysis/model_summary.h"
#include "cli/cli_args.h"
#include "exec/executor.h"
#include "exec/shape_inference.h"
#include "io/npy.h"
#include "onnx/onnx_importer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <fstream>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

namespace qs::cli {

int fail(const std::string& command, const std::string& message, int exitCode) {
    std::fprintf(stderr, "quantscope-cli %s: error: %s\n", command.c_str(), message.c_str());
    return exitCode;
}

extern const OptionSpec kHelp;
const OptionSpec kHelp{"help", false, false, "show this help"};
extern const OptionSpec kThreads;
const OptionSpec kThreads{"threads", true, false, "N  worker threads (default 1; 0 = all cores)"};
extern const OptionSpec kInput;
const OptionSpec kInput{"input", true, true,
                        "NAME=FILE  an input tensor (.npy or ONNX TensorProto .pb); repeatable"};
extern const OptionSpec kExecutor;
const OptionSpec kExecutor{"executor", true, false, "fp32|sim|int8  the executor (default fp32)"};

Parsed parseCommand(const std::string& command, const std::vector<std::string>& raw,
                    const std::vector<OptionSpec>& specs, const char* synopsis) {
    Parsed p;
    auto parsed = parseArgs(raw, specs);
    if (!parsed) {
        p.exitCode = fail(command, parsed.message(), 2);
        return p;
    }
    p.args = std::move(parsed).value();
    if (p.args.has("help")) {
        std::printf("usage: quantscope-cli %s\n\noptions:\n%s", synopsis,
                    formatOptionsHelp(specs).c_str());
        p.exitCode = 0;
        return p;
    }
    if (p.args.positional.size() != 1) {
        p.exitCode = fail(command,
                          p.args.positional.empty()
                              ? "no MODEL given (see --help)"
                              : "expected one MODEL, got '" + p.args.positional[1] + "'",
                          2);
    }
    return p;
}

Result<int> threadsOption(const ParsedArgs& args) {
    if (!args.has("threads")) return 1;
    return parseIntOption("threads", args.value("threads"), 0, 256);
}

Status checkExecutor(const ParsedArgs& args) {
    const std::string e = args.value("executor", "fp32");
    if (e == "fp32" || e == "sim" || e == "int8") return {};
    return makeError(ErrorCode::InvalidArgument, "option '--executor': '", e,
                     "' is not one of fp32, sim, int8");
}

// Reads every --input NAME=FILE (or a bare FILE for a single-input model).
Result<std::map<std::string, Tensor>> readInputs(const Graph& graph, const ParsedArgs& args) {
    std::map<std::string, Tensor> inputs;
    for (const std::string& spec : args.values("input")) {
        std::string name, file;
        if (auto eq = spec.find('='); eq != std::string::npos) {
            name = spec.substr(0, eq);
            file = spec.substr(eq + 1);
        } else if (graph.inputs().size() == 1) {
            name = graph.value(graph.inputs()[0]).name;
            file = spec;
        } else {
            return makeError(ErrorCode::InvalidArgument, "option '--input ", spec,
                             "': the model has several inputs, write NAME=FILE");
        }
        auto id = graph.findValue(name);
        if (!id || !graph.value(*id).isGraphInput) {
            std::string names;
            for (ValueId in : graph.inputs())
                names += (names.empty() ? "" : ", ") + graph.value(in).name;
            return makeError(ErrorCode::NotFound, "option '--input ", spec,
                             "': the model has no input '", name, "' (inputs: ", names, ")");
        }
        QS_ASSIGN(Tensor t, readTensorFile(file));
        Status st = checkInputAgainstDeclaration(graph.value(*id), t);
        if (!st) return std::move(st.addContext("file " + file)).takeError();
        inputs[name] = std::move(t);
    }
    return inputs;
}

std::string sanitizeFileName(const std::string& name) {
    std::string s = name;
    for (char& c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'))
            c = '_';
    if (s.empty() || s == "." || s == "..") s = "_" + s;
    return s;
}

double peakRssMb() {
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_maxrss) / 1024.0; // ru_maxrss is in KiB on Linux
}

double currentRssMb() {
    std::ifstream statm("/proc/self/statm");
    long long pages = 0, resident = 0;
    if (!(statm >> pages >> resident)) return 0.0;
    return double(resident) * double(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

int runInfo(const std::vector<std::string>& raw) {
    const std::vector<OptionSpec> specs{{"json", false, false, "print JSON instead of text"},
                                        kHelp};
    Parsed p = parseCommand("info", raw, specs, "info MODEL [--json]");
    if (p.exitCode >= 0) return p.exitCode;
    auto graph = importOnnxFile(p.args.positional[0]);
    if (!graph) return fail("info", graph.message());
    const ModelSummary summary = summarizeModel(*graph);
    if (p.args.has("json"))
        std::printf("%s\n", modelSummaryToJson(summary).c_str());
    else
        std::fputs(modelSummaryToText(summary).c_str(), stdout);
    return 0;
}

int runRun(const std::vector<std::string>& raw) {
    std::vector<OptionSpec> specs{
        kInput,
        {"out", true, false, "DIR  folder for the outputs (created if missing)"},
        kExecutor,
        kThreads,
        kHelp};
    specs.push_back(
        {"diagnostics", true, false,
         "OUT.json  integer-domain diagnostics and the first node where the integer run departs "
         "from the simulator (--executor int8)"});
    specs.push_back({"divergence-sqnr", true, false,
                     "DB|off  with --diagnostics: an integer tensor whose SQNR against fp32 is "
                     "below DB is divergent too (default 20)"});
    for (const auto& q : quantOptionSpecs()) specs.push_back(q);
    Parsed p =
        parseCommand("run", raw, specs,
                     "run MODEL --input NAME=FILE ... --out DIR [--calib C.npy] [QUANT OPTIONS] "
                     "[--executor fp32|sim|int8] [--diagnostics OUT.json [--divergence-sqnr DB]] "
                     "[--threads N]");
    if (p.exitCode >= 0) return p.exitCode;
    if (!p.args.has("out")) return fail("run", "option '--out DIR' is required", 2);
    if (p.args.has("diagnostics") && p.args.value("executor", "fp32") != "int8")
        return fail("run", "option '--diagnostics': needs --executor int8", 2);
    if (p.args.has("divergence-sqnr") && !p.args.has("diagnostics"))
        return fail("run", "option '--divergence-sqnr': needs --diagnostics", 2);
    if (auto d = divergenceOptionsFromArgs(p.args); !d) return fail("run", d.message(), 2);
    if (Status st = checkExecutor(p.args); !st) return fail("run", st.message(), 2);
    auto threads = threadsOption(p.args);
    if (!threads) return fail("run", threads.message(), 2);

    const std::string modelPath = p.args.positional[0];
    auto graph = importOnnxFile(modelPath);
    if (!graph) return fail("run", graph.message());
    auto inputs = readInputs(*graph, p.args);
    if (!inputs) return fail("run", inputs.message());
    if (auto cfg = quantConfigFromArgs(p.args); !cfg) return fail("run", cfg.message(), 2);
    auto prepared =
        prepareRunner(std::move(graph).value(), p.args, p.args.value("executor", "fp32"));
    if (!prepared) return fail("run", "file " + modelPath + ": " + prepared.message());
    auto result = prepared->runner->run(*inputs);
    if (!result) return fail("run", "file " + modelPath + ": " + result.message());

    const std::filesystem::path outDir = p.args.value("out");
    std::error_code ec;
    std::filesystem::create_directories(outDir, ec);
    if (ec) return fail("run", "folder " + outDir.string() + ": " + ec.message());
    for (const auto& [name, tensor] : result->outputs) {
        const std::string path = (outDir / (sanitizeFileName(name) + ".npy")).string();
        if (Status st = writeNpy(path, tensor); !st) return fail("run", st.message());
        std::printf("%s %s%s -> %s\n", name.c_str(), dataTypeName(tensor.dtype()),
                    shapeToString(tensor.shape()).c_str(), path.c_str());
    }
    if (p.args.has("diagnostics")) {
        auto summary = prepared->runner->writeDiagnostics(p.args.value("diagnostics"));
        if (!summary) return fail("run", summary.message());
        std::printf("%s\n", summary->c_str());
        std::printf("diagnostics -> %s\n", p.args.value("diagnostics").c_str());
    }
    return 0;
}

int runBench(const std::vector<std::string>& raw) {
    std::vector<OptionSpec> specs{kInput,
                                  {"runs", true, false, "N  timed runs (default 20)"},
                                  {"warmup", true, false, "N  untimed runs first (default 2)"},
                                  kExecutor,
                                  kThreads,
                                  kHelp};
    for (const auto& q : quantOptionSpecs()) specs.push_back(q);
    Parsed p = parseCommand("bench", raw, specs,
                            "bench MODEL [--input NAME=FILE] [--calib C.npy] [QUANT OPTIONS] "
                            "[--runs N] [--warmup N] [--executor fp32|sim|int8] [--threads N]");
    if (p.exitCode >= 0) return p.exitCode;
    if (Status st = checkExecutor(p.args); !st) return fail("bench", st.message(), 2);
    auto threads = threadsOption(p.args);
    if (!threads) return fail("bench", threads.message(), 2);
    auto runs = p.args.has("runs") ? parseIntOption("runs", p.args.value("runs"), 1, 100000)
                                   : Result<int>(20);
    if (!runs) return fail("bench", runs.message(), 2);
    auto warmup = p.args.has("warmup") ? parseIntOption("warmup", p.args.value("warmup"), 0, 1000)
                                       : Result<int>(2);
    if (!warmup) return fail("bench", warmup.message(), 2);

    const std::string modelPath = p.args.positional[0];
    auto graph = importOnnxFile(modelPath);
    if (!graph) return fail("bench", graph.message());
    auto inputs = readInputs(*graph, p.args);
    if (!inputs) return fail("bench", inputs.message());
    // Inputs not given get deterministic pseudo-random data of their declared shape.
    std::mt19937 rng(42);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (ValueId in : graph->inputs()) {
        const Value& v = graph->value(in);
        if (inputs->count(v.name)) continue;
        if (!v.info.isFullyKnown() || v.info.dtype != DataType::F32)
            return fail("bench",
                        "input '" + v.name + "' has dynamic dims or a non-f32 type " +
                            shapeToString(v.info.shape) + "; give it with --input " + v.name +
                            "=FILE",
                        2);
        Tensor t(DataType::F32, v.info.shape);
        for (float& x : t.span<float>()) x = normal(rng);
        (*inputs)[v.name] = std::move(t);
    }
    if (auto cfg = quantConfigFromArgs(p.args); !cfg) return fail("bench", cfg.message(), 2);
    auto prepared =
        prepareRunner(std::move(graph).value(), p.args, p.args.value("executor", "fp32"));
    if (!prepared) return fail("bench", "file " + modelPath + ": " + prepared.message());
    // Hand the memory freed after calibration and lowering back to the OS, so that rss_mb (after
    // the runs) is what the runner holds: weights, packed kernels, buffers, code.
    malloc_trim(0);

    std::vector<double> times;
    for (int i = 0; i < *warmup + *runs; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        auto result = prepared->runner->run(*inputs);
        const auto t1 = std::chrono::steady_clock::now();
        if (!result) return fail("bench", "file " + modelPath + ": " + result.message());
        if (i >= *warmup)
            times.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    std::sort(times.begin(), times.end());
    const size_t n = times.size();
    const double median = n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
    nlohmann::json j{{"executor", p.args.value("executor", "fp32")},
                     {"threads", prepared->runner->threads()},
                     {"runs", *runs},
                     {"median_ms", median},
                     {"min_ms", times.front()},
                     {"max_ms", times.back()},
                     {"peak_rss_mb", peakRssMb()},
                     {"rss_mb", currentRssMb()}};
    std::printf("%s\n", j.dump().c_str());
    return 0;
}

} // namespace qs::cli
