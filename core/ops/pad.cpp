// Pad with modes constant, reflect, edge (and wrap, opset 19). Pads are an attribute before
// opset 11 and an input from 11 (with an optional constant_value input, and an axes input
// from 18). Negative pads crop; as in ONNX Runtime the crop happens first, and reflect/edge
// then pad the cropped tensor.
#include "ops/op.h"

#include <algorithm>
#include <cstring>

namespace qs {
namespace {

enum class PadMode { Constant, Reflect, Edge, Wrap };

Result<PadMode> padMode(const NodeAttributes& attrs, int64_t opset) {
    const std::string mode = attrs.getString("mode", "constant");
    if (mode == "constant") return PadMode::Constant;
    if (mode == "reflect") return PadMode::Reflect;
    if (mode == "edge") return PadMode::Edge;
    if (mode == "wrap" && opset >= 19) return PadMode::Wrap;
    return makeError(ErrorCode::Unsupported, "pad mode '", mode, "' is not supported");
}

// Pads per dim as [begin..., end...] of length 2 * rank, from the attribute or inputs 1 and 3.
Result<std::vector<int64_t>> fullPads(const NodeAttributes& attrs, int64_t opset, int rank,
                                      const Tensor* padsInput, const Tensor* axesInput) {
    std::vector<int64_t> pads;
    if (opset < 11)
        pads = attrs.getInts(opset < 2 ? "paddings" : "pads");
    else
        pads = padsInput->toInt64Vector();
    if (!axesInput) {
        if (int(pads.size()) != 2 * rank)
            return makeError(ErrorCode::InvalidModel, "pads has ", pads.size(),
                             " entries, expected ", 2 * rank);
        return pads;
    }
    const std::vector<int64_t> axes = axesInput->toInt64Vector();
    if (pads.size() != 2 * axes.size())
        return makeError(ErrorCode::InvalidModel, "pads has ", pads.size(), " entries for ",
                         axes.size(), " axes");
    std::vector<int64_t> full(size_t(2 * rank), 0);
    for (size_t i = 0; i < axes.size(); ++i) {
        QS_ASSIGN(int axis, normalizeAxis(axes[i], rank));
        full[size_t(axis)] = pads[i];
        full[size_t(axis + rank)] = pads[i + axes.size()];
    }
    return full;
}

Result<std::vector<int64_t>> padsOf(const NodeAttributes& attrs, int64_t opset, int rank,
                                    const std::vector<const Tensor*>& values) {
    return fullPads(attrs, opset, rank, values[1], opset >= 18 ? values[3] : nullptr);
}

Status inferPad(InferContext& ctx) {
    QS_TRY(ctx.opset() < 11 ? ctx.requireInputs(1, 1)
                            : ctx.requireInputs(2, ctx.opset() < 18 ? 3 : 4));
    QS_TRY(padMode(ctx, ctx.opset()).status());
    std::vector<const Tensor*> values(4, nullptr);
    for (int i : {1, 3}) {
        if (ctx.opset() < 11 || !ctx.hasInput(i)) continue;
        QS_TRY(ctx.requireType(i, {DataType::I64, DataType::I32}));
        values[size_t(i)] = ctx.inputValue(i);
        if (!values[size_t(i)]) return InferContext::valueNotKnown(i);
    }
    if (ctx.opset() >= 11 && ctx.hasInput(2) && ctx.inputType(2) != ctx.inputType(0))
        return ctx.fail(ErrorCode::TypeMismatch,
                        std::string("constant_value has type ") + dataTypeName(ctx.inputType(2)) +
                            ", the data has " + dataTypeName(ctx.inputType(0)));
    const TensorInfo& in = ctx.inputInfo(0);
    if (!in.shapeKnown) {
        ctx.outputs()[0] = TensorInfo{in.dtype, {}, false};
        return {};
    }
    const int rank = int(in.shape.size());
    QS_ASSIGN(std::vector<int64_t> pads, padsOf(ctx, ctx.opset(), rank, values));
    Shape out = in.shape;
    for (int d = 0; d < rank; ++d) {
        if (out[size_t(d)] < 0) continue;
        out[size_t(d)] += pads[size_t(d)] + pads[size_t(d + rank)];
        if (out[size_t(d)] < 0)
            return makeError(ErrorCode::InvalidModel, "pads crop dim ", d, " of size ",
                             in.shape[size_t(d)], " below zero");
    }
    if (in.isFullyKnown()) QS_TRY(checkedNumel(out).status());
    ctx.setOutput(0, in.dtype, std::move(out));
    return {};
}

// For every output index along one dim, the input index it reads, or -1 for the constant.
Result<std::vector<int64_t>> indexMap(int64_t dim, int64_t begin, int64_t end, PadMode mode) {
    const int64_t lo = std::max<int64_t>(0, -begin);           // first input index kept
    const int64_t len = dim - lo - std::max<int64_t>(0, -end); // input indices kept
    const int64_t before = std::max<int64_t>(0, begin);
    const int64_t outDim = dim + begin + end;
    if (len <= 0 && mode != PadMode::Constant && outDim > 0)
        return makeError(ErrorCode::InvalidArgument,
                         "cannot pad an empty dim in reflect, edge or wrap mode");
    std::vector<int64_t> map(size_t(std::max<int64_t>(outDim, 0)));
    for (int64_t o = 0; o < outDim; ++o) {
        int64_t j = o - before; // index into the kept range
        if (j < 0 || j >= len) {
            switch (mode) {
            case PadMode::Constant:
                j = -1;
                break;
            case PadMode::Edge:
                j = std::clamp<int64_t>(j, 0, len - 1);
                break;
            case PadMode::Wrap:
                j = ((j % len) + len) % len;
                break;
            case PadMode::Reflect: {
                // numpy's 'reflect': mirror about the edge elements, repeating with period
                // 2(len-1).
                if (len == 1) {
                    j = 0;
                    break;
                }
                const int64_t period = 2 * (len - 1);
                j = ((j % period) + period) % period;
                if (j >= len) j = period - j;
                break;
            }
            }
        }
        map[size_t(o)] = j < 0 ? -1 : lo + j;
    }
    return map;
}

template <class T>
void padRows(const Tensor& in, Tensor& out, const std::vector<std::vector<int64_t>>& maps, T value,
             int64_t rowBegin, int64_t rowEnd) {
    const int rank = in.rank();
    const std::vector<int64_t> inStrides = stridesOf(in.shape());
    const std::vector<int64_t>& last = maps.back();
    const int64_t width = out.dim(rank - 1);
    const T* src = static_cast<const T*>(in.rawData());
    for (int64_t row = rowBegin; row < rowEnd; ++row) {
        T* dst = static_cast<T*>(out.rawData()) + row * width;
        int64_t offset = 0;
        bool constantRow = false;
        int64_t rest = row;
        for (int d = rank - 2; d >= 0; --d) {
            const int64_t i = maps[size_t(d)][size_t(rest % out.dim(d))];
            rest /= out.dim(d);
            if (i < 0)
                constantRow = true;
            else
                offset += i * inStrides[size_t(d)];
        }
        if (constantRow) {
            std::fill_n(dst, width, value);
            continue;
        }
        for (int64_t x = 0; x < width; ++x)
            dst[x] = last[size_t(x)] < 0 ? value : src[offset + last[size_t(x)]];
    }
}

Status computePad(KernelContext& ctx) {
    const Tensor& in = ctx.input(0);
    Tensor& out = ctx.allocateOutput(0);
    if (out.numel() == 0) return {};
    if (in.rank() == 0) {
        std::memcpy(out.rawData(), in.rawData(), in.byteSize());
        return {};
    }
    QS_ASSIGN(PadMode mode, padMode(ctx, ctx.opset()));
    std::vector<const Tensor*> values(4, nullptr);
    for (int i = 1; i < std::min(ctx.numInputs(), 4); ++i) values[size_t(i)] = ctx.inputOrNull(i);
    QS_ASSIGN(std::vector<int64_t> pads, padsOf(ctx, ctx.opset(), in.rank(), values));
    std::vector<std::vector<int64_t>> maps;
    for (int d = 0; d < in.rank(); ++d) {
        QS_ASSIGN(std::vector<int64_t> map,
                  indexMap(in.dim(d), pads[size_t(d)], pads[size_t(d + in.rank())], mode));
        maps.push_back(std::move(map));
    }
    // The pad value in the data's type: the float attribute before opset 11, else input 2 (0 when
    // absent).
    Tensor value = Tensor::zeros(in.dtype(), {});
    if (ctx.opset() < 11)
        value = Tensor::scalar<float>(ctx.getFloat("value", 0.0f)).castTo(in.dtype());
    else if (values[2] && values[2]->numel() > 0)
        value = *values[2];
    const int64_t rows = out.numel() / out.dim(-1);
    const int64_t grain = std::max<int64_t>(1, 16384 / out.dim(-1));
    ctx.pool().parallelFor(rows, grain, [&](int64_t begin, int64_t end) {
        switch (dataTypeSize(in.dtype())) {
        case 1:
            padRows(in, out, maps, *static_cast<const uint8_t*>(value.rawData()), begin, end);
            break;
        case 2:
            padRows(in, out, maps, *static_cast<const uint16_t*>(value.rawData()), begin, end);
            break;
        case 4:
            padRows(in, out, maps, *static_cast<const uint32_t*>(value.rawData()), begin, end);
            break;
        default:
            padRows(in, out, maps, *static_cast<const uint64_t*>(value.rawData()), begin, end);
            break;
        }
    });
    return {};
}

} // namespace

extern const OpDef kOpPad{.type = "Pad", .infer = inferPad, .compute = computePad};

} // namespace qs
