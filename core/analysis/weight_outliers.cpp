#include "analysis/weight_outliers.h"

#include "quant/channel_ranges.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace qs {

Result<std::vector<ChannelWeightStats>> channelWeightStats(const Tensor& weight, int axis) {
    const Tensor w = weight.dtype() == DataType::F32 ? weight : weight.castTo(DataType::F32);
    const ChannelLayout l = w.rank() == 0 ? ChannelLayout{1, 1, 1} : channelLayout(w.shape(), axis);
    std::vector<ChannelWeightStats> out(size_t(l.channels));
    std::vector<double> sum(size_t(l.channels), 0.0), sumSq(size_t(l.channels), 0.0);
    std::vector<int64_t> count(size_t(l.channels), 0);
    const float* x = w.data<float>();
    for (int64_t c = 0; c < l.channels; ++c) {
        out[size_t(c)].channel = c;
        out[size_t(c)].min = std::numeric_limits<float>::infinity();
        out[size_t(c)].max = -std::numeric_limits<float>::infinity();
    }
    for (int64_t o = 0; o < l.outer; ++o)
        for (int64_t c = 0; c < l.channels; ++c) {
            ChannelWeightStats& s = out[size_t(c)];
            const float* p = x + (o * l.channels + c) * l.inner;
            for (int64_t i = 0; i < l.inner; ++i) {
                if (!std::isfinite(p[i]))
                    return makeError(ErrorCode::NumericError, "weight value ", p[i], " in channel ",
                                     c, " is not finite");
                s.min = std::min(s.min, p[i]);
                s.max = std::max(s.max, p[i]);
                sum[size_t(c)] += p[i];
                sumSq[size_t(c)] += double(p[i]) * double(p[i]);
            }
            count[size_t(c)] += l.inner;
        }
    for (size_t c = 0; c < out.size(); ++c) {
        ChannelWeightStats& s = out[c];
        if (count[c] == 0) {
            s.min = s.max = 0.0f;
            continue;
        }
        s.mean = sum[c] / double(count[c]);
        s.std = std::sqrt(std::max(0.0, sumSq[c] / double(count[c]) - s.mean * s.mean));
        s.absMax = std::max(std::fabs(s.min), std::fabs(s.max));
        s.absMaxOverStd = s.std > 0.0 ? double(s.absMax) / s.std : 0.0;
    }
    return out;
}

