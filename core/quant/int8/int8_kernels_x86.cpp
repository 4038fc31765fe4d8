// SIMD paths of QGemm (C = A·B, A int8 weights packed once, B uint8 activations packed per
// call). Each function carries its own target attribute; nothing here runs unless
// QGemm::supportedPaths() says the CPU has the instructions.
//
// AVX2: operands widened to int16 and multiplied with vpmaddwd (two products summed into
//   int32). vpmaddubsw would be faster but sums two u8·s8 products in int16 with saturation
//   (255·127·2 > 32767), so it could differ from the reference; widening keeps it exact.
//   Micro-tile 4 rows × 16 columns.
// AVX-512 VNNI: vpdpbusd sums four u8·s8 products straight into int32 (exact). Micro-tile
//   8 rows × 32 columns.
#include "quant/int8/int8_kernels.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <immintrin.h>
#include <limits>
#include <vector>

// GCC 12 reports false -Wmaybe-uninitialized inside the AVX-512 intrinsic headers (GCC bug
// 105593, fixed in 13): the "undefined" pass-through operands of the unmasked forms.
#pragma GCC diagnostic push
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace qs::int8::x86 {

namespace {
constexpr int64_t kAvx2Rows = 4, kAvx2Cols = 16;
constexpr int64_t kVnniRows = 8, kVnniCols = 32;

int64_t ceilDiv(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}

inline uint8_t bAt(const uint8_t* b, int64_t k, int64_t n, int64_t kEnd, int64_t nEnd,
                   int64_t strideK, int64_t strideN) {
    return k < kEnd && n < nEnd ? b[k * strideK + n * strideN] : 0;
}
} // namespace

void packAAvx2(int64_t m, int64_t k, const int8_t* a, std::vector<int32_t>& packed) {
    const int64_t mb = ceilDiv(m, kAvx2Rows), k2 = ceilDiv(k, 2);
    packed.assign(size_t(mb * k2 * kAvx2Rows), 0);
    for (int64_t i = 0; i < m; ++i)
        for (int64_t kp = 0; kp < k2; ++kp) {
            const int16_t lo = a[i * k + 2 * kp];
            const int16_t hi = 2 * kp + 1 < k ? a[i * k + 2 * kp + 1] : 0;
            packed[size_t(((i / kAvx2Rows) * k2 + kp) * kAvx2Rows + i % kAvx2Rows)] =
                int32_t(uint32_t(uint16_t(lo)) | (uint32_t(uint16_t(hi)) << 16));
        }
}

// B → [nb][k2][16 columns][2] int16 (the k pair of each column side by side), column blocks
// [jb0, jb1).
__attribute__((target("avx2"))) void packBAvx2(int64_t k, int64_t n, const uint8_t* b,
                                               int64_t strideK, int64_t strideN, uint8_t* packed,
                                               int64_t jb0, int64_t jb1) {
    const int64_t k2 = ceilDiv(k, 2);
    int16_t* packedB = reinterpret_cast<int16_t*>(packed);
    for (int64_t jb = jb0; jb < jb1; ++jb)
        for (int64_t kp = 0; kp < k2; ++kp) {
            int16_t* dst = packedB + (jb * k2 + kp) * kAvx2Cols * 2;
            const int64_t n0 = jb * kAvx2Cols, k0 = 2 * kp;
            if (strideN == 1 && n0 + kAvx2Cols <= n && k0 + 1 < k) {
                const __m256i r0 = _mm256_cvtepu8_epi16(
                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + k0 * strideK + n0)));
                const __m256i r1 = _mm256_cvtepu8_epi16(
                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + (k0 + 1) * strideK + n0)));
                const __m256i lo = _mm256_unpacklo_epi16(r0, r1),
                              hi = _mm256_unpackhi_epi16(r0, r1);
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst),
                                    _mm256_permute2x128_si256(lo, hi, 0x20));
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 16),
                                    _mm256_permute2x128_si256(lo, hi, 0x31));
                continue;
            }
            for (int64_t j = 0; j < kAvx2Cols; ++j) {
                dst[2 * j] = bAt(b, k0, n0 + j, k, n, strideK, strideN);
                dst[2 * j + 1] = bAt(b, k0 + 1, n0 + j, k, n, strideK, strideN);
            }
        }
}

// C rows [r0, r1) (r0 a multiple of 4), columns [c0, c1) (c0 a multiple of 16) from packed B.
__attribute__((target("avx2"))) void multiplyAvx2(int64_t m, int64_t k, const int32_t* packedA,
                                                  const uint8_t* packed, int64_t n, int64_t r0,
                                                  int64_t r1, int64_t c0, int64_t c1, int32_t* c,
                                                  int64_t ldc) {
    const int64_t k2 = ceilDiv(k, 2);
    const int16_t* packedB = reinterpret_cast<const int16_t*>(packed);
    r1 = std::min(r1, m);
    c1 = std::min(c1, n);
    for (int64_t jb = c0 / kAvx2Cols; jb * kAvx2Cols < c1; ++jb) {
        const int16_t* bp = packedB + jb * k2 * kAvx2Cols * 2;
        const int64_t n0 = jb * kAvx2Cols, cols = std::min(kAvx2Cols, c1 - n0);
        for (int64_t ib = r0 / kAvx2Rows; ib * kAvx2Rows < r1; ++ib) {
            const int32_t* ap = packedA + ib * k2 * kAvx2Rows;
            __m256i acc[kAvx2Rows][2];
            for (auto& r : acc) r[0] = r[1] = _mm256_setzero_si256();
            for (int64_t kp = 0; kp < k2; ++kp) {
                const __m256i b0 =
                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + kp * 32));
                const __m256i b1 =
                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + kp * 32 + 16));
                for (int64_t r = 0; r < kAvx2Rows; ++r) {
                    const __m256i av = _mm256_set1_epi32(ap[kp * kAvx2Rows + r]);
                    acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(b0, av));
                    acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(b1, av));
                }
            }
            const int64_t rows = std::min(kAvx2Rows, r1 - ib * kAvx2Rows);
            for (int64_t r = 0; r < rows; ++r) {
                int32_t* dst = c + (ib * kAvx2Rows + r) * ldc + n0;
                if (cols == kAvx2Cols) {
                    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), acc[r][0]);
                    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 8), acc[r][1]);
                } else {
                    alignas(32) int32_t tmp[kAvx2Cols];
                    _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), acc[r][0]);
                    _mm256_store_si256(reinterpret_cast<__m256i*>(tmp + 8), acc[r][1]);
                    std::memcpy(dst, tmp, size_t(cols) * sizeof(int32_t));
                }
            }
        }
    }
}

void packAVnni(int64_t m, int64_t k, const int8_t* a, std::vector<int32_t>& packed) {
    const int64_t mb = ceilDiv(m, kVnniRows), k4 = ceilDiv(k, 4);
    packed.assign(size_t(mb * k4 * kVnniRows), 0);
    for (int64_t i = 0; i < m; ++i)
        for (int64_t kq = 0; kq < k4; ++kq) {
            uint32_t word = 0;
            for (int t = 0; t < 4; ++t)
                if (4 * kq + t < k) word |= uint32_t(uint8_t(a[i * k + 4 * kq + t])) << (8 * t);
            packed[size_t(((i / kVnniRows) * k4 + kq) * kVnniRows + i % kVnniRows)] = int32_t(word);
        }
}

// B → [nb][k4][32 columns][4] u8 (the k quad of each column side by side), column blocks
// [jb0, jb1).
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) void
packBVnni(int64_t k, int64_t n, const uint8_t* b, int64_t strideK, int64_t strideN,
          uint8_t* packedB, int64_t jb0, int64_t jb1) {
    const int64_t k4 = ceilDiv(k, 4);
    // 64-column pairs of blocks from 512-bit rows: per 128-bit lane L the byte, then the word
    // unpacks give columns 16L..16L+3 (e), +4..7 (f), +8..11 (g), +12..15 (h), each column's
    // four k bytes together; block jb is [e0 f0 g0 h0 e1 f1 g1 h1] (lanes), jb + 1 the same of
    // lanes 2 and 3.
    const __m512i lanes01 = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11),
                  lanes23 = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
    int64_t jbPairsEnd = jb0; // blocks [jb0, jbPairsEnd) go in pairs
    if (strideN == 1)
        while (jbPairsEnd + 1 < jb1 && (jbPairsEnd + 2) * kVnniCols <= n) jbPairsEnd += 2;
    for (int64_t jb = jb0; jb < jbPairsEnd; jb += 2)
        for (int64_t kq = 0; kq < k4; ++kq) {
            const int64_t k0 = 4 * kq;
            uint8_t* d0 = packedB + (jb * k4 + kq) * kVnniCols * 4;
            uint8_t* d1 = packedB + ((jb + 1) * k4 + kq) * kVnniCols * 4;
            if (k0 + 3 >= k) { // the last, partial quad
                for (int64_t j = 0; j < 2 * kVnniCols; ++j)
                    for (int64_t t = 0; t < 4; ++t)
                        (j < kVnniCols ? d0 : d1)[(j % kVnniCols) * 4 + t] =
                            bAt(b, k0 + t, jb * kVnniCols + j, k, n, strideK, strideN);
                continue;
            }
            const uint8_t* s = b + k0 * strideK + jb * kVnniCols;
            const __m512i r0 = _mm512_loadu_si512(s), r1 = _mm512_loadu_si512(s + strideK);
            const __m512i r2 = _mm512_loadu_si512(s + 2 * strideK),
                          r3 = _mm512_loadu_si512(s + 3 * strideK);
            const __m512i lo01 = _mm512_unpacklo_epi8(r0, r1), hi01 = _mm512_unpackhi_epi8(r0, r1);
            const __m512i lo23 = _mm512_unpacklo_epi8(r2, r3), hi23 = _mm512_unpackhi_epi8(r2, r3);
            const __m512i e = _mm512_unpacklo_epi16(lo01, lo23),
                          f = _mm512_unpackhi_epi16(lo01, lo23);
            const __m512i g = _mm512_unpacklo_epi16(hi01, hi23),
                          h = _mm512_unpackhi_epi16(hi01, hi23);
            const __m512i ef01 = _mm512_permutex2var_epi64(e, lanes01, f),
                          gh01 = _mm512_permutex2var_epi64(g, lanes01, h);
            const __m512i ef23 = _mm512_permutex2var_epi64(e, lanes23, f),
                          gh23 = _mm512_permutex2var_epi64(g, lanes23, h);
            _mm512_storeu_si512(d0, _mm512_shuffle_i64x2(ef01, gh01, 0x44));
            _mm512_storeu_si512(d0 + 64, _mm512_shuffle_i64x2(ef01, gh01, 0xEE));
            _mm512_storeu_si512(d1, _mm512_shuffle_i64x2(ef23, gh23, 0x44));
            _mm512_storeu_si512(d1 + 64, _mm512_shuffle_i64x2(ef23, gh23, 0xEE));
        }
    for (int64_t jb = jbPairsEnd; jb < jb1; ++jb)
        for (int64_t kq = 0; kq < k4; ++kq) {
            uint8_t* dst = packedB + (jb * k4 + kq) * kVnniCols * 4;
            const int64_t n0 = jb * kVnniCols, k0 = 4 * kq;
            if (strideN == 1 && n0 + kVnniCols <= n && k0 + 3 < k) {
                for (int64_t half = 0; half < 2; ++half) {
                    const uint8_t* s = b + k0 * strideK + n0 + half * 16;
                    const __m128i r0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
                    const __m128i r1 =
                        _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + strideK));
                    const __m128i r2 =
                        _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 2 * strideK));
                    const __m128i r3 =
                        _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 3 * strideK));
                    const __m128i p01l = _mm_unpacklo_epi8(r0, r1),
                                  p01h = _mm_unpackhi_epi8(r0, r1);
                    const __m128i p23l = _mm_unpacklo_epi8(r2, r3),
                                  p23h = _mm_unpackhi_epi8(r2, r3);
                    __m128i* d = reinterpret_cast<__m128i*>(dst + half * 64);
                    _mm_storeu_si128(d, _mm_unpacklo_epi16(p01l, p23l));
                    _mm_storeu_si128(d + 1, _mm_unpackhi_epi16(p01l, p23l));
                    _mm_storeu_si128(d + 2, _mm_unpacklo_epi16(p01h, p23h));
                    _mm_storeu_si128(d + 3, _mm_unpackhi_epi16(p01h, p23h));
                }
                continue;
            }
            for (int64_t j = 0; j < kVnniCols; ++j)
                for (int64_t t = 0; t < 4; ++t)
                    dst[j * 4 + t] = bAt(b, k0 + t, n0 + j, k, n, strideK, strideN);
        }
}

