#include "util/thread_pool.h"

#include <algorithm>

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
    }
    m_wake.notify_all();
    for (auto& t : m_workers) t.join();
}

void ThreadPool::parallelFor(int64_t n, int64_t grain,
                             const std::function<void(int64_t, int64_t)>& fn) {
    if (n <= 0) return;
    grain = std::max<int64_t>(1, grain);
    if (m_threadCount == 1 || n <= grain || t_insideJob) {
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
    {
        std::unique_lock lock(m_mutex);
        m_job = &fn;
        m_jobN = n;
        m_chunk = chunk;
        m_chunks = chunks;
        m_nextChunk = 0;
        m_busy = 0;
        ++m_generation;
    }
    m_wake.notify_all();
    // The caller works too.
    for (;;) {
        int64_t c;
        {
            std::lock_guard lock(m_mutex);
            if (m_nextChunk >= m_chunks) break;
            c = m_nextChunk++;
        }
        InsideJob inside;
        fn(c * chunk, std::min(n, (c + 1) * chunk));
    }
    std::unique_lock lock(m_mutex);
    m_done.wait(lock, [this] { return m_busy == 0 && m_nextChunk >= m_chunks; });
    m_job = nullptr;
}

void ThreadPool::workerLoop(int) {
    uint64_t seen = 0;
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [&] { return m_stop || (m_generation != seen && m_job); });
        if (m_stop) return;
        seen = m_generation;
        while (m_job && m_nextChunk < m_chunks) {
            const int64_t c = m_nextChunk++;
            const auto* job = m_job;
            const int64_t n = m_jobN, chunk = m_chunk;
            ++m_busy;
            lock.unlock();
            {
                InsideJob inside;
                (*job)(c * chunk, std::min(n, (c + 1) * chunk));
            }
            lock.lock();
            --m_busy;
        }
        if (m_busy == 0) m_done.notify_all();
    }
}

} // namespace qs
