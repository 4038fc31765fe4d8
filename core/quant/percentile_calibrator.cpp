#include "quant/calibrators.h"

#include <algorithm>

namespace qs {

Result<ClipRange> PercentileCalibrator::chooseRange(const RangeCollector& collector,
                                                    const QuantSpec& spec) const {
    const Histogram& h = collector.histogram();
    if (h.empty()) return makeError(ErrorCode::NumericError, "no values were observed");
    const double q = m_percentile / 100.0;
    if (spec.scheme == QuantScheme::Symmetric) {
        // One threshold for both signs: the grid is symmetric, so cut |x| once.
        const float t = float(h.absQuantile(q));
        return ClipRange{std::max(h.min(), -t), std::min(h.max(), t)};
    }
    return ClipRange{float(h.quantile(1.0 - q)), float(h.quantile(q))};
}

} // namespace qs
