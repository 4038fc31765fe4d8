// The integer ops the int8 lowering emits (domain "qs.int8"). Every op takes its quantization
// parameters as attributes and computes on uint8/int8 codes; the output stage of the
// accumulating ops is requantize.h's, chosen by the "requant" attribute (float | fixed).
//   Quantize     f32 → codes: clamp(round(x / s) + z, qmin, qmax), the rounding of the plan
//   Dequantize   codes → f32: s · float(q − z) (the Simulator's dequantizeValue, bit for bit)
//   QConv        2-D convolution (groups, depthwise, strides, pads, dilations), int8 weights per
//                channel, int32 bias, fused clamp [lo, hi]; y_type f32 dequantizes the accumulator
//   QGemm        rows of x (last dim K) · W[N][K]ᵀ + bias (Gemm and MatMul with constant weights)
//   QAdd, QMul   two code tensors (numpy broadcasting) rescaled to the output's scale; an input
//                may first go through a 256-entry table (a_table / b_table, a fused Lut)
//   Requantize   codes of one scale to codes of another (Concat inputs)
//   QAveragePool AveragePool / GlobalAveragePool: integer window sums, then requantization
//   Lut          256-entry table (Sigmoid, HardSigmoid, HardSwish, Tanh, Gelu, Exp, ...)
//   QMaxPool     2-D MaxPool on codes (dilation 1, no Indices): int8_eltwise.h maxPool2d
//   Clamp        Relu/Clip not fused into a producer: a clamp on codes
#include "kernels/cpu_features.h"
#include "ops/conv_geometry.h"
#include "ops/op.h"
#include "quant/int8/int8_eltwise.h"
#include "quant/int8/int8_kernels.h"
#include "quant/int8/int8_op_attrs.h"
#include "quant/int8/requantize.h"

#include <algorithm>
#include <cstring>

namespace qs {
namespace int8::x86 {
int64_t qaddFloatAvx2(const void* a, bool aSigned, const void* b, bool bSigned, int64_t n, float ra,
                      float rb, float fixedPart, int32_t lo, int32_t hi, bool outSigned, void* out);
int64_t qaddFloatAvx512(const uint8_t* a, bool aSigned, const uint8_t* b, bool bSigned, int64_t n,
                        float ra, float rb, float fixedPart, int32_t lo, int32_t hi, bool outSigned,
                        uint8_t* out);
int64_t qmulFloatAvx2(const void* a, bool aSigned, int32_t za, const void* b, bool bSigned,
                      bool bScalar, int32_t zb, int64_t n, float multiplier, int32_t zeroPoint,
                      int32_t lo, int32_t hi, bool outSigned, void* out);
int64_t qmulFloatAvx512(const uint8_t* a, bool aSigned, int32_t za, const uint8_t* b, bool bSigned,
                        bool bScalar, int32_t zb, int64_t n, float multiplier, int32_t zeroPoint,
                        int32_t lo, int32_t hi, bool outSigned, uint8_t* out);
void qmulRowsAvx512(const uint8_t* a, bool aSigned, int32_t za, const uint8_t* b, bool bSigned,
                    int32_t zb, int64_t rows, int64_t inner, float multiplier, int32_t zeroPoint,
                    int32_t lo, int32_t hi, bool outSigned, uint8_t* out);
int64_t quantizeAvx512(const float* x, int64_t n, float scale, int32_t zeroPoint, int32_t qmin,
                       int32_t qmax, void* out);
int64_t quantizeAvx2(const float* x, int64_t n, float scale, int32_t zeroPoint, int32_t qmin,
                     int32_t qmax, uint8_t* out);
} // namespace int8::x86
namespace {

using namespace int8;

// Reads code i of a u8/i8 tensor as int32.
inline int32_t codeAt(const Tensor& t, int64_t i) {
    return t.dtype() == DataType::U8 ? int32_t(t.data<uint8_t>()[i]) : int32_t(t.data<int8_t>()[i]);
}

inline void storeCode(Tensor& t, int64_t i, int32_t q) {
    if (t.dtype() == DataType::U8)
        t.data<uint8_t>()[i] = uint8_t(q);
    else
        t.data<int8_t>()[i] = int8_t(q);
}

SimdPath chosenPath(const NodeAttributes& a) {
    // The CPU's features are read once per process; so are its paths.
    static const std::vector<SimdPath> paths = QGemm::supportedPaths();
    const std::string p = a.getString("simd_path", "");
    for (SimdPath path : paths)
        if (p == simdPathName(path)) return path;
    return paths.back();
}

// Codes as uint8 with the zero point shifted alike (int8 ^ 0x80 = int8 + 128).
const uint8_t* asUnsigned(const Tensor& x, int32_t& zeroPoint, std::vector<uint8_t>& buffer) {
    if (x.dtype() == DataType::U8) return x.data<uint8_t>();
    buffer.resize(size_t(x.numel()));
    const uint8_t* src = static_cast<const uint8_t*>(x.rawData());
    for (int64_t i = 0; i < x.numel(); ++i) buffer[size_t(i)] = uint8_t(src[i] ^ 0x80u);
    zeroPoint += 128;
    return buffer.data();
}

// --- Quantize / Dequantize -------------------------------------------------------------------

Status inferQuantize(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1));
    QS_TRY(ctx.requireType(0, {DataType::F32}));
    QS_ASSIGN(DataType t, codeType(ctx, "y_type"));
    ctx.setOutput(0, t, ctx.inputShape(0));
    return {};
}

Status computeQuantize(KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.allocateOutput(0);
    const float s = ctx.getFloat("scale", 1.0f);
    const int32_t z = int32_t(ctx.getInt("zero_point", 0));
    const double qmin = double(ctx.getInt("qmin", 0)), qmax = double(ctx.getInt("qmax", 255));
    const bool halfEven = ctx.getInt("half_to_even", 1) != 0;
    const float* xs = x.data<float>();
    // quantizeValue's arithmetic: division by s (as ONNX QuantizeLinear), the plan's rounding.
    const SimdPath path = halfEven ? chosenPath(ctx) : SimdPath::Generic;
    ctx.pool().parallelFor(x.numel(), 4096, [&](int64_t b, int64_t e) {
        if (path == SimdPath::Avx512)
            b += x86::quantizeAvx512(xs + b, e - b, s, z, int32_t(qmin), int32_t(qmax),
                                     static_cast<uint8_t*>(y.rawData()) + b);
        if (path != SimdPath::Generic)
            b += x86::quantizeAvx2(xs + b, e - b, s, z, int32_t(qmin), int32_t(qmax),
                                   static_cast<uint8_t*>(y.rawData()) + b);
        for (int64_t i = b; i < e; ++i) {
            const float r = halfEven ? std::nearbyint(xs[i] / s) : std::round(xs[i] / s);
            const int32_t q =
                std::isnan(r) ? z : int32_t(std::clamp(double(r) + double(z), qmin, qmax));
            storeCode(y, i, q);
        }
    });
    return {};
}

