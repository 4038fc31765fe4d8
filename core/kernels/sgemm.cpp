#include "kernels/sgemm.h"

#include "util/thread_pool.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define QS_SGEMM_X86 1
#define QS_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define QS_TARGET_AVX512 __attribute__((target("avx512f")))
#endif

namespace qs {

// ---------------------------------------------------------------------------------------------
// Storage

AlignedFloats::AlignedFloats(size_t count) {
    ensure(count);
}

void AlignedFloats::Free::operator()(float* p) const {
    std::free(p);
}

void AlignedFloats::ensure(size_t count) {
    if (count <= m_size) return;
    // Round up to whole cache lines; aligned_alloc requires a multiple of the alignment.
    const size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
    m_data.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
    assert(m_data);
    m_size = bytes / sizeof(float);
}

namespace {

// What a micro-kernel does after the K loop for one tile.
struct TileArgs {
    const float* rowBias = nullptr; // bias of the tile's first row, or null
    const float* colBias = nullptr; // bias of the tile's first column, or null
    float lo = 0, hi = 0;
    bool clamp = false;
    bool load = false;   // add the existing C (an earlier K block, or accumulate)
    bool finish = false; // last K block: add the bias and clamp
};

// Computes one rows×cols tile (rows <= mr, cols <= nr) from a kc×mr A panel and a kc×nr B panel.
using MicroKernel = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                             int rows, int cols, const TileArgs& t);

using GemvKernel = void (*)(int64_t kc, const float* a, const float* x, int64_t xs, float* y);

struct KernelInfo {
    int mr;
    int nr;
    int64_t kcMax;
    MicroKernel fn;
    GemvKernel gemv;
};

// ---------------------------------------------------------------------------------------------
// Generic micro-kernel (4×8): plain C++, products and sums rounded separately.

constexpr int kGenericMr = 4, kGenericNr = 8;

void microGeneric(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int rows,
                  int cols, const TileArgs& t) {
    float acc[kGenericMr][kGenericNr] = {};
    for (int64_t k = 0; k < kc; ++k) {
        for (int r = 0; r < kGenericMr; ++r) {
            const float av = a[r];
            for (int j = 0; j < kGenericNr; ++j) acc[r][j] += av * b[j];
        }
        a += kGenericMr;
        b += kGenericNr;
    }
    for (int r = 0; r < rows; ++r) {
        float* cr = c + r * ldc;
        for (int j = 0; j < cols; ++j) {
            float x = acc[r][j];
            if (t.load) x = cr[j] + x;
            if (t.finish) {
                if (t.rowBias) x += t.rowBias[r];
                if (t.colBias) x += t.colBias[j];
                // max/min written so that NaN passes through unchanged.
                if (t.clamp) x = x < t.lo ? t.lo : (x > t.hi ? t.hi : x);
            }
            cr[j] = x;
        }
    }
}

#ifdef QS_SGEMM_X86

// ---------------------------------------------------------------------------------------------
// AVX2 + FMA micro-kernel (6×16): 12 accumulators, 2 B vectors, 1 broadcast.

constexpr int kAvx2Mr = 6, kAvx2Nr = 16;
constexpr int kPrefetchSteps = 8; // k steps of B fetched ahead into L1

QS_TARGET_AVX2 inline __m256i avx2TailMask(int lanes) {
    alignas(32) static const int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                  0,  0,  0,  0,  0,  0,  0,  0};
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - lanes));
}

template <int R, int V>
QS_TARGET_AVX2 void tileAvx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                             int cols, const TileArgs& t) {
    __m256 acc[R][V];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
        for (int v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_ps();
#pragma GCC unroll 4
    for (int64_t k = 0; k < kc; ++k) {
        __m256 bv[V];
#pragma GCC unroll 2
        for (int v = 0; v < V; ++v) bv[v] = _mm256_load_ps(b + 8 * v);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchSteps * kAvx2Nr), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(a + kPrefetchSteps * kAvx2Mr), _MM_HINT_T0);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
            const __m256 av = _mm256_broadcast_ss(a + r);
#pragma GCC unroll 2
            for (int v = 0; v < V; ++v) acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
        }
        a += kAvx2Mr;
        b += kAvx2Nr;
    }
    const int lastLanes = cols - 8 * (V - 1);
    const __m256i lastMask = avx2TailMask(lastLanes);
    const __m256 lo = _mm256_set1_ps(t.lo), hi = _mm256_set1_ps(t.hi);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
        float* cr = c + r * ldc;
