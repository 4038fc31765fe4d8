// Window geometry shared by Conv, ConvTranspose and the pools: kernel, strides, dilations,
// pads and auto_pad read from a node, and output sizes computed as ONNX (and ONNX Runtime,
// where the spec leaves a choice) define them. Kernels work on up to 3 spatial dims; 1-D and
// 2-D problems are padded to 3-D with unit dims in front (Geometry3d).
#pragma once

#include "kernels/im2col.h"
#include "ops/op.h"

#include <array>
#include <cstdint>
#include <vector>

namespace qs {

enum class AutoPad { NotSet, SameUpper, SameLower, Valid };

struct WindowAttrs {
    std::vector<int64_t> kernel; // may be empty: taken from the weights
    std::vector<int64_t> strides;
    std::vector<int64_t> dilations;
    std::vector<int64_t> pads; // begins then ends, 2 * rank; empty = zeros
    AutoPad autoPad = AutoPad::NotSet;
    bool ceilMode = false;
};

// Reads kernel_shape, strides, dilations, pads, auto_pad and ceil_mode; checks value ranges.
Result<WindowAttrs> readWindowAttrs(const NodeAttributes& attrs);

// The attributes completed for `rank` spatial dims (defaults filled in, sizes checked). kernel
// is used when the node has no kernel_shape (Conv takes it from the weights).
Result<WindowAttrs> completeWindowAttrs(const WindowAttrs& attrs, int rank,
                                        const std::vector<int64_t>& kernel);

// Output sizes of a forward window op (Conv, pools) and the resolved pads (begins then ends).
// Unknown input sizes (-1) give -1. Fails when the window does not fit the padded input.
struct ForwardWindow {
    std::vector<int64_t> output;
    std::vector<int64_t> pads;
};
Result<ForwardWindow> forwardWindow(const WindowAttrs& a, const std::vector<int64_t>& input);

// The geometry padded to 3 dims for the kernels.
Geometry3d toGeometry3d(const std::vector<int64_t>& in, const std::vector<int64_t>& out,
                        const WindowAttrs& a, const std::vector<int64_t>& pads);

// The optional fused activation a graph pass may set (float attributes qs_clip_min/qs_clip_max);
// infinite when absent.
struct FusedClamp {
    float lo, hi;
};
FusedClamp fusedClamp(const NodeAttributes& attrs);

// ConvTranspose's geometry (fp32 op and the int8 QConvTranspose alike): channels, output size
// and the padding at the beginning of each spatial dim, from auto_pad, pads, output_padding
// and output_shape as the ONNX spec defines them (conv_transpose.cpp's header comment). x and w
// are the input and weight shapes ([C_in, C_out/group, k...]); unknown sizes (-1) give -1.
struct ConvTransposeSetup {
    int64_t batch = 0, inC = 0, outC = 0, group = 1;
    std::vector<int64_t> inSpatial, outSpatial, kernel, strides, dilations, padBegin;
};
Result<ConvTransposeSetup> resolveConvTranspose(const NodeAttributes& node, const Shape& x,
                                                const Shape& w);

} // namespace qs
