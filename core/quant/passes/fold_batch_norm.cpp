#include "quant/passes/fold_batch_norm.h"

#include "quant/passes/graph_constants.h"

#include <cmath>

namespace qs {

namespace {

std::vector<float> floats(const Tensor& t) {
    return t.toFloatVector();
}

int64_t groupOf(const Node& node) {
    const Attribute* a = node.attribute("group");
    return a && a->kind == Attribute::Kind::Int && a->i > 0 ? a->i : 1;
}

// Multiplies the weight's output-channel slices by f. Layouts: Conv W[Cout, Cin/g, k...];
// ConvTranspose W[Cin, Cout/g, k...] (output channel = group·Cout/g + j); Gemm B[K, N] or
// B[N, K] with transB.
Result<Tensor> scaleWeight(const Node& target, const Tensor& w, const std::vector<float>& f) {
    Tensor out = w.castTo(DataType::F32).clone();
    float* p = out.data<float>();
    const int64_t cout = int64_t(f.size());
    if (target.opType == "Conv") {
        if (out.rank() < 1 || out.dim(0) != cout)
            return makeError(ErrorCode::ShapeMismatch, "weight has ", out.dim(0),
                             " output channels, BN has ", cout);
        const int64_t inner = out.numel() / cout;
        for (int64_t c = 0; c < cout; ++c)
            for (int64_t i = 0; i < inner; ++i) p[c * inner + i] *= f[size_t(c)];
        return out;
    }
    if (target.opType == "ConvTranspose") {
        const int64_t group = groupOf(target);
        if (out.rank() < 2 || out.dim(1) * group != cout)
            return makeError(ErrorCode::ShapeMismatch, "ConvTranspose weight does not have ", cout,
                             " output channels");
        const int64_t cin = out.dim(0), coutG = out.dim(1), inner = out.numel() / (cin * coutG);
        const int64_t cinG = cin / group;
        for (int64_t ci = 0; ci < cin; ++ci)
            for (int64_t j = 0; j < coutG; ++j) {
                const float s = f[size_t((ci / cinG) * coutG + j)];
                float* q = p + (ci * coutG + j) * inner;
                for (int64_t i = 0; i < inner; ++i) q[i] *= s;
            }
        return out;
    }
    // Gemm
    bool transB = false;
    if (const Attribute* a = target.attribute("transB")) transB = a->i != 0;
    if (out.rank() != 2) return makeError(ErrorCode::ShapeMismatch, "Gemm weight is not 2-D");
    const int64_t rows = out.dim(0), cols = out.dim(1);
    if ((transB ? rows : cols) != cout)
        return makeError(ErrorCode::ShapeMismatch, "Gemm weight does not have ", cout, " outputs");
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) p[r * cols + c] *= f[size_t(transB ? r : c)];
    return out;
}

} // namespace

