// SIMD paths of int8_eltwise.h and of QAdd / Quantize (int8_ops.cpp). Each function carries its
// own target attribute and runs only when the CPU has it (int8_eltwise.cpp, int8_ops.cpp check).
// Every one performs the scalar loop's operations, so its results are the same bytes.
#include <algorithm>
#include <cstdint>
#include <immintrin.h>

// GCC 12 reports false -Wmaybe-uninitialized inside the AVX-512 intrinsic headers (GCC bug
// 105593, fixed in 13): the "undefined" pass-through operands of the unmasked forms
// (_mm512_reduce_add_epi64's extract draws the definite form).
#pragma GCC diagnostic push
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace qs::int8::x86 {

// --- table lookup --------------------------------------------------------------------------

// 32 codes per step: the low nibble indexes each of the sixteen 16-entry sub-tables (vpshufb),
// the high nibble selects which one's byte is kept.
__attribute__((target("avx2"))) int64_t lookupAvx2(const uint8_t* table, const uint8_t* x,
                                                   uint8_t flip, int64_t n, uint8_t* y) {
    __m256i sub[16];
    for (int t = 0; t < 16; ++t)
        sub[t] = _mm256_broadcastsi128_si256(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * t)));
    const __m256i f = _mm256_set1_epi8(char(flip)), low = _mm256_set1_epi8(0x0F);
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i idx =
            _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)), f);
        const __m256i lo = _mm256_and_si256(idx, low);
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(idx, 4), low);
        __m256i r = _mm256_setzero_si256();
        for (int t = 0; t < 16; ++t)
            r = _mm256_or_si256(r,
                                _mm256_and_si256(_mm256_shuffle_epi8(sub[t], lo),
                                                 _mm256_cmpeq_epi8(hi, _mm256_set1_epi8(char(t)))));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), r);
    }
    return i;
}

// --- plane sums ----------------------------------------------------------------------------

__attribute__((target("avx2"))) int32_t byteSumAvx2(const uint8_t* x, uint8_t flip, int64_t n) {
    const __m256i f = _mm256_set1_epi8(char(flip)), zero = _mm256_setzero_si256();
    __m256i acc = zero; // four u64 partial sums (vpsadbw against 0)
    int64_t i = 0;
    for (; i + 32 <= n; i += 32)
        acc = _mm256_add_epi64(
            acc,
            _mm256_sad_epu8(
                _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)), f),
                zero));
    const __m128i s2 = _mm_add_epi64(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    int64_t s = _mm_cvtsi128_si64(s2) + _mm_extract_epi64(s2, 1);
    for (; i < n; ++i) s += int64_t(x[i] ^ flip);
    return int32_t(s);
}

__attribute__((target("avx512f,avx512bw"))) int32_t byteSumAvx512(const uint8_t* x, uint8_t flip,
                                                                  int64_t n) {
    const __m512i f = _mm512_set1_epi8(char(flip)), zero = _mm512_setzero_si512();
    __m512i acc = zero;
    int64_t i = 0;
    for (; i + 64 <= n; i += 64)
        acc = _mm512_add_epi64(
            acc, _mm512_sad_epu8(_mm512_xor_si512(_mm512_loadu_si512(x + i), f), zero));
    if (i < n) { // the tail, masked (bytes past n read as 0 ^ flip, then removed by the mask)
        const __mmask64 k = _cvtu64_mask64(~uint64_t(0) >> (64 - (n - i)));
        acc = _mm512_add_epi64(
            acc, _mm512_sad_epu8(_mm512_maskz_mov_epi8(
                                     k, _mm512_xor_si512(_mm512_maskz_loadu_epi8(k, x + i), f)),
                                 zero));
    }
    return int32_t(_mm512_reduce_add_epi64(acc));
}

// --- max pooling rows ----------------------------------------------------------------------

__attribute__((target("avx2"))) void maxIntoAvx2(uint8_t* v, const uint8_t* x, uint8_t flip,
                                                 int64_t n) {
    const __m256i f = _mm256_set1_epi8(char(flip));
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i* pv = reinterpret_cast<__m256i*>(v + i);
        const __m256i xv =
            _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)), f);
        _mm256_storeu_si256(pv, _mm256_max_epu8(_mm256_loadu_si256(pv), xv));
    }
    for (; i < n; ++i) v[i] = std::max<uint8_t>(v[i], x[i] ^ flip);
}

