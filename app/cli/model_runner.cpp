#include "cli/model_runner.h"

#include "io/npy.h"
#include "util/atomic_file.h"
#include "quant/passes/inference_optimizer.h"
#include "quant/int8/int8_diagnostics.h"
#include "quant/int8/int8_executor.h"
#include "quant/simulator.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace qs::cli {

std::vector<OptionSpec> quantOptionSpecs() {
    std::vector<OptionSpec> specs{
        {"calib", true, false,
         "C.npy  calibration data (float32, N first); without it sim/int8 calibrate data-free"},
        {"input-name", true, false,
         "NAME  the model input that takes --calib/--data (default: the first)"}};
    for (const auto& [name, takesValue] : quantOptionNames()) {
        OptionSpec s{name, takesValue,
                     name == "float" || name == "layer-bits" || name == "layer-granularity" ||
                         name == "tensor-calib" || name == "cle-layers" ||
                         name == "adaround-layers",
                     ""};
        if (name == "bits")
            s.help = "N  weight bits (2-16, default 8)";
        else if (name == "act-bits")
            s.help = "N  activation bits (2-16, default 8)";
        else if (name == "scheme")
            s.help = "symmetric|asymmetric  (default: symmetric weights, asymmetric activations)";
        else if (name == "granularity")
            s.help = "tensor|channel|group:G  weight granularity (default channel)";
        else if (name == "calib-method")
            s.help = "minmax|ema|percentile:P|kl|mse  (default minmax)";
        else if (name == "dispatch")
            s.help = "conservative|aggressive  contested nodes float or quantized";
        else if (name == "float")
            s.help = "NODE  keep this node in float (repeatable; the name verbatim, commas "
                     "included)";
        else if (name == "layer-bits")
            s.help = "NODE=N  weight bits of one node (repeatable)";
        else if (name == "layer-granularity")
            s.help = "NODE=tensor|channel  weight granularity of one node (repeatable)";
        else if (name == "tensor-calib")
            s.help =
                "TENSOR=minmax|percentile:P|kl|mse  calibration of one activation (repeatable)";
        else if (name == "requant")
            s.help = "float|fixed  requantization in the int8 executor";
        else if (name == "act-mode")
            s.help = "static|weight-only|dynamic  activation quantization";
        else if (name == "data-free-sigmas")
            s.help = "K  data-free ranges beta +- K*|gamma| (default 3)";
        else if (name == "rounding")
            s.help = "half-to-even|half-away-from-zero";
        else if (name == "cle-layers")
            s.help = "NODE[,NODE...]  cross-layer equalization of only the Conv pairs these nodes "
                     "are in (repeatable; --cle: every pair; a comma inside a name is written "
                     "\\, and a backslash \\\\)";
        else if (name == "adaround-layers")
            s.help = "NODE[,NODE...]  AdaRound only these weighted layers, the others round to "
                     "nearest (repeatable; --adaround: every layer; a comma inside a name is "
                     "written \\, and a backslash \\\\)";
        else if (name == "adaround-iters")
            s.help = "N  AdaRound iterations per layer";
        else
            s.help = name == "cle"               ? "cross-layer equalization"
                     : name == "bias-correction" ? "bias correction (not of layers AdaRound rounds)"
                     : name == "adaround"        ? "AdaRound weight rounding"
                     : name == "no-bn-fold"      ? "keep BatchNormalization nodes (no folding)"
                     : name == "power-of-two"    ? "power-of-two scales"
                     : name == "align-concat"
                         ? "Concat inputs and output share one scale (the union of their ranges)"
                         : "";
        specs.push_back(s);
    }
    return specs;
}

Result<QuantConfig> quantConfigFromArgs(const ParsedArgs& args) {
    QuantConfig config;
    for (const auto& [name, takesValue] : quantOptionNames()) {
        (void)takesValue;
        for (const std::string& value : args.values(name))
            QS_TRY(applyQuantOption(config, name, value));
    }
    if (args.has("threads")) {
        QS_ASSIGN(config.threads, threadsOption(args));
    }
    return config;
}