namespace {
// The float output stage fused into a kernel (FusedRequant's fields, unpacked).
struct RequantArgs {
    const int32_t* offsets;
    const float* multipliers;
    int32_t zeroPoint, lo, hi;
    uint8_t* out;
    int64_t ldo;
    bool isSigned = false;
    // Every multiplier of the rows in [0, 1): |float(acc) · M| < 2^31, so cvtps2dq cannot
    // overflow and the clamp may follow the rounding (storeRowPair).
    bool smallMultipliers = false;
};

// requantizeFloat of 16 accumulators (+ offset) to 16 code bytes, stored under `mask`: the
// operations of requantizeFloatAvx512 (and so of the scalar form).
__attribute__((target("avx512f,avx512bw,avx512vl"), always_inline)) inline void
storeRequantized(__m512i acc, __m512i offset, __m512 multiplier, __m512 lo, __m512 hi, __m512i z,
                 uint8_t* dst, __mmask16 mask) {
    __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(acc, offset)), multiplier);
    v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
    const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(v), z);
    _mm_mask_storeu_epi8(dst, mask, _mm512_cvtepi32_epi8(q));
}

// Two rows × 32 columns of accumulators (offsets included) to codes with fewer operations than four
// storeRequantized: v = float(acc) · M rounded half to even (cvtps2dq), then the clamp to
// [lo − z, hi − z] and + z on integers. Equal to requantizeFloat when |v| < 2^31
// (smallMultipliers): rounding is monotonic and the clamp bounds are integers, so
// round(clamp(v)) = clamp(round(v)); the int32 → int16 → byte saturating packs are clamps to
// wider ranges than [lo, hi] (after + z), which the final byte min/max then applies exactly.
__attribute__((target("avx512f,avx512bw,avx512vl"), always_inline)) inline __m512i
roundScaled(__m512i acc, __m512 m) {
    return _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_cvtepi32_ps(acc), m));
}

__attribute__((target("avx512f,avx512bw,avx512vl"), always_inline)) inline void
storeRowPair(__m512i a0, __m512i a1, __m512i b0, __m512i b1, __m512 mA, __m512 mB, __m512i z16,
             __m512i lo8, __m512i hi8, bool isSigned, uint8_t* rowA, uint8_t* rowB) {
    // Per 128-bit lane l: pa = [a0 cols 4l..4l+3, a1 cols 16+4l..] as int16, pb likewise.
    const __m512i pa =
        _mm512_adds_epi16(_mm512_packs_epi32(roundScaled(a0, mA), roundScaled(a1, mA)), z16);
    const __m512i pb =
        _mm512_adds_epi16(_mm512_packs_epi32(roundScaled(b0, mB), roundScaled(b1, mB)), z16);
    // Per lane l, dwords: a0 part, a1 part, b0 part, b1 part.
    __m512i bytes;
    if (isSigned)
        bytes = _mm512_min_epi8(_mm512_max_epi8(_mm512_packs_epi16(pa, pb), lo8), hi8);
    else
        bytes = _mm512_min_epu8(_mm512_max_epu8(_mm512_packus_epi16(pa, pb), lo8), hi8);
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    bytes = _mm512_permutexvar_epi32(order, bytes);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(rowA), _mm512_castsi512_si256(bytes));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(rowB), _mm512_extracti64x4_epi64(bytes, 1));
}

// One 8-row × (16·V)-column VNNI micro-tile over all of K: 8·V independent accumulators, stored
// as int32 (rq null) or requantized to codes (rows from `row`, columns from `col`).
template <int V>
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"), always_inline)) inline void
vnniTile(int64_t k4, const int32_t* ap, const uint8_t* bp, int64_t rows, int32_t* dst, int64_t ldc,
         __mmask16 mask0, __mmask16 mask1, const RequantArgs* rq, int64_t row, int64_t col) {
    // With the pair output stage the accumulators start at the rows' offsets (int32 addition
    // wraps alike in either order).
    const bool pairs = rq && V == 2 && rq->smallMultipliers && mask0 == 0xffff && mask1 == 0xffff;
    __m512i acc[kVnniRows][V];
    for (int64_t r = 0; r < kVnniRows; ++r)
        for (auto& v : acc[r])
            v = pairs && r < rows ? _mm512_set1_epi32(rq->offsets[row + r])
                                  : _mm512_setzero_si512();
    if constexpr (V == 2) {
        // The 16 accumulators as named variables: with the array, GCC 12 rotated them through
        // other registers and the stack on every iteration (as many moves as vpdpbusd).
        __m512i c00 = acc[0][0], c01 = acc[0][1], c10 = acc[1][0], c11 = acc[1][1];
        __m512i c20 = acc[2][0], c21 = acc[2][1], c30 = acc[3][0], c31 = acc[3][1];
        __m512i c40 = acc[4][0], c41 = acc[4][1], c50 = acc[5][0], c51 = acc[5][1];
        __m512i c60 = acc[6][0], c61 = acc[6][1], c70 = acc[7][0], c71 = acc[7][1];
        for (int64_t kq = 0; kq < k4; ++kq) {
            const __m512i b0 = _mm512_loadu_si512(bp + kq * 128),
                          b1 = _mm512_loadu_si512(bp + kq * 128 + 64);
            const int32_t* a = ap + kq * kVnniRows;
#define QS_VNNI_ROW(r, x0, x1)                                                                     \
    {                                                                                              \
        const __m512i av = _mm512_set1_epi32(a[r]);                                                \
        x0 = _mm512_dpbusd_epi32(x0, b0, av);                                                      \
        x1 = _mm512_dpbusd_epi32(x1, b1, av);                                                      \
    }
            QS_VNNI_ROW(0, c00, c01)
            QS_VNNI_ROW(1, c10, c11)
            QS_VNNI_ROW(2, c20, c21)
            QS_VNNI_ROW(3, c30, c31)
            QS_VNNI_ROW(4, c40, c41)
            QS_VNNI_ROW(5, c50, c51)
            QS_VNNI_ROW(6, c60, c61)
            QS_VNNI_ROW(7, c70, c71)
#undef QS_VNNI_ROW
        }
        acc[0][0] = c00, acc[0][1] = c01, acc[1][0] = c10, acc[1][1] = c11;
        acc[2][0] = c20, acc[2][1] = c21, acc[3][0] = c30, acc[3][1] = c31;
        acc[4][0] = c40, acc[4][1] = c41, acc[5][0] = c50, acc[5][1] = c51;
        acc[6][0] = c60, acc[6][1] = c61, acc[7][0] = c70, acc[7][1] = c71;
    } else { // V == 1, the same with 8 accumulators
        __m512i c0 = acc[0][0], c1 = acc[1][0], c2 = acc[2][0], c3 = acc[3][0];
        __m512i c4 = acc[4][0], c5 = acc[5][0], c6 = acc[6][0], c7 = acc[7][0];
        for (int64_t kq = 0; kq < k4; ++kq) {
            const __m512i b0 = _mm512_loadu_si512(bp + kq * 128);
            const int32_t* a = ap + kq * kVnniRows;
#define QS_VNNI_ROW(r, x0) x0 = _mm512_dpbusd_epi32(x0, b0, _mm512_set1_epi32(a[r]));
            QS_VNNI_ROW(0, c0)
            QS_VNNI_ROW(1, c1)
            QS_VNNI_ROW(2, c2)
            QS_VNNI_ROW(3, c3)
            QS_VNNI_ROW(4, c4)
            QS_VNNI_ROW(5, c5)
            QS_VNNI_ROW(6, c6)
            QS_VNNI_ROW(7, c7)
#undef QS_VNNI_ROW
        }
        acc[0][0] = c0, acc[1][0] = c1, acc[2][0] = c2, acc[3][0] = c3;
        acc[4][0] = c4, acc[5][0] = c5, acc[6][0] = c6, acc[7][0] = c7;
    }
    if (rq) {
        const __m512i z = _mm512_set1_epi32(rq->zeroPoint);
        const __m512 lo = _mm512_set1_ps(float(rq->lo - rq->zeroPoint)),
                     hi = _mm512_set1_ps(float(rq->hi - rq->zeroPoint));
        int64_t r = 0;
        if (pairs) {
            const __m512i z16 = _mm512_set1_epi16(int16_t(rq->zeroPoint));
            const __m512i lo8 = _mm512_set1_epi8(char(rq->lo)),
                          hi8 = _mm512_set1_epi8(char(rq->hi));
            for (; r + 1 < rows; r += 2) {
                uint8_t* o = rq->out + (row + r) * rq->ldo + col;
                storeRowPair(acc[r][0], acc[r][V - 1], acc[r + 1][0], acc[r + 1][V - 1],
                             _mm512_set1_ps(rq->multipliers[row + r]),
                             _mm512_set1_ps(rq->multipliers[row + r + 1]), z16, lo8, hi8,
                             rq->isSigned, o, o + rq->ldo);
            }
        }
        for (; r < rows; ++r) {
            const __m512i off =
                pairs ? _mm512_setzero_si512() : _mm512_set1_epi32(rq->offsets[row + r]);
            const __m512 m = _mm512_set1_ps(rq->multipliers[row + r]);
            uint8_t* o = rq->out + (row + r) * rq->ldo + col;
            storeRequantized(acc[r][0], off, m, lo, hi, z, o, mask0);
            if (V == 2 && mask1) storeRequantized(acc[r][V - 1], off, m, lo, hi, z, o + 16, mask1);
        }
        return;
    }
    for (int64_t r = 0; r < rows; ++r) {
        _mm512_mask_storeu_epi32(dst + r * ldc, mask0, acc[r][0]);
        if (V == 2 && mask1) _mm512_mask_storeu_epi32(dst + r * ldc + 16, mask1, acc[r][V - 1]);
    }
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) void
multiplyVnniImpl(int64_t m, int64_t k, const int32_t* packedA, const uint8_t* packedB, int64_t n,
                 int64_t r0, int64_t r1, int64_t c0, int64_t c1, int32_t* c, int64_t ldc,
                 const RequantArgs* rq) {
    const int64_t k4 = ceilDiv(k, 4);
    r1 = std::min(r1, m);
    c1 = std::min(c1, n);
    for (int64_t jb = c0 / kVnniCols; jb * kVnniCols < c1; ++jb) {
        const uint8_t* bp = packedB + jb * k4 * kVnniCols * 4;
        const int64_t n0 = jb * kVnniCols, cols = std::min(kVnniCols, c1 - n0);
        const __mmask16 mask0 = cols >= 16 ? __mmask16(0xffff) : __mmask16((1u << cols) - 1);
        const __mmask16 mask1 = cols >= 32   ? __mmask16(0xffff)
                                : cols <= 16 ? 0
                                             : __mmask16((1u << (cols - 16)) - 1);
        for (int64_t ib = r0 / kVnniRows; ib * kVnniRows < r1; ++ib) {
            const int32_t* ap = packedA + ib * k4 * kVnniRows;
            const int64_t rows = std::min(kVnniRows, r1 - ib * kVnniRows);
            int32_t* dst = c ? c + ib * kVnniRows * ldc + n0 : nullptr;
            if (cols <= 16)
                vnniTile<1>(k4, ap, bp, rows, dst, ldc, mask0, mask1, rq, ib * kVnniRows, n0);
            else
                vnniTile<2>(k4, ap, bp, rows, dst, ldc, mask0, mask1, rq, ib * kVnniRows, n0);
        }
    }
}
} // namespace

