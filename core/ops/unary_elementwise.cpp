// Unary elementwise ops, table-driven: each op is a small functor (its accepted types, its
// attributes read once, its scalar formula) and one templated infer/compute pair runs them all.
// Formulas follow the ONNX operator definitions; float math is done in f32 with the C++
// library functions (correctly rounded to within an ulp or two), f16 via an f32 round trip.
#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/op.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace qs {
namespace {

// Wrapping negation for integers (INT_MIN stays INT_MIN instead of being undefined).
template <class T> T negate(T x) {
    if constexpr (std::is_integral_v<T>)
        return T(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(x));
    else
        return -x;
}

struct NoAttributes {
    explicit NoAttributes(const NodeAttributes&) {}
};

// --- activations ---
struct Relu : NoAttributes {
    using NoAttributes::NoAttributes;
    static constexpr TypeSet kTypes = kFloatTypes | kSignedIntTypes; // ints since opset 14
    template <class T> T operator()(T x) const { return x > T(0) ? x : T(0); }
};
struct LeakyRelu {
    static constexpr TypeSet kTypes = kFloatTypes;
    float alpha;
    explicit LeakyRelu(const NodeAttributes& a)
        : alpha(a.getFloat("alpha", 0.01f)) {}
    float operator()(float x) const { return x < 0.0f ? alpha * x : x; }
};
struct Sigmoid : NoAttributes {
    using NoAttributes::NoAttributes;
    static constexpr TypeSet kTypes = kFloatTypes;
    // exp(-x) overflows to inf for x < -88, giving the correct limit 0.
    float operator()(float x) const { return 1.0f / (1.0f + std::exp(-x)); }
};
struct HardSigmoid {
    static constexpr TypeSet kTypes = kFloatTypes;
    float alpha, beta;
    explicit HardSigmoid(const NodeAttributes& a)
        : alpha(a.getFloat("alpha", 0.2f))
        , beta(a.getFloat("beta", 0.5f)) {}
    float operator()(float x) const { return std::clamp(alpha * x + beta, 0.0f, 1.0f); }
};
struct HardSwish : NoAttributes {
    using NoAttributes::NoAttributes;
    static constexpr TypeSet kTypes = kFloatTypes;
    // ONNX: x * max(0, min(1, alpha * x + beta)) with alpha = 1/6, beta = 0.5.
    float operator()(float x) const { return x * std::clamp(x * (1.0f / 6.0f) + 0.5f, 0.0f, 1.0f); }
};
struct Elu {
    static constexpr TypeSet kTypes = kFloatTypes;
    float alpha;
    explicit Elu(const NodeAttributes& a)
        : alpha(a.getFloat("alpha", 1.0f)) {}
    float operator()(float x) const { return x < 0.0f ? alpha * std::expm1(x) : x; }
};
struct Selu {
    static constexpr TypeSet kTypes = kFloatTypes;
    float alpha, gamma;
    explicit Selu(const NodeAttributes& a)
        : alpha(a.getFloat("alpha", 1.67326319217681884765625f))
        , gamma(a.getFloat("gamma", 1.05070102214813232421875f)) {}
    float operator()(float x) const { return x > 0.0f ? gamma * x : gamma * alpha * std::expm1(x); }
};
struct Celu {
    static constexpr TypeSet kTypes = kFloatTypes;
    float alpha;
    explicit Celu(const NodeAttributes& a)
        : alpha(a.getFloat("alpha", 1.0f)) {}
    float operator()(float x) const { return x > 0.0f ? x : alpha * std::expm1(x / alpha); }
};
struct ThresholdedRelu {
    static constexpr TypeSet kTypes = kFloatTypes;
    float alpha;
    explicit ThresholdedRelu(const NodeAttributes& a)
        : alpha(a.getFloat("alpha", 1.0f)) {}
    float operator()(float x) const { return x > alpha ? x : 0.0f; }
};
struct Softplus : NoAttributes {
    using NoAttributes::NoAttributes;
    static constexpr TypeSet kTypes = kFloatTypes;
    // log(1 + exp(x)) written so that exp never overflows.
    float operator()(float x) const {
        return x > 0.0f ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
    }
};
struct Softsign : NoAttributes {
    using NoAttributes::NoAttributes;
    static constexpr TypeSet kTypes = kFloatTypes;
    float operator()(float x) const { return x / (1.0f + std::fabs(x)); }
};
struct Shrink {
    static constexpr TypeSet kTypes = kFloatTypes;
    float bias, lambd;
    explicit Shrink(const NodeAttributes& a)
        : bias(a.getFloat("bias", 0.0f))
        , lambd(a.getFloat("lambd", 0.5f)) {}
    float operator()(float x) const {
        return x < -lambd ? x + bias : (x > lambd ? x - bias : 0.0f);
    }
};

// --- plain math ---
#define QS_FLOAT_MATH_FUNCTOR(Name, expr)                                                          \
    struct Name : NoAttributes {                                                                   \
        using NoAttributes::NoAttributes;                                                          \
        static constexpr TypeSet kTypes = kFloatTypes;                                             \
        float operator()(float x) const { return expr; }                                           \
    };
QS_FLOAT_MATH_FUNCTOR(Tanh, std::tanh(x))
QS_FLOAT_MATH_FUNCTOR(Erf, std::erf(x))
QS_FLOAT_MATH_FUNCTOR(Exp, std::exp(x))
QS_FLOAT_MATH_FUNCTOR(Log, std::log(x))
QS_FLOAT_MATH_FUNCTOR(Sqrt, std::sqrt(x))
QS_FLOAT_MATH_FUNCTOR(Reciprocal, 1.0f / x)
QS_FLOAT_MATH_FUNCTOR(Floor, std::floor(x))
QS_FLOAT_MATH_FUNCTOR(Ceil, std::ceil(x))
// Half to even: nearbyint under the default round-to-nearest-even mode, which core never changes.
QS_FLOAT_MATH_FUNCTOR(Round, std::nearbyint(x))
QS_FLOAT_MATH_FUNCTOR(Sin, std::sin(x))
QS_FLOAT_MATH_FUNCTOR(Cos, std::cos(x))
QS_FLOAT_MATH_FUNCTOR(Tan, std::tan(x))
QS_FLOAT_MATH_FUNCTOR(Asin, std::asin(x))
QS_FLOAT_MATH_FUNCTOR(Acos, std::acos(x))
QS_FLOAT_MATH_FUNCTOR(Atan, std::atan(x))
QS_FLOAT_MATH_FUNCTOR(Sinh, std::sinh(x))
QS_FLOAT_MATH_FUNCTOR(Cosh, std::cosh(x))
QS_FLOAT_MATH_FUNCTOR(Asinh, std::asinh(x))
QS_FLOAT_MATH_FUNCTOR(Acosh, std::acosh(x))
QS_FLOAT_MATH_FUNCTOR(Atanh, std::atanh(x))
#undef QS_FLOAT_MATH_FUNCTOR

struct Neg : NoAttributes {
    using NoAttributes::NoAttributes;
    static constexpr TypeSet kTypes = kFloatTypes | kSignedIntTypes;
    template <class T> T operator()(T x) const { return negate(x); }
};
struct Abs : NoAttributes {
    using NoAttributes::NoAttributes;
    static constexpr TypeSet kTypes = kNumericTypes;
    template <class T> T operator()(T x) const {
        if constexpr (std::is_unsigned_v<T>)
            return x;
        else
            return x < T(0) ? negate(x) : x;
    }
};
struct Sign : NoAttributes {
    using NoAttributes::NoAttributes;
    static constexpr TypeSet kTypes = kNumericTypes;
    template <class T> T operator()(T x) const {
        return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0));
    }
};
struct Not : NoAttributes {
    using NoAttributes::NoAttributes;
    static constexpr TypeSet kTypes = kTypeBool;
    bool operator()(bool x) const { return !x; }
};

