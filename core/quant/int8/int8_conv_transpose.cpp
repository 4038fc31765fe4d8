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
// The kernel is the scalar specification: every input element is scattered through the kernel
// into int32 accumulators that start at bias − z_x·Σw over the taps that reach the position
// (Σ (x − z_x)·w split as Σ x·w − z_x·Σ w per position, exact in int32 for 8-bit operands).
// No model of ../shared has a ConvTranspose, so no fast path is written for it yet.
#include "ops/conv_geometry.h"
#include "ops/op.h"
#include "quant/int8/int8_op_attrs.h"

#include <algorithm>
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
        k->m_weights = w->clone();
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
        return std::unique_ptr<OpKernel>(std::move(k));
    }

    Status run(KernelContext& ctx) override {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.allocateOutput(0);
        QS_ASSIGN(ConvTransposeSetup s, resolveConvTranspose(ctx, x.shape(), m_weights.shape()));
        if (s.inSpatial.size() != 2)
            return makeError(ErrorCode::Unsupported, "QConvTranspose is 2-D only");
        const int64_t h = s.inSpatial[0], w = s.inSpatial[1];
        const int64_t oh = s.outSpatial[0], ow = s.outSpatial[1];
        const int64_t kh = s.kernel[0], kw = s.kernel[1];
        const int64_t cg = s.inC / s.group, mg = s.outC / s.group;
        const int64_t plane = oh * ow;
        const int8_t* wt = m_weights.data<int8_t>();
        std::vector<int32_t> acc(size_t(s.outC * plane));
        for (int64_t n = 0; n < s.batch; ++n) {
            for (int64_t m = 0; m < s.outC; ++m)
                std::fill_n(acc.begin() + m * plane, plane, m_bias[size_t(m)]);
            for (int64_t g = 0; g < s.group; ++g)
                for (int64_t c = 0; c < cg; ++c) {
                    const int64_t ic = g * cg + c;
                    for (int64_t iy = 0; iy < h; ++iy)
                        for (int64_t ix = 0; ix < w; ++ix) {
                            const int32_t xv =
                                codeAt(x, ((n * s.inC + ic) * h + iy) * w + ix) - m_xZero;
                            for (int64_t j = 0; j < mg; ++j) {
                                const int8_t* wk = wt + ((ic * mg + j) * kh) * kw;
                                int32_t* a = acc.data() + (g * mg + j) * plane;
                                for (int64_t ky = 0; ky < kh; ++ky) {
                                    const int64_t oy =
                                        iy * s.strides[0] + ky * s.dilations[0] - s.padBegin[0];
                                    if (oy < 0 || oy >= oh) continue;
                                    for (int64_t kx = 0; kx < kw; ++kx) {
                                        const int64_t ox =
                                            ix * s.strides[1] + kx * s.dilations[1] - s.padBegin[1];
                                        if (ox < 0 || ox >= ow) continue;
                                        a[oy * ow + ox] += xv * int32_t(wk[ky * kw + kx]);
                                    }
                                }
                            }
                        }
                }
            for (int64_t m = 0; m < s.outC; ++m)
                for (int64_t i = 0; i < plane; ++i) {
                    const int32_t v = acc[size_t(m * plane + i)];
                    const int64_t at = (n * s.outC + m) * plane + i;
                    if (m_out.type == DataType::F32)
                        y.data<float>()[at] = float(v) * m_dequant[size_t(m)];
                    else
                        storeCode(y, at, m_out.requant.apply(v, m_channels[size_t(m)]));
                }
        }
        return {};
    }

private:
    static int32_t codeAt(const Tensor& t, int64_t i) {
        return t.dtype() == DataType::U8 ? int32_t(t.data<uint8_t>()[i])
                                         : int32_t(t.data<int8_t>()[i]);
    }
    static void storeCode(Tensor& t, int64_t i, int32_t q) {
        if (t.dtype() == DataType::U8)
            t.data<uint8_t>()[i] = uint8_t(q);
        else
            t.data<int8_t>()[i] = int8_t(q);
    }

    Tensor m_weights;
    std::vector<int32_t> m_bias;
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
