// Lowering of convolution windows to matrices (im2col) and back (col2im), for up to 3 spatial
// dims (1-D and 2-D problems use leading unit dims). The matrix has one row per (channel,
// kernel offset) in row-major (c, kd, kh, kw) order, matching ONNX weight layout, and one
// column per output position. Padding positions read as zero.
#pragma once

#include <array>
#include <cstdint>

namespace qs {

class ThreadPool;

// A forward window: output position o reads input o·stride − padBegin + k·dilation.
struct Geometry3d {
    std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1}, kernel{1, 1, 1}, stride{1, 1, 1},
        dilation{1, 1, 1}, padBegin{0, 0, 0};
    int64_t inSize() const { return in[0] * in[1] * in[2]; }
    int64_t outSize() const { return out[0] * out[1] * out[2]; }
    int64_t kernelSize() const { return kernel[0] * kernel[1] * kernel[2]; }
};

// Writes rows [k0, k0 + kc) × columns [n0, n1) of the im2col matrix of x (channels ×
// g.inSize()) straight into SGEMM B panels (kernels/sgemm.h, SgemmBSource): row k of panel q
// at dst + q·nr·kc + (k − k0)·nr, the last panel zero-padded; nr is a power of two. Exact
// copies, no arithmetic; no full lowered matrix is ever materialised.
void im2colPanels(const float* x, const Geometry3d& g, int64_t k0, int64_t kc, int64_t n0,
                  int64_t n1, int nr, float* dst);

// The adjoint: adds every entry of cols ((channels·kernelSize) × g.outSize()) into y
// (channels × g.inSize()) at the input position it would have been read from. Each y element
// receives its terms in a fixed order (kernel offset, then column), whatever the thread count.
void col2imAdd(const float* cols, int64_t channels, const Geometry3d& g, float* y,
               ThreadPool* pool);

} // namespace qs
