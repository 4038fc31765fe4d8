// Numpy-style broadcasting iteration shared by the elementwise ops (binary, variadic, Where,
// PRelu). Dims are merged where every input broadcasts the same way, so the common cases
// (same shape, scalar operand, per-channel [N,C,H,W] with [1,C,1,1]) become contiguous runs in
// which each input advances by 0 or 1 element: the inner loops do no index arithmetic.
#pragma once

#include "ir/tensor.h"
#include "util/thread_pool.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <initializer_list>

namespace qs {

// Elementwise loops are split across threads only in pieces of at least this many elements.
constexpr int64_t kElementwiseGrain = 16384;

class BroadcastPlan {
public:
    static constexpr int kMaxInputs = 3;

    // Each input shape must broadcast to `out` (checked by the op's infer()).
    BroadcastPlan(const Shape& out, std::initializer_list<const Shape*> inputs)
        : m_inputCount(int(inputs.size())) {
        assert(m_inputCount <= kMaxInputs);
        const size_t rank = out.size();
        // Per output dim (size-1 dims dropped): its size and each input's element stride.
        std::vector<int64_t> dims;
        std::vector<std::array<int64_t, kMaxInputs>> strides;
        std::array<int64_t, kMaxInputs> running{1, 1, 1};
        std::vector<std::array<int64_t, kMaxInputs>> allStrides(rank);
        for (size_t d = rank; d-- > 0;) {
            int k = 0;
            for (const Shape* in : inputs) {
                const size_t inRank = in->size();
                const size_t lead = rank - inRank;
                const int64_t inDim = d < lead ? 1 : (*in)[d - lead];
                allStrides[d][size_t(k)] = inDim == 1 ? 0 : running[size_t(k)];
                running[size_t(k)] *= inDim;
                ++k;
            }
        }
        for (size_t d = 0; d < rank; ++d) {
            if (out[d] == 1) continue;
            const auto& s = allStrides[d];
            // Merge into the previous dim when every input is either broadcast in both or
            // contiguous across both.
            bool merge = !dims.empty();
            for (int k = 0; merge && k < m_inputCount; ++k) {
                const int64_t prev = strides.back()[size_t(k)];
                const int64_t cur = s[size_t(k)];
                merge = (prev == 0 && cur == 0) || (prev != 0 && cur != 0 && prev == cur * out[d]);
            }
            if (merge) {
                dims.back() *= out[d];
                strides.back() = s;
            } else {
                dims.push_back(out[d]);
                strides.push_back(s);
            }
        }
        if (dims.empty()) { // scalar output (or all dims 1)
            dims.push_back(1);
            strides.push_back({0, 0, 0});
        }
        m_inner = dims.back();
        for (int k = 0; k < m_inputCount; ++k)
            m_innerStride[size_t(k)] = strides.back()[size_t(k)] ? 1 : 0;
        m_outerDims.assign(dims.begin(), dims.end() - 1);
        m_outerStrides.assign(strides.begin(), strides.end() - 1);
    }

    int64_t inner() const { return m_inner; }
    // 0 (broadcast) or 1 (contiguous) within a run.
    int64_t innerStride(int k) const { return m_innerStride[size_t(k)]; }

    // Calls fn(outOffset, inOffsets, len) for the contiguous runs covering output elements
    // [begin, end): within a run, input k is at inOffsets[k] + i * innerStride(k).
    template <class Fn> void forRange(int64_t begin, int64_t end, Fn&& fn) const {
        if (begin >= end || m_inner == 0) return;
        const size_t outer = m_outerDims.size();
        std::array<int64_t, 8> smallIndex{};
        std::vector<int64_t> bigIndex;
        int64_t* index = smallIndex.data();
        if (outer > smallIndex.size()) {
            bigIndex.assign(outer, 0);
            index = bigIndex.data();
        }
        int64_t row = begin / m_inner;
        int64_t col = begin % m_inner;
        std::array<int64_t, kMaxInputs> rowOffsets{0, 0, 0};
        for (size_t d = outer; d-- > 0;) {
            index[d] = row % m_outerDims[d];
            row /= m_outerDims[d];
            for (int k = 0; k < m_inputCount; ++k)
                rowOffsets[size_t(k)] += index[d] * m_outerStrides[d][size_t(k)];
        }
        int64_t pos = begin;
        while (true) {
            std::array<int64_t, kMaxInputs> offsets;
            for (int k = 0; k < m_inputCount; ++k)
                offsets[size_t(k)] = rowOffsets[size_t(k)] + col * m_innerStride[size_t(k)];
            const int64_t len = std::min(m_inner - col, end - pos);
            fn(pos, offsets.data(), len);
            pos += len;
            if (pos >= end) break;
            col = 0;
            for (size_t d = outer; d-- > 0;) {
                for (int k = 0; k < m_inputCount; ++k)
                    rowOffsets[size_t(k)] += m_outerStrides[d][size_t(k)];
                if (++index[d] < m_outerDims[d]) break;
                for (int k = 0; k < m_inputCount; ++k)
                    rowOffsets[size_t(k)] -= m_outerStrides[d][size_t(k)] * m_outerDims[d];
                index[d] = 0;
            }
        }
    }

private:
    int m_inputCount;
    int64_t m_inner = 1;
    std::array<int64_t, kMaxInputs> m_innerStride{0, 0, 0};
    std::vector<int64_t> m_outerDims;
    std::vector<std::array<int64_t, kMaxInputs>> m_outerStrides;
};

// One contiguous run of a binary op; the branches let the compiler vectorise each case.
template <class TA, class TB, class R, class Op>
inline void binaryRun(const TA* a, int64_t sa, const TB* b, int64_t sb, R* y, int64_t n,
                      const Op& op) {
    if (sa && sb) {
        for (int64_t i = 0; i < n; ++i) y[i] = op(a[i], b[i]);
    } else if (sa) {
        const TB bv = *b;
        for (int64_t i = 0; i < n; ++i) y[i] = op(a[i], bv);
    } else if (sb) {
        const TA av = *a;
        for (int64_t i = 0; i < n; ++i) y[i] = op(av, b[i]);
    } else {
        const R v = op(*a, *b);
        std::fill(y, y + n, v);
    }
}

// y = op(a, b) with broadcasting; y is allocated with the broadcast shape. y may be a itself
// (same shape), as every element is read before it is written.
template <class TA, class TB, class R, class Op>
void broadcastBinary(const Tensor& a, const Tensor& b, Tensor& y, ThreadPool& pool, const Op& op) {
    const BroadcastPlan plan(y.shape(), {&a.shape(), &b.shape()});
    const TA* pa = a.data<TA>();
    const TB* pb = b.data<TB>();
    R* py = y.data<R>();
    const int64_t sa = plan.innerStride(0), sb = plan.innerStride(1);
    pool.parallelFor(y.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
        plan.forRange(begin, end, [&](int64_t o, const int64_t* offs, int64_t len) {
            binaryRun(pa + offs[0], sa, pb + offs[1], sb, py + o, len, op);
        });
    });
}

} // namespace qs
