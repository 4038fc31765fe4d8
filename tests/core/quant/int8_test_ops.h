// Building and running one qs.int8 op in a test (test_int8_executor, test_int8_conv_transpose).
#pragma once

#include "exec/node_runner.h"
#include "ops/op_registry.h"
#include "util/thread_pool.h"

#include <map>
#include <string>
#include <vector>

namespace qs::testing {

inline Attribute attrI(int64_t v) {
    Attribute a;
    a.kind = Attribute::Kind::Int;
    a.i = v;
    return a;
}
inline Attribute attrF(float v) {
    Attribute a;
    a.kind = Attribute::Kind::Float;
    a.f = v;
    return a;
}
inline Attribute attrS(const std::string& v) {
    Attribute a;
    a.kind = Attribute::Kind::String;
    a.s = v;
    return a;
}
inline Attribute attrFs(const std::vector<float>& v) {
    Attribute a;
    a.kind = Attribute::Kind::Floats;
    a.floats = v;
    return a;
}
inline Attribute attrIs(const std::vector<int64_t>& v) {
    Attribute a;
    a.kind = Attribute::Kind::Ints;
    a.ints = v;
    return a;
}

inline Node int8Node(const std::string& op, int inputs, std::map<std::string, Attribute> attrs) {
    Node n;
    n.name = "test_" + op;
    n.opType = op;
    n.domain = "qs.int8";
    for (int i = 0; i < inputs; ++i) n.inputs.push_back(i);
    n.outputs.push_back(inputs);
    n.attributes = std::move(attrs);
    return n;
}

inline Result<Tensor> runInt8Op(const Node& node, const std::vector<const Tensor*>& inputs) {
    const OpDef* op = findOp(node.domain, node.opType);
    if (!op) return makeError(ErrorCode::NotFound, "no op ", node.opType);
    ThreadPool pool(2);
    QS_ASSIGN(std::vector<Tensor> outs, runNodeOnce(*op, node, 1, inputs, pool));
    return outs[0];
}

inline int32_t codeOf(const Tensor& t, int64_t i) {
    return t.dtype() == DataType::U8 ? int32_t(t.data<uint8_t>()[i]) : int32_t(t.data<int8_t>()[i]);
}

} // namespace qs::testing
