// The preview of a node-menu remedy before it is applied: states the estimated time, runs the
// what-if (RemedyPreviewer) on a worker thread with a progress bar and Cancel, then shows the
// output's SQNR and arg-max agreement before and after and the time it took, with Apply (write
// the override to the settings; the results become stale), Apply and Run, or Dismiss. A remedy a
// what-if cannot express says why and offers the full re-run with its time. Non-modal; a new
// remedy replaces the one shown (its preview is cancelled and its late result dropped).
#pragma once

#include "job_tracker.h"
#include "remedy_preview.h"

#include <QDialog>
#include <QThreadPool>
#include <QTimer>
#include <memory>

class QLabel;
class QProgressBar;
class QPushButton;

namespace qs {

class SharedProgress;

class RemedyPreviewDialog : public QDialog {
    Q_OBJECT

public:
    explicit RemedyPreviewDialog(QWidget* parent = nullptr);
    ~RemedyPreviewDialog() override; // cancels a preview under way

    // Shows `proposal` and starts its preview (if it has one).
    void start(RemedyProposal proposal);
    void cancelPreview();
    bool isRunning() const { return m_job.isRunning(); }
    // The last finished preview (ok, failed or cancelled); null while one runs or without one.
    const RemedyPreviewResult* result() const { return m_result ? &*m_result : nullptr; }
    const RemedyProposal& proposal() const { return m_proposal; }
    QString resultText() const;

    // Writes the remedy to the settings and closes; `run`: then a full run is asked for.
    void apply(bool run);
    // Dismiss: cancels a preview under way (its late result is dropped) and closes.
    void reject() override;

signals:
    void previewFinished();
    // A what-if session was built for `session->model`: the window keeps it for the next preview.
    void sessionPrepared(std::shared_ptr<const qs::PreviewSession> session);
    void applied(bool run);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslateUi();
    void deliver(RemedyPreviewResult result);
    void showResult();

    RemedyProposal m_proposal;
    std::optional<RemedyPreviewResult> m_result;
    QThreadPool m_pool; // one thread, below the GUI thread's priority
    JobTracker m_job{this};
    std::shared_ptr<SharedProgress> m_progress;
    QTimer m_poll;

    QLabel* m_title = nullptr;
    QLabel* m_method = nullptr;
    QLabel* m_estimate = nullptr;
    QProgressBar* m_bar = nullptr;
    QLabel* m_results = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_apply = nullptr;
    QPushButton* m_applyRun = nullptr;
    QPushButton* m_dismiss = nullptr;
};

} // namespace qs
