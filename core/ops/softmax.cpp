// Softmax, LogSoftmax and Hardmax. Softmax and LogSoftmax are numerically stable:
// y = exp(x - max) / sum(exp(x - max)) and y = x - max - log(sum(exp(x - max))). Before
// opset 13 the input is coerced to 2-D at `axis` (default 1) and normalised over the whole
// trailing block; from opset 13 over the single dimension `axis` (default -1). Row sums are
// accumulated in double. f32, f16 via f32.
#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/op.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace qs {
namespace {

// The input viewed as [outer, n, inner], normalised along n.
struct SoftmaxLayout {
    int64_t outer = 1;
    int64_t n = 1;
    int64_t inner = 1;
};

Result<SoftmaxLayout> softmaxLayout(const Shape& shape, int64_t axisAttr, int64_t opset) {
    const int rank = int(shape.size());
    QS_ASSIGN(const int axis, normalizeAxis(axisAttr, rank));
    SoftmaxLayout l;
    for (int d = 0; d < rank; ++d) {
        if (d < axis)
            l.outer *= shape[size_t(d)];
        else if (d == axis || opset < 13)
            l.n *= shape[size_t(d)];
        else
            l.inner *= shape[size_t(d)];
    }
    return l;
}

int64_t defaultAxis(int64_t opset) {
    return opset < 13 ? 1 : -1;
}

Status inferSoftmax(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(1, 1));
    if (!typeIn(ctx.inputType(0), kFloatTypes))
        return unsupportedTypeError(0, ctx.inputType(0), kFloatTypes);
    if (ctx.inputInfo(0).shapeKnown)
        QS_TRY(normalizeAxis(ctx.getInt("axis", defaultAxis(ctx.opset())),
                             int(ctx.inputShape(0).size()))
                   .status());
    ctx.outputs()[0] = ctx.inputInfo(0);
    return {};
}

// One contiguous row of length n.
void softmaxRow(const float* x, float* y, int64_t n, bool logSoftmax) {
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < n; ++i) m = std::max(m, x[i]);
    double sum = 0.0;
    if (logSoftmax) {
        for (int64_t i = 0; i < n; ++i) sum += double(std::exp(x[i] - m));
        const float offset = m + float(std::log(sum));
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] - offset;
    } else {
        for (int64_t i = 0; i < n; ++i) {
            y[i] = std::exp(x[i] - m);
            sum += double(y[i]);
        }
        const float inv = float(1.0 / sum);
        for (int64_t i = 0; i < n; ++i) y[i] *= inv;
    }
}

// A block of `width` (<= kBlock) columns of an [n, inner] slab, normalised down the columns.
constexpr int64_t kBlock = 256;
void softmaxColumns(const float* x, float* y, int64_t n, int64_t inner, int64_t width,
                    bool logSoftmax) {
    std::array<float, kBlock> m;
    std::array<double, kBlock> sum{};
    m.fill(-std::numeric_limits<float>::infinity());
    for (int64_t r = 0; r < n; ++r)
        for (int64_t j = 0; j < width; ++j) m[size_t(j)] = std::max(m[size_t(j)], x[r * inner + j]);
    for (int64_t r = 0; r < n; ++r) {
        for (int64_t j = 0; j < width; ++j) {
            const float e = std::exp(x[r * inner + j] - m[size_t(j)]);
            if (!logSoftmax) y[r * inner + j] = e;
            sum[size_t(j)] += double(e);
        }
    }
    std::array<float, kBlock> scale;
    for (int64_t j = 0; j < width; ++j)
        scale[size_t(j)] = logSoftmax ? m[size_t(j)] + float(std::log(sum[size_t(j)]))
                                      : float(1.0 / sum[size_t(j)]);
    for (int64_t r = 0; r < n; ++r) {
        for (int64_t j = 0; j < width; ++j) {
            if (logSoftmax)
                y[r * inner + j] = x[r * inner + j] - scale[size_t(j)];
            else
                y[r * inner + j] *= scale[size_t(j)];
        }
    }
}

void runSoftmax(const Tensor& x, Tensor& y, const SoftmaxLayout& l, bool logSoftmax,
                ThreadPool& pool) {
    const float* px = x.data<float>();
    float* py = y.data<float>();
    if (l.n == 0 || x.numel() == 0) return;
    // Tasks: one per (outer, block of inner columns); each writes its own outputs only.
    const int64_t blocks = l.inner == 1 ? 1 : (l.inner + kBlock - 1) / kBlock;
    const int64_t taskSize = l.n * std::min(l.inner, kBlock);
    pool.parallelFor(l.outer * blocks, std::max<int64_t>(1, kElementwiseGrain / taskSize),
                     [&](int64_t b, int64_t e) {
                         for (int64_t t = b; t < e; ++t) {
                             const int64_t o = t / blocks;
                             const int64_t j0 = (t % blocks) * kBlock;
                             const int64_t offset = o * l.n * l.inner + j0;
                             if (l.inner == 1)
                                 softmaxRow(px + offset, py + offset, l.n, logSoftmax);
                             else
                                 softmaxColumns(px + offset, py + offset, l.n, l.inner,
                                                std::min(kBlock, l.inner - j0), logSoftmax);
                         }
                     });
}

Status computeSoftmax(KernelContext& ctx) {
    const bool logSoftmax = ctx.node().opType == "LogSoftmax";
    const Tensor& x = ctx.input(0);
    QS_ASSIGN(const SoftmaxLayout l,
              softmaxLayout(x.shape(), ctx.getInt("axis", defaultAxis(ctx.opset())), ctx.opset()));
    if (x.dtype() == DataType::F16) {
        Tensor y32(DataType::F32, x.shape());
        runSoftmax(x.castTo(DataType::F32), y32, l, logSoftmax, ctx.pool());
        ctx.setOutput(0, y32.castTo(DataType::F16));
        return {};
    }
    runSoftmax(x, ctx.allocateOutput(0), l, logSoftmax, ctx.pool());
    return {};
}

// Hardmax: 1 at the first maximum along the normalised dimension(s), 0 elsewhere.
void runHardmax(const float* x, float* y, const SoftmaxLayout& l) {
    for (int64_t o = 0; o < l.outer; ++o) {
        for (int64_t j = 0; j < l.inner; ++j) {
            const float* src = x + o * l.n * l.inner + j;
            float* dst = y + o * l.n * l.inner + j;
            int64_t best = 0;
            for (int64_t r = 0; r < l.n; ++r) {
                dst[r * l.inner] = 0.0f;
                if (src[r * l.inner] > src[best * l.inner]) best = r;
            }
            if (l.n > 0) dst[best * l.inner] = 1.0f;
        }
    }
}

Status computeHardmax(KernelContext& ctx) {
    const Tensor x = ctx.input(0).castTo(DataType::F32);
    QS_ASSIGN(const SoftmaxLayout l,
              softmaxLayout(x.shape(), ctx.getInt("axis", defaultAxis(ctx.opset())), ctx.opset()));
    Tensor y(DataType::F32, x.shape());
    runHardmax(x.data<float>(), y.data<float>(), l);
    ctx.setOutput(0, ctx.input(0).dtype() == DataType::F16 ? y.castTo(DataType::F16) : y);
    return {};
}

} // namespace

extern const OpDef kOpHardmax{.type = "Hardmax", .infer = inferSoftmax, .compute = computeHardmax};
extern const OpDef kOpSoftmax{.type = "Softmax", .infer = inferSoftmax, .compute = computeSoftmax};
extern const OpDef kOpLogSoftmax{
    .type = "LogSoftmax", .infer = inferSoftmax, .compute = computeSoftmax};

} // namespace qs
