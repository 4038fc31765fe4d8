#include "ops/op_registry.h"

#include <algorithm>
#include <vector>

namespace qs {

// Each op file defines its OpDef(s); adding an op is its file plus one line here.
// --- math and activations ---
// --- tensor shape and data movement ---
extern const OpDef kOpIdentity, kOpDropout;
extern const OpDef kOpReshape, kOpFlatten, kOpSqueeze, kOpUnsqueeze, kOpConstant, kOpShape, kOpSize,
    kOpConstantOfShape, kOpRange, kOpConcat, kOpSplit, kOpSlice, kOpGather, kOpTranspose, kOpExpand, kOpTile,
    kOpPad, kOpResize, kOpUpsample;
// --- convolution, matmul, pooling ---

namespace {
const OpDef* const kOps[] = {
    // --- math and activations ---
    // --- tensor shape and data movement ---
    &kOpIdentity, &kOpDropout,
    &kOpReshape, &kOpFlatten, &kOpSqueeze, &kOpUnsqueeze, &kOpConstant, &kOpShape, &kOpSize,
    &kOpConstantOfShape, &kOpRange, &kOpConcat, &kOpSplit, &kOpSlice, &kOpGather, &kOpTranspose, &kOpExpand,
    &kOpTile, &kOpPad, &kOpResize, &kOpUpsample,
    // --- convolution, matmul, pooling ---
    nullptr, // keeps the array non-empty while ops are being added
};
} // namespace

const OpDef* findOp(std::string_view domain, std::string_view type)
{
    if (domain == "ai.onnx") domain = "";
    for (const OpDef* op : kOps)
        if (op && op->type == type && op->domain == domain) return op;
    return nullptr;
}

std::span<const OpDef* const> allOps()
{
    return {kOps, std::size(kOps) - 1};
}

} // namespace qs