// 4-bit weights (every value in [-8, 7]) are kept as nibbles of the packed layout, two per byte,
// low nibble first; QGemm unpacks one row block at a time into its packed form.
// Avx512 layout (int8 bytes): byte 2j = low nibble of nib[j], byte 2j + 1 = high nibble.
__attribute__((target("avx512f,avx512bw,avx512vl"))) void
unpackNibblesVnni(const uint8_t* nib, int64_t bytes, int32_t* words) {
    uint8_t* out = reinterpret_cast<uint8_t*>(words); // 2 · bytes int8 values
    const __m512i lowMask = _mm512_set1_epi16(0x000f), highMask = _mm512_set1_epi16(0x0f00);
    const __m512i eight = _mm512_set1_epi8(8);
    for (int64_t j = 0; j < bytes; j += 32) {
        const int64_t n = std::min<int64_t>(32, bytes - j);
        const __mmask32 in = n == 32 ? ~__mmask32(0) : __mmask32((1u << n) - 1);
        const __m512i w = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(in, nib + j));
        // Word = [low nibble, high nibble] as two bytes; (v ^ 8) − 8 sign-extends 4 bits.
        const __m512i v = _mm512_or_si512(_mm512_and_si512(w, lowMask),
                                          _mm512_and_si512(_mm512_slli_epi16(w, 4), highMask));
        const __m512i s = _mm512_sub_epi8(_mm512_xor_si512(v, eight), eight);
        const __mmask64 outMask = n == 32 ? ~__mmask64(0) : (__mmask64(1) << (2 * n)) - 1;
        _mm512_mask_storeu_epi8(out + 2 * j, outMask, s);
    }
}

// Avx2 layout (int32 words of two int16): word j = sext(low nibble of nib[j]) | sext(high) << 16.
__attribute__((target("avx2"))) void unpackNibblesAvx2(const uint8_t* nib, int64_t bytes,
                                                       int32_t* words) {
    const __m256i mask = _mm256_set1_epi32(0xf), eight = _mm256_set1_epi32(8);
    int64_t j = 0;
    for (; j + 8 <= bytes; j += 8) {
        const __m256i w =
            _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(nib + j)));
        const __m256i lo =
            _mm256_sub_epi32(_mm256_xor_si256(_mm256_and_si256(w, mask), eight), eight);
        const __m256i hi = _mm256_sub_epi32(
            _mm256_xor_si256(_mm256_and_si256(_mm256_srli_epi32(w, 4), mask), eight), eight);
        const __m256i word = _mm256_or_si256(_mm256_and_si256(lo, _mm256_set1_epi32(0xffff)),
                                             _mm256_slli_epi32(hi, 16));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(words + j), word);
    }
    for (; j < bytes; ++j) {
        const int32_t lo = ((nib[j] & 0xf) ^ 8) - 8, hi = ((nib[j] >> 4) ^ 8) - 8;
        words[j] =
            int32_t(uint32_t(uint16_t(int16_t(lo))) | (uint32_t(uint16_t(int16_t(hi))) << 16));
    }
}

// One column of C: c[r·ldc] = Σ_k A[r][k]·x[k] for rows [r0, r1) (r0 a multiple of 8), x
// contiguous K bytes (Gemm/MatMul with one row of activations: the packed-B path would pad it
// to 32 columns). A's packed layout holds, per 8-row block, one int32 (a k quad) per row and
// quad; a 512-bit load takes two quads of the 8 rows, multiplied by x's two quads each
// repeated 8 times (xq, built here), four accumulator chains; lanes 0-7 + 8-15 at the end.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) void
multiplyVectorVnni(int64_t m, int64_t k, const int32_t* packedA, const uint8_t* x, int64_t r0,
                   int64_t r1, int32_t* c, int64_t ldc) {
    const int64_t k4 = ceilDiv(k, 4), pairs = ceilDiv(k4, 2);
    std::vector<int32_t> xq(size_t(pairs * 16), 0);
    for (int64_t kq = 0; kq < k4; ++kq) {
        uint32_t word = 0;
        for (int t = 0; t < 4; ++t)
            if (4 * kq + t < k) word |= uint32_t(x[4 * kq + t]) << (8 * t);
        int32_t* dst = xq.data() + (kq / 2) * 16 + (kq % 2) * 8;
        for (int r = 0; r < 8; ++r) dst[r] = int32_t(word);
    }
    r1 = std::min(r1, m);
    const int64_t fullPairs = k4 / 2; // pairs whose both quads exist in A
    for (int64_t ib = r0 / kVnniRows; ib * kVnniRows < r1; ++ib) {
        const int32_t* ap = packedA + ib * k4 * kVnniRows;
        __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(),
                          _mm512_setzero_si512()};
        int64_t p = 0;
        for (; p + 4 <= fullPairs; p += 4)
            for (int u = 0; u < 4; ++u)
                acc[u] = _mm512_dpbusd_epi32(acc[u], _mm512_loadu_si512(xq.data() + (p + u) * 16),
                                             _mm512_loadu_si512(ap + (p + u) * 16));
        for (; p < fullPairs; ++p)
            acc[0] = _mm512_dpbusd_epi32(acc[0], _mm512_loadu_si512(xq.data() + p * 16),
                                         _mm512_loadu_si512(ap + p * 16));
        if (k4 % 2) // the last quad alone: only lanes 0-7 of A exist
            acc[1] = _mm512_dpbusd_epi32(acc[1], _mm512_loadu_si512(xq.data() + p * 16),
                                         _mm512_maskz_loadu_epi32(0x00ff, ap + p * 16));
        const __m512i sum =
            _mm512_add_epi32(_mm512_add_epi32(acc[0], acc[1]), _mm512_add_epi32(acc[2], acc[3]));
        const __m256i rows8 =
            _mm256_add_epi32(_mm512_castsi512_si256(sum), _mm512_extracti64x4_epi64(sum, 1));
        alignas(32) int32_t out[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(out), rows8);
        const int64_t rows = std::min(kVnniRows, r1 - ib * kVnniRows);
        for (int64_t r = 0; r < rows; ++r) c[(ib * kVnniRows + r) * ldc] = out[r];
    }
}