Result<DivergenceOptions> divergenceOptionsFromArgs(const ParsedArgs& args) {
    DivergenceOptions options;
    QS_ASSIGN(options.threads, threadsOption(args));
    if (!args.has("divergence-sqnr")) return options;
    const std::string text = args.value("divergence-sqnr");
    if (text == "off") {
        options.sqnrThresholdDb = -std::numeric_limits<double>::infinity();
        return options;
    }
    char* end = nullptr;
    const double db = std::strtod(text.c_str(), &end);
    if (text.empty() || *end || !std::isfinite(db) || std::abs(db) > 1000)
        return makeError(ErrorCode::InvalidArgument, "option '--divergence-sqnr': '", text,
                         "' is not a number of dB in -1000..1000 or 'off'");
    options.sqnrThresholdDb = db;
    return options;
}

namespace {

class Fp32Runner : public ModelRunner {
public:
    explicit Fp32Runner(std::unique_ptr<Executor> ex)
        : m_ex(std::move(ex)) {}
    Result<RunResult> run(const std::map<std::string, Tensor>& inputs) override {
        return m_ex->run(inputs);
    }
    int threads() const override { return m_ex->threads(); }

private:
    std::unique_ptr<Executor> m_ex;
};

class SimRunner : public ModelRunner {
public:
    SimRunner(std::unique_ptr<Simulator> sim, int threads)
        : m_sim(std::move(sim))
        , m_threads(threads) {}
    Result<RunResult> run(const std::map<std::string, Tensor>& inputs) override {
        return m_sim->run(inputs);
    }
    int threads() const override { return m_threads; }

private:
    std::unique_ptr<Simulator> m_sim;
    int m_threads;
};

class Int8Runner : public ModelRunner {
public:
    explicit Int8Runner(std::unique_ptr<Int8Executor> ex)
        : m_ex(std::move(ex)) {}
    // --diagnostics: integer-domain statistics of every run, and the divergence finder (fp32 and
    // Simulator runs beside each integer run; `quantized` must outlive the runner).
    Status enableDiagnostics(const QuantizedModel& quantized, const DivergenceOptions& options) {
        m_diagnostics = std::make_unique<Int8DiagnosticsCollector>(*m_ex);
        QS_ASSIGN(m_finder,
                  DivergenceFinder::create(quantized.graph, quantized.plan, *m_ex, options));
        return {};
    }
    Result<RunResult> run(const std::map<std::string, Tensor>& inputs) override {
        auto r = m_ex->run(inputs, m_diagnostics.get());
        if (m_diagnostics) m_diagnostics->finishRun();
        if (r && m_finder) QS_TRY(m_finder->add(inputs));
        return r;
    }
    int threads() const override { return m_ex->threads(); }
    Result<std::string> writeDiagnostics(const std::string& path) override {
        if (!m_diagnostics) return makeError(ErrorCode::Internal, "diagnostics were not collected");
        const DivergenceReport divergence = m_finder->result();
        Status st =
            writeFileAtomically(path, int8DiagnosticsToJson(m_diagnostics->result(), &divergence));
        if (!st) return std::move(st.addContext("option '--diagnostics'")).takeError();
        return divergenceSummary(divergence);
    }

private:
    std::unique_ptr<Int8Executor> m_ex;
    std::unique_ptr<Int8DiagnosticsCollector> m_diagnostics;
    std::unique_ptr<DivergenceFinder> m_finder;
};

} // namespace

