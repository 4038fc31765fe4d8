// Data-free activation ranges (DFQ, Nagel et al. 2019): without calibration data, the output
// of a layer whose BatchNorm was folded is taken to lie in β ± k·|γ| per channel (k sigmas of
// the BN's normalised output); ranges then propagate through the graph by interval
// arithmetic (Relu/Clip clamp, pooling and reshaping keep, Add sums, Concat unions, ...).
// Graph inputs are assumed standardised: [−k, k].
#pragma once

#include "quant/calibrators.h"
#include "quant/passes/fold_batch_norm.h"

#include <map>
#include <string>

namespace qs {

struct DataFreeRanges {
    std::map<std::string, ClipRange> ranges;
    std::vector<std::string> notes; // what was assumed, and which tensors got no range
};

DataFreeRanges estimateDataFreeRanges(const Graph& foldedGraph,
                                      const std::vector<FoldedBatchNorm>& folds, float sigmas);

} // namespace qs
