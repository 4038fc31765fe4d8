#include "quant/int8/int8_eltwise.h"

#include "kernels/cpu_features.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace qs::int8 {
namespace x86 {
// Each returns how many leading elements it did (the rest: the scalar loop).
int64_t lookupAvx2(const uint8_t* table, const uint8_t* x, uint8_t flip, int64_t n, uint8_t* y);
int64_t lutAvx512(const uint8_t* table, const uint8_t* x, uint8_t flip, int64_t n, uint8_t* y);
void planeSumsAvx2(const uint8_t* x, uint8_t flip, int64_t planes, int64_t n, int32_t* sums);
void planeSumsAvx512(const uint8_t* x, uint8_t flip, int64_t planes, int64_t n, int32_t* sums);
// Row primitives of maxPool2d; each does every element.
void maxIntoAvx2(uint8_t* v, const uint8_t* x, uint8_t flip, int64_t n);
void maxIntoAvx512(uint8_t* v, const uint8_t* x, uint8_t flip, int64_t n);
void windowMaxAvx2(const uint8_t* v, int64_t k, int64_t m, uint8_t* h);
void windowMaxAvx512(const uint8_t* v, int64_t k, int64_t m, uint8_t* h);
void evenBytesAvx2(const uint8_t* h, uint8_t flip, int64_t m, uint8_t* out);
void evenBytesAvx512(const uint8_t* h, uint8_t flip, int64_t m, uint8_t* out);
void maxPool2x2Avx2(const uint8_t* r0, const uint8_t* r1, uint8_t flip, int64_t m, uint8_t* out);
void maxPool2x2Avx512(const uint8_t* r0, const uint8_t* r1, uint8_t flip, int64_t m, uint8_t* out);
} // namespace x86

namespace {

bool avx512Bytes() {
    const CpuFeatures& f = cpuFeatures();
    return f.avx512f && f.avx512bw && f.avx512vl;
}

} // namespace

void lookupTable(SimdPath path, const uint8_t* table, const uint8_t* x, uint8_t flip, int64_t n,
                 uint8_t* y) {
    int64_t i = 0;
    if (path == SimdPath::Avx512 && avx512Bytes() && cpuFeatures().avx512vbmi)
        i = x86::lutAvx512(table, x, flip, n, y);
    else if (path != SimdPath::Generic)
        i = x86::lookupAvx2(table, x, flip, n, y);
    for (; i < n; ++i) y[i] = table[x[i] ^ flip];
}

void planeSums(SimdPath path, const uint8_t* x, uint8_t flip, int64_t planes, int64_t n,
               int32_t* sums) {
    if (path == SimdPath::Avx512 && avx512Bytes())
        return x86::planeSumsAvx512(x, flip, planes, n, sums);
    if (path != SimdPath::Generic) return x86::planeSumsAvx2(x, flip, planes, n, sums);
    for (int64_t p = 0; p < planes; ++p) {
        const uint8_t* xp = x + p * n;
        int32_t s = 0;
        for (int64_t i = 0; i < n; ++i) s += int32_t(xp[i] ^ flip);
        sums[p] = s;
    }
}

void maxPool2d(SimdPath path, const MaxPoolShape& s, const uint8_t* x, uint8_t flip, uint8_t* y) {
    const int64_t inPlane = s.h * s.w, outPlane = s.outH * s.outW;
    if (path == SimdPath::Generic) {
        for (int64_t p = 0; p < s.planes; ++p)
            for (int64_t oy = 0; oy < s.outH; ++oy)
                for (int64_t ox = 0; ox < s.outW; ++ox) {
                    const int64_t y0 = oy * s.strideH - s.padTop, x0 = ox * s.strideW - s.padLeft;
                    uint8_t m = 0; // the lowest code, as byte ^ flip
                    for (int64_t iy = std::max<int64_t>(y0, 0); iy < std::min(y0 + s.kernelH, s.h);
                         ++iy)
                        for (int64_t ix = std::max<int64_t>(x0, 0);
                             ix < std::min(x0 + s.kernelW, s.w); ++ix)
                            m = std::max<uint8_t>(m, x[p * inPlane + iy * s.w + ix] ^ flip);
                    y[p * outPlane + oy * s.outW + ox] = uint8_t(m ^ flip);
                }
        return;
    }
    const bool wide = path == SimdPath::Avx512 && avx512Bytes();
    if (s.kernelH == 2 && s.kernelW == 2 && s.strideH == 2 && s.strideW == 2 && s.padTop == 0 &&
        s.padLeft == 0 && 2 * s.outH <= s.h && 2 * s.outW <= s.w) {
        // Every window inside the plane: rows 2·oy and 2·oy + 1, byte pairs.
        auto pairs = wide ? x86::maxPool2x2Avx512 : x86::maxPool2x2Avx2;
        for (int64_t p = 0; p < s.planes; ++p)
            for (int64_t oy = 0; oy < s.outH; ++oy) {
                const uint8_t* r0 = x + p * inPlane + 2 * oy * s.w;
                pairs(r0, r0 + s.w, flip, s.outW, y + p * outPlane + oy * s.outW);
            }
        return;
    }
    auto maxInto = wide ? x86::maxIntoAvx512 : x86::maxIntoAvx2;
    auto windowMax = wide ? x86::windowMaxAvx512 : x86::windowMaxAvx2;
    auto evenBytes = wide ? x86::evenBytesAvx512 : x86::evenBytesAvx2;
    // v: the vertical max of one output row's input rows, with padLeft bytes of 0 in front and
    // 0 behind up to the last tap of the last window; h: its horizontal window max at every
    // column (m of them, the last window starting at (outW − 1)·strideW).
    const int64_t m = (s.outW - 1) * s.strideW + 1;
    const int64_t padded = std::max(m + s.kernelW - 1, s.padLeft + s.w);
    std::vector<uint8_t> v(size_t(padded), 0), h(size_t(m + 1), 0); // h: evenBytes reads h[m]
    for (int64_t p = 0; p < s.planes; ++p)
        for (int64_t oy = 0; oy < s.outH; ++oy) {
            std::fill(v.begin(), v.end(), uint8_t(0));
            const int64_t y0 = oy * s.strideH - s.padTop;
            for (int64_t iy = std::max<int64_t>(y0, 0); iy < std::min(y0 + s.kernelH, s.h); ++iy)
                maxInto(v.data() + s.padLeft, x + p * inPlane + iy * s.w, flip, s.w);
            uint8_t* out = y + p * outPlane + oy * s.outW;
            windowMax(v.data(), s.kernelW, m, h.data());
            if (s.strideW == 2) {
                evenBytes(h.data(), flip, s.outW, out);
            } else {
                for (int64_t ox = 0; ox < s.outW; ++ox)
                    out[ox] = uint8_t(h[size_t(ox * s.strideW)] ^ flip);
            }
        }
}

} // namespace qs::int8
