// What `info` prints and the GUI's summary panel shows: one struct, computed once.
#pragma once

#include "ir/graph.h"

#include <string>
#include <vector>

namespace qs {

struct TensorSummary {
    std::string name;
    DataType dtype = DataType::Undefined;
    Shape shape;                       // -1 for dynamic dims
    std::vector<std::string> dimNames; // symbolic names of dynamic dims, "" for fixed ones
};

struct ModelSummary {
    std::string graphName;
    std::string producer; // "pytorch 1.13"
    int64_t irVersion = 0;
    int64_t opset = 0;
    int nodeCount = 0;
    std::vector<TensorSummary> inputs;
    std::vector<TensorSummary> outputs;
    std::vector<std::pair<std::string, int>> opCounts; // sorted by op name
    int64_t parameterCount = 0;                        // elements of floating-point initializers
    int64_t initializerBytes = 0;
    std::vector<std::pair<std::string, int>> unsupportedOps; // op -> node count
};

ModelSummary summarizeModel(const Graph& graph);
// The JSON object of `quantscope-cli info --json`.
std::string modelSummaryToJson(const ModelSummary& summary);
// Human-readable text of `quantscope-cli info`.
std::string modelSummaryToText(const ModelSummary& summary);

} // namespace qs