__attribute__((target("avx512f,avx512bw"))) void maxIntoAvx512(uint8_t* v, const uint8_t* x,
                                                               uint8_t flip, int64_t n) {
    const __m512i f = _mm512_set1_epi8(char(flip));
    for (int64_t i = 0; i < n; i += 64) {
        const __mmask64 k =
            n - i >= 64 ? ~__mmask64(0) : _cvtu64_mask64(~uint64_t(0) >> (64 - (n - i)));
        const __m512i xv = _mm512_xor_si512(_mm512_maskz_loadu_epi8(k, x + i), f);
        _mm512_mask_storeu_epi8(v + i, k, _mm512_max_epu8(_mm512_maskz_loadu_epi8(k, v + i), xv));
    }
}

__attribute__((target("avx2"))) void windowMaxAvx2(const uint8_t* v, int64_t k, int64_t m,
                                                   uint8_t* h) {
    int64_t j = 0;
    for (; j + 32 <= m; j += 32) {
        __m256i r = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + j));
        for (int64_t t = 1; t < k; ++t)
            r = _mm256_max_epu8(r, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + j + t)));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(h + j), r);
    }
    for (; j < m; ++j) {
        uint8_t r = v[j];
        for (int64_t t = 1; t < k; ++t) r = std::max(r, v[j + t]);
        h[j] = r;
    }
}

__attribute__((target("avx512f,avx512bw"))) void windowMaxAvx512(const uint8_t* v, int64_t k,
                                                                 int64_t m, uint8_t* h) {
    for (int64_t j = 0; j < m; j += 64) {
        const __mmask64 mk =
            m - j >= 64 ? ~__mmask64(0) : _cvtu64_mask64(~uint64_t(0) >> (64 - (m - j)));
        __m512i r = _mm512_maskz_loadu_epi8(mk, v + j);
        for (int64_t t = 1; t < k; ++t)
            r = _mm512_max_epu8(r, _mm512_maskz_loadu_epi8(mk, v + j + t));
        _mm512_mask_storeu_epi8(h + j, mk, r);
    }
}

// out[o] = h[2o] ^ flip: the low byte of each 16-bit word.
__attribute__((target("avx2"))) void evenBytesAvx2(const uint8_t* h, uint8_t flip, int64_t m,
                                                   uint8_t* out) {
    const __m256i f = _mm256_set1_epi8(char(flip)), low = _mm256_set1_epi16(0x00FF);
    int64_t o = 0;
    for (; o + 32 <= m; o += 32) {
        const __m256i a =
            _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + 2 * o)), low);
        const __m256i b = _mm256_and_si256(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + 2 * o + 32)), low);
        // vpackuswb packs per 128-bit lane: a0 b0 a1 b1 → a0 a1 b0 b1.
        const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(a, b), 0xD8);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + o), _mm256_xor_si256(packed, f));
    }
    for (; o < m; ++o) out[o] = uint8_t(h[2 * o] ^ flip);
}

__attribute__((target("avx512f,avx512bw,avx512vl"))) void
evenBytesAvx512(const uint8_t* h, uint8_t flip, int64_t m, uint8_t* out) {
    const __m256i f = _mm256_set1_epi8(char(flip));
    for (int64_t o = 0; o < m; o += 32) {
        const int64_t left = std::min<int64_t>(32, m - o);
        const __mmask32 k = _cvtu32_mask32(~uint32_t(0) >> (32 - left));
        // 2·left bytes of h, truncated from words to their low bytes (vpmovwb).
        const __mmask64 k2 = _cvtu64_mask64(~uint64_t(0) >> (64 - 2 * left));
        const __m256i even = _mm512_cvtepi16_epi8(_mm512_maskz_loadu_epi8(k2, h + 2 * o));
        _mm256_mask_storeu_epi8(out + o, k, _mm256_xor_si256(even, f));
    }
}

} // namespace qs::int8::x86

#pragma GCC diagnostic pop
