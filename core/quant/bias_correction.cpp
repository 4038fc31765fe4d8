#include "quant/bias_correction.h"

#include "exec/executor.h"
#include "quant/passes/graph_constants.h"

#include <cmath>
#include <cstring>

namespace qs {

const char* biasCorrectionModeName(BiasCorrectionMode m) {
    return m == BiasCorrectionMode::Empirical ? "empirical" : "data_free";
}

namespace {

class MeanHooks : public ExecHooks {
public:
    MeanHooks(const Graph& g, const std::vector<std::string>& names,
              std::map<std::string, std::vector<double>>& sums,
              std::map<std::string, Shape>& shapes, std::map<std::string, int64_t>& counts)
        : m_sums(sums)
        , m_shapes(shapes)
        , m_counts(counts) {
        m_wanted.resize(size_t(g.valueCount()), false);
        for (const std::string& n : names)
            if (auto id = g.findValue(n)) m_wanted[size_t(*id)] = true;
        m_graph = &g;
    }
    Status onTensor(NodeId, ValueId value, Tensor& t) override {
        if (!m_wanted[size_t(value)] || t.dtype() != DataType::F32 || t.rank() < 1) return {};
        const std::string& name = m_graph->value(value).name;
        const int64_t n = t.dim(0), per = t.numel() / std::max<int64_t>(n, 1);
        auto& sum = m_sums[name];
        if (sum.empty()) {
            sum.assign(size_t(per), 0.0);
            Shape s = t.shape();
            s[0] = 1;
            m_shapes[name] = s;
        } else if (int64_t(sum.size()) != per) {
            return makeError(ErrorCode::ShapeMismatch, "tensor '", name,
                             "' changes shape between batches");
        }
        const float* p = t.data<float>();
        for (int64_t i = 0; i < n; ++i)
            for (int64_t k = 0; k < per; ++k) sum[size_t(k)] += p[i * per + k];
        m_counts[name] += n;
        return {};
    }

private:
    const Graph* m_graph = nullptr;
    std::vector<bool> m_wanted;
    std::map<std::string, std::vector<double>>& m_sums;
    std::map<std::string, Shape>& m_shapes;
    std::map<std::string, int64_t>& m_counts;
};

double normalPdf(double x) {
    return std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI);
}
double normalCdf(double x) {
    return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

// E[max(z, 0)] for z ~ N(mu, sigma²).
double rectifiedMean(double mu, double sigma) {
    sigma = std::fabs(sigma);
    if (sigma == 0.0) return std::max(mu, 0.0);
    const double a = mu / sigma;
    return mu * normalCdf(a) + sigma * normalPdf(a);
}

bool isWeighted(const Graph& g, const Node& n) {
    if (!n.domain.empty()) return false;
    if (n.opType != "Conv" && n.opType != "ConvTranspose" && n.opType != "Gemm" &&
        n.opType != "MatMul")
        return false;
    return n.inputs.size() >= 2 && n.inputs[0] != kNoValue && n.inputs[1] != kNoValue &&
           g.value(n.inputs[1]).initializer;
}

// The node run alone with `weight` and no bias on `x`.
Result<Tensor> runWithWeight(const Graph& g, const Node& node, const Tensor& weight,
                             const Tensor& x) {
    Graph mini;
    mini.opsets() = g.opsets();
    QS_ASSIGN(ValueId in, mini.addValue("x"));
    QS_ASSIGN(ValueId w, mini.addValue("w"));
    QS_ASSIGN(ValueId out, mini.addValue("y"));
    mini.value(in).info = TensorInfo{DataType::F32, x.shape(), true};
    mini.value(w).initializer = weight;
    mini.value(w).info = TensorInfo{DataType::F32, weight.shape(), true};
    Node n;
    n.name = node.name;
    n.opType = node.opType;
    n.attributes = node.attributes;
    n.inputs = {in, w};
    n.outputs = {out};
    mini.addNode(n);
    mini.setInputs({in});
    mini.setOutputs({out});
    QS_TRY(mini.finalize());
    QS_ASSIGN(auto ex, Executor::create(std::move(mini)));
    QS_ASSIGN(RunResult r, ex->run({{"x", x}}));
    return r.outputs.at("y");
}

} // namespace

Result<InputMeans> meanActivations(const Graph& graph, const std::string& inputName,
                                   const std::vector<Tensor>& batches,
                                   const std::vector<std::string>& tensors, int threads,
                                   const Progress* progress) {
    QS_ASSIGN(auto ex, Executor::create(graph, ExecOptions{threads}));
    std::map<std::string, std::vector<double>> sums;
    std::map<std::string, Shape> shapes;
    std::map<std::string, int64_t> counts;
    for (size_t b = 0; b < batches.size(); ++b) {
        if (progress && progress->isCancelled()) return Error(ErrorCode::Cancelled, "cancelled");
        MeanHooks hooks(ex->graph(), tensors, sums, shapes, counts);
        CancelOnly cancel(progress);
        auto r = ex->run({{inputName, batches[b]}}, &hooks, &cancel);
        if (!r)
            return std::move(r.addContext("bias correction batch " + std::to_string(b + 1)))
                .takeError();
    }
    InputMeans means;
    for (auto& [name, sum] : sums) {
        Tensor t(DataType::F32, shapes[name]);
        float* p = t.data<float>();
        for (size_t k = 0; k < sum.size(); ++k) p[k] = float(sum[k] / double(counts[name]));
        means[name] = t;
    }
    return means;
}

InputMeans dataFreeInputMeans(const Graph& g, const std::vector<FoldedBatchNorm>& outputStats,
                              std::map<std::string, std::string>* sources) {
    std::map<std::string, const FoldedBatchNorm*> byTarget;
    for (const FoldedBatchNorm& f : outputStats) byTarget[f.targetNode] = &f;
    InputMeans means;
    for (NodeId nid : g.topoOrder()) {
        const Node& node = g.node(nid);
        if (!isWeighted(g, node)) continue;
        const Value& in = g.value(node.inputs[0]);
        if (means.count(in.name) || in.producer == kNoNode) continue;
        const Node* producer = &g.node(in.producer);
        std::string act;
        float lo = -INFINITY, hi = INFINITY;
        if (producer->opType == "Relu" || producer->opType == "Clip") {
            act = producer->opType;
            if (producer->opType == "Relu")
                lo = 0.0f;
            else if (auto b = clipBounds(g, *producer))
                std::tie(lo, hi) = *b;
            else
                continue;
            const ValueId src = producer->inputs[0];
            if (g.value(src).producer == kNoNode) continue;
            producer = &g.node(g.value(src).producer);
        }
        auto stats = byTarget.find(producer->name);
        if (stats == byTarget.end()) continue;
        const FoldedBatchNorm& f = *stats->second;
        const TensorInfo& info = in.info;
        if (!info.shapeKnown || info.shape.size() < 2 || info.shape[1] != int64_t(f.gamma.size()))
            continue;
        Shape s = info.shape;
        s[0] = 1;
        bool known = true;
        for (int64_t d : s) known = known && d > 0;
        if (!known) continue;
        Tensor t(DataType::F32, s);
        const int64_t c = s[1], inner = t.numel() / c;
        for (int64_t ch = 0; ch < c; ++ch) {
            const double mu = f.beta[size_t(ch)], sigma = f.gamma[size_t(ch)];
            double mean = mu;
            // E[clamp(z, lo, hi)] for the bounds that matter here: lo 0 (or none), hi finite or
            // not.
            if (lo == 0.0f)
                mean = rectifiedMean(mu, sigma) -
                       (std::isfinite(hi) ? rectifiedMean(mu - hi, sigma) : 0.0);
            else if (std::isfinite(lo) || std::isfinite(hi)) {
                known = false;
                break;
            }
            for (int64_t k = 0; k < inner; ++k) t.data<float>()[ch * inner + k] = float(mean);
        }
        if (!known) continue;
        means[in.name] = t;
        if (sources)
            (*sources)[in.name] = "bn " + f.batchNormNode + (act.empty() ? "" : " + " + act);
    }
    return means;
}

namespace {

// One node's correction appended to `result` (or the reason it is skipped); nothing for nodes
// that are not quantized weighted layers.
Status correctNode(const Graph& g, const Node& node, const QuantPlan& plan, const InputMeans& means,
                   BiasCorrectionMode mode, const std::map<std::string, std::string>& sources,
                   BiasCorrectionResult& result) {
    if (!isWeighted(g, node)) return {};
    auto info = plan.nodes.find(node.name);
    if (info == plan.nodes.end() || !info->second.quantized) return {};
    const Value& wv = g.value(node.inputs[1]);
    const TensorQuantEntry* we = plan.tensor(wv.name);
    if (!we || we->params.state != TensorQuantState::Quantized ||
        wv.initializer->dtype() != DataType::F32)
        return {};
    const std::string& inName = g.value(node.inputs[0]).name;
    if (node.opType == "MatMul") {
        result.skipped.push_back(node.name + ": MatMul has no bias to correct");
        return {};
    }
    if (node.inputs.size() > 2 && node.inputs[2] != kNoValue) {
        auto b = constantTensor(g, node.inputs[2]);
        const int64_t cout = node.opType == "Gemm"
                                 ? (node.attribute("transB") && node.attribute("transB")->i
                                        ? wv.initializer->dim(0)
                                        : wv.initializer->dim(-1))
                             : node.opType == "Conv" ? wv.initializer->dim(0)
                                                     : -1;
        if (!b || (cout >= 0 && b->numel() != cout)) {
            result.skipped.push_back(node.name +
                                     ": its bias is not one constant per output channel");
            return {};
        }
    }
    auto mean = means.find(inName);
    if (mean == means.end()) {
        result.skipped.push_back(
            node.name + ": the mean of its input '" + inName + "' is unknown" +
            (mode == BiasCorrectionMode::DataFree ? " (no BatchNorm before it)" : ""));
        return {};
    }
    const Tensor& w = *wv.initializer;
    QS_ASSIGN(Tensor wq, fakeQuantize(w, we->params));
    Tensor delta(DataType::F32, w.shape());
    for (int64_t i = 0; i < w.numel(); ++i)
        delta.data<float>()[i] = wq.data<float>()[i] - w.data<float>()[i];
    auto y = runWithWeight(g, node, delta, mean->second);
    if (!y) return std::move(y.addContext("bias correction of node " + node.label())).takeError();
    // Output channels: axis 1 for Conv/ConvTranspose (N, C, ...), the last axis for
    // Gemm/MatMul.
    const bool conv = node.opType == "Conv" || node.opType == "ConvTranspose";
    const int axis = conv ? 1 : y->rank() - 1;
    if (y->rank() < 2) return {};
    const ChannelLayout l = channelLayout(y->shape(), axis);
    BiasCorrectionLayer layer;
    layer.node = node.name;
    layer.inputMeanFrom = mode == BiasCorrectionMode::Empirical ? "calibration"
                          : sources.count(inName)               ? sources.at(inName)
                                                                : "data-free";
    layer.shift.assign(size_t(l.channels), 0.0);
    const float* p = y->data<float>();
    for (int64_t o = 0; o < l.outer; ++o)
        for (int64_t c = 0; c < l.channels; ++c)
            for (int64_t i = 0; i < l.inner; ++i)
                layer.shift[size_t(c)] += p[(o * l.channels + c) * l.inner + i];
    double total = 0.0;
    for (double& s : layer.shift) {
        s /= double(l.outer * l.inner);
        total += std::fabs(s);
    }
    layer.meanAbsShift = total / double(std::max<int64_t>(1, l.channels));
    if (node.inputs.size() > 2 && node.inputs[2] != kNoValue)
        layer.bias = g.value(node.inputs[2]).name;
    result.layers.push_back(std::move(layer));
    return {};
}

} // namespace

Result<BiasCorrectionResult>
computeBiasCorrection(const Graph& g, const QuantPlan& plan, const InputMeans& means,
                      BiasCorrectionMode mode, const std::map<std::string, std::string>& sources) {
    BiasCorrectionResult result;
    result.mode = mode;
    for (NodeId nid : g.topoOrder())
        QS_TRY(correctNode(g, g.node(nid), plan, means, mode, sources, result));
    return result;
}

Result<BiasCorrectionResult>
computeLayerBiasCorrection(const Graph& g, const QuantPlan& plan, const std::string& node,
                           const InputMeans& means, BiasCorrectionMode mode,
                           const std::map<std::string, std::string>& sources) {
    auto id = g.findNode(node);
    if (!id) return makeError(ErrorCode::NotFound, "the model has no node named '", node, "'");
    BiasCorrectionResult result;
    result.mode = mode;
    QS_TRY(correctNode(g, g.node(*id), plan, means, mode, sources, result));
    return result;
}

Result<Graph> applyBiasCorrection(const Graph& input, const BiasCorrectionResult& correction) {
    Graph g = input;
    for (const BiasCorrectionLayer& l : correction.layers) {
        auto nid = g.findNode(l.node);
        if (!nid)
            return makeError(ErrorCode::NotFound, "bias correction: no node named '", l.node, "'");
        Node& node = g.node(*nid);
        const int64_t c = int64_t(l.shift.size());
        std::vector<float> bias(size_t(c), 0.0f);
        const bool has = node.inputs.size() > 2 && node.inputs[2] != kNoValue;
        if (has) {
            auto b = constantTensor(g, node.inputs[2]);
            if (!b || b->numel() != c)
                return makeError(ErrorCode::ShapeMismatch, "bias correction: node ", node.label(),
                                 " has a bias that is not ", c, " constants");
            bias = b->castTo(DataType::F32).toFloatVector();
        }
        // Gemm's C is scaled by beta: the correction is divided by it so the sum shifts by exactly
        // -shift.
        double beta = 1.0;
        if (node.opType == "Gemm")
            if (const Attribute* a = node.attribute("beta")) beta = a->f;
        if (beta == 0.0) continue;
        for (int64_t i = 0; i < c; ++i)
            bias[size_t(i)] = float(double(bias[size_t(i)]) - l.shift[size_t(i)] / beta);
        Tensor t = Tensor::fromVector<float>({c}, bias);
        // A shared bias (or none) gets a new value of its own; a bias read only here is replaced.
        if (has && g.value(node.inputs[2]).consumers.size() == 1 &&
            g.value(node.inputs[2]).initializer) {
            g.value(node.inputs[2]).initializer = t;
            continue;
        }
        QS_ASSIGN(ValueId id, g.addValue(node.name + ".bias_corrected"));
        g.value(id).initializer = t;
        g.value(id).info = TensorInfo{DataType::F32, t.shape(), true};
        Node& n = g.node(*nid);
        if (n.inputs.size() < 3) n.inputs.resize(3, kNoValue);
        n.inputs[2] = id;
    }
    QS_TRY(g.finalize());
    return g;
}

} // namespace qs
