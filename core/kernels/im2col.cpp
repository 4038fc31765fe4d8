#include "kernels/im2col.h"

#include "util/thread_pool.h"

#include <algorithm>
#include <cstring>

namespace qs {
namespace {

// Output columns [lo, hi) of one output row whose input column o·s − p + k·d is inside [0, w).
struct ValidRange {
    int64_t lo, hi;
};

ValidRange validColumns(int64_t outW, int64_t inW, int64_t stride, int64_t offset)
{
    // offset = k·d − p; need 0 <= o·s + offset < inW.
    int64_t lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    int64_t hi = inW - offset <= 0 ? 0 : (inW - offset - 1) / stride + 1;
    lo = std::min(lo, outW);
    hi = std::clamp(hi, lo, outW);
    return {lo, hi};
}

} // namespace

void im2col(const float* x, int64_t channels, const Geometry3d& g, int64_t col0, int64_t col1,
            float* dst, ThreadPool* pool)
{
    const int64_t ks = g.kernelSize();
    const int64_t rows = channels * ks;
    const int64_t width = col1 - col0;
    const int64_t outPlane = g.out[1] * g.out[2];
    auto work = [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
            const int64_t c = r / ks;
            int64_t k = r % ks;
            const int64_t kw = k % g.kernel[2];
            k /= g.kernel[2];
            const int64_t kh = k % g.kernel[1];
            const int64_t kd = k / g.kernel[1];
            const float* xc = x + c * g.inSize();
            float* out = dst + r * width;
            const int64_t offW = kw * g.dilation[2] - g.padBegin[2];
            const ValidRange valid = validColumns(g.out[2], g.in[2], g.stride[2], offW);
            int64_t o = col0;
            while (o < col1) {
                const int64_t od = o / outPlane, rem = o % outPlane;
                const int64_t oh = rem / g.out[2], ow0 = rem % g.out[2];
                const int64_t segEnd = std::min(col1, o + (g.out[2] - ow0));
                const int64_t ow1 = ow0 + (segEnd - o);
                float* seg = out + (o - col0); // seg[i] is output column ow0 + i
                const int64_t id = od * g.stride[0] - g.padBegin[0] + kd * g.dilation[0];
                const int64_t ih = oh * g.stride[1] - g.padBegin[1] + kh * g.dilation[1];
                if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1]) {
                    std::fill(seg, seg + (ow1 - ow0), 0.0f);
                } else {
                    const float* src = xc + (id * g.in[1] + ih) * g.in[2];
                    const int64_t lo = std::clamp(valid.lo, ow0, ow1), hi = std::clamp(valid.hi, lo, ow1);
                    std::fill(seg, seg + (lo - ow0), 0.0f);
                    if (g.stride[2] == 1) {
                        std::memcpy(seg + (lo - ow0), src + lo + offW, sizeof(float) * size_t(hi - lo));
                    } else {
                        const int64_t s = g.stride[2];
                        for (int64_t ow = lo; ow < hi; ++ow) seg[ow - ow0] = src[ow * s + offW];
                    }
                    std::fill(seg + (hi - ow0), seg + (ow1 - ow0), 0.0f);
                }
                o = segEnd;
            }
        }
    };
    const int64_t grain = std::max<int64_t>(1, 8192 / std::max<int64_t>(1, width));
    if (pool) pool->parallelFor(rows, grain, work);
    else work(0, rows);
}

void col2imAdd(const float* cols, int64_t channels, const Geometry3d& g, float* y, ThreadPool* pool)
{
    const int64_t ks = g.kernelSize();
    const int64_t width = g.outSize();
    auto work = [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c) {
            float* yc = y + c * g.inSize();
            for (int64_t k = 0; k < ks; ++k) {
                const int64_t kw = k % g.kernel[2];
                const int64_t kh = (k / g.kernel[2]) % g.kernel[1];
                const int64_t kd = k / (g.kernel[2] * g.kernel[1]);
                const float* src = cols + (c * ks + k) * width;
                const int64_t offW = kw * g.dilation[2] - g.padBegin[2];
                const ValidRange valid = validColumns(g.out[2], g.in[2], g.stride[2], offW);
                for (int64_t od = 0; od < g.out[0]; ++od) {
                    const int64_t id = od * g.stride[0] - g.padBegin[0] + kd * g.dilation[0];
                    if (id < 0 || id >= g.in[0]) continue;
                    for (int64_t oh = 0; oh < g.out[1]; ++oh) {
                        const int64_t ih = oh * g.stride[1] - g.padBegin[1] + kh * g.dilation[1];
                        if (ih < 0 || ih >= g.in[1]) continue;
                        const float* s = src + (od * g.out[1] + oh) * g.out[2];
                        float* d = yc + (id * g.in[1] + ih) * g.in[2];
                        for (int64_t ow = valid.lo; ow < valid.hi; ++ow) d[ow * g.stride[2] + offW] += s[ow];
                    }
                }
            }
        }
    };
    if (pool) pool->parallelFor(channels, 1, work);
    else work(0, channels);
}

} // namespace qs
