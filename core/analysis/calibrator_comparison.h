// Calibrator comparison per tensor: the clip ranges min-max, percentile, KL and MSE choose for
// an activation tensor (the calibrators of core/quant, on the tensor's calibration statistics),
// each with its expected quantization MSE on the tensor's calibration histogram
// (Histogram::expectedQuantMse), the fraction of calibration values it clips, and — with an
// analysis session — the model output SQNR when only that tensor's range is changed (everything
// else as the current plan), so a user can pick a method per tensor.
#pragma once

#include "analysis/analysis_session.h"
#include "quant/calibrators.h"
#include "quant/quantizer.h"

#include <optional>
#include <string>
#include <vector>

namespace qs {

struct CalibratorChoice {
    std::string method;           // "minmax", "percentile:99.99", "kl", "mse"
    ClipRange range;              // as the calibrator chose it (before zero/symmetry is added)
    double quantMse = 0.0;        // expected per-value MSE on the calibration histogram
    double clippedFraction = 0.0; // of the calibration values, > ½ step beyond the grid's ends
    std::optional<double> outputSqnrDb; // with a session: only this tensor's range changed
    bool current = false;               // the range the plan uses now (the configured method)
    std::string error;                  // the calibrator failed (then the figures are unset)
};

struct TensorCalibratorComparison {
    std::string tensor;
    std::vector<CalibratorChoice> choices; // min-max, percentile, KL, MSE
    int bestByMse = -1;                    // index into choices; -1 if none
    int bestBySqnr = -1;                   // -1 without output SQNRs
};

struct CalibratorComparisonOptions {
    double percentile = 99.99; // the percentile candidate (the configured one when percentile)
    int klTargetBins = 0;      // CalibrationConfig::klTargetBins
};

// One tensor from its collector. `session` (optional) gives the output SQNRs; `currentRange`
// (optional) marks the choice equal to it as current and reuses the session's SQNR for it.
Result<TensorCalibratorComparison>
compareCalibrators(const std::string& tensor, const RangeCollector& collector,
                   const QuantSpec& spec, const CalibratorComparisonOptions& options = {},
                   const AnalysisSession* session = nullptr,
                   const std::optional<ClipRange>& currentRange = std::nullopt);

// Every calibrated activation of a model (QuantizedModel::collectors whose tensor the plan
// quantizes), in the graph's topological order. Needs calibration data (collectors). The
// tensors are spread over the session's threads (without one, the model's config.threads); the
// result does not depend on their number.
Result<std::vector<TensorCalibratorComparison>>
compareCalibratorsAll(const QuantizedModel& model, const AnalysisSession* session = nullptr,
                      Progress* progress = nullptr);

} // namespace qs
