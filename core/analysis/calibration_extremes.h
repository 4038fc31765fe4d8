// Calibration-data diagnostics: for every calibrated activation, which calibration sample set
// its minimum and its maximum, what the extreme would be with that sample left out, and how the
// configured calibrator's range converges as samples are added (after 1, 2, 4, 8, …, N samples).
// A range is flagged as dominated by one sample when leaving that sample out shrinks the
// extreme below `dominanceRatio` of it (|extreme without| < ratio·|extreme|): one odd image then
// sets the scale for all the others. Convergence shows whether N samples were enough.
#pragma once

#include "quant/quantizer.h"

#include <string>
#include <vector>

namespace qs {

struct RangeCheckpoint {
    int64_t samples = 0; // the first `samples` calibration samples
    ClipRange range;     // what the tensor's calibrator (--tensor-calib, else the configured one)
                         // chooses from them
};

struct TensorCalibrationExtremes {
    std::string tensor;
    float min = 0.0f, max = 0.0f;
    int64_t minSample = -1, maxSample = -1; // 0-based index into the calibration data
    // The extreme over the other samples (equal to min/max with a single sample).
    float minWithoutSample = 0.0f, maxWithoutSample = 0.0f;
    bool minDominated = false, maxDominated = false;
    std::vector<RangeCheckpoint> convergence; // 1, 2, 4, …, and always N last
    // How far the last step of `convergence` (the previous checkpoint → N) still moved the range:
    // the larger move of its two ends over the final width (0 with a single checkpoint).
    double lastDoublingChange = 0.0;
};

struct CalibrationExtremesOptions {
    double dominanceRatio = 0.5;
    int threads = 1;
    int batchSize = 16;
};

struct CalibrationExtremes {
    std::string method; // the configured calibrator ("minmax", "kl", ...)
    int64_t samples = 0;
    std::vector<TensorCalibrationExtremes> tensors; // topological order
    std::vector<std::string> dominated;             // tensors flagged, same order
};

// calibration: N first for `inputName` ("" = the first model input). Covers the activations
// the plan quantizes with a calibrated range (QuantizedModel::activationRanges).
Result<CalibrationExtremes> analyzeCalibrationExtremes(
    const QuantizedModel& model, const Tensor& calibration, const std::string& inputName,
    const CalibrationExtremesOptions& options = {}, Progress* progress = nullptr);

} // namespace qs
