// Integer kernels of the int8 executor. Activations enter every kernel as uint8 codes with their
// zero point (int8 activations are shifted by +128 first, x ^ 0x80, with z + 128: the same
// x − z), weights as int8. Every kernel produces exact int32 accumulators
//   acc[m][p] = Σ_k (x[k][p] − z_x) · w[m][k] + bias[m]
// and the output stage (requantize.h) turns them into codes. The plain loops here
// (referenceConv2d, referenceDot) are the specification; QGemm's SIMD paths (AVX2 vpmaddwd on
// int16-widened operands: exact, no vpmaddubsw int16 saturation; AVX-512 VNNI vpdpbusd: u8·s8
// summed in int32, exact) must equal them bit for bit.
#pragma once

#include "kernels/simd_path.h"
#include "quant/int8/requantize.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace qs::int8 {

struct Conv2dShape {
    int64_t batch = 1, inChannels = 1, inH = 1, inW = 1;
    int64_t outChannels = 1, outH = 1, outW = 1;
    int64_t kernelH = 1, kernelW = 1, strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
    int64_t padTop = 0, padLeft = 0;
    int64_t group = 1;

    int64_t inPerGroup() const { return inChannels / group; }
    int64_t outPerGroup() const { return outChannels / group; }
    int64_t patch() const { return inPerGroup() * kernelH * kernelW; } // K of one output channel
};

// Direct convolution, the specification. x: [N][C][H][W] u8, w: [M][C/g][kh][kw] s8, bias: [M]
// (may be null) → acc: [N][M][OH][OW]. Padding contributes x = z_x, i.e. nothing.
void referenceConv2d(const Conv2dShape& s, const uint8_t* x, int32_t xZero, const int8_t* w,
                     const int32_t* bias, int32_t* acc);

// 2-D transposed convolution (ONNX ConvTranspose), the specification: every input element is
// scattered through the kernel, out[oy][ox] with oy = iy·strideH + ky·dilationH − padTop (the
// same for x). x: [N][C][H][W] u8 codes (zero xZero), w: [C][M/g][kh][kw] s8 (ONNX's layout),
// bias: [M] (may be null) → acc: [N][M][outH][outW]. s's fields keep their meaning: inChannels
// and inH/inW are x's, outChannels and outH/outW the result's.
void referenceConvTranspose2d(const Conv2dShape& s, const uint8_t* x, int32_t xZero,
                              const int8_t* w, const int32_t* bias, int32_t* acc);

// acc[m][r] = Σ_k (x[r][k] − z_x) · w[m][k] + bias[m] for rows r of x ([rows][K]) and w ([M][K]).
void referenceDot(int64_t rows, int64_t m, int64_t k, const uint8_t* x, int32_t xZero,
                  const int8_t* w, const int32_t* bias, int32_t* acc);

// The float output stage fused into a kernel: code[r][c] = requantizeFloat(acc[r][c] +
// offsets[r], multipliers[r], zeroPoint, lo, hi), written as bytes (u8, or the two's complement
// byte of i8) at out[r·ldo + c]; rows r are the kernel's output channels.
struct FusedRequant {
    const int32_t* offsets = nullptr;
    const float* multipliers = nullptr;
    int32_t zeroPoint = 0, lo = 0, hi = 255;
    bool isSigned = false; // i8 codes
    uint8_t* out = nullptr;
    int64_t ldo = 0;
};

// C[M][N] = A[M][K] · B[K][N] in int32, A int8 (the weights, packed once), B uint8 given with
// strides (im2col rows, or a transposed activation matrix). No zero-point terms: callers
// subtract z_x · Σ_k A[m][k] (rowSums()).
// 4-bit weights (every value of A in [-8, 7], as a 4-bit layer's codes are) are held as nibbles,
// two per byte, in the path's packed order, and unpacked one row block at a time inside the
// multiplications: half the bytes of int8, the same results bit for bit.
class QGemm {
public:
    QGemm(SimdPath path, int64_t m, int64_t k, const int8_t* a);
    ~QGemm();
    QGemm(const QGemm&) = delete;
    QGemm& operator=(const QGemm&) = delete;

    SimdPath path() const { return m_path; }
    int64_t m() const { return m_m; }
    int64_t k() const { return m_k; }
    const std::vector<int32_t>& rowSums() const { return m_rowSums; }
    // A held as nibbles (see above); the bytes A occupies in memory.
    bool nibblePacked() const { return !m_nibbles.empty(); }
    int64_t weightBytes() const;

    // B element (k, n) at b[k·strideK + n·strideN]. c: [M][ldc]. scratch is reused between calls.
    // packB + multiplyPacked over all of C.
    void run(int64_t n, const uint8_t* b, int64_t strideK, int64_t strideN, int32_t* c, int64_t ldc,
             std::vector<uint8_t>& scratch) const;

