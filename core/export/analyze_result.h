// The `analyze --json` file (DESIGN.md contract) read back as a plain struct: what the CSV
// export, the Netron attachment, project files and run comparison all read, so every one of
// them shows the numbers the JSON holds.
#pragma once

#include "util/error.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qs {

// One quantizable layer. A metric the JSON has as null (not finite, or not measured) is
// nullopt.
struct AnalyzeLayerRow {
    std::string node;
    std::string op;
    std::optional<double> sqnrDb; // output SQNR with this layer alone quantized
    std::optional<double> cosine;
    int sensitivityRank = 0; // 1 = most sensitive
    std::optional<double> weightRangeRatio;
    std::vector<int64_t> outlierChannels;
    int suggestedBits = 0;
    // Detail columns (present in QuantScope's own files; optional in the contract).
    std::optional<bool> depthwise;
    std::optional<double> agreement;
    std::optional<double> top1;
    std::optional<int64_t> outlierWeights;
    std::optional<double> perTensorNoiseDb;
    std::optional<double> perChannelNoiseDb;
    std::optional<int> outlierRank;
};

struct AnalyzeResult {
    std::string model;
    std::vector<std::pair<std::string, std::string>> settings; // in key order
    std::vector<AnalyzeLayerRow> layers;                       // in file order
    std::map<std::string, int> mixedBitsAssignment;            // node -> weight bits
    std::optional<double> accuracyTop1, accuracyFp32Top1, accuracyAgreement, accuracySqnrDb;

    const AnalyzeLayerRow* layer(const std::string& node) const;
};

// Reads analyze JSON text; errors name the field ("layers[3].sqnr_db: expected a number").
Result<AnalyzeResult> analyzeResultFromJson(const std::string& text);

// A double as the JSON writer prints it (shortest text that reads back to the same double),
// "" for nullopt. The CSV uses it so its numbers are the JSON's, character for character.
std::string formatJsonNumber(std::optional<double> v);

} // namespace qs
