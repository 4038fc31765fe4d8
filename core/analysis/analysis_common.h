// Small pieces the layer-wise analyses share (sensitivity, error propagation, the what-if
// session): one definition of SQNR from accumulated powers, a hook that keeps every value, and
// the batch concatenation of cached activations.
#pragma once

#include "exec/executor.h"
#include "ir/tensor.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace qs {

// Keeps every value of a run alive (the caches read all intermediate tensors).
class KeepAll : public ExecHooks {
public:
    bool keep(ValueId) const override { return true; }
};

// 10·log10(Σ f² / Σ (q − f)²); +inf for an exact result, −inf for a zero signal.
inline double sqnrOf(double signal, double noise) {
    if (noise <= 0.0) return std::numeric_limits<double>::infinity();
    if (signal <= 0.0) return -std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(signal / noise);
}

// N-first tensors (batches) joined along the first dimension as f32.
inline Tensor concatRows(const std::vector<Tensor>& parts) {
    Shape shape = parts[0].shape();
    int64_t rows = 0;
    for (const Tensor& t : parts) rows += t.dim(0);
    shape[0] = rows;
    Tensor all(DataType::F32, shape);
    size_t offset = 0;
    for (const Tensor& t : parts) {
        const Tensor f = t.dtype() == DataType::F32 ? t : t.castTo(DataType::F32);
        std::memcpy(all.data<float>() + offset, f.data<float>(), f.byteSize());
        offset += size_t(f.numel());
    }
    return all;
}

} // namespace qs
