#include "quant/int8/int8_kernels.h"

#include "kernels/cpu_features.h"

#include <algorithm>
#include <cstring>

namespace qs::int8 {

// SIMD paths (int8_kernels_x86.cpp), compiled with per-function target attributes.
namespace x86 {
void packAAvx2(int64_t m, int64_t k, const int8_t* a, std::vector<int32_t>& packed);
void packBAvx2(int64_t k, int64_t n, const uint8_t* b, int64_t strideK, int64_t strideN,
               uint8_t* packed, int64_t jb0, int64_t jb1);
void multiplyAvx2(int64_t m, int64_t k, const int32_t* packedA, const uint8_t* packed, int64_t n,
                  int64_t r0, int64_t r1, int64_t c0, int64_t c1, int32_t* c, int64_t ldc);
void packAVnni(int64_t m, int64_t k, const int8_t* a, std::vector<int32_t>& packed);
void packBVnni(int64_t k, int64_t n, const uint8_t* b, int64_t strideK, int64_t strideN,
               uint8_t* packedB, int64_t jb0, int64_t jb1);
void multiplyVnni(int64_t m, int64_t k, const int32_t* packedA, const uint8_t* packedB, int64_t n,
                  int64_t r0, int64_t r1, int64_t c0, int64_t c1, int32_t* c, int64_t ldc);
void multiplyVnniRequant(int64_t m, int64_t k, const int32_t* packedA, const uint8_t* packedB,
                         int64_t n, int64_t r0, int64_t r1, int64_t c0, int64_t c1,
                         const int32_t* offsets, const float* multipliers, int32_t zeroPoint,
                         int32_t lo, int32_t hi, bool isSigned, uint8_t* out, int64_t ldo);
int64_t gatherStride2Avx2(const uint8_t* from, int64_t n, uint8_t* dst);
void multiplyVectorVnni(int64_t m, int64_t k, const int32_t* packedA, const uint8_t* x, int64_t r0,
                        int64_t r1, int32_t* c, int64_t ldc);
void depthwisePlaneAvx2(const uint8_t* x, int64_t h, int64_t w, int32_t xZero, const int8_t* wt,
                        int64_t kh, int64_t kw, int64_t strideH, int64_t stride, int64_t dilation,
                        int64_t padTop, int64_t padLeft, int32_t bias, int32_t* out, int64_t oh,
                        int64_t ow, std::vector<uint8_t>& scratch);
bool depthwiseVbmiFits(int64_t kw, int64_t stride, int64_t dilation);
void depthwiseVbmi(const Conv2dShape& s, const uint8_t* x, int32_t xZero, const int8_t* wt,
                   const int32_t* bias, int32_t* out, const FusedRequant* rq);
int64_t requantizeFloatAvx512(const int32_t* acc, int32_t offset, int64_t n, float multiplier,
                              int32_t zeroPoint, int32_t lo, int32_t hi, void* out);
int64_t requantizeFixedAvx512(const int32_t* acc, int32_t offset, int64_t n, int32_t m0, int shift,
                              int32_t zeroPoint, int32_t lo, int32_t hi, void* out);
int64_t requantizeFloatAvx2(const int32_t* acc, int32_t offset, int64_t n, float multiplier,
                            int32_t zeroPoint, int32_t lo, int32_t hi, bool isSigned, void* out);
} // namespace x86

void referenceConv2d(const Conv2dShape& s, const uint8_t* x, int32_t xZero, const int8_t* w,
                     const int32_t* bias, int32_t* acc) {
    const int64_t cg = s.inPerGroup(), mg = s.outPerGroup();
    for (int64_t n = 0; n < s.batch; ++n)
        for (int64_t m = 0; m < s.outChannels; ++m) {
            const int64_t g = m / mg;
            for (int64_t oy = 0; oy < s.outH; ++oy)
                for (int64_t ox = 0; ox < s.outW; ++ox) {
                    int32_t sum = bias ? bias[m] : 0;
                    for (int64_t c = 0; c < cg; ++c)
                        for (int64_t ky = 0; ky < s.kernelH; ++ky) {
                            const int64_t iy = oy * s.strideH - s.padTop + ky * s.dilationH;
                            if (iy < 0 || iy >= s.inH) continue;
                            for (int64_t kx = 0; kx < s.kernelW; ++kx) {
                                const int64_t ix = ox * s.strideW - s.padLeft + kx * s.dilationW;
                                if (ix < 0 || ix >= s.inW) continue;
                                const int32_t xv =
                                    x[((n * s.inChannels + g * cg + c) * s.inH + iy) * s.inW + ix];
                                const int32_t wv =
                                    w[((m * cg + c) * s.kernelH + ky) * s.kernelW + kx];
                                sum += (xv - xZero) * wv;
                            }
                        }
                    acc[((n * s.outChannels + m) * s.outH + oy) * s.outW + ox] = sum;
                }
        }
}

void referenceDot(int64_t rows, int64_t m, int64_t k, const uint8_t* x, int32_t xZero,
                  const int8_t* w, const int32_t* bias, int32_t* acc) {
    for (int64_t j = 0; j < m; ++j)
        for (int64_t r = 0; r < rows; ++r) {
            int32_t sum = bias ? bias[j] : 0;
            for (int64_t i = 0; i < k; ++i)
                sum += (int32_t(x[r * k + i]) - xZero) * int32_t(w[j * k + i]);
            acc[j * rows + r] = sum;
        }
}

void depthwiseConv2d(SimdPath path, const Conv2dShape& s, const uint8_t* x, int32_t xZero,
                     const int8_t* w, const int32_t* bias, int32_t* acc, const FusedRequant* rq) {
    const int64_t kh = s.kernelH, kw = s.kernelW;
    thread_local std::vector<uint8_t> scratch; // the padded plane, reused
    const bool vbmi = path == SimdPath::Avx512 && cpuFeatures().avx512vbmi &&
                      x86::depthwiseVbmiFits(kw, s.strideW, s.dilationW);
    if (vbmi) { // all channels of an image in one call
        Conv2dShape image = s;
        image.batch = 1;
        for (int64_t n = 0; n < s.batch; ++n) {
            FusedRequant imageRq;
            if (rq) {
                imageRq = *rq;
                imageRq.out = rq->out + n * s.outChannels * rq->ldo;
            }
            x86::depthwiseVbmi(image, x + n * s.inChannels * s.inH * s.inW, xZero, w, bias,
                               rq ? nullptr : acc + n * s.outChannels * s.outH * s.outW,
                               rq ? &imageRq : nullptr);
        }
        return;
    }
    for (int64_t n = 0; n < s.batch; ++n)
        for (int64_t c = 0; c < s.outChannels; ++c) {
            const uint8_t* xc = x + (n * s.inChannels + c) * s.inH * s.inW;
            const int8_t* wc = w + c * kh * kw;
            const int64_t plane = s.outH * s.outW;
            const int32_t b = bias ? bias[c] : 0;
            uint8_t* codes = rq ? rq->out + (n * s.outChannels + c) * rq->ldo : nullptr;
            thread_local std::vector<int32_t> planeAcc; // the accumulators before rq
            if (rq) planeAcc.resize(size_t(plane));
            int32_t* out = rq ? planeAcc.data() : acc + (n * s.outChannels + c) * plane;
            const auto finish = [&] {
                if (rq)
                    requantizeFloatRow(path, out, rq->offsets[c], plane, rq->multipliers[c],
                                       rq->zeroPoint, rq->lo, rq->hi, rq->isSigned, codes);
            };
            if (path != SimdPath::Generic && s.strideW <= 2 && s.dilationH == s.dilationW) {
                x86::depthwisePlaneAvx2(xc, s.inH, s.inW, xZero, wc, kh, kw, s.strideH, s.strideW,
                                        s.dilationH, s.padTop, s.padLeft, b, out, s.outH, s.outW,
                                        scratch);
                finish();
                continue;
            }
            for (int64_t oy = 0; oy < s.outH; ++oy) {
                const int64_t iy0 = oy * s.strideH - s.padTop;
                for (int64_t ox = 0; ox < s.outW; ++ox) {
                    const int64_t ix0 = ox * s.strideW - s.padLeft;
                    int32_t sum = b;
                    for (int64_t ky = 0; ky < kh; ++ky) {
                        const int64_t iy = iy0 + ky * s.dilationH;
                        if (iy < 0 || iy >= s.inH) continue;
                        const uint8_t* row = xc + iy * s.inW;
                        for (int64_t kx = 0; kx < kw; ++kx) {
                            const int64_t ix = ix0 + kx * s.dilationW;
                            if (ix < 0 || ix >= s.inW) continue;
                            sum += (int32_t(row[ix]) - xZero) * int32_t(wc[ky * kw + kx]);
                        }
                    }
                    out[oy * s.outW + ox] = sum;
                }
            }
            finish();
        }
}

void requantizeFloatRow(SimdPath path, const int32_t* acc, int32_t offset, int64_t n,
                        float multiplier, int32_t zeroPoint, int32_t lo, int32_t hi, bool isSigned,
                        void* out) {
    int64_t i = 0;
    if (path == SimdPath::Avx512)
        i = x86::requantizeFloatAvx512(acc, offset, n, multiplier, zeroPoint, lo, hi, out);
    else if (path == SimdPath::Avx2)
        i = x86::requantizeFloatAvx2(acc, offset, n, multiplier, zeroPoint, lo, hi, isSigned, out);
    for (; i < n; ++i) {
        const int32_t q = requantizeFloat(acc[i] + offset, multiplier, zeroPoint, lo, hi);
        if (isSigned)
            static_cast<int8_t*>(out)[i] = int8_t(q);
        else
            static_cast<uint8_t*>(out)[i] = uint8_t(q);
    }
}

void requantizeFixedRow(SimdPath path, const int32_t* acc, int32_t offset, int64_t n,
                        FixedPointMultiplier multiplier, int32_t zeroPoint, int32_t lo, int32_t hi,
                        bool isSigned, void* out) {
    int64_t i = path == SimdPath::Avx512
                    ? x86::requantizeFixedAvx512(acc, offset, n, multiplier.m0, multiplier.shift,
                                                 zeroPoint, lo, hi, out)
                    : 0;
    for (; i < n; ++i) {
        const int32_t q = requantizeFixedPoint(acc[i] + offset, multiplier, zeroPoint, lo, hi);
        if (isSigned)
            static_cast<int8_t*>(out)[i] = int8_t(q);
        else
            static_cast<uint8_t*>(out)[i] = uint8_t(q);
    }
}

void im2colU8(const Conv2dShape& s, const uint8_t* xGroup, uint8_t pad, uint8_t* cols, int64_t k0,
              int64_t k1) {
    const int64_t p = s.outH * s.outW;
    const bool avx2 = cpuFeatures().avx2; // honours QUANTSCOPE_CPU
    if (k1 < 0) k1 = s.patch();
    for (int64_t k = k0; k < k1; ++k) {
        const int64_t c = k / (s.kernelH * s.kernelW), ky = k / s.kernelW % s.kernelH,
                      kx = k % s.kernelW;
        uint8_t* row = cols + k * p;
        const uint8_t* xc = xGroup + c * s.inH * s.inW;
        for (int64_t oy = 0; oy < s.outH; ++oy) {
            const int64_t iy = oy * s.strideH - s.padTop + ky * s.dilationH;
            uint8_t* dst = row + oy * s.outW;
            if (iy < 0 || iy >= s.inH) {
                std::memset(dst, pad, size_t(s.outW));
                continue;
            }
            const uint8_t* src = xc + iy * s.inW;
            // Columns whose input column ix = ox·stride + off lies inside the row:
            // [oxLo, oxHi); the rest are padding.
            const int64_t off = kx * s.dilationW - s.padLeft, sw = s.strideW;
            const int64_t oxLo = std::clamp<int64_t>((-off + sw - 1) / sw, 0, s.outW);
            const int64_t oxHi = std::clamp<int64_t>((s.inW - off + sw - 1) / sw, oxLo, s.outW);
            std::memset(dst, pad, size_t(oxLo));
            if (sw == 1) {
                std::memcpy(dst + oxLo, src + oxLo + off, size_t(oxHi - oxLo));
            } else {
                const uint8_t* from = src + oxLo * sw + off;
                int64_t ox = oxLo;
                if (sw == 2 && avx2) {
                    const int64_t done = x86::gatherStride2Avx2(from, oxHi - oxLo, dst + ox);
                    ox += done;
                    from += 2 * done;
                }
                for (; ox < oxHi; ++ox, from += sw) dst[ox] = *from;
            }
            std::memset(dst + oxHi, pad, size_t(s.outW - oxHi));
        }
    }
}

QGemm::QGemm(SimdPath path, int64_t m, int64_t k, const int8_t* a)
    : m_path(path)
    , m_m(m)
    , m_k(k) {
    m_rowSums.assign(size_t(m), 0);
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < k; ++j) m_rowSums[size_t(i)] += a[i * k + j];
    switch (path) {
    case SimdPath::Avx2:
        x86::packAAvx2(m, k, a, m_packed);
        break;
    case SimdPath::Avx512:
        x86::packAVnni(m, k, a, m_packed);
        break;
    case SimdPath::Generic:
        m_a.assign(a, a + m * k);
        break;
    }
}

