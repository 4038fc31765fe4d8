// Running one node outside a full executor run: used to fold constants at prepare time and
// during static shape inference. Shares the infer → kernel → check sequence with Executor.
#pragma once

#include "ops/op.h"

namespace qs {

// Infers output infos for `node` from its input tensors (nullptr = omitted input). valuesRead
// (optional) receives InferContext::valuesRead(): the inputs whose values the result depends on.
Result<std::vector<TensorInfo>> inferNodeOutputs(const OpDef& op, const Node& node, int64_t opset,
                                                 const std::vector<const Tensor*>& inputs,
                                                 uint64_t* valuesRead = nullptr);

// Infers, runs (a stateless compute or a freshly created kernel) and checks the outputs.
// Outputs larger than maxOutputBytes are refused before anything is allocated.
Result<std::vector<Tensor>> runNodeOnce(const OpDef& op, const Node& node, int64_t opset,
                                        const std::vector<const Tensor*>& inputs, ThreadPool& pool,
                                        int64_t maxOutputBytes = int64_t(4) << 30);

// Checks that a kernel produced every present output with the inferred dtype and shape.
Status checkKernelOutputs(const Node& node, const std::vector<TensorInfo>& inferred,
                          const std::vector<Tensor>& outputs);

} // namespace qs