Status inferDequantize(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1));
    QS_TRY(requireCodes(ctx, 0));
    ctx.setOutput(0, DataType::F32, ctx.inputShape(0));
    return {};
}

Status computeDequantize(KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.allocateOutput(0);
    const float s = ctx.getFloat("scale", 1.0f);
    const int32_t z = int32_t(ctx.getInt("zero_point", 0));
    float* ys = y.data<float>();
    for (int64_t i = 0; i < x.numel(); ++i) ys[i] = s * float(codeAt(x, i) - z);
    return {};
}

// --- QConv ---------------------------------------------------------------------------------

class QConvKernel : public OpKernel {
public:
    static Result<std::unique_ptr<OpKernel>> create(const KernelInit& init) {
        const NodeAttributes a(init.node);
        auto k = std::make_unique<QConvKernel>();
        const Tensor* w = init.constInputs.size() > 1 ? init.constInputs[1] : nullptr;
        if (!w || w->dtype() != DataType::I8 || w->rank() != 4)
            return makeError(ErrorCode::InvalidModel,
                             "QConv needs constant int8 weights [M][C/g][kh][kw]");
        k->m_weights = *w; // shares the constant's storage (constants are immutable)
        const int64_t m = w->dim(0);
        if (init.constInputs.size() > 2 && init.constInputs[2]) {
            const Tensor* b = init.constInputs[2];
            if (b->dtype() != DataType::I32 || b->numel() != m)
                return makeError(ErrorCode::InvalidModel, "QConv bias must be int32 with ", m,
                                 " values");
            k->m_bias.assign(b->data<int32_t>(), b->data<int32_t>() + m);
        } else {
            k->m_bias.assign(size_t(m), 0);
        }
        k->m_group = a.getInt("group", 1);
        if (k->m_group < 1 || m % k->m_group != 0)
            return makeError(ErrorCode::InvalidModel, "group ", k->m_group, " does not divide ", m,
                             " output channels");
        QS_ASSIGN(WindowAttrs wa, readWindowAttrs(a));
        QS_ASSIGN(k->m_window, completeWindowAttrs(wa, 2, {w->dim(2), w->dim(3)}));
        QS_ASSIGN(k->m_out, OutputStage::read(a));
        k->m_xScale = a.getFloat("x_scale", 1.0f);
        k->m_xZero = int32_t(a.getInt("x_zero_point", 0));
        const std::vector<float> ws = a.getFloats("w_scale");
        if (int64_t(ws.size()) != m)
            return makeError(ErrorCode::InvalidModel, "QConv has ", ws.size(),
                             " weight scales for ", m, " channels");
        for (int64_t c = 0; c < m; ++c) {
            // ONNX Runtime's QLinearConv: x_scale · w_scale / y_scale, in float, in this order.
            k->m_channels.push_back(
                makeChannelRequant(k->m_xScale * ws[size_t(c)] / k->m_out.scale));
            k->m_dequant.push_back(k->m_xScale * ws[size_t(c)]);
            k->m_multipliers.push_back(k->m_channels.back().multiplier);
        }
        const int64_t mg = m / k->m_group, kk = w->numel() / m;
        k->m_depthwise = w->dim(1) == 1 && mg == 1;
        k->m_path = chosenPath(a);
        if (!k->m_depthwise) {
            for (int64_t g = 0; g < k->m_group; ++g)
                k->m_gemms.push_back(std::make_unique<QGemm>(chosenPath(a), mg, kk,
                                                             w->data<int8_t>() + g * mg * kk));
            k->m_weights = Tensor::shapeOnly(w->dtype(), w->shape()); // the values: m_gemms
        }
        return std::unique_ptr<OpKernel>(std::move(k));
    }

    // Depthwise reads its weights at run time (m_weights shares the constant's storage).
    bool prepacked(int input) const override { return input == 1 && !m_depthwise; }

