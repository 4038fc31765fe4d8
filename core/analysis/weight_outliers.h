// Weight outliers after BatchNorm merge: per output channel statistics of each layer's merged
// weight, the layer's channel-range ratio, outlier channels and weights at k·σ, and a ranking
// of the layers by the noise per-tensor quantization would add to them.
//
// σ_ref, the layer's typical spread, is the median of its channels' standard deviations: the
// outliers themselves cannot inflate it. A weight is an outlier when |w − μ_c| > k·σ_ref (μ_c its
// channel's mean); a channel is an outlier channel when its max|w − μ_c| exceeds k·σ_ref.
//
// Cost of per-tensor quantization: the merged weight is fake-quantized per tensor with the
// configured weight bits and scheme (rounding as configured); for each channel the relative noise
// n_c = Σ (w − ŵ)² / Σ w²; the layer's figure is 10·log10(mean_c n_c) dB — what its channels
// lose on average, so a layer whose small channels round to zero ranks high even when its large
// channels are fine. The same figure per channel is given beside it for comparison.
#pragma once

#include "analysis/quant_layers.h"

#include <string>
#include <vector>

namespace qs {

struct ChannelWeightStats {
    int64_t channel = 0;
    float min = 0.0f, max = 0.0f;
    double mean = 0.0, std = 0.0;
    float absMax = 0.0f;        // max |w|
    double absMaxOverStd = 0.0; // max|w| / std (0 for a constant channel)
    bool outlier = false;
};

struct OutlierWeight {
    int64_t channel = 0;
    int64_t index = 0; // flat index in the weight tensor
    float value = 0.0f;
    double sigmas = 0.0; // |w − μ_c| / σ_ref
};

struct LayerOutliers {
    std::string node, op, weight;
    bool depthwise = false;
    std::string batchNorm; // the merged BN ("" if none)
    std::vector<ChannelWeightStats> channels;
    double channelRangeRatio = 0.0; // largest channel range / median channel range
    double referenceStd = 0.0;      // σ_ref
    std::vector<int64_t> outlierChannels;
    std::vector<OutlierWeight>
        outlierWeights;             // the largest first, at most options.maxWeightsListed
    int64_t outlierWeightCount = 0; // all of them
    double perTensorNoiseDb = 0.0;  // 10·log10(mean_c n_c), per-tensor grid (see above)
    double perChannelNoiseDb = 0.0; // the same with one grid per channel
    int rank = 0;                   // 1 = per-tensor quantization hurts it most
};

struct OutlierOptions {
    double k = 4.0;
    int maxWeightsListed = 32;
    // Bits, scheme and rounding of the noise estimate (granularity is set per figure).
    QuantSpec weightSpec{8, QuantScheme::Symmetric,   true, Granularity::PerTensor, 0,
                         1, RoundingMode::HalfToEven, false};
};

struct OutlierReport {
    OutlierOptions options;
    std::vector<LayerOutliers> layers; // quantLayers() order
    std::vector<size_t> ranking;       // indices into layers, rank 1 first
};

// Statistics per output channel (along `axis`) of one weight; NaN/Inf → NumericError.
Result<std::vector<ChannelWeightStats>> channelWeightStats(const Tensor& weight, int axis);

// One layer's weight (merged) as above.
Result<LayerOutliers> analyzeLayerOutliers(const QuantLayerRef& layer, const Tensor& weight,
                                           const OutlierOptions& options);

// Every layer, on its weight after BN merge (before CLE).
Result<OutlierReport> analyzeWeightOutliers(const std::vector<QuantLayerRef>& layers,
                                            const OutlierOptions& options = {});

} // namespace qs
