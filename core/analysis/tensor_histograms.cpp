#include "analysis/tensor_histograms.h"

#include <cmath>

namespace qs {

std::vector<float> QuantGrid::levels() const {
    std::vector<float> out;
    out.reserve(size_t(levelCount()));
    for (int64_t q = qmin; q <= qmax; ++q) out.push_back(scale * float(q - zeroPoint));
    return out;
}

const char* weightStageName(WeightStage s) {
    switch (s) {
    case WeightStage::BeforeBnMerge:
        return "before_bn_merge";
    case WeightStage::AfterBnMerge:
        return "after_bn_merge";
    case WeightStage::Quantized:
        return "quantized";
    }
    return "?";
}

namespace {

void fillBins(TensorHistogram& out, const Histogram& h) {
    out.count = h.count();
    out.min = h.min();
    out.max = h.max();
    out.mean = h.mean();
    out.std = std::sqrt(h.variance());
    const auto& c = h.counts();
    int first = 0, last = int(c.size()) - 1;
    while (first <= last && c[size_t(first)] == 0) ++first;
    while (last >= first && c[size_t(last)] == 0) --last;
    out.binWidth = h.binWidth();
    if (first > last) return; // all zeros, or empty
    out.firstBinLower = h.binLower(first);
    out.counts.assign(c.begin() + first, c.begin() + last + 1);
}

void fillGrids(TensorHistogram& out, const QuantParams* params) {
    if (!params || params->state != TensorQuantState::Quantized || params->scale.empty()) return;
    out.quantized = true;
    for (size_t i = 0; i < params->count(); ++i) {
        QuantGrid g{params->scale[i], params->zeroPoint[i], params->spec.qmin(),
                    params->spec.qmax()};
        out.clipLo = i == 0 ? g.lo() : std::min(out.clipLo, g.lo());
        out.clipHi = i == 0 ? g.hi() : std::max(out.clipHi, g.hi());
        out.grids.push_back(g);
    }
}

} // namespace

Result<TensorHistogram> weightHistogram(const std::string& name, const Tensor& values,
                                        const QuantParams* params,
                                        const HistogramOptions& options) {
    const Tensor v = values.dtype() == DataType::F32 ? values : values.castTo(DataType::F32);
    Histogram h(options.weightBins);
    if (Status st = h.add(v.span<float>()); !st)
        return std::move(st.addContext("weight '" + name + "'")).takeError();
    TensorHistogram out;
    out.tensor = name;
    fillBins(out, h);
    fillGrids(out, params);
    if (!out.quantized || v.numel() == 0) return out;
    // Exact count of saturated values, each against its own channel's (or group's) grid.
    const QuantSpec& spec = params->spec;
    const ChannelLayout l = spec.granularity == Granularity::PerTensor || v.rank() == 0
                                ? ChannelLayout{1, 1, v.numel()}
                                : channelLayout(v.shape(), spec.axis);
    const float* x = v.data<float>();
    int64_t clipped = 0;
    for (int64_t o = 0; o < l.outer; ++o)
        for (int64_t c = 0; c < l.channels; ++c) {
            const QuantGrid& g = out.grids[paramIndex(spec, c) % out.grids.size()];
            // A value within half a step of the end rounds onto the end level: not clipped.
            const float lo = g.lo() - 0.5f * g.scale, hi = g.hi() + 0.5f * g.scale;
            const float* p = x + (o * l.channels + c) * l.inner;
            for (int64_t i = 0; i < l.inner; ++i) clipped += (p[i] < lo || p[i] > hi) ? 1 : 0;
        }
    out.clippedFraction = double(clipped) / double(v.numel());
    return out;
}

TensorHistogram activationHistogram(const std::string& name, const RangeCollector& collector,
                                    const QuantParams* params) {
    TensorHistogram out;
    out.tensor = name;
    fillBins(out, collector.histogram());
    fillGrids(out, params);
    if (out.quantized && !out.grids.empty()) {
        const QuantGrid& g = out.grids[0]; // activations are quantized per tensor
        out.clippedFraction =
            collector.histogram().fractionOutside(g.lo() - 0.5 * g.scale, g.hi() + 0.5 * g.scale);
    }
    return out;
}

Result<std::vector<LayerHistograms>> layerHistograms(const QuantizedModel& m,
                                                     const std::vector<QuantLayerRef>& layers,
                                                     const HistogramOptions& options) {
    std::vector<LayerHistograms> out;
    for (const QuantLayerRef& l : layers) {
        LayerHistograms h;
        h.node = l.name;
        h.op = l.op;
        const TensorQuantEntry* e = m.plan.tensor(l.weight);
        const QuantParams* planned = e ? &e->params : nullptr;
        // The grid the plan's weight spec gives a stage's own values.
        auto gridFor = [&](const Tensor& w) -> Result<std::optional<QuantParams>> {
            if (!planned || planned->state != TensorQuantState::Quantized)
                return std::optional<QuantParams>();
            QS_ASSIGN(auto ranges, tensorRanges(w, planned->spec));
            QS_ASSIGN(QuantParams p,
                      computeQuantParams(planned->spec, ranges.first, ranges.second));
            return std::optional<QuantParams>(std::move(p));
        };
        const Tensor before = l.weightOriginal.castTo(DataType::F32);
        QS_ASSIGN(auto beforeGrid, gridFor(before));
        QS_ASSIGN(h.weightBeforeBn,
                  weightHistogram(l.weight, before, beforeGrid ? &*beforeGrid : nullptr, options));
        QS_ASSIGN(auto mergedGrid, gridFor(l.weightMerged));
        QS_ASSIGN(h.weightAfterBn, weightHistogram(l.weight, l.weightMerged,
                                                   mergedGrid ? &*mergedGrid : nullptr, options));
        QS_ASSIGN(h.weightQuantized,
                  weightHistogram(l.weight, l.weightQuantized, planned, options));
        for (auto [name, slot] : {std::pair{l.input, &h.input}, std::pair{l.output, &h.output}}) {
            auto c = m.collectors.find(name);
            if (c == m.collectors.end() || !c->second) continue;
            *slot = activationHistogram(name, *c->second, m.plan.effectiveParams(name));
        }
        out.push_back(std::move(h));
    }
    return out;
}

} // namespace qs
