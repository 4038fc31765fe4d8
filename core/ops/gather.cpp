// Gather along any axis with i32 or i64 indices (negative ones count from the back), for any
// element type: each index selects a contiguous block of the data for every outer index.
#include "ops/op.h"

#include <algorithm>
#include <cstring>

namespace qs {
namespace {

Status inferGather(InferContext& ctx) {
    QS_TRY(ctx.requireInputs(2, 2));
    QS_TRY(ctx.requireType(1, {DataType::I64, DataType::I32}));
    const TensorInfo &data = ctx.inputInfo(0), &indices = ctx.inputInfo(1);
    if (!data.shapeKnown || !indices.shapeKnown) {
        ctx.outputs()[0] = TensorInfo{data.dtype, {}, false};
        return {};
    }
    if (data.shape.empty())
        return ctx.fail(ErrorCode::InvalidModel, "input 0 is a scalar, expected rank >= 1");
    QS_ASSIGN(int axis, normalizeAxis(ctx.getInt("axis", 0), int(data.shape.size())));
    Shape out(data.shape.begin(), data.shape.begin() + axis);
    out.insert(out.end(), indices.shape.begin(), indices.shape.end());
    out.insert(out.end(), data.shape.begin() + axis + 1, data.shape.end());
    ctx.setOutput(0, data.dtype, std::move(out));
    return {};
}

// Copies block `src[index]` to each output slot; `T` is a block-sized word when the block is
// one element, else bytes via memcpy.
template <class T>
void gatherBlocks(std::byte* dst, const std::byte* src, const std::vector<int64_t>& index,
                  int64_t axisDim, size_t blockBytes, int64_t begin, int64_t end) {
    const int64_t count = int64_t(index.size());
    for (int64_t k = begin; k < end; ++k) {
        const int64_t outerIndex = k / count, j = k % count;
        const size_t from = size_t(outerIndex * axisDim + index[size_t(j)]);
        if constexpr (std::is_void_v<T>)
            std::memcpy(dst + size_t(k) * blockBytes, src + from * blockBytes, blockBytes);
        else
            reinterpret_cast<T*>(dst)[k] = reinterpret_cast<const T*>(src)[from];
    }
}

Status computeGather(KernelContext& ctx) {
    const Tensor &data = ctx.input(0), &indices = ctx.input(1);
    const int axis = normalizeAxis(ctx.getInt("axis", 0), data.rank()).value();
    const int64_t axisDim = data.dim(axis);
    std::vector<int64_t> index = indices.toInt64Vector();
    for (int64_t& i : index) {
        if (i < -axisDim || i >= axisDim)
            return makeError(ErrorCode::InvalidArgument, "index ", i, " is out of range for axis ",
                             axis, " of size ", axisDim);
        if (i < 0) i += axisDim;
    }
    Tensor& out = ctx.allocateOutput(0);
    int64_t outer = 1;
    size_t blockBytes = dataTypeSize(data.dtype());
    for (int d = 0; d < axis; ++d) outer *= data.dim(d);
    for (int d = axis + 1; d < data.rank(); ++d) blockBytes *= size_t(data.dim(d));
    const int64_t blocks = outer * int64_t(index.size());
    if (blocks == 0 || blockBytes == 0) return {};
    auto* dst = static_cast<std::byte*>(out.rawData());
    const auto* src = static_cast<const std::byte*>(data.rawData());
    const int64_t grain = std::max<int64_t>(1, int64_t(64 * 1024 / blockBytes));
    ctx.pool().parallelFor(blocks, grain, [&](int64_t begin, int64_t end) {
        switch (blockBytes) {
        case 1:
            gatherBlocks<uint8_t>(dst, src, index, axisDim, blockBytes, begin, end);
            break;
        case 2:
            gatherBlocks<uint16_t>(dst, src, index, axisDim, blockBytes, begin, end);
            break;
        case 4:
            gatherBlocks<uint32_t>(dst, src, index, axisDim, blockBytes, begin, end);
            break;
        case 8:
            gatherBlocks<uint64_t>(dst, src, index, axisDim, blockBytes, begin, end);
            break;
        default:
            gatherBlocks<void>(dst, src, index, axisDim, blockBytes, begin, end);
            break;
        }
    });
    return {};
}

} // namespace

extern const OpDef kOpGather{
    .type = "Gather", .infer = inferGather, .compute = computeGather, .foldable = true};

} // namespace qs