// C rows [r0, r1) (r0 a multiple of 8), columns [c0, c1) (c0 a multiple of 32) from packed B.
// A block of 16 or fewer columns (the tail of 7×7 planes) runs the one-vector tile.
void multiplyVnni(int64_t m, int64_t k, const int32_t* packedA, const uint8_t* packedB, int64_t n,
                  int64_t r0, int64_t r1, int64_t c0, int64_t c1, int32_t* c, int64_t ldc) {
    multiplyVnniImpl(m, k, packedA, packedB, n, r0, r1, c0, c1, c, ldc, nullptr);
}

// The same tiles requantized in registers (float form) straight to codes: no int32 round trip.
void multiplyVnniRequant(int64_t m, int64_t k, const int32_t* packedA, const uint8_t* packedB,
                         int64_t n, int64_t r0, int64_t r1, int64_t c0, int64_t c1,
                         const int32_t* offsets, const float* multipliers, int32_t zeroPoint,
                         int32_t lo, int32_t hi, bool isSigned, uint8_t* out, int64_t ldo) {
    RequantArgs rq{offsets, multipliers, zeroPoint, lo, hi, out, ldo};
    rq.isSigned = isSigned;
    rq.smallMultipliers = true;
    for (int64_t r = r0; r < std::min(r1, m); ++r)
        rq.smallMultipliers =
            rq.smallMultipliers && multipliers[r] >= 0.0f && multipliers[r] < 1.0f;
    multiplyVnniImpl(m, k, packedA, packedB, n, r0, r1, c0, c1, nullptr, 0, &rq);
}

} // namespace qs::int8::x86

namespace qs::int8::x86 {

// im2col's stride-2 row gather: dst[i] = from[2i] for i < n, 16 at a time (32-byte loads
// kept inside [from, from + 2n − 1]: the even bytes via a 16-bit mask and vpackuswb). Returns
// how many were done.
__attribute__((target("avx2"))) int64_t gatherStride2Avx2(const uint8_t* from, int64_t n,
                                                          uint8_t* dst) {
    const __m256i low = _mm256_set1_epi16(0x00ff);
    int64_t i = 0;
    for (; i + 16 < n; i += 16) { // from[2i + 31] = from[2(i + 15) + 1] < from[2n − 1]
        const __m256i v = _mm256_and_si256(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from + 2 * i)), low);
        const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(v, v), 0x08);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm256_castsi256_si128(packed));
    }
    return i;
}

// Float requantization of n accumulators, 8 at a time: the scalar requantizeFloat's operations
// in the same order (cvtdq2ps = int→float rounding to nearest, mulps, max/min against
// [lo − z, hi − z], cvtps2dq = round half to even under the default MXCSR, + z), so every
// element equals the scalar result. Returns how many elements were done (a multiple of 8).
__attribute__((target("avx2"))) int64_t requantizeFloatAvx2(const int32_t* acc, int32_t offset,
                                                            int64_t n, float multiplier,
                                                            int32_t zeroPoint, int32_t lo,
                                                            int32_t hi, bool isSigned, void* out) {
    const __m256 m = _mm256_set1_ps(multiplier);
    const __m256 vlo = _mm256_set1_ps(float(lo - zeroPoint)),
                 vhi = _mm256_set1_ps(float(hi - zeroPoint));
    const __m256i z = _mm256_set1_epi32(zeroPoint), off = _mm256_set1_epi32(offset);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v =
            _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(
                              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + i)), off)),
                          m);
        v = _mm256_min_ps(_mm256_max_ps(v, vlo), vhi);
        const __m256i q =
            _mm256_add_epi32(_mm256_cvtps_epi32(v), z); // within [lo, hi]: packing is exact
        const __m128i w =
            _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        const __m128i b = isSigned ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(static_cast<uint8_t*>(out) + i), b);
    }
    return i;
}

// Depthwise 2-D convolution of one channel plane (`stride` is the column stride, any row
// stride). The plane is first copied into `scratch`
// with its padding filled with the zero point (whose contribution (z − z)·w is 0, so the result
// is exact) and enough slack that every output column, the padding ones included, runs the
// same 16-wide AVX2 step; the row is computed rounded up to 16 columns and the first ow kept.
// u8 − z in int16 (|·| ≤ 255) times the int8 weight fits int16 (≤ 32385) and is widened to
// int32 before summing. Stride 1 loads 16 bytes per tap; stride 2 loads 32 and keeps the low
// byte of each 16-bit word (the even columns). Equals referenceConv2d.
__attribute__((target("avx2"))) void
depthwisePlaneAvx2(const uint8_t* x, int64_t h, int64_t w, int32_t xZero, const int8_t* wt,
                   int64_t kh, int64_t kw, int64_t strideH, int64_t stride, int64_t dilation,
                   int64_t padTop, int64_t padLeft, int32_t bias, int32_t* out, int64_t oh,
                   int64_t ow, std::vector<uint8_t>& scratch) {
    const int64_t owRounded = ceilDiv(ow, 16) * 16;
    const int64_t pw =
        (owRounded - 1) * stride + (kw - 1) * dilation + 32; // the last load's end, with slack
    const int64_t ph = (oh - 1) * strideH + (kh - 1) * dilation + 1;
    scratch.assign(size_t(pw * ph), uint8_t(xZero));
    for (int64_t r = 0; r < ph; ++r) {
        const int64_t iy = r - padTop;
        if (iy < 0 || iy >= h) continue;
        const int64_t c0 = std::max<int64_t>(0, -padLeft), c1 = std::min<int64_t>(w, pw - padLeft);
        if (c1 > c0)
            std::memcpy(scratch.data() + r * pw + c0 + padLeft, x + iy * w + c0, size_t(c1 - c0));
    }
    const uint8_t* p = scratch.data();
    const __m256i zx = _mm256_set1_epi16(int16_t(xZero));
    const __m256i lowBytes = _mm256_set1_epi16(0x00ff);
    alignas(32) int32_t row[16];
    for (int64_t oy = 0; oy < oh; ++oy) {
        for (int64_t ox = 0; ox < owRounded; ox += 16) {
            __m256i acc0 = _mm256_set1_epi32(bias), acc1 = acc0;
            for (int64_t ky = 0; ky < kh; ++ky) {
                const uint8_t* src = p + (oy * strideH + ky * dilation) * pw + ox * stride;
                for (int64_t kx = 0; kx < kw; ++kx) {
                    const uint8_t* s = src + kx * dilation;
                    const __m256i v =
                        stride == 1 ? _mm256_cvtepu8_epi16(
                                          _mm_loadu_si128(reinterpret_cast<const __m128i*>(s)))
                                    : _mm256_and_si256(
                                          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s)),
                                          lowBytes);
                    const __m256i prod = _mm256_mullo_epi16(
                        _mm256_sub_epi16(v, zx), _mm256_set1_epi16(int16_t(wt[ky * kw + kx])));
                    acc0 =
                        _mm256_add_epi32(acc0, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(prod)));
                    acc1 = _mm256_add_epi32(
                        acc1, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(prod, 1)));
                }
            }
            int32_t* dst = out + oy * ow + ox;
            if (ox + 16 <= ow) {
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), acc0);
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 8), acc1);
            } else {
                _mm256_store_si256(reinterpret_cast<__m256i*>(row), acc0);
                _mm256_store_si256(reinterpret_cast<__m256i*>(row + 8), acc1);
                std::memcpy(dst, row, size_t(ow - ox) * sizeof(int32_t));
            }
        }
    }
}

// QAdd's float form (ONNX Runtime's MLAS AVX2 QLinearAdd): v = fma(a, r_a, fma(b, r_b, K)),
// cvtps2dq (half to even), clamped to [lo, hi]; 8 elements per step, the same operations as
// the scalar loop in int8_ops.cpp. Returns how many elements were done.
__attribute__((target("avx2,fma"))) int64_t
qaddFloatAvx2(const void* a, bool aSigned, const void* b, bool bSigned, int64_t n, float ra,
              float rb, float fixedPart, int32_t lo, int32_t hi, bool outSigned, void* out) {
    const __m256 vra = _mm256_set1_ps(ra), vrb = _mm256_set1_ps(rb), k = _mm256_set1_ps(fixedPart);
    const __m256i vlo = _mm256_set1_epi32(lo), vhi = _mm256_set1_epi32(hi);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i ra8 =
            _mm_loadl_epi64(reinterpret_cast<const __m128i*>(static_cast<const uint8_t*>(a) + i));
        const __m128i rb8 =
            _mm_loadl_epi64(reinterpret_cast<const __m128i*>(static_cast<const uint8_t*>(b) + i));
        const __m256 fa =
            _mm256_cvtepi32_ps(aSigned ? _mm256_cvtepi8_epi32(ra8) : _mm256_cvtepu8_epi32(ra8));
        const __m256 fb =
            _mm256_cvtepi32_ps(bSigned ? _mm256_cvtepi8_epi32(rb8) : _mm256_cvtepu8_epi32(rb8));
        __m256 v = _mm256_fmadd_ps(fa, vra, _mm256_fmadd_ps(fb, vrb, k));
        // ±1e9 first, as the scalar loop (vcvtps2dq would turn |v| ≥ 2^31 into INT_MIN).
        v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-1e9f)), _mm256_set1_ps(1e9f));
        const __m256i q = _mm256_min_epi32(_mm256_max_epi32(_mm256_cvtps_epi32(v), vlo), vhi);
        const __m128i w =
            _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        _mm_storel_epi64(reinterpret_cast<__m128i*>(static_cast<uint8_t*>(out) + i),
                         outSigned ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w));
    }
    return i;
}

