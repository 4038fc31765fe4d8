// Histograms of quantizable tensors against their quantization grid: what the inspector's
// histogram chart draws and the report prints. Built on core/quant/histogram.h (the same
// streaming histogram calibration uses): activations reuse the calibration RangeCollectors'
// histograms as they are, weights are binned once here.
#pragma once

#include "analysis/quant_layers.h"
#include "quant/histogram.h"

#include <optional>
#include <string>
#include <vector>

namespace qs {

// One grid: the values q ∈ [qmin, qmax] dequantize to s·(q − z).
struct QuantGrid {
    float scale = 0.0f;
    int32_t zeroPoint = 0;
    int32_t qmin = 0, qmax = 0;
    float lo() const { return scale * float(qmin - zeroPoint); }
    float hi() const { return scale * float(qmax - zeroPoint); }
    int64_t levelCount() const { return int64_t(qmax) - qmin + 1; }
    // The level positions in increasing order (levelCount() values; 65 535 at 16 bits).
    std::vector<float> levels() const;
};

enum class WeightStage : uint8_t { BeforeBnMerge, AfterBnMerge, Quantized };
const char* weightStageName(WeightStage s); // "before_bn_merge" | "after_bn_merge" | "quantized"

struct TensorHistogram {
    std::string tensor;
    // Bins: counts[i] holds values in [firstBinLower + i·binWidth, + binWidth). Leading and
    // trailing empty bins of the underlying Histogram are trimmed.
    double firstBinLower = 0.0, binWidth = 0.0;
    std::vector<int64_t> counts;
    int64_t count = 0;
    float min = 0.0f, max = 0.0f;
    double mean = 0.0, std = 0.0;
    // Quantization: the clip range and grid(s). One grid per parameter set (per tensor: one;
    // per channel: one per channel, channel c uses grids[c]). Empty when the tensor stays float.
    bool quantized = false;
    float clipLo = 0.0f, clipHi = 0.0f; // union of the grids' ranges
    std::vector<QuantGrid> grids;
    // Fraction of the values outside their own grid's range (saturated). Weights: counted
    // exactly on the values; activations: from the histogram (values spread uniformly in a bin).
    double clippedFraction = 0.0;
};

struct LayerHistograms {
    std::string node, op;
    // Weights before and after BatchNorm merge (the same when no BN was merged; then
    // `weightBeforeBn` has no grid) and as quantized (after CLE; equal to after-merge without CLE).
    TensorHistogram weightBeforeBn, weightAfterBn, weightQuantized;
    // The layer's quantized input and output activations, from calibration (absent without
    // calibration data or when the tensor stays float).
    std::optional<TensorHistogram> input, output;
};

struct HistogramOptions {
    int weightBins = 2048; // over [-R, R), R the power of two above max|w| (see histogram.h)
};

// Histogram of given values against given params (params null or not Quantized: no grid).
Result<TensorHistogram> weightHistogram(const std::string& name, const Tensor& values,
                                        const QuantParams* params,
                                        const HistogramOptions& options = {});
// An activation's collector histogram against its params.
TensorHistogram activationHistogram(const std::string& name, const RangeCollector& collector,
                                    const QuantParams* params);

// One entry per quantLayers() row. Each weight stage is drawn against the grid the plan's
// weight spec (bits, scheme, granularity) gives those very values, so before and after merge
// compare like with like; the quantized stage uses the plan's own params.
Result<std::vector<LayerHistograms>> layerHistograms(const QuantizedModel& model,
                                                     const std::vector<QuantLayerRef>& layers,
                                                     const HistogramOptions& options = {});

} // namespace qs
