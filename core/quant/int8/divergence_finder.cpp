#include "quant/int8/divergence_finder.h"

#include "analysis/analysis_common.h"
#include "quant/quantizer.h"
#include "quant/simulator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>

namespace qs {

double TensorDivergence::shareBeyondOneStep() const {
    return elements > 0 ? double(beyondOneStep) / double(elements) : 0.0;
}

double TensorDivergence::shareBeyondOneStepEndToEnd() const {
    return elements > 0 ? double(beyondOneStepEndToEnd) / double(elements) : 0.0;
}

double TensorDivergence::sqnrIntDb() const {
    return sqnrOf(signal, noiseInt);
}
double TensorDivergence::sqnrSimDb() const {
    return sqnrOf(signal, noiseSim);
}

const char* divergenceCriterionName(DivergenceCriterion c) {
    switch (c) {
    case DivergenceCriterion::Steps:
        return "steps";
    case DivergenceCriterion::Sqnr:
        return "sqnr";
    case DivergenceCriterion::StepsAndSqnr:
        return "steps+sqnr";
    case DivergenceCriterion::None:
        break;
    }
    return "none";
}

namespace {

// Keeps the listed values of a run (the fp32 and Simulator tensors to compare).
class KeepListed : public ExecHooks {
public:
    explicit KeepListed(std::vector<bool> wanted)
        : m_wanted(std::move(wanted)) {}
    bool keep(ValueId value) const override {
        return value >= 0 && size_t(value) < m_wanted.size() && m_wanted[size_t(value)];
    }

private:
    std::vector<bool> m_wanted;
};

// The grid of a compared tensor.
struct Grid {
    float scale;
    double inverseScale;
    int32_t zeroPoint, qmin, qmax;
};

struct Counts {
    int32_t maxSteps = 0;
    int64_t beyond = 0; // elements more than one step apart
    double signal = 0, noiseInt = 0, noiseSim = 0;
};

// The Simulator's code of x. x_sim is s·(q − z) in float: x·(1/s) lands far within half a step
// of an integer, so the rounding (here half away from zero, by truncation: no libm call per
// element) does not matter. Out of range (and NaN) saturates instead of overflowing the cast.
inline int32_t simCode(const Grid& g, float x) {
    const double t = double(x) * g.inverseScale;
    if (!(std::abs(t) < 1e9)) return t > 0 ? g.qmax : g.qmin;
    return std::clamp(int32_t(t + (t >= 0 ? 0.5 : -0.5)) + g.zeroPoint, g.qmin, g.qmax);
}

// Steps between the integer codes and the Simulator's; `out` gets the Simulator's codes.
template <class Code>
Counts forceCodes(const Grid& g, const float* sim, const Code* codes, Code* out, int64_t n) {
    Counts c;
    for (int64_t i = 0; i < n; ++i) {
        const int32_t qs = simCode(g, sim[i]);
        const int32_t d = std::abs(int32_t(codes[i]) - qs);
        c.maxSteps = std::max(c.maxSteps, d);
        c.beyond += d > 1;
        out[i] = Code(qs);
    }
    return c;
}

// Steps to the Simulator's codes and the powers behind both SQNRs against fp32.
template <class Code>
Counts compareEndToEnd(const Grid& g, const float* fp32, const float* sim, const Code* codes,
                       int64_t n) {
    Counts c;
    for (int64_t i = 0; i < n; ++i) {
        const int32_t q = codes[i];
        const int32_t d = std::abs(q - simCode(g, sim[i]));
        c.maxSteps = std::max(c.maxSteps, d);
        c.beyond += d > 1;
        const double f = fp32[i];
        const double xi = double(dequantizeValue(q, g.scale, g.zeroPoint));
        const double xs = sim[i];
        c.signal += f * f;
        c.noiseInt += (xi - f) * (xi - f);
        c.noiseSim += (xs - f) * (xs - f);
    }
    return c;
}

// Compares (and in the forced run replaces) each integer code tensor of interest as the
// Int8Executor produces it.
class CompareHook : public ExecHooks {
public:
    using Compare = std::function<Status(ValueId, Tensor&)>;
    CompareHook(const std::vector<int>& rowOfValue, Compare compare)
        : m_rowOfValue(rowOfValue)
        , m_compare(std::move(compare)) {}
    Status onTensor(NodeId, ValueId value, Tensor& tensor) override {
        if (value < 0 || size_t(value) >= m_rowOfValue.size() || m_rowOfValue[size_t(value)] < 0)
            return {};
        return m_compare(value, tensor);
    }

private:
    const std::vector<int>& m_rowOfValue;
    Compare m_compare;
};

// Progress of one of the four runs of a batch.
class PartProgress : public Progress {
public:
    PartProgress(Progress* outer, int part)
        : m_outer(outer)
        , m_part(part) {}
    void report(double fraction, std::string_view what) override {
        if (m_outer) m_outer->report((double(m_part) + fraction) / 4.0, what);
    }
    bool isCancelled() const override { return m_outer && m_outer->isCancelled(); }

private:
    Progress* m_outer;
    int m_part;
};

// Progress of one batch of add().
class BatchProgress : public Progress {
public:
    BatchProgress(Progress* outer, size_t batch, size_t batches)
        : m_outer(outer)
        , m_batch(batch)
        , m_batches(batches) {}
    void report(double fraction, std::string_view what) override {
        if (m_outer) m_outer->report((double(m_batch) + fraction) / double(m_batches), what);
    }
    bool isCancelled() const override { return m_outer && m_outer->isCancelled(); }

private:
    Progress* m_outer;
    size_t m_batch, m_batches;
};

} // namespace

DivergenceFinder::~DivergenceFinder() = default;

Result<std::unique_ptr<DivergenceFinder>>
DivergenceFinder::create(const Graph& graph, const QuantPlan& plan, Int8Executor& executor,
                         const DivergenceOptions& options) {
    if (!executor.program().fusedNodes.empty())
        return makeError(ErrorCode::InvalidArgument,
                         "divergence finder: the int8 program was lowered with fused elementwise "
                         "groups (Int8Options::fuseElementwise); it needs every integer tensor");
    auto f = std::unique_ptr<DivergenceFinder>(new DivergenceFinder());
    f->m_int = &executor;
    f->m_options = options;
    {
        auto fp32 = Executor::create(graph, ExecOptions{options.threads});
        if (!fp32)
            return std::move(fp32.addContext("divergence finder: fp32 executor")).takeError();
        f->m_fp32 = std::move(fp32).value();
        auto sim = Simulator::create(graph, plan, ExecOptions{options.threads});
        if (!sim) return std::move(sim.addContext("divergence finder: simulator")).takeError();
        f->m_sim = std::move(sim).value();
    }

    const Graph& lowered = executor.graph();
    std::vector<size_t> loweredPos(size_t(lowered.nodeCount()), 0);
    for (size_t i = 0; i < lowered.topoOrder().size(); ++i)
        loweredPos[size_t(lowered.topoOrder()[i])] = i;
    // One lowered codes value per plan tensor: the one on the plan's own grid, preferring the
    // value that keeps the plan's name, else the first produced.
    std::map<std::string, std::string> chosen; // source → lowered
    auto producedAt = [&](const std::string& name) {
        const NodeId p = lowered.value(*lowered.findValue(name)).producer;
        return p == kNoNode ? size_t(0) : loweredPos[size_t(p)] + 1;
    };
    for (const auto& [name, info] : executor.program().codes) {
        if (!graph.findValue(info.source) || !lowered.findValue(name)) continue;
        const QuantParams* p = plan.effectiveParams(info.source);
        if (!p || p->count() != 1 || p->scale[0] != info.scale || p->zeroPoint[0] != info.zeroPoint)
            continue;
        auto [it, inserted] = chosen.emplace(info.source, name);
        if (inserted || it->second == info.source) continue;
        if (name == info.source || producedAt(name) < producedAt(it->second)) it->second = name;
    }

    std::vector<size_t> graphPos(size_t(graph.nodeCount()), 0);
    for (size_t i = 0; i < graph.topoOrder().size(); ++i)
        graphPos[size_t(graph.topoOrder()[i])] = i;
    struct Keyed {
        std::pair<int64_t, int64_t> key; // (topological position of the node, output index)
        Row row;
    };
    std::vector<Keyed> keyed;
    for (const auto& [source, loweredName] : chosen) {
        const Int8CodeInfo& info = executor.program().codes.at(loweredName);
        Row r;
        r.graphValue = *graph.findValue(source);
        r.qmin = info.qmin;
        r.qmax = info.qmax;
        TensorDivergence& s = r.stats;
        s.tensor = source;
        s.loweredTensor = loweredName;
        s.scale = info.scale;
        s.zeroPoint = info.zeroPoint;
        NodeId node = kNoNode;
        if (const NodeId lp = lowered.value(*lowered.findValue(loweredName)).producer;
            lp != kNoNode) {
            s.loweredNode = lowered.node(lp).name;
            s.loweredOp = lowered.node(lp).opType;
            if (auto original = graph.findNode(s.loweredNode)) node = *original;
        }
        if (node == kNoNode) node = graph.value(r.graphValue).producer;
        std::pair<int64_t, int64_t> key{-1, 0};
        if (node != kNoNode) {
            s.node = graph.node(node).name;
            s.op = graph.node(node).opType;
            const auto& outs = graph.node(node).outputs;
            key = {int64_t(graphPos[size_t(node)]),
                   int64_t(std::find(outs.begin(), outs.end(), r.graphValue) - outs.begin())};
        }
        keyed.push_back({key, std::move(r)});
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const Keyed& a, const Keyed& b) { return a.key < b.key; });
    for (Keyed& k : keyed) {
        f->m_rowOfLowered[k.row.stats.loweredTensor] = f->m_rows.size();
        f->m_rows.push_back(std::move(k.row));
    }
    return f;
}

