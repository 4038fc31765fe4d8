// Resize (opset 10, 11, 13, 18, 19) and Upsample (opset 7: scales attribute; 9: scales input):
// shape inference and the row kernel. resize_plan.cpp turns the attributes into per-axis tap
// tables (nearest: 1 tap, linear: 2, cubic: 4); here the outer axes' taps combine per output
// row and the last axis' taps finish each element. Collapsed axes keep bilinear NCHW at 4 taps
// per output, and nearest is a pure gather of any dtype.
#include "ops/resize_plan.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace qs {
namespace {

std::vector<const Tensor*> knownValues(const InferContext& ctx) {
    std::vector<const Tensor*> v(size_t(ctx.numInputs()), nullptr);
    for (int i = 1; i < ctx.numInputs(); ++i) v[size_t(i)] = ctx.inputValue(i);
    return v;
}

Status inferResize(InferContext& ctx) {
    const bool legacy = isLegacy(ctx, ctx.opset());
    if (isUpsample(ctx) && ctx.opset() < 7)
        return ctx.fail(ErrorCode::Unsupported, "Upsample before opset 7 is not supported");
    QS_TRY(isUpsample(ctx) && ctx.opset() < 9 ? ctx.requireInputs(1, 1)
                                              : ctx.requireInputs(legacy ? 2 : 1, legacy ? 2 : 4));
    QS_ASSIGN(ResizeAttrs attrs, resizeAttrs(ctx, ctx.opset()));
    if (attrs.interp != ResizeInterp::Nearest && ctx.inputType(0) != DataType::F32 &&
        ctx.inputType(0) != DataType::F16)
        return ctx.fail(ErrorCode::Unsupported,
                        std::string("linear and cubic modes support f32 and f16, not ") +
                            dataTypeName(ctx.inputType(0)));
    // Scales and sizes decide the shape; an input that is given but not known stops here.
    for (int i = legacy ? 1 : 2; i <= (legacy ? 1 : 3); ++i)
        if (ctx.hasInput(i) && !ctx.inputValue(i) &&
            !(ctx.inputInfo(i).isFullyKnown() && numelOf(ctx.inputShape(i)) == 0))
            return InferContext::valueNotKnown(i);
    if (!ctx.inputInfo(0).shapeKnown) {
        ctx.outputs()[0] = TensorInfo{ctx.inputType(0), {}, false};
        return {};
    }
    QS_ASSIGN(ResizeGeometry g,
              resizeGeometry(ctx, ctx.opset(), ctx.inputShape(0), knownValues(ctx)));
    ctx.setOutput(0, ctx.inputType(0), std::move(g.out));
    return {};
}

// h[x] = sum_k weight[x][k] * in[index[x][k]]: one input row interpolated along the last dim,
// with the tap count fixed at compile time so the inner sum unrolls.
template <int Taps>
void interpolateRow(float* __restrict h, const float* __restrict in, const ResizeAxisTaps& last,
                    int64_t width) {
    const int64_t* __restrict index = last.index.data();
    const float* __restrict weight = last.weight.data();
    for (int64_t x = 0; x < width; ++x) {
        float v = 0.0f;
        for (int k = 0; k < Taps; ++k) v += weight[x * Taps + k] * in[index[x * Taps + k]];
        h[x] = v;
    }
}

// The last few input rows interpolated along the last dim, by input offset: neighbouring output
// rows read the same input rows, so each is interpolated once per chunk, not once per use.
// A cached row is bit for bit the row recomputed, so chunking does not change results.
class RowCache {
public:
    static constexpr int kSlots = 8;
    RowCache(int64_t width, const ResizeAxisTaps& last)
        : m_width(width)
        , m_last(last)
        , m_rows(size_t(kSlots * width)) {}