Result<BatchNormFoldResult> foldBatchNorms(const Graph& input) {
    BatchNormFoldResult result;
    QS_ASSIGN(Graph g, inlineConstantNodes(input));
    std::vector<bool> removed(size_t(g.nodeCount()), false);

    for (NodeId bnId : g.topoOrder()) {
        const Node bn = g.node(bnId); // copy: g's nodes are edited below
        if (bn.opType != "BatchNormalization" || !bn.domain.empty()) continue;
        auto skip = [&](const std::string& why) {
            result.notFolded.push_back(bn.name + ": " + why);
        };
        if (bn.inputs.size() != 5 || bn.outputs.empty() || bn.outputs[0] == kNoValue) {
            skip("not an inference-mode BatchNormalization");
            continue;
        }
        bool trainingOutputs = false;
        for (size_t i = 1; i < bn.outputs.size(); ++i)
            if (bn.outputs[i] != kNoValue) trainingOutputs = true;
        if (trainingOutputs) {
            skip("has training-mode outputs");
            continue;
        }
        const ValueId x = bn.inputs[0];
        const Value& xv = g.value(x);
        if (xv.producer == kNoNode || removed[size_t(xv.producer)]) {
            skip("its input is not produced by a node");
            continue;
        }
        const NodeId targetId = xv.producer;
        Node& target = g.node(targetId);
        const bool foldable =
            target.domain.empty() && (target.opType == "Conv" || target.opType == "ConvTranspose" ||
                                      target.opType == "Gemm");
        if (!foldable) {
            skip("its input comes from " + target.opType + ", not a Conv, ConvTranspose or Gemm");
            continue;
        }
        if (xv.consumers.size() != 1 || xv.isGraphOutput) {
            skip("the " + target.opType + " output has other readers");
            continue;
        }
        auto scale = constantTensor(g, bn.inputs[1]);
        auto bias = constantTensor(g, bn.inputs[2]);
        auto mean = constantTensor(g, bn.inputs[3]);
        auto var = constantTensor(g, bn.inputs[4]);
        auto weight = target.inputs.size() > 1 ? constantTensor(g, target.inputs[1]) : std::nullopt;
        std::optional<Tensor> oldBias = target.inputs.size() > 2 && target.inputs[2] != kNoValue
                                            ? constantTensor(g, target.inputs[2])
                                            : std::optional<Tensor>(Tensor());
        if (!scale || !bias || !mean || !var || !weight || !oldBias) {
            skip("its statistics or the weights are not constant");
            continue;
        }
        const float eps = bn.attribute("epsilon") ? bn.attribute("epsilon")->f : 1e-5f;
        FoldedBatchNorm rec;
        rec.batchNormNode = bn.name;
        rec.targetNode = target.name;
        rec.gamma = floats(*scale);
        rec.beta = floats(*bias);
        rec.mean = floats(*mean);
        rec.var = floats(*var);
        const size_t c = rec.gamma.size();
        if (rec.beta.size() != c || rec.mean.size() != c || rec.var.size() != c) {
            skip("its parameters differ in length");
            continue;
        }
        if (target.opType == "Gemm") {
            const float alpha = target.attribute("alpha") ? target.attribute("alpha")->f : 1.0f;
            const float beta = target.attribute("beta") ? target.attribute("beta")->f : 1.0f;
            if (alpha != 1.0f || beta != 1.0f ||
                (target.attribute("transA") && target.attribute("transA")->i)) {
                skip("Gemm with alpha/beta/transA is not folded");
                continue;
            }
            if (!oldBias->isNull() && oldBias->numel() != int64_t(c)) {
                skip("Gemm bias is not per output");
                continue;
            }
        }
        rec.factor.resize(c);
        std::vector<float> newBias(c);
        const std::vector<float> b0 =
            oldBias->isNull() ? std::vector<float>(c, 0.0f) : floats(*oldBias);
        if (b0.size() != c) {
            skip("bias length differs from the channel count");
            continue;
        }
        for (size_t i = 0; i < c; ++i) {
            // In double: σ² + ε can be tiny, and the factor multiplies every weight of the channel.
            const double f = double(rec.gamma[i]) / std::sqrt(double(rec.var[i]) + double(eps));
            rec.factor[i] = float(f);
            newBias[i] = float(double(rec.beta[i]) + (double(b0[i]) - double(rec.mean[i])) * f);
        }
        auto newWeight = scaleWeight(target, *weight, rec.factor);
        if (!newWeight) {
            skip(newWeight.message());
            continue;
        }
        rec.originalWeight = g.value(target.inputs[1]).name;
        // New values for the folded weight and bias (the originals may be shared).
        QS_ASSIGN(ValueId wId, g.addValue(target.name + ".weight_bn_folded"));
        g.value(wId).initializer = *newWeight;
        g.value(wId).info = TensorInfo{DataType::F32, newWeight->shape(), true};
        QS_ASSIGN(ValueId bId, g.addValue(target.name + ".bias_bn_folded"));
        Tensor biasT = Tensor::fromVector<float>({int64_t(c)}, newBias);
        g.value(bId).initializer = biasT;
        g.value(bId).info = TensorInfo{DataType::F32, biasT.shape(), true};
        Node& t = g.node(targetId);
        t.inputs[1] = wId;
        if (t.inputs.size() < 3) t.inputs.resize(3, kNoValue);
        t.inputs[2] = bId;
        t.outputs[0] = bn.outputs[0]; // the target now writes the BN's output
        rec.foldedWeight = g.value(wId).name;
        rec.outputValue = g.value(bn.outputs[0]).name;
        removed[size_t(bnId)] = true;
        result.folds.push_back(std::move(rec));
    }
    QS_TRY(g.removeNodes(removed));
    result.graph = std::move(g);
    return result;
}

} // namespace qs
