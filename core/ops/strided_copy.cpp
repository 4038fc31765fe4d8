#include "ops/strided_copy.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace qs {
namespace {

// Below this many bytes per chunk a copy is not worth handing to another thread.
constexpr int64_t kBytesPerChunk = 64 * 1024;
// Square tile of the blocked 2-D transpose: 16 x 16 elements keep both the read and the
// written cache lines resident for every element size.
constexpr int64_t kTile = 16;

struct Dim {
    int64_t size;
    int64_t stride;
};

// Drops unit dims and merges neighbours that are also contiguous in the source (the
// destination is dense, so they are always contiguous there). Fewer, longer dims mean
// longer inner runs: a Slice of whole rows becomes one memcpy per row.
std::vector<Dim> coalesce(const Shape& shape, const std::vector<int64_t>& strides) {
    std::vector<Dim> dims;
    for (size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == 1) continue;
        if (!dims.empty() && dims.back().stride == strides[i] * shape[i])
            dims.back() = {dims.back().size * shape[i], strides[i]};
        else
            dims.push_back({shape[i], strides[i]});
    }
    return dims;
}

// Source offset of outer index `index` over dims[0, count).
int64_t outerOffset(const std::vector<Dim>& dims, size_t count, int64_t index) {
    int64_t offset = 0;
    for (size_t d = count; d-- > 0;) {
        offset += (index % dims[d].size) * dims[d].stride;
        index /= dims[d].size;
    }
    return offset;
}

// Rows [rowBegin, rowEnd) of the generic path: every dim but the last is walked with an
// odometer; the last is a memcpy (stride 1), a fill (stride 0) or a strided gather.
template <class T>
void copyRows(T* dst, const T* src, const std::vector<Dim>& dims, int64_t rowBegin,
              int64_t rowEnd) {
    const size_t outer = dims.size() - 1;
    const Dim inner = dims.back();
    std::vector<int64_t> index(outer);
    int64_t offset = 0;
    for (size_t d = outer, rest = size_t(rowBegin); d-- > 0;) {
        index[d] = int64_t(rest % size_t(dims[d].size));
        rest /= size_t(dims[d].size);
        offset += index[d] * dims[d].stride;
    }
    T* out = dst + rowBegin * inner.size;
    for (int64_t row = rowBegin; row < rowEnd; ++row, out += inner.size) {
        const T* in = src + offset;
        if (inner.stride == 1)
            std::memcpy(out, in, size_t(inner.size) * sizeof(T));
        else if (inner.stride == 0)
            std::fill_n(out, inner.size, *in);
        else
            for (int64_t i = 0; i < inner.size; ++i) out[i] = in[i * inner.stride];
        for (size_t d = outer; d-- > 0;) {
            offset += dims[d].stride;
            if (++index[d] < dims[d].size) break;
            offset -= dims[d].stride * dims[d].size;
            index[d] = 0;
        }
    }
}

// One tile: out[r * cols + c] = in[r + c * colStride] for r in [r0, r1), c in [c0, c1).
template <class T>
void transposeTile(T* out, const T* in, int64_t cols, int64_t colStride, int64_t r0, int64_t r1,
                   int64_t c0, int64_t c1) {
    int64_t r = r0;
#if defined(__SSE2__)
    // 4-byte elements (f32, i32) in 4 x 4 register transposes: SSE2 is part of every x86-64,
    // and the integer unpacks move bits without touching their values (NaN payloads survive).
    if constexpr (sizeof(T) == 4) {
        for (; r + 4 <= r1; r += 4) {
            int64_t c = c0;
            for (; c + 4 <= c1; c += 4) {
                const __m128i a =
                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + r + (c + 0) * colStride));
                const __m128i b =
                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + r + (c + 1) * colStride));
                const __m128i e =
                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + r + (c + 2) * colStride));
                const __m128i f =
                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + r + (c + 3) * colStride));
                const __m128i ab01 = _mm_unpacklo_epi32(a, b), ef01 = _mm_unpacklo_epi32(e, f);
                const __m128i ab23 = _mm_unpackhi_epi32(a, b), ef23 = _mm_unpackhi_epi32(e, f);
                _mm_storeu_si128(reinterpret_cast<__m128i*>(out + (r + 0) * cols + c),
                                 _mm_unpacklo_epi64(ab01, ef01));
                _mm_storeu_si128(reinterpret_cast<__m128i*>(out + (r + 1) * cols + c),
                                 _mm_unpackhi_epi64(ab01, ef01));
                _mm_storeu_si128(reinterpret_cast<__m128i*>(out + (r + 2) * cols + c),
                                 _mm_unpacklo_epi64(ab23, ef23));
                _mm_storeu_si128(reinterpret_cast<__m128i*>(out + (r + 3) * cols + c),
                                 _mm_unpackhi_epi64(ab23, ef23));
            }
            for (; c < c1; ++c)
                for (int64_t i = 0; i < 4; ++i) out[(r + i) * cols + c] = in[r + i + c * colStride];
        }
    }
