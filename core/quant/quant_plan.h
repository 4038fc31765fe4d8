// QuantPlan: for a whole graph, how every tensor is quantized (bits, scheme, granularity, axis,
// scales, zero points, clip range, state) and how every node takes part (region, rule, bits).
// Serialises to quant_table.json (contract in DESIGN.md). The simulator, the exporters, the
// integer executor and every view read this one struct.
#pragma once

#include "quant/dispatcher.h"
#include "quant/op_quant_rules.h"
#include "quant/quant_params.h"

#include <map>
#include <string>
#include <vector>

namespace qs {

struct NodeQuantInfo {
    std::string op;
    NodeRegion region = NodeRegion::Quantizable;
    OpQuantRule rule = OpQuantRule::Float;
    bool quantized = false; // computes on quantized values (region, --float and mode allowing)
    bool fusedActivation = false; // its output clamp is fused into this node's requantization
    int bits = 0; // weight bits for weighted nodes, activation bits otherwise, 0 = float
};

struct TensorQuantEntry {
    QuantParams params; // state Float: params are empty
    bool isWeight = false;
    bool isBias = false;
    bool dynamic = false;      // activation params computed per input at run time
    std::string passiveSource; // state Passive: the tensor whose params it takes
    std::string alignedWith;   // scale alignment (align-concat): the group's representative tensor;
                               // every member of a group has the same scale and zero point
};

struct QuantPlan {
    std::string model;
    std::vector<std::pair<std::string, std::string>> settings;
    std::map<std::string, TensorQuantEntry> tensors; // by value name
    std::map<std::string, NodeQuantInfo> nodes;      // by node name
    std::vector<std::string> notes;                  // assumptions made ("data-free: ...")

    const TensorQuantEntry* tensor(const std::string& name) const {
        auto it = tensors.find(name);
        return it == tensors.end() ? nullptr : &it->second;
    }
    // Params that apply to a tensor's values: its own, or for a passive tensor its source's.
    const QuantParams* effectiveParams(const std::string& name) const;
};

// quant_table.json text (DESIGN.md contract).
std::string quantPlanToJson(const QuantPlan& plan);
// Reads quant_table.json back; errors name the field at fault.
Result<QuantPlan> quantPlanFromJson(const std::string& json);

} // namespace qs
