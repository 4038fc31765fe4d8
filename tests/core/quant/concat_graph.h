// A tiny graph with a Concat for the scale-alignment tests (plan, simulator, QDQ export, ORT):
//   x [1,2,2,2] -> Conv(w1, b1) -> y1 -> MaxPool(1x1) -> p1 --+
//   x           -> Conv(w3, b3) -> y3 ------------------------+-> Concat(axis 1) -> c [1,4,2,2]
//   y1 -> Conv(w2, b2) -> z [1,1,2,2]
// y1 reaches the Concat through a passive op (MaxPool), so alignment must reach its producer,
// and y1 has a second reader with a bias (whose int32 scale s_y1·s_w2 must follow).
#pragma once

#include "ir/graph.h"

#include <string>
#include <vector>

namespace qs::testing {

inline Graph makeConcatGraph() {
    Graph g;
    auto value = [&](const char* name, Shape shape) {
        const ValueId id = g.addValue(name).value();
        g.value(id).info = TensorInfo{DataType::F32, std::move(shape), true};
        return id;
    };
    auto init = [&](const char* name, Shape s, std::vector<float> v) {
        const ValueId id = value(name, s);
        g.value(id).initializer = Tensor::fromVector<float>(s, v);
        return id;
    };
    auto node = [&](const char* name, const char* op, std::vector<ValueId> ins,
                    std::vector<ValueId> outs) -> Node& {
        Node n;
        n.name = name;
        n.opType = op;
        n.inputs = std::move(ins);
        n.outputs = std::move(outs);
        return g.node(g.addNode(std::move(n)));
    };
    auto ints = [](std::vector<int64_t> v) {
        Attribute a;
        a.kind = Attribute::Kind::Ints;
        a.ints = std::move(v);
        return a;
    };
    const ValueId x = value("x", {1, 2, 2, 2});
    const ValueId w1 = init("w1", {2, 2, 1, 1}, {1.5f, -0.5f, 2.0f, 1.0f}),
                  b1 = init("b1", {2}, {0.25f, -0.5f});
    const ValueId w2 = init("w2", {1, 2, 1, 1}, {0.5f, -0.25f}), b2 = init("b2", {1}, {0.125f});
    const ValueId w3 = init("w3", {2, 2, 1, 1}, {3.0f, 1.0f, -1.0f, 4.0f}),
                  b3 = init("b3", {2}, {2.0f, 5.0f});
    const ValueId y1 = value("y1", {1, 2, 2, 2}), y3 = value("y3", {1, 2, 2, 2}),
                  p1 = value("p1", {1, 2, 2, 2}), c = value("c", {1, 4, 2, 2}),
                  z = value("z", {1, 1, 2, 2});
    node("conv1", "Conv", {x, w1, b1}, {y1});
    Node& pool = node("pool", "MaxPool", {y1}, {p1});
    pool.attributes["kernel_shape"] = ints({1, 1});
    node("conv3", "Conv", {x, w3, b3}, {y3});
    Node& concat = node("concat", "Concat", {p1, y3}, {c});
    Attribute axis;
    axis.kind = Attribute::Kind::Int;
    axis.i = 1;
    concat.attributes["axis"] = axis;
    node("conv2", "Conv", {y1, w2, b2}, {z});
    g.setInputs({x});
    g.setOutputs({c, z});
    g.opsets()[""] = 13;
    g.name = "concat_graph";
    return g;
}

} // namespace qs::testing
