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

ValidRange validColumns(int64_t outW, int64_t inW, int64_t stride, int64_t offset) {
    // offset = k·d − p; need 0 <= o·s + offset < inW.
    int64_t lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    int64_t hi = inW - offset <= 0 ? 0 : (inW - offset - 1) / stride + 1;
    lo = std::min(lo, outW);
    hi = std::clamp(hi, lo, outW);
    return {lo, hi};
}

} // namespace

namespace {

// Destination of im2col columns inside B panels: column j of the current row lives at
// row[(j >> shift) * panelStride + (j & mask)]; runs never cross a panel, so each is a
// contiguous store the compiler vectorises.
struct PanelRow {
    float* row;
    int64_t panelStride, mask;
    int shift;

    // dst[j + i] = 0 for i in [0, n)
    void zeros(int64_t j, int64_t n) const {
        while (n > 0) {
            const int64_t run = std::min(n, mask + 1 - (j & mask));
            std::fill_n(row + (j >> shift) * panelStride + (j & mask), run, 0.0f);
            j += run, n -= run;
        }
    }
    // dst[j + i] = src[i * stride] for i in [0, n)
    void copy(int64_t j, const float* src, int64_t stride, int64_t n) const {
        while (n > 0) {
            const int64_t run = std::min(n, mask + 1 - (j & mask));
            float* d = row + (j >> shift) * panelStride + (j & mask);
            if (stride == 1) {
                for (int64_t i = 0; i < run; ++i) d[i] = src[i];
            } else {
                for (int64_t i = 0; i < run; ++i) d[i] = src[i * stride];
            }
            src += run * stride, j += run, n -= run;
        }
    }
};

} // namespace

void im2colPanels(const float* x, const Geometry3d& g, int64_t k0, int64_t kc, int64_t n0,
                  int64_t n1, int nr, float* dst) {
    const int64_t ks = g.kernelSize();
    const int64_t outPlane = g.out[1] * g.out[2];
    const int64_t mask = nr - 1;
    const int64_t width = n1 - n0, padded = (width + mask) & ~mask;
    for (int64_t r = k0; r < k0 + kc; ++r) {
        const int64_t c = r / ks;
        int64_t k = r % ks;
        const int64_t kw = k % g.kernel[2];
        k /= g.kernel[2];
        const int64_t kh = k % g.kernel[1];
        const int64_t kd = k / g.kernel[1];
        const float* xc = x + c * g.inSize();
        const PanelRow out{dst + (r - k0) * nr, int64_t(nr) * kc, mask,
                           __builtin_ctz(unsigned(nr))};
        const int64_t offW = kw * g.dilation[2] - g.padBegin[2];
        const ValidRange valid = validColumns(g.out[2], g.in[2], g.stride[2], offW);
        int64_t o = n0;
        while (o < n1) {
            const int64_t od = o / outPlane, rem = o % outPlane;
            const int64_t oh = rem / g.out[2], ow0 = rem % g.out[2];
            const int64_t segEnd = std::min(n1, o + (g.out[2] - ow0));
            const int64_t ow1 = ow0 + (segEnd - o);
            const int64_t j0 = o - n0 - ow0; // column of output ow is j0 + ow
            const int64_t id = od * g.stride[0] - g.padBegin[0] + kd * g.dilation[0];
            const int64_t ih = oh * g.stride[1] - g.padBegin[1] + kh * g.dilation[1];
            if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1]) {
                out.zeros(j0 + ow0, ow1 - ow0);
            } else {
                const float* src = xc + (id * g.in[1] + ih) * g.in[2];
                const int64_t lo = std::clamp(valid.lo, ow0, ow1),
                              hi = std::clamp(valid.hi, lo, ow1);
                out.zeros(j0 + ow0, lo - ow0);
                if (hi > lo) out.copy(j0 + lo, src + lo * g.stride[2] + offW, g.stride[2], hi - lo);
                out.zeros(j0 + hi, ow1 - hi);
            }
            o = segEnd;
        }
        out.zeros(width, padded - width);
    }
}

void col2imAdd(const float* cols, int64_t channels, const Geometry3d& g, float* y,
               ThreadPool* pool) {
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
                        for (int64_t ow = valid.lo; ow < valid.hi; ++ow)
                            d[ow * g.stride[2] + offW] += s[ow];
                    }
                }
            }
        }
    };
    if (pool)
        pool->parallelFor(channels, 1, work);
    else
        work(0, channels);
}

} // namespace qs
