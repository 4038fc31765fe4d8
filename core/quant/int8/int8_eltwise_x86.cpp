// SIMD paths of int8_eltwise.h and of QAdd / Quantize (int8_ops.cpp). Each function carries its
// own target attribute and runs only when the CPU has it (int8_eltwise.cpp, int8_ops.cpp check).
// Every one performs the scalar loop's operations, so its results are the same bytes.
#include <algorithm>
#include <cstdint>
#include <cmath>
#include <cstring>
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

__attribute__((target("avx2"))) void planeSumsAvx2(const uint8_t* x, uint8_t flip, int64_t planes,
                                                   int64_t n, int32_t* sums) {
    const __m256i f = _mm256_set1_epi8(char(flip)), zero = _mm256_setzero_si256();
    for (int64_t p = 0; p < planes; ++p, x += n) {
        __m256i acc = zero; // four u64 partial sums (vpsadbw against 0)
        int64_t i = 0;
        for (; i + 32 <= n; i += 32)
            acc = _mm256_add_epi64(
                acc,
                _mm256_sad_epu8(_mm256_xor_si256(
                                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)), f),
                                zero));
        const __m128i s2 =
            _mm_add_epi64(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
        int64_t s = _mm_cvtsi128_si64(s2) + _mm_extract_epi64(s2, 1);
        for (; i < n; ++i) s += int64_t(x[i] ^ flip);
        sums[p] = int32_t(s);
    }
}

__attribute__((target("avx512f,avx512bw"))) void
planeSumsAvx512(const uint8_t* x, uint8_t flip, int64_t planes, int64_t n, int32_t* sums) {
    const __m512i f = _mm512_set1_epi8(char(flip)), zero = _mm512_setzero_si512();
    // The tail, masked (bytes past n read as 0 ^ flip, then removed by the mask).
    const int64_t full = n / 64 * 64;
    const __mmask64 tail = _cvtu64_mask64(n == full ? 0 : ~uint64_t(0) >> (64 - (n - full)));
    for (int64_t p = 0; p < planes; ++p, x += n) {
        __m512i acc = zero;
        for (int64_t i = 0; i < full; i += 64)
            acc = _mm512_add_epi64(
                acc, _mm512_sad_epu8(_mm512_xor_si512(_mm512_loadu_si512(x + i), f), zero));
        if (n != full)
            acc = _mm512_add_epi64(
                acc, _mm512_sad_epu8(
                         _mm512_maskz_mov_epi8(
                             tail, _mm512_xor_si512(_mm512_maskz_loadu_epi8(tail, x + full), f)),
                         zero));
        sums[p] = int32_t(_mm512_reduce_add_epi64(acc));
    }
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

// 2×2 windows, stride 2, no padding: out[o] = max of bytes 2o, 2o + 1 of rows r0 and r1 (the
// vertical max, then each 16-bit word's two bytes, then the words' low bytes).
__attribute__((target("avx2"))) void maxPool2x2Avx2(const uint8_t* r0, const uint8_t* r1,
                                                    uint8_t flip, int64_t m, uint8_t* out) {
    const __m256i f = _mm256_set1_epi8(char(flip)), low = _mm256_set1_epi16(0x00FF);
    int64_t o = 0;
    for (; o + 32 <= m; o += 32) {
        __m256i half[2];
        for (int k = 0; k < 2; ++k) {
            const __m256i a = _mm256_xor_si256(
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r0 + 2 * o + 32 * k)), f);
            const __m256i b = _mm256_xor_si256(
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r1 + 2 * o + 32 * k)), f);
            const __m256i v = _mm256_max_epu8(a, b);
            half[k] = _mm256_and_si256(_mm256_max_epu8(v, _mm256_srli_epi16(v, 8)), low);
        }
        const __m256i packed =
            _mm256_permute4x64_epi64(_mm256_packus_epi16(half[0], half[1]), 0xD8);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + o), _mm256_xor_si256(packed, f));
    }
    for (; o < m; ++o)
        out[o] = uint8_t(std::max(std::max<uint8_t>(r0[2 * o] ^ flip, r0[2 * o + 1] ^ flip),
                                  std::max<uint8_t>(r1[2 * o] ^ flip, r1[2 * o + 1] ^ flip)) ^
                         flip);
}