    Status run(KernelContext& ctx) override {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.allocateOutput(0);
        // The geometry of the last input shape, kept (the same shape every run, as a rule).
        if (x.shape() != m_shapeOf) {
            QS_ASSIGN(m_shape, shapeFor(x.shape(), m_weights.shape(), m_group, m_window));
            m_shapeOf = x.shape();
        }
        const Conv2dShape s = m_shape;
        int32_t zx = m_xZero;
        std::vector<uint8_t> shifted;
        const uint8_t* xu = asUnsigned(x, zx, shifted);
        const int64_t p = s.outH * s.outW, mg = s.outPerGroup(), cg = s.inPerGroup();
        // The float output stage runs inside the kernels (codes straight from the accumulator
        // registers on Avx512); otherwise int32 accumulators first, then writeChannel.
        const bool fused = m_out.type != DataType::F32 && m_out.requant.kind == RequantKind::Float;
        // At most kVectorColumns output positions (1×1 planes: squeeze-excitation convs): the
        // packed-B path would pad them to 32 columns; one dot product per column instead.
        const bool columns =
            !m_depthwise && m_path == SimdPath::Avx512 && p <= QGemm::kVectorColumns;
        // Scratch reused between runs (per calling thread), not zero-filled: every element is
        // written before it is read. The parallel jobs below reach it through these plain
        // pointers (a thread_local named inside a job would be the worker's own).
        thread_local std::vector<int32_t> accBuffer, offsetBuffer;
        thread_local std::vector<uint8_t> colsBuffer, packedBuffer;
        int32_t* acc = nullptr;
        if (!fused || columns) {
            accBuffer.resize(size_t(s.outChannels * p));
            acc = accBuffer.data();
        }
        offsetBuffer.assign(size_t(s.outChannels), 0);
        int32_t* const offsets = offsetBuffer.data(); // added to acc[m][·] in the output stage
        FusedRequant rq;
        rq.offsets = offsets;
        rq.multipliers = m_multipliers.data();
        rq.zeroPoint = m_out.requant.zeroPoint;
        rq.lo = m_out.requant.lo;
        rq.hi = m_out.requant.hi;
        rq.isSigned = m_out.type == DataType::I8;
        rq.ldo = p;
        for (int64_t n = 0; n < s.batch; ++n) {
            const uint8_t* xn = xu + n * s.inChannels * s.inH * s.inW;
            uint8_t* yn = static_cast<uint8_t*>(y.rawData()) + n * s.outChannels * p;
            if (m_depthwise) {
                ctx.pool().parallelFor(s.outChannels, 1, [&](int64_t b, int64_t e) {
                    Conv2dShape part = s;
                    part.batch = 1;
                    part.inChannels = part.outChannels = part.group = e - b;
                    FusedRequant partRq = rq;
                    partRq.offsets += b;
                    partRq.multipliers += b;
                    partRq.out = yn + b * p;
                    depthwiseConv2d(m_path, part, xn + b * s.inH * s.inW, zx,
                                    m_weights.data<int8_t>() + b * s.kernelH * s.kernelW,
                                    m_bias.data() + b, fused ? nullptr : acc + b * p,
                                    fused ? &partRq : nullptr);
                    // The output stage while the planes are still in cache.
                    if (!fused)
                        for (int64_t m = b; m < e; ++m)
                            writeChannel(y, n, acc, 0, s.outChannels, m, p, 0, p);
                });
            } else {
                const bool direct = s.kernelH == 1 && s.kernelW == 1 && s.strideH == 1 &&
                                    s.strideW == 1 && s.padTop == 0 && s.padLeft == 0 &&
                                    s.outH == s.inH && s.outW == s.inW;
                for (int64_t g = 0; g < s.group; ++g) {
                    const uint8_t* xg = xn + g * cg * s.inH * s.inW;
                    const uint8_t* b = xg;
                    if (!direct) {
                        colsBuffer.resize(size_t(s.patch() * p));
                        uint8_t* cols = colsBuffer.data();
                        ctx.pool().parallelFor(
                            s.patch(), std::max<int64_t>(1, 65536 / std::max<int64_t>(1, p)),
                            [&](int64_t k0, int64_t k1) {
                                im2colU8(s, xg, uint8_t(zx), cols, k0, k1);
                            });
                        b = cols;
                    }
                    const QGemm& gemm = *m_gemms[size_t(g)];
                    // Zero-point correction Σ_k (x − z)·w = Σ x·w − z·Σ w, and the bias: one
                    // offset per channel, added in the output stage.
                    for (int64_t m = 0; m < mg; ++m)
                        offsets[g * mg + m] =
                            m_bias[size_t(g * mg + m)] - zx * gemm.rowSums()[size_t(m)];
                    if (columns) {
                        // Column j of B (K bytes), then all mg dot products of the group.
                        thread_local std::vector<uint8_t> column;
                        column.resize(size_t(s.patch()));
                        for (int64_t j = 0; j < p; ++j) {
                            for (int64_t k = 0; k < s.patch(); ++k)
                                column[size_t(k)] = b[k * p + j];
                            gemm.multiplyVector(column.data(), 0, mg, acc + g * mg * p + j, p);
                        }
                        for (int64_t m = g * mg; m < (g + 1) * mg; ++m)
                            writeChannel(y, n, acc, offsets[m], s.outChannels, m, p, 0, p);
                        continue;
                    }
                    // B packed once (in parallel over column blocks), then tiles of C in
                    // parallel, each requantized while its accumulators are still in cache.
                    packedBuffer.resize(size_t(gemm.packedBBytes(p)));
                    uint8_t* packed = packedBuffer.data();
                    const int64_t colBlocks = (p + QGemm::kColBlock - 1) / QGemm::kColBlock;
                    ctx.pool().parallelFor(colBlocks, 8, [&](int64_t jb, int64_t je) {
                        gemm.packB(p, b, p, 1, packed, jb * QGemm::kColBlock,
                                   je * QGemm::kColBlock);
                    });
                    constexpr int64_t kTileRows = 64, kTileCols = 256; // multiples of the blocks
                    const int64_t rowTiles = (mg + kTileRows - 1) / kTileRows,
                                  colTiles = (p + kTileCols - 1) / kTileCols;
                    ctx.pool().parallelFor(rowTiles * colTiles, 1, [&](int64_t tb, int64_t te) {
                        for (int64_t t = tb; t < te; ++t) {
                            const int64_t r0 = (t / colTiles) * kTileRows,
                                          r1 = std::min(mg, r0 + kTileRows);
                            const int64_t c0 = (t % colTiles) * kTileCols,
                                          c1 = std::min(p, c0 + kTileCols);
                            if (fused) {
                                FusedRequant groupRq = rq;
                                groupRq.offsets += g * mg;
                                groupRq.multipliers += g * mg;
                                groupRq.out = yn + g * mg * p;
                                gemm.multiplyRequant(packed, p, r0, r1, c0, c1, groupRq);
                                continue;
                            }
                            gemm.multiplyPacked(packed, p, r0, r1, c0, c1, acc + g * mg * p, p);
                            for (int64_t m = g * mg + r0; m < g * mg + r1; ++m)
                                writeChannel(y, n, acc, offsets[m], s.outChannels, m, p, c0,
                                             c1 - c0);
                        }
                    });
                }
            }
        }
        return {};
    }

    static Result<Conv2dShape> shapeFor(const Shape& x, const Shape& w, int64_t group,
                                        const WindowAttrs& window) {
        Conv2dShape s;
        if (x.size() != 4)
            return makeError(ErrorCode::ShapeMismatch, "QConv input must be 4-D, got ",
                             shapeToString(x));
        s.batch = x[0], s.inChannels = x[1], s.inH = x[2], s.inW = x[3];
        s.outChannels = w[0], s.kernelH = w[2], s.kernelW = w[3], s.group = group;
        if (s.inChannels != w[1] * group)
            return makeError(ErrorCode::ShapeMismatch, "QConv input has ", s.inChannels,
                             " channels, weights expect ", w[1] * group);
        QS_ASSIGN(ForwardWindow fw, forwardWindow(window, {s.inH, s.inW}));
        s.outH = fw.output[0], s.outW = fw.output[1];
        s.padTop = fw.pads[0], s.padLeft = fw.pads[1];
        s.strideH = window.strides[0], s.strideW = window.strides[1];
        s.dilationH = window.dilations[0], s.dilationW = window.dilations[1];
        return s;
    }

