#include "exec/executor.h"

#include "exec/node_runner.h"
#include "ops/op_registry.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <string_view>
#include <time.h>

namespace qs {

Result<std::vector<TensorInfo>> inferNodeOutputs(const OpDef& op, const Node& node, int64_t opset,
                                                 const std::vector<const Tensor*>& inputs,
                                                 uint64_t* valuesRead) {
    std::vector<TensorInfo> infos(inputs.size());
    std::vector<const TensorInfo*> infoPtrs(inputs.size(), nullptr);
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (!inputs[i]) continue;
        infos[i] = TensorInfo{inputs[i]->dtype(), inputs[i]->shape(), true};
        infoPtrs[i] = &infos[i];
    }
    InferContext ictx(node, opset, std::move(infoPtrs), inputs);
    QS_TRY(op.infer(ictx));
    if (valuesRead) *valuesRead = ictx.valuesRead();
    for (size_t i = 0; i < node.outputs.size(); ++i) {
        if (node.outputs[i] == kNoValue) continue;
        const TensorInfo& info = ictx.outputInfo(int(i));
        if (!info.shapeKnown || info.dtype == DataType::Undefined)
            return makeError(ErrorCode::Internal, "shape inference left output ", i, " undefined");
    }
    return std::move(ictx.outputs());
}

Status checkKernelOutputs(const Node& node, const std::vector<TensorInfo>& inferred,
                          const std::vector<Tensor>& outputs) {
    for (size_t i = 0; i < node.outputs.size(); ++i) {
        if (node.outputs[i] == kNoValue) continue;
        const Tensor& t = outputs[i];
        if (t.isNull()) return makeError(ErrorCode::Internal, "kernel did not produce output ", i);
        if (t.dtype() != inferred[i].dtype || t.shape() != inferred[i].shape)
            return makeError(ErrorCode::Internal, "kernel produced output ", i, " as ",
                             dataTypeName(t.dtype()), shapeToString(t.shape()), ", inferred ",
                             dataTypeName(inferred[i].dtype), shapeToString(inferred[i].shape));
    }
    return {};
}

namespace {

// The output infos of a node for these inputs, reused from the node's previous run when its
// inputs have the same types and shapes and the values inference read are equal (a model run
// again at one input shape infers each node once).
struct InferCache {
    bool valid = false;
    std::vector<DataType> types;
    std::vector<Shape> shapes;
    std::vector<Tensor> values; // clones of the inputs whose values inference read, else null
    std::vector<TensorInfo> infos;

    bool matches(const std::vector<const Tensor*>& inputs) const {
        if (!valid || inputs.size() != types.size()) return false;
        for (size_t i = 0; i < inputs.size(); ++i) {
            const Tensor* t = inputs[i];
            if (!t) {
                if (types[i] != DataType::Undefined) return false;
                continue;
            }
            if (t->dtype() != types[i] || t->shape() != shapes[i]) return false;
            const Tensor& v = values[i];
            if (!v.isNull() &&
                (!t->hasStorage() || std::memcmp(v.rawData(), t->rawData(), v.byteSize()) != 0))
                return false;
        }
        return true;
    }
};

Result<std::vector<TensorInfo>> inferCached(const OpDef& op, const Node& node, int64_t opset,
                                            const std::vector<const Tensor*>& inputs,
                                            InferCache& cache) {
    if (cache.matches(inputs)) return cache.infos;
    uint64_t read = 0;
    QS_ASSIGN(std::vector<TensorInfo> infos, inferNodeOutputs(op, node, opset, inputs, &read));
    cache.valid = false;
    cache.types.assign(inputs.size(), DataType::Undefined);
    cache.shapes.assign(inputs.size(), Shape{});
    cache.values.assign(inputs.size(), Tensor());
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (!inputs[i]) continue;
        cache.types[i] = inputs[i]->dtype();
        cache.shapes[i] = inputs[i]->shape();
        if (read & (uint64_t(1) << std::min<size_t>(i, 63))) {
            // Values are compared on every run: only small (shape-like) ones are worth it.
            if (!inputs[i]->hasStorage() || inputs[i]->numel() > 1024) return infos;
            cache.values[i] = inputs[i]->clone();
        }
    }
    cache.infos = infos;
    cache.valid = true;
    return infos;
}