QGemm::~QGemm() = default;

int64_t QGemm::packedBBytes(int64_t n) const {
    const int64_t blocks = (n + kColBlock - 1) / kColBlock;
    switch (m_path) {
    case SimdPath::Avx2: // [blocks of 16][k pairs][16][2] int16
        return 2 * blocks * ((m_k + 1) / 2) * 16 * 2 * 2;
    case SimdPath::Avx512: // [blocks of 32][k quads][32][4] u8
        return blocks * ((m_k + 3) / 4) * 32 * 4;
    case SimdPath::Generic: // [K][n] u8
        break;
    }
    return m_k * n;
}

void QGemm::packB(int64_t n, const uint8_t* b, int64_t strideK, int64_t strideN, uint8_t* packed,
                  int64_t c0, int64_t c1) const {
    c1 = std::min(c1, n);
    switch (m_path) {
    case SimdPath::Avx2: // 16-column blocks
        x86::packBAvx2(m_k, n, b, strideK, strideN, packed, c0 / 16, (c1 + 15) / 16);
        return;
    case SimdPath::Avx512:
        x86::packBVnni(m_k, n, b, strideK, strideN, packed, c0 / 32, (c1 + 31) / 32);
        return;
    case SimdPath::Generic:
        break;
    }
    for (int64_t j = 0; j < m_k; ++j)
        for (int64_t p = c0; p < c1; ++p) packed[j * n + p] = b[j * strideK + p * strideN];
}

