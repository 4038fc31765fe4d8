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

// Writes columns [col0, col1) of the im2col matrix of x (channels × g.inSize()) into dst, a
// (channels·kernelSize) × (col1 − col0) row-major matrix. Exact copies (no arithmetic).
void im2col(const float* x, int64_t channels, const Geometry3d& g, int64_t col0, int64_t col1,
            float* dst, ThreadPool* pool);

// The adjoint: adds every entry of cols ((channels·kernelSize) × g.outSize()) into y
// (channels × g.inSize()) at the input position it would have been read from. Each y element
// receives its terms in a fixed order (kernel offset, then column), whatever the thread count.
void col2imAdd(const float* cols, int64_t channels, const Geometry3d& g, float* y, ThreadPool* pool);

} // namespace qs
