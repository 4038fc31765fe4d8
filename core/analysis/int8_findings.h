// What the integer executor says about a quantized model, for the analyzer's layer table, its
// status line and the report (issue 4: "these feed the analyzer's tables and the report"): the
// integer-domain diagnostics (quant/int8/int8_diagnostics.h: codes used, saturation, accumulator
// headroom) and the divergence finder's comparison with the Simulator and fp32
// (quant/int8/divergence_finder.h), both on the first evaluation samples, joined per node of the
// graph the plan describes. `quantscope-cli run --executor int8 --diagnostics` writes the same two
// parts as JSON.
#pragma once

#include "quant/int8/divergence_finder.h"
#include "quant/int8/int8_diagnostics.h"
#include "quant/quantizer.h"
#include "util/progress.h"

#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace qs {

// One compared code tensor, named by the node that computes it.
struct Int8NodeFinding {
    std::string node, op; // as QuantizedModel::graph names it (TensorDivergence::node)
    std::string tensor;   // the plan's tensor
    // Given the Simulator's inputs (the node's own difference), and end to end.
    int32_t maxSteps = 0;
    double shareBeyondOneStep = 0;
    int32_t maxStepsEndToEnd = 0;
    double sqnrIntDb = 0, sqnrSimDb = 0; // end to end against fp32 (±inf possible)
    // Of the tensor's codes over the runs: share of the code range used, share at each end.
    double codesUsedShare = std::numeric_limits<double>::quiet_NaN();
    double saturationLow = 0, saturationHigh = 0;
    std::optional<double> headroomBits; // accumulating nodes (QConv, QGemm): log2(2^31 / bound)
    bool divergent = false;             // the first divergent tensor of the report
};

struct Int8Findings {
    bool measured = false;
    std::string note; // why not measured (the lowering's error), or empty
    int64_t samples = 0;
    Int8Diagnostics diagnostics;
    DivergenceReport divergence;
    std::vector<Int8NodeFinding> nodes; // topological order
    std::string summary;                // divergenceSummary()

    // The finding of a node (its first compared tensor), null when it has none.
    const Int8NodeFinding* node(const std::string& name) const;
};

struct Int8FindingsOptions {
    int threads = 1;
    int maxSamples = 8;            // the first samples of `data`
    double sqnrThresholdDb = 20.0; // the divergence finder's SQNR criterion
    Progress* progress = nullptr;  // polled for cancellation between batches and nodes
};

// data: N first for `inputName` ("" = the first model input). Lowers the model with its
// config's requantization mode; a lowering error is not an error here (measured = false and
// `note` says why), as in compareExecutors. Cancelled → ErrorCode::Cancelled.
Result<Int8Findings> analyzeInt8Execution(const QuantizedModel& model, const Tensor& data,
                                          const std::string& inputName,
                                          const Int8FindingsOptions& options = {});

} // namespace qs
