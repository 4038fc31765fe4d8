#include "export/ort_overrides.h"

#include <nlohmann/json.hpp>

namespace qs {

using nlohmann::json;

const char* ortQuantTypeName(int bits, bool isSigned) {
    switch (bits) {
    case 4:
        return isSigned ? "QInt4" : "QUInt4";
    case 8:
        return isSigned ? "QInt8" : "QUInt8";
    case 16:
        return isSigned ? "QInt16" : "QUInt16";
    default:
        return nullptr;
    }
}

OrtOverridesExport ortTensorQuantOverrides(const QuantPlan& plan,
                                           const std::set<std::string>* modelTensors) {
    OrtOverridesExport out;
    json root = json::object();
    int unsupportedBits = 0, perGroup = 0, dynamic = 0, notInModel = 0;
    for (const auto& [name, e] : plan.tensors) {
        const QuantParams& p = e.params;
        if (e.isBias || p.state != TensorQuantState::Quantized || p.scale.empty()) continue;
        if (modelTensors && !modelTensors->count(name)) {
            ++notInModel;
            continue;
        }
        if (e.dynamic) {
            ++dynamic;
            continue;
        }
        const char* type = ortQuantTypeName(p.spec.bits, p.spec.isSigned);
        if (!type) {
            ++unsupportedBits;
            continue;
        }
        if (p.spec.granularity == Granularity::PerGroup) {
            ++perGroup;
            continue;
        }
        json list = json::array();
        if (p.spec.granularity == Granularity::PerTensor) {
            list.push_back(json{{"quant_type", type},
                                {"scale", p.scale[0]},
                                {"zero_point", p.zeroPoint.empty() ? 0 : p.zeroPoint[0]}});
        } else {
            for (size_t c = 0; c < p.scale.size(); ++c) {
                json d{{"scale", p.scale[c]},
                       {"zero_point", c < p.zeroPoint.size() ? p.zeroPoint[c] : 0}};
                if (c == 0) {
                    d["quant_type"] = type;
                    d["axis"] = p.spec.axis;
                }
                list.push_back(std::move(d));
            }
        }
        root[name] = std::move(list);
        ++out.tensors;
    }
    for (const auto& [name, n] : plan.nodes)
        if (!n.quantized && n.region == NodeRegion::Quantizable) out.floatNodes.push_back(name);
    if (unsupportedBits)
        out.notes.push_back(std::to_string(unsupportedBits) +
                            " tensor(s) use a bit width ONNX Runtime has no QuantType for (only "
                            "4, 8, 16); they are left to ORT's defaults");
    if (perGroup)
        out.notes.push_back(std::to_string(perGroup) +
                            " tensor(s) are quantized per group; TensorQuantOverrides has no "
                            "per-group form, they are left to ORT's defaults");
    if (dynamic)
        out.notes.push_back(std::to_string(dynamic) +
                            " dynamic activation(s) are computed at run time and not overridden");
    if (notInModel)
        out.notes.push_back(std::to_string(notInModel) +
                            " tensor(s) exist only in QuantScope's optimized graph (BatchNorm "
                            "folded into weights); ORT folds them itself and chooses their scales");
    if (!out.floatNodes.empty())
        out.notes.push_back(std::to_string(out.floatNodes.size()) +
                            " quantizable node(s) stay float: pass them as nodes_to_exclude");
    out.json = root.dump(1) + "\n";
    return out;
}

} // namespace qs