__attribute__((target("avx512f,avx512bw,avx512vl"))) void
maxPool2x2Avx512(const uint8_t* r0, const uint8_t* r1, uint8_t flip, int64_t m, uint8_t* out) {
    const __m512i f = _mm512_set1_epi8(char(flip));
    for (int64_t o = 0; o < m; o += 32) {
        const int64_t left = std::min<int64_t>(32, m - o);
        const __mmask64 k2 = _cvtu64_mask64(~uint64_t(0) >> (64 - 2 * left));
        const __m512i v =
            _mm512_max_epu8(_mm512_xor_si512(_mm512_maskz_loadu_epi8(k2, r0 + 2 * o), f),
                            _mm512_xor_si512(_mm512_maskz_loadu_epi8(k2, r1 + 2 * o), f));
        const __m256i even = _mm512_cvtepi16_epi8(_mm512_max_epu8(v, _mm512_srli_epi16(v, 8)));
        _mm256_mask_storeu_epi8(out + o, _cvtu32_mask32(~uint32_t(0) >> (32 - left)),
                                _mm256_xor_si256(even, _mm512_castsi512_si256(f)));
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

// --- QAdd / QMul float forms, 64 codes per step ----------------------------------------------

namespace {

// 16 codes (u8 or i8) at p as int32 lanes.
__attribute__((target("avx512f,avx512bw"))) inline __m512i load16(const uint8_t* p, bool isSigned) {
    const __m128i r = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return isSigned ? _mm512_cvtepi8_epi32(r) : _mm512_cvtepu8_epi32(r);
}

// Four vectors of int32 codes already in [lo, hi] (so saturation never acts) → 64 bytes in
// order: vpackssdw / vpack[us]swb work per 128-bit lane, dword j of lane k then holds q_j's codes
// 4k..4k+3, put back in place by one vpermd.
__attribute__((target("avx512f,avx512bw"))) inline void
store64(uint8_t* out, __m512i q0, __m512i q1, __m512i q2, __m512i q3, bool outSigned) {
    const __m512i w01 = _mm512_packs_epi32(q0, q1), w23 = _mm512_packs_epi32(q2, q3);
    const __m512i b = outSigned ? _mm512_packs_epi16(w01, w23) : _mm512_packus_epi16(w01, w23);
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    _mm512_storeu_si512(out, _mm512_permutexvar_epi32(order, b));
}

} // namespace

// QAdd's float form (int8_ops.cpp): v = fma(a, r_a, fma(b, r_b, K)) on the raw codes, clamped to
// ±1e9 in float, rounded half to even (vcvtps2dq), clamped to [lo, hi]. Returns how many elements
// were done (a multiple of 16).
__attribute__((target("avx512f,avx512bw"))) int64_t
qaddFloatAvx512(const uint8_t* a, bool aSigned, const uint8_t* b, bool bSigned, int64_t n, float ra,
                float rb, float fixedPart, int32_t lo, int32_t hi, bool outSigned, uint8_t* out) {
    const __m512 vra = _mm512_set1_ps(ra), vrb = _mm512_set1_ps(rb), k = _mm512_set1_ps(fixedPart);
    const __m512 big = _mm512_set1_ps(1e9f), small = _mm512_set1_ps(-1e9f);
    const __m512i vlo = _mm512_set1_epi32(lo), vhi = _mm512_set1_epi32(hi);
    auto one = [&](int64_t i) __attribute__((target("avx512f,avx512bw"))) {
        const __m512 fa = _mm512_cvtepi32_ps(load16(a + i, aSigned));
        const __m512 fb = _mm512_cvtepi32_ps(load16(b + i, bSigned));
        __m512 v = _mm512_fmadd_ps(fa, vra, _mm512_fmadd_ps(fb, vrb, k));
        v = _mm512_min_ps(_mm512_max_ps(v, small), big);
        return _mm512_min_epi32(_mm512_max_epi32(_mm512_cvtps_epi32(v), vlo), vhi);
    };
    int64_t i = 0;
    for (; i + 64 <= n; i += 64)
        store64(out + i, one(i), one(i + 16), one(i + 32), one(i + 48), outSigned);
    for (; i + 16 <= n; i += 16)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm512_cvtepi32_epi8(one(i)));
    return i;
}

// QMul's float form: v = float((a − z_a)(b − z_b)) · M (the product exact in float, |·| ≤ 65025,
// so computed as float differences multiplied: the same value), clamped to [lo − z, hi − z],
// rounded half to even, + z. bScalar: b is one code for all n elements (the SE broadcast).
__attribute__((target("avx512f,avx512bw"))) int64_t
qmulFloatAvx512(const uint8_t* a, bool aSigned, int32_t za, const uint8_t* b, bool bSigned,
                bool bScalar, int32_t zb, int64_t n, float multiplier, int32_t zeroPoint,
                int32_t lo, int32_t hi, bool outSigned, uint8_t* out) {
    const __m512 m = _mm512_set1_ps(multiplier);
    const __m512 vlo = _mm512_set1_ps(float(lo - zeroPoint)),
                 vhi = _mm512_set1_ps(float(hi - zeroPoint));
    const __m512 fza = _mm512_set1_ps(float(za)), fzb = _mm512_set1_ps(float(zb));
    const __m512i z = _mm512_set1_epi32(zeroPoint);
    // b is read only when it is one broadcast code (n may be 0, b then past its row's end).
    const int32_t scalarB = !bScalar || n == 0 ? 0
                            : bSigned          ? int32_t(int8_t(b[0]))
                                               : int32_t(b[0]);
    const __m512 fdb = _mm512_set1_ps(float(scalarB - zb));
    // Broadcast b: (a − z_a)·d_b = fma(a, d_b, −z_a·d_b), exact (every term an integer below
    // 2^24) and so the same float as the product of the differences.
    const __m512 fc = _mm512_set1_ps(float(-za * (scalarB - zb)));
    // Codes over the whole type range: the 64-wide stores' saturating packs do the clamp, since
    // round(clamp(v, lo − z, hi − z)) + z = clamp(round(v) + z, lo, hi) (integer bounds, monotone
    // rounding), as long as round(v) + z cannot overflow int32 (|v| ≤ 65025·|M| < 1e9).
    const bool packClamps = (outSigned ? lo == -128 && hi == 127 : lo == 0 && hi == 255) &&
                            std::fabs(multiplier) * 65025.0f < 1e9f;
    auto scaled = [&](int64_t i) __attribute__((target("avx512f,avx512bw"))) {
        const __m512 fa = _mm512_cvtepi32_ps(load16(a + i, aSigned));
        if (bScalar) return _mm512_mul_ps(_mm512_fmadd_ps(fa, fdb, fc), m);
        const __m512 db = _mm512_sub_ps(_mm512_cvtepi32_ps(load16(b + i, bSigned)), fzb);
        return _mm512_mul_ps(_mm512_mul_ps(_mm512_sub_ps(fa, fza), db), m);
    };
    auto one = [&](int64_t i) __attribute__((target("avx512f,avx512bw"))) {
        const __m512 v = _mm512_min_ps(_mm512_max_ps(scaled(i), vlo), vhi);
        return _mm512_add_epi32(_mm512_cvtps_epi32(v), z);
    };
    auto unclamped = [&](int64_t i) __attribute__((target("avx512f,avx512bw"))) {
        return _mm512_add_epi32(_mm512_cvtps_epi32(scaled(i)), z);
    };
    int64_t i = 0;
    if (packClamps)
        for (; i + 64 <= n; i += 64)
            store64(out + i, unclamped(i), unclamped(i + 16), unclamped(i + 32), unclamped(i + 48),
                    outSigned);
    for (; i + 64 <= n; i += 64)
        store64(out + i, one(i), one(i + 16), one(i + 32), one(i + 48), outSigned);
    for (; i + 16 <= n; i += 16)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm512_cvtepi32_epi8(one(i)));
    return i;
}

