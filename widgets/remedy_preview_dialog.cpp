#include "remedy_preview_dialog.h"

#include "run_controller.h"

#include <QDialogButtonBox>
#include <QEvent>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>
#include <cmath>

namespace qs {

namespace {

constexpr int kPollMs = 80; // as RunController

// Two significant digits below a second (a cone of a few nodes takes milliseconds).
QString seconds(double s) {
    return s >= 10  ? QString::number(s, 'f', 1)
           : s >= 1 ? QString::number(s, 'f', 2)
                    : QString::number(s, 'g', 2);
}

QString signedNumber(double v, int decimals) {
    return (v >= 0 ? QStringLiteral("+") : QString()) + QString::number(v, 'f', decimals);
}

QString db(double v) {
    return std::isfinite(v) ? QString::number(v, 'f', 2)
                            : (std::isinf(v) ? QStringLiteral("\u221e") : QStringLiteral("\u2013"));
}

} // namespace

RemedyPreviewDialog::RemedyPreviewDialog(QWidget* parent)
    : QDialog(parent) {
    setObjectName(QStringLiteral("remedyPreviewDialog"));
    setModal(false);
    m_pool.setMaxThreadCount(1);
    m_poll.setInterval(kPollMs);
    auto* layout = new QVBoxLayout(this);
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("remedyPreviewTitle"));
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_method = new QLabel(this);
    m_method->setObjectName(QStringLiteral("remedyPreviewMethod"));
    m_method->setWordWrap(true);
    m_estimate = new QLabel(this);
    m_estimate->setObjectName(QStringLiteral("remedyPreviewEstimate"));
    m_bar = new QProgressBar(this);
    m_bar->setObjectName(QStringLiteral("remedyPreviewProgress"));
    m_bar->setRange(0, 100);
    m_results = new QLabel(this);
    m_results->setObjectName(QStringLiteral("remedyPreviewResults"));
    m_results->setWordWrap(true);
    m_results->setTextInteractionFlags(Qt::TextSelectableByMouse);
    for (QWidget* w : {static_cast<QWidget*>(m_title), static_cast<QWidget*>(m_method),
                       static_cast<QWidget*>(m_estimate), static_cast<QWidget*>(m_bar),
                       static_cast<QWidget*>(m_results)})
        layout->addWidget(w);
    auto* buttons = new QDialogButtonBox(this);
    m_cancel = buttons->addButton(QString(), QDialogButtonBox::RejectRole);
    m_cancel->setObjectName(QStringLiteral("remedyPreviewCancel"));
    m_apply = buttons->addButton(QString(), QDialogButtonBox::AcceptRole);
    m_apply->setObjectName(QStringLiteral("remedyPreviewApply"));
    m_applyRun = buttons->addButton(QString(), QDialogButtonBox::AcceptRole);
    m_applyRun->setObjectName(QStringLiteral("remedyPreviewApplyRun"));
    m_dismiss = buttons->addButton(QString(), QDialogButtonBox::RejectRole);
    m_dismiss->setObjectName(QStringLiteral("remedyPreviewDismiss"));
    layout->addWidget(buttons);
    retranslateUi();
    // The box's roles would close the dialog on any of them: each button says what it does.
    disconnect(buttons, nullptr, this, nullptr);
    connect(m_cancel, &QPushButton::clicked, this, &RemedyPreviewDialog::cancelPreview);
    connect(m_apply, &QPushButton::clicked, this, [this] { apply(false); });
    connect(m_applyRun, &QPushButton::clicked, this, [this] { apply(true); });
    connect(m_dismiss, &QPushButton::clicked, this, &RemedyPreviewDialog::reject);
    connect(&m_poll, &QTimer::timeout, this, [this] {
        if (!m_progress) return;
        m_bar->setValue(int(std::lround(m_progress->fraction() * 100)));
    });
    setMinimumWidth(460);
}

void RemedyPreviewDialog::retranslateUi() {
    setWindowTitle(tr("Remedy Preview"));
    m_cancel->setText(tr("&Cancel Preview"));
    m_apply->setText(tr("&Apply"));
    m_apply->setToolTip(tr("Write the override to the settings; the results become stale"));
    m_applyRun->setText(tr("Apply and &Run"));
    m_applyRun->setToolTip(tr("Write the override to the settings and run the quantization again"));
    m_dismiss->setText(tr("&Dismiss"));
    m_dismiss->setToolTip(tr("Close without changing the settings"));
    // The proposal's own texts (title, method, estimate) were translated when it was made; the
    // result is rebuilt.
    if (m_result) m_results->setText(resultText());
}

void RemedyPreviewDialog::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslateUi();
    QDialog::changeEvent(event);
}

RemedyPreviewDialog::~RemedyPreviewDialog() {
    if (m_progress) m_progress->cancel();
    m_pool.waitForDone(); // the job reads the request's shared data only, but finish cleanly
}

