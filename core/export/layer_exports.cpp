#include "export/layer_exports.h"

#include <nlohmann/json.hpp>

namespace qs {

using nlohmann::json;

const char* const kAnalyzeCsvHeader =
    "node,op,sqnr_db,cosine,sensitivity_rank,weight_range_ratio,outlier_channels,suggested_bits,"
    "depthwise,agreement,top1,outlier_weights,per_tensor_noise_db,per_channel_noise_db,"
    "outlier_rank";

namespace {

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

template <class T> std::string optText(const std::optional<T>& v) {
    return v ? std::to_string(*v) : std::string();
}

} // namespace

std::string analyzeLayersCsv(const AnalyzeResult& result) {
    std::string out = std::string(kAnalyzeCsvHeader) + "\n";
    for (const AnalyzeLayerRow& r : result.layers) {
        std::string channels;
        for (size_t i = 0; i < r.outlierChannels.size(); ++i)
            channels += (i ? " " : "") + std::to_string(r.outlierChannels[i]);
        const std::string fields[] = {csvField(r.node),
                                      csvField(r.op),
                                      formatJsonNumber(r.sqnrDb),
                                      formatJsonNumber(r.cosine),
                                      std::to_string(r.sensitivityRank),
                                      formatJsonNumber(r.weightRangeRatio),
                                      channels,
                                      std::to_string(r.suggestedBits),
                                      r.depthwise ? (*r.depthwise ? "true" : "false") : "",
                                      formatJsonNumber(r.agreement),
                                      formatJsonNumber(r.top1),
                                      optText(r.outlierWeights),
                                      formatJsonNumber(r.perTensorNoiseDb),
                                      formatJsonNumber(r.perChannelNoiseDb),
                                      optText(r.outlierRank)};
        for (size_t i = 0; i < std::size(fields); ++i) out += (i ? "," : "") + fields[i];
        out += "\n";
    }
    return out;
}

std::string netronAttachmentJson(const AnalyzeResult& result, const QuantPlan* plan) {
    json metrics = json::array();
    auto add = [&](const char* kind, const std::string& target, const char* name, json value,
                   const char* type) {
        metrics.push_back(json{
            {"kind", kind}, {"target", target}, {"name", name}, {"value", value}, {"type", type}});
    };
    auto addNumber = [&](const char* kind, const std::string& target, const char* name,
                         const std::optional<double>& v) {
        if (v) add(kind, target, name, *v, "float64");
    };
    addNumber("model", "", "quantscope.top1", result.accuracyTop1);
    addNumber("model", "", "quantscope.fp32_top1", result.accuracyFp32Top1);
    addNumber("model", "", "quantscope.agreement", result.accuracyAgreement);
    addNumber("model", "", "quantscope.sqnr_db", result.accuracySqnrDb);
    for (const AnalyzeLayerRow& r : result.layers) {
        addNumber("node", r.node, "quantscope.sqnr_db", r.sqnrDb);
        addNumber("node", r.node, "quantscope.cosine", r.cosine);
        add("node", r.node, "quantscope.sensitivity_rank", r.sensitivityRank, "int64");
        addNumber("node", r.node, "quantscope.weight_range_ratio", r.weightRangeRatio);
        add("node", r.node, "quantscope.outlier_channels", int64_t(r.outlierChannels.size()),
            "int64");
        add("node", r.node, "quantscope.suggested_bits", r.suggestedBits, "int64");
    }
    if (plan)
        for (const auto& [name, n] : plan->nodes)
            add("node", name, "quantscope.bits", n.bits, "int64");
    const json root{{"signature", "netron:attachment"},
                    {"metadata", json::array()},
                    {"metrics", std::move(metrics)}};
    return root.dump(1) + "\n";
}

} // namespace qs
