// Simulator (fake quantization): the fp32 executor with quantize→dequantize applied per the
// plan — weights and biases once at creation, activations as they are produced. Passive
// tensors pass through (their values are already on their source's grid).
#pragma once

#include "exec/executor.h"
#include "quant/quant_plan.h"

#include <memory>

namespace qs {

class Simulator {
public:
    // graph: the graph the plan was built for (BatchNorm folded if the plan says so).
    static Result<std::unique_ptr<Simulator>> create(const Graph& graph, const QuantPlan& plan,
                                                     const ExecOptions& options = {});

    // `observer` (optional) sees every tensor after fake quantization.
    Result<RunResult> run(const std::map<std::string, Tensor>& inputs,
                          ExecHooks* observer = nullptr, Progress* progress = nullptr);

    const Graph& graph() const { return m_executor->graph(); }

private:
    QuantPlan m_plan;
    std::unique_ptr<Executor> m_executor;
};

// The graph with every quantized weight and bias replaced by its fake-quantized values.
Result<Graph> fakeQuantizeWeights(const Graph& graph, const QuantPlan& plan);
// One initializer as the Simulator sees it: fake-quantized if the plan quantizes it, else as is.
Result<Tensor> fakeQuantizedInitializer(const Value& value, const QuantPlan& plan);

} // namespace qs
