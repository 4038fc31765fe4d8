#include "quant/int8/int8_diagnostics.h"

#include "quant/int8/divergence_finder.h"
#include "quant/int8/requantize.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace qs {

int Int8TensorStats::codesUsed() const {
    return int(std::count_if(histogram.begin(), histogram.end(), [](int64_t n) { return n > 0; }));
}

double Int8TensorStats::codesUsedShare() const {
    return double(codesUsed()) / double(std::max(1, qmax - qmin + 1));
}

Int8DiagnosticsCollector::Int8DiagnosticsCollector(const Int8Executor& executor)
    : m_executor(executor) {}

Status Int8DiagnosticsCollector::onTensor(NodeId, ValueId value, Tensor& tensor) {
    if (tensor.dtype() != DataType::U8 && tensor.dtype() != DataType::I8) return {};
    const std::string& name = m_executor.graph().value(value).name;
    const auto& codes = m_executor.program().codes;
    auto c = codes.find(name);
    if (c == codes.end()) return {};
    auto [it, inserted] = m_index.emplace(name, m_result.tensors.size());
    if (inserted) {
        Int8TensorStats s;
        s.tensor = name;
        s.source = c->second.source;
        s.scale = c->second.scale;
        s.zeroPoint = c->second.zeroPoint;
        s.qmin = c->second.qmin;
        s.qmax = c->second.qmax;
        m_result.tensors.push_back(s);
    }
    Int8TensorStats& s = m_result.tensors[it->second];
    const uint8_t flip = tensor.dtype() == DataType::I8 ? 0x80 : 0x00;
    const uint8_t* bytes = static_cast<const uint8_t*>(tensor.rawData());
    for (int64_t i = 0; i < tensor.numel(); ++i) ++s.histogram[bytes[i] ^ flip];
    const int offset = tensor.dtype() == DataType::I8 ? 128 : 0;
    s.atMin = s.histogram[size_t(s.qmin + offset)];
    s.atMax = s.histogram[size_t(s.qmax + offset)];
    s.elements += tensor.numel();
    return {};
}

Int8Diagnostics Int8DiagnosticsCollector::result() const {
    Int8Diagnostics d = m_result;
    d.nodes = int8NodeStats(m_executor.program());
    return d;
}

std::vector<Int8NodeStats> int8NodeStats(const Int8Program& program) {
    std::vector<Int8NodeStats> out;
    const Graph& g = program.graph;
    for (NodeId n : g.topoOrder()) {
        const Node& node = g.node(n);
        if (node.domain != "qs.int8" || (node.opType != "QConv" && node.opType != "QGemm"))
            continue;
        const NodeAttributes a(node);
        Int8NodeStats s;
        s.node = node.name;
        s.op = node.opType;
        const Value& w = g.value(node.inputs[1]);
        if (!w.initializer || w.initializer->dtype() != DataType::I8) continue;
        const int64_t channels = w.initializer->dim(0),
                      k = w.initializer->numel() / std::max<int64_t>(1, channels);
        const float xScale = a.getFloat("x_scale", 1.0f), yScale = a.getFloat("y_scale", 1.0f);
        const std::vector<float> ws = a.getFloats("w_scale");
        const bool floatOut = a.getString("y_type", "u8") == "f32";
        // The input's code range: from its recorded meaning, else the full byte.
        int32_t xMin = 0, xMax = 255;
        if (auto c = program.codes.find(g.value(node.inputs[0]).name); c != program.codes.end())
            xMin = c->second.qmin, xMax = c->second.qmax;
        const int32_t zx = int32_t(a.getInt("x_zero_point", 0));
        const double maxX = std::max(std::abs(zx - xMin), std::abs(xMax - zx));
        const int32_t* bias = node.inputs.size() > 2 && node.inputs[2] != kNoValue &&
                                      g.value(node.inputs[2]).initializer
                                  ? g.value(node.inputs[2]).initializer->data<int32_t>()
                                  : nullptr;
        const auto sums = program.weightAbsSums.find(node.name);
        const int8_t* wd = w.initializer->hasStorage() ? w.initializer->data<int8_t>() : nullptr;
        if (!wd &&
            (sums == program.weightAbsSums.end() || int64_t(sums->second.size()) != channels))
            continue;
        for (int64_t c = 0; c < channels; ++c) {
            double sumAbs = 0;
            if (wd)
                for (int64_t i = 0; i < k; ++i) sumAbs += std::abs(int32_t(wd[c * k + i]));
            else
                sumAbs = double(sums->second[size_t(c)]);
            s.accumulatorBound = std::max(s.accumulatorBound,
                                          sumAbs * maxX + (bias ? std::abs(double(bias[c])) : 0.0));
            if (!floatOut && size_t(c) < ws.size()) {
                const int8::ChannelRequant r =
                    int8::makeChannelRequant(xScale * ws[size_t(c)] / yScale);
                s.multipliers.push_back(r.multiplier);
                s.m0.push_back(r.fixed.m0);
                s.shift.push_back(r.fixed.shift);
            }
        }
        s.headroomBits =
            s.accumulatorBound > 0 ? std::log2(2147483648.0 / s.accumulatorBound) : 31.0;
        out.push_back(std::move(s));
    }
    return out;
}

std::string int8DiagnosticsToJson(const Int8Diagnostics& d, const DivergenceReport* divergence) {
    using nlohmann::json;
    json j;
    j["runs"] = d.runs;
    j["tensors"] = json::array();
    for (const Int8TensorStats& s : d.tensors) {
        const double n = double(std::max<int64_t>(1, s.elements));
        j["tensors"].push_back({{"tensor", s.tensor},
                                {"source", s.source},
                                {"scale", s.scale},
                                {"zero_point", s.zeroPoint},
                                {"qmin", s.qmin},
                                {"qmax", s.qmax},
                                {"elements", s.elements},
                                {"codes_used", s.codesUsed()},
                                {"codes_used_share", s.codesUsedShare()},
                                {"saturation_low", double(s.atMin) / n},
                                {"saturation_high", double(s.atMax) / n}});
    }
    j["nodes"] = json::array();
    for (const Int8NodeStats& s : d.nodes)
        j["nodes"].push_back({{"node", s.node},
                              {"op", s.op},
                              {"multiplier", s.multipliers},
                              {"m0", s.m0},
                              {"shift", s.shift},
                              {"accumulator_bound", s.accumulatorBound},
                              {"headroom_bits", s.headroomBits}});
    if (divergence) j["divergence"] = json::parse(divergenceToJson(*divergence));
    return j.dump(1);
}

} // namespace qs