Result<PreparedRunner> prepareRunner(Graph graph, const ParsedArgs& args,
                                     const std::string& executor) {
    QS_ASSIGN(int threads, threadsOption(args));
    PreparedRunner prepared;
    if (executor == "fp32") {
        // The graph as ONNX Runtime would run it: BatchNorm folded, activations fused.
        QS_ASSIGN(Graph optimized, optimizeForInference(graph));
        graph = Graph(); // drop the unfolded weights before packing
        QS_ASSIGN(auto ex, Executor::create(std::move(optimized), ExecOptions{threads}));
        prepared.runner = std::make_unique<Fp32Runner>(std::move(ex));
        return prepared;
    }
    if (executor != "sim" && executor != "int8")
        return makeError(ErrorCode::InvalidArgument, "option '--executor': '", executor,
                         "' is not one of fp32, sim, int8");
    QS_ASSIGN(QuantConfig config, quantConfigFromArgs(args));
    config.threads = threads;
    CalibrationData calib;
    if (args.has("calib")) {
        QS_ASSIGN(calib.samples, readNpy(args.value("calib")));
        calib.inputName = args.value("input-name");
    }
    auto q = quantizeModel(graph, config, args.has("calib") ? &calib : nullptr);
    if (!q) {
        // An option naming what the model lacks (--float nope) is not the data's fault.
        if (args.has("calib") && q.error().message().rfind("option '--", 0) != 0)
            return std::move(q.addContext("calibration file " + args.value("calib"))).takeError();
        return q.takeError();
    }
    graph = Graph(); // the quantized model holds its own (folded) copy: let the original go
    prepared.quantized = std::make_shared<QuantizedModel>(std::move(q).value());
    if (prepared.quantized->dataFree)
        std::fprintf(stderr, "quantscope-cli: note: no --calib given: activation ranges are "
                             "data-free (from BatchNorm statistics)\n");
    for (const std::string& note : prepared.quantized->plan.notes)
        std::fprintf(stderr, "quantscope-cli: note: %s\n", note.c_str());
    if (executor == "int8") {
        // Elementwise groups fused into tables unless --diagnostics wants every integer tensor.
        auto ex = Int8Executor::create(prepared.quantized->graph, prepared.quantized->plan,
                                       Int8Options{config.requant, threads,
                                                   /*fuseElementwise=*/!args.has("diagnostics")});
        if (!ex) return std::move(ex.addContext("option '--executor int8'")).takeError();
        auto runner = std::make_unique<Int8Runner>(std::move(ex).value());
        if (args.has("diagnostics")) {
            QS_ASSIGN(DivergenceOptions options, divergenceOptionsFromArgs(args));
            QS_TRY(runner->enableDiagnostics(*prepared.quantized, options));
        }
        prepared.runner = std::move(runner);
        // The integer program holds what it runs (int8 weights, float islands' weights): the
        // folded fp32 graph goes once lowered, unless the divergence finder runs it beside.
        if (!args.has("diagnostics")) prepared.quantized.reset();
        return prepared;
    }
    QS_ASSIGN(auto sim, Simulator::create(prepared.quantized->graph, prepared.quantized->plan,
                                          ExecOptions{threads}));
    prepared.runner = std::make_unique<SimRunner>(std::move(sim), threads);
    return prepared;
}

Result<Tensor> runBatched(ModelRunner& runner, const Graph& graph, const std::string& inputName,
                          const Tensor& data, int batchSize) {
    auto id = graph.findValue(inputName);
    if (!id || !graph.value(*id).isGraphInput)
        return makeError(ErrorCode::NotFound, "the model has no input named '", inputName, "'");
    QS_ASSIGN(std::vector<Tensor> batches, splitIntoBatches(data, graph.value(*id), batchSize));
    std::vector<Tensor> outs;
    int64_t rows = 0;
    for (const Tensor& b : batches) {
        QS_ASSIGN(RunResult r, runner.run({{inputName, b}}));
        const std::string& outName = graph.value(graph.outputs()[0]).name;
        Tensor y = r.outputs.at(outName);
        if (y.dtype() != DataType::F32) y = y.castTo(DataType::F32);
        rows += y.dim(0);
        outs.push_back(std::move(y));
    }
    Shape shape = outs[0].shape();
    shape[0] = rows;
    Tensor all(DataType::F32, shape);
    size_t offset = 0;
    for (const Tensor& y : outs) {
        std::memcpy(all.data<float>() + offset, y.data<float>(), y.byteSize());
        offset += size_t(y.numel());
    }
    return all;
}

} // namespace qs::cli
