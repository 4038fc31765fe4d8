// Divergence finder: runs the fp32 executor, the Simulator and the Int8Executor side by side on
// the same inputs and, for every plan tensor the integer program holds as codes, compares the
// integer codes with the Simulator's values on that tensor's grid (in quantization steps) and
// both with float (SQNR). The first tensor in the graph's topological order whose integer codes
// are more than one step from the Simulator's, or whose integer SQNR against float is below a
// threshold, names the node where the integer execution departs.
//
// The integer executor runs twice. Per node (teacher forcing): every compared code tensor is
// measured against the Simulator's and then replaced by the Simulator's codes, so each integer
// op reads exactly the Simulator's inputs and a difference is that op's own — the step
// criterion uses this, because end to end a one-step rounding difference upstream may legitimately
// grow to two steps after a wide convolution (DESIGN.md's target is one step per node). End to
// end (each executor feeds itself): what the device computes; its steps are reported, and its SQNR
// against float is the SQNR criterion.
// Compared: the primary codes of each plan tensor — the lowered value that carries the plan's own
// scale and zero point. Requantize copies feeding a Concat are an internal step of that Concat
// and are not listed (the Concat's output is). Tensors with no code form (float islands' float
// values, float outputs) are not compared.
//
// Per tensor, over every element of every run added:
//   q_sim = clamp(round(x_sim / s) + z, qmin, qmax)   (x_sim is on the grid: exact)
//   steps = |q_int − q_sim|; max steps and the count of elements with steps > 1
//   SQNR(int) = 10·log10(Σ f² / Σ (s·(q_int − z) − f)²) end to end, SQNR(sim) likewise with
//   x_sim; f the fp32 executor's value of the same tensor in the graph the plan describes (the
//   float reference of the error-propagation analysis too: BatchNorm folded, and with bias
//   correction or AdaRound their weights).
#pragma once

#include "quant/int8/int8_executor.h"
#include "quant/quant_plan.h"
#include "util/progress.h"

#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qs {

class Simulator;

struct DivergenceOptions {
    // SQNR(int vs float) below this marks a tensor divergent; -infinity turns the criterion off.
    double sqnrThresholdDb = 20.0;
    int threads = 1; // of the fp32 and Simulator runs the finder makes
    // A one-input model's samples go through in batches of this many (the fp32 and Simulator
    // tensors of a batch are held until the integer run has compared them).
    int batchSize = 8;
};

struct TensorDivergence {
    std::string tensor; // the plan's tensor
    // The node that computes it, as the user's graph names it: the lowered node when it carries
    // an original node's name (QConv "conv_3" also for a fused Relu's output), else the tensor's
    // producer in the graph the plan describes; empty for a graph input.
    std::string node, op;
    std::string loweredTensor, loweredNode, loweredOp; // the codes value and who writes it
    float scale = 1.0f;
    int32_t zeroPoint = 0;
    int64_t elements = 0; // over all runs
    // Given the Simulator's inputs (teacher forcing): the node's own difference.
    int32_t maxSteps = 0;      // max |q_int − q_sim|
    int64_t beyondOneStep = 0; // elements with |q_int − q_sim| > 1
    // End to end (the integer executor on its own outputs).
    int32_t maxStepsEndToEnd = 0;
    int64_t beyondOneStepEndToEnd = 0;
    double signal = 0;   // Σ f²
    double noiseInt = 0; // Σ (x_int − f)², end to end
    double noiseSim = 0; // Σ (x_sim − f)²

    double shareBeyondOneStep() const;
    double shareBeyondOneStepEndToEnd() const;
    double sqnrIntDb() const; // +inf: equal to float; −inf: float is all zero, int is not
    double sqnrSimDb() const;
};

enum class DivergenceCriterion { None, Steps, Sqnr, StepsAndSqnr };
const char* divergenceCriterionName(DivergenceCriterion c); // "none", "steps", "sqnr", "steps+sqnr"

struct DivergenceReport {
    std::vector<TensorDivergence> tensors; // in topological order of their nodes
    std::optional<size_t> first;           // index of the first divergent tensor
    DivergenceCriterion criterion = DivergenceCriterion::None; // what fired at `first`
    double sqnrThresholdDb = 20.0;
    int64_t runs = 0; // batches compared

    const TensorDivergence* firstDivergent() const { return first ? &tensors[*first] : nullptr; }
};

class DivergenceFinder {
public:
    // graph, plan: what `executor` was lowered from (QuantizedModel::graph and ::plan). The
    // executor is used, not owned, and must outlive the finder; the finder builds its own fp32
    // executor and Simulator.
    static Result<std::unique_ptr<DivergenceFinder>> create(const Graph& graph,
                                                            const QuantPlan& plan,
                                                            Int8Executor& executor,
                                                            const DivergenceOptions& options = {});
    ~DivergenceFinder();

    // Runs fp32, the Simulator and the integer executor (twice: forced and end to end) on
    // `inputs` (graph input name → tensor) and accumulates the comparison. Errors name the
    // executor and the tensor at fault.
    Status add(const std::map<std::string, Tensor>& inputs, Progress* progress = nullptr);

    // Everything accumulated so far, with the first divergent tensor.
    DivergenceReport result() const;

private:
    DivergenceFinder() = default;
    Status addBatch(const std::map<std::string, Tensor>& inputs, Progress* progress);
    struct Row {
        TensorDivergence stats;
        int32_t qmin = 0, qmax = 255;
        ValueId graphValue = kNoValue; // in the fp32 / Simulator graph (same ids)
    };
    Int8Executor* m_int = nullptr;
    std::unique_ptr<Executor> m_fp32;
    std::unique_ptr<Simulator> m_sim;
    DivergenceOptions m_options;
    std::vector<Row> m_rows;
    std::map<std::string, size_t> m_rowOfLowered; // lowered codes value → row
    int64_t m_runs = 0;
};

// create + add + result in one call.
Result<DivergenceReport> findDivergence(const Graph& graph, const QuantPlan& plan,
                                        Int8Executor& executor,
                                        const std::map<std::string, Tensor>& inputs,
                                        const DivergenceOptions& options = {});

// One line for the console: "first divergent node: conv_3 (max 3 steps, 0.40% > 1 step, SQNR
// 18.2 dB; ...)" or "no divergence: all N tensors within one step, SQNR >= 20 dB" (steps given
// the Simulator's inputs, SQNR end to end).
std::string divergenceSummary(const DivergenceReport& report);

// {"sqnr_threshold_db", "runs", "first": null | {"tensor", "node", "criterion", ...},
//  "tensors": [{"tensor", "node", "op", "lowered_tensor", "lowered_node", "lowered_op", "scale",
//   "zero_point", "elements", "max_steps", "beyond_one_step", "share_beyond_one_step",
//   "max_steps_end_to_end", "share_beyond_one_step_end_to_end", "sqnr_int_db", "sqnr_sim_db"}],
//  "summary"}; max_steps/beyond_one_step are per node (given the Simulator's inputs). A non-finite
//  SQNR is written as null, as analyze --json
// does (+inf: no noise at all; -inf: the float tensor is all zero and the other is not).
std::string divergenceToJson(const DivergenceReport& report);

} // namespace qs