namespace {

double median(std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// 10·log10 of the mean over channels of Σ(w − ŵ)² / Σw² (channels of all zeros left out).
Result<double> relativeNoiseDb(const Tensor& w, int axis, QuantSpec spec) {
    if (w.rank() == 0) spec.granularity = Granularity::PerTensor;
    spec.axis = axis;
    QS_ASSIGN(auto ranges, tensorRanges(w, spec));
    QS_ASSIGN(QuantParams params, computeQuantParams(spec, ranges.first, ranges.second));
    QS_ASSIGN(Tensor q, fakeQuantize(w, params));
    const ChannelLayout l = w.rank() == 0 ? ChannelLayout{1, 1, 1} : channelLayout(w.shape(), axis);
    std::vector<double> signal(size_t(l.channels), 0.0), noise(size_t(l.channels), 0.0);
    const float* x = w.data<float>();
    const float* y = q.data<float>();
    for (int64_t o = 0; o < l.outer; ++o)
        for (int64_t c = 0; c < l.channels; ++c)
            for (int64_t i = 0; i < l.inner; ++i) {
                const int64_t k = (o * l.channels + c) * l.inner + i;
                signal[size_t(c)] += double(x[k]) * double(x[k]);
                const double d = double(x[k]) - double(y[k]);
                noise[size_t(c)] += d * d;
            }
    double total = 0.0;
    int64_t used = 0;
    for (size_t c = 0; c < signal.size(); ++c) {
        if (signal[c] <= 0.0) continue;
        total += noise[c] / signal[c];
        ++used;
    }
    if (used == 0 || total <= 0.0) return -std::numeric_limits<double>::infinity(); // exact
    return 10.0 * std::log10(total / double(used));
}

} // namespace

Result<LayerOutliers> analyzeLayerOutliers(const QuantLayerRef& layer, const Tensor& weightIn,
                                           const OutlierOptions& options) {
    const Tensor w = weightIn.dtype() == DataType::F32 ? weightIn : weightIn.castTo(DataType::F32);
    LayerOutliers r;
    r.node = layer.name;
    r.op = layer.op;
    r.weight = layer.weight;
    r.depthwise = layer.depthwise;
    r.batchNorm = layer.batchNorm;
    QS_ASSIGN(r.channels, channelWeightStats(w, layer.channelAxis));
    std::vector<float> mins, maxs;
    std::vector<double> stds;
    for (const ChannelWeightStats& c : r.channels) {
        mins.push_back(c.min);
        maxs.push_back(c.max);
        stds.push_back(c.std);
    }
    r.channelRangeRatio = channelRangeRatio(mins, maxs);
    r.referenceStd = median(stds);

    const ChannelLayout l =
        w.rank() == 0 ? ChannelLayout{1, 1, 1} : channelLayout(w.shape(), layer.channelAxis);
    const double limit = options.k * r.referenceStd;
    const float* x = w.data<float>();
    std::vector<OutlierWeight> found;
    for (int64_t o = 0; o < l.outer; ++o)
        for (int64_t c = 0; c < l.channels; ++c) {
            ChannelWeightStats& s = r.channels[size_t(c)];
            for (int64_t i = 0; i < l.inner; ++i) {
                const int64_t k = (o * l.channels + c) * l.inner + i;
                const double dev = std::fabs(double(x[k]) - s.mean);
                // σ_ref = 0 (most channels constant): any deviation is an outlier.
                if (dev > limit && dev > 0.0) {
                    s.outlier = true;
                    found.push_back({c, k, x[k],
                                     r.referenceStd > 0 ? dev / r.referenceStd
                                                        : std::numeric_limits<double>::infinity()});
                }
            }
        }
    for (const ChannelWeightStats& s : r.channels)
        if (s.outlier) r.outlierChannels.push_back(s.channel);
    r.outlierWeightCount = int64_t(found.size());
    std::stable_sort(
        found.begin(), found.end(),
        [](const OutlierWeight& a, const OutlierWeight& b) { return a.sigmas > b.sigmas; });
    if (found.size() > size_t(std::max(0, options.maxWeightsListed)))
        found.resize(size_t(std::max(0, options.maxWeightsListed)));
    r.outlierWeights = std::move(found);

    QuantSpec spec = options.weightSpec;
    spec.granularity = Granularity::PerTensor;
    QS_ASSIGN(r.perTensorNoiseDb, relativeNoiseDb(w, layer.channelAxis, spec));
    spec.granularity = Granularity::PerChannel;
    QS_ASSIGN(r.perChannelNoiseDb, relativeNoiseDb(w, layer.channelAxis, spec));
    return r;
}

Result<OutlierReport> analyzeWeightOutliers(const std::vector<QuantLayerRef>& layers,
                                            const OutlierOptions& options) {
    OutlierReport report;
    report.options = options;
    for (const QuantLayerRef& l : layers) {
        auto r = analyzeLayerOutliers(l, l.weightMerged, options);
        if (!r) return std::move(r.addContext("node " + l.name + " (" + l.op + ")")).takeError();
        report.layers.push_back(std::move(r).value());
    }
    report.ranking.resize(report.layers.size());
    std::iota(report.ranking.begin(), report.ranking.end(), size_t(0));
    std::stable_sort(report.ranking.begin(), report.ranking.end(), [&](size_t a, size_t b) {
        return report.layers[a].perTensorNoiseDb > report.layers[b].perTensorNoiseDb;
    });
    for (size_t i = 0; i < report.ranking.size(); ++i)
        report.layers[report.ranking[i]].rank = int(i) + 1;
    return report;
}

} // namespace qs
