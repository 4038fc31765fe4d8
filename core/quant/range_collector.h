// Everything calibration needs to know about one tensor, gathered batch by batch without
// keeping the values: global and EMA min/max, per-channel min/max, a Histogram, and where the
// extremes came from. A calibration run calls observe() once per batch for each activation;
// the calibrators (calibrators.h) then choose a clip range from it.
#pragma once

#include "ir/tensor.h"
#include "quant/histogram.h"

#include <cstdint>
#include <vector>

namespace qs {

class ThreadPool;

struct RangeCollectorOptions {
    // 2048 bins per sign: the folded |x| histogram is then TensorRT's 2048-bin one (R is the
    // power of two above max|x|, so the values fill between half and all of those bins).
    int histogramBins = 4096;
    // EMA min/max: m ← m + (1 − decay)·(batch m − m), PyTorch's MovingAverageMinMaxObserver with
    // averaging_constant = 1 − decay; the first batch initialises.
    double emaDecay = 0.9;
    // Per-channel min/max along this axis (1: NCHW activations; 0: weights). -1, or a tensor of
    // lower rank: not collected.
    int channelAxis = 1;
};

// Where an extreme was first reached.
struct ExtremeLocation {
    int64_t batch = -1;   // 0-based index of the observe() call
    int64_t element = -1; // flat index in that batch's tensor (first occurrence)
    int64_t sample = -1;  // element / (numel / dim 0): the sample within the batch (N first)
};

class RangeCollector {
public:
    explicit RangeCollector(RangeCollectorOptions options = {});

    // Adds one batch (f32). Errors leave the collector unchanged: a non-f32 tensor
    // (TypeMismatch); NaN/Inf (NumericError naming how many; the caller adds the tensor name);
    // a channel count that differs from earlier batches (ShapeMismatch). Empty tensors count as
    // a batch but change nothing else.
    // The scan is split into pieces fixed by the tensor's shape alone; with a pool they are
    // scanned in parallel and merged in order, so the result does not depend on the thread count.
    Status observe(const Tensor& tensor, ThreadPool* pool = nullptr);

    const RangeCollectorOptions& options() const { return m_options; }
    int64_t batches() const { return m_batches; } // observe() calls that succeeded
    int64_t count() const { return m_histogram.count(); }

    // Global extremes (0 before any value) and which batch/sample set them; a later batch
    // that only equals an extreme does not take it over.
    float min() const { return m_histogram.min(); }
    float max() const { return m_histogram.max(); }
    const ExtremeLocation& minLocation() const { return m_minAt; }
    const ExtremeLocation& maxLocation() const { return m_maxAt; }

    // EMA extremes (0 before any value); kept in double, returned as float.
    float emaMin() const { return float(m_emaMin); }
    float emaMax() const { return float(m_emaMax); }

    // Per-channel extremes along options().channelAxis; empty when not collected.
    int64_t channels() const { return int64_t(m_channelMin.size()); }
    const std::vector<float>& channelMin() const { return m_channelMin; }
    const std::vector<float>& channelMax() const { return m_channelMax; }

    const Histogram& histogram() const { return m_histogram; }

private:
    RangeCollectorOptions m_options;
    Histogram m_histogram;
    Histogram::Batch m_batch; // reused scratch
    int64_t m_batches = 0;
    int64_t m_channelCount = -1; // fixed by the first batch; 0: not collected
    std::vector<float> m_channelMin, m_channelMax;
    std::vector<float> m_batchChannelMin, m_batchChannelMax; // scratch
    bool m_emaStarted = false;
    double m_emaMin = 0.0, m_emaMax = 0.0;
    ExtremeLocation m_minAt, m_maxAt;
};

} // namespace qs
