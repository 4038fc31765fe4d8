#include "quant/calibrators.h"

namespace qs {

Result<ClipRange> MinMaxCalibrator::chooseRange(const RangeCollector& collector,
                                                const QuantSpec& spec) const {
    (void)spec; // computeQuantParams symmetrises for symmetric schemes
    if (collector.count() == 0)
        return makeError(ErrorCode::NumericError, "no values were observed");
    return ClipRange{collector.min(), collector.max()};
}

} // namespace qs