#endif
    for (; r < r1; ++r)
        for (int64_t c = c0; c < c1; ++c) out[r * cols + c] = in[r + c * colStride];
}

// The last two dims form a 2-D transpose (second-last has source stride 1, last has a
// large stride), e.g. NCHW -> NHWC coalesced to [N, HW, C]. Copied in kTile x kTile blocks
// so reads are not one cache line per element. A unit is (outer index, block of kTile rows).
template <class T>
void transposeBlocks(T* dst, const T* src, const std::vector<Dim>& dims, int64_t unitBegin,
                     int64_t unitEnd) {
    const size_t n = dims.size();
    const int64_t rows = dims[n - 2].size, cols = dims[n - 1].size, colStride = dims[n - 1].stride;
    const int64_t rowBlocks = (rows + kTile - 1) / kTile;
    for (int64_t unit = unitBegin; unit < unitEnd; ++unit) {
        const int64_t outerIndex = unit / rowBlocks;
        const int64_t r0 = (unit % rowBlocks) * kTile, r1 = std::min(rows, r0 + kTile);
        const T* in = src + outerOffset(dims, n - 2, outerIndex);
        T* out = dst + outerIndex * rows * cols;
        for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
            const int64_t c1 = std::min(cols, c0 + kTile);
            transposeTile(out, in, cols, colStride, r0, r1, c0, c1);
        }
    }
}

template <class T>
void copyTyped(T* dst, const T* src, const std::vector<Dim>& dims, ThreadPool& pool) {
    if (dims.empty()) {
        *dst = *src;
        return;
    }
    const size_t n = dims.size();
    if (n >= 2 && dims[n - 2].stride == 1 && dims[n - 1].stride != 0 && dims[n - 1].stride != 1) {
        int64_t outer = 1;
        for (size_t d = 0; d + 2 < n; ++d) outer *= dims[d].size;
        const int64_t units = outer * ((dims[n - 2].size + kTile - 1) / kTile);
        const int64_t unitBytes = kTile * dims[n - 1].size * int64_t(sizeof(T));
        pool.parallelFor(units, std::max<int64_t>(1, kBytesPerChunk / unitBytes),
                         [&](int64_t b, int64_t e) { transposeBlocks(dst, src, dims, b, e); });
        return;
    }
    int64_t rows = 1;
    for (size_t d = 0; d + 1 < n; ++d) rows *= dims[d].size;
    const int64_t rowBytes = dims.back().size * int64_t(sizeof(T));
    pool.parallelFor(rows, std::max<int64_t>(1, kBytesPerChunk / rowBytes),
                     [&](int64_t b, int64_t e) { copyRows(dst, src, dims, b, e); });
}

} // namespace

void copyStrided(void* dst, const void* src, size_t elemSize, const Shape& shape,
                 const std::vector<int64_t>& srcStrides, ThreadPool& pool) {
    assert(shape.size() == srcStrides.size());
    if (numelOf(shape) == 0) return;
    const std::vector<Dim> dims = coalesce(shape, srcStrides);
    switch (elemSize) {
    case 1:
        copyTyped(static_cast<uint8_t*>(dst), static_cast<const uint8_t*>(src), dims, pool);
        break;
    case 2:
        copyTyped(static_cast<uint16_t*>(dst), static_cast<const uint16_t*>(src), dims, pool);
        break;
    case 4:
        copyTyped(static_cast<uint32_t*>(dst), static_cast<const uint32_t*>(src), dims, pool);
        break;
    case 8:
        copyTyped(static_cast<uint64_t*>(dst), static_cast<const uint64_t*>(src), dims, pool);
        break;
    default:
        assert(false && "copyStrided: element size must be 1, 2, 4 or 8");
    }
}

} // namespace qs