// QMul's float form: v = float((a − z_a)(b − z_b)) · M (the product is exact in float: |·| ≤
// 65025 < 2^24), clamped to [lo − z, hi − z], rounded half to even, + z; 8 elements per step,
// the scalar loop's operations. bScalar: b is one code for all n elements (a broadcast row).
__attribute__((target("avx2"))) int64_t qmulFloatAvx2(const void* a, bool aSigned, int32_t za,
                                                      const void* b, bool bSigned, bool bScalar,
                                                      int32_t zb, int64_t n, float multiplier,
                                                      int32_t zeroPoint, int32_t lo, int32_t hi,
                                                      bool outSigned, void* out) {
    const __m256 m = _mm256_set1_ps(multiplier);
    const __m256 vlo = _mm256_set1_ps(float(lo - zeroPoint)),
                 vhi = _mm256_set1_ps(float(hi - zeroPoint));
    const __m256i z = _mm256_set1_epi32(zeroPoint), vza = _mm256_set1_epi32(za),
                  vzb = _mm256_set1_epi32(zb);
    const uint8_t* pa = static_cast<const uint8_t*>(a);
    const uint8_t* pb = static_cast<const uint8_t*>(b);
    // b is read only when it is one broadcast code: a full row may be empty here (n == 0,
    // the wider path took every element) and b + i then points past its end.
    const int32_t scalarB = !bScalar ? 0 : bSigned ? int32_t(int8_t(pb[0])) : int32_t(pb[0]);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i ra8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(pa + i));
        const __m256i da =
            _mm256_sub_epi32(aSigned ? _mm256_cvtepi8_epi32(ra8) : _mm256_cvtepu8_epi32(ra8), vza);
        __m256i db;
        if (bScalar) {
            db = _mm256_set1_epi32(scalarB - zb);
        } else {
            const __m128i rb8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(pb + i));
            db = _mm256_sub_epi32(bSigned ? _mm256_cvtepi8_epi32(rb8) : _mm256_cvtepu8_epi32(rb8),
                                  vzb);
        }
        __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_mullo_epi32(da, db)), m);
        v = _mm256_min_ps(_mm256_max_ps(v, vlo), vhi);
        const __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), z);
        const __m128i w =
            _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        _mm_storel_epi64(reinterpret_cast<__m128i*>(static_cast<uint8_t*>(out) + i),
                         outSigned ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w));
    }
    return i;
}

} // namespace qs::int8::x86

namespace qs::int8::x86 {

// Whether depthwiseVbmi handles the geometry: the dwords of 16 output columns come from
// one 64-byte window (15·stride + 3·dilation < 64 when the kernel is 4 or more wide).
bool depthwiseVbmiFits(int64_t kw, int64_t stride, int64_t dilation) {
    return 15 * stride + std::min<int64_t>(3, kw - 1) * dilation < 64;
}

namespace {
// Byte position of lane i of vector v after packFour: the int32 → int16 and int16 → byte
// packs interleave per 128-bit lane l = i / 4: [a, b, c, d] four lanes each.
constexpr int packedPos(int v, int i) {
    return (i / 4) * 16 + v * 4 + i % 4;
}

// Four vectors of 16 accumulators with one multiplier M < 1 to 64 code bytes (lane i of
// vector v at packedPos(v, i)): storeRowPair's output stage (see there why it equals
// requantizeFloat).
__attribute__((target("avx512f,avx512bw,avx512vl"), always_inline)) inline __m512i
packFour(__m512i a0, __m512i a1, __m512i a2, __m512i a3, __m512 m, __m512i z16, __m512i lo8,
         __m512i hi8, bool isSigned) {
    const __m512i pa =
        _mm512_adds_epi16(_mm512_packs_epi32(roundScaled(a0, m), roundScaled(a1, m)), z16);
    const __m512i pb =
        _mm512_adds_epi16(_mm512_packs_epi32(roundScaled(a2, m), roundScaled(a3, m)), z16);
    if (isSigned) return _mm512_min_epi8(_mm512_max_epi8(_mm512_packs_epi16(pa, pb), lo8), hi8);
    return _mm512_min_epu8(_mm512_max_epu8(_mm512_packus_epi16(pa, pb), lo8), hi8);
}

// The windows of up to four vectors of one channel from src (the first vector's first kernel
// row), vStep bytes apart. Shared (vectors vRows input rows apart, rows not dilated, kernel at
// most 4 wide): each input row's window is loaded and permuted once for every vector and kernel
// row it serves.
// Chunked taps (windows not shared, kernel at least 2 wide): the kernel's taps in row-major
// order, four per chunk, so a chunk spans one kernel row or two (windows at offA and offB from
// a vector's first kernel row, the two gathered by one vpermt2b); its weight dword is the four
// weights as stored.
struct DwChunk {
    int64_t offA, offB;
    bool two;
};

struct DwQuad {
    const uint8_t* src;
    int64_t pw, vRows, vStep, kh, dH, groups, dW;
    const int32_t* wd; // [kh][groups] weight dwords
    __m512i perm;
    bool share;
    // Direct (shared form only): the windows straight from the input plane instead of the
    // padded copy: window rel = a masked load (columns cmask, z elsewhere) at xRow0 + rel·xPitch,
    // input row firstRow + rel (all z outside [0, inH)).
    bool direct = false;
    uintptr_t xRow0 = 0;
    int64_t xPitch = 0, firstRow = 0, inH = 0;
    __mmask64 cmask = 0;
    __m512i zv = _mm512_setzero_si512();
    const DwChunk* chunks = nullptr; // non-null: chunked taps, wd the chunks' weight dwords
    const __m512i* chunkIdx = nullptr;
    int64_t nChunks = 0, kw = 0;
};

// Chunked taps of a KH × KW kernel with every loop and chunk shape (one or two kernel rows)
// resolved at compile time.
template <int NV, int KH, int KW>
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi"),
               always_inline)) inline void
dwQuadChunked(const DwQuad& q, __m512i& a0, __m512i& a1, __m512i& a2, __m512i& a3) {
    constexpr int taps = KH * KW, chunks = (taps + 3) / 4;
#pragma GCC unroll 16
    for (int j = 0; j < chunks; ++j) {
        const int t0 = 4 * j, t1 = std::min(taps, t0 + 4) - 1;
        const int rowA = t0 / KW, rowB = t1 / KW;
        const int64_t offA = rowA * q.dH * q.pw + (t0 % KW) * q.dW, offB = rowB * q.dH * q.pw;
        const __m512i wv = _mm512_set1_epi32(q.wd[j]), idx = q.chunkIdx[j];
#define QS_DW_TAP(v, acc)                                                                          \
    if ((v) < NV) {                                                                                \
        const uint8_t* s = q.src + (v)*q.vStep;                                                    \
        const __m512i winA = _mm512_loadu_si512(s + offA);                                         \
        const __m512i pv = rowB != rowA                                                            \
                               ? _mm512_permutex2var_epi8(winA, idx, _mm512_loadu_si512(s + offB)) \
                               : _mm512_permutexvar_epi8(idx, winA);                               \
        acc = _mm512_dpbusd_epi32(acc, pv, wv);                                                    \
    }
        QS_DW_TAP(0, a0)
        QS_DW_TAP(1, a1)
        QS_DW_TAP(2, a2)
        QS_DW_TAP(3, a3)
#undef QS_DW_TAP
    }
}

// The shared form for a kernel KH rows high, vectors VR input rows apart: every loop and
// condition resolved at compile time.
template <int NV, int KH, int VR>
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi"),
               always_inline)) inline void
dwQuadShared(const DwQuad& q, __m512i& a0, __m512i& a1, __m512i& a2, __m512i& a3) {
    __m512i wv[KH];
#pragma GCC unroll 8
    for (int ky = 0; ky < KH; ++ky) wv[ky] = _mm512_set1_epi32(q.wd[ky]);
#pragma GCC unroll 32
    for (int rel = 0; rel < (NV - 1) * VR + KH; ++rel) {
        __m512i win;
        if (q.direct) {
            const bool inside = uint64_t(q.firstRow + rel) < uint64_t(q.inH);
            win = _mm512_mask_loadu_epi8(
                q.zv, inside ? q.cmask : 0,
                reinterpret_cast<const void*>(q.xRow0 + uintptr_t(rel * q.xPitch)));
        } else {
            win = _mm512_loadu_si512(q.src + rel * q.pw);
        }
        const __m512i pv = _mm512_permutexvar_epi8(q.perm, win);
#define QS_DW_TAP(v, acc)                                                                          \
    if ((v) < NV && rel - (v)*VR >= 0 && rel - (v)*VR < KH)                                        \
        acc = _mm512_dpbusd_epi32(acc, pv, wv[rel - (v)*VR]);
        QS_DW_TAP(0, a0)
        QS_DW_TAP(1, a1)
        QS_DW_TAP(2, a2)
        QS_DW_TAP(3, a3)
#undef QS_DW_TAP
    }
}

template <int NV>
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi"),
               always_inline)) inline void
