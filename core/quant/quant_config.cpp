#include "quant/quant_config.h"

#include <charconv>

namespace qs {

const char* activationModeName(ActivationMode m) {
    switch (m) {
    case ActivationMode::Static:
        return "static";
    case ActivationMode::WeightOnly:
        return "weight_only";
    case ActivationMode::Dynamic:
        return "dynamic";
    }
    return "static";
}

namespace {

Result<int> parseInt(const std::string& option, const std::string& text, int lo, int hi) {
    int v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || v < lo || v > hi)
        return makeError(ErrorCode::InvalidArgument, "option '--", option, "': '", text,
                         "' is not a whole number from ", lo, " to ", hi);
    return v;
}

// NODE[,NODE...] into `out` (repeated options add up).
Status parseNodeList(const std::string& option, const std::string& value,
                     std::set<std::string>& out) {
    QS_ASSIGN(std::vector<std::string> names, splitNodeList(option, value));
    out.insert(names.begin(), names.end());
    return {};
}

Error badValue(const std::string& option, const std::string& value, const char* forms) {
    return makeError(ErrorCode::InvalidArgument, "option '--", option, "': '", value,
                     "' is not one of ", forms);
}

} // namespace

Result<std::vector<std::string>> splitNodeList(const std::string& option,
                                               const std::string& value) {
    std::vector<std::string> names(1);
    for (size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == ',') {
            names.emplace_back();
        } else if (c != '\\') {
            names.back() += c;
        } else if (i + 1 < value.size() && (value[i + 1] == ',' || value[i + 1] == '\\')) {
            names.back() += value[++i];
        } else {
            return makeError(ErrorCode::InvalidArgument, "option '--", option, "': '", value,
                             "': a backslash must be followed by ',' or '\\' (write a comma "
                             "inside a node name as '\\,', a backslash as '\\\\')");
        }
    }
    for (const std::string& n : names)
        if (n.empty())
            return makeError(ErrorCode::InvalidArgument, "option '--", option, "': '", value,
                             "' is not NODE[,NODE...]");
    return names;
}

std::string joinNodeList(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) {
        if (!out.empty()) out += ',';
        for (char c : n) {
            if (c == ',' || c == '\\') out += '\\';
            out += c;
        }
    }
    return out;
}

const std::vector<std::pair<std::string, bool>>& quantOptionNames() {
    static const std::vector<std::pair<std::string, bool>> names{
        {"bits", true},           {"act-bits", true},         {"scheme", true},
        {"granularity", true},    {"calib-method", true},     {"cle", false},
        {"cle-layers", true},     {"bias-correction", false}, {"adaround", false},
        {"adaround-iters", true}, {"adaround-layers", true},  {"dispatch", true},
        {"float", true},          {"layer-bits", true},       {"layer-granularity", true},
        {"tensor-calib", true},   {"requant", true},          {"act-mode", true},
        {"no-bn-fold", false},    {"data-free-sigmas", true}, {"align-concat", false},
        {"power-of-two", false},  {"rounding", true}};
    return names;
}

