#include "run_controller.h"

#include <QThread>
#include <algorithm>

namespace qs {

namespace {
// The GUI reads the worker's progress this often; cheap, and well under the 100 ms a user
// notices.
constexpr int kPollMs = 80;
} // namespace

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

bool RunController::start(const QuantConfig& config, const QString& calibrationPath) {
    if (!m_graph || m_job.isRunning()) return false;
    QuantRunRequest request;
    request.graph = m_graph;
    request.config = config;
    // Results do not depend on the thread count (core's rule); one core stays with the GUI
    // thread so that it keeps painting while the run works.
    request.config.threads = std::max(1, QThread::idealThreadCount() - 1);
    request.calibrationPath = calibrationPath;
    auto progress = std::make_shared<SharedProgress>();
    m_progress = progress;
    m_cancelling = false;
    m_job.start([request, progress] { return QuantRunner::run(request, *progress); },
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

} // namespace qs
