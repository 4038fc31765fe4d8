// Runs QuantRunner on a worker thread for the main window: one run at a time, progress polled
// from an atomic (the worker never touches GUI objects), Cancel through a flag the core polls,
// and the JobTracker generation guard so that a run of a model that was since replaced never
// delivers. Keeps the last result and the one before it, for deltas.
#pragma once

#include "job_tracker.h"
#include "quant_run.h"

#include <QObject>
#include <QThreadPool>
#include <QTimer>
#include <memory>
#include <mutex>

namespace qs {

// Progress shared between the worker (writes) and the GUI thread (reads).
class SharedProgress : public CancelFlag {
public:
    void report(double fraction, std::string_view what) override;
    double fraction() const { return m_fraction.load(std::memory_order_relaxed); }
    QString what() const;

private:
    std::atomic<double> m_fraction{0.0};
    mutable std::mutex m_mutex;
    std::string m_what;
};

// Lowers the calling worker thread's scheduling priority once (Linux: per-thread nice), so the
// GUI thread wins the CPU whenever both want it. For threads that only run background jobs.
void lowerWorkerThreadPriority();

class RunController : public QObject {
    Q_OBJECT

public:
    explicit RunController(QObject* parent = nullptr);
    ~RunController() override; // asks a running run to stop

    // The model runs use; drops the results and abandons a running run.
    void setModel(std::shared_ptr<const Graph> graph);
    // Starts a run; false (and nothing happens) without a model or while one runs.
    // A calibrationPath that is a folder is read as images with `imageOptions` on the worker.
    bool start(const QuantConfig& config, const QString& calibrationPath,
               AnalysisDepth depth = AnalysisDepth::Full,
               const ImageFolderOptions& imageOptions = {});
    // Asks the running run to stop; cancelled() follows once the worker has stopped.
    void cancel();
    bool isRunning() const { return m_job.isRunning(); }
    bool isCancelling() const { return m_cancelling; }

    std::shared_ptr<const QuantRunResult> current() const { return m_current; }
    std::shared_ptr<const QuantRunResult> previous() const { return m_previous; }
    // Shows a result computed earlier (a reopened project) as the current one, without
    // running: succeeded() follows as after a run. Ignored while a run is under way.
    void restore(QuantRunResult result);
    // Settings changed after the current result was computed.
    bool isStale() const { return m_stale; }
    void markStale();

signals:
    void started();
    void progressChanged(double fraction, const QString& what);
    void succeeded();
    void failed(const QString& message);
    void cancelled();
    void staleChanged(bool stale);

private:
    void deliver(QuantRunResult result);

    QThreadPool m_pool; // one thread, below the GUI thread's priority
    JobTracker m_job{this};
    std::shared_ptr<const Graph> m_graph;
    std::shared_ptr<SharedProgress> m_progress;
    QTimer m_poll;
    std::shared_ptr<const QuantRunResult> m_current;
    std::shared_ptr<const QuantRunResult> m_previous;
    bool m_stale = false;
    bool m_cancelling = false;
};

} // namespace qs