Status DivergenceFinder::add(const std::map<std::string, Tensor>& inputs, Progress* progress) {
    const Graph& g = m_fp32->graph();
    if (g.inputs().size() != 1 || inputs.size() != 1 || inputs.begin()->second.rank() < 1 ||
        inputs.begin()->second.dtype() != DataType::F32 ||
        inputs.begin()->second.dim(0) <= m_options.batchSize)
        return addBatch(inputs, progress);
    const Value& input = g.value(g.inputs()[0]);
    QS_ASSIGN(std::vector<Tensor> batches,
              splitIntoBatches(inputs.begin()->second, input, m_options.batchSize));
    for (size_t b = 0; b < batches.size(); ++b) {
        BatchProgress part(progress, b, batches.size());
        QS_TRY(addBatch({{input.name, std::move(batches[b])}}, &part));
    }
    return {};
}

Status DivergenceFinder::addBatch(const std::map<std::string, Tensor>& inputs, Progress* progress) {
    const Graph& g = m_fp32->graph();
    std::vector<bool> wanted(size_t(g.valueCount()), false);
    for (const Row& r : m_rows) wanted[size_t(r.graphValue)] = true;

    KeepListed keep(wanted);
    PartProgress p0(progress, 0), p1(progress, 1), p2(progress, 2), p3(progress, 3);
    auto fp32 = m_fp32->run(inputs, &keep, &p0);
    if (!fp32) return std::move(fp32.addContext("divergence finder: fp32 run")).takeError();
    auto sim = m_sim->run(inputs, &keep, &p1);
    if (!sim) return std::move(sim.addContext("divergence finder: simulator run")).takeError();

    const Graph& lowered = m_int->graph();
    std::vector<int> rowOfValue(size_t(lowered.valueCount()), -1);
    for (const auto& [name, row] : m_rowOfLowered)
        rowOfValue[size_t(*lowered.findValue(name))] = int(row);

    // The fp32 and Simulator values of a row, checked against the integer codes.
    auto references = [&](const Row& r,
                          const Tensor& codes) -> Result<std::pair<const float*, const float*>> {
        const TensorDivergence& s = r.stats;
        auto f = fp32->kept.find(r.graphValue);
        auto x = sim->kept.find(r.graphValue);
        if (f == fp32->kept.end() || x == sim->kept.end())
            return makeError(ErrorCode::Internal, "tensor '", s.tensor,
                             "': no fp32 or Simulator value to compare with");
        if (codes.dtype() != DataType::U8 && codes.dtype() != DataType::I8)
            return makeError(ErrorCode::Internal, "tensor '", s.loweredTensor, "' is ",
                             dataTypeName(codes.dtype()), ", not codes");
        if (f->second.dtype() != DataType::F32 || x->second.dtype() != DataType::F32 ||
            f->second.shape() != codes.shape() || x->second.shape() != codes.shape())
            return makeError(ErrorCode::ShapeMismatch, "tensor '", s.tensor, "': integer codes ",
                             shapeToString(codes.shape()), ", fp32 ",
                             shapeToString(f->second.shape()), ", Simulator ",
                             shapeToString(x->second.shape()));
        return std::pair<const float*, const float*>(f->second.data<float>(),
                                                     x->second.data<float>());
    };
    auto gridOf = [](const Row& r) {
        return Grid{r.stats.scale, 1.0 / double(r.stats.scale), r.stats.zeroPoint, r.qmin, r.qmax};
    };

    // Per node: measure, then hand the Simulator's codes on.
    CompareHook forced(rowOfValue, [&](ValueId value, Tensor& codes) -> Status {
        Row& r = m_rows[size_t(rowOfValue[size_t(value)])];
        QS_ASSIGN(auto ref, references(r, codes));
        Tensor replaced(codes.dtype(), codes.shape());
        const Grid grid = gridOf(r);
        const Counts c = codes.dtype() == DataType::U8
                             ? forceCodes(grid, ref.second, codes.data<uint8_t>(),
                                          replaced.data<uint8_t>(), codes.numel())
                             : forceCodes(grid, ref.second, codes.data<int8_t>(),
                                          replaced.data<int8_t>(), codes.numel());
        const int32_t maxSteps = c.maxSteps;
        const int64_t beyond = c.beyond;
        r.stats.maxSteps = std::max(r.stats.maxSteps, maxSteps);
        r.stats.beyondOneStep += beyond;
        codes = std::move(replaced);
        return {};
    });
    auto forcedRun = m_int->run(inputs, &forced, &p2);
    if (!forcedRun)
        return std::move(forcedRun.addContext("divergence finder: int8 run given the Simulator's "
                                              "inputs"))
            .takeError();

    // End to end.
    CompareHook free(rowOfValue, [&](ValueId value, Tensor& codes) -> Status {
        Row& r = m_rows[size_t(rowOfValue[size_t(value)])];
        TensorDivergence& s = r.stats;
        QS_ASSIGN(auto ref, references(r, codes));
        const Grid grid = gridOf(r);
        const Counts c =
            codes.dtype() == DataType::U8
                ? compareEndToEnd(grid, ref.first, ref.second, codes.data<uint8_t>(), codes.numel())
                : compareEndToEnd(grid, ref.first, ref.second, codes.data<int8_t>(), codes.numel());
        const int32_t maxSteps = c.maxSteps;
        const int64_t beyond = c.beyond;
        const double signal = c.signal, noiseInt = c.noiseInt, noiseSim = c.noiseSim;
        s.elements += codes.numel();
        s.maxStepsEndToEnd = std::max(s.maxStepsEndToEnd, maxSteps);
        s.beyondOneStepEndToEnd += beyond;
        s.signal += signal;
        s.noiseInt += noiseInt;
        s.noiseSim += noiseSim;
        // Done with this tensor: let its fp32 and Simulator values go.
        fp32->kept.erase(r.graphValue);
        sim->kept.erase(r.graphValue);
        return {};
    });
    auto run = m_int->run(inputs, &free, &p3);
    if (!run) return std::move(run.addContext("divergence finder: int8 run")).takeError();
    ++m_runs;
    return {};
}

