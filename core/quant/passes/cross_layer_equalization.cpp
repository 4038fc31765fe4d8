#include "quant/passes/cross_layer_equalization.h"

#include "quant/channel_ranges.h"
#include "quant/passes/graph_constants.h"

#include <cmath>
#include <limits>
#include <optional>

namespace qs {

namespace {

// A weighted node whose weight (and bias) the pass scales, kept in double while sweeping.
struct Layer {
    NodeId node = kNoNode;
    ValueId weight = kNoValue, bias = kNoValue;
    Shape shape;
    std::vector<double> w, b;
    int64_t group = 1;
    bool gemm = false, transB = false;
    int64_t outChannels() const { return gemm ? (transB ? shape[0] : shape[1]) : shape[0]; }
};

struct Pair {
    size_t a = 0, b = 0;
    int64_t channels = 0;
    int64_t featuresPerChannel =
        1; // B a Gemm after Flatten: K / channels consecutive features per channel
};

int64_t intAttr(const Node& n, const char* key, int64_t fallback) {
    const Attribute* a = n.attribute(key);
    return a && a->kind == Attribute::Kind::Int ? a->i : fallback;
}

// Clip's bounds at the graph's opset: attributes before 11, constant inputs from 11 on.

bool unbounded(float v) {
    return std::isinf(v) || std::fabs(v) >= std::numeric_limits<float>::max();
}

// Calls fn(element) for every weight of B that reads input channel i.
template <class Fn> void forEachInputWeight(Layer& B, const Pair& p, int64_t i, Fn&& fn) {
    if (B.gemm) {
        const int64_t rows = B.shape[0], cols = B.shape[1];
        for (int64_t f = i * p.featuresPerChannel; f < (i + 1) * p.featuresPerChannel; ++f) {
            if (B.transB) // [N, K]
                for (int64_t r = 0; r < rows; ++r) fn(B.w[size_t(r * cols + f)]);
            else // [K, N]
                for (int64_t c = 0; c < cols; ++c) fn(B.w[size_t(f * cols + c)]);
        }
        return;
    }
    const int64_t cout = B.shape[0], cinG = B.shape[1];
    int64_t kernel = 1;
    for (size_t d = 2; d < B.shape.size(); ++d) kernel *= B.shape[d];
    const int64_t coutG = cout / B.group, gi = i / cinG, j = i % cinG;
    for (int64_t o = gi * coutG; o < (gi + 1) * coutG; ++o)
        for (int64_t t = 0; t < kernel; ++t) fn(B.w[size_t((o * cinG + j) * kernel + t)]);
}

Result<Tensor> toTensor(const Shape& shape, const std::vector<double>& v) {
    Tensor t(DataType::F32, shape);
    float* p = t.data<float>();
    for (size_t i = 0; i < v.size(); ++i) {
        p[i] = float(v[i]);
        if (!std::isfinite(p[i]))
            return makeError(ErrorCode::NumericError, "equalized weight is not finite");
    }
    return t;
}

} // namespace

Result<CleResult> equalizeCrossLayer(const Graph& input, const CleOptions& options) {
    CleResult result;
    QS_ASSIGN(Graph g, inlineConstantNodes(input));
    std::vector<Layer> layers;
    std::map<NodeId, size_t> layerOf;
    std::vector<Pair> pairs;

    // A weight (and bias) the pass may rewrite: a constant f32 initializer read by this node only.
    auto ownedConstant = [&](ValueId v) {
        return v != kNoValue && g.value(v).initializer &&
               g.value(v).initializer->dtype() == DataType::F32 && g.value(v).consumers.size() == 1;
    };
    auto layerFor = [&](NodeId n) -> std::optional<size_t> {
        if (auto it = layerOf.find(n); it != layerOf.end()) return it->second;
        const Node& node = g.node(n);
        if (node.inputs.size() < 2 || !ownedConstant(node.inputs[1])) return std::nullopt;
        const bool hasBias = node.inputs.size() > 2 && node.inputs[2] != kNoValue;
        if (hasBias && !ownedConstant(node.inputs[2])) return std::nullopt;
        Layer l;
        l.node = n;
        l.weight = node.inputs[1];
        const Tensor& w = *g.value(l.weight).initializer;
        l.shape = w.shape();
        l.gemm = node.opType == "Gemm";
        if (l.gemm) {
            if (w.rank() != 2 || intAttr(node, "transA", 0) != 0) return std::nullopt;
            l.transB = intAttr(node, "transB", 0) != 0;
        } else {
            if (w.rank() < 3) return std::nullopt;
            l.group = std::max<int64_t>(1, intAttr(node, "group", 1));
            if (l.shape[0] % l.group != 0) return std::nullopt;
        }
        const float* p = w.data<float>();
        l.w.assign(p, p + w.numel());
        if (hasBias) {
            l.bias = node.inputs[2];
            const Tensor& b = *g.value(l.bias).initializer;
            if (b.numel() != l.outChannels()) return std::nullopt;
            const float* q = b.data<float>();
            l.b.assign(q, q + b.numel());
        }
        layers.push_back(std::move(l));
        layerOf[n] = layers.size() - 1;
        return layers.size() - 1;
    };

    for (NodeId aId : g.topoOrder()) {
        const Node& a = g.node(aId);
        if (a.opType != "Conv" || !a.domain.empty() || a.outputs.empty() ||
            a.outputs[0] == kNoValue)
            continue;
        // Walk the single-reader chain after A to the next weighted node.
        ValueId cur = a.outputs[0];
        std::string between, blocked;
        bool flattened = false;
        std::optional<NodeId> bId;
        while (true) {
            const Value& v = g.value(cur);
            if (v.isGraphOutput || v.consumers.size() != 1) break;
            const Node& n = g.node(v.consumers[0]);
            if (!n.domain.empty()) break;
            if ((n.opType == "Conv" && !flattened) || n.opType == "Gemm") {
                if (!n.inputs.empty() && n.inputs[0] == cur) bId = v.consumers[0];
                break;
            }
            bool passes = false;
            if (n.opType == "Relu") {
                passes = true;
            } else if (n.opType == "Clip") {
                auto bounds = clipBounds(g, n);
                passes = bounds && ((bounds->first == 0.0f && unbounded(bounds->second)) ||
                                    (unbounded(bounds->first) && unbounded(bounds->second)));
                if (!passes && bounds)
                    blocked = "Clip(" + std::to_string(bounds->first) + ", " +
                              std::to_string(bounds->second) +
                              ") between them is not scale-invariant";
            } else if (n.opType == "MaxPool" || n.opType == "AveragePool" ||
                       n.opType == "GlobalAveragePool" || n.opType == "GlobalMaxPool") {
                passes = n.outputs.size() == 1 || n.outputs[1] == kNoValue;
            } else if (n.opType == "Flatten") {
                passes = intAttr(n, "axis", 1) == 1;
                flattened = true;
            }
            if (!passes || n.outputs.empty() || n.outputs[0] == kNoValue) {
                if (!blocked.empty() && (options.only.empty() || options.only.count(a.name))) {
                    // Name the weighted reader further on, if any, so the user sees which pair it
                    // was.
                    result.skipped.push_back(a.name + " -> (" + n.name + "): " + blocked);
                }
                break;
            }
            between += (between.empty() ? "" : ",") + n.opType;
            cur = n.outputs[0];
        }
        if (!bId) continue;
        const Node& b = g.node(*bId);
        if (!options.only.empty() && !options.only.count(a.name) && !options.only.count(b.name))
            continue;
        auto la = layerFor(aId);
        auto lb = layerFor(*bId);
        if (!la || !lb) {
            result.skipped.push_back(
                a.name + " -> " + b.name +
                ": a weight or bias is shared, not constant f32, or of an unexpected shape");
            continue;
        }
        Pair p{*la, *lb, layers[*la].outChannels(), 1};
        const Layer& B = layers[*lb];
        if (B.gemm) {
            const int64_t k = B.transB ? B.shape[1] : B.shape[0];
            if (p.channels <= 0 || k % p.channels != 0 || (!flattened && k != p.channels)) {
                result.skipped.push_back(a.name + " -> " + b.name +
                                         ": Gemm inputs do not map onto channels");
                continue;
            }
            p.featuresPerChannel = k / p.channels;
        } else if (B.shape[1] * B.group != p.channels) {
            result.skipped.push_back(a.name + " -> " + b.name + ": channel counts differ");
            continue;
        }
        pairs.push_back(p);
        result.pairs.push_back({a.name, b.name, between});
    }

    // Ranges before, for the result.
    auto ratioOf = [&](const Layer& l) -> Result<double> {
        QS_ASSIGN(Tensor t, toTensor(l.shape, l.w));
        QS_ASSIGN(ChannelRanges r, outputChannelRanges(g.node(l.node), t));
        return r.rangeRatio();
    };
    std::vector<double> before(layers.size());
    for (size_t i = 0; i < layers.size(); ++i) {
        QS_ASSIGN(before[i], ratioOf(layers[i]));
    }

    std::map<size_t, std::vector<double>> divisors;
    for (const Pair& p : pairs) divisors[p.a].assign(size_t(p.channels), 1.0);
    for (result.sweeps = 0; result.sweeps < options.maxSweeps && !pairs.empty();) {
        ++result.sweeps;
        double largestStep = 0.0;
        for (const Pair& p : pairs) {
            Layer& A = layers[p.a];
            Layer& B = layers[p.b];
            const int64_t inner = int64_t(A.w.size()) / p.channels;
            for (int64_t i = 0; i < p.channels; ++i) {
                double r1 = 0.0, r2 = 0.0;
                for (int64_t k = 0; k < inner; ++k)
                    r1 = std::max(r1, std::fabs(A.w[size_t(i * inner + k)]));
                forEachInputWeight(B, p, i, [&](double& w) { r2 = std::max(r2, std::fabs(w)); });
                if (r1 <= 0.0 || r2 <= 0.0) continue; // a dead channel: nothing to balance
                const double s = std::sqrt(r1 / r2);
                largestStep = std::max(largestStep, std::fabs(std::log(s)));
                for (int64_t k = 0; k < inner; ++k) A.w[size_t(i * inner + k)] /= s;
                if (!A.b.empty()) A.b[size_t(i)] /= s;
                forEachInputWeight(B, p, i, [&](double& w) { w *= s; });
                divisors[p.a][size_t(i)] *= s;
            }
        }
        if (largestStep < options.tolerance) {
            result.converged = true;
            break;
        }
    }

    for (size_t i = 0; i < layers.size(); ++i) {
        const Layer& l = layers[i];
        QS_ASSIGN(Tensor w, toTensor(l.shape, l.w));
        g.value(l.weight).initializer = w;
        if (l.bias != kNoValue) {
            QS_ASSIGN(Tensor b, toTensor(g.value(l.bias).initializer->shape(), l.b));
            g.value(l.bias).initializer = b;
        }
        CleLayerRanges r;
        r.node = g.node(l.node).name;
        r.rangeRatioBefore = before[i];
        QS_ASSIGN(r.rangeRatioAfter, ratioOf(l));
        result.layers.push_back(r);
    }
    for (auto& [index, d] : divisors) result.outputDivisors[g.node(layers[index].node).name] = d;
    result.graph = std::move(g);
    return result;
}

} // namespace qs
