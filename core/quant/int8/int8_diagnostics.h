// Integer-domain diagnostics of int8 executor runs: for every code tensor the share of the
// codes it can take that were actually used, the saturation rate at each end of its range, its
// scale and zero point; for every accumulating node (QConv, QGemm) the requantization
// multipliers (float and fixed point M0/shift) and the int32 accumulator's headroom — a static
// worst case from the weights: max over channels of Σ|w|·max|x − z_x| + |bias|, against 2^31.
#pragma once

#include "exec/executor.h"
#include "quant/int8/int8_executor.h"

#include <array>
#include <string>
#include <vector>

namespace qs {

struct DivergenceReport;

struct Int8TensorStats {
    std::string tensor; // lowered name
    std::string source; // the plan's tensor
    float scale = 1.0f;
    int32_t zeroPoint = 0, qmin = 0, qmax = 255;
    int64_t elements = 0;
    int64_t atMin = 0, atMax = 0; // elements at qmin / qmax (saturated, or exactly at the end)
    std::array<int64_t, 256> histogram{}; // by code byte (int8 codes: q + 128)

    int codesUsed() const;
    double codesUsedShare() const; // used / (qmax − qmin + 1)
};

struct Int8NodeStats {
    std::string node, op;
    std::vector<float> multipliers; // s_in·s_w / s_out per output channel (float requantization)
    std::vector<int32_t> m0;        // fixed point: multiplier = m0 · 2^(shift − 31)
    std::vector<int32_t> shift;
    double accumulatorBound = 0; // worst-case max |acc|
    double headroomBits = 0;     // log2(2^31 / accumulatorBound)
};

struct Int8Diagnostics {
    std::vector<Int8TensorStats> tensors; // in the order first produced
    std::vector<Int8NodeStats> nodes;
    int64_t runs = 0;
};

// Collects tensor statistics over any number of runs of an Int8Executor (pass as its hooks).
class Int8DiagnosticsCollector : public ExecHooks {
public:
    explicit Int8DiagnosticsCollector(const Int8Executor& executor);
    Status onTensor(NodeId producer, ValueId value, Tensor& tensor) override;
    void finishRun() { ++m_result.runs; }
    // Tensor statistics so far plus the static node figures.
    Int8Diagnostics result() const;

private:
    const Int8Executor& m_executor;
    Int8Diagnostics m_result;
    std::map<std::string, size_t> m_index;
};

// The static node figures (multipliers, accumulator headroom) of a lowered program.
std::vector<Int8NodeStats> int8NodeStats(const Int8Program& program);

// {"runs", "tensors": [{"tensor", "source", "scale", "zero_point", "qmin", "qmax", "elements",
//   "codes_used", "codes_used_share", "saturation_low", "saturation_high"}],
//  "nodes": [{"node", "op", "multiplier": [...], "m0": [...], "shift": [...],
//   "accumulator_bound", "headroom_bits"}]}
// plus, with a divergence report, "divergence": divergenceToJson's object
// (quant/int8/divergence_finder.h).
std::string int8DiagnosticsToJson(const Int8Diagnostics& diagnostics,
                                  const DivergenceReport* divergence = nullptr);

} // namespace qs
