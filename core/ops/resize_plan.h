// Resize planning shared by Resize and Upsample: the attributes of every opset, the output
// shape, and per output axis the table of input taps and weights. The formulas follow the
// ONNX reference implementation (onnx/reference/ops/op_resize.py): coordinates in double,
// edge-clamped neighbours, Keys cubic coefficients with cubic_coeff_a, exclude_outside
// renormalisation, tf_crop_and_resize extrapolation.
#pragma once

#include "ops/op.h"

namespace qs {

enum class ResizeInterp { Nearest, Linear, Cubic };
enum class ResizeCoord {
    HalfPixel,
    HalfPixelSymmetric,
    PytorchHalfPixel,
    AlignCorners,
    Asymmetric,
    TfHalfPixelForNn,
    TfCropAndResize
};
// Simple: Resize-10 and Upsample (ONNX Runtime's legacy rule: ceil when downsampling, else
// truncate).
enum class ResizeNearest { RoundPreferFloor, RoundPreferCeil, Floor, Ceil, Simple };

struct ResizeAttrs {
    ResizeInterp interp = ResizeInterp::Nearest;
    ResizeCoord coord = ResizeCoord::HalfPixel;
    ResizeNearest nearest = ResizeNearest::RoundPreferFloor;
    double cubicA = -0.75;
    bool excludeOutside = false;
    float extrapolation = 0.0f;
};

inline bool isUpsample(const NodeAttributes& attrs) {
    return attrs.node().opType == "Upsample";
}
// Before Resize-11 (and for Upsample) there are no coordinate or rounding attributes.
inline bool isLegacy(const NodeAttributes& attrs, int64_t opset) {
    return isUpsample(attrs) || opset < 11;
}

Result<ResizeAttrs> resizeAttrs(const NodeAttributes& attrs, int64_t opset);

// Output shape and, per dim, the scale used by the coordinate transform and the roi.
struct ResizeGeometry {
    Shape out;
    std::vector<double> scale, roiStart, roiEnd;
};

// values[i]: the known value of input i, or nullptr (absent, or unknown at static time).
Result<ResizeGeometry> resizeGeometry(const NodeAttributes& attrs, int64_t opset, const Shape& in,
                                      const std::vector<const Tensor*>& values);

// Taps of one axis: for output index x, input indices index[x * taps + t] (already clamped
// to the edge) with weights weight[x * taps + t]; outside[x] marks tf_crop_and_resize
// extrapolation.
struct ResizeAxisTaps {
    int taps = 1;
    std::vector<int64_t> index;
    std::vector<float> weight;
    std::vector<uint8_t> outside;
};

// The taps of one axis; axes whose every output reads exactly one input with weight 1
// collapse to one tap.
ResizeAxisTaps axisTaps(const ResizeAttrs& a, int64_t inLen, int64_t outLen, double scale,
                        double roiStart, double roiEnd);

} // namespace qs