Result<std::vector<Tensor>> runWith(const OpDef& op, OpKernel* kernel, const Node& node,
                                    int64_t opset, const std::vector<const Tensor*>& inputs,
                                    ThreadPool& pool, int64_t maxOutputBytes = int64_t(4) << 30,
                                    InferCache* cache = nullptr) {
    QS_ASSIGN(std::vector<TensorInfo> infos, cache ? inferCached(op, node, opset, inputs, *cache)
                                                   : inferNodeOutputs(op, node, opset, inputs));
    for (size_t i = 0; i < infos.size(); ++i) {
        if (node.outputs[i] == kNoValue) continue;
        QS_ASSIGN(int64_t numel, checkedNumel(infos[i].shape));
        if (numel > maxOutputBytes / int64_t(std::max<size_t>(1, dataTypeSize(infos[i].dtype))))
            return makeError(ErrorCode::ResourceLimit, "output ", i, " of shape ",
                             shapeToString(infos[i].shape), " exceeds the tensor size limit of ",
                             maxOutputBytes >> 20, " MiB");
    }
    KernelContext kctx(node, opset, inputs, infos, pool);
    try {
        if (kernel)
            QS_TRY(kernel->run(kctx));
        else
            QS_TRY(op.compute(kctx));
    } catch (const std::bad_alloc&) {
        return makeError(ErrorCode::ResourceLimit, "out of memory");
    }
    QS_TRY(checkKernelOutputs(node, infos, kctx.outputs()));
    return std::move(kctx.outputs());
}

Result<std::unique_ptr<OpKernel>> createKernel(const OpDef& op, const Node& node, int64_t opset,
                                               const std::vector<const Tensor*>& constInputs,
                                               const std::vector<const TensorInfo*>& inputInfos) {
    if (!op.create) return std::unique_ptr<OpKernel>();
    KernelInit init{node, opset, constInputs, inputInfos};
    return op.create(init);
}

std::string nodeFrame(const Node& node) {
    return "node " + node.label();
}

} // namespace

Result<std::vector<Tensor>> runNodeOnce(const OpDef& op, const Node& node, int64_t opset,
                                        const std::vector<const Tensor*>& inputs, ThreadPool& pool,
                                        int64_t maxOutputBytes) {
    std::vector<const TensorInfo*> noInfos(inputs.size(), nullptr);
    std::vector<TensorInfo> infos(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i)
        if (inputs[i]) {
            infos[i] = TensorInfo{inputs[i]->dtype(), inputs[i]->shape(), true};
            noInfos[i] = &infos[i];
        }
    QS_ASSIGN(std::unique_ptr<OpKernel> kernel, createKernel(op, node, opset, inputs, noInfos));
    return runWith(op, kernel.get(), node, opset, inputs, pool, maxOutputBytes);
}

Status checkInputAgainstDeclaration(const Value& declared, const Tensor& given) {
    const TensorInfo& d = declared.info;
    if (d.dtype != DataType::Undefined && d.dtype != given.dtype())
        return makeError(ErrorCode::TypeMismatch, "input '", declared.name, "' expects ",
                         dataTypeName(d.dtype), ", got ", dataTypeName(given.dtype()));
    if (!d.shapeKnown) return {};
    bool ok = d.shape.size() == given.shape().size();
    for (size_t i = 0; ok && i < d.shape.size(); ++i)
        if (d.shape[i] >= 0 && d.shape[i] != given.shape()[i]) ok = false;
    if (!ok)
        return makeError(ErrorCode::ShapeMismatch, "input '", declared.name, "' expects shape ",
                         shapeToString(d.shape), ", got ", shapeToString(given.shape()));
    return {};
}

struct Executor::Impl {
    explicit Impl(int threads)
        : pool(threads) {}
    ThreadPool pool;
    int64_t maxTensorBytes = int64_t(4) << 30;
    std::vector<const OpDef*> ops;                  // per node
    std::vector<std::unique_ptr<OpKernel>> kernels; // per node; null for stateless ops
    std::vector<std::optional<Tensor>> constants;   // per value: initializers and folded constants
    std::vector<bool> nodeFolded;                   // per node: outputs precomputed at prepare
    std::vector<int32_t> useCount;  // per value: consuming input slots of non-folded nodes
    std::vector<ValueId> prepacked; // constants whose every consumer prepacked them
    int64_t prepackedBytes = 0;
    std::vector<InferCache> inferCache; // per node: the last run's output infos
    // QUANTSCOPE_PROFILE set (non-empty, not "0"): wall time per node summed over runs, printed
    // to stderr when the executor goes (per op type, then the costliest nodes).
    bool profile = false;
    int64_t profiledRuns = 0;
    std::vector<double> nodeSeconds;    // per node, wall time
    std::vector<double> nodeCpuSeconds; // per node, CPU time of the calling thread
};

