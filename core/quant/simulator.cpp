#include "quant/simulator.h"

#include <cassert>

namespace qs {

Result<Tensor> fakeQuantizedInitializer(const Value& value, const QuantPlan& plan) {
    assert(value.initializer);
    if (value.initializer->dtype() != DataType::F32) return *value.initializer;
    const TensorQuantEntry* e = plan.tensor(value.name);
    if (!e || e->params.state != TensorQuantState::Quantized) return *value.initializer;
    auto q = fakeQuantize(*value.initializer, e->params);
    if (!q) return std::move(q.addContext("tensor '" + value.name + "'")).takeError();
    return q;
}

Result<Graph> fakeQuantizeWeights(const Graph& graph, const QuantPlan& plan) {
    Graph g = graph;
    for (ValueId v = 0; v < g.valueCount(); ++v) {
        Value& value = g.value(v);
        if (!value.initializer) continue;
        QS_ASSIGN(value.initializer, fakeQuantizedInitializer(value, plan));
    }
    return g;
}

namespace {

class FakeQuantHooks : public ExecHooks {
public:
    FakeQuantHooks(const Graph& graph, const QuantPlan& plan, ExecHooks* observer, ThreadPool* pool)
        : m_observer(observer)
        , m_pool(pool) {
        m_entries.resize(size_t(graph.valueCount()), nullptr);
        for (ValueId v = 0; v < graph.valueCount(); ++v)
            m_entries[size_t(v)] = plan.tensor(graph.value(v).name);
    }

    Status onTensor(NodeId producer, ValueId value, Tensor& tensor) override {
        const TensorQuantEntry* e = m_entries[size_t(value)];
        if (e && e->params.state == TensorQuantState::Quantized && !e->isWeight && !e->isBias &&
            tensor.dtype() == DataType::F32) {
            if (e->dynamic) {
                // Dynamic mode: the range of this very tensor (per input), as PyTorch's dynamic
                // quantization.
                QS_ASSIGN(auto ranges, tensorRanges(tensor, e->params.spec));
                QS_ASSIGN(QuantParams p,
                          computeQuantParams(e->params.spec, ranges.first, ranges.second));
                QS_ASSIGN(tensor, fakeQuantize(tensor, p, m_pool));
            } else {
                QS_ASSIGN(tensor, fakeQuantize(tensor, e->params, m_pool));
            }
        }
        if (m_observer) return m_observer->onTensor(producer, value, tensor);
        return {};
    }
    bool keep(ValueId value) const override { return m_observer && m_observer->keep(value); }

private:
    std::vector<const TensorQuantEntry*> m_entries;
    ExecHooks* m_observer;
    ThreadPool* m_pool;
};

} // namespace

Result<std::unique_ptr<Simulator>> Simulator::create(const Graph& graph, const QuantPlan& plan,
                                                     const ExecOptions& options) {
    QS_ASSIGN(Graph g, fakeQuantizeWeights(graph, plan));
    auto sim = std::unique_ptr<Simulator>(new Simulator());
    sim->m_plan = plan;
    QS_ASSIGN(sim->m_executor, Executor::create(std::move(g), options));
    return sim;
}

Result<RunResult> Simulator::run(const std::map<std::string, Tensor>& inputs, ExecHooks* observer,
                                 Progress* progress) {
    FakeQuantHooks hooks(m_executor->graph(), m_plan, observer, &m_executor->pool());
    return m_executor->run(inputs, &hooks, progress);
}

} // namespace qs