void QGemm::multiplyPacked(const uint8_t* packed, int64_t n, int64_t r0, int64_t r1, int64_t c0,
                           int64_t c1, int32_t* c, int64_t ldc) const {
    r1 = std::min(r1, m_m);
    c1 = std::min(c1, n);
    switch (m_path) {
    case SimdPath::Avx2:
        x86::multiplyAvx2(m_m, m_k, m_packed.data(), packed, n, r0, r1, c0, c1, c, ldc);
        return;
    case SimdPath::Avx512:
        x86::multiplyVnni(m_m, m_k, m_packed.data(), packed, n, r0, r1, c0, c1, c, ldc);
        return;
    case SimdPath::Generic:
        break;
    }
    for (int64_t i = r0; i < r1; ++i) {
        int32_t* row = c + i * ldc;
        std::fill(row + c0, row + c1, 0);
        for (int64_t j = 0; j < m_k; ++j) {
            const int32_t a = m_a[size_t(i * m_k + j)];
            const uint8_t* bk = packed + j * n;
            for (int64_t p = c0; p < c1; ++p) row[p] += a * int32_t(bk[p]);
        }
    }
}

void QGemm::multiplyRequant(const uint8_t* packed, int64_t n, int64_t r0, int64_t r1, int64_t c0,
                            int64_t c1, const FusedRequant& rq) const {
    r1 = std::min(r1, m_m);
    c1 = std::min(c1, n);
    if (m_path == SimdPath::Avx512) {
        x86::multiplyVnniRequant(m_m, m_k, m_packed.data(), packed, n, r0, r1, c0, c1, rq.offsets,
                                 rq.multipliers, rq.zeroPoint, rq.lo, rq.hi, rq.isSigned, rq.out,
                                 rq.ldo);
        return;
    }
    // An int32 tile (rows r0.., columns c0..), then the row requantization.
    thread_local std::vector<int32_t> tile;
    const int64_t cols = c1 - c0;
    tile.resize(size_t((r1 - r0) * cols));
    // multiplyPacked addresses C from its row 0, column 0: rebase so that (r0, c0) is
    // tile[0].
    int32_t* c = tile.data() - (r0 * cols + c0);
    multiplyPacked(packed, n, r0, r1, c0, c1, c, cols);
    for (int64_t r = r0; r < r1; ++r)
        requantizeFloatRow(m_path, tile.data() + (r - r0) * cols, rq.offsets[r], cols,
                           rq.multipliers[r], rq.zeroPoint, rq.lo, rq.hi, rq.isSigned,
                           rq.out + r * rq.ldo + c0);
}