Status applyQuantOption(QuantConfig& c, const std::string& name, const std::string& value) {
    if (name == "bits") {
        QS_ASSIGN(c.weight.bits, parseInt(name, value, 2, 16));
    } else if (name == "act-bits") {
        QS_ASSIGN(c.activation.bits, parseInt(name, value, 2, 16));
    } else if (name == "scheme") {
        // Applies to weights and activations alike; the default (no option) is symmetric
        // weights with asymmetric activations.
        if (value == "symmetric") {
            c.weight.scheme = c.activation.scheme = QuantScheme::Symmetric;
            c.activation.isSigned = true;
        } else if (value == "asymmetric") {
            c.weight.scheme = c.activation.scheme = QuantScheme::Asymmetric;
        } else {
            return badValue(name, value, "symmetric, asymmetric");
        }
    } else if (name == "granularity") {
        if (value == "tensor")
            c.weight.granularity = Granularity::PerTensor;
        else if (value == "channel")
            c.weight.granularity = Granularity::PerChannel;
        else if (value.rfind("group:", 0) == 0) {
            QS_ASSIGN(c.weight.groupSize, parseInt(name, value.substr(6), 1, 1 << 20));
            c.weight.granularity = Granularity::PerGroup;
        } else {
            return badValue(name, value, "tensor, channel, group:G");
        }
    } else if (name == "calib-method") {
        auto cfg = parseCalibrationMethod(value);
        if (!cfg)
            return makeError(ErrorCode::InvalidArgument,
                             "option '--calib-method': ", cfg.message());
        c.calibration = *cfg;
    } else if (name == "cle") {
        c.cle = true;
    } else if (name == "cle-layers") {
        QS_TRY(parseNodeList(name, value, c.cleLayers));
    } else if (name == "adaround-layers") {
        QS_TRY(parseNodeList(name, value, c.adaroundLayers));
    } else if (name == "bias-correction") {
        c.biasCorrection = true;
    } else if (name == "adaround") {
        c.adaround = true;
    } else if (name == "adaround-iters") {
        QS_ASSIGN(c.adaroundIterations, parseInt(name, value, 1, 1000000));
    } else if (name == "dispatch") {
        if (value == "conservative")
            c.dispatch = DispatchMode::Conservative;
        else if (value == "aggressive")
            c.dispatch = DispatchMode::Aggressive;
        else
            return badValue(name, value, "conservative, aggressive");
    } else if (name == "float") {
        if (value.empty())
            return makeError(ErrorCode::InvalidArgument, "option '--float' needs a node name");
        c.floatNodes.insert(value);
    } else if (name == "layer-bits") {
        const auto eq = value.rfind('=');
        if (eq == std::string::npos || eq == 0)
            return makeError(ErrorCode::InvalidArgument, "option '--layer-bits': '", value,
                             "' is not NODE=N");
        QS_ASSIGN(int bits, parseInt(name, value.substr(eq + 1), 2, 16));
        c.layerBits[value.substr(0, eq)] = bits;
    } else if (name == "layer-granularity") {
        // One layer's weights per tensor or per channel whatever --granularity says: the
        // sensitivity table often shows one depthwise layer that needs per channel while the
        // target runtime prefers per tensor everywhere else.
        const auto eq = value.rfind('=');
        if (eq == std::string::npos || eq == 0)
            return makeError(ErrorCode::InvalidArgument, "option '--layer-granularity': '", value,
                             "' is not NODE=tensor|channel");
        const std::string g = value.substr(eq + 1);
        if (g == "tensor")
            c.layerGranularity[value.substr(0, eq)] = Granularity::PerTensor;
        else if (g == "channel")
            c.layerGranularity[value.substr(0, eq)] = Granularity::PerChannel;
        else
            return badValue(name, value, "NODE=tensor, NODE=channel");
    } else if (name == "tensor-calib") {
        // One activation's calibrator whatever --calib-method says (the calibrator comparison
        // shows which one suits each tensor). EMA is left out: the collectors observe with the
        // global method's decay.
        const auto eq = value.rfind('=');
        if (eq == std::string::npos || eq == 0)
            return makeError(ErrorCode::InvalidArgument, "option '--tensor-calib': '", value,
                             "' is not TENSOR=minmax|percentile:P|kl|mse");
        auto cfg = parseCalibrationMethod(value.substr(eq + 1));
        if (!cfg || cfg->method == CalibrationMethod::EmaMinMax)
            return makeError(ErrorCode::InvalidArgument, "option '--tensor-calib': '", value,
                             "': '", value.substr(eq + 1),
                             "' is not one of minmax, percentile:P (50 < P <= 100), kl, mse");
        c.tensorCalibration[value.substr(0, eq)] = *cfg;
    } else if (name == "requant") {
        if (value == "float")
            c.requant = RequantMode::Float;
        else if (value == "fixed")
            c.requant = RequantMode::FixedPoint;
        else
            return badValue(name, value, "float, fixed");
    } else if (name == "act-mode") {
        if (value == "static")
            c.activationMode = ActivationMode::Static;
        else if (value == "weight-only")
            c.activationMode = ActivationMode::WeightOnly;
        else if (value == "dynamic")
            c.activationMode = ActivationMode::Dynamic;
        else
            return badValue(name, value, "static, weight-only, dynamic");
    } else if (name == "no-bn-fold") {
        c.foldBatchNorm = false;
    } else if (name == "data-free-sigmas") {
        char* end = nullptr;
        const float k = std::strtof(value.c_str(), &end);
        if (end == value.c_str() || *end || !(k > 0.0f) || k > 100.0f)
            return makeError(ErrorCode::InvalidArgument, "option '--data-free-sigmas': '", value,
                             "' is not a number in (0, 100]");
        c.dataFreeSigmas = k;
    } else if (name == "align-concat") {
        c.alignConcatScales = true;
    } else if (name == "power-of-two") {
        c.weight.powerOfTwoScale = c.activation.powerOfTwoScale = true;
    } else if (name == "rounding") {
        if (value == "half-to-even")
            c.weight.rounding = c.activation.rounding = RoundingMode::HalfToEven;
        else if (value == "half-away-from-zero")
            c.weight.rounding = c.activation.rounding = RoundingMode::HalfAwayFromZero;
        else
            return badValue(name, value, "half-to-even, half-away-from-zero");
    } else {
        return makeError(ErrorCode::NotFound, "'--", name, "' is not a quantization option");
    }
    return {};
}

