#include "quant/data_free_ranges.h"

#include "quant/passes/graph_constants.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace qs {

namespace {

using Interval = ClipRange;

Interval hull(const Interval& a, const Interval& b) {
    return {std::min(a.lo, b.lo), std::max(a.hi, b.hi)};
}

float attrFloat(const Node& n, const char* key, float fallback) {
    const Attribute* a = n.attribute(key);
    return a ? (a->kind == Attribute::Kind::Float ? a->f : float(a->i)) : fallback;
}

// Interval of W·x + b over x in [lo, hi] per output channel, for weights laid out with the
// output channel on `axis` 0 (Conv) — a worst-case bound used only when no BN statistics exist.
Interval weightedBound(const Tensor& w, const std::optional<Tensor>& b, const Interval& x,
                       int outAxis) {
    const auto wv = w.toFloatVector();
    const int64_t cout = w.dim(outAxis);
    const int64_t inner = outAxis == 0 ? w.numel() / std::max<int64_t>(cout, 1) : 0;
    Interval out{0, 0};
    bool first = true;
    const std::vector<float> bias = b ? b->toFloatVector() : std::vector<float>();
    for (int64_t c = 0; c < cout; ++c) {
        double lo = bias.empty() ? 0.0 : bias[size_t(c) % bias.size()], hi = lo;
        for (int64_t i = 0; i < (outAxis == 0 ? inner : w.dim(0)); ++i) {
            const float wi = outAxis == 0 ? wv[size_t(c * inner + i)] : wv[size_t(i * cout + c)];
            lo += std::min(wi * x.lo, wi * x.hi);
            hi += std::max(wi * x.lo, wi * x.hi);
        }
        const Interval ci{float(lo), float(hi)};
        out = first ? ci : hull(out, ci);
        first = false;
    }
    return out;
}

} // namespace