void QGemm::multiplyVector(const uint8_t* x, int64_t r0, int64_t r1, int32_t* c,
                           int64_t ldc) const {
    r1 = std::min(r1, m_m);
    switch (m_path) {
    case SimdPath::Avx512:
        x86::multiplyVectorVnni(m_m, m_k, m_packed.data(), x, r0, r1, c, ldc);
        return;
    case SimdPath::Avx2: {
        std::vector<uint8_t> packed(static_cast<size_t>(packedBBytes(1)));
        packB(1, x, 1, m_k, packed.data(), 0, 1);
        std::vector<int32_t> col(static_cast<size_t>(m_m));
        multiplyPacked(packed.data(), 1, r0, r1, 0, 1, col.data(), 1);
        for (int64_t r = r0; r < r1; ++r) c[r * ldc] = col[size_t(r)];
        return;
    }
    case SimdPath::Generic:
        break;
    }
    for (int64_t r = r0; r < r1; ++r) {
        int32_t sum = 0;
        for (int64_t j = 0; j < m_k; ++j) sum += int32_t(x[j]) * int32_t(m_a[size_t(r * m_k + j)]);
        c[r * ldc] = sum;
    }
}

void QGemm::run(int64_t n, const uint8_t* b, int64_t strideK, int64_t strideN, int32_t* c,
                int64_t ldc, std::vector<uint8_t>& scratch) const {
    if (m_path == SimdPath::Avx512 && n <= kVectorColumns) {
        // Column by column (the packed-B path would pad n to 32 columns).
        std::vector<uint8_t> column(static_cast<size_t>(m_k));
        for (int64_t j = 0; j < n; ++j) {
            for (int64_t kk = 0; kk < m_k; ++kk) column[size_t(kk)] = b[kk * strideK + j * strideN];
            multiplyVector(column.data(), 0, m_m, c + j, ldc);
        }
        return;
    }
    scratch.resize(size_t(packedBBytes(n)));
    packB(n, b, strideK, strideN, scratch.data(), 0, n);
    multiplyPacked(scratch.data(), n, 0, m_m, 0, n, c, ldc);
}

std::vector<SimdPath> QGemm::supportedPaths() {
    std::vector<SimdPath> paths{SimdPath::Generic};
    const CpuFeatures& f = cpuFeatures();
    if (f.avx2) paths.push_back(SimdPath::Avx2);
    if (f.avx512f && f.avx512bw && f.avx512vnni) paths.push_back(SimdPath::Avx512);
    return paths;
}

SimdPath QGemm::bestPath() {
    return supportedPaths().back();
}

} // namespace qs::int8
