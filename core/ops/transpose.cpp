// Transpose by 'perm' (default: reversed dims), for any element type. The copy is a strided
// view of the input; strided_copy.cpp has the blocked fast path for 2-D-like transposes
// such as NCHW <-> NHWC.
#include "ops/op.h"
#include "ops/strided_copy.h"

#include <numeric>

namespace qs {
namespace {

Result<std::vector<int64_t>> permutation(const NodeAttributes& attrs, int rank) {
    std::vector<int64_t> perm = attrs.getInts("perm");
    if (perm.empty()) {
        perm.resize(size_t(rank));
        std::iota(perm.rbegin(), perm.rend(), 0);
        return perm;
    }
    if (int(perm.size()) != rank)
        return makeError(ErrorCode::InvalidModel, "perm has ", perm.size(),
                         " entries, the input has ", rank, " dims");
    std::vector<bool> seen(size_t(rank), false);
    for (int64_t& p : perm) {
        if (p < 0) p += rank; // not in the spec, but ONNX Runtime accepts it too
        if (p < 0 || p >= rank || seen[size_t(p)])
            return makeError(ErrorCode::InvalidModel, "perm is not a permutation of 0..", rank - 1);
        seen[size_t(p)] = true;
    }
    return perm;
}

Status inferTranspose(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1));
    const TensorInfo& in = ctx.inputInfo(0);
    if (!in.shapeKnown) {
        ctx.outputs()[0] = TensorInfo{in.dtype, {}, false};
        return {};
    }
    QS_ASSIGN(std::vector<int64_t> perm, permutation(ctx, int(in.shape.size())));
    Shape out;
    for (int64_t p : perm) out.push_back(in.shape[size_t(p)]);
    ctx.setOutput(0, in.dtype, std::move(out));
    return {};
}

Status computeTranspose(KernelContext& ctx) {
    const Tensor& in = ctx.input(0);
    QS_ASSIGN(std::vector<int64_t> perm, permutation(ctx, in.rank()));
    const std::vector<int64_t> inStrides = stridesOf(in.shape());
    std::vector<int64_t> strides;
    for (int64_t p : perm) strides.push_back(inStrides[size_t(p)]);
    Tensor& out = ctx.allocateOutput(0);
    copyStrided(out.rawData(), in.rawData(), dataTypeSize(in.dtype()), out.shape(), strides,
                ctx.pool());
    return {};
}

} // namespace

extern const OpDef kOpTranspose{
    .type = "Transpose", .infer = inferTranspose, .compute = computeTranspose};

} // namespace qs
