// Conv (fp32): 1-D, 2-D and 3-D, groups, dilations, strides, pads and auto_pad, optional bias,
// and the fused clamp a graph pass may attach (qs_clip_min/qs_clip_max).
//
// Paths, chosen per run from the shapes:
// - depthwise 3×3/5×5, stride 1/2, dilation 1: the direct kernel (kernels/depthwise_conv.h);
// - 1×1, stride 1, no padding: the input planes are the GEMM's B matrix as they are;
// - otherwise: GEMM per group whose B panels are filled by im2col directly (no lowered
//   matrix is materialised).
// Constant weights are packed for the GEMM once, when the kernel is created.
#include "kernels/depthwise_conv.h"
#include "kernels/im2col.h"
#include "kernels/sgemm.h"
#include "ops/conv_geometry.h"
#include "ops/op.h"

#include <algorithm>

namespace qs {
namespace {

// A Conv's shapes resolved from its input and weight shapes.
struct ConvSetup {
    int64_t batch = 0, inC = 0, outC = 0, group = 1;
    std::vector<int64_t> inSpatial, kernel;
    WindowAttrs attrs; // completed
    ForwardWindow window;
};

// Shared by infer (where dims may be -1) and run (all known).
Result<ConvSetup> resolveConv(const NodeAttributes& node, const WindowAttrs& raw, const Shape& x,
                              const Shape& w) {
    ConvSetup s;
    if (x.size() < 3)
        return makeError(ErrorCode::InvalidModel, "input 0 has ", x.size(),
                         " dims, expected at least 3 (N, C, spatial...)");
    if (w.size() != x.size())
        return makeError(ErrorCode::ShapeMismatch, "weights have ", w.size(),
                         " dims, the input has ", x.size());
    s.group = node.getInt("group", 1);
    if (s.group < 1)
        return makeError(ErrorCode::InvalidModel, "group ", s.group, " is not positive");
    s.batch = x[0];
    s.inC = x[1];
    s.outC = w[0];
    s.inSpatial.assign(x.begin() + 2, x.end());
    s.kernel.assign(w.begin() + 2, w.end());
    if (s.inC >= 0 && w[1] >= 0 && s.inC != w[1] * s.group)
        return makeError(ErrorCode::ShapeMismatch, "input has ", s.inC,
                         " channels, the weights expect ", w[1], " x group ", s.group, " = ",
                         w[1] * s.group);
    if (s.outC >= 0 && s.outC % s.group != 0)
        return makeError(ErrorCode::InvalidModel, "weights have ", s.outC,
                         " output channels, not divisible by group ", s.group);
    const bool kernelKnown =
        std::all_of(s.kernel.begin(), s.kernel.end(), [](int64_t d) { return d >= 0; });
    const int rank = int(x.size()) - 2;
    if (!kernelKnown) {
        if (raw.kernel.empty()) {
            s.window.output.assign(size_t(rank), -1);
            s.window.pads.assign(size_t(2 * rank), 0);
            s.attrs = raw;
            return s;
        }
        s.kernel = raw.kernel;
    }
    QS_ASSIGN(s.attrs, completeWindowAttrs(raw, rank, s.kernel));
    QS_ASSIGN(s.window, forwardWindow(s.attrs, s.inSpatial));
    return s;
}

Status checkBias(const TensorInfo& bias, int64_t outC) {
    if (!bias.shapeKnown) return {};
    if (bias.shape.size() != 1 || (outC >= 0 && bias.shape[0] >= 0 && bias.shape[0] != outC))
        return makeError(ErrorCode::ShapeMismatch, "bias has shape ", shapeToString(bias.shape),
                         ", expected [", outC, "]");
    return {};
}

Status inferConv(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(2, 3));
    for (int i = 0; i < ctx.numInputs(); ++i)
        if (ctx.hasInput(i)) QS_TRY(ctx.requireType(i, {DataType::F32}));
    QS_ASSIGN(WindowAttrs raw, readWindowAttrs(ctx));
    const TensorInfo& x = ctx.inputInfo(0);
    const TensorInfo& w = ctx.inputInfo(1);
    if (!x.shapeKnown || !w.shapeKnown) {
        ctx.outputs()[0] = TensorInfo{DataType::F32, {}, false};
        return {};
    }
    QS_ASSIGN(ConvSetup s, resolveConv(ctx, raw, x.shape, w.shape));
    if (ctx.hasInput(2)) QS_TRY(checkBias(ctx.inputInfo(2), s.outC));
    Shape out{s.batch, s.outC};
    out.insert(out.end(), s.window.output.begin(), s.window.output.end());
    ctx.setOutput(0, DataType::F32, std::move(out));
    return {};
}

// Whether the depthwise kernel applies (channel multiplier 1, 2-D, its kernel sizes and strides).
bool depthwiseParams(const ConvSetup& s, DepthwiseConvParams& p) {
    if (s.inSpatial.size() != 2 || s.group != s.inC || s.outC != s.inC) return false;
    if (s.attrs.dilations[0] != 1 || s.attrs.dilations[1] != 1) return false;
    p.batch = s.batch;
    p.channels = s.inC;
    p.inH = s.inSpatial[0];
    p.inW = s.inSpatial[1];
    p.outH = s.window.output[0];
    p.outW = s.window.output[1];
    p.kernelH = int(s.kernel[0]);
    p.kernelW = int(s.kernel[1]);
    p.strideH = int(std::min<int64_t>(s.attrs.strides[0], 1000));
    p.strideW = int(std::min<int64_t>(s.attrs.strides[1], 1000));
    p.padTop = s.window.pads[0];
    p.padLeft = s.window.pads[1];
    return depthwiseConvSupported(p);
}

// The GEMM's B operand for one image and group: the im2col matrix, packed on demand.
class Im2colSource : public SgemmBSource {
public:
    Im2colSource(const float* x, const Geometry3d& g)
        : m_x(x)
        , m_g(g) {}
    void pack(int64_t k0, int64_t kc, int64_t n0, int64_t n1, int nr, float* dst) const override {
        im2colPanels(m_x, m_g, k0, kc, n0, n1, nr, dst);
    }

private:
    const float* m_x;
    const Geometry3d& m_g;
};

class ConvKernel : public OpKernel {
public:
    static Result<std::unique_ptr<OpKernel>> create(const KernelInit& init) {
        auto k = std::make_unique<ConvKernel>();
        const NodeAttributes attrs(init.node);
        QS_ASSIGN(k->m_raw, readWindowAttrs(attrs));
        k->m_clamp = fusedClamp(attrs);
        k->m_path = bestSimdPath();
        const Tensor* w = init.constInputs.size() > 1 ? init.constInputs[1] : nullptr;
        if (w && w->dtype() == DataType::F32 && w->rank() >= 3) {
            const int64_t group = attrs.getInt("group", 1);
            if (group < 1 || w->dim(0) % group != 0)
                return makeError(ErrorCode::InvalidModel, "weights have ", w->dim(0),
                                 " output channels, not divisible by group ", group);
            // Depthwise-shaped weights go to the direct kernel, which reads them as they are.
            const bool depthwiseShaped = w->dim(1) == 1 && group == w->dim(0) && w->rank() == 4;
            if (!depthwiseShaped) {
                const int64_t mg = w->dim(0) / group;
                const int64_t kg = w->numel() / std::max<int64_t>(1, w->dim(0));
                for (int64_t g = 0; g < group; ++g)
                    k->m_packed.push_back(SgemmPackedA::pack(
                        k->m_path, w->data<float>() + g * mg * kg, kg, false, mg, kg));
                k->m_packedWeights = *w;
                k->m_packedShape = w->shape();
            }
        }
        return std::unique_ptr<OpKernel>(std::move(k));
    }