// Predicates (IsNaN, IsInf) produce bool; every other op keeps the input type.
struct IsNaN : NoAttributes {
    using NoAttributes::NoAttributes;
    static constexpr TypeSet kTypes = kFloatTypes;
    static constexpr bool kBoolOutput = true;
    bool operator()(float x) const { return std::isnan(x); }
};
struct IsInf {
    static constexpr TypeSet kTypes = kFloatTypes;
    static constexpr bool kBoolOutput = true;
    bool negative, positive;
    explicit IsInf(const NodeAttributes& a)
        : negative(a.getInt("detect_negative", 1) != 0)
        , positive(a.getInt("detect_positive", 1) != 0) {}
    bool operator()(float x) const { return std::isinf(x) && (x < 0.0f ? negative : positive); }
};

template <class F> constexpr bool kHasBoolOutput = requires {
    F::kBoolOutput;
};

template <class F> Status inferUnary(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1));
    if (!typeIn(ctx.inputType(0), F::kTypes))
        return unsupportedTypeError(0, ctx.inputType(0), F::kTypes);
    ctx.outputs()[0] = ctx.inputInfo(0);
    if constexpr (kHasBoolOutput<F>) ctx.outputs()[0].dtype = DataType::Bool;
    return {};
}

template <class T, class F>
void runUnary(const Tensor& x, Tensor& y, const F& f, ThreadPool& pool) {
    using R = std::conditional_t<kHasBoolOutput<F>, bool, T>;
    const T* px = x.data<T>();
    R* py = y.data<R>();
    pool.parallelFor(x.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) py[i] = f(px[i]);
    });
}

