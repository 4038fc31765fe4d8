#include "quant/passes/inference_optimizer.h"

#include "quant/passes/fold_batch_norm.h"
#include "quant/passes/graph_constants.h"

#include <limits>

namespace qs {

namespace {

bool isPassThrough(const Node& n) {
    if (!n.domain.empty() || n.inputs.empty() || n.outputs.empty() || n.outputs[0] == kNoValue)
        return false;
    if (n.opType == "Identity") return true;
    // Dropout in inference mode, with no mask output requested and no training_mode input.
    return n.opType == "Dropout" && (n.outputs.size() < 2 || n.outputs[1] == kNoValue) &&
           n.inputs.size() < 3;
}

} // namespace

Result<Graph> removePassThroughs(const Graph& input, int* removedCount) {
    Graph g = input;
    std::vector<bool> removed(size_t(g.nodeCount()), false);
    int count = 0;
    for (NodeId n : g.topoOrder()) {
        const Node node = g.node(n);
        if (!isPassThrough(node)) continue;
        const ValueId in = node.inputs[0], out = node.outputs[0];
        if (in == kNoValue) continue;
        Value& outValue = g.value(out);
        if (outValue.isGraphOutput) {
            if (g.value(in).initializer) { // keep the name: the output becomes the constant
                outValue.initializer = g.value(in).initializer;
                removed[size_t(n)] = true;
                ++count;
            }
            continue;
        }
        for (NodeId c : outValue.consumers)
            for (ValueId& v : g.node(c).inputs)
                if (v == out) v = in;
        removed[size_t(n)] = true;
        ++count;
    }
    // Consumers were rewired in place; removeNodes -> finalize recomputes the links.
    QS_TRY(g.removeNodes(removed));
    if (removedCount) *removedCount = count;
    return g;
}

Result<Graph> fuseActivations(const Graph& input, int* fusedCount, std::vector<NodeId>* nodeMap) {
    Graph g = input;
    std::vector<bool> removed(size_t(g.nodeCount()), false);
    int count = 0;
    for (NodeId n : g.topoOrder()) {
        Node& producer = g.node(n);
        if (!producer.domain.empty() || producer.outputs.size() != 1 ||
            producer.outputs[0] == kNoValue)
            continue;
        if (producer.opType != "Conv" && producer.opType != "ConvTranspose" &&
            producer.opType != "Gemm" && producer.opType != "MatMul")
            continue;
        if (producer.attribute("qs_clip_min") || producer.attribute("qs_clip_max")) continue;
        const Value& out = g.value(producer.outputs[0]);
        if (out.consumers.size() != 1 || out.isGraphOutput) continue;
        const NodeId a = out.consumers[0];
        const Node& act = g.node(a);
        if (!act.domain.empty() || act.outputs.empty() || act.outputs[0] == kNoValue) continue;
        float lo = -std::numeric_limits<float>::infinity(),
              hi = std::numeric_limits<float>::infinity();
        if (act.opType == "Relu") {
            lo = 0.0f;
        } else if (act.opType == "Clip") {
            if (g.opsetVersion() < 11) {
                if (const Attribute* m = act.attribute("min")) lo = m->f;
                if (const Attribute* m = act.attribute("max")) hi = m->f;
            } else {
                bool constant = true;
                for (size_t i = 1; i < act.inputs.size() && i < 3; ++i) {
                    if (act.inputs[i] == kNoValue) continue;
                    auto t = constantTensor(g, act.inputs[i]);
                    if (!t || t->numel() != 1 || t->dtype() != DataType::F32) {
                        constant = false;
                        break;
                    }
                    (i == 1 ? lo : hi) = t->toFloatVector()[0];
                }
                if (!constant) continue;
            }
        } else {
            continue;
        }
        Attribute amin, amax;
        amin.kind = amax.kind = Attribute::Kind::Float;
        amin.f = lo;
        amax.f = hi;
        producer.attributes["qs_clip_min"] = amin;
        producer.attributes["qs_clip_max"] = amax;
        producer.outputs[0] = act.outputs[0];
        removed[size_t(a)] = true;
        ++count;
    }
    QS_TRY(g.removeNodes(removed));
    if (fusedCount) *fusedCount = count;
    if (nodeMap) {
        nodeMap->assign(removed.size(), kNoNode);
        NodeId next = 0;
        for (size_t i = 0; i < removed.size(); ++i)
            if (!removed[i]) (*nodeMap)[i] = next++;
    }
    return g;
}

Result<Graph> optimizeForInference(const Graph& graph, InferenceOptimizationReport* report) {
    InferenceOptimizationReport r;
    QS_ASSIGN(Graph g, inlineConstantNodes(graph));
    QS_ASSIGN(g, removePassThroughs(g, &r.identitiesRemoved));
    QS_ASSIGN(BatchNormFoldResult folded, foldBatchNorms(g));
    r.batchNormsFolded = int(folded.folds.size());
    QS_ASSIGN(g, fuseActivations(folded.graph, &r.activationsFused));
    if (report) *report = r;
    return g;
}

} // namespace qs
