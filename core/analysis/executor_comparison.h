// What the report's summary states about a quantized model as a whole: its size in fp32 and as
// quantized, and how the simulator (fake quantization) and the int8 integer executor compare
// with fp32 on the same evaluation samples (top-1 with labels, arg-max agreement, output SQNR).
#pragma once

#include "analysis/accuracy.h"
#include "quant/quantizer.h"

#include <optional>
#include <string>
#include <vector>

namespace qs {

// Bytes of the constant data (initializers) of QuantizedModel::graph.
//   fp32:      every floating-point initializer element at 4 bytes.
//   quantized: a quantized weight at its bits per element, packed (⌈numel·bits/8⌉), plus one
//              f32 scale and one zero point (1 byte up to 8 bits, else 2) per parameter set; a
//              quantized bias as int32; everything else as fp32.
struct QuantizedSize {
    int64_t parameters = 0;          // floating-point initializer elements
    int64_t quantizedParameters = 0; // elements of quantized weights and biases
    int64_t fp32Bytes = 0;
    int64_t quantizedBytes = 0;
};
QuantizedSize quantizedModelSize(const QuantizedModel& model);

struct ExecutorAccuracy {
    std::string executor; // "simulator" | "int8"
    bool measured = false;
    std::string note; // why not measured (the int8 lowering's error), or empty
    AccuracyResult result;
    double cosine = 1.0;
};

struct ExecutorComparison {
    int64_t samples = 0;
    std::optional<double> fp32Top1;          // with labels
    std::vector<ExecutorAccuracy> executors; // simulator, then int8
};

struct ExecutorComparisonOptions {
    int threads = 1;
    int batchSize = 8;
    // Polled per node of every executor run (each executor runs all the data): Cancelled.
    const Progress* cancel = nullptr;
};

// data: N first for `inputName` ("" = the first model input); labels: N integers or null. The
// fp32 reference is QuantizedModel::graph (BatchNorm folded) on the fp32 executor. An int8
// lowering error is not an error here: the int8 row says why it was not measured.
Result<ExecutorComparison> compareExecutors(const QuantizedModel& model, const Tensor& data,
                                            const Tensor* labels, const std::string& inputName,
                                            const ExecutorComparisonOptions& options = {});

} // namespace qs
