// The user's quantization settings: what DESIGN.md's QUANT OPTIONS say, shared by the CLI and
// the GUI (one parser, later options override earlier ones).
#pragma once

#include "quant/calibrators.h"
#include "quant/dispatcher.h"
#include "quant/quant_params.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace qs {

enum class ActivationMode : uint8_t {
    Static,     // calibrated activation ranges (or data-free from BN statistics without data)
    WeightOnly, // activations stay float
    Dynamic,    // activation ranges computed per input at run time (PyTorch's dynamic mode)
};
const char* activationModeName(ActivationMode m);

enum class RequantMode : uint8_t { Float, FixedPoint };

struct QuantConfig {
    // Weights: symmetric int8, per-channel (Krishnamoorthi's recommendation). The axis is set per
    // op.
    QuantSpec weight{8, QuantScheme::Symmetric,   true, Granularity::PerChannel, 0,
                     1, RoundingMode::HalfToEven, false};
    // Activations: asymmetric uint8, per-tensor (ONNX Runtime's default; u8 x s8 suits VNNI).
    QuantSpec activation{8, QuantScheme::Asymmetric,  false, Granularity::PerTensor, 1,
                         1, RoundingMode::HalfToEven, false};
    CalibrationConfig calibration;
    ActivationMode activationMode = ActivationMode::Static;
    DispatchMode dispatch = DispatchMode::Conservative;
    RequantMode requant = RequantMode::Float;
    bool foldBatchNorm = true;
    bool fuseActivations = true; // Conv/Gemm/Add + Relu/Clip: the clamp is part of requantization
    // Concat inputs and output share one scale/zero point (the union of their ranges, pushed back
    // to the producers, as TFLite requires); off: each input keeps its own and is requantized.
    // Add is never aligned: see plan_builder.h.
    bool alignConcatScales = false;
    float dataFreeSigmas = 3.0f; // data-free ranges: β ± k·|γ|
    bool cle = false;            // every equalizable pair
    bool biasCorrection = false;
    bool adaround = false; // every weighted layer
    int adaroundIterations = 1000;
    // --cle-layers NODE[,NODE...]: cross-layer equalization of only the pairs A → B that have
    // one of these nodes as A or B (a node in the middle of a chain: both its pairs, swept
    // together). Each node must be in an equalizable pair. `cle` equalizes every pair anyway.
    std::set<std::string> cleLayers;
    // --adaround-layers NODE[,NODE...]: AdaRound only these weighted layers; the others keep
    // nearest rounding. Each node must be a weighted layer. `adaround` rounds every layer anyway.
    std::set<std::string> adaroundLayers;
    std::set<std::string> floatNodes;     // --float NODE
    std::map<std::string, int> layerBits; // --layer-bits NODE=N (weight bits)
    // Weight granularity of one layer (the what-if analysis; no command-line form yet).
    std::map<std::string, Granularity> layerGranularity;
    // --tensor-calib TENSOR=METHOD: one activation's calibration method instead of
    // `calibration` (the calibrator comparison's "use this one for this tensor").
    std::map<std::string, CalibrationConfig> tensorCalibration;
    int threads = 1;

    // The calibration method of one activation tensor: its --tensor-calib override, else the
    // configured one. KL's target level count follows `calibration` either way.
    CalibrationConfig calibrationFor(const std::string& tensor) const;

    // Whether the quantizer runs CLE / AdaRound at all (model-wide or on some layers).
    bool cleEnabled() const { return cle || !cleLayers.empty(); }
    bool adaroundEnabled() const { return adaround || !adaroundLayers.empty(); }

    // Settings as JSON-able key/value text pairs (quant_table.json "settings", reports).
    std::vector<std::pair<std::string, std::string>> describe() const;
};

// Applies one option (name without dashes, value; "" for switches) to the config. Returns
// Unsupported-free InvalidArgument errors naming the option and the accepted forms; NotFound
// when `name` is not a quantization option (so callers can try their own options).
Status applyQuantOption(QuantConfig& config, const std::string& name, const std::string& value);
// The node lists of --cle-layers and --adaround-layers (NODE[,NODE...]): a comma inside a node
// name is written "\,", a backslash "\\"; any other character after a backslash, a trailing
// backslash or an empty name is an error naming the option. The single-node options (--float
// NODE, --layer-bits NODE=N, ...) take the name verbatim, commas included.
Result<std::vector<std::string>> splitNodeList(const std::string& option, const std::string& value);
// The inverse: names joined with commas, escaped so that splitNodeList gives them back.
std::string joinNodeList(const std::vector<std::string>& names);

// The names applyQuantOption accepts, with whether they take a value.
const std::vector<std::pair<std::string, bool>>& quantOptionNames();

} // namespace qs