std::vector<std::pair<std::string, std::string>> QuantConfig::describe() const {
    auto spec = [](const QuantSpec& s) {
        std::string g = granularityName(s.granularity);
        if (s.granularity == Granularity::PerGroup) g += ":" + std::to_string(s.groupSize);
        return std::to_string(s.bits) + "-bit " + quantSchemeName(s.scheme) +
               (s.isSigned ? " int" : " uint") + ", " + g +
               (s.powerOfTwoScale ? ", power-of-two scales" : "");
    };
    std::vector<std::pair<std::string, std::string>> d{
        {"weights", spec(weight)},
        {"activations", activationMode == ActivationMode::WeightOnly
                            ? std::string("float (weight-only)")
                            : spec(activation)},
        {"activation_mode", activationModeName(activationMode)},
        {"calibration", calibrationMethodName(calibration)},
        {"rounding", roundingModeName(weight.rounding)},
        {"dispatch", dispatch == DispatchMode::Conservative ? "conservative" : "aggressive"},
        {"requant", requant == RequantMode::Float ? "float" : "fixed"},
        {"bn_fold", foldBatchNorm ? "true" : "false"},
        {"cle", cle ? "true" : "false"},
        {"bias_correction", biasCorrection ? "true" : "false"},
        {"adaround", adaround ? "true" : "false"},
        {"align_concat", alignConcatScales ? "true" : "false"},
    };
    for (const auto& n : floatNodes) d.emplace_back("float_node", n);
    for (const auto& n : cleLayers) d.emplace_back("cle_layer", n);
    for (const auto& n : adaroundLayers) d.emplace_back("adaround_layer", n);
    for (const auto& [n, b] : layerBits) d.emplace_back("layer_bits", n + "=" + std::to_string(b));
    for (const auto& [n, g] : layerGranularity)
        d.emplace_back("layer_granularity", n + "=" + granularityName(g));
    for (const auto& [t, m] : tensorCalibration)
        d.emplace_back("tensor_calib", t + "=" + calibrationMethodName(m));
    return d;
}

CalibrationConfig QuantConfig::calibrationFor(const std::string& tensor) const {
    const auto it = tensorCalibration.find(tensor);
    if (it == tensorCalibration.end()) return calibration;
    CalibrationConfig c = it->second;
    c.klTargetBins = calibration.klTargetBins;
    c.emaDecay = calibration.emaDecay;
    return c;
}

} // namespace qs