DivergenceReport DivergenceFinder::result() const {
    DivergenceReport report;
    report.sqnrThresholdDb = m_options.sqnrThresholdDb;
    report.runs = m_runs;
    for (const Row& r : m_rows) {
        if (r.stats.elements == 0) continue; // not produced (a branch the run did not reach)
        report.tensors.push_back(r.stats);
        if (report.first) continue;
        const bool steps = r.stats.maxSteps > 1;
        const bool sqnr = r.stats.sqnrIntDb() < m_options.sqnrThresholdDb;
        if (!steps && !sqnr) continue;
        report.first = report.tensors.size() - 1;
        report.criterion = steps && sqnr ? DivergenceCriterion::StepsAndSqnr
                           : steps       ? DivergenceCriterion::Steps
                                         : DivergenceCriterion::Sqnr;
    }
    return report;
}

Result<DivergenceReport> findDivergence(const Graph& graph, const QuantPlan& plan,
                                        Int8Executor& executor,
                                        const std::map<std::string, Tensor>& inputs,
                                        const DivergenceOptions& options) {
    QS_ASSIGN(auto finder, DivergenceFinder::create(graph, plan, executor, options));
    QS_TRY(finder->add(inputs));
    return finder->result();
}

namespace {

std::string formatDb(double db) {
    if (std::isinf(db)) return db > 0 ? "inf dB" : "-inf dB";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f dB", db);
    return buf;
}

} // namespace

