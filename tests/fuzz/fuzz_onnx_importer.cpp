// ONNX importer from bytes, then static shape inference, then — when the graph is small —
// preparing the executor and one fp32 run on zero inputs. Any outcome but a clean error or a
// result is a bug: crash, leak, sanitizer report, hang (libFuzzer -timeout), or memory blow-up
// (-rss_limit_mb; the executor is given a 16 MiB tensor limit so a lying shape must be refused).
#include "exec/executor.h"
#include "exec/shape_inference.h"
#include "onnx/onnx_importer.h"

#include <cstdlib>
#include <map>

namespace {

constexpr int kMaxNodesToRun = 64;
constexpr int64_t kMaxInputElements = int64_t(1) << 16;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    qs::ImportOptions options;
    options.maxTensorBytes = int64_t(64) << 20;
    auto graph = qs::importOnnxBytes(data, size, "", options);
    if (!graph) {
        if (graph.message().empty()) std::abort();
        return 0;
    }
    auto inferred = qs::inferShapes(*graph);
    if (!inferred || graph->nodeCount() > kMaxNodesToRun) return 0;

    std::map<std::string, qs::Tensor> inputs;
    for (qs::ValueId id : graph->inputs()) {
        const qs::Value& v = graph->value(id);
        if (v.initializer) continue;
        if (!v.info.shapeKnown || v.info.dtype == qs::DataType::Undefined) return 0;
        qs::Shape shape = v.info.shape;
        for (int64_t& d : shape)
            if (d < 0) d = 1;
        auto numel = qs::checkedNumel(shape);
        if (!numel || *numel > kMaxInputElements) return 0;
        inputs.emplace(v.name, qs::Tensor::zeros(v.info.dtype, shape));
    }
    qs::ExecOptions execOptions;
    execOptions.maxTensorBytes = int64_t(16) << 20;
    auto executor = qs::Executor::create(std::move(*graph), execOptions);
    if (!executor) return 0;
    auto result = (*executor)->run(inputs);
    (void)result;
    return 0;
}
