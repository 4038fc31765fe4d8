#include "quant/quant_plan.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

namespace qs {

const QuantParams* QuantPlan::effectiveParams(const std::string& name) const {
    const TensorQuantEntry* e = tensor(name);
    for (int hops = 0; e && hops < 1000; ++hops) { // chains of passive ops; bounded against cycles
        if (e->params.state == TensorQuantState::Quantized) return &e->params;
        if (e->params.state != TensorQuantState::Passive) return nullptr;
        e = tensor(e->passiveSource);
    }
    return nullptr;
}

std::string quantPlanToJson(const QuantPlan& plan) {
    using nlohmann::json;
    json j;
    j["model"] = plan.model;
    j["settings"] = json::object();
    for (const auto& [k, v] : plan.settings) {
        if (j["settings"].contains(k)) {
            if (!j["settings"][k].is_array()) j["settings"][k] = json::array({j["settings"][k]});
            j["settings"][k].push_back(v);
        } else {
            j["settings"][k] = v;
        }
    }
    j["tensors"] = json::object();
    for (const auto& [name, e] : plan.tensors) {
        const QuantParams& p = e.params;
        json t;
        t["state"] = tensorQuantStateName(p.state);
        if (p.state == TensorQuantState::Quantized || p.state == TensorQuantState::Passive) {
            t["bits"] = p.spec.bits;
            t["scheme"] = quantSchemeName(p.spec.scheme);
            t["signed"] = p.spec.isSigned;
            t["granularity"] = granularityName(p.spec.granularity);
            t["axis"] =
                p.spec.granularity == Granularity::PerTensor ? json(nullptr) : json(p.spec.axis);
            if (p.spec.granularity == Granularity::PerGroup) t["group_size"] = p.spec.groupSize;
            t["rounding"] = roundingModeName(p.spec.rounding);
            if (p.spec.powerOfTwoScale) t["power_of_two"] = true;
            t["scale"] = p.scale;
            t["zero_point"] = p.zeroPoint;
            t["min"] = p.min;
            t["max"] = p.max;
        }
        if (e.isWeight)
            t["role"] = "weight";
        else if (e.isBias)
            t["role"] = "bias";
        else
            t["role"] = "activation";
        if (e.dynamic) t["dynamic"] = true;
        if (!e.passiveSource.empty()) t["source"] = e.passiveSource;
        if (!e.alignedWith.empty()) t["aligned_with"] = e.alignedWith;
        j["tensors"][name] = t;
    }
    j["nodes"] = json::object();
    for (const auto& [name, n] : plan.nodes) {
        j["nodes"][name] = {{"op", n.op},
                            {"region", nodeRegionName(n.region)},
                            {"rule", opQuantRuleName(n.rule)},
                            {"quantized", n.quantized},
                            {"fused_activation", n.fusedActivation},
                            {"bits", n.bits}};
    }
    j["notes"] = plan.notes;
    return j.dump(1);
}

namespace {

// An integer JSON number that fits T. nlohmann's get<int>() would cast a float such as 3e107 or
// an out-of-range integer (undefined behaviour for the float; found by fuzz_quant_table).
template <class T> bool integerFits(const nlohmann::json& v) {
    if (v.is_number_unsigned()) return v.get<uint64_t>() <= uint64_t(std::numeric_limits<T>::max());
    if (!v.is_number_integer()) return false;
    const int64_t x = v.get<int64_t>();
    return x >= int64_t(std::numeric_limits<T>::min()) &&
           x <= int64_t(std::numeric_limits<T>::max());
}

template <class T> struct VectorElement { using type = void; };
template <class U> struct VectorElement<std::vector<U>> { using type = U; };

template <class T>
Result<T> field(const nlohmann::json& j, const char* key, const std::string& where) {
    if (!j.contains(key)) return makeError(ErrorCode::ParseError, where, ": missing \"", key, "\"");
    const nlohmann::json& v = j.at(key);
    auto notInteger = [&] {
        return makeError(ErrorCode::ParseError, where, ": \"", key,
                         "\" must hold integers in range");
    };
    using Element = typename VectorElement<T>::type;
    // Non-numbers fall through to get<T>() and its "wrong type".
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (v.is_number() && !integerFits<T>(v)) return notInteger();
    } else if constexpr (std::is_integral_v<Element>) {
        if (v.is_array())
            for (const nlohmann::json& x : v)
                if (x.is_number() && !integerFits<Element>(x)) return notInteger();
    }
    try {
        return v.get<T>();
    } catch (const std::exception&) {
        return makeError(ErrorCode::ParseError, where, ": \"", key, "\" has the wrong type");
    }
}

} // namespace

