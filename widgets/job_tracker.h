// Runs one kind of background job at a time for a QObject and delivers its result on that
// object's thread, dropping stale results: starting a new job (or cancel()) bumps a generation
// id, and a result whose id is no longer current is discarded instead of overwriting newer
// state. The idea follows KDAB hotspot's JobTracker, on QtConcurrent instead of ThreadWeaver.
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>
#include <type_traits>
#include <utility>

namespace qs {

class JobTracker {
public:
    explicit JobTracker(QObject* context)
        : m_context(context) {}
    JobTracker(const JobTracker&) = delete;
    JobTracker& operator=(const JobTracker&) = delete;

    bool isRunning() const { return m_running; }
    quint64 generation() const { return m_generation; }

    // `job()` runs on the global thread pool and must not touch GUI state; `deliver(result)`
    // runs later on the context's thread, only if no other job started in between.
    template <class Job, class Deliver> quint64 start(Job job, Deliver deliver) {
        return start(QThreadPool::globalInstance(), std::move(job), std::move(deliver));
    }

    // The same on a given pool (e.g. one whose threads run at a lower priority).
    template <class Job, class Deliver> quint64 start(QThreadPool* pool, Job job, Deliver deliver) {
        using Result = std::invoke_result_t<Job>;
        const quint64 id = ++m_generation;
        m_running = true;
        auto* watcher = new QFutureWatcher<Result>(m_context);
        QObject::connect(watcher, &QFutureWatcherBase::finished, m_context,
                         [this, id, watcher, deliver = std::move(deliver)]() mutable {
                             watcher->deleteLater();
                             if (id != m_generation) return; // superseded: drop the stale result
                             m_running = false;
                             deliver(watcher->future().takeResult());
                         });
        watcher->setFuture(QtConcurrent::run(pool, std::move(job)));
        return id;
    }

    // Forgets the running job: its result will be dropped. (The job itself runs to its end;
    // jobs that can stop early take a cancel flag of their own.)
    void cancel() {
        ++m_generation;
        m_running = false;
    }

private:
    QObject* m_context;
    quint64 m_generation = 0;
    bool m_running = false;
};

} // namespace qs
