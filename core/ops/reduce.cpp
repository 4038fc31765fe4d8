// Reductions: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2,
// ReduceSumSquare, ReduceLogSum, ReduceLogSumExp. Axes come from the `axes` attribute, or
// from optional input 1 for ReduceSum from opset 13 and for all from opset 18; empty axes
// reduce everything unless noop_with_empty_axes = 1 (then the input passes through).
//
// Adjacent reduced (or kept) dims are merged, then each reduced group is folded away in one
// pass over an [outer, R, inner] view, innermost group first. Float sums and products
// accumulate in double; integer ones wrap around. Max/Min propagate NaN. ReduceLogSumExp
// subtracts the maximum before exponentiating. Empty reductions give the identity (0 for
// sums, 1 for products, -inf/lowest for max, NaN for mean).
#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/op.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <type_traits>

namespace qs {
namespace {

enum class ReduceKind { Sum, Mean, Max, Min, Prod, L1, L2, SumSquare, LogSum, LogSumExp };

constexpr TypeSet reduceTypes(ReduceKind k) {
    using R = ReduceKind;
    const bool intsToo = k == R::Sum || k == R::Mean || k == R::Max || k == R::Min || k == R::Prod;
    return kFloatTypes | (intsToo ? kTypeI32 | kTypeI64 : 0);
}

bool axesFromInput(ReduceKind k, int64_t opset) {
    return opset >= 18 || (k == ReduceKind::Sum && opset >= 13);
}

// The normalised, sorted reduced axes; `noop` when the input passes through unchanged.
struct ReducePlan {
    std::vector<bool> reduced; // per input dim
    bool noop = false;
};

template <class Ctx>
Result<ReducePlan> makeReducePlan(const Ctx& ctx, ReduceKind kind, int rank,
                                  const Tensor* axesInput) {
    std::vector<int64_t> axes;
    if (axesFromInput(kind, ctx.opset())) {
        if (axesInput) {
            if (axesInput->dtype() != DataType::I64)
                return makeError(ErrorCode::TypeMismatch, "axes input has type ",
                                 dataTypeName(axesInput->dtype()), ", expected i64");
            axes = axesInput->toInt64Vector();
        }
    } else {
        axes = ctx.getInts("axes");
    }
    ReducePlan plan;
    if (axes.empty()) {
        plan.noop = ctx.getInt("noop_with_empty_axes", 0) != 0;
        plan.reduced.assign(size_t(rank), !plan.noop);
        return plan;
    }
    plan.reduced.assign(size_t(rank), false);
    for (int64_t a : axes) {
        QS_ASSIGN(const int axis, normalizeAxis(a, rank));
        if (plan.reduced[size_t(axis)])
            return makeError(ErrorCode::InvalidModel, "axis ", a, " is listed twice");
        plan.reduced[size_t(axis)] = true;
    }
    return plan;
}

Shape reducedShape(const Shape& in, const ReducePlan& plan, bool keepDims) {
    if (plan.noop) return in;
    Shape out;
    for (size_t d = 0; d < in.size(); ++d) {
        if (!plan.reduced[d])
            out.push_back(in[d]);
        else if (keepDims)
            out.push_back(1);
    }
    return out;
}

template <ReduceKind K> Status inferReduce(InferContext& ctx) {
    const bool fromInput = axesFromInput(K, ctx.opset());
    QS_TRY(ctx.requireInputs(1, fromInput ? 2 : 1));
    const DataType dtype = ctx.inputType(0);
    if (!typeIn(dtype, reduceTypes(K))) return unsupportedTypeError(0, dtype, reduceTypes(K));
    const Tensor* axes = nullptr;
    if (fromInput && ctx.hasInput(1)) {
        axes = ctx.inputValue(1);
        if (!axes) return InferContext::valueNotKnown(1);
    }
    if (!ctx.inputInfo(0).shapeKnown) {
        ctx.outputs()[0] = TensorInfo{dtype, {}, false};
        return {};
    }
    const Shape& in = ctx.inputShape(0);
    QS_ASSIGN(const ReducePlan plan, makeReducePlan(ctx, K, int(in.size()), axes));
    ctx.setOutput(0, dtype, reducedShape(in, plan, ctx.getInt("keepdims", 1) != 0));
    return {};
}

// --- one pass: y[o, j] = fold over r of x[o, r, j] ---

template <class T> using SumAcc = std::conditional_t<std::is_floating_point_v<T>, double, T>;

template <class T> T wrapAdd(T a, T b) {
    if constexpr (std::is_integral_v<T>)
        return T(std::make_unsigned_t<T>(a) + std::make_unsigned_t<T>(b));
    else
        return a + b;
}
template <class T> T wrapMul(T a, T b) {
    if constexpr (std::is_integral_v<T>)
        return T(std::make_unsigned_t<T>(a) * std::make_unsigned_t<T>(b));
    else
        return a * b;
}

enum class PassKind { Sum, SumAbs, SumSquare, Prod, Max, Min, LogSumExp };

template <class T, PassKind P> struct Fold {
    using Acc = std::conditional_t<P == PassKind::Max || P == PassKind::Min, T, SumAcc<T>>;
    static Acc init() {
        if constexpr (P == PassKind::Prod)
            return Acc(1);
        else if constexpr (P == PassKind::Max)
            return std::is_floating_point_v<T> ? -std::numeric_limits<T>::infinity()
                                               : std::numeric_limits<T>::lowest();
        else if constexpr (P == PassKind::Min)
            return std::is_floating_point_v<T> ? std::numeric_limits<T>::infinity()
                                               : std::numeric_limits<T>::max();
        else
            return Acc(0);
    }
    static Acc step(Acc acc, T v) {
        if constexpr (P == PassKind::Sum)
            return wrapAdd(acc, Acc(v));
        else if constexpr (P == PassKind::SumAbs)
            return wrapAdd(acc, Acc(v < T(0) ? T(0) - v : v));
        else if constexpr (P == PassKind::SumSquare)
            return wrapAdd(acc, wrapMul(Acc(v), Acc(v)));
        else if constexpr (P == PassKind::Prod)
            return wrapMul(acc, Acc(v));
        else if constexpr (P == PassKind::Max)
            return (v > acc || v != v) ? v : acc;
        else
            return (v < acc || v != v) ? v : acc;
    }
};

constexpr int64_t kColumnBlock = 256;

template <class T, PassKind P>
void foldPass(const T* x, T* y, int64_t outer, int64_t r, int64_t inner, ThreadPool& pool) {
    using F = Fold<T, P>;
    using Acc = typename F::Acc;
    const int64_t blocks = (inner + kColumnBlock - 1) / kColumnBlock;
    const int64_t taskSize = std::max<int64_t>(1, r * std::min(inner, kColumnBlock));
    pool.parallelFor(outer * blocks, std::max<int64_t>(1, kElementwiseGrain / taskSize),
                     [&](int64_t b, int64_t e) {
                         std::array<Acc, kColumnBlock> acc;
                         for (int64_t t = b; t < e; ++t) {
                             const int64_t o = t / blocks;
                             const int64_t j0 = (t % blocks) * kColumnBlock;
                             const int64_t width = std::min(kColumnBlock, inner - j0);
                             const T* src = x + o * r * inner + j0;
                             std::fill_n(acc.begin(), width, F::init());
                             for (int64_t k = 0; k < r; ++k)
                                 for (int64_t j = 0; j < width; ++j)
                                     acc[size_t(j)] = F::step(acc[size_t(j)], src[k * inner + j]);
                             for (int64_t j = 0; j < width; ++j)
                                 y[o * inner + j0 + j] = T(acc[size_t(j)]);
                         }
                     });
}

// log(sum(exp(x))) = m + log(sum(exp(x - m))) with m the maximum (float only).
void logSumExpPass(const float* x, float* y, int64_t outer, int64_t r, int64_t inner,
                   ThreadPool& pool) {
    pool.parallelFor(outer * inner,
                     std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, r)),
                     [&](int64_t b, int64_t e) {
                         for (int64_t t = b; t < e; ++t) {
                             const float* src = x + (t / inner) * r * inner + t % inner;
                             float m = -std::numeric_limits<float>::infinity();
                             for (int64_t k = 0; k < r; ++k) m = std::max(m, src[k * inner]);
                             if (std::isinf(m)) {
                                 y[t] = m;
                                 continue;
                             }
                             double sum = 0.0;
                             for (int64_t k = 0; k < r; ++k)
                                 sum += std::exp(double(src[k * inner] - m));
                             y[t] = m + float(std::log(sum));
                         }
                     });
}

