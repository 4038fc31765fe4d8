#include "analysis/calibrator_comparison.h"
#include "analysis/analysis_common.h"

#include <set>

namespace qs {

namespace {

// The fraction of calibration values clipped by the grid a range gives (zero added, symmetric
// schemes symmetrised, as computeQuantParams does): more than half a step beyond the end codes,
// so that their error exceeds the rounding error.
Result<double> clippedFraction(const Histogram& h, ClipRange r, const QuantSpec& spec) {
    QS_ASSIGN(QuantParams p, computeQuantParams(spec, {r.lo}, {r.hi}));
    const double s = p.scale[0], z = p.zeroPoint[0];
    return h.fractionOutside(s * (spec.qmin() - z - 0.5), s * (spec.qmax() - z + 0.5));
}

} // namespace

Result<TensorCalibratorComparison>
compareCalibrators(const std::string& tensor, const RangeCollector& collector,
                   const QuantSpec& spec, const CalibratorComparisonOptions& options,
                   const AnalysisSession* session, const std::optional<ClipRange>& currentRange) {
    if (collector.count() == 0)
        return makeError(ErrorCode::NumericError, "tensor '", tensor,
                         "' has no calibration statistics");
    std::vector<CalibrationConfig> methods(4);
    methods[0].method = CalibrationMethod::MinMax;
    methods[1].method = CalibrationMethod::Percentile;
    methods[1].percentile = options.percentile;
    methods[2].method = CalibrationMethod::Kl;
    methods[2].klTargetBins = options.klTargetBins;
    methods[3].method = CalibrationMethod::Mse;
    TensorCalibratorComparison out;
    out.tensor = tensor;
    std::optional<double> currentSqnr;
    if (session) currentSqnr = session->outputSqnrDb();
    for (const CalibrationConfig& config : methods) {
        CalibratorChoice c;
        c.method = calibrationMethodName(config);
        auto calibrator = makeCalibrator(config);
        if (!calibrator)
            return std::move(calibrator.addContext("tensor '" + tensor + "'")).takeError();
        auto range = (*calibrator)->chooseRange(collector, spec);
        if (!range) {
            c.error = range.message();
            out.choices.push_back(c);
            continue;
        }
        c.range = *range;
        QS_ASSIGN(c.quantMse, collector.histogram().expectedQuantMse(c.range.lo, c.range.hi, spec));
        QS_ASSIGN(c.clippedFraction, clippedFraction(collector.histogram(), c.range, spec));
        c.current =
            currentRange && currentRange->lo == c.range.lo && currentRange->hi == c.range.hi;
        if (session) {
            if (c.current) {
                c.outputSqnrDb = currentSqnr;
            } else {
                // A range already evaluated for this tensor (two methods often agree) is not
                // run again.
                for (const CalibratorChoice& prev : out.choices)
                    if (prev.outputSqnrDb && prev.range.lo == c.range.lo &&
                        prev.range.hi == c.range.hi)
                        c.outputSqnrDb = prev.outputSqnrDb;
                if (!c.outputSqnrDb) {
                    auto r = session->whatIfRange(tensor, c.range, false);
                    if (!r) return std::move(r.addContext("calibrator " + c.method)).takeError();
                    c.outputSqnrDb = r->outputSqnrAfterDb;
                }
            }
        }
        out.choices.push_back(c);
    }
    for (size_t i = 0; i < out.choices.size(); ++i) {
        const CalibratorChoice& c = out.choices[i];
        if (!c.error.empty()) continue;
        if (out.bestByMse < 0 || c.quantMse < out.choices[size_t(out.bestByMse)].quantMse)
            out.bestByMse = int(i);
        if (c.outputSqnrDb && (out.bestBySqnr < 0 ||
                               *c.outputSqnrDb > *out.choices[size_t(out.bestBySqnr)].outputSqnrDb))
            out.bestBySqnr = int(i);
    }
    return out;
}

Result<std::vector<TensorCalibratorComparison>>
compareCalibratorsAll(const QuantizedModel& m, const AnalysisSession* session, Progress* progress) {
    const Graph& g = m.graph;
    CalibratorComparisonOptions options;
    if (m.config.calibration.method == CalibrationMethod::Percentile)
        options.percentile = m.config.calibration.percentile;
    options.klTargetBins = m.config.calibration.klTargetBins;
    // Topological order: graph inputs, then node outputs.
    std::vector<std::string> order;
    std::set<std::string> seen;
    auto add = [&](ValueId v) {
        if (v == kNoValue) return;
        const std::string& name = g.value(v).name;
        const TensorQuantEntry* e = m.plan.tensor(name);
        if (!m.collectors.count(name) || !e || e->isWeight || e->isBias ||
            e->params.state != TensorQuantState::Quantized || !seen.insert(name).second)
            return;
        order.push_back(name);
    };
    for (ValueId v : g.inputs()) add(v);
    for (NodeId n : g.topoOrder())
        for (ValueId v : g.node(n).outputs) add(v);
    // Tensors are independent work items (topological order: the large cones first).
    std::vector<TensorCalibratorComparison> out(order.size());
    QS_TRY(forEachItem(
        session ? session->threads() : m.config.threads, order.size(), progress,
        [&](size_t i) { return "calibrators of " + order[i]; },
        [&](size_t i) -> Status {
            const std::string& name = order[i];
            std::optional<ClipRange> current;
            if (auto it = m.activationRanges.find(name); it != m.activationRanges.end())
                current = it->second;
            auto c = compareCalibrators(name, *m.collectors.at(name), m.config.activation, options,
                                        session, current);
            if (!c) return std::move(c.addContext("tensor '" + name + "'")).takeError();
            out[i] = std::move(c).value();
            return {};
        }));
    return out;
}

} // namespace qs
