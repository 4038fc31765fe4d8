// Small pieces the layer-wise analyses share (sensitivity, error propagation, the what-if
// session): one definition of SQNR from accumulated powers, a hook that keeps every value, the
// batch concatenation of cached activations, and the loop over independent work items.
#pragma once

#include "exec/executor.h"
#include "ir/tensor.h"
#include "util/progress.h"
#include "util/thread_pool.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
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

// Threads for an executor made for one work item: inside a pool's job its kernels run inline
// anyway, so it gets no threads of its own.
inline int itemThreads(int threads) {
    return ThreadPool::insideJob() ? 1 : threads;
}

// work(i) for every i in [0, n) on `threads` threads, one item at a time to whichever thread is
// free (list the costly items first). Items must be independent and write only their own
// results, so the results do not depend on the thread count. Progress: before each item,
// report(items started / n, label(i)) and a check for cancellation (serialised). After a
// failure the items not yet started are skipped; returns the failure of the lowest item that
// failed.
inline Status forEachItem(int threads, size_t n, Progress* progress,
                          const std::function<std::string(size_t)>& label,
                          const std::function<Status(size_t)>& work) {
    std::vector<Status> status(n);
    std::atomic<bool> failed{false};
    std::mutex mutex;
    size_t started = 0;
    ThreadPool pool(threads);
    pool.forEach(int64_t(n), [&](int64_t item) {
        const size_t i = size_t(item);
        if (failed.load(std::memory_order_relaxed)) return;
        if (progress) {
            std::lock_guard lock(mutex);
            if (progress->isCancelled()) {
                status[i] = Error(ErrorCode::Cancelled, "cancelled");
                failed = true;
                return;
            }
            progress->report(double(started++) / double(n), label(i));
        }
        status[i] = work(i);
        if (!status[i]) failed = true;
    });
    for (Status& s : status)
        if (!s) return s;
    return {};
}

} // namespace qs
