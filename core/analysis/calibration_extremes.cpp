#include "analysis/calibration_extremes.h"

#include "exec/executor.h"
#include "util/thread_pool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <set>

namespace qs {

namespace {

struct Track {
    std::vector<float> sampleMin, sampleMax; // per calibration sample
    std::unique_ptr<RangeCollector> collector;
    std::unique_ptr<Calibrator> calibrator; // --tensor-calib; null: the configured one
    std::vector<RangeCheckpoint> checkpoints;
};

bool isCheckpoint(int64_t k, int64_t n) {
    return k == n || (k > 0 && (k & (k - 1)) == 0);
}

class ExtremesHooks : public ExecHooks {
public:
    ExtremesHooks(const Graph& g, std::map<std::string, Track>& tracks,
                  const Calibrator& calibrator, const QuantSpec& spec, int64_t firstSample,
                  int64_t totalSamples, ThreadPool* pool)
        : m_graph(g)
        , m_tracks(tracks)
        , m_calibrator(calibrator)
        , m_spec(spec)
        , m_first(firstSample)
        , m_total(totalSamples)
        , m_pool(pool) {}

    Status onTensor(NodeId, ValueId value, Tensor& tensor) override {
        auto it = m_tracks.find(m_graph.value(value).name);
        if (it == m_tracks.end() || tensor.dtype() != DataType::F32 || tensor.rank() < 1) return {};
        Track& t = it->second;
        const int64_t rows = tensor.dim(0);
        const int64_t per = rows ? tensor.numel() / rows : 0;
        Shape one = tensor.shape();
        one[0] = 1;
        for (int64_t r = 0; r < rows; ++r) {
            const float* x = tensor.data<float>() + r * per;
            float lo = std::numeric_limits<float>::infinity(), hi = -lo;
            for (int64_t i = 0; i < per; ++i) {
                lo = std::min(lo, x[i]);
                hi = std::max(hi, x[i]);
            }
            if (per == 0) lo = hi = 0.0f;
            const size_t s = size_t(m_first + r);
            t.sampleMin[s] = lo;
            t.sampleMax[s] = hi;
            // One observe() per sample so the calibrator can be asked after any prefix.
            Tensor sample(DataType::F32, one);
            std::memcpy(sample.data<float>(), x, size_t(per) * sizeof(float));
            QS_TRY(t.collector->observe(sample, m_pool));
            const int64_t k = int64_t(s) + 1;
            if (isCheckpoint(k, m_total)) {
                const Calibrator& calibrator = t.calibrator ? *t.calibrator : m_calibrator;
                auto range = calibrator.chooseRange(*t.collector, m_spec);
                if (!range)
                    return std::move(range.addContext("after " + std::to_string(k) + " samples"))
                        .takeError();
                t.checkpoints.push_back(RangeCheckpoint{k, *range});
            }
        }
        return {};
    }

private:
    const Graph& m_graph;
    std::map<std::string, Track>& m_tracks;
    const Calibrator& m_calibrator;
    QuantSpec m_spec;
    int64_t m_first, m_total;
    ThreadPool* m_pool;
};

} // namespace

Result<CalibrationExtremes> analyzeCalibrationExtremes(const QuantizedModel& m,
                                                       const Tensor& calibration,
                                                       const std::string& inputName,
                                                       const CalibrationExtremesOptions& options,
                                                       Progress* progress) {
    const Graph& g = m.graph;
    if (g.inputs().empty()) return makeError(ErrorCode::InvalidModel, "the model has no inputs");
    const std::string in = inputName.empty() ? g.value(g.inputs()[0]).name : inputName;
    auto inputId = g.findValue(in);
    if (!inputId || !g.value(*inputId).isGraphInput)
        return makeError(ErrorCode::NotFound, "the model has no input named '", in, "'");
    if (!(options.dominanceRatio > 0.0 && options.dominanceRatio < 1.0))
        return makeError(ErrorCode::InvalidArgument, "dominance ratio ", options.dominanceRatio,
                         " is not in (0, 1)");
    if (calibration.rank() < 1 || calibration.dim(0) < 1)
        return makeError(ErrorCode::InvalidArgument, "no calibration samples");
    QS_ASSIGN(std::vector<Tensor> batches,
              splitIntoBatches(calibration, g.value(*inputId), options.batchSize));
    const int64_t n = calibration.dim(0);
    QS_ASSIGN(std::unique_ptr<Calibrator> calibrator, makeCalibrator(m.config.calibration));
    const RangeCollectorOptions collectorOptions = collectorOptionsFor(m.config.calibration);

    // The calibrated activations, in topological order.
    std::vector<std::string> order;
    std::set<std::string> seen;
    auto add = [&](ValueId v) {
        if (v == kNoValue) return;
        const std::string& name = g.value(v).name;
        if (m.activationRanges.count(name) && seen.insert(name).second) order.push_back(name);
    };
    for (ValueId v : g.inputs()) add(v);
    for (NodeId node : g.topoOrder())
        for (ValueId v : g.node(node).outputs) add(v);
    std::map<std::string, Track> tracks;
    for (const std::string& name : order) {
        Track& t = tracks[name];
        t.sampleMin.assign(size_t(n), 0.0f);
        t.sampleMax.assign(size_t(n), 0.0f);
        t.collector = std::make_unique<RangeCollector>(collectorOptions);
        if (m.config.tensorCalibration.count(name)) {
            auto own = makeCalibrator(m.config.calibrationFor(name));
            if (!own)
                return std::move(own.addContext("option '--tensor-calib " + name + "'"))
                    .takeError();
            t.calibrator = std::move(own).value();
        }
    }

    QS_ASSIGN(auto executor, Executor::create(g, ExecOptions{options.threads}));
    ThreadPool pool(std::max(1, options.threads));
    int64_t first = 0;
    for (size_t b = 0; b < batches.size(); ++b) {
        if (progress) {
            if (progress->isCancelled()) return Error(ErrorCode::Cancelled, "cancelled");
            progress->report(double(b) / double(batches.size()), "calibration extremes");
        }
        ExtremesHooks hooks(executor->graph(), tracks, *calibrator, m.config.activation, first, n,
                            &pool);
        auto r = executor->run({{in, batches[b]}}, &hooks);
        if (!r)
            return std::move(r.addContext("calibration batch " + std::to_string(b + 1)))
                .takeError();
        first += batches[b].dim(0);
    }

    CalibrationExtremes out;
    out.method = calibrationMethodName(m.config.calibration);
    out.samples = n;
    for (const std::string& name : order) {
        Track& t = tracks.at(name);
        if (t.checkpoints.empty()) continue; // not produced on this graph's f32 path
        TensorCalibrationExtremes e;
        e.tensor = name;
        // First occurrence wins ties (as RangeCollector's locations).
        const auto minIt = std::min_element(t.sampleMin.begin(), t.sampleMin.end());
        const auto maxIt = std::max_element(t.sampleMax.begin(), t.sampleMax.end());
        e.minSample = minIt - t.sampleMin.begin();
        e.maxSample = maxIt - t.sampleMax.begin();
        e.min = *minIt;
        e.max = *maxIt;
        e.minWithoutSample = e.min;
        e.maxWithoutSample = e.max;
        if (n > 1) {
            float lo = std::numeric_limits<float>::infinity(), hi = -lo;
            for (int64_t s = 0; s < n; ++s) {
                if (s != e.minSample) lo = std::min(lo, t.sampleMin[size_t(s)]);
                if (s != e.maxSample) hi = std::max(hi, t.sampleMax[size_t(s)]);
            }
            e.minWithoutSample = lo;
            e.maxWithoutSample = hi;
            const double r = options.dominanceRatio;
            e.maxDominated = e.max > 0.0f && double(e.maxWithoutSample) < r * double(e.max);
            e.minDominated = e.min < 0.0f && double(e.minWithoutSample) > r * double(e.min);
        }
        e.convergence = std::move(t.checkpoints);
        if (e.convergence.size() >= 2) {
            const ClipRange a = e.convergence[e.convergence.size() - 2].range,
                            z = e.convergence.back().range;
            const double width = double(z.hi) - double(z.lo);
            const double moved =
                std::max(std::fabs(double(z.hi) - a.hi), std::fabs(double(z.lo) - a.lo));
            e.lastDoublingChange = width > 0 ? moved / width : 0.0;
        }
        if (e.minDominated || e.maxDominated) out.dominated.push_back(name);
        out.tensors.push_back(std::move(e));
    }
    return out;
}

} // namespace qs
