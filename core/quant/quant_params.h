// Linear quantization: q = clamp(round(x / s) + z, qmin, qmax), x̂ = s (q − z).
// One QuantSpec says how a tensor is to be quantized (bits, scheme, granularity, rounding);
// QuantParams are the resulting scales and zero points, per tensor, per channel or per group.
#pragma once

#include "ir/tensor.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace qs {

class ThreadPool;

enum class QuantScheme : uint8_t {
    Symmetric,  // z = 0; signed range is [-(2^(b-1)-1), 2^(b-1)-1] (the -2^(b-1) code is dropped)
    Asymmetric, // z from min/max; the range always includes 0 so zero is exact (padding, ReLU)
};
enum class Granularity : uint8_t { PerTensor, PerChannel, PerGroup };
enum class RoundingMode : uint8_t {
    HalfToEven,       // IEEE default; what ONNX QuantizeLinear and ORT use
    HalfAwayFromZero, // std::round; what many fixed-point references use
};
enum class TensorQuantState : uint8_t {
    Quantized, // has its own scale/zero point
    Passive,   // takes its input's parameters (Relu, MaxPool, Reshape, ...)
    Float,     // stays float (kept by the user, non-quantizable region, graph outputs)
};

const char* quantSchemeName(QuantScheme s);           // "symmetric" | "asymmetric"
const char* granularityName(Granularity g);           // "tensor" | "channel" | "group"
const char* roundingModeName(RoundingMode r);         // "half_to_even" | "half_away_from_zero"
const char* tensorQuantStateName(TensorQuantState s); // "quantized" | "passive" | "float"

struct QuantSpec {
    int bits = 8; // 2..16
    QuantScheme scheme = QuantScheme::Symmetric;
    bool isSigned = true; // int8 vs uint8 codes (asymmetric activations are often uint8)
    Granularity granularity = Granularity::PerTensor;
    int axis = 0;      // channel axis for PerChannel / PerGroup
    int groupSize = 1; // channels per group for PerGroup
    RoundingMode rounding = RoundingMode::HalfToEven;
    bool powerOfTwoScale = false; // round scales up to 2^k (shift-only hardware)

    int32_t qmin() const;
    int32_t qmax() const;
    friend bool operator==(const QuantSpec&, const QuantSpec&) = default;
};

struct QuantParams {
    QuantSpec spec;
    TensorQuantState state = TensorQuantState::Quantized;
    std::vector<float> scale;       // one per tensor, channel or group
    std::vector<int32_t> zeroPoint; // same length as scale
    std::vector<float> min, max;    // the clip range each scale was computed from

    size_t count() const { return scale.size(); }
};

// Rounds per the mode, stated: HalfToEven uses nearbyint under the default FE_TONEAREST mode.
inline float roundWithMode(float x, RoundingMode mode) {
    return mode == RoundingMode::HalfToEven ? std::nearbyint(x) : std::round(x);
}

// Scales and zero points from clip ranges (one [min, max] per tensor / channel / group).
// Errors: NaN/Inf in a range (NumericError), bits outside 2..16 (InvalidArgument).
// A zero-width range gets scale 1 (every value maps to the zero point exactly; no division by
// zero).
Result<QuantParams> computeQuantParams(const QuantSpec& spec, const std::vector<float>& mins,
                                       const std::vector<float>& maxs);

// q for one value with the given scale and zero point.
int32_t quantizeValue(float x, float scale, int32_t zeroPoint, const QuantSpec& spec);
inline float dequantizeValue(int32_t q, float scale, int32_t zeroPoint) {
    return scale * float(q - zeroPoint);
}

// Which parameter index (channel or group) each element of a tensor of `shape` uses.
// Returns the number of elements per "inner" block and the channel count for the axis.
struct ChannelLayout {
    int64_t outer = 1;    // product of dims before axis
    int64_t channels = 1; // dim at axis
    int64_t inner = 1;    // product of dims after axis
};
ChannelLayout channelLayout(const Shape& shape, int axis);
// Parameter index of channel c: c for PerChannel, c / groupSize for PerGroup, 0 for PerTensor.
inline size_t paramIndex(const QuantSpec& spec, int64_t channel) {
    switch (spec.granularity) {
    case Granularity::PerTensor:
        return 0;
    case Granularity::PerChannel:
        return size_t(channel);
    case Granularity::PerGroup:
        return size_t(channel / spec.groupSize);
    }
    return 0;
}
// Number of parameter sets a tensor of `shape` needs under `spec`.
Result<int64_t> paramCount(const QuantSpec& spec, const Shape& shape);

// Per-channel (or per-group, or whole-tensor) min and max of a float tensor. NaN/Inf →
// NumericError.
Result<std::pair<std::vector<float>, std::vector<float>>> tensorRanges(const Tensor& t,
                                                                       const QuantSpec& spec);

// x → x̂ for every element (quantize then dequantize), f32 in, f32 out. Vectorised (bit for bit
// the scalar quantizeValue/dequantizeValue) and, with a pool of more than one thread, split
// over it; the result does not depend on the thread count.
Result<Tensor> fakeQuantize(const Tensor& t, const QuantParams& params, ThreadPool* pool = nullptr);
// The same into y (t.numel() floats; y may be t's own data).
Status fakeQuantizeInto(const Tensor& t, const QuantParams& params, float* y,
                        ThreadPool* pool = nullptr);
// x → q codes as int32 (for export and the integer executor).
Result<std::vector<int32_t>> quantizeToCodes(const Tensor& t, const QuantParams& params);

} // namespace qs
