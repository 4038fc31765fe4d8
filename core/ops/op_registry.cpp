#include "ops/op_registry.h"

#include <algorithm>
#include <vector>

namespace qs {

// Each op file defines its OpDef(s); adding an op is its file plus one line here.
// --- math and activations ---
extern const OpDef kOpRelu, kOpLeakyRelu, kOpSigmoid, kOpHardSigmoid, kOpHardSwish, kOpElu, kOpSelu,
    kOpCelu, kOpThresholdedRelu, kOpSoftplus, kOpSoftsign, kOpShrink, kOpTanh, kOpErf, kOpExp,
    kOpLog, kOpSqrt, kOpReciprocal, kOpFloor, kOpCeil, kOpRound, kOpSin, kOpCos, kOpTan, kOpAsin,
    kOpAcos, kOpAtan, kOpSinh, kOpCosh, kOpAsinh, kOpAcosh, kOpAtanh, kOpNeg, kOpAbs, kOpSign,
    kOpNot, kOpIsNaN, kOpIsInf, kOpGelu;
extern const OpDef kOpAdd, kOpSub, kOpMul, kOpDiv, kOpMod, kOpPow, kOpEqual, kOpLess, kOpGreater,
    kOpLessOrEqual, kOpGreaterOrEqual, kOpAnd, kOpOr, kOpXor, kOpMax, kOpMin, kOpSum, kOpMean;
extern const OpDef kOpPRelu, kOpClip, kOpWhere, kOpCast, kOpCastLike, kOpSoftmax, kOpLogSoftmax;
extern const OpDef kOpReduceSum, kOpReduceMean, kOpReduceMax, kOpReduceMin, kOpReduceProd,
    kOpReduceL1, kOpReduceL2, kOpReduceSumSquare, kOpReduceLogSum, kOpReduceLogSumExp;
extern const OpDef kOpBatchNormalization, kOpLayerNormalization, kOpInstanceNormalization,
    kOpQuantizeLinear, kOpDequantizeLinear, kOpDynamicQuantizeLinear, kOpHardmax, kOpArgMax,
    kOpArgMin, kOpCumSum;
// --- tensor shape and data movement ---
extern const OpDef kOpIdentity, kOpDropout;
extern const OpDef kOpReshape, kOpFlatten, kOpSqueeze, kOpUnsqueeze, kOpConstant, kOpShape, kOpSize,
    kOpConstantOfShape, kOpRange, kOpConcat, kOpSplit, kOpSlice, kOpGather, kOpTranspose, kOpExpand,
    kOpTile, kOpPad, kOpResize, kOpUpsample;
// --- convolution, matmul, pooling ---
extern const OpDef kOpConv, kOpConvTranspose, kOpGemm, kOpMatMul, kOpMaxPool, kOpAveragePool,
    kOpGlobalAveragePool, kOpGlobalMaxPool;
// --- int8 executor (domain qs.int8) ---
extern const OpDef kOpInt8Quantize, kOpInt8Dequantize, kOpInt8QConv, kOpInt8QGemm, kOpInt8QAdd,
    kOpInt8QMul, kOpInt8Requantize, kOpInt8Lut, kOpInt8Clamp, kOpInt8QAveragePool, kOpInt8QMaxPool,
    kOpInt8QConvTranspose;

namespace {
const OpDef* const kOps[] = {
    // --- math and activations ---
    &kOpRelu, &kOpLeakyRelu, &kOpSigmoid, &kOpHardSigmoid, &kOpHardSwish, &kOpElu, &kOpSelu,
    &kOpCelu, &kOpThresholdedRelu, &kOpSoftplus, &kOpSoftsign, &kOpShrink, &kOpTanh, &kOpErf,
    &kOpExp, &kOpLog, &kOpSqrt, &kOpReciprocal, &kOpFloor, &kOpCeil, &kOpRound, &kOpSin, &kOpCos,
    &kOpTan, &kOpAsin, &kOpAcos, &kOpAtan, &kOpSinh, &kOpCosh, &kOpAsinh, &kOpAcosh, &kOpAtanh,
    &kOpNeg, &kOpAbs, &kOpSign, &kOpNot, &kOpGelu, &kOpAdd, &kOpSub, &kOpMul, &kOpDiv, &kOpMod,
    &kOpPow, &kOpEqual, &kOpLess, &kOpGreater, &kOpLessOrEqual, &kOpGreaterOrEqual, &kOpAnd, &kOpOr,
    &kOpXor, &kOpMax, &kOpMin, &kOpSum, &kOpMean, &kOpPRelu, &kOpClip, &kOpWhere, &kOpCast,
    &kOpCastLike, &kOpSoftmax, &kOpLogSoftmax, &kOpReduceSum, &kOpReduceMean, &kOpReduceMax,
    &kOpReduceMin, &kOpReduceProd, &kOpReduceL1, &kOpReduceL2, &kOpReduceSumSquare,
    &kOpReduceLogSum, &kOpReduceLogSumExp, &kOpBatchNormalization, &kOpLayerNormalization,
    &kOpInstanceNormalization, &kOpQuantizeLinear, &kOpDequantizeLinear, &kOpDynamicQuantizeLinear,
    &kOpHardmax, &kOpArgMax, &kOpArgMin, &kOpCumSum, &kOpIsNaN, &kOpIsInf,
    // --- tensor shape and data movement ---
    &kOpIdentity, &kOpDropout, &kOpReshape, &kOpFlatten, &kOpSqueeze, &kOpUnsqueeze, &kOpConstant,
    &kOpShape, &kOpSize, &kOpConstantOfShape, &kOpRange, &kOpConcat, &kOpSplit, &kOpSlice,
    &kOpGather, &kOpTranspose, &kOpExpand, &kOpTile, &kOpPad, &kOpResize, &kOpUpsample,
    // --- convolution, matmul, pooling ---
    &kOpConv, &kOpConvTranspose, &kOpGemm, &kOpMatMul, &kOpMaxPool, &kOpAveragePool,
    &kOpGlobalAveragePool, &kOpGlobalMaxPool,
    // --- int8 executor (domain qs.int8) ---
    &kOpInt8Quantize, &kOpInt8Dequantize, &kOpInt8QConv, &kOpInt8QGemm, &kOpInt8QAdd, &kOpInt8QMul,
    &kOpInt8Requantize, &kOpInt8Lut, &kOpInt8Clamp, &kOpInt8QAveragePool, &kOpInt8QMaxPool,
    &kOpInt8QConvTranspose,
    nullptr, // keeps the array non-empty while ops are being added
};
} // namespace

const OpDef* findOp(std::string_view domain, std::string_view type) {
    if (domain == "ai.onnx") domain = "";
    for (const OpDef* op : kOps)
        if (op && op->type == type && op->domain == domain) return op;
    return nullptr;
}

std::span<const OpDef* const> allOps() {
    return {kOps, std::size(kOps) - 1};
}

} // namespace qs