    const float* row(const float* src, int64_t offset) {
        for (int i = 0; i < kSlots; ++i)
            if (m_offsets[i] == offset) return &m_rows[size_t(i * m_width)];
        const int slot = m_next;
        m_next = (m_next + 1) % kSlots;
        m_offsets[slot] = offset;
        float* h = &m_rows[size_t(slot * m_width)];
        switch (m_last.taps) {
        case 1:
            interpolateRow<1>(h, src + offset, m_last, m_width);
            break;
        case 2:
            interpolateRow<2>(h, src + offset, m_last, m_width);
            break;
        default:
            interpolateRow<4>(h, src + offset, m_last, m_width);
            break;
        }
        return h;
    }

private:
    int64_t m_width;
    const ResizeAxisTaps& m_last;
    std::vector<float> m_rows;
    int64_t m_offsets[kSlots] = {-1, -1, -1, -1, -1, -1, -1, -1};
    int m_next = 0;
};

// One output row (all dims but the last fixed): `outer` lists the (input offset, weight)
// combinations of the outer dims' taps; the last dim's taps finish each element. A row whose
// outer taps equal the previous row's (nearest or integer-ratio upsampling) is a copy of it,
// bit for bit what recomputing would give.
template <class T>
void resizeRows(const T* src, T* dst, const Shape& inShape, const Shape& outShape,
                const std::vector<ResizeAxisTaps>& axes, T extrapolation, int64_t rowBegin,
                int64_t rowEnd) {
    const int rank = int(outShape.size());
    const std::vector<int64_t> inStrides = stridesOf(inShape);
    const ResizeAxisTaps& last = axes.back();
    const int64_t width = outShape.back();
    const int taps = last.taps;
    std::vector<std::pair<int64_t, float>> outer, next, previous;
    bool previousOutside = false;
    std::vector<float> acc(std::is_same_v<T, float> ? size_t(width) : 0);
    RowCache cache(std::is_same_v<T, float> ? width : 0, last);
    for (int64_t row = rowBegin; row < rowEnd; ++row) {
        T* out = dst + row * width;
        outer.assign(1, {0, 1.0f});
        bool outside = false;
        int64_t rest = row;
        for (int d = rank - 2; d >= 0; --d) {
            const int64_t x = rest % outShape[size_t(d)];
            rest /= outShape[size_t(d)];
            const ResizeAxisTaps& t = axes[size_t(d)];
            outside = outside || t.outside[size_t(x)];
            next.clear();
            for (const auto& [offset, w] : outer)
                for (int k = 0; k < t.taps; ++k) {
                    const float wk = t.weight[size_t(x * t.taps + k)];
                    if (wk != 0.0f)
                        next.emplace_back(offset + t.index[size_t(x * t.taps + k)] *
                                                       inStrides[size_t(d)],
                                          w * wk);
                }
            std::swap(outer, next);
        }
        if (row > rowBegin && outside == previousOutside && outer == previous) {
            std::memcpy(out, out - width, size_t(width) * sizeof(T));
            continue;
        }
        previous = outer;
        previousOutside = outside;
        if (outside) {
            std::fill_n(out, width, extrapolation);
        } else if (outer.size() == 1 && outer[0].second == 1.0f && taps == 1) {
            // A gather: nearest, or any mode whose taps all collapsed.
            const T* in = src + outer[0].first;
            for (int64_t x = 0; x < width; ++x)
                out[x] = last.outside[size_t(x)] ? extrapolation : in[last.index[size_t(x)]];
        } else if constexpr (std::is_same_v<T, float>) {
            // Per element: sum over outer taps of w * (sum over last-dim taps of wk * x).
            std::fill(acc.begin(), acc.end(), 0.0f);
            for (const auto& [offset, w] : outer) {
                const float* h = cache.row(src, offset);
                for (int64_t x = 0; x < width; ++x) acc[size_t(x)] += w * h[x];
            }
            for (int64_t x = 0; x < width; ++x)
                out[x] = last.outside[size_t(x)] ? extrapolation : acc[size_t(x)];
        }
    }
}

Status computeResize(KernelContext& ctx) {
    QS_ASSIGN(ResizeAttrs attrs, resizeAttrs(ctx, ctx.opset()));
    std::vector<const Tensor*> values(size_t(ctx.numInputs()), nullptr);
    for (int i = 1; i < ctx.numInputs(); ++i) values[size_t(i)] = ctx.inputOrNull(i);
    const Tensor& in = ctx.input(0);
    QS_ASSIGN(ResizeGeometry g, resizeGeometry(ctx, ctx.opset(), in.shape(), values));
    Tensor& out = ctx.allocateOutput(0);
    if (out.numel() == 0) return {};
    if (in.rank() == 0) {
        std::memcpy(out.rawData(), in.rawData(), in.byteSize());
        return {};
    }
    std::vector<ResizeAxisTaps> axes;
    bool allSingle = true;
    for (int d = 0; d < in.rank(); ++d) {
        axes.push_back(axisTaps(attrs, in.dim(d), out.dim(d), g.scale[size_t(d)],
                                g.roiStart[size_t(d)], g.roiEnd[size_t(d)]));
        allSingle = allSingle && axes.back().taps == 1;
    }
    const int64_t rows = out.numel() / out.dim(-1);
    const int64_t grain = std::max<int64_t>(1, 8192 / out.dim(-1));
    auto run = [&](auto* src, auto* dst, auto extrapolation) {
        ctx.pool().parallelFor(rows, grain, [&](int64_t b, int64_t e) {
            resizeRows(src, dst, in.shape(), out.shape(), axes, extrapolation, b, e);
        });
    };
    const Tensor extrapolation = Tensor::scalar<float>(attrs.extrapolation).castTo(in.dtype());
    if (in.dtype() == DataType::F32) {
        run(in.data<float>(), out.data<float>(), attrs.extrapolation);
    } else if (allSingle) {
        // Nearest (or an identity-like linear resize) of any dtype moves raw elements.
        switch (dataTypeSize(in.dtype())) {
        case 1:
            run(static_cast<const uint8_t*>(in.rawData()), static_cast<uint8_t*>(out.rawData()),
                *static_cast<const uint8_t*>(extrapolation.rawData()));
            break;
        case 2:
            run(static_cast<const uint16_t*>(in.rawData()), static_cast<uint16_t*>(out.rawData()),
                *static_cast<const uint16_t*>(extrapolation.rawData()));
            break;
        case 4:
            run(static_cast<const uint32_t*>(in.rawData()), static_cast<uint32_t*>(out.rawData()),
                *static_cast<const uint32_t*>(extrapolation.rawData()));
            break;
        default:
            run(static_cast<const uint64_t*>(in.rawData()), static_cast<uint64_t*>(out.rawData()),
                *static_cast<const uint64_t*>(extrapolation.rawData()));
            break;
        }
    } else if (in.dtype() == DataType::F16) {
        // Interpolate in f32 and round back to f16 (round to nearest even).
        const Tensor in32 = in.castTo(DataType::F32);
        Tensor out32(DataType::F32, out.shape());
        run(in32.data<float>(), out32.data<float>(), attrs.extrapolation);
        out = out32.castTo(DataType::F16);
    } else {
        return makeError(ErrorCode::Unsupported, "interpolating ", dataTypeName(in.dtype()),
                         " is not supported");
    }
    return {};
}

} // namespace

extern const OpDef kOpResize{.type = "Resize", .infer = inferResize, .compute = computeResize};
extern const OpDef kOpUpsample{.type = "Upsample", .infer = inferResize, .compute = computeResize};

} // namespace qs
