// Calibrators: choose a tensor's clip range [lo, hi] from what a RangeCollector gathered.
// One class per method; makeCalibrator() builds the one a CalibrationConfig names. The range
// returned lies inside the observed [min, max]; computeQuantParams then adds zero and, for
// symmetric schemes, symmetrises it.
#pragma once

#include "quant/quant_params.h"
#include "quant/range_collector.h"
#include "util/error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qs {

struct ClipRange {
    float lo = 0.0f, hi = 0.0f;
};

enum class CalibrationMethod : uint8_t { MinMax, EmaMinMax, Percentile, Kl, Mse };

struct CalibrationConfig {
    CalibrationMethod method = CalibrationMethod::MinMax;
    double percentile = 99.99; // Percentile: in (50, 100]
    double emaDecay = 0.9;     // EmaMinMax: in [0, 1); the collectors must observe with it
    int klTargetBins = 0;      // Kl: quantized levels; 0: 2^(bits-1), or 2^bits for one-signed data
                               // on an asymmetric grid (the whole grid then covers one side)
};

// "minmax" | "ema" | "percentile:P" | "kl" | "mse": the CLI syntax. Errors name the text and
// the valid forms.
Result<CalibrationConfig> parseCalibrationMethod(const std::string& text);
const char* calibrationMethodName(CalibrationMethod method);        // "minmax", "ema", ...
std::string calibrationMethodName(const CalibrationConfig& config); // "percentile:99.99", "kl", ...
// Collector options that match a config (its EMA decay).
RangeCollectorOptions collectorOptionsFor(const CalibrationConfig& config);

class Calibrator {
public:
    virtual ~Calibrator();
    virtual const char* name() const = 0;
    // Errors: nothing observed (NumericError), a spec the method cannot use (InvalidArgument).
    virtual Result<ClipRange> chooseRange(const RangeCollector& collector,
                                          const QuantSpec& spec) const = 0;
};

// Validates the config (percentile range, decay, level count) and builds its calibrator.
Result<std::unique_ptr<Calibrator>> makeCalibrator(const CalibrationConfig& config);

// The observed [min, max].
class MinMaxCalibrator final : public Calibrator {
public:
    const char* name() const override { return "minmax"; }
    Result<ClipRange> chooseRange(const RangeCollector& collector,
                                  const QuantSpec& spec) const override;
};

// The EMA [min, max] (the collector's decay must be this calibrator's).
class EmaCalibrator final : public Calibrator {
public:
    explicit EmaCalibrator(double decay)
        : m_decay(decay) {}
    const char* name() const override { return "ema"; }
    Result<ClipRange> chooseRange(const RangeCollector& collector,
                                  const QuantSpec& spec) const override;

private:
    double m_decay;
};

// Symmetric schemes: the P-th percentile t of |x|, range [-t, t] cut to the data. Asymmetric:
// the (100 − P)-th and P-th percentiles of x. On the histogram (values spread uniformly within
// a bin, the extreme bins cut at the exact min/max, so P = 100 is exactly min-max).
class PercentileCalibrator final : public Calibrator {
public:
    explicit PercentileCalibrator(double percentile)
        : m_percentile(percentile) {}
    const char* name() const override { return "percentile"; }
    Result<ClipRange> chooseRange(const RangeCollector& collector,
                                  const QuantSpec& spec) const override;

private:
    double m_percentile;
};

// Entropy calibration as TensorRT describes it (Migacz, "8-bit Inference with TensorRT",
// GTC 2017): on the |x| histogram, for each candidate threshold of i bins the reference P is
// the first i bins with everything beyond folded into the last one, the candidate Q is those
// i bins (without the outliers) merged into `levels` quantization levels and spread back over
// the bins that were non-empty; the threshold minimising KL(P‖Q) wins. Exact zeros are left
// out of the histogram (they are exact on every grid and would only weigh down level 0).
// The range is [-t, t] cut to the data, t the right edge of the chosen bin. An asymmetric grid
// on data of both signs gets a threshold per sign instead, each from its sign's half of the
// histogram with 2^(bits-1) levels.
class KlCalibrator final : public Calibrator {
public:
    explicit KlCalibrator(int targetLevels = 0)
        : m_targetLevels(targetLevels) {}
    const char* name() const override { return "kl"; }
    Result<ClipRange> chooseRange(const RangeCollector& collector,
                                  const QuantSpec& spec) const override;

    // Quantized levels used for a spec and data sign (see CalibrationConfig::klTargetBins).
    int levelsFor(const QuantSpec& spec, bool oneSigned) const;

private:
    int m_targetLevels;
};

// KL(P‖Q) of every candidate i = levels .. last non-empty bin + 1 (entry k is i = levels + k);
// empty when there are fewer non-empty bins than levels (no clipping needed). Exposed for the
// tests and for drawing the curve. Smoothing: bins where P or Q is 0 get ε = 1e-4 (in counts,
// as in MXNet and ONNX Runtime) and the distribution is renormalised (they subtract ε from the
// other bins instead: the same to first order, and never negative).
std::vector<double> klDivergenceCurve(const std::vector<int64_t>& absCounts, int levels);

// Searches clip values for the least expected quantization MSE on the histogram
// (Histogram::expectedQuantMse): 200 candidates α·[min, max], α = 1/200 .. 1 (symmetric:
// α·max|x|), then 40 finer steps around the best. lo and hi scale together.
class MseCalibrator final : public Calibrator {
public:
    const char* name() const override { return "mse"; }
    Result<ClipRange> chooseRange(const RangeCollector& collector,
                                  const QuantSpec& spec) const override;
};

} // namespace qs