#pragma GCC unroll 2
        for (int v = 0; v < V; ++v) {
            const bool partial = v == V - 1 && lastLanes < 8;
            __m256 x = acc[r][v];
            if (t.load)
                x = _mm256_add_ps(partial ? _mm256_maskload_ps(cr + 8 * v, lastMask)
                                          : _mm256_loadu_ps(cr + 8 * v),
                                  x);
            if (t.finish) {
                if (t.rowBias) x = _mm256_add_ps(x, _mm256_broadcast_ss(t.rowBias + r));
                if (t.colBias)
                    x = _mm256_add_ps(x, partial ? _mm256_maskload_ps(t.colBias + 8 * v, lastMask)
                                                 : _mm256_loadu_ps(t.colBias + 8 * v));
                // Operand order keeps NaN: max/min return the second operand when one is NaN.
                if (t.clamp) x = _mm256_min_ps(hi, _mm256_max_ps(lo, x));
            }
            if (partial)
                _mm256_maskstore_ps(cr + 8 * v, lastMask, x);
            else
                _mm256_storeu_ps(cr + 8 * v, x);
        }
    }
}

template <int R>
QS_TARGET_AVX2 void rowsAvx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                             int cols, const TileArgs& t) {
    if (cols > 8)
        tileAvx2<R, 2>(kc, a, b, c, ldc, cols, t);
    else
        tileAvx2<R, 1>(kc, a, b, c, ldc, cols, t);
}

QS_TARGET_AVX2 void microAvx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                              int rows, int cols, const TileArgs& t) {
    switch (rows) {
    case 6:
        return rowsAvx2<6>(kc, a, b, c, ldc, cols, t);
    case 5:
        return rowsAvx2<5>(kc, a, b, c, ldc, cols, t);
    case 4:
        return rowsAvx2<4>(kc, a, b, c, ldc, cols, t);
    case 3:
        return rowsAvx2<3>(kc, a, b, c, ldc, cols, t);
    case 2:
        return rowsAvx2<2>(kc, a, b, c, ldc, cols, t);
    default:
        return rowsAvx2<1>(kc, a, b, c, ldc, cols, t);
    }
}

// ---------------------------------------------------------------------------------------------
// AVX-512 micro-kernel (12×32): 24 accumulators, 2 B vectors, broadcasts folded into the FMAs.

constexpr int kAvx512Mr = 12, kAvx512Nr = 32;

template <int R, int V>
QS_TARGET_AVX512 void tileAvx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                                 int cols, const TileArgs& t) {
    __m512 acc[R][V];
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
        for (int v = 0; v < V; ++v) acc[r][v] = _mm512_setzero_ps();
#pragma GCC unroll 2
    for (int64_t k = 0; k < kc; ++k) {
        __m512 bv[V];
#pragma GCC unroll 2
        for (int v = 0; v < V; ++v) bv[v] = _mm512_load_ps(b + 16 * v);
        // The B panel streams from L2: fetch it a few steps ahead (prefetches past the panel
        // end are harmless hints).
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchSteps * kAvx512Nr), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchSteps * kAvx512Nr + 16),
                     _MM_HINT_T0);
        // The A panel comes from L3 on the first tile of a row of tiles.
        _mm_prefetch(reinterpret_cast<const char*>(a + kPrefetchSteps * kAvx512Mr), _MM_HINT_T0);
#pragma GCC unroll 12
        for (int r = 0; r < R; ++r) {
            const __m512 av = _mm512_set1_ps(a[r]);
#pragma GCC unroll 2
            for (int v = 0; v < V; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
        }
        a += kAvx512Mr;
        b += kAvx512Nr;
    }
    const int lastLanes = cols - 16 * (V - 1);
    const __mmask16 lastMask = __mmask16((1u << lastLanes) - 1u);
    const __m512 lo = _mm512_set1_ps(t.lo), hi = _mm512_set1_ps(t.hi);
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
        float* cr = c + r * ldc;