    // Output stage of channel m, columns [p0, p0 + pn) of a plane of p.
    void writeChannel(Tensor& y, int64_t n, const int32_t* acc, int32_t off, int64_t channels,
                      int64_t m, int64_t p, int64_t p0, int64_t pn) const {
        const int32_t* a = acc + m * p + p0;
        const int64_t base = (n * channels + m) * p + p0;
        if (m_out.type == DataType::F32) {
            float* ys = y.data<float>() + base;
            for (int64_t i = 0; i < pn; ++i) ys[i] = float(a[i] + off) * m_dequant[size_t(m)];
        } else if (m_out.requant.kind == RequantKind::Float) {
            const OutputRequant& r = m_out.requant;
            requantizeFloatRow(m_path, a, off, pn, m_channels[size_t(m)].multiplier, r.zeroPoint,
                               r.lo, r.hi, m_out.type == DataType::I8,
                               static_cast<uint8_t*>(y.rawData()) + base);
        } else {
            const OutputRequant& r = m_out.requant;
            requantizeFixedRow(m_path, a, off, pn, m_channels[size_t(m)].fixed, r.zeroPoint, r.lo,
                               r.hi, m_out.type == DataType::I8,
                               static_cast<uint8_t*>(y.rawData()) + base);
        }
    }

private:
    Tensor m_weights;
    std::vector<int32_t> m_bias;
    int64_t m_group = 1;
    WindowAttrs m_window;
    OutputStage m_out;
    float m_xScale = 1.0f;
    int32_t m_xZero = 0;
    std::vector<ChannelRequant> m_channels;
    std::vector<float> m_dequant;
    std::vector<float> m_multipliers; // m_channels' float multipliers, contiguous (FusedRequant)
    bool m_depthwise = false;
    Shape m_shapeOf; // the input shape m_shape was computed for
    Conv2dShape m_shape;
    SimdPath m_path = SimdPath::Generic;
    std::vector<std::unique_ptr<QGemm>> m_gemms;
};

Status inferQConv(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(2, 3));
    QS_TRY(requireCodes(ctx, 0));
    QS_ASSIGN(DataType t, codeType(ctx, "y_type"));
    if (!ctx.inputInfo(0).shapeKnown) {
        ctx.outputs()[0] = TensorInfo{t, {}, false};
        return {};
    }
    QS_ASSIGN(WindowAttrs wa, readWindowAttrs(ctx));
    const Shape& w = ctx.inputShape(1);
    if (w.size() != 4) return ctx.fail(ErrorCode::InvalidModel, "QConv weights must be 4-D");
    QS_ASSIGN(WindowAttrs window, completeWindowAttrs(wa, 2, {w[2], w[3]}));
    QS_ASSIGN(Conv2dShape s,
              QConvKernel::shapeFor(ctx.inputShape(0), w, ctx.getInt("group", 1), window));
    ctx.setOutput(0, t, {s.batch, s.outChannels, s.outH, s.outW});
    return {};
}

// --- QGemm ---------------------------------------------------------------------------------

class QGemmKernel : public OpKernel {
public:
    static Result<std::unique_ptr<OpKernel>> create(const KernelInit& init) {
        const NodeAttributes a(init.node);
        auto k = std::make_unique<QGemmKernel>();
        const Tensor* w = init.constInputs.size() > 1 ? init.constInputs[1] : nullptr;
        if (!w || w->dtype() != DataType::I8 || w->rank() != 2)
            return makeError(ErrorCode::InvalidModel, "QGemm needs constant int8 weights [N][K]");
        const int64_t n = w->dim(0);
        k->m_bias.assign(size_t(n), 0);
        if (init.constInputs.size() > 2 && init.constInputs[2]) {
            const Tensor* b = init.constInputs[2];
            if (b->dtype() != DataType::I32 || b->numel() != n)
                return makeError(ErrorCode::InvalidModel, "QGemm bias must be int32 with ", n,
                                 " values");
            k->m_bias.assign(b->data<int32_t>(), b->data<int32_t>() + n);
        }
        QS_ASSIGN(k->m_out, OutputStage::read(a));
        k->m_xScale = a.getFloat("x_scale", 1.0f);
        k->m_xZero = int32_t(a.getInt("x_zero_point", 0));
        const std::vector<float> ws = a.getFloats("w_scale");
        if (int64_t(ws.size()) != n)
            return makeError(ErrorCode::InvalidModel, "QGemm has ", ws.size(),
                             " weight scales for ", n, " outputs");
        for (int64_t c = 0; c < n; ++c) {
            k->m_channels.push_back(
                makeChannelRequant(k->m_xScale * ws[size_t(c)] / k->m_out.scale));
            k->m_dequant.push_back(k->m_xScale * ws[size_t(c)]);
        }
        k->m_gemm = std::make_unique<QGemm>(chosenPath(a), n, w->dim(1), w->data<int8_t>());
        return std::unique_ptr<OpKernel>(std::move(k));
    }

    bool prepacked(int input) const override { return input == 1; } // in m_gemm

    Status run(KernelContext& ctx) override {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.allocateOutput(0);
        const int64_t kk = m_gemm->k(), n = m_gemm->m(),
                      rows = x.numel() / std::max<int64_t>(1, kk);
        int32_t zx = m_xZero;
        std::vector<uint8_t> shifted, scratch;
        const uint8_t* xu = asUnsigned(x, zx, shifted);
        std::vector<int32_t> acc(size_t(n * rows)); // acc[n][row]
        if (rows <= QGemm::kVectorColumns) {
            // A few rows of activations (a classifier): dot products, output rows in parallel.
            const int64_t blocks = (n + QGemm::kRowBlock - 1) / QGemm::kRowBlock;
            for (int64_t r = 0; r < rows; ++r)
                ctx.pool().parallelFor(blocks, 16, [&](int64_t b, int64_t e) {
                    m_gemm->multiplyVector(xu + r * kk, b * QGemm::kRowBlock, e * QGemm::kRowBlock,
                                           acc.data() + r, rows);
                });
        } else {
            m_gemm->run(rows, xu, 1, kk, acc.data(), rows, scratch);
        }
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t j = 0; j < n; ++j) {
                const int32_t v = acc[size_t(j * rows + r)] + m_bias[size_t(j)] -
                                  zx * m_gemm->rowSums()[size_t(j)];
                if (m_out.type == DataType::F32)
                    y.data<float>()[r * n + j] = float(v) * m_dequant[size_t(j)];
                else
                    storeCode(y, r * n + j, m_out.requant.apply(v, m_channels[size_t(j)]));
            }
        return {};
    }

private:
    std::vector<int32_t> m_bias;
    OutputStage m_out;
    float m_xScale = 1.0f;
    int32_t m_xZero = 0;
    std::vector<ChannelRequant> m_channels;
    std::vector<float> m_dequant;
    std::unique_ptr<QGemm> m_gemm;
};

Status inferQGemm(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(2, 3));
    QS_TRY(requireCodes(ctx, 0));
    QS_ASSIGN(DataType t, codeType(ctx, "y_type"));
    const Shape& w = ctx.inputShape(1);
    if (w.size() != 2) return ctx.fail(ErrorCode::InvalidModel, "QGemm weights must be 2-D");
    if (!ctx.inputInfo(0).shapeKnown) {
        ctx.outputs()[0] = TensorInfo{t, {}, false};
        return {};
    }
    Shape out = ctx.inputShape(0);
    if (out.empty() || out.back() != w[1])
        return ctx.fail(ErrorCode::ShapeMismatch,
                        "QGemm input " + shapeToString(out) +
                            " does not end in K = " + std::to_string(w[1]));
    out.back() = w[0];
    ctx.setOutput(0, t, out);
    return {};
}

