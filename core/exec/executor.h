// Executor: runs a Graph on concrete inputs. Prepares one kernel per node once (weights packed,
// code paths chosen), then each run infers shapes from the actual inputs (dynamic dims are
// bound from what is given), runs the nodes in topological order, calls the hooks on every
// produced tensor and frees each tensor after its last consumer.
#pragma once

#include "ir/graph.h"
#include "ops/op.h"
#include "util/progress.h"

#include <map>
#include <memory>
#include <string>

namespace qs {

class ThreadPool;

struct ExecOptions {
    int threads = 1; // <= 0: all hardware threads
    // A node output larger than this is refused with an error naming the node (a lying shape
    // must not exhaust memory). The fuzzers lower it.
    int64_t maxTensorBytes = int64_t(4) << 30;
};

// Hooks on produced tensors: what calibration, fake quantization and layer-wise analysis use.
class ExecHooks {
public:
    virtual ~ExecHooks() = default;
    // Called for every graph input (producer == kNoNode) and every node output, in execution
    // order, before any consumer reads it. May replace `tensor` (same dtype and shape) — a
    // transform such as fake quantization. A failed Status stops the run.
    virtual Status onTensor(NodeId producer, ValueId value, Tensor& tensor) {
        (void)producer, (void)value, (void)tensor;
        return {};
    }
    // True keeps a value alive after its last consumer; it is then returned in RunResult::kept.
    virtual bool keep(ValueId value) const {
        (void)value;
        return false;
    }
};

struct RunResult {
    std::map<std::string, Tensor> outputs; // by graph output name
    std::map<ValueId, Tensor> kept;        // values the hooks asked to keep
    // Largest sum of live intermediate tensor bytes during the run (aliases counted twice).
    int64_t peakLiveBytes = 0;
};

class Executor {
public:
    // Fails if an op is unknown (naming the node and op) or a node's attributes are invalid.
    static Result<std::unique_ptr<Executor>> create(Graph graph, const ExecOptions& options = {});
    ~Executor();

    // The graph run. The initializers every consumer prepacked (OpKernel::prepacked) hold only
    // their shape (Tensor::hasStorage() is false): the kernels hold the values.
    const Graph& graph() const { return m_graph; }
    const std::vector<ValueId>& prepackedConstants() const;
    int64_t prepackedConstantBytes() const; // the storage released for them
    int threads() const;
    // The pool the kernels run on (hooks may use it between nodes: a run is sequential).
    ThreadPool& pool() const;

    // inputs by graph input name; every graph input without an initializer must be given.
    Result<RunResult> run(const std::map<std::string, Tensor>& inputs, ExecHooks* hooks = nullptr,
                          Progress* progress = nullptr);

private:
    Executor() = default;
    struct Impl;
    Graph m_graph;
    std::unique_ptr<Impl> m_impl;
};

// Checks a given input against the graph's declared type and shape (dynamic dims match
// anything). The error names the input, the expected and the given type/shape.
Status checkInputAgainstDeclaration(const Value& declared, const Tensor& given);

} // namespace qs