template <class T>
void runPass(PassKind p, const T* x, T* y, int64_t outer, int64_t r, int64_t inner,
             ThreadPool& pool) {
    switch (p) {
    case PassKind::Sum:
        foldPass<T, PassKind::Sum>(x, y, outer, r, inner, pool);
        break;
    case PassKind::SumAbs:
        foldPass<T, PassKind::SumAbs>(x, y, outer, r, inner, pool);
        break;
    case PassKind::SumSquare:
        foldPass<T, PassKind::SumSquare>(x, y, outer, r, inner, pool);
        break;
    case PassKind::Prod:
        foldPass<T, PassKind::Prod>(x, y, outer, r, inner, pool);
        break;
    case PassKind::Max:
        foldPass<T, PassKind::Max>(x, y, outer, r, inner, pool);
        break;
    case PassKind::Min:
        foldPass<T, PassKind::Min>(x, y, outer, r, inner, pool);
        break;
    case PassKind::LogSumExp:
        if constexpr (std::is_same_v<T, float>) logSumExpPass(x, y, outer, r, inner, pool);
        break;
    }
}

// First pass transforms the values (|x|, x^2); later passes combine partial results.
PassKind firstPass(ReduceKind k) {
    switch (k) {
    case ReduceKind::Max:
        return PassKind::Max;
    case ReduceKind::Min:
        return PassKind::Min;
    case ReduceKind::Prod:
        return PassKind::Prod;
    case ReduceKind::L1:
        return PassKind::SumAbs;
    case ReduceKind::L2:
    case ReduceKind::SumSquare:
        return PassKind::SumSquare;
    case ReduceKind::LogSumExp:
        return PassKind::LogSumExp;
    default:
        return PassKind::Sum;
    }
}
PassKind laterPass(ReduceKind k) {
    const PassKind p = firstPass(k);
    return p == PassKind::SumAbs || p == PassKind::SumSquare ? PassKind::Sum : p;
}