dwQuad(const DwQuad& q, __m512i& a0, __m512i& a1, __m512i& a2, __m512i& a3) {
    if (q.share && q.kh == 3 && q.vRows >= 1 && q.vRows <= 4) {
        switch (q.vRows) {
        case 1:
            return dwQuadShared<NV, 3, 1>(q, a0, a1, a2, a3);
        case 2:
            return dwQuadShared<NV, 3, 2>(q, a0, a1, a2, a3);
        case 3:
            return dwQuadShared<NV, 3, 3>(q, a0, a1, a2, a3);
        default:
            return dwQuadShared<NV, 3, 4>(q, a0, a1, a2, a3);
        }
    }
    if (q.share) {
        const int64_t rels = (NV - 1) * q.vRows + q.kh;
        for (int64_t rel = 0; rel < rels; ++rel) {
            const __m512i pv =
                _mm512_permutexvar_epi8(q.perm, _mm512_loadu_si512(q.src + rel * q.pw));
#define QS_DW_TAP(v, acc)                                                                          \
    if ((v) < NV && uint64_t(rel - (v)*q.vRows) < uint64_t(q.kh))                                  \
        acc = _mm512_dpbusd_epi32(acc, pv, _mm512_set1_epi32(q.wd[rel - (v)*q.vRows]));
            QS_DW_TAP(0, a0)
            QS_DW_TAP(1, a1)
            QS_DW_TAP(2, a2)
            QS_DW_TAP(3, a3)
#undef QS_DW_TAP
        }
        return;
    }
    if (q.chunks && q.kh == 5 && q.kw == 5) return dwQuadChunked<NV, 5, 5>(q, a0, a1, a2, a3);
    if (q.chunks && q.kh == 3 && q.kw == 3) return dwQuadChunked<NV, 3, 3>(q, a0, a1, a2, a3);
    if (q.chunks) {
        for (int64_t j = 0; j < q.nChunks; ++j) {
            const DwChunk c = q.chunks[j];
            const __m512i wv = _mm512_set1_epi32(q.wd[j]), idx = q.chunkIdx[j];
            const uint8_t* s = q.src + c.offA;
            const int64_t toB = c.offB - c.offA;
#define QS_DW_TAP(v, acc)                                                                          \
    if ((v) < NV) {                                                                                \
        const __m512i winA = _mm512_loadu_si512(s + (v)*q.vStep);                                  \
        const __m512i pv =                                                                         \
            c.two ? _mm512_permutex2var_epi8(winA, idx, _mm512_loadu_si512(s + (v)*q.vStep + toB)) \
                  : _mm512_permutexvar_epi8(idx, winA);                                            \
        acc = _mm512_dpbusd_epi32(acc, pv, wv);                                                    \
    }
            QS_DW_TAP(0, a0)
            QS_DW_TAP(1, a1)
            QS_DW_TAP(2, a2)
            QS_DW_TAP(3, a3)
#undef QS_DW_TAP
        }
        return;
    }
    for (int64_t ky = 0; ky < q.kh; ++ky)
        for (int64_t g = 0; g < q.groups; ++g) {
            const __m512i wv = _mm512_set1_epi32(q.wd[ky * q.groups + g]);
            const uint8_t* s = q.src + ky * q.dH * q.pw + 4 * g * q.dW;
#define QS_DW_TAP(v, acc)                                                                          \
    if ((v) < NV)                                                                                  \
        acc = _mm512_dpbusd_epi32(                                                                 \
            acc, _mm512_permutexvar_epi8(q.perm, _mm512_loadu_si512(s + (v)*q.vStep)), wv);
            QS_DW_TAP(0, a0)
            QS_DW_TAP(1, a1)
            QS_DW_TAP(2, a2)
            QS_DW_TAP(3, a3)
#undef QS_DW_TAP
        }
}

// The common wide-plane case in one tight loop: 3 kernel rows sharing windows, four rows
// (vectors VR input rows apart) per quad, every quad full, the packed output stage; codes of
// row y, block b at codes[y·ow + 16b], 16 or the block's columns wide.
template <int VR>
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi"))) void
dwWideShared3(const DwQuad& base, const __mmask64* colMask, int64_t blockStep, int64_t blocks,
              int64_t quads, int64_t ow, __m512i init, __m512 m, __m512i z16, __m512i lo8,
              __m512i hi8, __m512i order, bool isSigned, uint8_t* codes) {
    for (int64_t b = 0; b < blocks; ++b) {
        const int64_t cols = std::min<int64_t>(16, ow - b * 16);
        const __mmask16 mask = __mmask16((1u << cols) - 1);
        for (int64_t q = 0; q < quads; ++q) {
            DwQuad quad = base;
            quad.src = base.src + q * 4 * VR * base.pw + b * blockStep;
            quad.xRow0 = base.xRow0 + uintptr_t(q * 4 * VR * base.xPitch + b * blockStep);
            quad.firstRow = base.firstRow + q * 4 * VR;
            quad.cmask = colMask[b];
            __m512i a0 = init, a1 = init, a2 = init, a3 = init;
            dwQuadShared<4, 3, VR>(quad, a0, a1, a2, a3);
            const __m512i bytes = _mm512_permutexvar_epi8(
                order, packFour(a0, a1, a2, a3, m, z16, lo8, hi8, isSigned));
            uint8_t* o = codes + q * 4 * ow + b * 16;
            _mm_mask_storeu_epi8(o, mask, _mm512_castsi512_si128(bytes));
            _mm_mask_storeu_epi8(o + ow, mask, _mm512_extracti32x4_epi32(bytes, 1));
            _mm_mask_storeu_epi8(o + 2 * ow, mask, _mm512_extracti32x4_epi32(bytes, 2));
            _mm_mask_storeu_epi8(o + 3 * ow, mask, _mm512_extracti32x4_epi32(bytes, 3));
        }
    }
}
} // namespace