// qmulFloatAvx512's broadcast form over `rows` rows of `inner` codes, row r scaled by the code
// b[r] (the SE block's x · s): one call for all rows, each row whole (its last partial step
// masked), so no per-row call and setup.
__attribute__((target("avx512f,avx512bw,avx512vl"))) void
qmulRowsAvx512(const uint8_t* a, bool aSigned, int32_t za, const uint8_t* b, bool bSigned,
               int32_t zb, int64_t rows, int64_t inner, float multiplier, int32_t zeroPoint,
               int32_t lo, int32_t hi, bool outSigned, uint8_t* out) {
    const __m512 m = _mm512_set1_ps(multiplier);
    const __m512 vlo = _mm512_set1_ps(float(lo - zeroPoint)),
                 vhi = _mm512_set1_ps(float(hi - zeroPoint));
    const __m512i z = _mm512_set1_epi32(zeroPoint);
    const bool packClamps = (outSigned ? lo == -128 && hi == 127 : lo == 0 && hi == 255) &&
                            std::fabs(multiplier) * 65025.0f < 1e9f;
    const int64_t tail = inner % 16;
    const __mmask16 tailMask = _cvtu32_mask16((1u << tail) - 1u);
    for (int64_t r = 0; r < rows; ++r, a += inner, out += inner) {
        const int32_t db = (bSigned ? int32_t(int8_t(b[r])) : int32_t(b[r])) - zb;
        const __m512 fdb = _mm512_set1_ps(float(db)), fc = _mm512_set1_ps(float(-za * db));
        // (a − z_a)·d_b = fma(a, d_b, −z_a·d_b), exact (as in qmulFloatAvx512).
        auto scaled = [&](__m512i codes) __attribute__((target("avx512f,avx512bw"))) {
            return _mm512_mul_ps(_mm512_fmadd_ps(_mm512_cvtepi32_ps(codes), fdb, fc), m);
        };
        auto one = [&](__m512i codes) __attribute__((target("avx512f,avx512bw"))) {
            const __m512 v = _mm512_min_ps(_mm512_max_ps(scaled(codes), vlo), vhi);
            return _mm512_add_epi32(_mm512_cvtps_epi32(v), z);
        };
        auto unclamped = [&](__m512i codes) __attribute__((target("avx512f,avx512bw"))) {
            return _mm512_add_epi32(_mm512_cvtps_epi32(scaled(codes)), z);
        };
        int64_t i = 0;
        if (packClamps)
            for (; i + 64 <= inner; i += 64)
                store64(out + i, unclamped(load16(a + i, aSigned)),
                        unclamped(load16(a + i + 16, aSigned)),
                        unclamped(load16(a + i + 32, aSigned)),
                        unclamped(load16(a + i + 48, aSigned)), outSigned);
        for (; i + 64 <= inner; i += 64)
            store64(out + i, one(load16(a + i, aSigned)), one(load16(a + i + 16, aSigned)),
                    one(load16(a + i + 32, aSigned)), one(load16(a + i + 48, aSigned)), outSigned);
        for (; i + 16 <= inner; i += 16)
            _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                             _mm512_cvtepi32_epi8(one(load16(a + i, aSigned))));
        if (tail) {
            const __m128i raw = _mm_maskz_loadu_epi8(tailMask, a + i);
            const __m512i codes = aSigned ? _mm512_cvtepi8_epi32(raw) : _mm512_cvtepu8_epi32(raw);
            _mm_mask_storeu_epi8(out + i, tailMask, _mm512_cvtepi32_epi8(one(codes)));
        }
    }
}