// --- QAdd / QMul ---------------------------------------------------------------------------

Status inferBinary(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(2, 2));
    QS_TRY(requireCodes(ctx, 0));
    QS_TRY(requireCodes(ctx, 1));
    for (const char* key : {"a_table_type", "b_table_type"})
        if (ctx.has(key)) {
            QS_ASSIGN(DataType tableType, codeType(ctx, key));
            if (tableType == DataType::F32)
                return ctx.fail(ErrorCode::InvalidModel, std::string(key) + " must be u8 or i8");
        }
    QS_ASSIGN(DataType t, codeType(ctx, "y_type"));
    if (t == DataType::F32) return ctx.fail(ErrorCode::InvalidModel, "y_type must be u8 or i8");
    QS_ASSIGN(Shape s, broadcastShapes(ctx.inputShape(0), ctx.inputShape(1)));
    ctx.setOutput(0, t, s);
    return {};
}

// Element strides of `shape` broadcast to `out` (0 along broadcast dims).
std::vector<int64_t> broadcastStrides(const Shape& shape, const Shape& out) {
    std::vector<int64_t> strides(out.size(), 0);
    int64_t stride = 1;
    for (int64_t i = int64_t(shape.size()) - 1, o = int64_t(out.size()) - 1; i >= 0; --i, --o) {
        strides[size_t(o)] = shape[size_t(i)] == 1 ? 0 : stride;
        stride *= shape[size_t(i)];
    }
    return strides;
}

// QMul's float form on n elements: 64 and 16 at a time on Avx512, then 8 at a time (Avx2 and
// Avx512);
// returns how many were done. bScalar: b is one code for all n.
int64_t qmulFloatRow(SimdPath path, const uint8_t* a, bool aSigned, int32_t za, const uint8_t* b,
                     bool bSigned, bool bScalar, int32_t zb, int64_t n, float multiplier,
                     const OutputRequant& rq, bool ySigned, uint8_t* out) {
    int64_t i = 0;
    if (path == SimdPath::Avx512)
        i = x86::qmulFloatAvx512(a, aSigned, za, b, bSigned, bScalar, zb, n, multiplier,
                                 rq.zeroPoint, rq.lo, rq.hi, ySigned, out);
    return i + x86::qmulFloatAvx2(a + i, aSigned, za, bScalar ? b : b + i, bSigned, bScalar, zb,
                                  n - i, multiplier, rq.zeroPoint, rq.lo, rq.hi, ySigned, out + i);
}

// An input mapped through a_table / b_table first (a Lut the fusion folded into this op): its
// codes then have the table's type and the a_ / b_ scale and zero point. Read once per kernel.
struct InputTable {
    uint8_t bytes[256] = {};
    DataType type = DataType::U8;
};

Result<std::optional<InputTable>> readInputTable(const NodeAttributes& a,
                                                 const std::string& prefix) {
    if (!a.has(prefix + "_table")) return std::optional<InputTable>();
    const std::vector<int64_t> table = a.getInts(prefix + "_table");
    if (table.size() != 256)
        return makeError(ErrorCode::InvalidModel, prefix, "_table needs 256 entries, has ",
                         table.size());
    InputTable t;
    QS_ASSIGN(t.type, codeType(a, (prefix + "_table_type").c_str()));
    for (int i = 0; i < 256; ++i) t.bytes[i] = uint8_t(table[size_t(i)]);
    return std::optional<InputTable>(t);
}

std::optional<Tensor> mappedInput(SimdPath path, const std::optional<InputTable>& table,
                                  const Tensor& x) {
    if (!table) return std::nullopt;
    Tensor y(table->type, x.shape());
    lookupTable(path, table->bytes, static_cast<const uint8_t*>(x.rawData()),
                x.dtype() == DataType::I8 ? 0x80 : 0x00, x.numel(),
                static_cast<uint8_t*>(y.rawData()));
    return y;
}

// QAdd/QMul's attributes and the constants derived from them, read once per kernel.
struct BinaryParams {
    OutputStage out;
    bool isMul = false;
    int32_t za = 0, zb = 0;
    float ra = 1, rb = 1, rm = 1, fixedPart = 0;
    FixedPointMultiplier fa, fb, fo, fm;
    SimdPath path = SimdPath::Generic;
    std::optional<InputTable> aTable, bTable;
};

constexpr int kAddLeftShift = 20;

Result<BinaryParams> readBinaryParams(const Node& node) {
    const NodeAttributes a(node);
    BinaryParams p;
    QS_ASSIGN(p.out, OutputStage::read(a));
    p.isMul = node.opType == "QMul";
    const float sa = a.getFloat("a_scale", 1.0f), sb = a.getFloat("b_scale", 1.0f);
    p.za = int32_t(a.getInt("a_zero_point", 0));
    p.zb = int32_t(a.getInt("b_zero_point", 0));
    // Float, ONNX Runtime's QLinearAdd (MLAS AVX2 kernel): with r = s_in / s_out in float and
    // K = z_c − fma(r_a, z_a, r_b·z_b), v = fma(a, r_a, fma(b, r_b, K)) on the raw codes, rounded
    // half to even. Mul: the exact integer product (a − z_a)(b − z_b) times s_a·s_b/s_c in float.
    p.ra = sa / p.out.scale, p.rb = sb / p.out.scale, p.rm = sa * sb / p.out.scale;
    p.fixedPart = float(p.out.requant.zeroPoint) - std::fma(p.ra, float(p.za), p.rb * float(p.zb));
    // Fixed point (TFLite's quantized Add): inputs << 20, scaled to twice the larger input
    // scale, summed, then the output multiplier; Mul: one multiplier on the integer product.
    const double twiceMax = 2.0 * std::max(double(sa), double(sb));
    p.fa = quantizeMultiplier(double(sa) / twiceMax);
    p.fb = quantizeMultiplier(double(sb) / twiceMax);
    p.fo = quantizeMultiplier(twiceMax / (double(1 << kAddLeftShift) * double(p.out.scale)));
    p.fm = quantizeMultiplier(double(sa) * double(sb) / double(p.out.scale));
    p.path = chosenPath(a);
    QS_ASSIGN(p.aTable, readInputTable(a, "a"));
    QS_ASSIGN(p.bTable, readInputTable(a, "b"));
    return p;
}

