// ConvTranspose (fp32): 1-D, 2-D and 3-D, groups, strides, pads, dilations, output_padding,
// output_shape and auto_pad, optional bias, fused clamp (qs_clip_min/qs_clip_max).
//
// Computed as the adjoint of a convolution: per group, cols = Wᵀ·X (a GEMM with the packed
// transposed weights), then col2im adds every column into the output, which starts as the
// bias. Output size and padding as the ONNX spec (and its backend tests) define them:
// - with output_shape, total padding = max(0, stride·(in−1) + output_padding + extent − out),
//   split with the odd unit at the end for SAME_UPPER, else at the beginning;
// - with auto_pad SAME_*, out = in·stride and the padding is split the same way;
// - otherwise out = stride·(in−1) + output_padding + extent − pad_begin − pad_end.
// An output_shape larger than the full output leaves the extra positions at the bias.
#include "kernels/im2col.h"
#include "kernels/sgemm.h"
#include "ops/conv_geometry.h"
#include "ops/op.h"

#include <algorithm>

namespace qs {
namespace {

Status inferConvTranspose(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(2, 3));
    for (int i = 0; i < ctx.numInputs(); ++i)
        if (ctx.hasInput(i)) QS_TRY(ctx.requireType(i, {DataType::F32}));
    const TensorInfo& x = ctx.inputInfo(0);
    const TensorInfo& w = ctx.inputInfo(1);
    if (!x.shapeKnown || !w.shapeKnown) {
        ctx.outputs()[0] = TensorInfo{DataType::F32, {}, false};
        return {};
    }
    QS_ASSIGN(ConvTransposeSetup s, resolveConvTranspose(ctx, x.shape, w.shape));
    if (ctx.hasInput(2) && ctx.inputInfo(2).shapeKnown) {
        const Shape& b = ctx.inputShape(2);
        if (b.size() != 1 || (s.outC >= 0 && b[0] >= 0 && b[0] != s.outC))
            return makeError(ErrorCode::ShapeMismatch, "bias has shape ", shapeToString(b),
                             ", expected [", s.outC, "]");
    }
    Shape out{s.batch, s.outC};
    out.insert(out.end(), s.outSpatial.begin(), s.outSpatial.end());
    ctx.setOutput(0, DataType::F32, std::move(out));
    return {};
}

class ConvTransposeKernel : public OpKernel {
public:
    static Result<std::unique_ptr<OpKernel>> create(const KernelInit& init) {
        auto k = std::make_unique<ConvTransposeKernel>();
        const NodeAttributes attrs(init.node);
        QS_TRY(readWindowAttrs(attrs).status());
        k->m_clamp = fusedClamp(attrs);
        k->m_path = bestSimdPath();
        const Tensor* w = init.constInputs.size() > 1 ? init.constInputs[1] : nullptr;
        if (w && w->dtype() == DataType::F32 && w->rank() >= 3) {
            const int64_t group = attrs.getInt("group", 1);
            if (group < 1 || w->dim(0) % group != 0)
                return makeError(ErrorCode::InvalidModel, "weights have ", w->dim(0),
                                 " input channels, not divisible by group ", group);
            const int64_t cg = w->dim(0) / group;
            const int64_t rows = w->numel() / std::max<int64_t>(1, w->dim(0)); // Mg · kernel size
            for (int64_t g = 0; g < group; ++g)
                k->m_packed.push_back(SgemmPackedA::pack(
                    k->m_path, w->data<float>() + g * cg * rows, rows, true, rows, cg));
            k->m_packedWeights = *w;
        }
        return std::unique_ptr<OpKernel>(std::move(k));
    }

    Status run(KernelContext& ctx) override {
        const Tensor& x = ctx.input(0);
        const Tensor& w = ctx.input(1);
        const Tensor* bias = ctx.inputOrNull(2);
        QS_ASSIGN(ConvTransposeSetup s, resolveConvTranspose(ctx, x.shape(), w.shape()));
        Tensor& y = ctx.allocateOutput(0);
        if (y.numel() == 0) return {};
        const size_t rank = s.inSpatial.size();
        if (rank > 3)
            return makeError(ErrorCode::Unsupported, "ConvTranspose with ", rank,
                             " spatial dims is not supported (at most 3)");
        // Forward-window view: the transposed conv's output is the window's input.
        Geometry3d g;
        for (size_t i = 0; i < rank; ++i) {
            const size_t j = 3 - rank + i;
            g.in[j] = s.outSpatial[i];
            g.out[j] = s.inSpatial[i];
            g.kernel[j] = s.kernel[i];
            g.stride[j] = s.strides[i];
            g.dilation[j] = s.dilations[i];
            g.padBegin[j] = s.padBegin[i];
        }
        const int64_t cg = s.inC / s.group, mg = s.outC / s.group;
        const int64_t rows = mg * g.kernelSize();
        const int64_t inSize = g.outSize(), outSize = g.inSize();
        const bool usePacked = !m_packed.empty() && w.sharesBufferWith(m_packedWeights) &&
                               w.shape() == m_packedWeights.shape();
        m_cols.ensure(size_t(std::max<int64_t>(1, rows * inSize)));
        float* yData = y.data<float>();
        const float* bData = bias ? bias->data<float>() : nullptr;
        for (int64_t n = 0; n < s.batch; ++n) {
            for (int64_t grp = 0; grp < s.group; ++grp) {
                const float* xg = x.data<float>() + (n * s.inC + grp * cg) * inSize;
                float* yg = yData + (n * s.outC + grp * mg) * outSize;
                const SgemmMatrix b{xg, inSize, false};
                if (usePacked) {
                    sgemm(m_packed[size_t(grp)], inSize, b, m_cols.data(), inSize, {}, &ctx.pool());
                } else {
                    const SgemmMatrix a{w.data<float>() + grp * cg * rows, rows, true};
                    sgemm(m_path, rows, inSize, cg, a, b, m_cols.data(), inSize, {}, &ctx.pool());
                }
                for (int64_t m = 0; m < mg; ++m)
                    std::fill(yg + m * outSize, yg + (m + 1) * outSize,
                              bData ? bData[grp * mg + m] : 0.0f);
                col2imAdd(m_cols.data(), mg, g, yg, &ctx.pool());
            }
        }
        if (m_clamp.lo > -std::numeric_limits<float>::infinity() ||
            m_clamp.hi < std::numeric_limits<float>::infinity()) {
            for (float& v : y.span<float>())
                v = v < m_clamp.lo ? m_clamp.lo : (v > m_clamp.hi ? m_clamp.hi : v);
        }
        return {};
    }

private:
    FusedClamp m_clamp{};
    SimdPath m_path = SimdPath::Generic;
    std::vector<SgemmPackedA> m_packed; // per group: Wᵀ, (Mg·kernel) × Cg
    Tensor m_packedWeights;
    AlignedFloats m_cols;
};

Result<std::unique_ptr<OpKernel>> createConvTranspose(const KernelInit& init) {
    return ConvTransposeKernel::create(init);
}

} // namespace

extern const OpDef kOpConvTranspose{
    .type = "ConvTranspose", .infer = inferConvTranspose, .create = createConvTranspose};

} // namespace qs
