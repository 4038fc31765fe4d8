#include "ops/conv_geometry.h"

#include <algorithm>
#include <limits>

namespace qs {

Result<WindowAttrs> readWindowAttrs(const NodeAttributes& attrs) {
    WindowAttrs a;
    a.kernel = attrs.getInts("kernel_shape");
    a.strides = attrs.getInts("strides");
    a.dilations = attrs.getInts("dilations");
    a.pads = attrs.getInts("pads");
    a.ceilMode = attrs.getInt("ceil_mode", 0) != 0;
    const std::string autoPad = attrs.getString("auto_pad", "NOTSET");
    if (autoPad == "NOTSET" || autoPad.empty())
        a.autoPad = AutoPad::NotSet;
    else if (autoPad == "SAME_UPPER")
        a.autoPad = AutoPad::SameUpper;
    else if (autoPad == "SAME_LOWER")
        a.autoPad = AutoPad::SameLower;
    else if (autoPad == "VALID")
        a.autoPad = AutoPad::Valid;
    else
        return makeError(ErrorCode::InvalidModel, "auto_pad '", autoPad, "' is not a valid value");
    for (int64_t k : a.kernel)
        if (k < 1)
            return makeError(ErrorCode::InvalidModel, "kernel_shape has a non-positive entry ", k);
    for (int64_t s : a.strides)
        if (s < 1)
            return makeError(ErrorCode::InvalidModel, "strides has a non-positive entry ", s);
    for (int64_t d : a.dilations)
        if (d < 1)
            return makeError(ErrorCode::InvalidModel, "dilations has a non-positive entry ", d);
    for (int64_t p : a.pads)
        if (p < 0)
            return makeError(ErrorCode::Unsupported, "negative pads (", p, ") are not supported");
    return a;
}

Result<WindowAttrs> completeWindowAttrs(const WindowAttrs& attrs, int rank,
                                        const std::vector<int64_t>& kernel) {
    WindowAttrs a = attrs;
    const size_t n = size_t(rank);
    if (a.kernel.empty()) a.kernel = kernel;
    if (a.kernel.size() != n)
        return makeError(ErrorCode::InvalidModel, "kernel_shape has ", a.kernel.size(),
                         " entries for ", rank, " spatial dims");
    if (!kernel.empty() && kernel != a.kernel)
        return makeError(ErrorCode::InvalidModel, "kernel_shape ", shapeToString(a.kernel),
                         " does not match the weights' kernel ", shapeToString(kernel));
    if (a.strides.empty()) a.strides.assign(n, 1);
    if (a.dilations.empty()) a.dilations.assign(n, 1);
    if (a.pads.empty()) a.pads.assign(2 * n, 0);
    if (a.strides.size() != n)
        return makeError(ErrorCode::InvalidModel, "strides has ", a.strides.size(), " entries for ",
                         rank, " spatial dims");
    if (a.dilations.size() != n)
        return makeError(ErrorCode::InvalidModel, "dilations has ", a.dilations.size(),
                         " entries for ", rank, " spatial dims");
    if (a.pads.size() != 2 * n)
        return makeError(ErrorCode::InvalidModel, "pads has ", a.pads.size(), " entries, expected ",
                         2 * n);
    return a;
}

Result<ForwardWindow> forwardWindow(const WindowAttrs& a, const std::vector<int64_t>& input) {
    const size_t n = input.size();
    ForwardWindow w;
    w.output.assign(n, -1);
    w.pads = a.autoPad == AutoPad::NotSet ? a.pads : std::vector<int64_t>(2 * n, 0);
    for (size_t i = 0; i < n; ++i) {
        const int64_t in = input[i];
        if (in < 0) continue; // unknown at this point
        const int64_t extent = (a.kernel[i] - 1) * a.dilations[i] + 1;
        const int64_t s = a.strides[i];
        if (a.autoPad == AutoPad::SameUpper || a.autoPad == AutoPad::SameLower) {
            // ONNX: output = ceil(in / stride); the padding that needs is split evenly, the odd
            // one at the end (SAME_UPPER) or at the beginning (SAME_LOWER).
            const int64_t out = (in + s - 1) / s;
            const int64_t total = std::max<int64_t>(0, (out - 1) * s + extent - in);
            const int64_t small = total / 2, large = total - small;
            w.pads[i] = a.autoPad == AutoPad::SameUpper ? small : large;
            w.pads[i + n] = a.autoPad == AutoPad::SameUpper ? large : small;
            w.output[i] = out;
            continue;
        }
        const int64_t avail = in + w.pads[i] + w.pads[i + n] - extent;
        if (avail < 0)
            return makeError(ErrorCode::ShapeMismatch, "spatial dim ", i, " of size ", in,
                             " (padded ", in + w.pads[i] + w.pads[i + n],
                             ") is smaller than the window extent ", extent);
        int64_t out = (a.ceilMode ? (avail + s - 1) / s : avail / s) + 1;
        // Ceil mode: a last window that would start in the end padding is dropped (PyTorch,
        // ONNX Runtime and the ONNX reference agree).
        if (a.ceilMode && (out - 1) * s >= in + w.pads[i]) --out;
        w.output[i] = out;
    }
    return w;
}

Geometry3d toGeometry3d(const std::vector<int64_t>& in, const std::vector<int64_t>& out,
                        const WindowAttrs& a, const std::vector<int64_t>& pads) {
    Geometry3d g;
    const size_t n = in.size();
    const size_t off = 3 - n;
    for (size_t i = 0; i < n; ++i) {
        g.in[off + i] = in[i];
        g.out[off + i] = out[i];
        g.kernel[off + i] = a.kernel[i];
        g.stride[off + i] = a.strides[i];
        g.dilation[off + i] = a.dilations[i];
        g.padBegin[off + i] = pads[i];
    }
    return g;
}

FusedClamp fusedClamp(const NodeAttributes& attrs) {
    const float inf = std::numeric_limits<float>::infinity();
    return {attrs.getFloat("qs_clip_min", -inf), attrs.getFloat("qs_clip_max", inf)};
}

Result<ConvTransposeSetup> resolveConvTranspose(const NodeAttributes& node, const Shape& x,
                                                const Shape& w) {
    ConvTransposeSetup s;
    if (x.size() < 3)
        return makeError(ErrorCode::InvalidModel, "input 0 has ", x.size(),
                         " dims, expected at least 3 (N, C, spatial...)");
    if (w.size() != x.size())
        return makeError(ErrorCode::ShapeMismatch, "weights have ", w.size(),
                         " dims, the input has ", x.size());
    const size_t rank = x.size() - 2;
    s.group = node.getInt("group", 1);
    if (s.group < 1)
        return makeError(ErrorCode::InvalidModel, "group ", s.group, " is not positive");
    s.batch = x[0];
    s.inC = x[1];
    s.outC = w[1] < 0 ? -1 : w[1] * s.group;
    if (s.inC >= 0 && w[0] >= 0 && s.inC != w[0])
        return makeError(ErrorCode::ShapeMismatch, "input has ", s.inC,
                         " channels, the weights have ", w[0]);
    if (w[0] >= 0 && w[0] % s.group != 0)
        return makeError(ErrorCode::InvalidModel, "weights have ", w[0],
                         " input channels, not divisible by group ", s.group);
    s.inSpatial.assign(x.begin() + 2, x.end());
    QS_ASSIGN(WindowAttrs raw, readWindowAttrs(node));
    std::vector<int64_t> wKernel(w.begin() + 2, w.end());
    if (std::any_of(wKernel.begin(), wKernel.end(), [](int64_t d) { return d < 0; }))
        wKernel = raw.kernel;
    QS_ASSIGN(WindowAttrs a, completeWindowAttrs(raw, int(rank), wKernel));
    s.kernel = a.kernel;
    s.strides = a.strides;
    s.dilations = a.dilations;
    std::vector<int64_t> outPad = node.getInts("output_padding");
    if (outPad.empty()) outPad.assign(rank, 0);
    if (outPad.size() != rank)
        return makeError(ErrorCode::InvalidModel, "output_padding has ", outPad.size(),
                         " entries for ", rank, " spatial dims");
    std::vector<int64_t> outShape = node.getInts("output_shape");
    if (outShape.size() == rank + 2) outShape.erase(outShape.begin(), outShape.begin() + 2);
    if (!outShape.empty() && outShape.size() != rank)
        return makeError(ErrorCode::InvalidModel, "output_shape has ", outShape.size(),
                         " entries for ", rank, " spatial dims");
    s.outSpatial.assign(rank, -1);
    s.padBegin.assign(rank, 0);
    for (size_t i = 0; i < rank; ++i) {
        if (outPad[i] < 0 || (outPad[i] >= s.strides[i] && outPad[i] >= s.dilations[i]))
            return makeError(ErrorCode::InvalidModel, "output_padding ", outPad[i],
                             " must be smaller than the stride ", s.strides[i], " or the dilation ",
                             s.dilations[i]);
        const int64_t in = s.inSpatial[i];
        if (in < 0) continue;
        const int64_t extent = (s.kernel[i] - 1) * s.dilations[i] + 1;
        const int64_t full = s.strides[i] * (in - 1) + outPad[i] + extent;
        const bool same = a.autoPad == AutoPad::SameUpper || a.autoPad == AutoPad::SameLower;
        if (!outShape.empty() || same) {
            const int64_t out = !outShape.empty() ? outShape[i] : in * s.strides[i];
            if (out < 0)
                return makeError(ErrorCode::InvalidModel, "output_shape has a negative entry ",
                                 out);
            const int64_t total = std::max<int64_t>(0, full - out);
            s.padBegin[i] = a.autoPad == AutoPad::SameUpper ? total / 2 : total - total / 2;
            s.outSpatial[i] = out;
        } else {
            const int64_t pb = a.autoPad == AutoPad::Valid ? 0 : a.pads[i];
            const int64_t pe = a.autoPad == AutoPad::Valid ? 0 : a.pads[i + rank];
            s.padBegin[i] = pb;
            s.outSpatial[i] = full - pb - pe;
            if (s.outSpatial[i] < 0)
                return makeError(ErrorCode::ShapeMismatch, "pads ", pb, "+", pe,
                                 " exceed the output size ", full, " in spatial dim ", i);
        }
    }
    return s;
}

} // namespace qs