Status computeBinary(KernelContext& ctx, const BinaryParams& p) {
    const std::optional<Tensor> mappedA = mappedInput(p.path, p.aTable, ctx.input(0));
    const std::optional<Tensor> mappedB = mappedInput(p.path, p.bTable, ctx.input(1));
    const Tensor& a = mappedA ? *mappedA : ctx.input(0);
    const Tensor& b = mappedB ? *mappedB : ctx.input(1);
    Tensor& y = ctx.allocateOutput(0);
    const bool isMul = p.isMul;
    const int32_t za = p.za, zb = p.zb;
    const OutputRequant& rq = p.out.requant;
    const float ra = p.ra, rb = p.rb, rm = p.rm, fixedPart = p.fixedPart;
    constexpr int kLeftShift = kAddLeftShift;
    const FixedPointMultiplier &fa = p.fa, &fb = p.fb, &fo = p.fo, &fm = p.fm;
    auto combine = [&](int32_t qa, int32_t qb) -> int32_t {
        const int32_t da = qa - za, db = qb - zb;
        if (rq.kind == RequantKind::Float) {
            if (isMul) {
                const float v = float(da * db) * rm;
                return int32_t(std::nearbyint(std::clamp(v, float(rq.lo - rq.zeroPoint),
                                                         float(rq.hi - rq.zeroPoint)))) +
                       rq.zeroPoint;
            }
            const float v = std::fma(float(qa), ra, std::fma(float(qb), rb, fixedPart));
            return std::clamp(int32_t(std::nearbyint(std::clamp(v, -1e9f, 1e9f))), rq.lo, rq.hi);
        }
        if (isMul) return requantizeFixedPoint(da * db, fm, rq.zeroPoint, rq.lo, rq.hi);
        const int32_t sum = multiplyByQuantizedMultiplier(da * (1 << kLeftShift), fa) +
                            multiplyByQuantizedMultiplier(db * (1 << kLeftShift), fb);
        return requantizeFixedPoint(sum, fo, rq.zeroPoint, rq.lo, rq.hi);
    };
    const Shape& os = y.shape();
    const SimdPath path = p.path;
    const bool simd = rq.kind == RequantKind::Float && path != SimdPath::Generic;
    const bool aSigned = a.dtype() == DataType::I8, bSigned = b.dtype() == DataType::I8;
    const bool ySigned = y.dtype() == DataType::I8;
    if (a.shape() == b.shape()) {
        // Elementwise: chunks of elements in parallel (each element's arithmetic is the same in
        // any chunk).
        const uint8_t* pa = static_cast<const uint8_t*>(a.rawData());
        const uint8_t* pb = static_cast<const uint8_t*>(b.rawData());
        uint8_t* py = static_cast<uint8_t*>(y.rawData());
        ctx.pool().parallelFor(y.numel(), 32768, [&](int64_t begin, int64_t end) {
            int64_t i = begin;
            if (simd && !isMul && path == SimdPath::Avx512)
                i += x86::qaddFloatAvx512(pa + i, aSigned, pb + i, bSigned, end - i, ra, rb,
                                          fixedPart, rq.lo, rq.hi, ySigned, py + i);
            if (simd && !isMul)
                i += x86::qaddFloatAvx2(pa + i, aSigned, pb + i, bSigned, end - i, ra, rb,
                                        fixedPart, rq.lo, rq.hi, ySigned, py + i);
            else if (simd)
                i += qmulFloatRow(path, pa + begin, aSigned, za, pb + begin, bSigned, false, zb,
                                  end - begin, rm, rq, ySigned, py + begin);
            for (; i < end; ++i) storeCode(y, i, combine(codeAt(a, i), codeAt(b, i)));
        });
        return {};
    }
    // b one code per block of a (Mul(x [N,C,H,W], s [N,C,1,1]), the squeeze-excitation scale).
    if (isMul && simd && a.shape() == os && b.rank() <= a.rank()) {
        const int64_t shift = a.rank() - b.rank();
        int64_t k = a.rank(); // b's dims from k on are 1, before k equal a's
        while (k > shift && b.shape()[size_t(k - 1 - shift)] == 1) --k;
        bool blocks = true;
        for (int64_t d = 0; d < k; ++d)
            blocks = blocks && (d < shift ? a.shape()[size_t(d)] == 1
                                          : b.shape()[size_t(d - shift)] == a.shape()[size_t(d)]);
        if (blocks) {
            int64_t inner = 1;
            for (int64_t d = k; d < a.rank(); ++d) inner *= a.shape()[size_t(d)];
            const int64_t outer = y.numel() / std::max<int64_t>(1, inner);
            const uint8_t* pa = static_cast<const uint8_t*>(a.rawData());
            const uint8_t* pb = static_cast<const uint8_t*>(b.rawData());
            uint8_t* py = static_cast<uint8_t*>(y.rawData());
            // Rows in parallel (each row's arithmetic is the same in any chunk).
            ctx.pool().parallelFor(
                outer, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, inner)),
                [&](int64_t o0, int64_t o1) {
                    if (path == SimdPath::Avx512) {
                        x86::qmulRowsAvx512(pa + o0 * inner, aSigned, za, pb + o0, bSigned, zb,
                                            o1 - o0, inner, rm, rq.zeroPoint, rq.lo, rq.hi, ySigned,
                                            py + o0 * inner);
                        return;
                    }
                    for (int64_t o = o0; o < o1; ++o) {
                        int64_t i = qmulFloatRow(path, pa + o * inner, aSigned, za, pb + o, bSigned,
                                                 true, zb, inner, rm, rq, ySigned, py + o * inner);
                        const int32_t qb = codeAt(b, o);
                        for (; i < inner; ++i)
                            storeCode(y, o * inner + i, combine(codeAt(a, o * inner + i), qb));
                    }
                });
            return {};
        }
    }
    const std::vector<int64_t> stA = broadcastStrides(a.shape(), os),
                               stB = broadcastStrides(b.shape(), os);
    const int64_t rank = int64_t(os.size());
    std::vector<int64_t> index(size_t(rank), 0);
    int64_t offA = 0, offB = 0;
    for (int64_t i = 0; i < y.numel(); ++i) {
        storeCode(y, i, combine(codeAt(a, offA), codeAt(b, offB)));
        for (int64_t d = rank - 1; d >= 0; --d) { // odometer
            offA += stA[size_t(d)];
            offB += stB[size_t(d)];
            if (++index[size_t(d)] < os[size_t(d)]) break;
            offA -= stA[size_t(d)] * os[size_t(d)];
            offB -= stB[size_t(d)] * os[size_t(d)];
            index[size_t(d)] = 0;
        }
    }
    return {};
}

