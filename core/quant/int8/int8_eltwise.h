// Elementwise and pooling kernels of the int8 executor on code bytes: table lookup, per-plane
// sums (global average pooling) and 2-D max pooling. Codes arrive as bytes with a flip (0x00 for
// u8, 0x80 for i8: byte ^ 0x80 = code + 128, an order-preserving map onto 0..255). The Generic
// path of each is a plain scalar loop, the specification; the Avx2 and Avx512 paths must equal
// it bit for bit (tests/core/quant/int8_executor_test.cpp, elementwisePathsAgree).
#pragma once

#include "kernels/simd_path.h"

#include <cstdint>

namespace qs::int8 {

// y[i] = table[x[i] ^ flip]. Avx512 with VBMI: vpermi2b over the four 64-entry quarters;
// Avx2 (and Avx512 without VBMI): vpshufb over the sixteen 16-entry sub-tables.
void lookupTable(SimdPath path, const uint8_t* table, const uint8_t* x, uint8_t flip, int64_t n,
                 uint8_t* y);

// sums[p] = Σ_i (x[p·n + i] ^ flip) over `planes` planes of n bytes (vpsadbw on the SIMD paths).
// Exact for n < 2^23.
void planeSums(SimdPath path, const uint8_t* x, uint8_t flip, int64_t planes, int64_t n,
               int32_t* sums);

struct MaxPoolShape {
    int64_t planes = 1, h = 1, w = 1, outH = 1, outW = 1;
    int64_t kernelH = 1, kernelW = 1, strideH = 1, strideW = 1, padTop = 0, padLeft = 0;
};

// 2-D max pooling (dilation 1) of planes of code bytes: y = the largest code of each window's
// taps inside the plane; a window wholly in the padding gives the lowest code (byte 0 ^ flip).
// SIMD paths: per output row, the vertical max of the window's rows, then the horizontal max of
// kernelW neighbours, then every strideW-th byte (stride 2 compacted with vpmovwb / vpackuswb);
// 2×2 windows with stride 2 inside the plane: both rows' byte pairs at once.
void maxPool2d(SimdPath path, const MaxPoolShape& s, const uint8_t* x, uint8_t flip, uint8_t* y);

} // namespace qs::int8
