// Gemm (fp32): Y = alpha·op(A)·op(B) + beta·C, op = optional transpose, C broadcast to M×N
// (optional from opset 11), plus the fused clamp (qs_clip_min/qs_clip_max).
//
// A constant B (the usual fully connected weights) is packed on the first run with more than
// kGemvRows rows; until then (batch-1 inference, the common case) rows of A are multiplied
// straight against B with dot products or row updates — a GEMV gains nothing from packed
// panels, and not packing keeps one copy of the weights in memory instead of two. A constant A
// is packed once at create, alpha applied while packing (so alpha·a is rounded before the
// products).
// C with beta = 1 as a vector of N or a column of M is the GEMM's bias epilogue; any other C is
// first written into Y as beta·C and the product accumulated onto it.
#include "kernels/sgemm.h"
#include "ops/conv_geometry.h"
#include "ops/op.h"
#include "util/thread_pool.h"

#include <algorithm>
#include <mutex>
#include <vector>

namespace qs {
namespace {

constexpr int64_t kGemvRows = 4;

// y[i, j] = alpha * sum_k a(i, k) * b(k, j) for few rows i, B unpacked; then the epilogue.
void smallRowsGemm(int64_t m, int64_t n, int64_t k, SgemmMatrix a, SgemmMatrix b, float alpha,
                   float* y, const SgemmEpilogue& epi, ThreadPool& pool) {
    auto finish = [&](int64_t i, int64_t j, float acc) {
        float v = alpha * acc;
        if (epi.accumulate) v += y[i * n + j];
        if (epi.biasKind == BiasKind::PerColumn)
            v += epi.bias[j];
        else if (epi.biasKind == BiasKind::PerRow)
            v += epi.bias[i];
        y[i * n + j] = std::min(std::max(v, epi.clampMin), epi.clampMax);
    };
    auto aAt = [&](int64_t i, int64_t kk) {
        return a.transposed ? a.data[kk * a.ld + i] : a.data[i * a.ld + kk];
    };
    const int64_t grain = std::max<int64_t>(16, (1 << 14) / std::max<int64_t>(k, 1));
    pool.parallelFor(n, grain, [&](int64_t j0, int64_t j1) {
        std::vector<float> arow(static_cast<size_t>(k));
        std::vector<float> acc;
        for (int64_t i = 0; i < m; ++i) {
            for (int64_t kk = 0; kk < k; ++kk) arow[size_t(kk)] = aAt(i, kk);
            if (b.transposed) {
                // B stored N×K: each output is a dot product of two contiguous rows.
                for (int64_t j = j0; j < j1; ++j) {
                    const float* brow = b.data + j * b.ld;
                    float s[8] = {};
                    int64_t kk = 0;
                    for (; kk + 8 <= k; kk += 8)
                        for (int l = 0; l < 8; ++l) s[l] += arow[size_t(kk + l)] * brow[kk + l];
                    float t = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
                    for (; kk < k; ++kk) t += arow[size_t(kk)] * brow[kk];
                    finish(i, j, t);
                }
            } else {
                // B stored K×N: accumulate scaled rows of B.
                acc.assign(size_t(j1 - j0), 0.0f);
                for (int64_t kk = 0; kk < k; ++kk) {
                    const float av = arow[size_t(kk)];
                    const float* brow = b.data + kk * b.ld + j0;
                    for (int64_t j = 0; j < j1 - j0; ++j) acc[size_t(j)] += av * brow[j];
                }
                for (int64_t j = j0; j < j1; ++j) finish(i, j, acc[size_t(j - j0)]);
            }
        }
    });
}

struct GemmDims {
    int64_t m = -1, n = -1, k = -1;
};

Result<GemmDims> gemmDims(const NodeAttributes& node, const Shape& a, const Shape& b) {
    if (a.size() != 2)
        return makeError(ErrorCode::ShapeMismatch, "input A has ", a.size(), " dims, expected 2");
    if (b.size() != 2)
        return makeError(ErrorCode::ShapeMismatch, "input B has ", b.size(), " dims, expected 2");
    const bool ta = node.getInt("transA", 0) != 0, tb = node.getInt("transB", 0) != 0;
    GemmDims d;
    d.m = ta ? a[1] : a[0];
    d.k = ta ? a[0] : a[1];
    const int64_t kb = tb ? b[1] : b[0];
    d.n = tb ? b[0] : b[1];
    if (d.k >= 0 && kb >= 0 && d.k != kb)
        return makeError(ErrorCode::ShapeMismatch, "A", ta ? "^T" : "", " is ", d.m, "x", d.k,
                         " but B", tb ? "^T" : "", " is ", kb, "x", d.n);
    return d;
}

Status checkC(const Shape& c, const GemmDims& d) {
    if (c.size() > 2)
        return makeError(ErrorCode::ShapeMismatch, "input C has ", c.size(),
                         " dims, expected at most 2");
    const int64_t cm = c.size() == 2 ? c[0] : 1;
    const int64_t cn = c.empty() ? 1 : c.back();
    if ((cm != 1 && cm >= 0 && d.m >= 0 && cm != d.m) ||
        (cn != 1 && cn >= 0 && d.n >= 0 && cn != d.n))
        return makeError(ErrorCode::ShapeMismatch, "input C of shape ", shapeToString(c),
                         " cannot be broadcast to [", d.m, ",", d.n, "]");
    return {};
}

Status inferGemm(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(2, 3));
    for (int i = 0; i < ctx.numInputs(); ++i)
        if (ctx.hasInput(i)) QS_TRY(ctx.requireType(i, {DataType::F32}));
    if (!ctx.inputInfo(0).shapeKnown || !ctx.inputInfo(1).shapeKnown) {
        ctx.setOutput(0, DataType::F32, {-1, -1});
        return {};
    }
    QS_ASSIGN(GemmDims d, gemmDims(ctx, ctx.inputShape(0), ctx.inputShape(1)));
    if (ctx.hasInput(2) && ctx.inputInfo(2).shapeKnown) QS_TRY(checkC(ctx.inputShape(2), d));
    ctx.setOutput(0, DataType::F32, {d.m, d.n});
    return {};
}

class GemmKernel : public OpKernel {
public:
    static Result<std::unique_ptr<OpKernel>> create(const KernelInit& init) {
        auto k = std::make_unique<GemmKernel>();
        const NodeAttributes attrs(init.node);
        k->m_transA = attrs.getInt("transA", 0) != 0;
        k->m_transB = attrs.getInt("transB", 0) != 0;
        k->m_alpha = attrs.getFloat("alpha", 1.0f);
        k->m_beta = attrs.getFloat("beta", 1.0f);
        k->m_clamp = fusedClamp(attrs);
        k->m_path = bestSimdPath();
        auto constF32Matrix = [&](int i) -> const Tensor* {
            const Tensor* t =
                int(init.constInputs.size()) > i ? init.constInputs[size_t(i)] : nullptr;
            return t && t->dtype() == DataType::F32 && t->rank() == 2 ? t : nullptr;
        };
        if (const Tensor* b = constF32Matrix(1)) {
            k->m_packedSource = *b; // packed lazily, see run()
        } else if (const Tensor* a = constF32Matrix(0)) {
            const int64_t m = k->m_transA ? a->dim(1) : a->dim(0),
                          kk = k->m_transA ? a->dim(0) : a->dim(1);
            k->m_packedA = SgemmPackedA::pack(k->m_path, a->data<float>(), a->dim(1), k->m_transA,
                                              m, kk, k->m_alpha);
            k->m_packedSource = *a;
            k->m_packedIsA = true;
        }
        return std::unique_ptr<OpKernel>(std::move(k));
    }

