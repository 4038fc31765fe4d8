#include "export/analyze_result.h"

#include <nlohmann/json.hpp>

namespace qs {

using nlohmann::json;

const AnalyzeLayerRow* AnalyzeResult::layer(const std::string& node) const {
    for (const AnalyzeLayerRow& r : layers)
        if (r.node == node) return &r;
    return nullptr;
}

std::string formatJsonNumber(std::optional<double> v) {
    return v ? json(*v).dump() : std::string();
}

namespace {

Error fieldError(const std::string& where, const char* what) {
    return makeError(ErrorCode::ParseError, where, ": ", what);
}

// Optional number: absent or null → nullopt; anything but a number → error.
Status optNumber(const json& j, const char* key, const std::string& where,
                 std::optional<double>& out) {
    if (!j.contains(key) || j[key].is_null()) return {};
    if (!j[key].is_number()) return fieldError(where + "." + key, "expected a number or null");
    out = j[key].get<double>();
    return {};
}

Status requiredInt(const json& j, const char* key, const std::string& where, int& out) {
    if (!j.contains(key)) return fieldError(where + "." + key, "missing");
    if (!j[key].is_number_integer()) return fieldError(where + "." + key, "expected an integer");
    const int64_t v = j[key].get<int64_t>();
    if (v < -(int64_t(1) << 30) || v > (int64_t(1) << 30))
        return fieldError(where + "." + key, "out of range");
    out = int(v);
    return {};
}

Status requiredString(const json& j, const char* key, const std::string& where, std::string& out) {
    if (!j.contains(key)) return fieldError(where + "." + key, "missing");
    if (!j[key].is_string()) return fieldError(where + "." + key, "expected a string");
    out = j[key].get<std::string>();
    return {};
}

Result<AnalyzeLayerRow> layerFromJson(const json& j, const std::string& where) {
    if (!j.is_object()) return fieldError(where, "expected an object");
    AnalyzeLayerRow r;
    QS_TRY(requiredString(j, "node", where, r.node));
    QS_TRY(requiredString(j, "op", where, r.op));
    QS_TRY(optNumber(j, "sqnr_db", where, r.sqnrDb));
    QS_TRY(optNumber(j, "cosine", where, r.cosine));
    QS_TRY(requiredInt(j, "sensitivity_rank", where, r.sensitivityRank));
    QS_TRY(optNumber(j, "weight_range_ratio", where, r.weightRangeRatio));
    if (j.contains("outlier_channels")) {
        const json& oc = j["outlier_channels"];
        if (!oc.is_array())
            return fieldError(where + ".outlier_channels", "expected an array of integers");
        for (const json& c : oc) {
            if (!c.is_number_integer())
                return fieldError(where + ".outlier_channels", "expected an array of integers");
            r.outlierChannels.push_back(c.get<int64_t>());
        }
    }
    QS_TRY(requiredInt(j, "suggested_bits", where, r.suggestedBits));
    if (j.contains("depthwise")) {
        if (!j["depthwise"].is_boolean())
            return fieldError(where + ".depthwise", "expected true/false");
        r.depthwise = j["depthwise"].get<bool>();
    }
    QS_TRY(optNumber(j, "agreement", where, r.agreement));
    QS_TRY(optNumber(j, "top1", where, r.top1));
    if (j.contains("outlier_weights") && !j["outlier_weights"].is_null()) {
        if (!j["outlier_weights"].is_number_integer())
            return fieldError(where + ".outlier_weights", "expected an integer");
        r.outlierWeights = j["outlier_weights"].get<int64_t>();
    }
    QS_TRY(optNumber(j, "per_tensor_noise_db", where, r.perTensorNoiseDb));
    QS_TRY(optNumber(j, "per_channel_noise_db", where, r.perChannelNoiseDb));
    if (j.contains("outlier_rank") && !j["outlier_rank"].is_null()) {
        int rank = 0;
        QS_TRY(requiredInt(j, "outlier_rank", where, rank));
        r.outlierRank = rank;
    }
    return r;
}

} // namespace

Result<AnalyzeResult> analyzeResultFromJson(const std::string& text) {
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) return makeError(ErrorCode::ParseError, "not valid JSON");
    if (!j.is_object()) return makeError(ErrorCode::ParseError, "not a JSON object");
    AnalyzeResult out;
    if (j.contains("model")) {
        if (!j["model"].is_string()) return fieldError("model", "expected a string");
        out.model = j["model"].get<std::string>();
    }
    if (j.contains("settings")) {
        if (!j["settings"].is_object()) return fieldError("settings", "expected an object");
        for (const auto& [k, v] : j["settings"].items())
            out.settings.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
    }
    if (!j.contains("layers")) return fieldError("layers", "missing");
    if (!j["layers"].is_array()) return fieldError("layers", "expected an array");
    size_t i = 0;
    for (const json& row : j["layers"]) {
        QS_ASSIGN(AnalyzeLayerRow r, layerFromJson(row, "layers[" + std::to_string(i++) + "]"));
        out.layers.push_back(std::move(r));
    }
    if (j.contains("mixed_bits") && j["mixed_bits"].is_object() &&
        j["mixed_bits"].contains("assignment")) {
        const json& a = j["mixed_bits"]["assignment"];
        if (!a.is_object()) return fieldError("mixed_bits.assignment", "expected an object");
        for (const auto& [node, bits] : a.items()) {
            if (!bits.is_number_integer())
                return fieldError("mixed_bits.assignment." + node, "expected an integer");
            out.mixedBitsAssignment[node] = bits.get<int>();
        }
    }
    if (j.contains("accuracy")) {
        const json& a = j["accuracy"];
        if (!a.is_object()) return fieldError("accuracy", "expected an object");
        QS_TRY(optNumber(a, "top1", "accuracy", out.accuracyTop1));
        QS_TRY(optNumber(a, "fp32_top1", "accuracy", out.accuracyFp32Top1));
        QS_TRY(optNumber(a, "agreement", "accuracy", out.accuracyAgreement));
        QS_TRY(optNumber(a, "sqnr_db", "accuracy", out.accuracySqnrDb));
    }
    return out;
}

} // namespace qs
