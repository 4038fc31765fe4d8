// Per-layer views of an analysis for other tools: the CSV table (one row per quantizable
// layer, the JSON's numbers as the JSON prints them) and a Netron attachment.
//
// Netron attachment: Netron (lutzroeder/netron, its metadata.Attachment reader) opens a JSON
// file whose "signature" is "netron:attachment" beside a model and shows its "metrics" entries
// in the node's sidebar. Each entry is {"kind": "node", "target": <node name>, "name", "value",
// "type"}; "kind": "model" with "target": "" attaches to the model. Netron reads exactly these
// keys; there is no published schema beyond its source. Ours writes per node: sqnr_db, cosine,
// sensitivity_rank, weight_range_ratio, outlier_channels (count), suggested_bits, and the
// plan's bits when a plan is given; metrics whose value is null are left out.
#pragma once

#include "export/analyze_result.h"
#include "quant/quant_plan.h"

#include <string>

namespace qs {

// Header line then one row per layer, RFC 4180 quoting; outlier channels space-separated in
// one field; empty field for null.
std::string analyzeLayersCsv(const AnalyzeResult& result);
extern const char* const kAnalyzeCsvHeader;

std::string netronAttachmentJson(const AnalyzeResult& result, const QuantPlan* plan = nullptr);

} // namespace qs