    // The two halves of run(), for callers that pack B once and compute tiles of C in parallel.
    // Tiles start at multiples of kRowBlock rows and kColBlock columns.
    static constexpr int64_t kRowBlock = 8, kColBlock = 32;
    int64_t packedBBytes(int64_t n) const;
    // Packs columns [c0, c1) of B (c0 a multiple of kColBlock; c1 too, or n).
    void packB(int64_t n, const uint8_t* b, int64_t strideK, int64_t strideN, uint8_t* packed,
               int64_t c0, int64_t c1) const;
    // C[r][c] for rows [r0, r1), columns [c0, c1) (r0, c0 multiples of the blocks), c pointing at
    // C[0][0].
    void multiplyPacked(const uint8_t* packed, int64_t n, int64_t r0, int64_t r1, int64_t c0,
                        int64_t c1, int32_t* c, int64_t ldc) const;
    // The same tile through the float output stage (Avx512: requantized in registers; other
    // paths: an int32 tile, then requantizeFloatRow). Equal to multiplyPacked + requantizeFloat.
    void multiplyRequant(const uint8_t* packed, int64_t n, int64_t r0, int64_t r1, int64_t c0,
                         int64_t c1, const FusedRequant& rq) const;

    // One column: c[r·ldc] = Σ_k A[r][k]·x[k] for rows [r0, r1) (r0 a multiple of kRowBlock), x
    // contiguous K bytes. Avx512: a dot-product kernel on packed A; run() uses it for up to
    // kVectorColumns columns.
    static constexpr int64_t kVectorColumns = 4;
    void multiplyVector(const uint8_t* x, int64_t r0, int64_t r1, int32_t* c, int64_t ldc) const;

    // The paths this CPU can run, Generic first (for tests).
    static std::vector<SimdPath> supportedPaths();
    // The best path, honouring QUANTSCOPE_CPU.
    static SimdPath bestPath();

private:
    // Rows [0, rows) of the block of kernel rows starting at row ib · blockRows(), unpacked
    // from nibbles into a per-thread buffer, in the path's packed layout.
    int64_t blockRows() const;
    const int32_t* unpackBlock(int64_t ib) const;
    // Row i of A as int8 (Generic), from m_a or unpacked from nibbles into tmp.
    const int8_t* rowA(int64_t i, std::vector<int8_t>& tmp) const;

    SimdPath m_path;
    int64_t m_m, m_k;
    std::vector<int8_t> m_a;        // Generic: row-major copy
    std::vector<int32_t> m_packed;  // SIMD: A in the path's broadcast layout
    std::vector<uint8_t> m_nibbles; // 4-bit A: m_a's or m_packed's values as nibbles instead
    int64_t m_blockNibbleBytes = 0; // nibble bytes of one row block (SIMD paths)
    std::vector<int32_t> m_rowSums;
};

// Depthwise 2-D convolution (group == C == M, one filter per channel). Generic: direct loops;
// Avx2 (column strides 1 and 2): each plane copied with its padding filled with the zero point,
// then 16 output columns per AVX2 step; Avx512 with VBMI (15·stride + 3·dilation < 64): all
// channels in one call, the padded plane, vectors of 16 outputs (16 columns of a row, or whole
// rows of a plane at most 16 wide: two rows of a 7×7 plane per vector), a vpermb gather of four
// taps per output and vpdpbusd, four vectors down the rows sharing each input row's window,
// then requantized together to codes. Exact on every path; equals referenceConv2d.
void depthwiseConv2d(SimdPath path, const Conv2dShape& s, const uint8_t* x, int32_t xZero,
                     const int8_t* w, const int32_t* bias, int32_t* acc,
                     const FusedRequant* rq = nullptr);

// Float requantization (requantizeFloat) of n accumulators (each + offset) to codes, vectorised on
// Avx2 (8 per step) and Avx512 (16); every element equals the scalar result.
void requantizeFloatRow(SimdPath path, const int32_t* acc, int32_t offset, int64_t n,
                        float multiplier, int32_t zeroPoint, int32_t lo, int32_t hi, bool isSigned,
                        void* out);

// Fixed-point requantization (requantizeFixedPoint) of n accumulators (each + offset), vectorised
// on Avx512 (64-bit lane products); every element equals the scalar result.
void requantizeFixedRow(SimdPath path, const int32_t* acc, int32_t offset, int64_t n,
                        FixedPointMultiplier multiplier, int32_t zeroPoint, int32_t lo, int32_t hi,
                        bool isSigned, void* out);

// im2col of one image's group: rows k = (c, ky, kx), columns p = (oy, ox); padding = pad value.
// Rows [k0, k1) only (k1 < 0: to the end), for callers that split the rows across threads.
void im2colU8(const Conv2dShape& s, const uint8_t* xGroup, uint8_t pad, uint8_t* cols,
              int64_t k0 = 0, int64_t k1 = -1);

} // namespace qs::int8
