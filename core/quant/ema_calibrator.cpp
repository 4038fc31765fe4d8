#include "quant/calibrators.h"

namespace qs {

Result<ClipRange> EmaCalibrator::chooseRange(const RangeCollector& collector,
                                             const QuantSpec& spec) const {
    (void)spec;
    if (collector.count() == 0)
        return makeError(ErrorCode::NumericError, "no values were observed");
    // The average is taken while observing; a collector with another decay holds another one.
    if (collector.options().emaDecay != m_decay)
        return makeError(ErrorCode::InvalidArgument, "values were observed with EMA decay ",
                         collector.options().emaDecay, ", the calibrator expects ", m_decay,
                         " (collectorOptionsFor(config) makes matching collectors)");
    return ClipRange{collector.emaMin(), collector.emaMax()};
}

} // namespace qs