DataFreeRanges estimateDataFreeRanges(const Graph& g, const std::vector<FoldedBatchNorm>& folds,
                                      float k) {
    DataFreeRanges result;
    std::map<std::string, const FoldedBatchNorm*> byOutput;
    for (const auto& f : folds) byOutput[f.outputValue] = &f;
    std::vector<std::optional<Interval>> iv(size_t(g.valueCount()));
    for (ValueId in : g.inputs()) iv[size_t(in)] = Interval{-k, k};
    result.notes.push_back("data-free calibration: graph inputs assumed standardised to [-" +
                           std::to_string(k) + ", " + std::to_string(k) +
                           "]; layers with folded BatchNorm use beta +- " + std::to_string(k) +
                           "*|gamma| per channel");
    auto constRange = [&](ValueId v) -> std::optional<Interval> {
        auto t = constantTensor(g, v);
        if (!t || t->numel() == 0) return std::nullopt;
        const auto x = t->toFloatVector();
        auto [lo, hi] = std::minmax_element(x.begin(), x.end());
        return Interval{*lo, *hi};
    };
    auto in = [&](const Node& n, size_t i) -> std::optional<Interval> {
        if (i >= n.inputs.size() || n.inputs[i] == kNoValue) return std::nullopt;
        if (iv[size_t(n.inputs[i])]) return iv[size_t(n.inputs[i])];
        return constRange(n.inputs[i]);
    };

    for (NodeId id : g.topoOrder()) {
        const Node& n = g.node(id);
        if (n.outputs.empty() || n.outputs[0] == kNoValue) continue;
        const std::string& outName = g.value(n.outputs[0]).name;
        std::optional<Interval> r;
        const std::string& op = n.opType;
        if (auto f = byOutput.find(outName); f != byOutput.end()) {
            const FoldedBatchNorm& bn = *f->second;
            Interval acc{0, 0};
            for (size_t c = 0; c < bn.beta.size(); ++c) {
                const Interval ci{bn.beta[c] - k * std::fabs(bn.gamma[c]),
                                  bn.beta[c] + k * std::fabs(bn.gamma[c])};
                acc = c == 0 ? ci : hull(acc, ci);
            }
            r = acc;
        } else if ((op == "Conv" || op == "Gemm") && in(n, 0) && n.inputs.size() > 1) {
            auto w = constantTensor(g, n.inputs[1]);
            const bool transB = n.attribute("transB") && n.attribute("transB")->i;
            if (w && (op == "Conv" || transB))
                r = weightedBound(
                    *w, n.inputs.size() > 2 ? constantTensor(g, n.inputs[2]) : std::nullopt,
                    *in(n, 0), 0);
            else if (w && op == "Gemm")
                r = weightedBound(
                    *w, n.inputs.size() > 2 ? constantTensor(g, n.inputs[2]) : std::nullopt,
                    *in(n, 0), 1);
        } else if (op == "MatMul" && in(n, 0) && n.inputs.size() > 1) {
            if (auto w = constantTensor(g, n.inputs[1]); w && w->rank() == 2)
                r = weightedBound(*w, std::nullopt, *in(n, 0), 1);
        } else if (op == "Relu" && in(n, 0)) {
            r = Interval{std::max(0.0f, in(n, 0)->lo), std::max(0.0f, in(n, 0)->hi)};
        } else if (op == "Clip" && in(n, 0)) {
            float lo = attrFloat(n, "min", -INFINITY), hi = attrFloat(n, "max", INFINITY);
            if (auto a = in(n, 1)) lo = a->lo;
            if (auto b = in(n, 2)) hi = b->hi;
            r = Interval{std::clamp(in(n, 0)->lo, lo, hi), std::clamp(in(n, 0)->hi, lo, hi)};
        } else if ((op == "Add" || op == "Sum") && in(n, 0) && in(n, 1)) {
            r = Interval{in(n, 0)->lo + in(n, 1)->lo, in(n, 0)->hi + in(n, 1)->hi};
        } else if (op == "Sub" && in(n, 0) && in(n, 1)) {
            r = Interval{in(n, 0)->lo - in(n, 1)->hi, in(n, 0)->hi - in(n, 1)->lo};
        } else if (op == "Mul" && in(n, 0) && in(n, 1)) {
            const Interval a = *in(n, 0), b = *in(n, 1);
            const float p[4] = {a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi};
            r = Interval{*std::min_element(p, p + 4), *std::max_element(p, p + 4)};
        } else if (op == "Div" && in(n, 0) && in(n, 1) && (in(n, 1)->lo > 0 || in(n, 1)->hi < 0)) {
            const Interval a = *in(n, 0), b = *in(n, 1);
            const float p[4] = {a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi};
            r = Interval{*std::min_element(p, p + 4), *std::max_element(p, p + 4)};
        } else if (op == "Concat") {
            for (size_t i = 0; i < n.inputs.size(); ++i)
                if (auto a = in(n, i)) r = r ? hull(*r, *a) : *a;
        } else if (op == "Sigmoid" || op == "Softmax") {
            r = Interval{0.0f, 1.0f};
        } else if (op == "HardSigmoid" && in(n, 0)) {
            const float a = attrFloat(n, "alpha", 0.2f), b = attrFloat(n, "beta", 0.5f);
            r = Interval{std::clamp(a * in(n, 0)->lo + b, 0.0f, 1.0f),
                         std::clamp(a * in(n, 0)->hi + b, 0.0f, 1.0f)};
        } else if (op == "Tanh") {
            r = Interval{-1.0f, 1.0f};
        } else if ((op == "HardSwish" || op == "Gelu") && in(n, 0)) {
            r = Interval{std::min(0.0f, std::max(-0.4f, in(n, 0)->lo)),
                         std::max(0.0f, in(n, 0)->hi)};
        } else if (op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool" ||
                   op == "GlobalMaxPool" || op == "Reshape" || op == "Flatten" ||
                   op == "Transpose" || op == "Squeeze" || op == "Unsqueeze" || op == "Slice" ||
                   op == "Identity" || op == "Dropout" || op == "Resize" || op == "Upsample" ||
                   op == "Pad" || op == "Gather" || op == "Split" || op == "ReduceMean" ||
                   op == "ReduceMax") {
            r = in(n, 0);
        }
        if (r && std::isfinite(r->lo) && std::isfinite(r->hi)) {
            for (ValueId out : n.outputs)
                if (out != kNoValue) iv[size_t(out)] = *r;
        }
    }
    int missing = 0;
    for (ValueId v = 0; v < g.valueCount(); ++v) {
        const Value& value = g.value(v);
        if (value.initializer ||
            (value.info.dtype != DataType::F32 && value.info.dtype != DataType::Undefined))
            continue;
        if (iv[size_t(v)])
            result.ranges[value.name] = *iv[size_t(v)];
        else
            ++missing;
    }
    if (missing)
        result.notes.push_back("data-free calibration: " + std::to_string(missing) +
                               " tensors have no range estimate and stay float");
    return result;
}

} // namespace qs