Result<QuantPlan> quantPlanFromJson(const std::string& text) {
    using nlohmann::json;
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return makeError(ErrorCode::ParseError, "not a JSON object");
    QuantPlan plan;
    if (j.contains("model") && j["model"].is_string()) plan.model = j["model"].get<std::string>();
    if (j.contains("settings") && j["settings"].is_object())
        for (const auto& [k, v] : j["settings"].items()) {
            if (v.is_string())
                plan.settings.emplace_back(k, v.get<std::string>());
            else if (v.is_array())
                for (const auto& x : v)
                    if (x.is_string()) plan.settings.emplace_back(k, x.get<std::string>());
        }
    if (!j.contains("tensors") || !j["tensors"].is_object())
        return makeError(ErrorCode::ParseError, "missing \"tensors\" object");
    for (const auto& [name, t] : j["tensors"].items()) {
        const std::string where = "tensor '" + name + "'";
        if (!t.is_object()) return makeError(ErrorCode::ParseError, where, ": not an object");
        TensorQuantEntry e;
        QS_ASSIGN(std::string state, field<std::string>(t, "state", where));
        if (state == "quantized")
            e.params.state = TensorQuantState::Quantized;
        else if (state == "passive")
            e.params.state = TensorQuantState::Passive;
        else if (state == "float")
            e.params.state = TensorQuantState::Float;
        else
            return makeError(ErrorCode::ParseError, where, ": unknown state '", state, "'");
        if (t.contains("role") && t["role"].is_string()) {
            e.isWeight = t["role"] == "weight";
            e.isBias = t["role"] == "bias";
        }
        if (t.contains("source") && t["source"].is_string())
            e.passiveSource = t["source"].get<std::string>();
        if (t.contains("dynamic") && t["dynamic"].is_boolean())
            e.dynamic = t["dynamic"].get<bool>();
        if (t.contains("aligned_with") && t["aligned_with"].is_string())
            e.alignedWith = t["aligned_with"].get<std::string>();
        if (e.params.state != TensorQuantState::Float) {
            QS_ASSIGN(e.params.spec.bits, field<int>(t, "bits", where));
            if (e.params.spec.bits < 2 || e.params.spec.bits > 32)
                return makeError(ErrorCode::ParseError, where, ": bits ", e.params.spec.bits,
                                 " out of range");
            QS_ASSIGN(std::string scheme, field<std::string>(t, "scheme", where));
            if (scheme != "asymmetric" && scheme != "symmetric")
                return makeError(ErrorCode::ParseError, where, ": unknown scheme '", scheme, "'");
            e.params.spec.scheme =
                scheme == "asymmetric" ? QuantScheme::Asymmetric : QuantScheme::Symmetric;
            if (t.contains("signed") && t["signed"].is_boolean())
                e.params.spec.isSigned = t["signed"].get<bool>();
            QS_ASSIGN(std::string gran, field<std::string>(t, "granularity", where));
            if (gran != "tensor" && gran != "channel" && gran != "group")
                return makeError(ErrorCode::ParseError, where, ": unknown granularity '", gran,
                                 "'");
            e.params.spec.granularity = gran == "channel" ? Granularity::PerChannel
                                        : gran == "group" ? Granularity::PerGroup
                                                          : Granularity::PerTensor;
            if (t.contains("axis") && t["axis"].is_number_integer())
                e.params.spec.axis = t["axis"].get<int>();
            if (t.contains("group_size") && t["group_size"].is_number_integer())
                e.params.spec.groupSize = std::max(1, t["group_size"].get<int>());
            if (t.contains("rounding")) {
                QS_ASSIGN(std::string rounding, field<std::string>(t, "rounding", where));
                if (rounding == roundingModeName(RoundingMode::HalfToEven))
                    e.params.spec.rounding = RoundingMode::HalfToEven;
                else if (rounding == roundingModeName(RoundingMode::HalfAwayFromZero))
                    e.params.spec.rounding = RoundingMode::HalfAwayFromZero;
                else
                    return makeError(ErrorCode::ParseError, where, ": unknown rounding '", rounding,
                                     "'");
            }
            if (t.contains("power_of_two") && t["power_of_two"].is_boolean())
                e.params.spec.powerOfTwoScale = t["power_of_two"].get<bool>();
            QS_ASSIGN(e.params.scale, field<std::vector<float>>(t, "scale", where));
            QS_ASSIGN(e.params.zeroPoint, field<std::vector<int32_t>>(t, "zero_point", where));
            if (t.contains("min")) {
                QS_ASSIGN(e.params.min, field<std::vector<float>>(t, "min", where));
            }
            if (t.contains("max")) {
                QS_ASSIGN(e.params.max, field<std::vector<float>>(t, "max", where));
            }
            if (e.params.scale.size() != e.params.zeroPoint.size())
                return makeError(ErrorCode::ParseError, where, ": ", e.params.scale.size(),
                                 " scales but ", e.params.zeroPoint.size(), " zero points");
            for (float s : e.params.scale)
                if (!(s > 0.0f) || !std::isfinite(s))
                    return makeError(ErrorCode::ParseError, where, ": scale ", s,
                                     " is not positive");
            // A clip range beyond float (1e39 reads as inf) would be written back as null.
            for (const auto* v : {&e.params.min, &e.params.max})
                for (float x : *v)
                    if (!std::isfinite(x))
                        return makeError(ErrorCode::ParseError, where, ": ",
                                         v == &e.params.min ? "min " : "max ", x,
                                         " is not a finite float");
        }
        plan.tensors[name] = std::move(e);
    }
    if (j.contains("nodes") && j["nodes"].is_object())
        for (const auto& [name, n] : j["nodes"].items()) {
            if (!n.is_object())
                return makeError(ErrorCode::ParseError, "node '", name, "': not an object");
            NodeQuantInfo info;
            if (n.contains("op") && n["op"].is_string()) info.op = n["op"].get<std::string>();
            if (n.contains("bits") && n["bits"].is_number_integer())
                info.bits = n["bits"].get<int>();
            if (n.contains("quantized") && n["quantized"].is_boolean())
                info.quantized = n["quantized"].get<bool>();
            if (n.contains("fused_activation") && n["fused_activation"].is_boolean())
                info.fusedActivation = n["fused_activation"].get<bool>();
            if (n.contains("rule") && n["rule"].is_string()) {
                const std::string rule = n["rule"].get<std::string>();
                bool known = false;
                for (OpQuantRule r : {OpQuantRule::Weighted, OpQuantRule::Passive,
                                      OpQuantRule::Requantize, OpQuantRule::Float})
                    if (rule == opQuantRuleName(r)) {
                        info.rule = r;
                        known = true;
                    }
                if (!known)
                    return makeError(ErrorCode::ParseError, "node '", name, "': unknown rule '",
                                     rule, "'");
            }
            if (n.contains("region") && n["region"].is_string()) {
                const std::string r = n["region"].get<std::string>();
                info.region = r == "contested"         ? NodeRegion::Contested
                              : r == "non-quantizable" ? NodeRegion::NonQuantizable
                                                       : NodeRegion::Quantizable;
            }
            plan.nodes[name] = info;
        }
    if (j.contains("notes") && j["notes"].is_array())
        for (const auto& note : j["notes"])
            if (note.is_string()) plan.notes.push_back(note.get<std::string>());
    return plan;
}

} // namespace qs