// Depthwise 2-D convolution of the channels of s (batch 1, group = channels) with AVX-512
// VBMI + VNNI. Per channel the plane is copied into a scratch buffer with its padding filled
// with the zero point z, so every output sums all kh·kw taps: Σ x·w over the padded plane
// minus z·Σw equals Σ (x − z)·w over the valid taps (a padded tap adds z·w − z·w = 0). One
// vector holds 16 outputs: 16 columns of one row, or, for planes at most 16 wide, R whole rows
// (R·ow ≤ 16 lanes: a 7×7 plane puts two rows in one vector). For one vector, one kernel row
// and one group of four taps g, vpermb gathers from a 64-byte window the dword (x[o·s +
// (4g+t)·d], t = 0..3) of each output o (taps past kw meet a zero weight), and vpdpbusd
// multiplies it with the four taps' weights (u8 · s8, four products summed straight into int32:
// exact). Vectors go in fours down the rows: an input row window serves every vector and
// kernel row it belongs to, loaded and permuted once. The four are then requantized together
// (packFour) when the channel's multiplier is < 1; for planes at most 16 wide the 4·R rows are
// contiguous codes, compacted with one vpermb and written with one store. Equals
// referenceConv2d.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi"))) void
depthwiseVbmi(const Conv2dShape& s, const uint8_t* x, int32_t xZero, const int8_t* wt,
              const int32_t* bias, int32_t* out, const FusedRequant* rq) {
    const int64_t kh = s.kernelH, kw = s.kernelW, sH = s.strideH, sW = s.strideW;
    const int64_t dH = s.dilationH, dW = s.dilationW, h = s.inH, w = s.inW;
    const int64_t oh = s.outH, ow = s.outW, plane = oh * ow;
    const int64_t groups = ceilDiv(kw, 4);
    const int64_t span = std::min<int64_t>(3, kw - 1) * dW; // a window's last tap, past o·sW
    const int64_t pw = (ow - 1) * sW + (kw - 1) * dW + 1;   // the padded plane's row pitch
    const bool compact = ow <= 16;
    // Rows per vector: R·ow lanes, all R rows' taps inside one 64-byte window.
    int64_t rows = 1;
    if (compact)
        while ((rows + 1) * ow <= 16 && rows * sH * pw + (ow - 1) * sW + span < 64) ++rows;
    const int64_t blocks = compact ? 1 : ceilDiv(ow, 16);
    const int64_t vectors = ceilDiv(oh, rows), quads = ceilDiv(vectors, 4);
    const bool share = dH == 1 && groups == 1;
    // Wide planes go by four column blocks of a row when rows do not share windows (or are
    // too few for four).
    const bool horizontal = !compact && (!share || oh < 4);
    const int64_t hquads = ceilDiv(blocks, 4);
    // Direct: the shared 3-row windows of one-row vectors straight from the input (masked
    // loads), no padded copy. Block b's window starts at input column 16b·sW − padLeft.
    const bool direct = share && rows == 1 && !horizontal && kh == 3 && sH <= 4;
    std::vector<__mmask64> colMask(static_cast<size_t>(blocks));
    for (int64_t b = 0; b < blocks; ++b) {
        const int64_t col = b * 16 * sW - s.padLeft;
        uint64_t bits = 0;
        for (int64_t i = 0; i < 64; ++i)
            if (col + i >= 0 && col + i < w) bits |= uint64_t(1) << i;
        colMask[size_t(b)] = __mmask64(bits);
    }
    // Every row a quad's windows touch (the last quad's unused vectors included).
    const int64_t ph = ((horizontal ? oh : quads * 4 * rows) - 1) * sH + (kh - 1) * dH + 1;
    const int64_t slack = (blocks - 1) * 16 * sW + 4 * (groups - 1) * dW + 128;
    thread_local std::vector<uint8_t> scratch;
    scratch.resize(size_t(pw * ph + slack));
    uint8_t* p = scratch.data();

    alignas(64) uint8_t idx[64];
    for (int64_t l = 0; l < 16; ++l) {
        const int64_t base =
            compact ? (l / ow < rows ? (l / ow) * sH * pw + (l % ow) * sW : 0) : l * sW;
        for (int64_t t = 0; t < 4; ++t) idx[l * 4 + t] = uint8_t(t < kw ? base + t * dW : base);
    }
    const __m512i perm = _mm512_load_si512(idx);
    // Chunked taps (DwChunk) where windows are not shared; chunk j's index: lane l, slot t →
    // tap 4j + t = (ky, kx) at byte base(l) + kx·dW − col of its row's window (+ 64 in the
    // second row's).
    const int64_t taps = kh * kw, nChunks = ceilDiv(taps, 4);
    const bool chunked = !share && kw >= 2 && taps <= 64;
    DwChunk chunks[16];
    alignas(64) uint8_t chunkIdxBytes[16][64] = {};
    for (int64_t j = 0; j < nChunks && chunked; ++j) {
        const int64_t t0 = 4 * j, t1 = std::min(taps, t0 + 4) - 1; // first, last tap
        const int64_t rowA = t0 / kw, rowB = t1 / kw;
        const int64_t colA = (t0 % kw) * dW, colB = 0; // row B's taps start at kx 0
        chunks[j] = DwChunk{rowA * dH * pw + colA, rowB * dH * pw + colB, rowB != rowA};
        for (int64_t l = 0; l < 16; ++l) {
            const int64_t base =
                compact ? (l / ow < rows ? (l / ow) * sH * pw + (l % ow) * sW : 0) : l * sW;
            for (int64_t t = 0; t < 4; ++t) {
                const int64_t tap = std::min(t0 + t, t1); // past the last tap: weight 0
                const int64_t ky = tap / kw, kx = tap % kw;
                chunkIdxBytes[j][l * 4 + t] =
                    uint8_t(ky == rowA ? base + kx * dW - colA : 64 + base + kx * dW - colB);
            }
        }
    }
    __m512i chunkIdx[16];
    for (int64_t j = 0; j < nChunks && chunked; ++j)
        chunkIdx[j] = _mm512_load_si512(chunkIdxBytes[j]);
    // Codes of a quad, compact: byte j of the 4·R rows is lane j mod (R·ow) of vector
    // j div (R·ow); otherwise vector v's 16 codes to bytes 16v.. (one dword permutation).
    alignas(64) uint8_t cidx[64];
    for (int j = 0; j < 64; ++j) {
        const int lanes = int(rows * ow);
        cidx[j] = compact ? (j / lanes < 4 ? uint8_t(packedPos(j / lanes, j % lanes)) : 0)
                          : uint8_t(packedPos(j / 16, j % 16));
    }
    const __m512i compactIdx = _mm512_load_si512(cidx);

    std::vector<int32_t> wdHeap;
    alignas(64) int32_t wdLocal[64];
    int32_t* wd = wdLocal; // the weight dword of (ky, g)
    if (kh * groups > 64) {
        wdHeap.resize(size_t(kh * groups));
        wd = wdHeap.data();
    }
    const __m512i zv = _mm512_set1_epi8(char(xZero));
    const int32_t zOut = rq ? rq->zeroPoint : 0;
    const bool isSigned = rq && rq->isSigned;
    const __m512i z16 = _mm512_set1_epi16(int16_t(zOut)), z32 = _mm512_set1_epi32(zOut);
    const __m512i lo8 = _mm512_set1_epi8(char(rq ? rq->lo : 0)),
                  hi8 = _mm512_set1_epi8(char(rq ? rq->hi : 0));
    const __m512 rlo = _mm512_set1_ps(float(rq ? rq->lo - zOut : 0)),
                 rhi = _mm512_set1_ps(float(rq ? rq->hi - zOut : 0));
    // The padded plane's rows are copied in 64-byte steps: masked loads of the valid columns
    // over a vector of z (a masked-off byte is never read). Step k covers input columns
    // 64k − padLeft.. A step may run past the row's end into the next row, which is written
    // after it, or into the slack (whose bytes only junk lanes read: set once, to z).
    const int64_t steps = ceilDiv(pw, 64);
    std::vector<__mmask64> stepMask(static_cast<size_t>(steps));
    for (int64_t k = 0; k < steps; ++k) {
        const int64_t col = 64 * k - s.padLeft;
        const int64_t from = std::max<int64_t>(0, -col), to = std::min<int64_t>(64, w - col);
        const uint64_t upper = to >= 64 ? ~uint64_t(0) : to <= 0 ? 0 : (uint64_t(1) << to) - 1;
        stepMask[size_t(k)] = from >= 64 ? 0 : __mmask64(upper & ~((uint64_t(1) << from) - 1));
    }
    std::memset(p + pw * ph, uint8_t(xZero), size_t(slack));
    // The weight dwords by one vpermb when they fit in one vector: dword j = ky·groups + g holds
    // taps 4g.. of kernel row ky; wsum by vpdpbusd with ones.
    const bool vectorWeights = kh * kw <= 64 && kh * groups <= 16;
    alignas(64) uint8_t widx[64] = {};
    uint64_t wvalid = 0;
    for (int64_t j = 0; j < kh * groups && vectorWeights; ++j)
        for (int64_t t = 0; t < 4; ++t) {
            const int64_t ky = j / groups, kx = 4 * (j % groups) + t;
            if (kx >= kw) continue;
            widx[j * 4 + t] = uint8_t(ky * kw + kx);
            wvalid |= uint64_t(1) << (j * 4 + t);
        }
    const __m512i wperm = _mm512_load_si512(widx);
    const __mmask64 wload =
        kh * kw >= 64 ? ~__mmask64(0) : __mmask64((uint64_t(1) << (kh * kw)) - 1);

    for (int64_t c = 0; c < s.outChannels; ++c) {
        const uint8_t* xc = x + c * h * w;
        const int8_t* wc = wt + c * kh * kw;
        // The padded plane (stepMask).
        for (int64_t r = 0; r < ph && !direct; ++r) {
            uint8_t* dst = p + r * pw;
            const int64_t iy = r - s.padTop;
            if (iy < 0 || iy >= h) {
                for (int64_t k = 0; k < steps; ++k) _mm512_storeu_si512(dst + 64 * k, zv);
                continue;
            }
            // + col, possibly before the row: those bytes are masked off.
            const uintptr_t src = reinterpret_cast<uintptr_t>(xc + iy * w);
            for (int64_t k = 0; k < steps; ++k)
                _mm512_storeu_si512(
                    dst + 64 * k, _mm512_mask_loadu_epi8(zv, stepMask[size_t(k)],
                                                         reinterpret_cast<const void*>(
                                                             src + uintptr_t(64 * k - s.padLeft))));
        }

        int32_t wsum = 0;
        if (chunked) { // the weights as stored are the chunks' dwords
            const __m512i wdv = _mm512_maskz_loadu_epi8(wload, wc);
            _mm512_store_si512(wd, wdv);
            wsum = _mm512_reduce_add_epi32(
                _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(1), wdv));
        } else if (vectorWeights) {
            const __m512i wdv = _mm512_maskz_permutexvar_epi8(__mmask64(wvalid), wperm,
                                                              _mm512_maskz_loadu_epi8(wload, wc));
            _mm512_store_si512(wd, wdv);
            wsum = _mm512_reduce_add_epi32(
                _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(1), wdv));
        } else {
            std::fill(wd, wd + kh * groups, 0);
            for (int64_t ky = 0; ky < kh; ++ky)
                for (int64_t kx = 0; kx < kw; ++kx) {
                    const int8_t v = wc[ky * kw + kx];
                    wsum += v;
                    wd[ky * groups + kx / 4] |= int32_t(uint32_t(uint8_t(v)) << (8 * (kx % 4)));
                }
        }
        // int32 arithmetic wraps alike in any order.
        const int32_t initValue =
            int32_t(uint32_t(bias ? bias[c] : 0) + uint32_t(rq ? rq->offsets[c] : 0) -
                    uint32_t(xZero) * uint32_t(wsum));
        const __m512i init = _mm512_set1_epi32(initValue);
        const float mult = rq ? rq->multipliers[c] : 0.0f;
        const bool packed = rq && mult >= 0.0f && mult < 1.0f;
        const __m512 m = _mm512_set1_ps(mult);
        uint8_t* codes = rq ? rq->out + c * rq->ldo : nullptr;
        int32_t* acc32 = rq ? nullptr : out + c * plane;

        // Quads: four vectors down the rows (one column block), or, horizontal, four column
        // blocks of one row (their codes contiguous).
        const int64_t outer = horizontal ? oh : blocks, inner = horizontal ? hquads : quads;
        // The channel's quads start from this (vertical quads: row y0·sH, column 16b·sW).
        DwQuad proto{p, pw, rows * sH, rows * sH * pw, kh, dH, groups, dW, wd, perm, share};
        proto.direct = direct;
        proto.xRow0 = reinterpret_cast<uintptr_t>(xc) - uintptr_t(s.padTop * w + s.padLeft);
        proto.xPitch = w;
        proto.firstRow = -s.padTop;
        proto.inH = h;
        proto.zv = zv;
        if (chunked) {
            proto.chunks = chunks;
            proto.chunkIdx = chunkIdx;
            proto.nChunks = nChunks;
            proto.kw = kw;
        }
        int64_t firstQuad = 0; // the quads before it done by dwWideShared3
        if (packed && !compact && !horizontal && share && kh == 3 && sH >= 1 && sH <= 2) {
            const int64_t full = vectors / 4;
            if (sH == 1)
                dwWideShared3<1>(proto, colMask.data(), 16 * sW, blocks, full, ow, init, m, z16,
                                 lo8, hi8, compactIdx, isSigned, codes);
            else
                dwWideShared3<2>(proto, colMask.data(), 16 * sW, blocks, full, ow, init, m, z16,
                                 lo8, hi8, compactIdx, isSigned, codes);
            firstQuad = full;
        }
        for (int64_t b = 0; b < outer; ++b) {
            const int64_t cols = compact ? ow : std::min<int64_t>(16, ow - b * 16);
            for (int64_t q = firstQuad; q < inner; ++q) {
                const int64_t v0 = q * 4, y0 = v0 * rows; // first vector, first output row
                const int64_t nv = std::min<int64_t>(4, (horizontal ? blocks : vectors) - v0);
                __m512i a0 = init, a1 = init, a2 = init, a3 = init;
                const uint8_t* src =
                    horizontal ? p + b * sH * pw + q * 64 * sW : p + y0 * sH * pw + b * 16 * sW;
                DwQuad quad = proto;
                quad.src = src;
                quad.vStep = horizontal ? 16 * sW : rows * sH * pw;
                quad.share = share && !horizontal;
                quad.xRow0 = proto.xRow0 + uintptr_t(y0 * sH * w + b * 16 * sW);
                quad.firstRow = proto.firstRow + y0 * sH;
                quad.cmask = direct ? colMask[size_t(b)] : 0;
                switch (nv) {
                case 4:
                    dwQuad<4>(quad, a0, a1, a2, a3);
                    break;
                case 3:
                    dwQuad<3>(quad, a0, a1, a2, a3);
                    break;
                case 2:
                    dwQuad<2>(quad, a0, a1, a2, a3);
                    break;
                default:
                    dwQuad<1>(quad, a0, a1, a2, a3);
                    break;
                }
                if (packed && horizontal) { // row b, columns 64q..: contiguous
                    const __m512i bytes = _mm512_permutexvar_epi8(
                        compactIdx, packFour(a0, a1, a2, a3, m, z16, lo8, hi8, isSigned));
                    const int64_t n = std::min<int64_t>(64, ow - q * 64);
                    _mm512_mask_storeu_epi8(
                        codes + b * ow + q * 64,
                        n == 64 ? ~__mmask64(0) : __mmask64((uint64_t(1) << n) - 1), bytes);
                    continue;
                }
                if (packed) {
                    const __m512i bytes = _mm512_permutexvar_epi8(
                        compactIdx, packFour(a0, a1, a2, a3, m, z16, lo8, hi8, isSigned));
                    if (compact) {
                        const int64_t n = std::min<int64_t>(4 * rows, oh - y0) * ow;
                        _mm512_mask_storeu_epi8(
                            codes + y0 * ow,
                            n == 64 ? ~__mmask64(0) : __mmask64((uint64_t(1) << n) - 1), bytes);
                    } else {
                        const __mmask16 mask = __mmask16((1u << cols) - 1);
                        uint8_t* o = codes + y0 * ow + b * 16;
                        _mm_mask_storeu_epi8(o, mask, _mm512_castsi512_si128(bytes));
                        if (nv > 1)
                            _mm_mask_storeu_epi8(o + ow, mask, _mm512_extracti32x4_epi32(bytes, 1));
                        if (nv > 2)
                            _mm_mask_storeu_epi8(o + 2 * ow, mask,
                                                 _mm512_extracti32x4_epi32(bytes, 2));
                        if (nv > 3)
                            _mm_mask_storeu_epi8(o + 3 * ow, mask,
                                                 _mm512_extracti32x4_epi32(bytes, 3));
                    }
                    continue;
                }
                // Lanes 0.. of a vector are its outputs in order (R whole rows, or 16 columns
                // of one row).
                const __m512i accs[4] = {a0, a1, a2, a3};
                for (int64_t v = 0; v < nv; ++v) {
                    const int64_t at = horizontal ? b * ow + (v0 + v) * 16
                                       : compact  ? (y0 + v * rows) * ow
                                                  : (y0 + v) * ow + b * 16;
                    const int64_t n = horizontal ? std::min<int64_t>(16, ow - (v0 + v) * 16)
                                      : compact ? std::min<int64_t>(rows, oh - (y0 + v * rows)) * ow
                                                : cols;
                    const __mmask16 mask = __mmask16((1u << n) - 1);
                    if (codes)
                        storeRequantized(accs[v], _mm512_setzero_si512(), m, rlo, rhi, z32,
                                         codes + at, mask);
                    else
                        _mm512_mask_storeu_epi32(acc32 + at, mask, accs[v]);
                }
            }
        }
    }
}

} // namespace qs::int8::x86