void RemedyPreviewDialog::start(RemedyProposal proposal) {
    if (m_progress) m_progress->cancel(); // a preview under way is superseded
    m_job.cancel();
    m_poll.stop();
    m_progress.reset();
    m_result.reset();
    m_proposal = std::move(proposal);
    m_title->setText(tr("%1: %2").arg(m_proposal.node, m_proposal.description));
    const bool preview = m_proposal.request.has_value();
    if (preview) {
        m_method->setText(
            tr("A what-if on the last run's quantization: only the layer's downstream cone runs "
               "again, on %n evaluation sample(s); bias correction and AdaRound of the layer are "
               "redone for its new quantization. Nothing changes until you apply it.",
               nullptr, m_proposal.request->samples));
        m_estimate->setText(std::isfinite(m_proposal.estimateSeconds)
                                ? tr("Estimated time of the preview: about %1 s")
                                      .arg(seconds(m_proposal.estimateSeconds))
                                : tr("Estimated time of the preview: unknown"));
    } else {
        m_method->setText(m_proposal.noPreviewReason);
        m_estimate->setText(std::isfinite(m_proposal.estimateSeconds)
                                ? tr("A full re-run takes about %1 s (the last run).")
                                      .arg(seconds(m_proposal.estimateSeconds))
                                : tr("The time of a full re-run is unknown until the first run."));
    }
    m_bar->setVisible(preview);
    m_bar->setValue(0);
    m_cancel->setVisible(preview);
    m_apply->setEnabled(!preview);
    m_applyRun->setEnabled(!preview);
    m_results->setText(preview ? tr("Previewing\u2026") : QString());
    adjustSize();
    show();
    raise();
    if (!preview) return;
    auto progress = std::make_shared<SharedProgress>();
    m_progress = progress;
    const RemedyPreviewRequest request = *m_proposal.request;
    m_job.start(
        &m_pool,
        [request, progress] {
            lowerWorkerThreadPriority();
            return RemedyPreviewer::run(request, *progress);
        },
        [this](RemedyPreviewResult result) { deliver(std::move(result)); });
    m_poll.start();
}

void RemedyPreviewDialog::cancelPreview() {
    if (!m_job.isRunning() || !m_progress) return;
    m_progress->cancel();
    m_cancel->setEnabled(false);
    m_results->setText(tr("Cancelling\u2026"));
}

void RemedyPreviewDialog::reject() {
    if (m_progress) m_progress->cancel();
    m_job.cancel(); // a late result is dropped
    m_poll.stop();
    m_progress.reset();
    QDialog::reject();
}

void RemedyPreviewDialog::deliver(RemedyPreviewResult result) {
    m_poll.stop();
    m_progress.reset();
    m_cancel->setEnabled(true);
    m_cancel->setVisible(false);
    m_bar->setVisible(false);
    if (result.sessionCreated && result.session) emit sessionPrepared(result.session);
    m_result = std::move(result);
    showResult();
    emit previewFinished();
}

QString RemedyPreviewDialog::resultText() const {
    if (!m_result) return {};
    const RemedyPreviewResult& r = *m_result;
    if (r.cancelled) return tr("Preview cancelled; nothing was changed.");
    if (!r.ok) return tr("The preview failed: %1").arg(r.error);
    QStringList lines;
    const double delta = r.outputSqnrAfterDb - r.outputSqnrBeforeDb;
    lines << tr("Output SQNR against fp32: %1 \u2192 %2 dB (%3 dB)")
                 .arg(db(r.outputSqnrBeforeDb), db(r.outputSqnrAfterDb),
                      std::isfinite(delta) ? signedNumber(delta, 2) : QStringLiteral("\u2013"));
    if (std::isfinite(r.agreementBefore) && std::isfinite(r.agreementAfter))
        lines << tr("Arg-max agreement with fp32: %1 \u2192 %2 % (%3 points) on %n sample(s)",
                    nullptr, r.samples)
                     .arg(r.agreementBefore * 100, 0, 'f', 1)
                     .arg(r.agreementAfter * 100, 0, 'f', 1)
                     .arg(signedNumber((r.agreementAfter - r.agreementBefore) * 100, 1));
    if (!r.range.isEmpty()) lines << tr("Clip range: %1").arg(r.range);
    lines << tr("Nodes run again: %1 of %2").arg(r.nodesRun).arg(r.nodesTotal);
    for (const QString& line : r.redone) lines << tr("Redone: %1").arg(line);
    lines << (r.sessionCreated ? tr("Took %1 s (the what-if %2 s, preparing its session %3 s)")
                                     .arg(seconds(r.totalSeconds), seconds(r.whatIfSeconds),
                                          seconds(r.prepareSeconds))
                               : tr("Took %1 s").arg(seconds(r.totalSeconds)));
    lines << tr("Apply writes the override to the settings; the next run measures it on all "
                "evaluation samples.");
    return lines.join(QLatin1Char('\n'));
}

void RemedyPreviewDialog::showResult() {
    m_results->setText(resultText());
    const bool usable = m_result && !m_result->cancelled;
    // A failed preview still lets the user apply the remedy (the full run will say more).
    m_apply->setEnabled(usable);
    m_applyRun->setEnabled(usable);
    adjustSize(); // the result has more lines than "Previewing…"
}

void RemedyPreviewDialog::apply(bool run) {
    if (m_job.isRunning() || !m_proposal.apply) return;
    const auto apply = m_proposal.apply;
    accept();
    apply();
    emit applied(run);
}

} // namespace qs