#pragma GCC unroll 2
        for (int v = 0; v < V; ++v) {
            const __mmask16 mask = v == V - 1 ? lastMask : __mmask16(0xffff);
            __m512 x = acc[r][v];
            if (t.load) x = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, cr + 16 * v), x);
            if (t.finish) {
                if (t.rowBias) x = _mm512_add_ps(x, _mm512_set1_ps(t.rowBias[r]));
                if (t.colBias)
                    x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask, t.colBias + 16 * v));
                // Operand order keeps NaN: max/min return the second operand when one is NaN.
                if (t.clamp)
                    x = _mm512_maskz_min_ps(0xffff, hi, _mm512_maskz_max_ps(0xffff, lo, x));
            }
            _mm512_mask_storeu_ps(cr + 16 * v, mask, x);
        }
    }
}

template <int R>
QS_TARGET_AVX512 void rowsAvx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                                 int cols, const TileArgs& t) {
    if (cols > 16)
        tileAvx512<R, 2>(kc, a, b, c, ldc, cols, t);
    else
        tileAvx512<R, 1>(kc, a, b, c, ldc, cols, t);
}

QS_TARGET_AVX512 void microAvx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                                  int rows, int cols, const TileArgs& t) {
    switch (rows) {
    case 12:
        return rowsAvx512<12>(kc, a, b, c, ldc, cols, t);
    case 11:
        return rowsAvx512<11>(kc, a, b, c, ldc, cols, t);
    case 10:
        return rowsAvx512<10>(kc, a, b, c, ldc, cols, t);
    case 9:
        return rowsAvx512<9>(kc, a, b, c, ldc, cols, t);
    case 8:
        return rowsAvx512<8>(kc, a, b, c, ldc, cols, t);
    case 7:
        return rowsAvx512<7>(kc, a, b, c, ldc, cols, t);
    case 6:
        return rowsAvx512<6>(kc, a, b, c, ldc, cols, t);
    case 5:
        return rowsAvx512<5>(kc, a, b, c, ldc, cols, t);
    case 4:
        return rowsAvx512<4>(kc, a, b, c, ldc, cols, t);
    case 3:
        return rowsAvx512<3>(kc, a, b, c, ldc, cols, t);
    case 2:
        return rowsAvx512<2>(kc, a, b, c, ldc, cols, t);
    default:
        return rowsAvx512<1>(kc, a, b, c, ldc, cols, t);
    }
}