    Status run(KernelContext& ctx) override {
        const Tensor& a = ctx.input(0);
        const Tensor& b = ctx.input(1);
        const Tensor* c = m_beta != 0.0f ? ctx.inputOrNull(2) : nullptr;
        QS_ASSIGN(GemmDims d, gemmDims(ctx, a.shape(), b.shape()));
        Tensor& y = ctx.allocateOutput(0);
        if (y.numel() == 0) return {};
        float* yd = y.data<float>();
        SgemmEpilogue epi;
        epi.clampMin = m_clamp.lo;
        epi.clampMax = m_clamp.hi;
        if (c) {
            const Shape& cs = c->shape();
            const int64_t cm = cs.size() == 2 ? cs[0] : 1, cn = cs.empty() ? 1 : cs.back();
            if (m_beta == 1.0f && cm == 1 && cn == d.n && d.n > 1) {
                epi.bias = c->data<float>();
                epi.biasKind = BiasKind::PerColumn;
            } else if (m_beta == 1.0f && cn == 1 && cm == d.m && d.m > 1) {
                epi.bias = c->data<float>();
                epi.biasKind = BiasKind::PerRow;
            } else {
                // Y = beta·C broadcast, then Y += product.
                const float* cd = c->data<float>();
                for (int64_t i = 0; i < d.m; ++i)
                    for (int64_t j = 0; j < d.n; ++j)
                        yd[i * d.n + j] = m_beta * cd[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
                epi.accumulate = true;
            }
        }
        const SgemmMatrix am{a.data<float>(), a.dim(1), m_transA};
        const SgemmMatrix bm{b.data<float>(), b.dim(1), m_transB};
        const bool packedOk = m_packedSource.sharesBufferWith(m_packedIsA ? a : b) &&
                              m_packedSource.shape() == (m_packedIsA ? a : b).shape();
        if (packedOk && !m_packedIsA && d.m <= kGemvRows) {
            smallRowsGemm(d.m, d.n, d.k, am, bm, m_alpha, yd, epi, ctx.pool());
        } else if (packedOk && !m_packedIsA) {
            std::call_once(m_packBOnce, [&] {
                m_packedB =
                    SgemmPackedB::pack(m_path, b.data<float>(), b.dim(1), m_transB, d.k, d.n);
            });
            sgemm(d.m, am, m_packedB, yd, d.n, epi, &ctx.pool(), m_alpha);
        } else if (packedOk)
            sgemm(m_packedA, d.n, bm, yd, d.n, epi, &ctx.pool());
        else
            sgemm(m_path, d.m, d.n, d.k, am, bm, yd, d.n, epi, &ctx.pool(), m_alpha);
        return {};
    }

private:
    bool m_transA = false, m_transB = false;
    float m_alpha = 1.0f, m_beta = 1.0f;
    FusedClamp m_clamp{};
    SimdPath m_path = SimdPath::Generic;
    SgemmPackedA m_packedA;
    SgemmPackedB m_packedB; // filled on the first run with more than kGemvRows rows
    std::once_flag m_packBOnce;
    Tensor m_packedSource;
    bool m_packedIsA = false;
};

Result<std::unique_ptr<OpKernel>> createGemm(const KernelInit& init) {
    return GemmKernel::create(init);
}

} // namespace

extern const OpDef kOpGemm{.type = "Gemm", .infer = inferGemm, .create = createGemm};

} // namespace qs
