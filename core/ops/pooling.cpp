// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool over 1, 2 or 3 spatial dims.
//
// MaxPool: pads, strides, dilations, ceil_mode, storage_order and the optional Indices output
// (flat index into the input, row-major or, with storage_order 1, column-major within each
// plane, as ONNX Runtime computes it); f32, and u8/i8 for the integer executor's passive path.
// Padding never wins a max. AveragePool: the sum of the window's elements (fp32, in window
// order) divided by the number of input elements in it, or with count_include_pad by the
// window clipped to the padded input (ONNX Runtime's rule: explicit pads count, the extra
// ceil_mode overhang does not).
#include "ops/conv_geometry.h"
#include "ops/op.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs {
namespace {

struct PoolSetup {
    WindowAttrs attrs; // completed
    ForwardWindow window;
};

Result<PoolSetup> resolvePool(const NodeAttributes& node, const Shape& x, bool allowDilations) {
    if (x.size() < 3)
        return makeError(ErrorCode::InvalidModel, "input 0 has ", x.size(),
                         " dims, expected at least 3 (N, C, spatial...)");
    QS_ASSIGN(WindowAttrs raw, readWindowAttrs(node));
    if (raw.kernel.empty())
        return makeError(ErrorCode::InvalidModel, "missing attribute 'kernel_shape'");
    if (!allowDilations && !raw.dilations.empty() &&
        std::any_of(raw.dilations.begin(), raw.dilations.end(), [](int64_t d) { return d != 1; }))
        return makeError(ErrorCode::Unsupported,
                         "AveragePool dilations other than 1 are not supported");
    PoolSetup s;
    QS_ASSIGN(s.attrs, completeWindowAttrs(raw, int(x.size()) - 2, {}));
    QS_ASSIGN(s.window, forwardWindow(s.attrs, std::vector<int64_t>(x.begin() + 2, x.end())));
    return s;
}

Shape pooledShape(const Shape& x, const std::vector<int64_t>& spatial) {
    Shape out{x[0], x[1]};
    out.insert(out.end(), spatial.begin(), spatial.end());
    return out;
}

Status inferPool(InferContext& ctx) {
    const bool isMax = ctx.node().opType == "MaxPool";
    QS_TRY(ctx.requireInputs(1, 1));
    if (isMax)
        QS_TRY(ctx.requireType(0, {DataType::F32, DataType::U8, DataType::I8}));
    else
        QS_TRY(ctx.requireType(0, {DataType::F32}));
    const TensorInfo& x = ctx.inputInfo(0);
    if (!x.shapeKnown) {
        ctx.outputs()[0] = TensorInfo{x.dtype, {}, false};
        if (ctx.numOutputs() > 1) ctx.outputs()[1] = TensorInfo{DataType::I64, {}, false};
        return {};
    }
    QS_ASSIGN(PoolSetup s, resolvePool(ctx, x.shape, isMax));
    const Shape out = pooledShape(x.shape, s.window.output);
    ctx.setOutput(0, x.dtype, out);
    if (ctx.numOutputs() > 1 && ctx.node().outputs[1] != kNoValue) {
        if (!isMax) return ctx.fail(ErrorCode::InvalidModel, "AveragePool has one output");
        ctx.setOutput(1, DataType::I64, out);
    }
    return {};
}

// Per output index of one dim, the kernel taps [lo, hi) that land inside the input.
struct TapRanges {
    std::vector<int64_t> lo, hi;
};

TapRanges tapRanges(int64_t out, int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                    int64_t padBegin) {
    TapRanges r;
    r.lo.resize(size_t(out));
    r.hi.resize(size_t(out));
    for (int64_t o = 0; o < out; ++o) {
        const int64_t start = o * stride - padBegin;
        const int64_t lo = start < 0 ? (-start + dilation - 1) / dilation : 0;
        const int64_t hi =
            in - start <= 0 ? 0 : std::min(kernel, (in - start + dilation - 1) / dilation);
        r.lo[size_t(o)] = std::min(lo, kernel);
        r.hi[size_t(o)] = std::max(hi, r.lo[size_t(o)]);
    }
    return r;
}

// 2-D (and 1-D) MaxPool without Indices: taps outside, output columns inside, so the inner
// loop is a plain running max the compiler vectorises. Windows lying wholly in the padding
// give -inf (float) or the type's lowest value, as the general loop does.
template <class T>
void maxPool2dPlanes(const T* x, T* y, int64_t planes, const Geometry3d& g, ThreadPool& pool) {
    const int64_t inPlane = g.inSize(), outPlane = g.outSize();
    const TapRanges rows =
        tapRanges(g.out[1], g.in[1], g.kernel[1], g.stride[1], g.dilation[1], g.padBegin[1]);
    // Per kernel column: the output columns whose tap lands inside the row.
    std::vector<int64_t> colLo(size_t(g.kernel[2])), colHi(size_t(g.kernel[2]));
    for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
        const int64_t off = kw * g.dilation[2] - g.padBegin[2]; // input column = ow·s + off
        int64_t lo = off >= 0 ? 0 : (-off + g.stride[2] - 1) / g.stride[2];
        int64_t hi = g.in[2] - off <= 0 ? 0 : (g.in[2] - off - 1) / g.stride[2] + 1;
        lo = std::min(lo, g.out[2]);
        colLo[size_t(kw)] = lo;
        colHi[size_t(kw)] = std::clamp(hi, lo, g.out[2]);
    }
    const T initial = std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                           : std::numeric_limits<T>::lowest();
    auto work = [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
            const T* xp = x + p * inPlane;
            for (int64_t oh = 0; oh < g.out[1]; ++oh) {
                T* out = y + p * outPlane + oh * g.out[2];
                std::fill(out, out + g.out[2], initial);
                for (int64_t kh = rows.lo[size_t(oh)]; kh < rows.hi[size_t(oh)]; ++kh) {
                    const T* row =
                        xp + (oh * g.stride[1] - g.padBegin[1] + kh * g.dilation[1]) * g.in[2];
                    for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                        const int64_t off = kw * g.dilation[2] - g.padBegin[2];
                        const int64_t s = g.stride[2];
                        for (int64_t ow = colLo[size_t(kw)]; ow < colHi[size_t(kw)]; ++ow) {
                            const T v = row[ow * s + off];
                            out[ow] = v > out[ow] ? v : out[ow];
                        }
                    }
                }
            }
        }
    };
    pool.parallelFor(planes, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, outPlane)), work);
}