// Matrix-vector kernels for N = 1 on a packed A panel: y[r] = Σ_k a[k·mr + r]·x[k·xs] over
// one K block, vectorised over the panel's rows (the tile kernels would waste 31 of 32
// columns). Four partial sums over k mod 4 (fused multiply-add; the k % 4 tail is added to the
// first), combined as (s0 + s1) + (s2 + s3).
QS_TARGET_AVX512 void gemvAvx512(int64_t kc, const float* a, const float* x, int64_t xs, float* y) {
    const __mmask16 rows = __mmask16((1u << kAvx512Mr) - 1u);
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    int64_t k = 0;
    for (; k + 4 <= kc; k += 4) {
        s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(rows, a + k * kAvx512Mr),
                             _mm512_set1_ps(x[k * xs]), s0);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(rows, a + (k + 1) * kAvx512Mr),
                             _mm512_set1_ps(x[(k + 1) * xs]), s1);
        s2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(rows, a + (k + 2) * kAvx512Mr),
                             _mm512_set1_ps(x[(k + 2) * xs]), s2);
        s3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(rows, a + (k + 3) * kAvx512Mr),
                             _mm512_set1_ps(x[(k + 3) * xs]), s3);
    }
    for (; k < kc; ++k)
        s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(rows, a + k * kAvx512Mr),
                             _mm512_set1_ps(x[k * xs]), s0);
    _mm512_mask_storeu_ps(y, rows, _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

QS_TARGET_AVX2 void gemvAvx2(int64_t kc, const float* a, const float* x, int64_t xs, float* y) {
    const __m256i rows = avx2TailMask(kAvx2Mr);
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    int64_t k = 0;
    for (; k + 4 <= kc; k += 4) {
        s0 = _mm256_fmadd_ps(_mm256_maskload_ps(a + k * kAvx2Mr, rows),
                             _mm256_broadcast_ss(x + k * xs), s0);
        s1 = _mm256_fmadd_ps(_mm256_maskload_ps(a + (k + 1) * kAvx2Mr, rows),
                             _mm256_broadcast_ss(x + (k + 1) * xs), s1);
        s2 = _mm256_fmadd_ps(_mm256_maskload_ps(a + (k + 2) * kAvx2Mr, rows),
                             _mm256_broadcast_ss(x + (k + 2) * xs), s2);
        s3 = _mm256_fmadd_ps(_mm256_maskload_ps(a + (k + 3) * kAvx2Mr, rows),
                             _mm256_broadcast_ss(x + (k + 3) * xs), s3);
    }
    for (; k < kc; ++k)
        s0 = _mm256_fmadd_ps(_mm256_maskload_ps(a + k * kAvx2Mr, rows),
                             _mm256_broadcast_ss(x + k * xs), s0);
    _mm256_maskstore_ps(y, rows, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

#endif // QS_SGEMM_X86

void gemvGeneric(int64_t kc, const float* a, const float* x, int64_t xs, float* y) {
    float acc[kGenericMr] = {};
    for (int64_t k = 0; k < kc; ++k)
        for (int r = 0; r < kGenericMr; ++r) acc[r] += a[k * kGenericMr + r] * x[k * xs];
    for (int r = 0; r < kGenericMr; ++r) y[r] = acc[r];
}

// Block sizes: the A micro-panel (mr×kc) stays in L1 while the kernel sweeps the B block
// (kc×nc), which stays in L2.
const KernelInfo& kernelFor(SimdPath path) {
    static const KernelInfo kGeneric{kGenericMr, kGenericNr, 256, microGeneric, gemvGeneric};
#ifdef QS_SGEMM_X86
    static const KernelInfo kAvx2{kAvx2Mr, kAvx2Nr, 256, microAvx2, gemvAvx2};
    static const KernelInfo kAvx512{kAvx512Mr, kAvx512Nr, 384, microAvx512, gemvAvx512};
    if (path == SimdPath::Avx512) return kAvx512;
    if (path == SimdPath::Avx2) return kAvx2;
#else
    (void)path;
#endif
    return kGeneric;
}

constexpr int64_t kL2BlockBytes = 768 * 1024; // B block budget; this machine's L2 is 2 MiB

int64_t ceilDiv(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}

// K is split into equal blocks of at most kcMax; block p covers [p*size, min(K, (p+1)*size)).
struct KBlocking {
    int64_t count = 0;
    int64_t size = 0;
};

KBlocking kBlocking(const KernelInfo& kern, int64_t k) {
    KBlocking kb;
    if (k <= 0) return kb;
    kb.count = ceilDiv(k, kern.kcMax);
    kb.size = ceilDiv(k, kb.count);
    return kb;
}

// Packs rows [m0, m0 + rows) × depth [k0, k0 + kc) of A into ceil(rows/mr) panels of kc×mr,
// zero-padding the missing rows of the last panel.
void packA(const KernelInfo& kern, SgemmMatrix a, int64_t m0, int64_t rows, int64_t k0, int64_t kc,
           float alpha, float* dst) {
    const int mr = kern.mr;
    for (int64_t i = 0; i < rows; i += mr) {
        const int64_t valid = std::min<int64_t>(mr, rows - i);
        float* panel = dst + i * kc;
        if (!a.transposed) {
            for (int64_t r = 0; r < valid; ++r) {
                const float* src = a.data + (m0 + i + r) * a.ld + k0;
                for (int64_t k = 0; k < kc; ++k) panel[k * mr + r] = alpha * src[k];
            }
        } else {
            for (int64_t k = 0; k < kc; ++k) {
                const float* src = a.data + (k0 + k) * a.ld + m0 + i;
                for (int64_t r = 0; r < valid; ++r) panel[k * mr + r] = alpha * src[r];
            }
        }
        if (valid < mr)
            for (int64_t k = 0; k < kc; ++k)
                for (int64_t r = valid; r < mr; ++r) panel[k * mr + r] = 0.0f;
    }
}

// Packs columns [n0, n0 + cols) × depth [k0, k0 + kc) of B into ceil(cols/nr) panels of kc×nr.
void packB(SgemmMatrix b, int nr, int64_t n0, int64_t cols, int64_t k0, int64_t kc, float* dst) {
    for (int64_t j = 0; j < cols; j += nr) {
        const int64_t valid = std::min<int64_t>(nr, cols - j);
        float* panel = dst + j * kc;
        if (!b.transposed) {
            const float* src = b.data + k0 * b.ld + n0 + j;
            if (valid == nr) {
                for (int64_t k = 0; k < kc; ++k)
                    std::memcpy(panel + k * nr, src + k * b.ld, sizeof(float) * size_t(nr));
            } else {
                // Plain loops: a library call per row would cost more than a narrow row.
                for (int64_t k = 0; k < kc; ++k) {
                    for (int64_t c = 0; c < valid; ++c) panel[k * nr + c] = src[k * b.ld + c];
                    for (int64_t c = valid; c < nr; ++c) panel[k * nr + c] = 0.0f;
                }
            }
        } else {
            for (int64_t c = 0; c < valid; ++c) {
                const float* src = b.data + (n0 + j + c) * b.ld + k0;
                for (int64_t k = 0; k < kc; ++k) panel[k * nr + c] = src[k];
            }
            for (int64_t k = 0; k < kc; ++k)
                for (int64_t c = valid; c < nr; ++c) panel[k * nr + c] = 0.0f;
        }
    }
}

// A plain matrix as a B source.
class MatrixBSource : public SgemmBSource {
public:
    explicit MatrixBSource(SgemmMatrix b)
        : m_b(b) {}
    void pack(int64_t k0, int64_t kc, int64_t n0, int64_t n1, int nr, float* dst) const override {
        packB(m_b, nr, n0, n1 - n0, k0, kc, dst);
    }

private:
    SgemmMatrix m_b;
};

// Per-thread scratch for the operands packed during a call.
AlignedFloats& scratchA() {
    thread_local AlignedFloats buffer;
    return buffer;
}

AlignedFloats& scratchB() {
    thread_local AlignedFloats buffer;
    return buffer;
}

struct GemmJob {
    const KernelInfo* kern = nullptr;
    int64_t m = 0, n = 0, k = 0;
    KBlocking kb;
    SgemmMatrix a;
    const SgemmBSource* b = nullptr;
    const SgemmMatrix* bMatrix = nullptr; // B as a plain matrix, when it is one
    const SgemmPackedA* packedA = nullptr;
    const SgemmPackedB* packedB = nullptr;
    float alpha = 1.0f;
    float* c = nullptr;
    int64_t ldc = 0;
    SgemmEpilogue epi;
};

// Two loop orders for one K block. Row order (below in runBlock): the B block (kc × nc) is
// packed once into an L2-sized buffer and each A micro-panel, kept in L1, sweeps it. Panel
// order: each B micro-panel (kc × nr) is packed into a small buffer that stays in L1 and all
// of the (small) A block sweeps it, so B is read from memory exactly once and no L2-sized
// buffer round trip happens; it wins for the short, wide products of pointwise convolutions
// (M·K small, N = H·W large). The arithmetic per element is the same in both orders.
constexpr int64_t kPanelOrderMaxKc = 192;            // B micro-panel <= 24 KiB of L1
constexpr int64_t kPanelOrderMaxABytes = 384 * 1024; // A block comfortably in L2

bool usePanelOrder(int64_t rows, int64_t kc) {
    return kc <= kPanelOrderMaxKc && rows * kc * int64_t(sizeof(float)) <= kPanelOrderMaxABytes;
}

void runPanelOrder(const GemmJob& job, int64_t m0, int64_t m1, int64_t n0, int64_t n1, int64_t k0,
                   int64_t kc, TileArgs t) {
    const KernelInfo& kern = *job.kern;
    const int mr = kern.mr, nr = kern.nr;
    const int64_t mPad = ceilDiv(job.m, mr) * mr;
    const float* aBlock;
    if (job.packedA) {
        aBlock = job.packedA->data() + mPad * k0 + m0 * kc;
    } else {
        AlignedFloats& buf = scratchA();
        buf.ensure(size_t(ceilDiv(m1 - m0, mr) * mr * kc));
        packA(kern, job.a, m0, m1 - m0, k0, kc, job.alpha, buf.data());
        aBlock = buf.data();
    }
    AlignedFloats& bBuf = scratchB();
    bBuf.ensure(size_t(nr * kc));
    for (int64_t j = n0; j < n1; j += nr) {
        const int64_t j1 = std::min(n1, j + nr);
        job.b->pack(k0, kc, j, j1, nr, bBuf.data());
        t.colBias = job.epi.biasKind == BiasKind::PerColumn ? job.epi.bias + j : nullptr;
        for (int64_t i = m0; i < m1; i += mr) {
            t.rowBias = job.epi.biasKind == BiasKind::PerRow ? job.epi.bias + i : nullptr;
            kern.fn(kc, aBlock + (i - m0) * kc, bBuf.data(), job.c + i * job.ldc + j, job.ldc,
                    int(std::min<int64_t>(mr, m1 - i)), int(j1 - j), t);
        }
    }
}

// C rows [m0, m1) × columns [n0, n1); m0 is a multiple of mr, n0 of nr.
void runBlock(const GemmJob& job, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    const KernelInfo& kern = *job.kern;
    const int mr = kern.mr, nr = kern.nr;
    const int64_t mPad = ceilDiv(job.m, mr) * mr, nPad = ceilDiv(job.n, nr) * nr;
    TileArgs base;
    base.clamp = job.epi.clampMin > -std::numeric_limits<float>::infinity() ||
                 job.epi.clampMax < std::numeric_limits<float>::infinity();
    base.lo = job.epi.clampMin;
    base.hi = job.epi.clampMax;
    for (int64_t p = 0; p < job.kb.count; ++p) {
        const int64_t k0 = p * job.kb.size;
        const int64_t kc = std::min(job.kb.size, job.k - k0);
        TileArgs t = base;
        t.load = job.epi.accumulate || p > 0;
        t.finish = p == job.kb.count - 1;
        if (!job.packedB && usePanelOrder(m1 - m0, kc)) {
            runPanelOrder(job, m0, m1, n0, n1, k0, kc, t);
            continue;
        }
        const float* bBlock;
        if (job.packedB) {
            bBlock = job.packedB->data() + nPad * k0 + n0 * kc;
        } else {
            AlignedFloats& buf = scratchB();
            buf.ensure(size_t(ceilDiv(n1 - n0, nr) * nr * kc));
            job.b->pack(k0, kc, n0, n1, nr, buf.data());
            bBlock = buf.data();
        }
        for (int64_t i = m0; i < m1; i += mr) {
            const int rows = int(std::min<int64_t>(mr, m1 - i));
            const float* aPanel;
            if (job.packedA) {
                aPanel = job.packedA->data() + mPad * k0 + i * kc;
            } else {
                AlignedFloats& buf = scratchA();
                buf.ensure(size_t(mr * kc));
                packA(kern, job.a, i, rows, k0, kc, job.alpha, buf.data());
                aPanel = buf.data();
            }
            t.rowBias = job.epi.biasKind == BiasKind::PerRow ? job.epi.bias + i : nullptr;
            for (int64_t j = n0; j < n1; j += nr) {
                const int cols = int(std::min<int64_t>(nr, n1 - j));
                t.colBias = job.epi.biasKind == BiasKind::PerColumn ? job.epi.bias + j : nullptr;
                kern.fn(kc, aPanel, bBlock + (j - n0) * kc, job.c + i * job.ldc + j, job.ldc, rows,
                        cols, t);
            }
        }
    }
}

// K == 0: the product is zero; only the epilogue remains.
void runEmptyK(const GemmJob& job) {
    const SgemmEpilogue& e = job.epi;
    for (int64_t i = 0; i < job.m; ++i) {
        float* cr = job.c + i * job.ldc;
        for (int64_t j = 0; j < job.n; ++j) {
            float x = e.accumulate ? cr[j] : 0.0f;
            if (e.biasKind == BiasKind::PerRow) x += e.bias[i];
            if (e.biasKind == BiasKind::PerColumn) x += e.bias[j];
            x = x < e.clampMin ? e.clampMin : (x > e.clampMax ? e.clampMax : x);
            cr[j] = x;
        }
    }
}

// N = 1 with a packed A and a plain B: matrix-vector products per A panel. Each row's sum is
// its K blocks' partial sums added in increasing order, then the epilogue, like the tile path.
void runGemv(const GemmJob& job, ThreadPool* pool) {
    const KernelInfo& kern = *job.kern;
    const int mr = kern.mr;
    const int64_t mPad = ceilDiv(job.m, mr) * mr;
    const float* x = job.bMatrix->data;
    const int64_t xs = job.bMatrix->transposed ? 1 : job.bMatrix->ld;
    const SgemmEpilogue& e = job.epi;
    const bool clamp = e.clampMin > -std::numeric_limits<float>::infinity() ||
                       e.clampMax < std::numeric_limits<float>::infinity();
    auto work = [&](int64_t p0, int64_t p1) {
        float sum[16], part[16];
        for (int64_t panel = p0; panel < p1; ++panel) {
            const int64_t i = panel * mr;
            for (int64_t q = 0; q < job.kb.count; ++q) {
                const int64_t k0 = q * job.kb.size, kc = std::min(job.kb.size, job.k - k0);
                kern.gemv(kc, job.packedA->data() + mPad * k0 + i * kc, x + k0 * xs, xs,
                          q == 0 ? sum : part);
                if (q > 0)
                    for (int r = 0; r < mr; ++r) sum[r] += part[r];
            }
            const int rows = int(std::min<int64_t>(mr, job.m - i));
            for (int r = 0; r < rows; ++r) {
                float* cr = job.c + (i + r) * job.ldc;
                float v = e.accumulate ? *cr + sum[r] : sum[r];
                if (e.biasKind == BiasKind::PerRow) v += e.bias[i + r];
                if (e.biasKind == BiasKind::PerColumn) v += e.bias[0];
                // Written so that NaN passes through.
                if (clamp) v = v < e.clampMin ? e.clampMin : (v > e.clampMax ? e.clampMax : v);
                *cr = v;
            }
        }
    };
    const int64_t panels = ceilDiv(job.m, mr);
    if (pool && pool->threadCount() > 1)
        pool->parallelFor(panels, 8, work);
    else
        work(0, panels);
}

void runJob(GemmJob& job, ThreadPool* pool) {
    if (job.m <= 0 || job.n <= 0) return;
    job.kb = kBlocking(*job.kern, job.k);
    if (job.kb.count == 0) return runEmptyK(job);
    if (job.n == 1 && job.packedA && job.bMatrix) return runGemv(job, pool);
    const int mr = job.kern->mr, nr = job.kern->nr;
    const int threads = pool ? pool->threadCount() : 1;
    // N blocks sized for L2, and small enough to give every thread work; then, when N alone
    // does not give enough blocks, M is split too (each M part repacks its B block).
    int64_t nc =
        std::max<int64_t>(nr, kL2BlockBytes / int64_t(sizeof(float)) / job.kb.size / nr * nr);
    if (threads > 1) nc = std::min(nc, ceilDiv(ceilDiv(job.n, 2 * threads), nr) * nr);
    const int64_t nBlocks = ceilDiv(job.n, nc);
    int64_t mBlocks = 1;
    if (threads > 1 && nBlocks < 2 * threads)
        mBlocks = std::min(ceilDiv(job.m, mr), ceilDiv(2 * threads, nBlocks));
    const int64_t mc = ceilDiv(ceilDiv(job.m, mBlocks), mr) * mr;
    mBlocks = ceilDiv(job.m, mc);
    auto work = [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) {
            const int64_t nb = t / mBlocks, mb = t % mBlocks;
            runBlock(job, mb * mc, std::min(job.m, (mb + 1) * mc), nb * nc,
                     std::min(job.n, (nb + 1) * nc));
        }
    };
    const int64_t tasks = nBlocks * mBlocks;
    if (pool && threads > 1 && tasks > 1)
        pool->parallelFor(tasks, 1, work);
    else
        work(0, tasks);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Public API

SgemmPackedA SgemmPackedA::pack(SimdPath path, const float* a, int64_t lda, bool transposed,
                                int64_t m, int64_t k, float alpha) {
    SgemmPackedA p;
    p.m_path = path;
    p.m_m = m;
    p.m_k = k;
    const KernelInfo& kern = kernelFor(path);
    const int64_t mPad = ceilDiv(m, kern.mr) * kern.mr;
    p.m_data.ensure(size_t(std::max<int64_t>(1, mPad * k)));
    const KBlocking kb = kBlocking(kern, k);
    const SgemmMatrix src{a, lda, transposed};
    for (int64_t blk = 0; blk < kb.count; ++blk) {
        const int64_t k0 = blk * kb.size, kc = std::min(kb.size, k - k0);
        packA(kern, src, 0, m, k0, kc, alpha, p.m_data.data() + mPad * k0);
    }
    return p;
}

SgemmPackedB SgemmPackedB::pack(SimdPath path, const float* b, int64_t ldb, bool transposed,
                                int64_t k, int64_t n) {
    SgemmPackedB p;
    p.m_path = path;
    p.m_k = k;
    p.m_n = n;
    const KernelInfo& kern = kernelFor(path);
    const int64_t nPad = ceilDiv(n, kern.nr) * kern.nr;
    p.m_data.ensure(size_t(std::max<int64_t>(1, nPad * k)));
    const KBlocking kb = kBlocking(kern, k);
    const SgemmMatrix src{b, ldb, transposed};
    for (int64_t blk = 0; blk < kb.count; ++blk) {
        const int64_t k0 = blk * kb.size, kc = std::min(kb.size, k - k0);
        packB(src, kern.nr, 0, n, k0, kc, p.m_data.data() + nPad * k0);
    }
    return p;
}

void sgemm(SimdPath path, int64_t m, int64_t n, int64_t k, SgemmMatrix a, SgemmMatrix b, float* c,
           int64_t ldc, const SgemmEpilogue& epilogue, ThreadPool* pool, float alpha) {
    const MatrixBSource source(b);
    sgemm(path, m, n, k, a, source, c, ldc, epilogue, pool, alpha);
}

void sgemm(SimdPath path, int64_t m, int64_t n, int64_t k, SgemmMatrix a, const SgemmBSource& b,
           float* c, int64_t ldc, const SgemmEpilogue& epilogue, ThreadPool* pool, float alpha) {
    GemmJob job;
    job.kern = &kernelFor(path);
    job.m = m;
    job.n = n;
    job.k = k;
    job.a = a;
    job.b = &b;
    job.alpha = alpha;
    job.c = c;
    job.ldc = ldc;
    job.epi = epilogue;
    runJob(job, pool);
}

void sgemm(const SgemmPackedA& a, int64_t n, SgemmMatrix b, float* c, int64_t ldc,
           const SgemmEpilogue& epilogue, ThreadPool* pool) {
    const MatrixBSource source(b);
    GemmJob job;
    job.kern = &kernelFor(a.path());
    job.m = a.rows();
    job.n = n;
    job.k = a.depth();
    job.packedA = &a;
    job.b = &source;
    job.bMatrix = &b;
    job.c = c;
    job.ldc = ldc;
    job.epi = epilogue;
    runJob(job, pool);
}

void sgemm(const SgemmPackedA& a, int64_t n, const SgemmBSource& b, float* c, int64_t ldc,
           const SgemmEpilogue& epilogue, ThreadPool* pool) {
    GemmJob job;
    job.kern = &kernelFor(a.path());
    job.m = a.rows();
    job.n = n;
    job.k = a.depth();
    job.packedA = &a;
    job.b = &b;
    job.c = c;
    job.ldc = ldc;
    job.epi = epilogue;
    runJob(job, pool);
}

void sgemm(int64_t m, SgemmMatrix a, const SgemmPackedB& b, float* c, int64_t ldc,
           const SgemmEpilogue& epilogue, ThreadPool* pool, float alpha) {
    GemmJob job;
    job.kern = &kernelFor(b.path());
    job.m = m;
    job.n = b.cols();
    job.k = b.depth();
    job.a = a;
    job.packedB = &b;
    job.alpha = alpha;
    job.c = c;
    job.ldc = ldc;
    job.epi = epilogue;
    runJob(job, pool);
}

} // namespace qs