namespace {

double threadCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

bool profileRequested() {
    const char* v = std::getenv("QUANTSCOPE_PROFILE");
    return v && *v && std::string_view(v) != "0";
}

// Wall ms per run by op type and for the costliest nodes; "caller cpu" is the CPU time of the
// thread that ran the executor (at 1 thread on a busy machine: the work without the preemption).
void printProfile(const Graph& g, const std::vector<double>& seconds,
                  const std::vector<double>& cpuSeconds, int64_t runs, int threads) {
    if (runs == 0) return;
    std::map<std::string, std::pair<double, int>> byType;
    std::map<std::string, double> cpuByType;
    double total = 0, cpuTotal = 0;
    std::vector<NodeId> nodes;
    for (NodeId n = 0; n < g.nodeCount(); ++n) {
        if (seconds[size_t(n)] <= 0) continue;
        auto& e = byType[g.node(n).opType];
        e.first += seconds[size_t(n)];
        ++e.second;
        total += seconds[size_t(n)];
        cpuByType[g.node(n).opType] += cpuSeconds[size_t(n)];
        cpuTotal += cpuSeconds[size_t(n)];
        nodes.push_back(n);
    }
    const double scale = 1e3 / double(runs); // ms per run
    std::fprintf(stderr,
                 "profile: %lld runs, %d threads, %.3f ms per run in nodes (caller cpu %.3f ms)\n",
                 static_cast<long long>(runs), threads, total * scale, cpuTotal * scale);
    std::vector<std::pair<std::string, std::pair<double, int>>> types(byType.begin(), byType.end());
    std::sort(types.begin(), types.end(),
              [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
    for (const auto& [type, e] : types)
        std::fprintf(stderr, "  %-20s %4d nodes %9.3f ms %5.1f%%  cpu %9.3f ms\n", type.c_str(),
                     e.second, e.first * scale, 100.0 * e.first / total, cpuByType[type] * scale);
    std::sort(nodes.begin(), nodes.end(),
              [&](NodeId a, NodeId b) { return seconds[size_t(a)] > seconds[size_t(b)]; });
    if (nodes.size() > 25) nodes.resize(25);
    for (NodeId n : nodes)
        std::fprintf(stderr, "  node %-52s %-12s %9.3f ms  cpu %9.3f ms\n", g.node(n).name.c_str(),
                     g.node(n).opType.c_str(), seconds[size_t(n)] * scale,
                     cpuSeconds[size_t(n)] * scale);
}

} // namespace

Executor::~Executor() {
    if (m_impl && m_impl->profile)
        printProfile(m_graph, m_impl->nodeSeconds, m_impl->nodeCpuSeconds, m_impl->profiledRuns,
                     m_impl->pool.threadCount());
}

const std::vector<ValueId>& Executor::prepackedConstants() const {
    return m_impl->prepacked;
}

int64_t Executor::prepackedConstantBytes() const {
    return m_impl->prepackedBytes;
}

int Executor::threads() const {
    return m_impl->pool.threadCount();
}

ThreadPool& Executor::pool() const {
    return m_impl->pool;
}

Result<std::unique_ptr<Executor>> Executor::create(Graph graph, const ExecOptions& options) {
    std::unique_ptr<Executor> ex(new Executor());
    ex->m_graph = std::move(graph);
    ex->m_impl = std::make_unique<Impl>(options.threads);
    ex->m_impl->maxTensorBytes = options.maxTensorBytes;
    ex->m_impl->profile = profileRequested();
    const Graph& g = ex->m_graph;
    Impl& impl = *ex->m_impl;
    impl.ops.assign(size_t(g.nodeCount()), nullptr);
    impl.kernels.resize(size_t(g.nodeCount()));
    impl.nodeFolded.assign(size_t(g.nodeCount()), false);
    impl.inferCache.resize(size_t(g.nodeCount()));
    impl.constants.resize(size_t(g.valueCount()));
    for (ValueId v = 0; v < g.valueCount(); ++v)
        if (g.value(v).initializer) impl.constants[size_t(v)] = *g.value(v).initializer;

    for (NodeId n : g.topoOrder()) {
        const Node& node = g.node(n);
        const OpDef* op = findOp(node.domain, node.opType);
        if (!op)
            return makeError(ErrorCode::Unsupported, "node ", node.label(), ": op '",
                             node.domain.empty() ? node.opType : node.domain + "." + node.opType,
                             "' is not supported");
        impl.ops[size_t(n)] = op;
        const int64_t opset = g.opsetVersion(node.domain);
        std::vector<const Tensor*> constInputs;
        std::vector<const TensorInfo*> infos;
        bool allConst = true;
        for (ValueId in : node.inputs) {
            const Tensor* c = in != kNoValue && impl.constants[size_t(in)]
                                  ? &*impl.constants[size_t(in)]
                                  : nullptr;
            constInputs.push_back(c);
            infos.push_back(in != kNoValue ? &g.value(in).info : nullptr);
            if (in != kNoValue && !c) allConst = false;
        }
        // Fold cheap constant subgraphs (Constant nodes, shape arithmetic on constants) once.
        if (allConst && (op->foldable || node.opType == "Constant")) {
            auto outs = runNodeOnce(*op, node, opset, constInputs, impl.pool, impl.maxTensorBytes);
            if (!outs) return std::move(outs.addContext(nodeFrame(node))).takeError();
            for (size_t i = 0; i < node.outputs.size(); ++i)
                if (node.outputs[i] != kNoValue)
                    impl.constants[size_t(node.outputs[i])] = std::move((*outs)[i]);
            impl.nodeFolded[size_t(n)] = true;
            continue;
        }
        auto kernel = createKernel(*op, node, opset, constInputs, infos);
        if (!kernel) return std::move(kernel.addContext(nodeFrame(node))).takeError();
        impl.kernels[size_t(n)] = std::move(kernel).value();
    }
    impl.useCount.assign(size_t(g.valueCount()), 0);
    std::vector<int32_t> packedUses(size_t(g.valueCount()), 0);
    for (NodeId n = 0; n < g.nodeCount(); ++n) {
        if (impl.nodeFolded[size_t(n)]) continue;
        const std::vector<ValueId>& ins = g.node(n).inputs;
        for (size_t i = 0; i < ins.size(); ++i) {
            if (ins[i] == kNoValue) continue;
            ++impl.useCount[size_t(ins[i])];
            const OpKernel* k = impl.kernels[size_t(n)].get();
            if (k && k->prepacked(int(i))) ++packedUses[size_t(ins[i])];
        }
    }
    // Weights every consumer packed into its own layout: keep their shapes only.
    std::vector<bool> isOutput(size_t(g.valueCount()), false);
    for (ValueId v : g.outputs()) isOutput[size_t(v)] = true;
    for (ValueId v = 0; v < g.valueCount(); ++v) {
        std::optional<Tensor>& c = impl.constants[size_t(v)];
        if (!c || !c->hasStorage() || isOutput[size_t(v)] || impl.useCount[size_t(v)] == 0 ||
            packedUses[size_t(v)] != impl.useCount[size_t(v)])
            continue;
        impl.prepackedBytes += int64_t(c->byteSize());
        c = Tensor::shapeOnly(c->dtype(), c->shape());
        if (ex->m_graph.value(v).initializer) ex->m_graph.value(v).initializer = *c;
        impl.prepacked.push_back(v);
    }
    return ex;
}

Result<RunResult> Executor::run(const std::map<std::string, Tensor>& inputs, ExecHooks* hooks,
                                Progress* progress) {
    const Graph& g = m_graph;
    Impl& impl = *m_impl;
    std::vector<Tensor> slots(size_t(g.valueCount()));
    std::vector<int32_t> remaining = impl.useCount;
    RunResult result;
    int64_t liveBytes = 0;

    for (const auto& [name, tensor] : inputs) {
        auto id = g.findValue(name);
        if (!id || !g.value(*id).isGraphInput) {
            std::string names;
            for (ValueId in : g.inputs()) names += (names.empty() ? "" : ", ") + g.value(in).name;
            return makeError(ErrorCode::NotFound, "the model has no input named '", name,
                             "' (inputs: ", names, ")");
        }
    }
    auto keepValue = [&](ValueId v) {
        return g.value(v).isGraphOutput || (hooks && hooks->keep(v));
    };
    auto deliver = [&](NodeId producer, ValueId v, Tensor t) -> Status {
        if (hooks) {
            const DataType dtype = t.dtype();
            const Shape shape = t.shape();
            QS_TRY(hooks->onTensor(producer, v, t));
            if (t.dtype() != dtype || t.shape() != shape)
                return makeError(ErrorCode::Internal, "a hook changed the type or shape of '",
                                 g.value(v).name, "'");
        }
        if (remaining[size_t(v)] == 0 && !keepValue(v)) return {}; // nobody reads it
        liveBytes += int64_t(t.byteSize());
        result.peakLiveBytes = std::max(result.peakLiveBytes, liveBytes);
        slots[size_t(v)] = std::move(t);
        return {};
    };

    for (ValueId in : g.inputs()) {
        const Value& v = g.value(in);
        auto it = inputs.find(v.name);
        if (it == inputs.end())
            return makeError(ErrorCode::NotFound, "input '", v.name, "' was not given");
        QS_TRY(checkInputAgainstDeclaration(v, it->second));
        QS_TRY(deliver(kNoNode, in, it->second));
    }

    const auto& order = g.topoOrder();
    std::vector<const Tensor*> inPtrs;
    if (impl.profile) {
        impl.nodeSeconds.resize(size_t(g.nodeCount()), 0.0);
        impl.nodeCpuSeconds.resize(size_t(g.nodeCount()), 0.0);
        ++impl.profiledRuns;
    }
    for (size_t step = 0; step < order.size(); ++step) {
        const NodeId n = order[step];
        if (impl.nodeFolded[size_t(n)]) continue;
        const Node& node = g.node(n);
        if (progress) {
            if (progress->isCancelled()) return Error(ErrorCode::Cancelled, "cancelled");
            progress->report(double(step) / double(order.size()), node.name);
        }
        inPtrs.clear();
        for (ValueId in : node.inputs) {
            if (in == kNoValue) {
                inPtrs.push_back(nullptr);
            } else if (impl.constants[size_t(in)]) {
                inPtrs.push_back(&*impl.constants[size_t(in)]);
            } else {
                const Tensor& t = slots[size_t(in)];
                if (t.isNull())
                    return makeError(ErrorCode::Internal, "node ", node.label(), ": input '",
                                     g.value(in).name, "' is not available");
                inPtrs.push_back(&t);
            }
        }
        const auto t0 = impl.profile ? std::chrono::steady_clock::now()
                                     : std::chrono::steady_clock::time_point();
        const double cpu0 = impl.profile ? threadCpuSeconds() : 0.0;
        // Inference is reused in plain runs only. With hooks (calibration, analyses) it raised
        // ppocr_cls's calibration peak RSS on 32 text lines from 61 to 166 MB, all of it retained
        // [heap] pages (massif: 29 MB live at the peak); the cause is not found yet.
        auto outs = runWith(*impl.ops[size_t(n)], impl.kernels[size_t(n)].get(), node,
                            g.opsetVersion(node.domain), inPtrs, impl.pool, impl.maxTensorBytes,
                            hooks ? nullptr : &impl.inferCache[size_t(n)]);
        if (impl.profile) {
            impl.nodeSeconds[size_t(n)] +=
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            impl.nodeCpuSeconds[size_t(n)] += threadCpuSeconds() - cpu0;
        }
        if (!outs) return std::move(outs.addContext(nodeFrame(node))).takeError();
        for (size_t i = 0; i < node.outputs.size(); ++i) {
            const ValueId out = node.outputs[i];
            if (out == kNoValue) continue;
            Status st = deliver(n, out, std::move((*outs)[i]));
            if (!st) return std::move(st.addContext(nodeFrame(node))).takeError();
        }
        // Release inputs after their last consumer.
        for (ValueId in : node.inputs) {
            if (in == kNoValue || impl.constants[size_t(in)]) continue;
            if (--remaining[size_t(in)] == 0 && !keepValue(in)) {
                liveBytes -= int64_t(slots[size_t(in)].byteSize());
                slots[size_t(in)] = Tensor();
            }
        }
    }

    for (ValueId out : g.outputs()) {
        const Value& v = g.value(out);
        if (impl.constants[size_t(out)])
            result.outputs[v.name] = *impl.constants[size_t(out)];
        else
            result.outputs[v.name] = slots[size_t(out)];
    }
    if (hooks)
        for (ValueId v = 0; v < g.valueCount(); ++v)
            if (hooks->keep(v)) {
                if (!slots[size_t(v)].isNull())
                    result.kept[v] = slots[size_t(v)];
                else if (impl.constants[size_t(v)] && impl.constants[size_t(v)]->hasStorage())
                    result.kept[v] = *impl.constants[size_t(v)];
            }
    if (progress) progress->report(1.0, "done");
    return result;
}

} // namespace qs
