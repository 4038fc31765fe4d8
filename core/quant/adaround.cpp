#include "quant/adaround.h"

#include "exec/executor.h"
#include "ops/conv_geometry.h"
#include "quant/simulator.h"

#include <Eigen/Dense>
#include <atomic>
#include <chrono>
#include <cmath>

namespace qs {

namespace {

constexpr double kZeta = 1.1, kGamma = -0.1; // the rectified sigmoid's stretch (paper, eq. 23)

class KeepOne : public ExecHooks {
public:
    explicit KeepOne(ValueId v)
        : m_v(v) {}
    bool keep(ValueId v) const override { return v == m_v; }

private:
    ValueId m_v;
};

// The layer's input over all calibration batches, from `graph` run as float or simulated.
Result<std::vector<Tensor>> layerInputs(const Graph& graph, const QuantPlan* plan,
                                        const std::string& inputName, const std::string& tensor,
                                        const std::vector<Tensor>& batches, int threads,
                                        const Progress* progress) {
    std::vector<Tensor> out;
    std::unique_ptr<Executor> fp32;
    std::unique_ptr<Simulator> sim;
    if (plan) {
        QS_ASSIGN(sim, Simulator::create(graph, *plan, ExecOptions{threads}));
    } else {
        QS_ASSIGN(fp32, Executor::create(graph, ExecOptions{threads}));
    }
    const Graph& g = plan ? sim->graph() : fp32->graph();
    auto id = g.findValue(tensor);
    if (!id) return makeError(ErrorCode::Internal, "tensor '", tensor, "' vanished");
    for (const Tensor& b : batches) {
        if (tensor == inputName && !plan) {
            out.push_back(b);
            continue;
        }
        KeepOne keep(*id);
        CancelOnly cancel(progress);
        QS_ASSIGN(RunResult r, plan ? sim->run({{inputName, b}}, &keep, &cancel)
                                    : fp32->run({{inputName, b}}, &keep, &cancel));
        auto it = r.kept.find(*id);
        if (it == r.kept.end()) {
            // A graph input is not a produced tensor: the simulator quantizes it on entry.
            if (tensor != inputName)
                return makeError(ErrorCode::Internal, "tensor '", tensor, "' was not kept");
            const TensorQuantEntry* e = plan->tensor(tensor);
            if (e && e->params.state == TensorQuantState::Quantized) {
                QS_ASSIGN(Tensor q, fakeQuantize(b, e->params));
                out.push_back(q);
            } else {
                out.push_back(b);
            }
            continue;
        }
        out.push_back(it->second);
    }
    return out;
}

// Patches of one group as columns: K = cinG·kh·kw rows, one column per (sample, output position).
struct ConvShape {
    int64_t cin = 0, cout = 0, group = 1, kh = 1, kw = 1, h = 0, w = 0, oh = 0, ow = 0;
    int64_t sh = 1, sw = 1, dh = 1, dw = 1, padTop = 0, padLeft = 0;
    int64_t cinG() const { return cin / group; }
    int64_t k() const { return cinG() * kh * kw; }
};

Result<ConvShape> convShape(const Node& node, const Tensor& weight, const Tensor& input) {
    if (weight.rank() != 4 || input.rank() != 4)
        return makeError(ErrorCode::Unsupported, "only 2-D convolutions");
    QS_ASSIGN(WindowAttrs attrs, readWindowAttrs(NodeAttributes(node)));
    QS_ASSIGN(WindowAttrs a, completeWindowAttrs(attrs, 2, {weight.dim(2), weight.dim(3)}));
    QS_ASSIGN(ForwardWindow fw, forwardWindow(a, {input.dim(2), input.dim(3)}));
    ConvShape s;
    const Attribute* g = node.attribute("group");
    s.group = g ? g->i : 1;
    s.cin = input.dim(1);
    s.cout = weight.dim(0);
    s.kh = weight.dim(2);
    s.kw = weight.dim(3);
    s.h = input.dim(2);
    s.w = input.dim(3);
    s.oh = fw.output[0];
    s.ow = fw.output[1];
    s.sh = a.strides[0];
    s.sw = a.strides[1];
    s.dh = a.dilations[0];
    s.dw = a.dilations[1];
    s.padTop = fw.pads[0];
    s.padLeft = fw.pads[1];
    if (s.group < 1 || s.cin % s.group || s.cout % s.group || weight.dim(1) != s.cinG())
        return makeError(ErrorCode::ShapeMismatch, "weight and input channels do not fit");
    return s;
}

// Gram matrices of one group over all batches: qq = E[x_q x_qᵀ], qf = E[x_q x_fᵀ], ff = E[x_f
// x_fᵀ].
struct Grams {
    Eigen::MatrixXd qq, qf, ff;
};

void accumulate(Grams& g, const Eigen::MatrixXd& xq, const Eigen::MatrixXd& xf) {
    g.qq.noalias() += xq * xq.transpose();
    g.qf.noalias() += xq * xf.transpose();
    g.ff.noalias() += xf * xf.transpose();
}

Eigen::MatrixXd convPatches(const ConvShape& s, const float* x, int64_t n, int64_t group) {
    const int64_t positions = n * s.oh * s.ow;
    Eigen::MatrixXd p = Eigen::MatrixXd::Zero(s.k(), positions);
    for (int64_t b = 0; b < n; ++b)
        for (int64_t ci = 0; ci < s.cinG(); ++ci) {
            const float* plane = x + ((b * s.cin) + group * s.cinG() + ci) * s.h * s.w;
            for (int64_t ky = 0; ky < s.kh; ++ky)
                for (int64_t kx = 0; kx < s.kw; ++kx) {
                    const int64_t row = (ci * s.kh + ky) * s.kw + kx;
                    for (int64_t oy = 0; oy < s.oh; ++oy) {
                        const int64_t iy = oy * s.sh - s.padTop + ky * s.dh;
                        if (iy < 0 || iy >= s.h) continue;
                        for (int64_t ox = 0; ox < s.ow; ++ox) {
                            const int64_t ix = ox * s.sw - s.padLeft + kx * s.dw;
                            if (ix < 0 || ix >= s.w) continue;
                            p(row, (b * s.oh + oy) * s.ow + ox) = plane[iy * s.w + ix];
                        }
                    }
                }
        }
    return p;
}

struct ChannelProblem {
    const Grams* grams;
    Eigen::VectorXd w; // float weights of the channel (K)
    double scale;
    int32_t zeroPoint, qmin, qmax;
    RoundingMode rounding;
};

struct ChannelSolution {
    Eigen::VectorXd w; // rounded weights on the grid
    double nearestError, adaroundError;
    int64_t changed;
};

double reconstruction(const Grams& g, const Eigen::VectorXd& w, const Eigen::VectorXd& wq) {
    return w.dot(g.ff * w) - 2.0 * wq.dot(g.qf * w) + wq.dot(g.qq * wq);
}

// Output channels solved together: consecutive channels of one group (the same Gram matrices).
// A fixed count, so that how channels are grouped — and the results — do not depend on threads.
constexpr int64_t kChannelsPerSolve = 16;

// Solves channels ps (same grams, K, grid limits and rounding) together: the gradient's K×K
// product is one matrix product per iteration instead of one matrix-vector product per channel.
// Each channel's problem is independent (column j only ever reads column j). Returns false when
// cancelled (checked every 16 iterations).
bool solveChannels(const std::vector<ChannelProblem>& ps, const AdaRoundOptions& o,
                   ChannelSolution* out) {
    const Grams& g = *ps.front().grams;
    const int64_t k = ps.front().w.size(), n = int64_t(ps.size());
    const double qmin = ps.front().qmin, qmax = ps.front().qmax;
    Eigen::MatrixXd w(k, n), base(k, n), v(k, n), nearest(k, n);
    Eigen::VectorXd s(n), z(n);
    for (int64_t j = 0; j < n; ++j) {
        const ChannelProblem& p = ps[size_t(j)];
        s[j] = p.scale;
        z[j] = p.zeroPoint;
        w.col(j) = p.w;
        for (int64_t i = 0; i < k; ++i) {
            const double x = p.w[i] / p.scale;
            base(i, j) = std::floor(x);
            const double rest = x - base(i, j);
            const double sig = std::clamp((rest - kGamma) / (kZeta - kGamma), 1e-6, 1 - 1e-6);
            v(i, j) = std::log(sig / (1.0 - sig));
            const double qn =
                std::clamp(double(roundWithMode(float(x), p.rounding)) + p.zeroPoint, qmin, qmax);
            nearest(i, j) = p.scale * (qn - p.zeroPoint);
        }
    }
    const Eigen::MatrixXd b = g.qf * w;
    const Eigen::MatrixXf qqf = g.qq.cast<float>();
    Eigen::MatrixXf wqf(k, n), gwf(k, n);
    Eigen::MatrixXd m = Eigen::MatrixXd::Zero(k, n), m2 = Eigen::MatrixXd::Zero(k, n), wq(k, n),
                    h(k, n), sigma(k, n), mask(k, n), gw(k, n);
    const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    const int warm = int(o.warmStart * o.iterations);
    auto soft = [&]() {
        for (int64_t j = 0; j < n; ++j)
            for (int64_t i = 0; i < k; ++i) {
                sigma(i, j) = 1.0 / (1.0 + std::exp(-v(i, j)));
                h(i, j) = std::clamp(sigma(i, j) * (kZeta - kGamma) + kGamma, 0.0, 1.0);
                const double q = base(i, j) + z[j] + h(i, j);
                const double qc = std::clamp(q, qmin, qmax);
                mask(i, j) = q == qc ? 1.0 : 0.0;
                wq(i, j) = s[j] * (qc - z[j]);
            }
    };
    for (int t = 0; t < o.iterations; ++t) {
        if (o.progress && t % 16 == 0 && o.progress->isCancelled()) return false;
        soft();
        // The product in single precision: 2-4× faster (the gradient needs no more), the rest in
        // double.
        wqf = wq.cast<float>();
        gwf.noalias() = qqf * wqf;
        gw = 2.0 * (gwf.cast<double>() - b);
        double beta = 0.0;
        const bool reg = t >= warm;
        if (reg) {
            const double rel = double(t - warm) / double(std::max(1, o.iterations - warm));
            beta = o.betaEnd + 0.5 * (o.betaStart - o.betaEnd) * (1.0 + std::cos(M_PI * rel));
        }
        const double c1 = 1.0 - std::pow(beta1, t + 1), c2 = 1.0 - std::pow(beta2, t + 1);
        for (int64_t j = 0; j < n; ++j)
            for (int64_t i = 0; i < k; ++i) {
                const double sg = sigma(i, j);
                const double raw = sg * (kZeta - kGamma) + kGamma;
                double gv = 0.0; // h is clipped flat outside (0, 1)
                if (raw > 0.0 && raw < 1.0) {
                    double gh = gw(i, j) * s[j] * mask(i, j);
                    if (reg) {
                        const double u = 2.0 * h(i, j) - 1.0;
                        gh += o.lambda * -beta * std::pow(std::fabs(u), beta - 1.0) *
                              (u > 0   ? 1.0
                               : u < 0 ? -1.0
                                       : 0.0) *
                              2.0;
                    }
                    gv = gh * (kZeta - kGamma) * sg * (1.0 - sg);
                }
                m(i, j) = beta1 * m(i, j) + (1 - beta1) * gv;
                m2(i, j) = beta2 * m2(i, j) + (1 - beta2) * gv * gv;
                v(i, j) -= o.learningRate * (m(i, j) / c1) / (std::sqrt(m2(i, j) / c2) + eps);
            }
    }
    soft();
    for (int64_t j = 0; j < n; ++j) {
        ChannelSolution& r = out[j];
        r.w.resize(k);
        r.changed = 0;
        for (int64_t i = 0; i < k; ++i) {
            const double q =
                std::clamp(base(i, j) + z[j] + (h(i, j) >= 0.5 ? 1.0 : 0.0), qmin, qmax);
            r.w[i] = s[j] * (q - z[j]);
            r.changed += float(r.w[i]) != float(nearest(i, j));
        }
        const Eigen::VectorXd wc = w.col(j), nc = nearest.col(j);
        r.nearestError = reconstruction(g, wc, nc);
        r.adaroundError = reconstruction(g, wc, r.w);
    }
    return true;
}

} // namespace

namespace {

// Whether `node` is a layer AdaRound rewrites (a `skipped` entry when it is weighted and quantized
// but of a kind AdaRound does not handle).
bool roundable(const Graph& graph, const QuantPlan& plan, const Node& node,
               AdaRoundResult& result) {
    auto info = plan.nodes.find(node.name);
    if (info == plan.nodes.end() || !info->second.quantized ||
        info->second.rule != OpQuantRule::Weighted)
        return false;
    const bool conv = node.opType == "Conv", gemm = node.opType == "Gemm";
    const Value& wv = graph.value(node.inputs[1]);
    const TensorQuantEntry* we = plan.tensor(wv.name);
    if (!we || we->params.state != TensorQuantState::Quantized || !wv.initializer) return false;
    if (!(conv && wv.initializer->rank() == 4) &&
        !(gemm && wv.initializer->rank() == 2 &&
          !(node.attribute("transA") && node.attribute("transA")->i))) {
        result.skipped.push_back(node.name + ": only 2-D Conv and Gemm are AdaRounded");
        return false;
    }
    return true;
}

// Learns the rounding of one roundable node from its inputs per batch and writes the weights.
Status roundNode(Graph& graph, const QuantPlan& plan, const Node& node,
                 const std::vector<Tensor>& xf, const std::vector<Tensor>& xq,
                 const AdaRoundOptions& options, ThreadPool& pool,
                 std::chrono::steady_clock::time_point started, AdaRoundResult& result) {
    const bool conv = node.opType == "Conv", gemm = node.opType == "Gemm";
    const Value& wv = graph.value(node.inputs[1]);
    const TensorQuantEntry* we = plan.tensor(wv.name);
    if (xf.empty() || xf.size() != xq.size())
        return makeError(ErrorCode::InvalidArgument, "node ", node.label(),
                         ": AdaRound needs float and quantized inputs of the same batches");
    for (size_t b = 0; b < xf.size(); ++b)
        if (xf[b].dtype() != DataType::F32 || xq[b].dtype() != DataType::F32 ||
            xf[b].shape() != xq[b].shape())
            return makeError(ErrorCode::ShapeMismatch, "node ", node.label(),
                             ": float and quantized inputs differ in shape or type");
    const Tensor w = wv.initializer->castTo(DataType::F32);
    const bool transB = gemm && node.attribute("transB") && node.attribute("transB")->i;
    // Weights as Cout × K rows, and the group of each output channel.
    int64_t cout = 0, k = 0, groups = 1;
    ConvShape cs;
    if (conv) {
        QS_ASSIGN(cs, convShape(node, w, xf[0]));
        cout = cs.cout;
        k = cs.k();
        groups = cs.group;
    } else {
        cout = transB ? w.dim(0) : w.dim(1);
        k = transB ? w.dim(1) : w.dim(0);
    }
    Eigen::MatrixXd rows(cout, k);
    for (int64_t c = 0; c < cout; ++c)
        for (int64_t i = 0; i < k; ++i)
            rows(c, i) =
                conv || transB ? w.data<float>()[c * k + i] : w.data<float>()[i * cout + c];
    std::vector<Grams> grams(static_cast<size_t>(groups));
    int64_t positions = 0;
    for (Grams& g : grams)
        g = {Eigen::MatrixXd::Zero(k, k), Eigen::MatrixXd::Zero(k, k), Eigen::MatrixXd::Zero(k, k)};
    for (size_t b = 0; b < xf.size(); ++b) {
        if (options.progress && options.progress->isCancelled())
            return Error(ErrorCode::Cancelled, "cancelled");
        const int64_t n = xf[b].dim(0);
        if (conv) {
            for (int64_t g = 0; g < groups; ++g)
                accumulate(grams[size_t(g)], convPatches(cs, xq[b].data<float>(), n, g),
                           convPatches(cs, xf[b].data<float>(), n, g));
            positions += n * cs.oh * cs.ow;
        } else {
            if (xf[b].numel() != n * k)
                return makeError(ErrorCode::ShapeMismatch, "node ", node.label(),
                                 ": input is not N×K");
            Eigen::MatrixXd q(k, n), f(k, n);
            for (int64_t r = 0; r < n; ++r)
                for (int64_t i = 0; i < k; ++i) {
                    q(i, r) = xq[b].data<float>()[r * k + i];
                    f(i, r) = xf[b].data<float>()[r * k + i];
                }
            accumulate(grams[0], q, f);
            positions += n;
        }
    }
    for (Grams& g : grams) {
        g.qq /= double(positions);
        g.qf /= double(positions);
        g.ff /= double(positions);
    }
    const QuantParams& params = we->params;
    std::vector<ChannelSolution> solved(static_cast<size_t>(cout));
    // Chunks of consecutive channels of one group.
    const int64_t perGroup = cout / groups;
    std::vector<std::pair<int64_t, int64_t>> chunks;
    for (int64_t g0 = 0; g0 < cout; g0 += perGroup)
        for (int64_t c = g0; c < g0 + perGroup; c += kChannelsPerSolve)
            chunks.emplace_back(c, std::min(c + kChannelsPerSolve, g0 + perGroup));
    std::atomic<bool> cancelled{false};
    pool.parallelFor(int64_t(chunks.size()), 1, [&](int64_t b, int64_t e) {
        for (int64_t ci = b; ci < e && !cancelled.load(); ++ci) {
            const auto [c0, c1] = chunks[size_t(ci)];
            std::vector<ChannelProblem> problems;
            for (int64_t c = c0; c < c1; ++c) {
                const size_t pi = paramIndex(params.spec, c) % params.count();
                problems.push_back(ChannelProblem{&grams[size_t(c / perGroup)],
                                                  rows.row(c).transpose(), params.scale[pi],
                                                  params.zeroPoint[pi], params.spec.qmin(),
                                                  params.spec.qmax(), params.spec.rounding});
            }
            if (!solveChannels(problems, options, &solved[size_t(c0)])) cancelled.store(true);
        }
    });
    if (cancelled.load()) return Error(ErrorCode::Cancelled, "cancelled");
    Tensor out = w.clone();
    AdaRoundLayer layer;
    layer.node = node.name;
    for (int64_t c = 0; c < cout; ++c) {
        const ChannelSolution& s = solved[size_t(c)];
        for (int64_t i = 0; i < k; ++i)
            (conv || transB ? out.data<float>()[c * k + i] : out.data<float>()[i * cout + c]) =
                float(s.w[i]);
        layer.nearestError += s.nearestError / double(cout);
        layer.adaroundError += s.adaroundError / double(cout);
        layer.changed += s.changed;
    }
    layer.weights = w.numel();
    graph.value(node.inputs[1]).initializer = out;
    layer.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    result.layers.push_back(layer);
    return {};
}

} // namespace

Result<AdaRoundResult> adaroundWeights(Graph& graph, const QuantPlan& plan,
                                       const std::string& inputName,
                                       const std::vector<Tensor>& batches,
                                       const AdaRoundOptions& options) {
    AdaRoundResult result;
    const Graph floatGraph =
        graph; // initializers are replaced, never written: this copy stays float
    std::vector<NodeId> order = graph.topoOrder();
    ThreadPool pool(options.threads);
    for (size_t li = 0; li < order.size(); ++li) {
        const Node node = graph.node(order[li]);
        if (!options.only.empty() && !options.only.count(node.name)) continue;
        if (!roundable(graph, plan, node, result)) continue;
        if (options.progress) {
            if (options.progress->isCancelled()) return Error(ErrorCode::Cancelled, "cancelled");
            options.progress->report(double(li) / double(order.size()), "AdaRound " + node.name);
        }
        const auto started = std::chrono::steady_clock::now();
        const std::string in = graph.value(node.inputs[0]).name;
        QS_ASSIGN(std::vector<Tensor> xf, layerInputs(floatGraph, nullptr, inputName, in, batches,
                                                      options.threads, options.progress));
        QS_ASSIGN(std::vector<Tensor> xq, layerInputs(graph, &plan, inputName, in, batches,
                                                      options.threads, options.progress));
        QS_TRY(roundNode(graph, plan, node, xf, xq, options, pool, started, result));
    }
    return result;
}

Result<AdaRoundResult> adaroundLayer(Graph& graph, const QuantPlan& plan, const std::string& name,
                                     const std::vector<Tensor>& floatInputs,
                                     const std::vector<Tensor>& quantInputs,
                                     const AdaRoundOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    auto id = graph.findNode(name);
    if (!id) return makeError(ErrorCode::NotFound, "the model has no node named '", name, "'");
    AdaRoundResult result;
    const Node node = graph.node(*id);
    if (!roundable(graph, plan, node, result)) return result;
    if (options.progress && options.progress->isCancelled())
        return Error(ErrorCode::Cancelled, "cancelled");
    ThreadPool pool(options.threads);
    QS_TRY(roundNode(graph, plan, node, floatInputs, quantInputs, options, pool, started, result));
    return result;
}

} // namespace qs
