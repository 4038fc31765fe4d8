// The one IR that flows through QuantScope: a Graph of Nodes connected by Values. Values and
// nodes are addressed by dense integer ids; a Graph is a value type (copying shares the
// initializer buffers), so a pass takes a Graph and returns a new one.
#pragma once

#include "ir/tensor.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace qs {

using ValueId = int32_t;
using NodeId = int32_t;
constexpr ValueId kNoValue = -1; // an omitted optional input
constexpr NodeId kNoNode = -1;   // a value with no producer (graph input or initializer)

struct Attribute {
    enum class Kind { Int, Float, String, Ints, Floats, Strings, Tensor, Graph };
    Kind kind = Kind::Int;
    int64_t i = 0;
    float f = 0.0f;
    std::string s;
    std::vector<int64_t> ints;
    std::vector<float> floats;
    std::vector<std::string> strings;
    qs::Tensor t;
};

struct Node {
    std::string name;             // never empty: the importer names anonymous nodes "<op>_<index>"
    std::string opType;           // "Conv"
    std::string domain;           // "" for the default ONNX domain
    std::vector<ValueId> inputs;  // kNoValue for an omitted optional input
    std::vector<ValueId> outputs; // kNoValue for an omitted optional output
    std::map<std::string, Attribute> attributes;

    const Attribute* attribute(const std::string& key) const {
        auto it = attributes.find(key);
        return it == attributes.end() ? nullptr : &it->second;
    }
    // "conv_3 (Conv)": the form used in every error message.
    std::string label() const { return name + " (" + opType + ")"; }
};

struct Value {
    std::string name;
    TensorInfo info;                   // declared or inferred type and shape
    std::vector<std::string> dimNames; // symbolic names of dynamic dims ("N", "H"), "" when fixed
    NodeId producer = kNoNode;
    std::vector<NodeId> consumers;     // one entry per consuming input slot's node (may repeat)
    std::optional<Tensor> initializer; // constant data (weights, Constant nodes folded at import)
    bool isGraphInput = false;
    bool isGraphOutput = false;
};

class Graph {
public:
    const std::vector<Node>& nodes() const { return m_nodes; }
    const std::vector<Value>& values() const { return m_values; }
    const Node& node(NodeId id) const { return m_nodes[size_t(id)]; }
    Node& node(NodeId id) { return m_nodes[size_t(id)]; }
    const Value& value(ValueId id) const { return m_values[size_t(id)]; }
    Value& value(ValueId id) { return m_values[size_t(id)]; }
    int32_t nodeCount() const { return int32_t(m_nodes.size()); }
    int32_t valueCount() const { return int32_t(m_values.size()); }

    // Graph inputs that are not initializers, in declaration order.
    const std::vector<ValueId>& inputs() const { return m_inputs; }
    const std::vector<ValueId>& outputs() const { return m_outputs; }

    std::optional<ValueId> findValue(const std::string& name) const;
    std::optional<NodeId> findNode(const std::string& name) const;

    // Building. addValue fails on a duplicate name.
    Result<ValueId> addValue(std::string name);
    ValueId valueOrAdd(const std::string& name);
    NodeId addNode(Node node);
    void setInputs(std::vector<ValueId> inputs) { m_inputs = std::move(inputs); }
    void setOutputs(std::vector<ValueId> outputs) { m_outputs = std::move(outputs); }

    // Removes the marked nodes and every value no longer referenced by a node, a graph input
    // or output (initializers included), renumbers ids, then finalize()s.
    Status removeNodes(const std::vector<bool>& removed);

    // Recomputes producer/consumer links, checks that every input has a producer, an
    // initializer or is a graph input, that every value has one producer, and computes
    // the topological order (error on a cycle, naming a node on it).
    Status finalize();
    // Nodes in a topological order (valid after finalize()).
    const std::vector<NodeId>& topoOrder() const { return m_topoOrder; }

    // Opset of the default domain (e.g. 13) and of others ("com.microsoft" -> 1).
    int64_t opsetVersion(const std::string& domain = "") const;
    std::map<std::string, int64_t>& opsets() { return m_opsets; }
    const std::map<std::string, int64_t>& opsets() const { return m_opsets; }

    // Model metadata, for info and reports.
    std::string name;
    std::string producerName;
    std::string producerVersion;
    int64_t irVersion = 0;

private:
    std::vector<Node> m_nodes;
    std::vector<Value> m_values;
    std::vector<ValueId> m_inputs;
    std::vector<ValueId> m_outputs;
    std::vector<NodeId> m_topoOrder;
    std::unordered_map<std::string, ValueId> m_valueByName;
    std::map<std::string, int64_t> m_opsets;
};

} // namespace qs
