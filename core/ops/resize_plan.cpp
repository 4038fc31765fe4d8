#include "ops/resize_plan.h"

#include <algorithm>
#include <cmath>

namespace qs {
namespace {

// Input coordinate of output index x along one axis (ONNX Resize spec). `outLength` is
// scale * inLength, not the rounded output dim, exactly as the ONNX reference computes it.
double originalCoordinate(ResizeCoord mode, double x, double scale, int64_t inLen, int64_t outLen,
                          double roiStart, double roiEnd) {
    const double outLength = scale * double(inLen);
    switch (mode) {
    case ResizeCoord::HalfPixel:
        return (x + 0.5) / scale - 0.5;
    case ResizeCoord::HalfPixelSymmetric: {
        const double adjustment = double(outLen) / outLength;
        const double center = double(inLen) / 2;
        return center * (1 - adjustment) + (x + 0.5) / scale - 0.5;
    }
    case ResizeCoord::PytorchHalfPixel:
        return outLen > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    case ResizeCoord::AlignCorners:
        return outLength == 1 ? 0.0 : x * double(inLen - 1) / (outLength - 1);
    case ResizeCoord::Asymmetric:
        return x / scale;
    case ResizeCoord::TfHalfPixelForNn:
        return (x + 0.5) / scale;
    case ResizeCoord::TfCropAndResize:
        return outLen > 1 ? roiStart * double(inLen - 1) +
                                x * (roiEnd - roiStart) * double(inLen - 1) / double(outLen - 1)
                          : 0.5 * (roiStart + roiEnd) * double(inLen - 1);
    }
    return 0.0;
}

int64_t nearestIndex(double x, ResizeNearest mode, bool downsampling) {
    switch (mode) {
    case ResizeNearest::RoundPreferFloor:
        return int64_t(x == std::floor(x) + 0.5 ? std::floor(x) : std::round(x));
    case ResizeNearest::RoundPreferCeil:
        return int64_t(x == std::floor(x) + 0.5 ? std::ceil(x) : std::round(x));
    case ResizeNearest::Floor:
        return int64_t(std::floor(x));
    case ResizeNearest::Ceil:
        return int64_t(std::ceil(x));
    case ResizeNearest::Simple:
        return int64_t(downsampling ? std::ceil(x) : std::trunc(x));
    }
    return 0;
}

// A computed output dim as an integer; values beyond any allocatable size become a value that
// checkedNumel rejects, instead of an undefined float-to-int conversion.
int64_t boundedDim(double d) {
    return d < double(int64_t(1) << 50) ? int64_t(d) : int64_t(1) << 50;
}

} // namespace

Result<ResizeAttrs> resizeAttrs(const NodeAttributes& attrs, int64_t opset) {
    ResizeAttrs r;
    const std::string mode = attrs.getString("mode", "nearest");
    if (mode == "nearest")
        r.interp = ResizeInterp::Nearest;
    else if (mode == "linear" || mode == "bilinear")
        r.interp = ResizeInterp::Linear;
    else if (mode == "cubic" && !isLegacy(attrs, opset))
        r.interp = ResizeInterp::Cubic;
    else
        return makeError(ErrorCode::Unsupported, "mode '", mode, "' is not supported");
    if (isLegacy(attrs, opset)) {
        r.coord = ResizeCoord::Asymmetric;
        r.nearest = ResizeNearest::Simple;
        return r;
    }
    if (attrs.getInt("antialias", 0) != 0)
        return makeError(ErrorCode::Unsupported, "antialias is not supported");
    const std::string coord = attrs.getString("coordinate_transformation_mode", "half_pixel");
    static const std::pair<const char*, ResizeCoord> kCoords[] = {
        {"half_pixel", ResizeCoord::HalfPixel},
        {"half_pixel_symmetric", ResizeCoord::HalfPixelSymmetric},
        {"pytorch_half_pixel", ResizeCoord::PytorchHalfPixel},
        {"align_corners", ResizeCoord::AlignCorners},
        {"asymmetric", ResizeCoord::Asymmetric},
        {"tf_half_pixel_for_nn", ResizeCoord::TfHalfPixelForNn},
        {"tf_crop_and_resize", ResizeCoord::TfCropAndResize}};
    auto c = std::find_if(std::begin(kCoords), std::end(kCoords),
                          [&](const auto& p) { return coord == p.first; });
    if (c == std::end(kCoords))
        return makeError(ErrorCode::Unsupported, "coordinate_transformation_mode '", coord,
                         "' is not supported");
    r.coord = c->second;
    const std::string nearest = attrs.getString("nearest_mode", "round_prefer_floor");
    if (nearest == "round_prefer_floor")
        r.nearest = ResizeNearest::RoundPreferFloor;
    else if (nearest == "round_prefer_ceil")
        r.nearest = ResizeNearest::RoundPreferCeil;
    else if (nearest == "floor")
        r.nearest = ResizeNearest::Floor;
    else if (nearest == "ceil")
        r.nearest = ResizeNearest::Ceil;
    else
        return makeError(ErrorCode::Unsupported, "nearest_mode '", nearest, "' is not supported");
    r.cubicA = attrs.getFloat("cubic_coeff_a", -0.75f);
    r.excludeOutside = attrs.getInt("exclude_outside", 0) != 0;
    r.extrapolation = attrs.getFloat("extrapolation_value", 0.0f);
    return r;
}

Result<ResizeGeometry> resizeGeometry(const NodeAttributes& attrs, int64_t opset, const Shape& in,
                                      const std::vector<const Tensor*>& values) {
    const int rank = int(in.size());
    const bool legacy = isLegacy(attrs, opset);
    auto present = [&](int i) {
        return i < int(values.size()) && values[size_t(i)] && values[size_t(i)]->numel() > 0;
    };
    std::vector<double> scales;
    std::vector<int64_t> sizes;
    if (isUpsample(attrs) && opset < 9) {
        for (float s : attrs.getFloats("scales")) scales.push_back(s);
    } else if (present(legacy ? 1 : 2)) {
        for (float s : values[size_t(legacy ? 1 : 2)]->toFloatVector()) scales.push_back(s);
    }
    if (!legacy && present(3)) sizes = values[3]->toInt64Vector();
    if (scales.empty() == sizes.empty())
        return makeError(ErrorCode::InvalidModel, "exactly one of scales and sizes must be given");
    std::vector<int64_t> axes =
        opset >= 18 && !legacy ? attrs.getInts("axes") : std::vector<int64_t>();
    if (axes.empty())
        for (int d = 0; d < rank; ++d) axes.push_back(d);
    const size_t n = axes.size();
    if ((!scales.empty() && scales.size() != n) || (!sizes.empty() && sizes.size() != n))
        return makeError(ErrorCode::InvalidModel, scales.empty() ? "sizes" : "scales", " has ",
                         std::max(scales.size(), sizes.size()), " entries, expected ", n);
    ResizeGeometry g{in, std::vector<double>(size_t(rank), 1.0),
                     std::vector<double>(size_t(rank), 0.0),
                     std::vector<double>(size_t(rank), 1.0)};
    std::vector<double> roi;
    if (!legacy && present(1))
        for (float v : values[1]->toFloatVector()) roi.push_back(v);
    if (!roi.empty() && roi.size() != 2 * n)
        return makeError(ErrorCode::InvalidModel, "roi has ", roi.size(), " entries, expected ",
                         2 * n);
    // keep_aspect_ratio_policy (opset 18): one scale for all axes, from the sizes.
    const std::string policy =
        opset >= 18 ? attrs.getString("keep_aspect_ratio_policy", "stretch") : "stretch";
    if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
        return makeError(ErrorCode::Unsupported, "keep_aspect_ratio_policy '", policy,
                         "' is not supported");
    double commonScale = policy == "not_larger" ? HUGE_VAL : 0.0;
    for (size_t i = 0; i < n && !sizes.empty() && policy != "stretch"; ++i) {
        const double s = double(sizes[i]) / double(in[size_t(axes[i])]);
        commonScale = policy == "not_larger" ? std::min(commonScale, s) : std::max(commonScale, s);
    }
    std::vector<bool> seen(size_t(rank), false);
    for (size_t i = 0; i < n; ++i) {
        QS_ASSIGN(int axis, normalizeAxis(axes[i], rank));
        if (seen[size_t(axis)])
            return makeError(ErrorCode::InvalidModel, "axis ", axis, " appears twice");
        seen[size_t(axis)] = true;
        const int64_t dim = in[size_t(axis)];
        if (!roi.empty()) g.roiStart[size_t(axis)] = roi[i], g.roiEnd[size_t(axis)] = roi[i + n];
        if (!scales.empty()) {
            if (!(scales[i] > 0))
                return makeError(ErrorCode::InvalidModel, "scale ", scales[i], " is not positive");
            g.scale[size_t(axis)] = scales[i];
            // floor(in * scale) with the scale widened to double, as the ONNX reference does.
            g.out[size_t(axis)] = dim < 0 ? -1 : boundedDim(std::floor(double(dim) * scales[i]));
        } else if (policy != "stretch") {
            g.scale[size_t(axis)] = commonScale;
            g.out[size_t(axis)] = dim < 0 ? -1 : boundedDim(std::round(commonScale * double(dim)));
        } else {
            if (sizes[i] < 0)
                return makeError(ErrorCode::InvalidModel, "sizes[", i, "] is negative");
            if (dim == 0 && sizes[i] != 0)
                return makeError(ErrorCode::InvalidArgument, "cannot resize an empty axis ", axis,
                                 " to ", sizes[i]);
            g.scale[size_t(axis)] = dim > 0 ? double(sizes[i]) / double(dim) : 1.0;
            g.out[size_t(axis)] = sizes[i];
        }
    }
    QS_TRY(checkedNumel(g.out).status());
    return g;
}

ResizeAxisTaps axisTaps(const ResizeAttrs& a, int64_t inLen, int64_t outLen, double scale,
                        double roiStart, double roiEnd) {
    ResizeAxisTaps t;
    t.taps = a.interp == ResizeInterp::Nearest ? 1 : a.interp == ResizeInterp::Linear ? 2 : 4;
    t.index.resize(size_t(outLen * t.taps));
    t.weight.resize(size_t(outLen * t.taps));
    t.outside.resize(size_t(outLen));
    for (int64_t x = 0; x < outLen; ++x) {
        const double xo =
            originalCoordinate(a.coord, double(x), scale, inLen, outLen, roiStart, roiEnd);
        t.outside[size_t(x)] =
            a.coord == ResizeCoord::TfCropAndResize && (xo < 0 || xo > double(inLen - 1));
        int64_t* index = &t.index[size_t(x * t.taps)];
        float* weight = &t.weight[size_t(x * t.taps)];
        if (a.interp == ResizeInterp::Nearest) {
            index[0] = std::clamp<int64_t>(nearestIndex(xo, a.nearest, scale < 1), 0, inLen - 1);
            weight[0] = 1.0f;
            continue;
        }
        // The reference's neighbours: the `taps` input indices nearest to xo, ties to the
        // lower one, so the first is ceil(xo) - taps/2 and ratio = xo - (ceil(xo) - 1) is in (0,
        // 1].
        const double first = std::ceil(xo) - t.taps / 2;
        const double r = xo - (std::ceil(xo) - 1);
        double w[4];
        if (a.interp == ResizeInterp::Linear) {
            w[0] = 1 - r, w[1] = r;
        } else { // Keys cubic convolution with coefficient A (cubic_coeff_a)
            const double A = a.cubicA, s = 1 - r;
            w[0] = ((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A;
            w[1] = ((A + 2) * r - (A + 3)) * r * r + 1;
            w[2] = ((A + 2) * s - (A + 3)) * s * s + 1;
            w[3] = ((A * (s + 1) - 5 * A) * (s + 1) + 8 * A) * (s + 1) - 4 * A;
        }
        double sum = 0;
        for (int k = 0; k < t.taps; ++k) {
            const int64_t i = int64_t(first) + k;
            if (a.excludeOutside && (i < 0 || i >= inLen)) w[k] = 0;
            sum += w[k];
            index[k] = std::clamp<int64_t>(i, 0, inLen - 1);
        }
        for (int k = 0; k < t.taps; ++k)
            weight[k] = float(a.excludeOutside && sum != 0 ? w[k] / sum : w[k]);
    }
    // Collapse to one tap when every output copies exactly one input.
    if (t.taps > 1) {
        bool single = true;
        std::vector<int64_t> index(static_cast<size_t>(outLen));
        for (int64_t x = 0; x < outLen && single; ++x) {
            int hits = 0;
            for (int k = 0; k < t.taps; ++k) {
                const float w = t.weight[size_t(x * t.taps + k)];
                if (w == 1.0f)
                    ++hits, index[size_t(x)] = t.index[size_t(x * t.taps + k)];
                else if (w != 0.0f)
                    hits = 2;
            }
            single = hits == 1;
        }
        if (single) {
            t.taps = 1;
            t.index = std::move(index);
            t.weight.assign(size_t(outLen), 1.0f);
        }
    }
    return t;
}

} // namespace qs
