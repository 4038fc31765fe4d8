#include "ir/graph.h"

#include <algorithm>
#include <queue>

namespace qs {

std::optional<ValueId> Graph::findValue(const std::string& name) const {
    auto it = m_valueByName.find(name);
    if (it == m_valueByName.end()) return std::nullopt;
    return it->second;
}

std::optional<NodeId> Graph::findNode(const std::string& name) const {
    for (size_t i = 0; i < m_nodes.size(); ++i)
        if (m_nodes[i].name == name) return NodeId(i);
    return std::nullopt;
}

Result<ValueId> Graph::addValue(std::string name) {
    if (m_valueByName.count(name))
        return makeError(ErrorCode::InvalidModel, "value '", name, "' is defined twice");
    const auto id = ValueId(m_values.size());
    m_valueByName.emplace(name, id);
    Value v;
    v.name = std::move(name);
    m_values.push_back(std::move(v));
    return id;
}

ValueId Graph::valueOrAdd(const std::string& name) {
    if (auto id = findValue(name)) return *id;
    return addValue(name).value();
}

NodeId Graph::addNode(Node node) {
    m_nodes.push_back(std::move(node));
    return NodeId(m_nodes.size() - 1);
}

Status Graph::removeNodes(const std::vector<bool>& removed) {
    std::vector<Node> nodes;
    for (size_t i = 0; i < m_nodes.size(); ++i)
        if (i >= removed.size() || !removed[i]) nodes.push_back(std::move(m_nodes[i]));
    std::vector<bool> used(m_values.size(), false);
    for (const Node& n : nodes) {
        for (ValueId v : n.inputs)
            if (v != kNoValue) used[size_t(v)] = true;
        for (ValueId v : n.outputs)
            if (v != kNoValue) used[size_t(v)] = true;
    }
    for (ValueId v : m_inputs) used[size_t(v)] = true;
    for (ValueId v : m_outputs) used[size_t(v)] = true;
    std::vector<ValueId> remap(m_values.size(), kNoValue);
    std::vector<Value> values;
    m_valueByName.clear();
    for (size_t i = 0; i < m_values.size(); ++i) {
        if (!used[i]) continue;
        remap[i] = ValueId(values.size());
        m_valueByName[m_values[i].name] = remap[i];
        values.push_back(std::move(m_values[i]));
    }
    auto mapIds = [&](std::vector<ValueId>& ids) {
        for (ValueId& v : ids)
            if (v != kNoValue) v = remap[size_t(v)];
    };
    for (Node& n : nodes) {
        mapIds(n.inputs);
        mapIds(n.outputs);
    }
    mapIds(m_inputs);
    mapIds(m_outputs);
    m_nodes = std::move(nodes);
    m_values = std::move(values);
    return finalize();
}

int64_t Graph::opsetVersion(const std::string& domain) const {
    const std::string key = domain == "ai.onnx" ? std::string() : domain;
    auto it = m_opsets.find(key);
    return it == m_opsets.end() ? 0 : it->second;
}

Status Graph::finalize() {
    for (auto& v : m_values) {
        v.producer = kNoNode;
        v.consumers.clear();
        v.isGraphInput = false;
        v.isGraphOutput = false;
    }
    for (ValueId id : m_inputs) m_values[size_t(id)].isGraphInput = true;
    for (ValueId id : m_outputs) m_values[size_t(id)].isGraphOutput = true;

    for (NodeId n = 0; n < nodeCount(); ++n) {
        const Node& node = m_nodes[size_t(n)];
        for (ValueId out : node.outputs) {
            if (out == kNoValue) continue;
            Value& v = m_values[size_t(out)];
            if (v.producer != kNoNode)
                return makeError(ErrorCode::InvalidModel, "value '", v.name,
                                 "' is produced by both node ", m_nodes[size_t(v.producer)].label(),
                                 " and node ", node.label());
            if (v.initializer || v.isGraphInput)
                return makeError(ErrorCode::InvalidModel, "node ", node.label(), " writes '",
                                 v.name, "', which is a graph input or initializer");
            v.producer = n;
        }
    }
    for (NodeId n = 0; n < nodeCount(); ++n) {
        const Node& node = m_nodes[size_t(n)];
        for (ValueId in : node.inputs) {
            if (in == kNoValue) continue;
            Value& v = m_values[size_t(in)];
            if (v.producer == kNoNode && !v.initializer && !v.isGraphInput)
                return makeError(ErrorCode::InvalidModel, "node ", node.label(), " reads '", v.name,
                                 "', which no node, initializer or graph input defines");
            v.consumers.push_back(n);
        }
    }
    for (ValueId out : m_outputs) {
        const Value& v = m_values[size_t(out)];
        if (v.producer == kNoNode && !v.initializer && !v.isGraphInput)
            return makeError(ErrorCode::InvalidModel, "graph output '", v.name,
                             "' is not produced by any node");
    }

    // Kahn's algorithm in node order, so the result is deterministic and keeps file order
    // where the file is already sorted.
    std::vector<int32_t> pending(m_nodes.size(), 0);
    for (NodeId n = 0; n < nodeCount(); ++n)
        for (ValueId in : m_nodes[size_t(n)].inputs)
            if (in != kNoValue && m_values[size_t(in)].producer != kNoNode) ++pending[size_t(n)];
    m_topoOrder.clear();
    m_topoOrder.reserve(m_nodes.size());
    std::priority_queue<NodeId, std::vector<NodeId>, std::greater<>> ready; // lowest id first
    for (NodeId n = 0; n < nodeCount(); ++n)
        if (pending[size_t(n)] == 0) ready.push(n);
    while (!ready.empty()) {
        const NodeId n = ready.top();
        ready.pop();
        m_topoOrder.push_back(n);
        for (ValueId out : m_nodes[size_t(n)].outputs) {
            if (out == kNoValue) continue;
            for (NodeId c : m_values[size_t(out)].consumers)
                if (--pending[size_t(c)] == 0) ready.push(c);
        }
    }
    if (m_topoOrder.size() != m_nodes.size()) {
        for (NodeId n = 0; n < nodeCount(); ++n)
            if (pending[size_t(n)] > 0)
                return makeError(ErrorCode::InvalidModel, "the graph has a cycle through node ",
                                 m_nodes[size_t(n)].label());
    }
    return {};
}

} // namespace qs
