#include "run_controller.h"

#include <QThread>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <algorithm>

namespace qs {

namespace {
// The GUI reads the worker's progress this often; cheap, and well under the 100 ms a user
// notices.
constexpr int kPollMs = 80;
constexpr int kWorkerNice = 10;
// A run is background work: the GUI thread must win the CPU whenever both want it (a busy
// machine otherwise delays its paint and input for 100 ms and more). Linux applies nice values
// per thread; the pool's threads only ever run quantization jobs.
} // namespace

void lowerWorkerThreadPriority() {
#ifdef __linux__
    thread_local bool lowered = false;
    if (lowered) return;
    lowered = true;
    setpriority(PRIO_PROCESS, pid_t(syscall(SYS_gettid)), kWorkerNice);
#endif
}

void SharedProgress::report(double fraction, std::string_view what) {
    m_fraction.store(fraction, std::memory_order_relaxed);
    const std::lock_guard lock(m_mutex);
    m_what.assign(what);
}

QString SharedProgress::what() const {
    const std::lock_guard lock(m_mutex);
    return QString::fromStdString(m_what);
}

RunController::RunController(QObject* parent)
    : QObject(parent) {
#ifdef __GLIBC__
    // As quantscope-cli does: executor runs free and re-allocate the same activation sizes on
    // every batch; glibc would return those pages to the kernel and fault them in again, and
    // the mmap/munmap churn of the worker also stalls the GUI thread's own page faults (one
    // address space). Keep freed memory in the process instead.
    static const bool configured = [] {
        mallopt(M_MMAP_THRESHOLD, 256 << 20);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
        return true;
    }();
    (void)configured;
#endif
    m_pool.setMaxThreadCount(1);
    m_poll.setInterval(kPollMs);
    connect(&m_poll, &QTimer::timeout, this, [this] {
        if (m_progress) emit progressChanged(m_progress->fraction(), m_progress->what());
    });
}

RunController::~RunController() {
    if (m_progress) m_progress->cancel();
}

void RunController::setModel(std::shared_ptr<const Graph> graph) {
    if (m_progress) m_progress->cancel();
    m_job.cancel(); // a run of the old model never delivers
    m_poll.stop();
    m_progress.reset();
    m_cancelling = false;
    m_graph = std::move(graph);
    m_current.reset();
    m_previous.reset();
    if (m_stale) {
        m_stale = false;
        emit staleChanged(false);
    }
}

bool RunController::start(const QuantConfig& config, const QString& calibrationPath,
                          AnalysisDepth depth, const ImageFolderOptions& imageOptions) {
    if (!m_graph || m_job.isRunning()) return false;
    QuantRunRequest request;
    request.graph = m_graph;
    request.config = config;
    // Results do not depend on the thread count (core's rule); one core stays with the GUI
    // thread so that it keeps painting while the run works.
    request.config.threads = std::max(1, QThread::idealThreadCount() - 1);
    request.calibrationPath = calibrationPath;
    request.imageOptions = imageOptions;
    request.analyses = depth != AnalysisDepth::None;
    if (depth != AnalysisDepth::Full) {
        request.mixedBitsBudget = 0;
        request.calibratorSamples = 0; // the calibrator comparison without its output SQNRs
    }
    auto progress = std::make_shared<SharedProgress>();
    m_progress = progress;
    m_cancelling = false;
    m_job.start(
        &m_pool,
        [request, progress] {
            lowerWorkerThreadPriority();
            return QuantRunner::run(request, *progress);
        },
        [this](QuantRunResult result) { deliver(std::move(result)); });
    m_poll.start();
    emit started();
    return true;
}

void RunController::cancel() {
    if (!m_job.isRunning() || !m_progress) return;
    m_cancelling = true;
    m_progress->cancel();
}

void RunController::markStale() {
    if (m_stale || !m_current) return;
    m_stale = true;
    emit staleChanged(true);
}

void RunController::deliver(QuantRunResult result) {
    m_poll.stop();
    m_progress.reset();
    const bool wasCancelling = m_cancelling;
    m_cancelling = false;
    if (result.cancelled || (wasCancelling && !result.ok)) {
        emit cancelled(); // the previous results stay
        return;
    }
    if (!result.ok) {
        emit failed(result.error);
        return;
    }
    m_previous = m_current;
    m_current = std::make_shared<const QuantRunResult>(std::move(result));
    if (m_stale) {
        m_stale = false;
        emit staleChanged(false);
    }
    emit succeeded();
}

void RunController::restore(QuantRunResult result) {
    if (isRunning() || !result.ok) return;
    m_previous.reset();
    m_current = std::make_shared<const QuantRunResult>(std::move(result));
    if (m_stale) {
        m_stale = false;
        emit staleChanged(false);
    }
    emit succeeded();
}

} // namespace qs
