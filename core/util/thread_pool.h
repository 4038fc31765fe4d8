// A small fixed-size pool for data-parallel kernels. parallelFor splits [0, n) into contiguous
// chunks whose boundaries depend only on n, the grain and the thread count; kernels must
// make every output element's arithmetic independent of the chunking so results do not
// depend on the thread count.
// Workers spin for a short while (kSpinMicros) after a job before they block, and the caller
// spins while the last chunks finish: an inference issues a parallelFor every few tens of
// microseconds, and waking a blocked thread (futex + scheduler, an idle vCPU) costs about as
// much as the work of a small node, which made a second thread slower than one.
// On a machine busier than its cores (other processes runnable), a worker may be preempted in
// the middle of a chunk and the caller then waits for a whole scheduler time slice. When the
// caller's wait for the workers' last chunks exceeds kStallMicros (and twice its own chunks'
// time), the pool runs the next jobs on the caller alone for kSoloMillis, then tries again.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace qs {

class ThreadPool {
public:
    // threads <= 0: one per hardware thread.
    explicit ThreadPool(int threads = 1);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int threadCount() const { return m_threadCount; }

    static constexpr int64_t kSpinMicros = 500;
    static constexpr int64_t kStallMicros = 300;
    static constexpr int64_t kSoloMillis = 30;

    // Calls fn(begin, end) on disjoint ranges covering [0, n), each at least `grain` long
    // (except possibly the last), using up to threadCount() threads including the caller.
    // Blocks until all ranges are done. Not re-entrant from inside fn (nested calls run inline).
    void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

    // Calls fn(i) for every i in [0, n), handing out one index at a time to whichever thread is
    // free: for independent work items of uneven cost (put the costly ones first). Kernels
    // called inside fn run on their calling thread (nested calls run inline), so per-item
    // arithmetic is that of one thread. Blocks until all items are done.
    void forEach(int64_t n, const std::function<void(int64_t)>& fn);

    // True on a thread that is running a chunk or item of some pool: a parallelFor there runs
    // inline, so an executor created for such work needs no threads of its own.
    static bool insideJob();

private:
    void workerLoop(int index);
    void runChunks(int64_t n, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn);

    int m_threadCount = 1;
    std::vector<std::thread> m_workers;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_done;
    const std::function<void(int64_t, int64_t)>* m_job = nullptr;
    int64_t m_jobN = 0;
    int64_t m_chunk = 0;
    int64_t m_chunks = 0;
    int64_t m_nextChunk = 0;
    uint64_t m_generation = 0;
    bool m_stop = false;
    int m_sleepers = 0; // workers blocked on m_wake
    // Lock-free mirrors for the spinning phases: the last generation published, the chunks of
    // the current job not finished yet, and m_stop.
    std::atomic<uint64_t> m_published{0};
    std::atomic<int64_t> m_unfinished{0};
    std::atomic<bool> m_stopping{false};
    // steady_clock nanoseconds until which parallelFor runs on the caller alone (see above).
    std::atomic<int64_t> m_soloUntil{0};
};

} // namespace qs