std::string divergenceSummary(const DivergenceReport& report) {
    char buf[1024];
    const TensorDivergence* d = report.firstDivergent();
    if (!d) {
        int32_t endToEnd = 0;
        double lowest = std::numeric_limits<double>::infinity();
        for (const TensorDivergence& t : report.tensors) {
            endToEnd = std::max(endToEnd, t.maxStepsEndToEnd);
            lowest = std::min(lowest, t.sqnrIntDb());
        }
        std::snprintf(buf, sizeof buf,
                      "no divergence: all %zu tensors within one step given the simulator's "
                      "inputs (end to end max %d step%s, lowest SQNR %s",
                      report.tensors.size(), endToEnd, endToEnd == 1 ? "" : "s",
                      formatDb(lowest).c_str());
        std::string s = buf;
        if (std::isfinite(report.sqnrThresholdDb)) {
            std::snprintf(buf, sizeof buf, " >= %.1f dB", report.sqnrThresholdDb);
            s += buf;
        }
        return s + ")";
    }
    const std::string where = d->node.empty() ? "input '" + d->tensor + "'" : d->node;
    const std::string sqnrRule = "SQNR below " + formatDb(report.sqnrThresholdDb);
    std::string why = report.criterion == DivergenceCriterion::Steps ? "more than one step"
                      : report.criterion == DivergenceCriterion::Sqnr
                          ? sqnrRule
                          : "more than one step, " + sqnrRule;
    // Where the Simulator is as far from float, the loss is quantization's, not the integer
    // arithmetic's: say so rather than let the line read as an executor fault.
    if (report.criterion == DivergenceCriterion::Sqnr && d->sqnrSimDb() < report.sqnrThresholdDb)
        why += " (the simulator's too: quantization loss, not integer arithmetic)";
    std::snprintf(buf, sizeof buf,
                  "first divergent node: %s (max %d step%s, %.2f%% > 1 step given the simulator's "
                  "inputs; end to end max %d, SQNR %s, simulator %s; %s; tensor %s, %s %s)",
                  where.c_str(), d->maxSteps, d->maxSteps == 1 ? "" : "s",
                  100.0 * d->shareBeyondOneStep(), d->maxStepsEndToEnd,
                  formatDb(d->sqnrIntDb()).c_str(), formatDb(d->sqnrSimDb()).c_str(), why.c_str(),
                  d->tensor.c_str(), d->loweredOp.c_str(), d->loweredNode.c_str());
    return buf;
}

