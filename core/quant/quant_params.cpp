#include "quant/quant_params.h"

#include "kernels/fake_quant.h"
#include "util/thread_pool.h"

#include <algorithm>
#include <cfloat>
#include <limits>

namespace qs {

const char* quantSchemeName(QuantScheme s) {
    return s == QuantScheme::Symmetric ? "symmetric" : "asymmetric";
}

const char* granularityName(Granularity g) {
    switch (g) {
    case Granularity::PerTensor:
        return "tensor";
    case Granularity::PerChannel:
        return "channel";
    case Granularity::PerGroup:
        return "group";
    }
    return "tensor";
}

const char* roundingModeName(RoundingMode r) {
    return r == RoundingMode::HalfToEven ? "half_to_even" : "half_away_from_zero";
}

const char* tensorQuantStateName(TensorQuantState s) {
    switch (s) {
    case TensorQuantState::Quantized:
        return "quantized";
    case TensorQuantState::Passive:
        return "passive";
    case TensorQuantState::Float:
        return "float";
    }
    return "float";
}

int32_t QuantSpec::qmin() const {
    if (!isSigned) return 0;
    // Symmetric signed drops the most negative code so that -q is always representable
    // (and an int8 x int8 product never reaches -128 * -128 in accumulation tricks).
    const int64_t half = int64_t(1) << (bits - 1); // int64: bits may be 32 (bias)
    return int32_t(scheme == QuantScheme::Symmetric ? -(half - 1) : -half);
}

int32_t QuantSpec::qmax() const {
    return int32_t(isSigned ? (int64_t(1) << (bits - 1)) - 1
                            : std::min<int64_t>((int64_t(1) << bits) - 1, INT32_MAX));
}

Result<QuantParams> computeQuantParams(const QuantSpec& spec, const std::vector<float>& mins,
                                       const std::vector<float>& maxs) {
    if (spec.bits < 2 || spec.bits > 16)
        return makeError(ErrorCode::InvalidArgument, "bit width ", spec.bits, " is outside 2..16");
    if (mins.size() != maxs.size() || mins.empty())
        return makeError(ErrorCode::Internal, "computeQuantParams: ", mins.size(), " minima for ",
                         maxs.size(), " maxima");
    QuantParams p;
    p.spec = spec;
    const float qmin = float(spec.qmin()), qmax = float(spec.qmax());
    for (size_t i = 0; i < mins.size(); ++i) {
        float lo = mins[i], hi = maxs[i];
        if (!std::isfinite(lo) || !std::isfinite(hi))
            return makeError(ErrorCode::NumericError, "range [", lo, ", ", hi,
                             "] is not finite (NaN or Inf in the data)");
        if (lo > hi) std::swap(lo, hi);
        // The range always contains 0: zero (padding, ReLU's floor) must be exactly representable.
        lo = std::min(lo, 0.0f);
        hi = std::max(hi, 0.0f);
        if (spec.scheme == QuantScheme::Symmetric) {
            const float a = std::max(-lo, hi);
            lo = -a;
            hi = a;
        }
        float scale = (hi - lo) / (qmax - qmin);
        if (!(scale > 0.0f))
            scale = 1.0f; // all-zero tensor: every value is the zero point, exactly
        scale = std::max(scale, FLT_MIN);
        if (spec.powerOfTwoScale) scale = std::exp2(std::ceil(std::log2(scale)));
        int32_t zp = 0;
        if (spec.scheme == QuantScheme::Symmetric && !spec.isSigned) {
            zp = int32_t(int64_t(1)
                         << (spec.bits - 1)); // the middle code: 128 for uint8, as ONNX Runtime
        } else if (spec.scheme == QuantScheme::Asymmetric) {
            // z = round(qmin - lo / s), clamped: ONNX Runtime's formula (round half to even).
            const float z = std::nearbyint(qmin - lo / scale);
            zp = int32_t(std::clamp(z, qmin, qmax));
        }
        p.scale.push_back(scale);
        p.zeroPoint.push_back(zp);
        p.min.push_back(lo);
        p.max.push_back(hi);
    }
    return p;
}

int32_t quantizeValue(float x, float scale, int32_t zeroPoint, const QuantSpec& spec) {
    // Division (not multiplication by 1/s) to match ONNX QuantizeLinear bit for bit.
    const float r = roundWithMode(x / scale, spec.rounding);
    if (std::isnan(r)) return zeroPoint; // NaN input: callers report NaNs; never cast NaN to int
    // Clamp in double: for 32-bit codes (bias) float cannot hold qmax exactly.
    const double q =
        std::clamp(double(r) + double(zeroPoint), double(spec.qmin()), double(spec.qmax()));
    return int32_t(q);
}

ChannelLayout channelLayout(const Shape& shape, int axis) {
    ChannelLayout l;
    for (int i = 0; i < int(shape.size()); ++i) {
        if (i < axis)
            l.outer *= shape[size_t(i)];
        else if (i == axis)
            l.channels = shape[size_t(i)];
        else
            l.inner *= shape[size_t(i)];
    }
    return l;
}

Result<int64_t> paramCount(const QuantSpec& spec, const Shape& shape) {
    if (spec.granularity == Granularity::PerTensor) return int64_t(1);
    if (spec.axis < 0 || spec.axis >= int(shape.size()))
        return makeError(ErrorCode::InvalidArgument, "channel axis ", spec.axis,
                         " is out of range for shape ", shapeToString(shape));
    const int64_t c = shape[size_t(spec.axis)];
    if (spec.granularity == Granularity::PerChannel) return c;
    if (spec.groupSize < 1)
        return makeError(ErrorCode::InvalidArgument, "group size ", spec.groupSize,
                         " must be >= 1");
    return (c + spec.groupSize - 1) / spec.groupSize;
}

Result<std::pair<std::vector<float>, std::vector<float>>> tensorRanges(const Tensor& t,
                                                                       const QuantSpec& spec) {
    if (t.dtype() != DataType::F32)
        return makeError(ErrorCode::TypeMismatch, "ranges need an f32 tensor");
    QS_ASSIGN(int64_t n, paramCount(spec, t.shape()));
    std::vector<float> mins(size_t(n), std::numeric_limits<float>::infinity());
    std::vector<float> maxs(size_t(n), -std::numeric_limits<float>::infinity());
    const ChannelLayout l = spec.granularity == Granularity::PerTensor
                                ? ChannelLayout{1, 1, t.numel()}
                                : channelLayout(t.shape(), spec.axis);
    const float* x = t.data<float>();
    for (int64_t o = 0; o < l.outer; ++o)
        for (int64_t c = 0; c < l.channels; ++c) {
            const size_t k = paramIndex(spec, c);
            const float* p = x + (o * l.channels + c) * l.inner;
            float lo = mins[k], hi = maxs[k];
            for (int64_t i = 0; i < l.inner; ++i) {
                if (!std::isfinite(p[i]))
                    return makeError(ErrorCode::NumericError, "value ", p[i], " at channel ", c,
                                     " is not finite");
                lo = std::min(lo, p[i]);
                hi = std::max(hi, p[i]);
            }
            mins[k] = lo;
            maxs[k] = hi;
        }
    for (size_t k = 0; k < mins.size(); ++k)
        if (mins[k] > maxs[k]) mins[k] = maxs[k] = 0.0f; // empty tensor or group
    return std::make_pair(std::move(mins), std::move(maxs));
}

namespace {
template <class Fn> Status forEachElement(const Tensor& t, const QuantParams& params, Fn&& fn) {
    if (t.dtype() != DataType::F32)
        return makeError(ErrorCode::TypeMismatch, "quantization needs an f32 tensor");
    QS_ASSIGN(int64_t n, paramCount(params.spec, t.shape()));
    if (size_t(n) != params.count())
        return makeError(ErrorCode::ShapeMismatch, "tensor ", shapeToString(t.shape()), " needs ",
                         n, " quantization parameters, have ", params.count());
    const ChannelLayout l = params.spec.granularity == Granularity::PerTensor
                                ? ChannelLayout{1, 1, t.numel()}
                                : channelLayout(t.shape(), params.spec.axis);
    for (int64_t o = 0; o < l.outer; ++o)
        for (int64_t c = 0; c < l.channels; ++c) {
            const size_t k = paramIndex(params.spec, c);
            const int64_t base = (o * l.channels + c) * l.inner;
            for (int64_t i = 0; i < l.inner; ++i)
                fn(base + i, params.scale[k], params.zeroPoint[k]);
        }
    return {};
}
} // namespace

Result<Tensor> fakeQuantize(const Tensor& t, const QuantParams& params, ThreadPool* pool) {
    Tensor out(DataType::F32, t.shape());
    QS_TRY(fakeQuantizeInto(t, params, out.data<float>(), pool));
    return out;
}

Status fakeQuantizeInto(const Tensor& t, const QuantParams& params, float* y, ThreadPool* pool) {
    if (t.dtype() != DataType::F32)
        return makeError(ErrorCode::TypeMismatch, "quantization needs an f32 tensor");
    const float* x = t.data<float>();
    const QuantSpec& spec = params.spec;
    // The vector kernel (kernels/fake_quant.h) when its rounding is the spec's and every
    // parameter set's bounds fit; else the scalar definition.
    bool fast = spec.rounding == RoundingMode::HalfToEven && params.count() > 0;
    const float qmin = float(spec.qmin()), qmax = float(spec.qmax());
    for (size_t k = 0; fast && k < params.count(); ++k)
        fast = params.scale[k] > 0.0f && fakeQuantSpanApplies(qmin - float(params.zeroPoint[k]),
                                                              qmax - float(params.zeroPoint[k]));
    if (!fast)
        return forEachElement(t, params, [&](int64_t i, float s, int32_t z) {
            y[i] = dequantizeValue(quantizeValue(x[i], s, z, spec), s, z);
        });
    QS_ASSIGN(int64_t n, paramCount(spec, t.shape()));
    if (size_t(n) != params.count())
        return makeError(ErrorCode::ShapeMismatch, "tensor ", shapeToString(t.shape()), " needs ",
                         n, " quantization parameters, have ", params.count());
    const ChannelLayout l = spec.granularity == Granularity::PerTensor
                                ? ChannelLayout{1, 1, t.numel()}
                                : channelLayout(t.shape(), spec.axis);
    // Elements [begin, end) walked block by block (a block: `inner` values of one channel).
    auto run = [&](int64_t begin, int64_t end) {
        while (begin < end) {
            const int64_t block = begin / l.inner;
            const int64_t stop = std::min(end, (block + 1) * l.inner);
            const size_t k = paramIndex(spec, block % l.channels);
            const float z = float(params.zeroPoint[k]);
            fakeQuantizeSpan(x + begin, y + begin, stop - begin, params.scale[k], qmin - z,
                             qmax - z);
            begin = stop;
        }
    };
    const int64_t total = t.numel();
    constexpr int64_t kGrain = 32768; // below this a thread hand-off costs more than it saves
    if (pool && pool->threadCount() > 1 && total >= 2 * kGrain)
        pool->parallelFor(total, kGrain, run);
    else
        run(0, total);
    return {};
}

Result<std::vector<int32_t>> quantizeToCodes(const Tensor& t, const QuantParams& params) {
    std::vector<int32_t> q(size_t(t.numel()));
    const float* x = t.data<float>();
    QS_TRY(forEachElement(t, params, [&](int64_t i, float s, int32_t z) {
        q[size_t(i)] = quantizeValue(x[i], s, z, params.spec);
    }));
    return q;
}

} // namespace qs
