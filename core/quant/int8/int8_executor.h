// The int8 integer executor: a quantized graph + QuantPlan lowered to an integer program (a Graph
// of "qs.int8" ops on uint8/int8 codes, see int8_ops.cpp), run by the ordinary Executor.
//
// Lowering, per node in topological order:
// - Conv (2-D), Gemm, MatMul with constant weights → QConv / QGemm: u8/i8 activations × int8
//   weights (per tensor or per channel) → int32 accumulation with zero-point correction → int32
//   bias (scale s_in·s_w) → requantization to the output's codes; a Relu/Clip the plan fused is
//   the requantization clamp. An output the plan keeps float is the dequantized accumulator.
// - Add/Mul of two quantized tensors → QAdd/QMul; Concat → Requantize of the inputs whose scale
//   differs, then Concat of codes; AveragePool/GlobalAveragePool → QAveragePool.
// - Passive ops (Reshape, Flatten, Transpose, Slice, Squeeze, Pad with its pad value quantized,
//   MaxPool, ...) run their ordinary kernels on codes (2-D MaxPool: QMaxPool, SIMD); Relu/Clip
//   not fused → Clamp on codes.
// - Sigmoid, HardSigmoid, HardSwish, Tanh, Gelu, Exp (and other one-input elementwise ops with
//   quantized input and output) → a 256-entry table, built by running the op's own fp32 kernel
//   on the 256 dequantized codes and quantizing the results with the output's parameters.
// - With Int8Options::fuseElementwise, chains/DAGs of elementwise integer ops on one code tensor
//   become one table (fuseElementwiseGroups).
// - Everything else runs in float between Dequantize and Quantize (a float island): the
//   Simulator's arithmetic exactly (same fp32 kernels, same fake-quantized weights).
// Integer tensors keep their plan names; the program records what each code tensor means.
#pragma once

#include "exec/executor.h"
#include "quant/quant_config.h"
#include "quant/quant_plan.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace qs {

struct Int8Options {
    RequantMode requant = RequantMode::Float;
    int threads = 1;
    // Collapse each group of one-input elementwise integer ops (Lut, Clamp, Requantize, and
    // QAdd/QMul whose two inputs both derive from the same code tensor, e.g. HardSwish's
    // Lut + QMul(x, lut(x))) into one 256-entry Lut, its table computed at lowering by running the
    // group's own integer ops on the 256 codes: bit-exact with the unfused program by
    // construction. The group's intermediate tensors then no longer exist, so it is off by
    // default: callers that only read outputs (plain runs, bench) turn it on; diagnostics and
    // the divergence finder need every integer tensor.
    bool fuseElementwise = false;
};

// What the codes of one lowered tensor mean: x = scale · (q − zeroPoint).
struct Int8CodeInfo {
    std::string source; // the plan's tensor name
    float scale = 1.0f;
    int32_t zeroPoint = 0;
    DataType type = DataType::U8;
    int32_t qmin = 0, qmax = 255;
};

struct Int8Program {
    Graph graph;                               // the lowered graph
    std::map<std::string, Int8CodeInfo> codes; // lowered value name → meaning of its codes
    std::vector<std::pair<std::string, std::string>>
        outputs;                         // original output name → lowered value
    std::vector<std::string> floatNodes; // original nodes run in float islands
    int integerNodes = 0;
    // Per QConv/QGemm node: Σ_k |w| of each output channel's int8 weights (the accumulator
    // headroom of the diagnostics; the weights themselves end up in the kernels only).
    std::map<std::string, std::vector<int64_t>> weightAbsSums;
    // With Int8Options::fuseElementwise: the lowered nodes folded into fused tables (their
    // intermediate tensors are gone from the graph and from codes).
    std::vector<std::string> fusedNodes;
};

// Errors name the node or tensor at fault (e.g. dynamic activation quantization, which has no
// fixed integer form).
Result<Int8Program> lowerToInt8(const Graph& graph, const QuantPlan& plan,
                                const Int8Options& options = {});

class Int8Executor {
public:
    // graph: the graph the plan describes (QuantizedModel::graph).
    static Result<std::unique_ptr<Int8Executor>> create(const Graph& graph, const QuantPlan& plan,
                                                        const Int8Options& options = {});
    // Runs an already lowered program (e.g. one a test altered to plant a fault); only
    // options.threads applies, the requantization mode is in the program's nodes.
    static Result<std::unique_ptr<Int8Executor>> fromProgram(Int8Program program,
                                                             const Int8Options& options = {});

    // Outputs by original name, dequantized to f32 where they are codes. Hooks see the lowered
    // graph's values (program().codes says which are codes).
    Result<RunResult> run(const std::map<std::string, Tensor>& inputs, ExecHooks* hooks = nullptr,
                          Progress* progress = nullptr);

    // The program run. Weights its kernels packed (QConv, QGemm, QConvTranspose) keep only their
    // shapes in program().graph and graph(): they are held once, in the kernels' layout.
    const Int8Program& program() const { return m_program; }
    const Graph& graph() const { return m_executor->graph(); }
    int threads() const { return m_executor->threads(); }

private:
    Int8Executor() = default;
    void dropPrepackedWeights();
    Int8Program m_program;
    std::unique_ptr<Executor> m_executor;
};

} // namespace qs