class BinaryKernel : public OpKernel {
public:
    static Result<std::unique_ptr<OpKernel>> create(const KernelInit& init) {
        auto k = std::make_unique<BinaryKernel>();
        QS_ASSIGN(k->m_params, readBinaryParams(init.node));
        return std::unique_ptr<OpKernel>(std::move(k));
    }
    Status run(KernelContext& ctx) override { return computeBinary(ctx, m_params); }

private:
    BinaryParams m_params;
};

// --- Requantize, Lut, Clamp ----------------------------------------------------------------

Status inferUnaryCodes(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1));
    QS_TRY(requireCodes(ctx, 0));
    DataType t = ctx.inputType(0);
    if (ctx.has("y_type")) {
        QS_ASSIGN(t, codeType(ctx, "y_type"));
    }
    if (t == DataType::F32) return ctx.fail(ErrorCode::InvalidModel, "y_type must be u8 or i8");
    ctx.setOutput(0, t, ctx.inputShape(0));
    return {};
}

Status computeRequantize(KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.allocateOutput(0);
    QS_ASSIGN(OutputStage out, OutputStage::read(ctx));
    const int32_t zx = int32_t(ctx.getInt("x_zero_point", 0));
    const ChannelRequant c = makeChannelRequant(ctx.getFloat("x_scale", 1.0f) / out.scale);
    for (int64_t i = 0; i < x.numel(); ++i)
        storeCode(y, i, out.requant.apply(codeAt(x, i) - zx, c));
    return {};
}

// The table is read once, when the kernel is made.
class LutKernel : public OpKernel {
public:
    static Result<std::unique_ptr<OpKernel>> create(const KernelInit& init) {
        const NodeAttributes a(init.node);
        const std::vector<int64_t> table = a.getInts("table");
        if (table.size() != 256)
            return makeError(ErrorCode::InvalidModel, "Lut needs 256 table entries, has ",
                             table.size());
        auto k = std::make_unique<LutKernel>();
        for (int i = 0; i < 256; ++i)
            k->m_table[i] = uint8_t(table[size_t(i)]); // codes stored as their byte
        k->m_path = chosenPath(a);
        return std::unique_ptr<OpKernel>(std::move(k));
    }

    Status run(KernelContext& ctx) override {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.allocateOutput(0);
        // Index: the code's byte, u8 as is, i8 + 128 (x ^ 0x80).
        const uint8_t flip = x.dtype() == DataType::I8 ? 0x80 : 0x00;
        const uint8_t* xs = static_cast<const uint8_t*>(x.rawData());
        uint8_t* ys = static_cast<uint8_t*>(y.rawData());
        ctx.pool().parallelFor(x.numel(), 65536, [&](int64_t b, int64_t e) {
            lookupTable(m_path, m_table, xs + b, flip, e - b, ys + b);
        });
        return {};
    }

private:
    uint8_t m_table[256] = {};
    SimdPath m_path = SimdPath::Generic;
};

Status computeClamp(KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.allocateOutput(0);
    const int32_t lo = int32_t(ctx.getInt("lo", -128)), hi = int32_t(ctx.getInt("hi", 255));
    for (int64_t i = 0; i < x.numel(); ++i) storeCode(y, i, std::clamp(codeAt(x, i), lo, hi));
    return {};
}

// --- QAveragePool --------------------------------------------------------------------------

Status inferQAveragePool(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1));
    QS_TRY(requireCodes(ctx, 0));
    QS_ASSIGN(DataType t, codeType(ctx, "y_type"));
    const Shape& x = ctx.inputShape(0);
    if (x.size() != 4) return ctx.fail(ErrorCode::ShapeMismatch, "QAveragePool input must be 4-D");
    if (ctx.getInt("global", 0)) {
        ctx.setOutput(0, t, {x[0], x[1], 1, 1});
        return {};
    }
    QS_ASSIGN(WindowAttrs wa, readWindowAttrs(ctx));
    QS_ASSIGN(WindowAttrs window, completeWindowAttrs(wa, 2, wa.kernel));
    QS_ASSIGN(ForwardWindow fw, forwardWindow(window, {x[2], x[3]}));
    ctx.setOutput(0, t, {x[0], x[1], fw.output[0], fw.output[1]});
    return {};
}

Status computeQAveragePool(KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.allocateOutput(0);
    QS_ASSIGN(OutputStage out, OutputStage::read(ctx));
    const float sx = ctx.getFloat("x_scale", 1.0f);
    const int32_t zx = int32_t(ctx.getInt("x_zero_point", 0));
    const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
    const int64_t oh = y.dim(2), ow = y.dim(3);
    int64_t kh = h, kw = w, sh = 1, sw = 1, pt = 0, pl = 0, pb = 0, pr = 0;
    bool includePad = false;
    if (!ctx.getInt("global", 0)) {
        QS_ASSIGN(WindowAttrs wa, readWindowAttrs(ctx));
        QS_ASSIGN(WindowAttrs window, completeWindowAttrs(wa, 2, wa.kernel));
        QS_ASSIGN(ForwardWindow fw, forwardWindow(window, {h, w}));
        kh = window.kernel[0], kw = window.kernel[1], sh = window.strides[0],
        sw = window.strides[1];
        pt = fw.pads[0], pl = fw.pads[1], pb = fw.pads[2], pr = fw.pads[3];
        includePad = ctx.getInt("count_include_pad", 0) != 0;
    }
    // One requantization per divisor: sum · s_x / (s_y · count).
    std::vector<ChannelRequant> byCount(size_t(kh * kw + 1));
    for (int64_t k = 1; k <= kh * kw; ++k)
        byCount[size_t(k)] = makeChannelRequant(sx / (out.scale * float(k)));
    for (int64_t plane = 0; plane < n * c; ++plane)
        for (int64_t oy = 0; oy < oh; ++oy)
            for (int64_t ox = 0; ox < ow; ++ox) {
                const int64_t y0 = oy * sh - pt, x0 = ox * sw - pl;
                int32_t sum = 0;
                int64_t valid = 0;
                for (int64_t iy = std::max<int64_t>(y0, 0); iy < std::min(y0 + kh, h); ++iy)
                    for (int64_t ix = std::max<int64_t>(x0, 0); ix < std::min(x0 + kw, w); ++ix) {
                        sum += codeAt(x, (plane * h + iy) * w + ix) - zx;
                        ++valid;
                    }
                int64_t count = valid;
                if (includePad)
                    count = (std::min(y0 + kh, h + pb) - std::max(y0, -pt)) *
                            (std::min(x0 + kw, w + pr) - std::max(x0, -pl));
                count = std::clamp<int64_t>(count, 1, kh * kw);
                storeCode(y, (plane * oh + oy) * ow + ox,
                          out.requant.apply(sum, byCount[size_t(count)]));
            }
    return {};
}