template <class T>
void maxPoolPlanes(const T* x, T* y, int64_t* indices, int64_t planes, const Geometry3d& g,
                   bool columnMajor, ThreadPool& pool) {
    const int64_t inPlane = g.inSize(), outPlane = g.outSize();
    TapRanges taps[3];
    for (size_t d = 0; d < 3; ++d)
        taps[d] =
            tapRanges(g.out[d], g.in[d], g.kernel[d], g.stride[d], g.dilation[d], g.padBegin[d]);
    auto work = [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
            const T* xp = x + p * inPlane;
            int64_t o = p * outPlane;
            for (int64_t od = 0; od < g.out[0]; ++od)
                for (int64_t oh = 0; oh < g.out[1]; ++oh) {
                    const int64_t d0 = od * g.stride[0] - g.padBegin[0];
                    const int64_t h0 = oh * g.stride[1] - g.padBegin[1];
                    for (int64_t ow = 0; ow < g.out[2]; ++ow, ++o) {
                        const int64_t w0 = ow * g.stride[2] - g.padBegin[2];
                        T best = std::numeric_limits<T>::lowest();
                        int64_t bestIndex = -1;
                        for (int64_t kd = taps[0].lo[size_t(od)]; kd < taps[0].hi[size_t(od)];
                             ++kd) {
                            const int64_t id = d0 + kd * g.dilation[0];
                            for (int64_t kh = taps[1].lo[size_t(oh)]; kh < taps[1].hi[size_t(oh)];
                                 ++kh) {
                                const int64_t rowStart =
                                    (id * g.in[1] + h0 + kh * g.dilation[1]) * g.in[2];
                                for (int64_t kw = taps[2].lo[size_t(ow)];
                                     kw < taps[2].hi[size_t(ow)]; ++kw) {
                                    const int64_t i = rowStart + w0 + kw * g.dilation[2];
                                    // The first maximum wins (a NaN first element stays).
                                    if (xp[i] > best || bestIndex < 0) {
                                        best = xp[i];
                                        bestIndex = i;
                                    }
                                }
                            }
                        }
                        y[o] = best;
                        if (indices) {
                            int64_t flat = bestIndex;
                            if (columnMajor && bestIndex >= 0) {
                                const int64_t iw = bestIndex % g.in[2],
                                              ih = (bestIndex / g.in[2]) % g.in[1];
                                const int64_t id = bestIndex / (g.in[2] * g.in[1]);
                                flat = (iw * g.in[1] + ih) * g.in[0] + id;
                            }
                            indices[o] = bestIndex < 0 ? -1 : p * inPlane + flat;
                        }
                    }
                }
        }
    };
    pool.parallelFor(planes, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, outPlane)), work);
}