    Status run(KernelContext& ctx) override {
        const Tensor& x = ctx.input(0);
        const Tensor& w = ctx.input(1);
        const Tensor* bias = ctx.inputOrNull(2);
        QS_ASSIGN(ConvSetup s, resolveConv(ctx, m_raw, x.shape(), w.shape()));
        Tensor& y = ctx.allocateOutput(0);
        if (y.numel() == 0) return {};
        const int rank = int(s.inSpatial.size());
        if (rank > 3)
            return makeError(ErrorCode::Unsupported, "Conv with ", rank,
                             " spatial dims is not supported (at most 3)");
        const float* biasData = bias ? bias->data<float>() : nullptr;

        DepthwiseConvParams dw;
        if (depthwiseParams(s, dw)) {
            dw.clampMin = m_clamp.lo;
            dw.clampMax = m_clamp.hi;
            depthwiseConv2d(m_path, x.data<float>(), w.data<float>(), biasData, y.data<float>(), dw,
                            &ctx.pool());
            return {};
        }

        const Geometry3d g = toGeometry3d(s.inSpatial, s.window.output, s.attrs, s.window.pads);
        const int64_t mg = s.outC / s.group, cg = s.inC / s.group;
        const int64_t kg = cg * g.kernelSize();
        const int64_t outSize = g.outSize(), inSize = g.inSize();
        bool pointwise = g.kernelSize() == 1;
        for (int i = 0; i < 3; ++i)
            pointwise = pointwise && g.stride[size_t(i)] == 1 && g.padBegin[size_t(i)] == 0;
        pointwise = pointwise && outSize == inSize;
        // Packed weights are used only if they are still the tensor they were packed from.
        const bool usePacked =
            !m_packed.empty() && w.sharesBufferWith(m_packedWeights) && w.shape() == m_packedShape;

        SgemmEpilogue epi;
        epi.biasKind = biasData ? BiasKind::PerRow : BiasKind::None;
        epi.clampMin = m_clamp.lo;
        epi.clampMax = m_clamp.hi;
        for (int64_t n = 0; n < s.batch; ++n) {
            for (int64_t grp = 0; grp < s.group; ++grp) {
                const float* xg = x.data<float>() + (n * s.inC + grp * cg) * inSize;
                float* yg = y.data<float>() + (n * s.outC + grp * mg) * outSize;
                epi.bias = biasData ? biasData + grp * mg : nullptr;
                // B: the input planes as they are (pointwise), else their im2col matrix.
                const SgemmMatrix planes{xg, inSize, false};
                const Im2colSource lowered(xg, g);
                const SgemmMatrix a{w.data<float>() + grp * mg * kg, kg, false};
                if (usePacked && pointwise)
                    sgemm(m_packed[size_t(grp)], outSize, planes, yg, outSize, epi, &ctx.pool());
                else if (usePacked)
                    sgemm(m_packed[size_t(grp)], outSize, lowered, yg, outSize, epi, &ctx.pool());
                else if (pointwise)
                    sgemm(m_path, mg, outSize, kg, a, planes, yg, outSize, epi, &ctx.pool());
                else
                    sgemm(m_path, mg, outSize, kg, a, lowered, yg, outSize, epi, &ctx.pool());
            }
        }
        return {};
    }

private:
    WindowAttrs m_raw;
    FusedClamp m_clamp{};
    SimdPath m_path = SimdPath::Generic;
    std::vector<SgemmPackedA> m_packed; // per group, when the weights are constant
    Tensor m_packedWeights;             // keeps the packed source alive for the identity check
    Shape m_packedShape;
};

Result<std::unique_ptr<OpKernel>> createConv(const KernelInit& init) {
    return ConvKernel::create(init);
}

} // namespace

extern const OpDef kOpConv{.type = "Conv", .infer = inferConv, .create = createConv};

} // namespace qs
