// QConvTranspose (qs.int8): the integer form of a 2-D ConvTranspose (groups, strides, pads,
// dilations, output_padding, output_shape, auto_pad), u8/i8 codes × int8 weights per output
// channel → int32 accumulators with zero-point correction and the int32 bias → the output
// stage of QConv (float or fixed-point requantization, fused clamp [lo, hi]; y_type f32
// dequantizes the accumulator).
//
// Attributes: x_scale, x_zero_point, w_scale (one per output channel), the output stage's
// (y_scale, y_zero_point, y_type, lo, hi, requant) and ConvTranspose's own. Inputs: codes
// [N, C_in, H, W], weights int8 [C_in, C_out/group, kh, kw] (ONNX's layout), optional bias
// int32 [C_out].
//
// The specification is referenceConvTranspose2d (int8_kernels.h): every input element scattered
// through the kernel into int32 accumulators. The kernel computes the same sums as one QGemm per
// group (the fast paths of QConv) and a col2im scatter-add:
//   C[(j, ky, kx)][(iy, ix)] = Σ_c W[c][j][ky][kx] · x[c][iy][ix]        (A = W_gᵀ, packed once)
//   acc[j][oy][ox] = bias[j] + Σ over the taps landing there of C − z_x · Σ_c W[c][j][ky][kx]
// Integer sums in another order: equal bit for bit (test_int8_conv_transpose checks every path).
#include "ops/conv_geometry.h"
#include "ops/op.h"
#include "quant/int8/int8_kernels.h"
#include "quant/int8/int8_op_attrs.h"

#include <algorithm>
#include <memory>
#include <vector>

namespace qs {
namespace {

using namespace int8;

class QConvTransposeKernel : public OpKernel {
public:
    static Result<std::unique_ptr<OpKernel>> create(const KernelInit& init) {
        const NodeAttributes a(init.node);
        auto k = std::make_unique<QConvTransposeKernel>();
        const Tensor* w = init.constInputs.size() > 1 ? init.constInputs[1] : nullptr;
        if (!w || w->dtype() != DataType::I8 || w->rank() != 4)
            return makeError(ErrorCode::InvalidModel,
                             "QConvTranspose needs constant int8 weights [C][M/g][kh][kw]");
        k->m_weightShape = w->shape();
        const int64_t group = a.getInt("group", 1);
        if (group < 1) return makeError(ErrorCode::InvalidModel, "group ", group, " < 1");
        const int64_t m = w->dim(1) * group;
        if (init.constInputs.size() > 2 && init.constInputs[2]) {
            const Tensor* b = init.constInputs[2];
            if (b->dtype() != DataType::I32 || b->numel() != m)
                return makeError(ErrorCode::InvalidModel, "QConvTranspose bias must be int32 with ",
                                 m, " values");
            k->m_bias.assign(b->data<int32_t>(), b->data<int32_t>() + m);
        } else {
            k->m_bias.assign(size_t(m), 0);
        }
        QS_ASSIGN(k->m_out, OutputStage::read(a));
        const float xScale = a.getFloat("x_scale", 1.0f);
        k->m_xZero = int32_t(a.getInt("x_zero_point", 0));
        const std::vector<float> ws = a.getFloats("w_scale");
        if (int64_t(ws.size()) != m)
            return makeError(ErrorCode::InvalidModel, "QConvTranspose has ", ws.size(),
                             " weight scales for ", m, " channels");
        for (int64_t c = 0; c < m; ++c) {
            // As QConv: x_scale · w_scale / y_scale, in float, in this order.
            k->m_channels.push_back(makeChannelRequant(xScale * ws[size_t(c)] / k->m_out.scale));
            k->m_dequant.push_back(xScale * ws[size_t(c)]);
        }
        // A_g[(j, ky, kx)][c] = W[g·cg + c][j][ky][kx], one QGemm per group.
        const std::string want = a.getString("simd_path", "");
        SimdPath path = QGemm::bestPath();
        for (SimdPath p : QGemm::supportedPaths())
            if (want == simdPathName(p)) path = p;
        k->m_path = path;
        const int64_t cg = w->dim(0) / group, mg = w->dim(1), taps = w->dim(2) * w->dim(3);
        if (w->dim(0) % group != 0)
            return makeError(ErrorCode::InvalidModel, "group ", group, " does not divide ",
                             w->dim(0), " input channels");
        std::vector<int8_t> at(size_t(mg * taps * cg));
        for (int64_t g = 0; g < group; ++g) {
            for (int64_t c = 0; c < cg; ++c)
                for (int64_t r = 0; r < mg * taps; ++r)
                    at[size_t(r * cg + c)] = w->data<int8_t>()[(g * cg + c) * mg * taps + r];
            k->m_gemms.push_back(std::make_unique<QGemm>(path, mg * taps, cg, at.data()));
        }
        return std::unique_ptr<OpKernel>(std::move(k));
    }

    bool prepacked(int input) const override { return input == 1; } // in m_gemms