void averagePoolPlanes(const float* x, float* y, int64_t planes, const Geometry3d& g,
                       const std::array<int64_t, 3>& padEnd, bool countIncludePad,
                       ThreadPool& pool) {
    const int64_t inPlane = g.inSize(), outPlane = g.outSize();
    auto work = [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
            const float* xp = x + p * inPlane;
            float* yp = y + p * outPlane;
            for (int64_t od = 0; od < g.out[0]; ++od)
                for (int64_t oh = 0; oh < g.out[1]; ++oh)
                    for (int64_t ow = 0; ow < g.out[2]; ++ow) {
                        const int64_t o[3] = {od, oh, ow};
                        int64_t lo[3], hi[3], padded = 1;
                        for (int d = 0; d < 3; ++d) {
                            const int64_t start =
                                o[d] * g.stride[size_t(d)] - g.padBegin[size_t(d)];
                            const int64_t end = start + g.kernel[size_t(d)];
                            padded *= std::min(end, g.in[size_t(d)] + padEnd[size_t(d)]) - start;
                            lo[d] = std::max<int64_t>(start, 0);
                            hi[d] = std::min(end, g.in[size_t(d)]);
                        }
                        float sum = 0.0f;
                        for (int64_t id = lo[0]; id < hi[0]; ++id)
                            for (int64_t ih = lo[1]; ih < hi[1]; ++ih) {
                                const float* row = xp + (id * g.in[1] + ih) * g.in[2];
                                for (int64_t iw = lo[2]; iw < hi[2]; ++iw) sum += row[iw];
                            }
                        const int64_t count = countIncludePad
                                                  ? padded
                                                  : std::max<int64_t>(0, hi[0] - lo[0]) *
                                                        std::max<int64_t>(0, hi[1] - lo[1]) *
                                                        std::max<int64_t>(0, hi[2] - lo[2]);
                        yp[(od * g.out[1] + oh) * g.out[2] + ow] =
                            count > 0 ? sum / float(count) : 0.0f;
                    }
        }
    };
    pool.parallelFor(planes, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, outPlane)), work);
}

