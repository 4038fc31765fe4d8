// MatMul (fp32) with numpy semantics: 1-D operands are promoted (A to 1×K, B to K×1) and the
// added dim dropped from the result; batch dims broadcast. Fused clamp (qs_clip_min/max).
//
// A 2-D (or 1-D) B is one GEMM with A's batch dims folded into M, using B packed at create
// when it is constant. Batched B runs one GEMM per batch entry: threads split the entries when
// there are enough of them, else each GEMM is threaded; either way every output element is
// computed the same way.
#include "kernels/sgemm.h"
#include "ops/conv_geometry.h"
#include "ops/op.h"

namespace qs {
namespace {

struct MatMulShape {
    Shape batch; // broadcast batch dims
    int64_t m = 1, k = 1, n = 1;
    Shape output;
};

Result<MatMulShape> matMulShape(const Shape& a, const Shape& b) {
    if (a.empty() || b.empty())
        return makeError(ErrorCode::ShapeMismatch, "MatMul inputs must have at least 1 dim");
    MatMulShape s;
    s.m = a.size() >= 2 ? a[a.size() - 2] : 1;
    s.k = a.back();
    const int64_t kb = b.size() >= 2 ? b[b.size() - 2] : b[0];
    s.n = b.size() >= 2 ? b.back() : 1;
    if (s.k >= 0 && kb >= 0 && s.k != kb)
        return makeError(ErrorCode::ShapeMismatch, "inner dims differ: A ", shapeToString(a),
                         ", B ", shapeToString(b));
    const Shape batchA(a.begin(), a.end() - std::min<ptrdiff_t>(2, ptrdiff_t(a.size())));
    const Shape batchB(b.begin(), b.end() - std::min<ptrdiff_t>(2, ptrdiff_t(b.size())));
    QS_ASSIGN(s.batch, broadcastShapes(batchA, batchB));
    s.output = s.batch;
    if (a.size() >= 2) s.output.push_back(s.m);
    if (b.size() >= 2) s.output.push_back(s.n);
    return s;
}

Status inferMatMul(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(2, 2));
    QS_TRY(ctx.requireType(0, {DataType::F32}));
    QS_TRY(ctx.requireType(1, {DataType::F32}));
    if (!ctx.inputInfo(0).shapeKnown || !ctx.inputInfo(1).shapeKnown) {
        ctx.outputs()[0] = TensorInfo{DataType::F32, {}, false};
        return {};
    }
    QS_ASSIGN(MatMulShape s, matMulShape(ctx.inputShape(0), ctx.inputShape(1)));
    ctx.setOutput(0, DataType::F32, s.output);
    return {};
}

// Element offsets of each broadcast batch entry in an operand with batch dims `own`.
std::vector<int64_t> batchOffsets(const Shape& batch, const Shape& own, int64_t matrixSize) {
    const size_t rank = batch.size();
    std::vector<int64_t> stride(rank, 0);
    int64_t s = matrixSize;
    for (size_t i = 0; i < own.size(); ++i) {
        const size_t ownDim = own.size() - 1 - i, outDim = rank - 1 - i;
        stride[outDim] = own[ownDim] == 1 ? 0 : s;
        s *= own[ownDim];
    }
    const int64_t count = numelOf(batch);
    std::vector<int64_t> offsets(static_cast<size_t>(count));
    std::vector<int64_t> index(rank, 0);
    for (int64_t e = 0; e < count; ++e) {
        int64_t off = 0;
        for (size_t d = 0; d < rank; ++d) off += index[d] * stride[d];
        offsets[size_t(e)] = off;
        for (size_t d = rank; d-- > 0;) {
            if (++index[d] < batch[d]) break;
            index[d] = 0;
        }
    }
    return offsets;
}

class MatMulKernel : public OpKernel {
public:
    static Result<std::unique_ptr<OpKernel>> create(const KernelInit& init) {
        auto k = std::make_unique<MatMulKernel>();
        k->m_clamp = fusedClamp(NodeAttributes(init.node));
        k->m_path = bestSimdPath();
        const Tensor* b = init.constInputs.size() > 1 ? init.constInputs[1] : nullptr;
        if (b && b->dtype() == DataType::F32 && b->rank() == 2) {
            k->m_packedB = SgemmPackedB::pack(k->m_path, b->data<float>(), b->dim(1), false,
                                              b->dim(0), b->dim(1));
            k->m_packedSource = *b;
        }
        return std::unique_ptr<OpKernel>(std::move(k));
    }

    Status run(KernelContext& ctx) override {
        const Tensor& a = ctx.input(0);
        const Tensor& b = ctx.input(1);
        QS_ASSIGN(MatMulShape s, matMulShape(a.shape(), b.shape()));
        Tensor& y = ctx.allocateOutput(0);
        if (y.numel() == 0) return {};
        SgemmEpilogue epi;
        epi.clampMin = m_clamp.lo;
        epi.clampMax = m_clamp.hi;
        const float* ad = a.data<float>();
        const float* bd = b.data<float>();
        float* yd = y.data<float>();
        const int64_t ldb = b.rank() >= 2 ? s.n : 1;
        if (b.rank() <= 2) {
            // One GEMM: A's batch entries are consecutive row blocks of M.
            const int64_t rows = a.numel() / std::max<int64_t>(1, s.k);
            const SgemmMatrix am{ad, s.k, false};
            if (m_packedSource.sharesBufferWith(b) && m_packedSource.shape() == b.shape())
                sgemm(rows, am, m_packedB, yd, s.n, epi, &ctx.pool());
            else
                sgemm(m_path, rows, s.n, s.k, am, SgemmMatrix{bd, ldb, false}, yd, s.n, epi,
                      &ctx.pool());
            return {};
        }
        const Shape batchA(a.shape().begin(), a.shape().end() - std::min(2, a.rank()));
        const Shape batchB(b.shape().begin(), b.shape().end() - 2);
        const std::vector<int64_t> offA = batchOffsets(s.batch, batchA, s.m * s.k);
        const std::vector<int64_t> offB = batchOffsets(s.batch, batchB, s.k * s.n);
        const int64_t entries = int64_t(offA.size());
        const bool splitEntries = entries >= 2 * ctx.pool().threadCount();
        auto work = [&](int64_t e0, int64_t e1) {
            for (int64_t e = e0; e < e1; ++e)
                sgemm(m_path, s.m, s.n, s.k, SgemmMatrix{ad + offA[size_t(e)], s.k, false},
                      SgemmMatrix{bd + offB[size_t(e)], ldb, false}, yd + e * s.m * s.n, s.n, epi,
                      splitEntries ? nullptr : &ctx.pool());
        };
        if (splitEntries)
            ctx.pool().parallelFor(entries, 1, work);
        else
            work(0, entries);
        return {};
    }

private:
    FusedClamp m_clamp{};
    SimdPath m_path = SimdPath::Generic;
    SgemmPackedB m_packedB;
    Tensor m_packedSource;
};

Result<std::unique_ptr<OpKernel>> createMatMul(const KernelInit& init) {
    return MatMulKernel::create(init);
}

} // namespace

extern const OpDef kOpMatMul{.type = "MatMul", .infer = inferMatMul, .create = createMatMul};

} // namespace qs