// Global average pooling from cached attributes: plane sums of the code bytes (vpsadbw on the
// SIMD paths), Σ (q − z_x) = Σ byte − n·z' with z' = z_x (u8) or z_x + 128 (i8, byte = q + 128),
// the windowed loop's integer, and its requantization. Windowed pools: computeQAveragePool.
class QAveragePoolKernel : public OpKernel {
public:
    static Result<std::unique_ptr<OpKernel>> create(const KernelInit& init) {
        const NodeAttributes a(init.node);
        auto k = std::make_unique<QAveragePoolKernel>();
        QS_ASSIGN(k->m_out, OutputStage::read(a));
        k->m_xScale = a.getFloat("x_scale", 1.0f);
        k->m_xZero = int32_t(a.getInt("x_zero_point", 0));
        k->m_global = a.getInt("global", 0) != 0;
        k->m_path = chosenPath(a);
        return std::unique_ptr<OpKernel>(std::move(k));
    }

    Status run(KernelContext& ctx) override {
        const Tensor& x = ctx.input(0);
        const int64_t planes = x.dim(0) * x.dim(1), hw = x.dim(2) * x.dim(3);
        if (!m_global || hw == 0) return computeQAveragePool(ctx);
        Tensor& y = ctx.allocateOutput(0);
        const ChannelRequant r = makeChannelRequant(m_xScale / (m_out.scale * float(hw)));
        const uint8_t flip = x.dtype() == DataType::I8 ? 0x80 : 0x00;
        const int32_t zb = m_xZero + (flip ? 128 : 0);
        std::vector<int32_t> sums(static_cast<size_t>(planes)); // no state: runs may overlap
        planeSums(m_path, static_cast<const uint8_t*>(x.rawData()), flip, planes, hw, sums.data());
        for (int64_t p = 0; p < planes; ++p)
            storeCode(y, p, m_out.requant.apply(sums[size_t(p)] - int32_t(hw) * zb, r));
        return {};
    }

private:
    OutputStage m_out;
    float m_xScale = 1.0f;
    int32_t m_xZero = 0;
    bool m_global = false;
    SimdPath m_path = SimdPath::Generic;
};

// --- QMaxPool --------------------------------------------------------------------------------

// MaxPool on codes (2-D, dilation 1, no Indices output; the lowering checks), maxPool2d.
Status inferQMaxPool(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1));
    QS_TRY(requireCodes(ctx, 0));
    const Shape& x = ctx.inputShape(0);
    if (x.size() != 4) return ctx.fail(ErrorCode::ShapeMismatch, "QMaxPool input must be 4-D");
    QS_ASSIGN(WindowAttrs wa, readWindowAttrs(ctx));
    QS_ASSIGN(WindowAttrs window, completeWindowAttrs(wa, 2, wa.kernel));
    for (int64_t d : window.dilations)
        if (d != 1) return ctx.fail(ErrorCode::Unsupported, "QMaxPool dilations must be 1");
    QS_ASSIGN(ForwardWindow fw, forwardWindow(window, {x[2], x[3]}));
    ctx.setOutput(0, ctx.inputType(0), {x[0], x[1], fw.output[0], fw.output[1]});
    return {};
}

Status computeQMaxPool(KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.allocateOutput(0);
    QS_ASSIGN(WindowAttrs wa, readWindowAttrs(ctx));
    QS_ASSIGN(WindowAttrs window, completeWindowAttrs(wa, 2, wa.kernel));
    QS_ASSIGN(ForwardWindow fw, forwardWindow(window, {x.dim(2), x.dim(3)}));
    MaxPoolShape s;
    s.h = x.dim(2), s.w = x.dim(3), s.outH = y.dim(2), s.outW = y.dim(3);
    s.kernelH = window.kernel[0], s.kernelW = window.kernel[1];
    s.strideH = window.strides[0], s.strideW = window.strides[1];
    s.padTop = fw.pads[0], s.padLeft = fw.pads[1];
    if (y.numel() == 0) return {};
    const uint8_t flip = x.dtype() == DataType::I8 ? 0x80 : 0x00;
    const uint8_t* xs = static_cast<const uint8_t*>(x.rawData());
    uint8_t* ys = static_cast<uint8_t*>(y.rawData());
    const SimdPath path = chosenPath(ctx);
    const int64_t inPlane = s.h * s.w, outPlane = s.outH * s.outW;
    ctx.pool().parallelFor(x.dim(0) * x.dim(1),
                           std::max<int64_t>(1, 4096 / std::max<int64_t>(1, outPlane)),
                           [&](int64_t b, int64_t e) {
                               MaxPoolShape part = s;
                               part.planes = e - b;
                               maxPool2d(path, part, xs + b * inPlane, flip, ys + b * outPlane);
                           });
    return {};
}

} // namespace

extern const OpDef kOpInt8Quantize{
    .type = "Quantize", .domain = "qs.int8", .infer = inferQuantize, .compute = computeQuantize};
extern const OpDef kOpInt8Dequantize{.type = "Dequantize",
                                     .domain = "qs.int8",
                                     .infer = inferDequantize,
                                     .compute = computeDequantize};
extern const OpDef kOpInt8QConv{.type = "QConv",
                                .domain = "qs.int8",
                                .infer = inferQConv,
                                .create = QConvKernel::create};
extern const OpDef kOpInt8QGemm{
    .type = "QGemm", .domain = "qs.int8", .infer = inferQGemm, .create = QGemmKernel::create};
extern const OpDef kOpInt8QAdd{
    .type = "QAdd", .domain = "qs.int8", .infer = inferBinary, .create = BinaryKernel::create};
extern const OpDef kOpInt8QMul{
    .type = "QMul", .domain = "qs.int8", .infer = inferBinary, .create = BinaryKernel::create};
extern const OpDef kOpInt8Requantize{.type = "Requantize",
                                     .domain = "qs.int8",
                                     .infer = inferUnaryCodes,
                                     .compute = computeRequantize};
extern const OpDef kOpInt8Lut{
    .type = "Lut", .domain = "qs.int8", .infer = inferUnaryCodes, .create = LutKernel::create};
extern const OpDef kOpInt8Clamp{
    .type = "Clamp", .domain = "qs.int8", .infer = inferUnaryCodes, .compute = computeClamp};
extern const OpDef kOpInt8QMaxPool{
    .type = "QMaxPool", .domain = "qs.int8", .infer = inferQMaxPool, .compute = computeQMaxPool};
extern const OpDef kOpInt8QAveragePool{.type = "QAveragePool",
                                       .domain = "qs.int8",
                                       .infer = inferQAveragePool,
                                       .create = QAveragePoolKernel::create};

} // namespace qs