std::string divergenceToJson(const DivergenceReport& report) {
    using nlohmann::json;
    auto number = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
    auto row = [&](const TensorDivergence& s) {
        return json{{"tensor", s.tensor},
                    {"node", s.node},
                    {"op", s.op},
                    {"lowered_tensor", s.loweredTensor},
                    {"lowered_node", s.loweredNode},
                    {"lowered_op", s.loweredOp},
                    {"scale", s.scale},
                    {"zero_point", s.zeroPoint},
                    {"elements", s.elements},
                    {"max_steps", s.maxSteps},
                    {"beyond_one_step", s.beyondOneStep},
                    {"share_beyond_one_step", s.shareBeyondOneStep()},
                    {"max_steps_end_to_end", s.maxStepsEndToEnd},
                    {"share_beyond_one_step_end_to_end", s.shareBeyondOneStepEndToEnd()},
                    {"sqnr_int_db", number(s.sqnrIntDb())},
                    {"sqnr_sim_db", number(s.sqnrSimDb())}};
    };
    json j;
    j["sqnr_threshold_db"] = number(report.sqnrThresholdDb);
    j["runs"] = report.runs;
    j["compared"] = report.tensors.size();
    if (const TensorDivergence* d = report.firstDivergent()) {
        json first = row(*d);
        first["index"] = *report.first;
        first["criterion"] = divergenceCriterionName(report.criterion);
        j["first"] = std::move(first);
    } else {
        j["first"] = nullptr;
    }
    j["summary"] = divergenceSummary(report);
    j["tensors"] = json::array();
    for (const TensorDivergence& s : report.tensors) j["tensors"].push_back(row(s));
    return j.dump();
}

} // namespace qs
