// The calibrator factory and the --calib-method syntax; each method lives in its own file.
#include "quant/calibrators.h"

#include <charconv>
#include <cmath>

namespace qs {

Calibrator::~Calibrator() = default;

namespace {
constexpr const char* kValidForms = "minmax, ema, percentile:P (50 < P <= 100), kl, mse";

bool validPercentile(double p) {
    return std::isfinite(p) && p > 50.0 && p <= 100.0;
}
} // namespace

Result<CalibrationConfig> parseCalibrationMethod(const std::string& text) {
    CalibrationConfig c;
    if (text == "minmax")
        c.method = CalibrationMethod::MinMax;
    else if (text == "ema")
        c.method = CalibrationMethod::EmaMinMax;
    else if (text == "kl")
        c.method = CalibrationMethod::Kl;
    else if (text == "mse")
        c.method = CalibrationMethod::Mse;
    else if (text.rfind("percentile:", 0) == 0) {
        // from_chars: the C locale's '.' whatever the process locale is (Qt sets it from the user).
        const char* first = text.data() + 11;
        const char* last = text.data() + text.size();
        double p = 0.0;
        const auto [ptr, ec] = std::from_chars(first, last, p);
        if (ec != std::errc() || ptr != last || first == last)
            return makeError(ErrorCode::InvalidArgument, "'", text, "': '",
                             std::string(first, last),
                             "' is not a number; valid forms: ", kValidForms);
        if (!validPercentile(p))
            return makeError(ErrorCode::InvalidArgument, "'", text, "': percentile ", p,
                             " is outside (50, 100]; valid forms: ", kValidForms);
        c.method = CalibrationMethod::Percentile;
        c.percentile = p;
    } else {
        return makeError(ErrorCode::InvalidArgument, "'", text,
                         "' is not a calibration method; valid forms: ", kValidForms);
    }
    return c;
}

const char* calibrationMethodName(CalibrationMethod method) {
    switch (method) {
    case CalibrationMethod::MinMax:
        return "minmax";
    case CalibrationMethod::EmaMinMax:
        return "ema";
    case CalibrationMethod::Percentile:
        return "percentile";
    case CalibrationMethod::Kl:
        return "kl";
    case CalibrationMethod::Mse:
        return "mse";
    }
    return "minmax";
}

std::string calibrationMethodName(const CalibrationConfig& config) {
    std::string name = calibrationMethodName(config.method);
    if (config.method == CalibrationMethod::Percentile) {
        char buf[32];
        // Shortest text that reads back to the same double: 99.99 → "99.99".
        const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, config.percentile);
        name += ':';
        name.append(buf, ec == std::errc() ? ptr : buf);
    }
    return name;
}

RangeCollectorOptions collectorOptionsFor(const CalibrationConfig& config) {
    RangeCollectorOptions o;
    o.emaDecay = config.emaDecay;
    return o;
}

Result<std::unique_ptr<Calibrator>> makeCalibrator(const CalibrationConfig& config) {
    switch (config.method) {
    case CalibrationMethod::MinMax:
        return std::unique_ptr<Calibrator>(std::make_unique<MinMaxCalibrator>());
    case CalibrationMethod::EmaMinMax:
        if (!(config.emaDecay >= 0.0 && config.emaDecay < 1.0))
            return makeError(ErrorCode::InvalidArgument, "EMA decay ", config.emaDecay,
                             " is outside [0, 1)");
        return std::unique_ptr<Calibrator>(std::make_unique<EmaCalibrator>(config.emaDecay));
    case CalibrationMethod::Percentile:
        if (!validPercentile(config.percentile))
            return makeError(ErrorCode::InvalidArgument, "percentile ", config.percentile,
                             " is outside (50, 100]");
        return std::unique_ptr<Calibrator>(
            std::make_unique<PercentileCalibrator>(config.percentile));
    case CalibrationMethod::Kl:
        if (config.klTargetBins != 0 && (config.klTargetBins < 2 || config.klTargetBins > 65536))
            return makeError(ErrorCode::InvalidArgument, "KL target level count ",
                             config.klTargetBins,
                             " is outside 2..65536 (or 0 for the bit width's)");
        return std::unique_ptr<Calibrator>(std::make_unique<KlCalibrator>(config.klTargetBins));
    case CalibrationMethod::Mse:
        return std::unique_ptr<Calibrator>(std::make_unique<MseCalibrator>());
    }
    return makeError(ErrorCode::Internal, "unknown calibration method ", int(config.method));
}

} // namespace qs
