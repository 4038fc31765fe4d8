// Packed single-precision GEMM: C = A·B (+ epilogue), BLIS style.
//
// A is M×K, B is K×N, C is M×N, all row-major with leading dimensions (a transposed operand is
// read from its stored K×M or N×K form). A is packed into mr-row micro-panels and B into
// nr-column micro-panels per K block; a register-blocked micro-kernel (generic C++, AVX2+FMA
// 6×16 or AVX-512 12×32, chosen at run time) computes each mr×nr tile.
//
// Numerics: every C element is one fp32 dot product summed in increasing k within a K block
// (fused multiply-add on the SIMD paths, separate multiply and add on the generic path), the
// K blocks added in increasing order into C; for N = 1 with a packed A (matrix-vector) each
// K block is summed as four partial sums over k mod 4. The blocking and the choice of path
// depend only on the path and the shape, so the result does not depend on the thread count
// or on how the work is split. The epilogue then adds the bias once and clamps:
// C = clamp((accumulate ? C_old : 0) + Σ + bias, lo, hi); NaN passes through the clamp.
#pragma once

#include "kernels/simd_path.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>

namespace qs {

class ThreadPool;

enum class BiasKind : uint8_t { None, PerRow, PerColumn };

struct SgemmEpilogue {
    const float* bias = nullptr; // M values (PerRow) or N values (PerColumn)
    BiasKind biasKind = BiasKind::None;
    bool accumulate = false; // C += A·B (ONNX Gemm's beta·C pre-stored in C) instead of C = A·B
    float clampMin = -std::numeric_limits<float>::infinity();
    float clampMax = std::numeric_limits<float>::infinity();
};

// 64-byte aligned float storage for packed panels and kernel scratch.
class AlignedFloats {
public:
    AlignedFloats() = default;
    explicit AlignedFloats(size_t count);
    float* data() { return m_data.get(); }
    const float* data() const { return m_data.get(); }
    size_t size() const { return m_size; }
    // Grows (never shrinks) without keeping the contents.
    void ensure(size_t count);

private:
    struct Free {
        void operator()(float* p) const;
    };
    std::unique_ptr<float[], Free> m_data;
    size_t m_size = 0;
};

// A operand packed once (constant weights) for one path. alpha scales the values while packing.
class SgemmPackedA {
public:
    SgemmPackedA() = default;
    // a: element (i, k) at a[i*lda + k], or at a[k*lda + i] when transposed.
    static SgemmPackedA pack(SimdPath path, const float* a, int64_t lda, bool transposed, int64_t m,
                             int64_t k, float alpha = 1.0f);
    bool isNull() const { return m_data.size() == 0 && m_m == 0; }
    SimdPath path() const { return m_path; }
    int64_t rows() const { return m_m; }
    int64_t depth() const { return m_k; }
    const float* data() const { return m_data.data(); }

private:
    SimdPath m_path = SimdPath::Generic;
    int64_t m_m = 0, m_k = 0;
    AlignedFloats m_data;
};

// B operand packed once (a constant right-hand side: Gemm/MatMul weights).
class SgemmPackedB {
public:
    SgemmPackedB() = default;
    // b: element (k, j) at b[k*ldb + j], or at b[j*ldb + k] when transposed.
    static SgemmPackedB pack(SimdPath path, const float* b, int64_t ldb, bool transposed, int64_t k,
                             int64_t n);
    bool isNull() const { return m_data.size() == 0 && m_n == 0; }
    SimdPath path() const { return m_path; }
    int64_t depth() const { return m_k; }
    int64_t cols() const { return m_n; }
    const float* data() const { return m_data.data(); }

private:
    SimdPath m_path = SimdPath::Generic;
    int64_t m_k = 0, m_n = 0;
    AlignedFloats m_data;
};

// A plain (unpacked) operand: data, leading dimension, stored transposed or not.
struct SgemmMatrix {
    const float* data = nullptr;
    int64_t ld = 0;
    bool transposed = false;
};

// B produced in packed form on demand (im2col straight into panels, without a full lowered
// matrix): columns [n0, n1) × depth [k0, k0 + kc) as ceil((n1 − n0)/nr) panels, row k of
// panel q at dst + q·nr·kc + (k − k0)·nr, the last panel zero-padded to nr columns. Called
// from several threads at once for disjoint column ranges.
class SgemmBSource {
public:
    virtual ~SgemmBSource() = default;
    virtual void pack(int64_t k0, int64_t kc, int64_t n0, int64_t n1, int nr, float* dst) const = 0;
};

// C (M×N, ldc) = alpha·A·B with the epilogue. pool may be null (runs on the calling thread).
void sgemm(SimdPath path, int64_t m, int64_t n, int64_t k, SgemmMatrix a, SgemmMatrix b, float* c,
           int64_t ldc, const SgemmEpilogue& epilogue, ThreadPool* pool, float alpha = 1.0f);
void sgemm(SimdPath path, int64_t m, int64_t n, int64_t k, SgemmMatrix a, const SgemmBSource& b,
           float* c, int64_t ldc, const SgemmEpilogue& epilogue, ThreadPool* pool,
           float alpha = 1.0f);
// With a pre-packed A (its path is used; alpha was applied at packing).
void sgemm(const SgemmPackedA& a, int64_t n, SgemmMatrix b, float* c, int64_t ldc,
           const SgemmEpilogue& epilogue, ThreadPool* pool);
void sgemm(const SgemmPackedA& a, int64_t n, const SgemmBSource& b, float* c, int64_t ldc,
           const SgemmEpilogue& epilogue, ThreadPool* pool);
// With a pre-packed B.
void sgemm(int64_t m, SgemmMatrix a, const SgemmPackedB& b, float* c, int64_t ldc,
           const SgemmEpilogue& epilogue, ThreadPool* pool, float alpha = 1.0f);

} // namespace qs
