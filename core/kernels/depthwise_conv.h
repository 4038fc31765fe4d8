// Direct depthwise 2-D convolution (one filter per channel, NCHW), the MobileNet workhorse:
// 3×3 or 5×5 kernels, stride 1 or 2 per axis, any padding, dilation 1, with the conv's bias and
// a clamp (fused Relu/Clip) applied on the way out. AVX2+FMA and AVX-512 paths vectorise
// along the output row; a generic path does the same in plain C++.
//
// Numerics: y = clamp(bias + Σ_ky Σ_kx w[ky][kx]·x[...], lo, hi) summed in increasing ky, then
// kx; the SIMD paths use fused multiply-add inside the row interior and separate multiply and
// add on the border columns where the window leaves the image. Threads split the channel
// planes, so the result does not depend on the thread count.
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
