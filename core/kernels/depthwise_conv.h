// Direct depthwise 2-D convolution (one filter per channel, NCHW), the MobileNet workhorse:
// 3×3 or 5×5 kernels, stride 1 or 2 per axis, any padding, dilation 1, with the conv's bias and
// a clamp (fused Relu/Clip) applied on the way out.
//
// The AVX2+FMA and AVX-512 paths copy each plane into a zero-padded scratch plane and run the
// window as a 1-D convolution over the flattened output index (full vectors only, so small
// 7×7 planes cost about as much per output as large ones); the generic path loops over the
// window with bounds checks.
//
// Numerics: y = clamp(bias + Σ_taps w·x, lo, hi). The SIMD paths sum the even and the odd taps
// (row-major tap order) in two fused multiply-add chains, add the two, then the bias; padding
// contributes 0·w. The generic path adds the in-image taps in row-major order onto the bias.
// Threads split the channel planes, so the result does not depend on the thread count.
#pragma once

#include "kernels/simd_path.h"

#include <cstdint>
#include <limits>

namespace qs {

class ThreadPool;

struct DepthwiseConvParams {
    int64_t batch = 1;
    int64_t channels = 0;
    int64_t inH = 0, inW = 0;
    int64_t outH = 0, outW = 0;
    int kernelH = 3, kernelW = 3;
    int strideH = 1, strideW = 1;
    int64_t padTop = 0, padLeft = 0; // bottom/right padding follows from outH/outW
    float clampMin = -std::numeric_limits<float>::infinity();
    float clampMax = std::numeric_limits<float>::infinity();
};

// True for the shapes this kernel handles: kernel 3×3 or 5×5, strides 1 or 2.
bool depthwiseConvSupported(const DepthwiseConvParams& p);

// x: batch×channels×inH×inW; w: channels×kernelH×kernelW; bias: channels values or null;
// y: batch×channels×outH×outW. pool may be null.
void depthwiseConv2d(SimdPath path, const float* x, const float* w, const float* bias, float* y,
                     const DepthwiseConvParams& p, ThreadPool* pool);

} // namespace qs