Status computePool(KernelContext& ctx) {
    const bool isMax = ctx.node().opType == "MaxPool";
    const Tensor& x = ctx.input(0);
    QS_ASSIGN(PoolSetup s, resolvePool(ctx, x.shape(), isMax));
    const size_t rank = size_t(x.rank() - 2);
    if (rank > 3)
        return makeError(ErrorCode::Unsupported, ctx.node().opType, " with ", rank,
                         " spatial dims is not supported (at most 3)");
    const std::vector<int64_t> in(x.shape().begin() + 2, x.shape().end());
    const Geometry3d g = toGeometry3d(in, s.window.output, s.attrs, s.window.pads);
    const int64_t planes = x.dim(0) * x.dim(1);
    Tensor& y = ctx.allocateOutput(0);
    const bool wantIndices = ctx.numOutputs() > 1 && ctx.node().outputs[1] != kNoValue;
    int64_t* indices = wantIndices ? ctx.allocateOutput(1).data<int64_t>() : nullptr;
    if (y.numel() == 0) return {};
    if (isMax) {
        const int64_t order = ctx.getInt("storage_order", 0);
        if (order != 0 && order != 1)
            return makeError(ErrorCode::InvalidModel, "storage_order ", order, " is not 0 or 1");
        if (!indices && g.in[0] == 1 && g.kernel[0] == 1) {
            switch (x.dtype()) {
            case DataType::F32:
                maxPool2dPlanes(x.data<float>(), y.data<float>(), planes, g, ctx.pool());
                return {};
            case DataType::U8:
                maxPool2dPlanes(x.data<uint8_t>(), y.data<uint8_t>(), planes, g, ctx.pool());
                return {};
            case DataType::I8:
                maxPool2dPlanes(x.data<int8_t>(), y.data<int8_t>(), planes, g, ctx.pool());
                return {};
            default:
                break;
            }
        }
        switch (x.dtype()) {
        case DataType::F32:
            maxPoolPlanes(x.data<float>(), y.data<float>(), indices, planes, g, order == 1,
                          ctx.pool());
            break;
        case DataType::U8:
            maxPoolPlanes(x.data<uint8_t>(), y.data<uint8_t>(), indices, planes, g, order == 1,
                          ctx.pool());
            break;
        case DataType::I8:
            maxPoolPlanes(x.data<int8_t>(), y.data<int8_t>(), indices, planes, g, order == 1,
                          ctx.pool());
            break;
        default:
            return makeError(ErrorCode::Unsupported, "MaxPool on ", dataTypeName(x.dtype()),
                             " is not supported");
        }
        return {};
    }
    std::array<int64_t, 3> padEnd{0, 0, 0};
    for (size_t i = 0; i < rank; ++i) padEnd[3 - rank + i] = s.window.pads[rank + i];
    const bool countIncludePad = ctx.getInt("count_include_pad", 0) != 0;
    averagePoolPlanes(x.data<float>(), y.data<float>(), planes, g, padEnd, countIncludePad,
                      ctx.pool());
    return {};
}

// --- Global pools: one value per (n, c) plane.

Status inferGlobalPool(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1));
    QS_TRY(ctx.requireType(0, {DataType::F32}));
    const TensorInfo& x = ctx.inputInfo(0);
    if (!x.shapeKnown) {
        ctx.outputs()[0] = TensorInfo{x.dtype, {}, false};
        return {};
    }
    if (x.shape.size() < 3)
        return ctx.fail(ErrorCode::InvalidModel,
                        "input 0 has " + std::to_string(x.shape.size()) +
                            " dims, expected at least 3 (N, C, spatial...)");
    Shape out = x.shape;
    std::fill(out.begin() + 2, out.end(), 1);
    ctx.setOutput(0, x.dtype, std::move(out));
    return {};
}

Status computeGlobalPool(KernelContext& ctx) {
    const bool isMax = ctx.node().opType == "GlobalMaxPool";
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.allocateOutput(0);
    const int64_t planes = x.dim(0) * x.dim(1);
    if (planes == 0) return {};
    const int64_t size = x.numel() / planes;
    const float* xd = x.data<float>();
    float* yd = y.data<float>();
    auto work = [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
            const float* xp = xd + p * size;
            if (isMax) {
                float best = size > 0 ? xp[0] : -std::numeric_limits<float>::infinity();
                // NaN propagates: once best is NaN no comparison replaces it.
                for (int64_t i = 1; i < size; ++i)
                    if (xp[i] > best || std::isnan(xp[i])) best = xp[i];
                yd[p] = best;
            } else {
                // Four partial sums (fixed order) so the loop vectorises; the mean rounds once.
                float s[4] = {0, 0, 0, 0};
                int64_t i = 0;
                for (; i + 4 <= size; i += 4)
                    for (int j = 0; j < 4; ++j) s[j] += xp[i + j];
                for (; i < size; ++i) s[0] += xp[i];
                yd[p] = size > 0 ? ((s[0] + s[1]) + (s[2] + s[3])) / float(size) : 0.0f;
            }
        }
    };
    ctx.pool().parallelFor(planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, size)), work);
    return {};
}

} // namespace

extern const OpDef kOpMaxPool{.type = "MaxPool", .infer = inferPool, .compute = computePool};
extern const OpDef kOpAveragePool{
    .type = "AveragePool", .infer = inferPool, .compute = computePool};
extern const OpDef kOpGlobalAveragePool{
    .type = "GlobalAveragePool", .infer = inferGlobalPool, .compute = computeGlobalPool};
extern const OpDef kOpGlobalMaxPool{
    .type = "GlobalMaxPool", .infer = inferGlobalPool, .compute = computeGlobalPool};

} // namespace qs