template <class T, class F> Status runTyped(KernelContext& ctx, const F& f) {
    runUnary<T>(ctx.input(0), ctx.allocateOutput(0), f, ctx.pool());
    return {};
}

template <class F> Status computeUnary(KernelContext& ctx) {
    const F f(ctx);
    const Tensor& x = ctx.input(0);
    switch (x.dtype()) {
    case DataType::F32:
        if constexpr ((F::kTypes & kTypeF32) != 0) return runTyped<float>(ctx, f);
        break;
    case DataType::F16:
        if constexpr ((F::kTypes & kTypeF16) != 0) {
            const Tensor x32 = x.castTo(DataType::F32);
            if constexpr (kHasBoolOutput<F>) {
                runUnary<float>(x32, ctx.allocateOutput(0), f, ctx.pool());
            } else {
                Tensor y32(DataType::F32, x.shape());
                runUnary<float>(x32, y32, f, ctx.pool());
                ctx.setOutput(0, y32.castTo(DataType::F16));
            }
            return {};
        }
        break;
    case DataType::I8:
        if constexpr ((F::kTypes & kTypeI8) != 0) return runTyped<int8_t>(ctx, f);
        break;
    case DataType::U8:
        if constexpr ((F::kTypes & kTypeU8) != 0) return runTyped<uint8_t>(ctx, f);
        break;
    case DataType::I32:
        if constexpr ((F::kTypes & kTypeI32) != 0) return runTyped<int32_t>(ctx, f);
        break;
    case DataType::I64:
        if constexpr ((F::kTypes & kTypeI64) != 0) return runTyped<int64_t>(ctx, f);
        break;
    case DataType::Bool:
        if constexpr ((F::kTypes & kTypeBool) != 0) return runTyped<bool>(ctx, f);
        break;
    default:
        break;
    }
    return unsupportedTypeError(0, x.dtype(), F::kTypes);
}

} // namespace

// Elementwise ops are cheap, so static shape inference may run them on constants.
#define QS_UNARY_OP(Name)                                                                          \
    extern const OpDef kOp##Name{.type = #Name,                                                    \
                                 .infer = inferUnary<Name>,                                        \
                                 .compute = computeUnary<Name>,                                    \
                                 .foldable = true};
QS_UNARY_OP(Relu)
QS_UNARY_OP(LeakyRelu)
QS_UNARY_OP(Sigmoid)
QS_UNARY_OP(HardSigmoid)
QS_UNARY_OP(HardSwish)
QS_UNARY_OP(Elu)
QS_UNARY_OP(Selu)
QS_UNARY_OP(Celu)
QS_UNARY_OP(ThresholdedRelu)
QS_UNARY_OP(Softplus)
QS_UNARY_OP(Softsign)
QS_UNARY_OP(Shrink)
QS_UNARY_OP(Tanh)
QS_UNARY_OP(Erf)
QS_UNARY_OP(Exp)
QS_UNARY_OP(Log)
QS_UNARY_OP(Sqrt)
QS_UNARY_OP(Reciprocal)
QS_UNARY_OP(Floor)
QS_UNARY_OP(Ceil)
QS_UNARY_OP(Round)
QS_UNARY_OP(Sin)
QS_UNARY_OP(Cos)
QS_UNARY_OP(Tan)
QS_UNARY_OP(Asin)
QS_UNARY_OP(Acos)
QS_UNARY_OP(Atan)
QS_UNARY_OP(Sinh)
QS_UNARY_OP(Cosh)
QS_UNARY_OP(Asinh)
QS_UNARY_OP(Acosh)
QS_UNARY_OP(Atanh)
QS_UNARY_OP(Neg)
QS_UNARY_OP(Abs)
QS_UNARY_OP(Sign)
QS_UNARY_OP(Not)
QS_UNARY_OP(IsNaN)
QS_UNARY_OP(IsInf)
#undef QS_UNARY_OP

} // namespace qs
