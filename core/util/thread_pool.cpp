#include "util/thread_pool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace qs {

namespace {
// Set while a thread runs a chunk: a nested parallelFor then runs inline instead of deadlocking.
thread_local bool t_insideJob = false;

struct InsideJob {
    InsideJob()
        : m_outer(t_insideJob) {
        t_insideJob = true;
    }
    ~InsideJob() { t_insideJob = m_outer; }
    InsideJob(const InsideJob&) = delete;
    InsideJob& operator=(const InsideJob&) = delete;

private:
    bool m_outer;
};
inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#else
    std::this_thread::yield();
#endif
}

// Spins until done() or kSpinMicros have passed; returns done().
template <class Done> bool spinFor(Done done) {
    if (done()) return true;
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::microseconds(ThreadPool::kSpinMicros);
    for (;;) {
        for (int i = 0; i < 32; ++i) {
            cpuRelax();
            if (done()) return true;
        }
        // Let other runnable threads have the core (a no-op on an idle machine).
        std::this_thread::yield();
        if (std::chrono::steady_clock::now() >= deadline) return done();
    }
}
int64_t nowNanos() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
} // namespace

ThreadPool::ThreadPool(int threads) {
    if (threads <= 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));
    m_threadCount = threads;
    for (int i = 1; i < threads; ++i) m_workers.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
        m_stopping.store(true, std::memory_order_release);
    }
    m_wake.notify_all();
    for (auto& t : m_workers) t.join();
}

void ThreadPool::parallelFor(int64_t n, int64_t grain,
                             const std::function<void(int64_t, int64_t)>& fn) {
    if (n <= 0) return;
    grain = std::max<int64_t>(1, grain);
    if (m_threadCount == 1 || n <= grain || t_insideJob ||
        nowNanos() < m_soloUntil.load(std::memory_order_relaxed)) {
        fn(0, n);
        return;
    }
    // Up to 4 chunks per thread for balance, each at least 'grain'.
    const int64_t maxChunks =
        std::min<int64_t>((n + grain - 1) / grain, int64_t(m_threadCount) * 4);
    runChunks(n, (n + maxChunks - 1) / maxChunks, fn);
}

void ThreadPool::forEach(int64_t n, const std::function<void(int64_t)>& fn) {
    if (n <= 0) return;
    const std::function<void(int64_t, int64_t)> items = [&fn](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) fn(i);
    };
    if (m_threadCount == 1 || n == 1 || t_insideJob) {
        InsideJob inside;
        items(0, n);
        return;
    }
    runChunks(n, 1, items);
}

bool ThreadPool::insideJob() {
    return t_insideJob;
}

void ThreadPool::runChunks(int64_t n, int64_t chunk,
                           const std::function<void(int64_t, int64_t)>& fn) {
    const int64_t chunks = (n + chunk - 1) / chunk;
    bool wake;
    {
        std::lock_guard lock(m_mutex);
        m_job = &fn;
        m_jobN = n;
        m_chunk = chunk;
        m_chunks = chunks;
        m_nextChunk = 0;
        m_unfinished.store(chunks, std::memory_order_relaxed);
        ++m_generation;
        m_published.store(m_generation, std::memory_order_release);
        wake = m_sleepers > 0;
    }
    if (wake) m_wake.notify_all();
    // The caller works too.
    int64_t ownChunks = 0;
    const int64_t start = nowNanos();
    for (;;) {
        int64_t c;
        {
            std::lock_guard lock(m_mutex);
            if (m_nextChunk >= m_chunks) break;
            c = m_nextChunk++;
        }
        {
            InsideJob inside;
            fn(c * chunk, std::min(n, (c + 1) * chunk));
        }
        ++ownChunks;
        m_unfinished.fetch_sub(1, std::memory_order_acq_rel);
    }
    // Chunks a worker took may still run: spin a little, then block.
    const int64_t waitStart = nowNanos();
    auto finished = [this] { return m_unfinished.load(std::memory_order_acquire) == 0; };
    if (!spinFor(finished)) {
        std::unique_lock lock(m_mutex);
        m_done.wait(lock, finished);
    }
    const int64_t end = nowNanos(), waited = end - waitStart;
    const int64_t perChunk = ownChunks > 0 ? (waitStart - start) / ownChunks : 0;
    if (waited > kStallMicros * 1000 && waited > 2 * perChunk)
        m_soloUntil.store(end + kSoloMillis * 1000000, std::memory_order_relaxed);
    std::lock_guard lock(m_mutex);
    m_job = nullptr;
}

void ThreadPool::workerLoop(int) {
    uint64_t seen = 0;
    for (;;) {
        // Spin for the next job first (they come in quick succession during a run), then block.
        spinFor([&] {
            return m_published.load(std::memory_order_acquire) != seen ||
                   m_stopping.load(std::memory_order_acquire);
        });
        std::unique_lock lock(m_mutex);
        if (!m_stop && m_generation == seen) {
            ++m_sleepers;
            m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
            --m_sleepers;
        }
        if (m_stop) return;
        seen = m_generation;
        // Whatever is left of the current job (possibly nothing: the caller may have done it all).
        while (m_job && m_nextChunk < m_chunks) {
            const int64_t c = m_nextChunk++;
            const auto* job = m_job;
            const int64_t n = m_jobN, chunk = m_chunk;
            lock.unlock();
            {
                InsideJob inside;
                (*job)(c * chunk, std::min(n, (c + 1) * chunk));
            }
            const bool last = m_unfinished.fetch_sub(1, std::memory_order_acq_rel) == 1;
            lock.lock();
            if (last) m_done.notify_all();
        }
    }
}

} // namespace qs