    Status run(KernelContext& ctx) override {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.allocateOutput(0);
        QS_ASSIGN(ConvTransposeSetup s, resolveConvTranspose(ctx, x.shape(), m_weightShape));
        if (s.inSpatial.size() != 2)
            return makeError(ErrorCode::Unsupported, "QConvTranspose is 2-D only");
        const int64_t h = s.inSpatial[0], w = s.inSpatial[1];
        const int64_t oh = s.outSpatial[0], ow = s.outSpatial[1];
        const int64_t kh = s.kernel[0], kw = s.kernel[1];
        const int64_t cg = s.inC / s.group, mg = s.outC / s.group;
        const int64_t plane = oh * ow;
        const int64_t inPlane = h * w;
        // Codes as uint8, the zero point shifted alike (int8 ^ 0x80 = int8 + 128).
        int32_t zx = m_xZero;
        std::vector<uint8_t> shifted;
        const uint8_t* xu = x.data<uint8_t>();
        if (x.dtype() == DataType::I8) {
            shifted.resize(size_t(x.numel()));
            const uint8_t* src = static_cast<const uint8_t*>(x.rawData());
            for (int64_t i = 0; i < x.numel(); ++i) shifted[size_t(i)] = uint8_t(src[i] ^ 0x80u);
            xu = shifted.data();
            zx += 128;
        }
        std::vector<int32_t> acc(size_t(s.outC * plane));
        std::vector<int32_t> cols(size_t(mg * kh * kw * inPlane));
        std::vector<uint8_t> scratch;
        for (int64_t n = 0; n < s.batch; ++n) {
            for (int64_t m = 0; m < s.outC; ++m)
                std::fill_n(acc.begin() + m * plane, plane, m_bias[size_t(m)]);
            for (int64_t g = 0; g < s.group; ++g) {
                const QGemm& gemm = *m_gemms[size_t(g)];
                const uint8_t* b = xu + (n * s.inC + g * cg) * inPlane; // [cg][h·w]
                gemm.run(inPlane, b, inPlane, 1, cols.data(), inPlane, scratch);
                // col2im: each (j, ky, kx) row scattered onto output channel j.
                ctx.pool().parallelFor(mg, 1, [&](int64_t j0, int64_t j1) {
                    for (int64_t j = j0; j < j1; ++j) {
                        int32_t* a = acc.data() + (g * mg + j) * plane;
                        for (int64_t ky = 0; ky < kh; ++ky)
                            for (int64_t kx = 0; kx < kw; ++kx) {
                                const int64_t row = (j * kh + ky) * kw + kx;
                                const int32_t* c = cols.data() + row * inPlane;
                                const int32_t zTerm = zx * gemm.rowSums()[size_t(row)];
                                for (int64_t iy = 0; iy < h; ++iy) {
                                    const int64_t oy =
                                        iy * s.strides[0] + ky * s.dilations[0] - s.padBegin[0];
                                    if (oy < 0 || oy >= oh) continue;
                                    const int64_t ox0 = kx * s.dilations[1] - s.padBegin[1];
                                    int32_t* ar = a + oy * ow;
                                    const int32_t* cr = c + iy * w;
                                    for (int64_t ix = 0; ix < w; ++ix) {
                                        const int64_t ox = ix * s.strides[1] + ox0;
                                        if (ox >= 0 && ox < ow) ar[ox] += cr[ix] - zTerm;
                                    }
                                }
                            }
                    }
                });
            }
            for (int64_t m = 0; m < s.outC; ++m) {
                const int32_t* am = acc.data() + m * plane;
                const int64_t at = (n * s.outC + m) * plane;
                if (m_out.type == DataType::F32) {
                    for (int64_t i = 0; i < plane; ++i)
                        y.data<float>()[at + i] = float(am[i]) * m_dequant[size_t(m)];
                    continue;
                }
                const OutputRequant& r = m_out.requant;
                void* out = static_cast<uint8_t*>(y.rawData()) + at;
                if (r.kind == RequantKind::Float)
                    requantizeFloatRow(m_path, am, 0, plane, m_channels[size_t(m)].multiplier,
                                       r.zeroPoint, r.lo, r.hi, m_out.type == DataType::I8, out);
                else
                    requantizeFixedRow(m_path, am, 0, plane, m_channels[size_t(m)].fixed,
                                       r.zeroPoint, r.lo, r.hi, m_out.type == DataType::I8, out);
            }
        }
        return {};
    }

private:
    Shape m_weightShape; // [C][M/g][kh][kw]; the values are in m_gemms
    std::vector<int32_t> m_bias;
    SimdPath m_path = SimdPath::Generic;
    std::vector<std::unique_ptr<QGemm>> m_gemms; // per group
    OutputStage m_out;
    int32_t m_xZero = 0;
    std::vector<ChannelRequant> m_channels;
    std::vector<float> m_dequant;
};

Status inferQConvTranspose(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(2, 3));
    QS_TRY(requireCodes(ctx, 0));
    QS_ASSIGN(DataType t, codeType(ctx, "y_type"));
    if (!ctx.inputInfo(0).shapeKnown || !ctx.inputInfo(1).shapeKnown) {
        ctx.outputs()[0] = TensorInfo{t, {}, false};
        return {};
    }
    if (ctx.inputShape(0).size() != 4 || ctx.inputShape(1).size() != 4)
        return ctx.fail(ErrorCode::Unsupported, "QConvTranspose is 2-D only");
    QS_ASSIGN(ConvTransposeSetup s,
              resolveConvTranspose(ctx, ctx.inputShape(0), ctx.inputShape(1)));
    ctx.setOutput(0, t, {s.batch, s.outC, s.outSpatial[0], s.outSpatial[1]});
    return {};
}

} // namespace

extern const OpDef kOpInt8QConvTranspose{.type = "QConvTranspose",
                                         .domain = "qs.int8",
                                         .infer = inferQConvTranspose,
                                         .create = QConvTransposeKernel::create};

} // namespace qs