// Quantize's arithmetic (computeQuantize, half to even) 8 at a time: x / s, rounded half to even
// (vroundps), + z, clamped to [qmin, qmax] in float, NaN → z; the codes' bytes stored.
__attribute__((target("avx2"))) int64_t quantizeAvx2(const float* x, int64_t n, float scale,
                                                     int32_t zeroPoint, int32_t qmin, int32_t qmax,
                                                     uint8_t* out) {
    const __m256 s = _mm256_set1_ps(scale), z = _mm256_set1_ps(float(zeroPoint));
    const __m256 lo = _mm256_set1_ps(float(qmin)), hi = _mm256_set1_ps(float(qmax));
    const __m256i bytes =
        _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12,
                         -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_div_ps(_mm256_loadu_ps(x + i), s);
        const __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
        const __m256 r = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m256 q = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(r, z), lo), hi);
        q = _mm256_blendv_ps(q, z, nan);
        // The low byte of each int32 (the code's byte, u8 or two's complement i8).
        const __m256i c = _mm256_shuffle_epi8(_mm256_cvtps_epi32(q), bytes);
        const uint32_t w0 = uint32_t(_mm256_extract_epi32(c, 0)),
                       w1 = uint32_t(_mm256_extract_epi32(c, 4));
        const uint64_t both = uint64_t(w0) | uint64_t(w1) << 32;
        std::memcpy(out + i, &both, 8);
    }
    return i;
}

} // namespace qs::int8::x86

#pragma GCC diagnostic pop