namespace qs::int8::x86 {

// requantizeFloatAvx2's operations 16 at a time (same order, same rounding: every element
// equals the scalar requantizeFloat). The codes are within [lo, hi] ⊂ [−128, 255] before the
// narrowing, so vpmovdb's truncation keeps each code's byte.
__attribute__((target("avx512f,avx512bw,avx512vl"))) int64_t
requantizeFloatAvx512(const int32_t* acc, int32_t offset, int64_t n, float multiplier,
                      int32_t zeroPoint, int32_t lo, int32_t hi, void* out) {
    const __m512 m = _mm512_set1_ps(multiplier);
    const __m512 vlo = _mm512_set1_ps(float(lo - zeroPoint)),
                 vhi = _mm512_set1_ps(float(hi - zeroPoint));
    const __m512i z = _mm512_set1_epi32(zeroPoint), off = _mm512_set1_epi32(offset);
    uint8_t* o = static_cast<uint8_t*>(out);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_mul_ps(
            _mm512_cvtepi32_ps(_mm512_add_epi32(_mm512_loadu_si512(acc + i), off)), m);
        v = _mm512_min_ps(_mm512_max_ps(v, vlo), vhi);
        const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(v), z);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o + i), _mm512_cvtepi32_epi8(q));
    }
    return i;
}

namespace {
// The doubling high multiply of the 8 signed 32-bit values in the low halves of the 64-bit lanes
// by m0: (x·m0 + nudge) / 2^31, truncated toward zero, in the 64-bit lanes.
__attribute__((target("avx512f,avx512bw,avx512vl"), always_inline)) inline __m512i
highMul(__m512i x, __m512i vm0) {
    const __m512i zero = _mm512_setzero_si512();
    const __m512i ab = _mm512_mul_epi32(x, vm0);
    const __mmask8 neg = _mm512_cmplt_epi64_mask(ab, zero);
    __m512i s =
        _mm512_add_epi64(ab, _mm512_mask_blend_epi64(neg, _mm512_set1_epi64(int64_t(1) << 30),
                                                     _mm512_set1_epi64(1 - (int64_t(1) << 30))));
    const __mmask8 sneg = _mm512_cmplt_epi64_mask(s, zero);
    s = _mm512_mask_add_epi64(s, sneg, s, _mm512_set1_epi64((int64_t(1) << 31) - 1));
    return _mm512_srai_epi64(s, 31);
}
} // namespace

// requantizeFixedPoint (TFLite's MultiplyByQuantizedMultiplier, then + z and the clamp), 16 at a
// time, the scalar steps exactly: the saturating left shift; the doubling high multiply as
// 64-bit products of the even and odd lanes, + the nudge (2^30, or 1 − 2^30 for a negative
// product), divided by 2^31 truncating toward zero (C++ integer division); the rounding right
// shift (remainder against (mask >> 1) + [x < 0]); then clamp(v, lo − z, hi − z) + z, which
// equals clamp(v + z, lo, hi) without the int32 overflow. m0 < 2^31, so the one saturating case
// of the high multiply (both operands INT32_MIN) never occurs.
__attribute__((target("avx512f,avx512bw,avx512vl"))) int64_t
requantizeFixedAvx512(const int32_t* acc, int32_t offset, int64_t n, int32_t m0, int shift,
                      int32_t zeroPoint, int32_t lo, int32_t hi, void* out) {
    const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    const __m512i off = _mm512_set1_epi32(offset), vm0 = _mm512_set1_epi32(m0);
    const __m512i satHi = _mm512_set1_epi32(std::numeric_limits<int32_t>::max() >> left);
    const __m512i satLo = _mm512_set1_epi32(std::numeric_limits<int32_t>::min() >> left);
    const __m512i intMax = _mm512_set1_epi32(std::numeric_limits<int32_t>::max());
    const __m512i intMin = _mm512_set1_epi32(std::numeric_limits<int32_t>::min());
    const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
    const int32_t maskBits = int32_t((int64_t(1) << right) - 1);
    const __m512i rmask = _mm512_set1_epi32(maskBits), rhalf = _mm512_set1_epi32(maskBits >> 1);
    const __m128i rcount = _mm_cvtsi32_si128(right);
    const __m512i vlo = _mm512_set1_epi32(lo - zeroPoint), vhi = _mm512_set1_epi32(hi - zeroPoint);
    const __m512i z = _mm512_set1_epi32(zeroPoint);
    uint8_t* o = static_cast<uint8_t*>(out);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512i x = _mm512_add_epi32(_mm512_loadu_si512(acc + i), off);
        if (left > 0) {
            const __mmask16 over = _mm512_cmpgt_epi32_mask(x, satHi),
                            under = _mm512_cmplt_epi32_mask(x, satLo);
            x = _mm512_sll_epi32(x, _mm_cvtsi32_si128(left));
            x = _mm512_mask_mov_epi32(x, over, intMax);
            x = _mm512_mask_mov_epi32(x, under, intMin);
        }
        const __m512i even = highMul(x, vm0), odd = highMul(_mm512_srli_epi64(x, 32), vm0);
        __m512i r = _mm512_mask_blend_epi32(__mmask16(0xAAAA), even, _mm512_slli_epi64(odd, 32));
        if (right > 0) {
            const __m512i rem = _mm512_and_si512(r, rmask);
            const __mmask16 neg = _mm512_cmplt_epi32_mask(r, zero);
            const __m512i thr = _mm512_mask_add_epi32(rhalf, neg, rhalf, one);
            const __mmask16 up = _mm512_cmpgt_epi32_mask(rem, thr);
            r = _mm512_mask_add_epi32(_mm512_sra_epi32(r, rcount), up, _mm512_sra_epi32(r, rcount),
                                      one);
        }
        r = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(r, vlo), vhi), z);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o + i), _mm512_cvtepi32_epi8(r));
    }
    return i;
}

} // namespace qs::int8::x86

namespace qs::int8::x86 {

// Quantize's arithmetic (int8_ops.cpp computeQuantize, half to even), 16 at a time: x / s in
// float, rounded half to even (vrndscaleps), + z (exact below 2^24; beyond, the clamp decides
// the same either way), clamped to [qmin, qmax] in float, NaN → z; the codes' bytes stored.
__attribute__((target("avx512f,avx512bw,avx512vl"))) int64_t
quantizeAvx512(const float* x, int64_t n, float scale, int32_t zeroPoint, int32_t qmin,
               int32_t qmax, void* out) {
    const __m512 s = _mm512_set1_ps(scale), z = _mm512_set1_ps(float(zeroPoint));
    const __m512 lo = _mm512_set1_ps(float(qmin)), hi = _mm512_set1_ps(float(qmax));
    uint8_t* o = static_cast<uint8_t*>(out);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 v = _mm512_div_ps(_mm512_loadu_ps(x + i), s);
        const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        const __m512 r = _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m512 q = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(r, z), lo), hi);
        q = _mm512_mask_mov_ps(q, nan, z);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o + i),
                         _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(q)));
    }
    return i;
}

} // namespace qs::int8::x86

namespace qs::int8::x86 {

// A 256-entry byte table applied to n codes (index = code byte ^ flip), 64 at a time: vpermi2b
// looks the low 7 bits up in entries 0-127 and in entries 128-255, bit 7 picks one of the two.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi"))) int64_t
lutAvx512(const uint8_t* table, const uint8_t* x, uint8_t flip, int64_t n, uint8_t* y) {
    const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
    const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
    const __m512i f = _mm512_set1_epi8(char(flip));
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        const __m512i idx = _mm512_xor_si512(_mm512_loadu_si512(x + i), f);
        const __m512i lo = _mm512_permutex2var_epi8(t0, idx, t1); // entries 0-127
        const __m512i hi = _mm512_permutex2var_epi8(t2, idx, t3); // entries 128-255
        _mm512_storeu_si512(y + i, _mm512_mask_blend_epi8(_mm512_movepi8_mask(idx), lo, hi));
    }
    return i;
}

} // namespace qs::int8::x86

#pragma GCC diagnostic pop
