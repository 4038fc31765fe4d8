// ONNX import: a ModelProto file into one Graph. Opset 7 and up; initializers in typed fields
// and in raw_data, external data files, fp16 initializers, Constant nodes, graph inputs that
// are also initializers. Unknown ops import (the graph stays viewable) and are listed.
#pragma once

#include "ir/graph.h"

#include <string>
#include <vector>

namespace qs {

struct ImportOptions {
    // Refuse files or tensors larger than this (guards against lying size fields).
    int64_t maxTensorBytes = int64_t(4) << 30;
};

struct ImportReport {
    // Op types the registry does not implement, with how many nodes use each.
    std::vector<std::pair<std::string, int>> unsupportedOps;
};

// Errors name the file: "file m.onnx: node conv_3 (Conv) reads 'x', which ...".
Result<Graph> importOnnxFile(const std::string& path, const ImportOptions& options = {},
                             ImportReport* report = nullptr);
// From bytes in memory; `baseDir` resolves external data files ("" = none allowed).
Result<Graph> importOnnxBytes(const void* data, size_t size, const std::string& baseDir,
                              const ImportOptions& options = {}, ImportReport* report = nullptr);

// Lists op types in the graph that the registry does not implement.
std::vector<std::pair<std::string, int>> unsupportedOps(const Graph& graph);

} // namespace qs
