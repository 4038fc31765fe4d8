#include "quant/calibrators.h"

#include <algorithm>

namespace qs {

namespace {
constexpr int kCoarseSteps = 200; // α = k / 200: clip values from 0.5% to 100% of the range
constexpr int kFineSteps = 40;    // then [α_best − 1/200, α_best + 1/200] in 40 steps
} // namespace

Result<ClipRange> MseCalibrator::chooseRange(const RangeCollector& collector,
                                             const QuantSpec& spec) const {
    const Histogram& h = collector.histogram();
    if (h.empty()) return makeError(ErrorCode::NumericError, "no values were observed");
    const float mn = h.min(), mx = h.max();
    if (h.halfRange() == 0.0) return ClipRange{mn, mx}; // only zeros

    // The full range the grid would cover; candidates shrink it towards zero, both ends together.
    double lo0 = std::min(double(mn), 0.0), hi0 = std::max(double(mx), 0.0);
    if (spec.scheme == QuantScheme::Symmetric) {
        const double a = h.absMax();
        lo0 = -a;
        hi0 = a;
    }
    double bestAlpha = 1.0, bestMse = 0.0;
    bool first = true;
    auto tryAlpha = [&](double alpha) -> Status {
        QS_ASSIGN(double mse, h.expectedQuantMse(float(alpha * lo0), float(alpha * hi0), spec));
        // <=: among equal errors the wider range (the grid search runs upwards).
        if (first || mse <= bestMse) {
            bestMse = mse;
            bestAlpha = alpha;
            first = false;
        }
        return {};
    };
    for (int k = 1; k <= kCoarseSteps; ++k) QS_TRY(tryAlpha(double(k) / kCoarseSteps));
    const double from = std::max(bestAlpha - 1.0 / kCoarseSteps, 0.5 / kCoarseSteps);
    const double to = std::min(bestAlpha + 1.0 / kCoarseSteps, 1.0);
    for (int k = 0; k <= kFineSteps; ++k) QS_TRY(tryAlpha(from + (to - from) * k / kFineSteps));

    return ClipRange{float(std::max(double(mn), bestAlpha * lo0)),
                     float(std::min(double(mx), bestAlpha * hi0))};
}

} // namespace qs
