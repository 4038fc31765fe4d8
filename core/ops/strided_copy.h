// Dense copy of a strided view: the one data-movement kernel behind Slice (offset and step
// strides, negative for reversed slices), Transpose (permuted strides), Expand and Tile
// (stride 0 on broadcast or repeated dims). Works on raw elements of 1, 2, 4 or 8 bytes, so
// every dtype moves through the same code.
#pragma once

#include "ir/tensor.h"
#include "util/thread_pool.h"

#include <vector>

namespace qs {

// dst[i0, ..., ik] (dense, row-major over `shape`) = src[i0 * srcStrides[0] + ... + ik *
// srcStrides[k]], strides counted in elements. `src` points at the element of index (0, ..., 0).
// elemSize must be 1, 2, 4 or 8.
void copyStrided(void* dst, const void* src, size_t elemSize, const Shape& shape,
                 const std::vector<int64_t>& srcStrides, ThreadPool& pool);

} // namespace qs
