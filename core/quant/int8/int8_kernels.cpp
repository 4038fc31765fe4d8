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
void unpackNibblesVnni(const uint8_t* nib, int64_t bytes, int32_t* words);
void unpackNibblesAvx2(const uint8_t* nib, int64_t bytes, int32_t* words);
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

void referenceConvTranspose2d(const Conv2dShape& s, const uint8_t* x, int32_t xZero,
                              const int8_t* w, const int32_t* bias, int32_t* acc) {
    const int64_t cg = s.inChannels / s.group, mg = s.outChannels / s.group;
    const int64_t plane = s.outH * s.outW, kh = s.kernelH, kw = s.kernelW;
    for (int64_t n = 0; n < s.batch; ++n) {
        int32_t* accN = acc + n * s.outChannels * plane;
        for (int64_t m = 0; m < s.outChannels; ++m)
            std::fill_n(accN + m * plane, plane, bias ? bias[m] : 0);
        for (int64_t g = 0; g < s.group; ++g)
            for (int64_t c = 0; c < cg; ++c) {
                const int64_t ic = g * cg + c;
                for (int64_t iy = 0; iy < s.inH; ++iy)
                    for (int64_t ix = 0; ix < s.inW; ++ix) {
                        const int32_t xv =
                            int32_t(x[((n * s.inChannels + ic) * s.inH + iy) * s.inW + ix]) - xZero;
                        for (int64_t j = 0; j < mg; ++j) {
                            const int8_t* wk = w + ((ic * mg + j) * kh) * kw;
                            int32_t* a = accN + (g * mg + j) * plane;
                            for (int64_t ky = 0; ky < kh; ++ky) {
                                const int64_t oy = iy * s.strideH + ky * s.dilationH - s.padTop;
                                if (oy < 0 || oy >= s.outH) continue;
                                for (int64_t kx = 0; kx < kw; ++kx) {
                                    const int64_t ox =
                                        ix * s.strideW + kx * s.dilationW - s.padLeft;
                                    if (ox < 0 || ox >= s.outW) continue;
                                    a[oy * s.outW + ox] += xv * int32_t(wk[ky * kw + kx]);
                                }
                            }
                        }
                    }
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

namespace {
int8_t nibbleAt(const uint8_t* nib, int64_t i) {
    return int8_t((((nib[i / 2] >> (4 * (i % 2))) & 0xf) ^ 8) - 8);
}

// Two values per byte, low nibble first (v & 0xf keeps a 4-bit two's complement value).
std::vector<uint8_t> toNibbles(const int8_t* v, int64_t n) {
    std::vector<uint8_t> nib(size_t((n + 1) / 2), 0);
    for (int64_t i = 0; i < n; ++i) nib[size_t(i / 2)] |= uint8_t((v[i] & 0xf) << (4 * (i % 2)));
    return nib;
}
} // namespace

QGemm::QGemm(SimdPath path, int64_t m, int64_t k, const int8_t* a)
    : m_path(path)
    , m_m(m)
    , m_k(k) {
    m_rowSums.assign(size_t(m), 0);
    bool fourBit = m * k > 0;
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < k; ++j) {
            m_rowSums[size_t(i)] += a[i * k + j];
            fourBit = fourBit && a[i * k + j] >= -8 && a[i * k + j] <= 7;
        }
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
    if (!fourBit) return;
    if (path == SimdPath::Generic) {
        m_nibbles = toNibbles(m_a.data(), m * k);
        std::vector<int8_t>().swap(m_a);
        return;
    }
    // Avx512: a word is four int8 values, two nibble bytes; Avx2: a word is two int16 values
    // (each an int8 widened), one nibble byte.
    const int64_t blockWords = int64_t(m_packed.size()) / ((m + blockRows() - 1) / blockRows());
    if (path == SimdPath::Avx512) {
        m_nibbles = toNibbles(reinterpret_cast<const int8_t*>(m_packed.data()),
                              int64_t(m_packed.size()) * 4);
        m_blockNibbleBytes = blockWords * 2;
    } else {
        m_nibbles.resize(m_packed.size());
        for (size_t w = 0; w < m_packed.size(); ++w) {
            const uint32_t word = uint32_t(m_packed[w]);
            m_nibbles[w] = uint8_t((word & 0xf) | ((word >> 16) & 0xf) << 4);
        }
        m_blockNibbleBytes = blockWords;
    }
    std::vector<int32_t>().swap(m_packed);
}

QGemm::~QGemm() = default;

int64_t QGemm::weightBytes() const {
    return int64_t(m_a.size() + m_packed.size() * sizeof(int32_t) + m_nibbles.size());
}

int64_t QGemm::blockRows() const {
    return m_path == SimdPath::Avx2 ? 4 : kRowBlock;
}

const int32_t* QGemm::unpackBlock(int64_t ib) const {
    thread_local std::vector<int32_t> words;
    const int64_t count = m_path == SimdPath::Avx512 ? m_blockNibbleBytes / 2 : m_blockNibbleBytes;
    words.resize(size_t(count));
    const uint8_t* nib = m_nibbles.data() + ib * m_blockNibbleBytes;
    if (m_path == SimdPath::Avx512)
        x86::unpackNibblesVnni(nib, m_blockNibbleBytes, words.data());
    else
        x86::unpackNibblesAvx2(nib, m_blockNibbleBytes, words.data());
    return words.data();
}

const int8_t* QGemm::rowA(int64_t i, std::vector<int8_t>& tmp) const {
    if (m_nibbles.empty()) return m_a.data() + i * m_k;
    tmp.resize(size_t(m_k));
    for (int64_t j = 0; j < m_k; ++j) tmp[size_t(j)] = nibbleAt(m_nibbles.data(), i * m_k + j);
    return tmp.data();
}

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
    if (nibblePacked() && m_path != SimdPath::Generic) {
        // One row block at a time: unpacked once, then every column block of the tile.
        const int64_t br = blockRows();
        for (int64_t ib = r0 / br; ib * br < r1; ++ib) {
            const int32_t* a = unpackBlock(ib);
            const int64_t rows = std::min(br, r1 - ib * br);
            int32_t* cb = c + ib * br * ldc;
            if (m_path == SimdPath::Avx512)
                x86::multiplyVnni(rows, m_k, a, packed, n, 0, rows, c0, c1, cb, ldc);
            else
                x86::multiplyAvx2(rows, m_k, a, packed, n, 0, rows, c0, c1, cb, ldc);
        }
        return;
    }
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
    std::vector<int8_t> tmp;
    for (int64_t i = r0; i < r1; ++i) {
        int32_t* row = c + i * ldc;
        std::fill(row + c0, row + c1, 0);
        const int8_t* ai = rowA(i, tmp);
        for (int64_t j = 0; j < m_k; ++j) {
            const int32_t a = ai[j];
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
        if (!nibblePacked()) {
            x86::multiplyVnniRequant(m_m, m_k, m_packed.data(), packed, n, r0, r1, c0, c1,
                                     rq.offsets, rq.multipliers, rq.zeroPoint, rq.lo, rq.hi,
                                     rq.isSigned, rq.out, rq.ldo);
            return;
        }
        for (int64_t ib = r0 / kRowBlock; ib * kRowBlock < r1; ++ib) {
            const int32_t* a = unpackBlock(ib);
            const int64_t first = ib * kRowBlock, rows = std::min(kRowBlock, r1 - first);
            x86::multiplyVnniRequant(rows, m_k, a, packed, n, 0, rows, c0, c1, rq.offsets + first,
                                     rq.multipliers + first, rq.zeroPoint, rq.lo, rq.hi,
                                     rq.isSigned, rq.out + first * rq.ldo, rq.ldo);
        }
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
        if (!nibblePacked()) {
            x86::multiplyVectorVnni(m_m, m_k, m_packed.data(), x, r0, r1, c, ldc);
            return;
        }
        for (int64_t ib = r0 / kRowBlock; ib * kRowBlock < r1; ++ib) {
            const int64_t first = ib * kRowBlock, rows = std::min(kRowBlock, r1 - first);
            x86::multiplyVectorVnni(rows, m_k, unpackBlock(ib), x, 0, rows, c + first * ldc, ldc);
        }
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
    std::vector<int8_t> tmp;
    for (int64_t r = r0; r < r1; ++r) {
        const int8_t* ar = rowA(r, tmp);
        int32_t sum = 0;
        for (int64_t j = 0; j < m_k; ++j) sum += int32_t(x[j]) * int32_t(ar[j]);
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
