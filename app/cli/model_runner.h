// The executor a CLI command runs: fp32, the fake-quant simulator or the int8 integer executor,
// prepared from the model, the quantization options and the calibration data.
#pragma once

#include "cli/cli_common.h"
#include "exec/executor.h"
#include "quant/int8/divergence_finder.h"
#include "quant/quantizer.h"

#include <memory>

namespace qs::cli {

std::vector<OptionSpec>
quantOptionSpecs(); // QUANT OPTIONS of DESIGN.md, plus --calib and --input-name
Result<QuantConfig> quantConfigFromArgs(const ParsedArgs& args);
// --divergence-sqnr DB|off (run --diagnostics): the divergence finder's SQNR threshold.
Result<DivergenceOptions> divergenceOptionsFromArgs(const ParsedArgs& args);

class ModelRunner {
public:
    virtual ~ModelRunner() = default;
    virtual Result<RunResult> run(const std::map<std::string, Tensor>& inputs) = 0;
    virtual int threads() const = 0;
    // Writes what the runner collected for --diagnostics (the int8 executor's integer-domain
    // statistics and the divergence finder's comparison with the Simulator and fp32) and returns
    // the finder's one-line summary; other runners have none.
    virtual Result<std::string> writeDiagnostics(const std::string& path) {
        return makeError(ErrorCode::InvalidArgument, "option '--diagnostics ", path,
                         "': needs --executor int8");
    }
};

struct PreparedRunner {
    std::unique_ptr<ModelRunner> runner;
    // Null for fp32, and for int8 without --diagnostics (the fp32 graph is dropped once lowered).
    std::shared_ptr<QuantizedModel> quantized;
};

// Reads --calib (if any), quantizes for sim/int8, and builds the runner. Notes (data-free
// calibration, assumptions) go to stderr. Takes the graph by value: a caller that moves it in
// lets the original weights go once they are folded (peak memory).
Result<PreparedRunner> prepareRunner(Graph graph, const ParsedArgs& args,
                                     const std::string& executor);

// Runs `data` (N first) through the runner in batches and concatenates the first output.
Result<Tensor> runBatched(ModelRunner& runner, const Graph& graph, const std::string& inputName,
                          const Tensor& data, int batchSize = 32);

} // namespace qs::cli