template <ReduceKind K, class T>
Tensor reduceTyped(const Tensor& x, const ReducePlan& plan, const Shape& outShape,
                   ThreadPool& pool) {
    // Merged groups of (size, reduced); size-1 dims are dropped.
    std::vector<std::pair<int64_t, bool>> groups;
    int64_t count = 1; // elements folded into each output
    for (size_t d = 0; d < x.shape().size(); ++d) {
        const int64_t n = x.shape()[d];
        if (plan.reduced[d]) count *= n;
        if (n == 1) continue;
        if (!groups.empty() && groups.back().second == plan.reduced[d])
            groups.back().first *= n;
        else
            groups.emplace_back(n, plan.reduced[d]);
    }
    // Nothing to fold (all reduced dims have size 1): one pass of length 1 still applies |x|,
    // x^2...
    if (std::none_of(groups.begin(), groups.end(), [](const auto& g) { return g.second; }))
        groups.emplace_back(1, true);

    Tensor current = x;
    bool first = true;
    for (size_t g = groups.size(); g-- > 0;) {
        if (!groups[g].second) continue;
        int64_t outer = 1, inner = 1;
        for (size_t i = 0; i < g; ++i) outer *= groups[i].first;
        for (size_t i = g + 1; i < groups.size(); ++i) inner *= groups[i].first;
        Tensor next(x.dtype(), Shape{outer * inner});
        runPass<T>(first ? firstPass(K) : laterPass(K), current.data<T>(), next.data<T>(), outer,
                   groups[g].first, inner, pool);
        groups[g].first = 1;
        current = std::move(next);
        first = false;
    }
    Tensor y = current.reshaped(outShape);
    T* py = y.data<T>();
    for (int64_t i = 0; i < y.numel(); ++i) {
        if constexpr (K == ReduceKind::Mean)
            py[i] = count ? T(py[i] / T(count)) : std::numeric_limits<T>::quiet_NaN();
        else if constexpr (K == ReduceKind::L2)
            py[i] = std::sqrt(py[i]);
        else if constexpr (K == ReduceKind::LogSum)
            py[i] = std::log(py[i]);
    }
    return y;
}

template <ReduceKind K> Status computeReduce(KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    const Tensor* axes = axesFromInput(K, ctx.opset()) ? ctx.inputOrNull(1) : nullptr;
    QS_ASSIGN(const ReducePlan plan, makeReducePlan(ctx, K, x.rank(), axes));
    if (plan.noop) {
        ctx.setOutput(0, x);
        return {};
    }
    const Shape& outShape = ctx.outputInfo(0).shape;
    switch (x.dtype()) {
    case DataType::F32:
        ctx.setOutput(0, reduceTyped<K, float>(x, plan, outShape, ctx.pool()));
        return {};
    case DataType::F16:
        ctx.setOutput(0, reduceTyped<K, float>(x.castTo(DataType::F32), plan, outShape, ctx.pool())
                             .castTo(DataType::F16));
        return {};
    case DataType::I32:
        if constexpr ((reduceTypes(K) & kTypeI32) != 0) {
            ctx.setOutput(0, reduceTyped<K, int32_t>(x, plan, outShape, ctx.pool()));
            return {};
        }
        break;
    case DataType::I64:
        if constexpr ((reduceTypes(K) & kTypeI64) != 0) {
            ctx.setOutput(0, reduceTyped<K, int64_t>(x, plan, outShape, ctx.pool()));
            return {};
        }
        break;
    default:
        break;
    }
    return unsupportedTypeError(0, x.dtype(), reduceTypes(K));
}

} // namespace

// Sum/Prod/Max/Min/Mean also appear in shape subgraphs on small i64 tensors: foldable.
#define QS_REDUCE_OP(Name, foldableOp)                                                             \
    extern const OpDef kOpReduce##Name{.type = "Reduce" #Name,                                     \
                                       .infer = inferReduce<ReduceKind::Name>,                     \
                                       .compute = computeReduce<ReduceKind::Name>,                 \
                                       .foldable = foldableOp};
QS_REDUCE_OP(Sum, true)
QS_REDUCE_OP(Mean, true)
QS_REDUCE_OP(Max, true)
QS_REDUCE_OP(Min, true)
QS_REDUCE_OP(Prod, true)
QS_REDUCE_OP(L1, false)
QS_REDUCE_OP(L2, false)
QS_REDUCE_OP(SumSquare, false)
QS_REDUCE_OP(LogSum, false)
QS_REDUCE_OP(LogSumExp, false)
#undef QS_REDUCE_OP

} // namespace qs
