#include "analysis/mixed_bits.h"
#include "analysis/analysis_common.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace qs {

namespace {

double noisePower(const Tensor& reference, const Tensor& test) {
    const float* r = reference.data<float>();
    const float* t = test.data<float>();
    double n = 0.0;
    for (int64_t i = 0; i < reference.numel(); ++i)
        n += (double(t[i]) - r[i]) * (double(t[i]) - r[i]);
    return reference.numel() ? n / double(reference.numel()) : 0.0;
}

double sqnr(double signal, double noise) {
    if (noise <= 0.0) return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(signal / noise);
}

} // namespace

Result<MixedBitsResult> suggestMixedBits(const QuantizedModel& m,
                                         const std::vector<QuantLayerRef>& layers,
                                         const LayerConeRunner& runner,
                                         const MixedBitsOptions& options) {
    const Tensor& reference = runner.reference();
    if (runner.quantized().isNull())
        return makeError(ErrorCode::InvalidArgument, "mixed bits need the quantized cache");
    MixedBitsResult result;
    result.budgetBits = options.budgetBits;
    std::set<int> cands(options.candidates.begin(), options.candidates.end());
    for (const QuantLayerRef& l : layers)
        if (const TensorQuantEntry* e = m.plan.tensor(l.weight)) cands.insert(e->params.spec.bits);
    for (int b : cands)
        if (b < 2 || b > 16)
            return makeError(ErrorCode::InvalidArgument, "candidate weight bits ", b,
                             " outside 2..16");
    result.candidates.assign(cands.begin(), cands.end());
    {
        double s = 0.0;
        for (int64_t i = 0; i < reference.numel(); ++i)
            s += double(reference.data<float>()[i]) * reference.data<float>()[i];
        result.signal = reference.numel() ? s / double(reference.numel()) : 0.0;
    }
    result.fullNoise = noisePower(reference, runner.quantized());

    result.table.resize(layers.size());
    for (size_t i = 0; i < layers.size(); ++i) {
        const QuantLayerRef& l = layers[i];
        const TensorQuantEntry* e = m.plan.tensor(l.weight);
        if (!e || e->params.state != TensorQuantState::Quantized)
            return makeError(ErrorCode::Internal, "layer ", l.name, " has no quantized weight");
        LayerBitNoise& row = result.table[i];
        row.node = l.name;
        row.params = l.weightQuantized.numel();
        row.configuredBits = e->params.spec.bits;
        row.noise.assign(result.candidates.size(), 0.0);
    }
    // Work items: every layer at every candidate (the layers' order puts the large cones first).
    const size_t perLayer = result.candidates.size();
    QS_TRY(forEachItem(
        runner.threads(), layers.size() * perLayer, options.progress,
        [&](size_t item) { return "bit table of " + layers[item / perLayer].name; },
        [&](size_t item) -> Status {
            const size_t i = item / perLayer, c = item % perLayer;
            const QuantLayerRef& l = layers[i];
            QuantPlan plan = planQuantizingOnly(m.plan, {l.weight});
            QuantSpec spec = m.plan.tensor(l.weight)->params.spec;
            spec.bits = result.candidates[c];
            QS_ASSIGN(auto ranges, tensorRanges(l.weightQuantized, spec));
            QS_ASSIGN(QuantParams p, computeQuantParams(spec, ranges.first, ranges.second));
            plan.tensors[l.weight].params = p;
            QS_ASSIGN(Tensor y, runner.run(i, plan, false, options.progress));
            result.table[i].noise[c] = noisePower(reference, y);
            return {};
        }));

    // Per-layer choice for a multiplier μ; the configured bits' noise is already in N_full.
    auto evaluate = [&](double mu) {
        MixedBitsPoint pt;
        double noise = result.fullNoise, bits = 0.0, params = 0.0;
        for (const LayerBitNoise& row : result.table) {
            size_t best = 0;
            double bestCost = std::numeric_limits<double>::infinity();
            size_t configured = 0;
            for (size_t c = 0; c < result.candidates.size(); ++c) {
                const double cost = row.noise[c] + mu * double(row.params) * result.candidates[c];
                // Ties go to more bits (the lower noise); the candidate list is increasing.
                if (cost <= bestCost) {
                    bestCost = cost;
                    best = c;
                }
                if (result.candidates[c] == row.configuredBits) configured = c;
            }
            noise += row.noise[best] - row.noise[configured];
            bits += double(row.params) * result.candidates[best];
            params += double(row.params);
            pt.assignment[row.node] = result.candidates[best];
        }
        pt.averageBits = params > 0 ? bits / params : 0.0;
        pt.predictedSqnrDb = sqnr(result.signal, std::max(noise, 0.0));
        return pt;
    };
    // Breakpoints: where some layer is indifferent between two candidates.
    std::vector<double> mus{0.0};
    for (const LayerBitNoise& row : result.table)
        for (size_t a = 0; a < result.candidates.size(); ++a)
            for (size_t b = a + 1; b < result.candidates.size(); ++b) {
                const double dn = row.noise[a] - row.noise[b];
                const double db =
                    double(row.params) * (result.candidates[b] - result.candidates[a]);
                if (dn > 0 && db > 0) {
                    mus.push_back(dn / db * (1 - 1e-9));
                    mus.push_back(dn / db * (1 + 1e-9));
                }
            }
    double largest = 0.0;
    for (double mu : mus) largest = std::max(largest, mu);
    mus.push_back(largest * 10.0 + 1.0);
    std::sort(mus.begin(), mus.end());
    std::map<std::map<std::string, int>, MixedBitsPoint> unique;
    for (double mu : mus) {
        MixedBitsPoint pt = evaluate(mu);
        unique.emplace(pt.assignment, pt);
    }
    for (auto& [a, pt] : unique) result.pareto.push_back(pt);
    std::sort(result.pareto.begin(), result.pareto.end(),
              [](const MixedBitsPoint& a, const MixedBitsPoint& b) {
                  return a.averageBits < b.averageBits;
              });
    // Keep only points not dominated (more bits must buy more SQNR).
    std::vector<MixedBitsPoint> front;
    for (const MixedBitsPoint& p : result.pareto)
        if (front.empty() || p.predictedSqnrDb > front.back().predictedSqnrDb) front.push_back(p);
    result.pareto = std::move(front);
    result.chosen = result.pareto.front();
    for (const MixedBitsPoint& p : result.pareto)
        if (p.averageBits <= options.budgetBits + 1e-9) {
            result.chosen = p;
            result.withinBudget = true;
        }
    return result;
}

} // namespace qs
