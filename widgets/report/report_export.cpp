#include "report_export.h"

#include "language_manager.h"
#include "main_window.h"
#include "model_loader.h"
#include "run_report.h"
#include "run_controller.h"

#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>

namespace qs {

ReportExporter::ReportExporter(MainWindow* window)
    : QObject(window)
    , m_window(window)
    , m_action(new QAction(this)) {
    m_action->setObjectName(QStringLiteral("exportReportAction"));
    connect(m_action, &QAction::triggered, this, [this] { exportReport(); });
    RunController* run = window->runController();
    connect(run, &RunController::succeeded, this, &ReportExporter::updateEnabled);
    connect(run, &RunController::started, this, &ReportExporter::updateEnabled);
    connect(run, &RunController::failed, this, &ReportExporter::updateEnabled);
    connect(run, &RunController::cancelled, this, &ReportExporter::updateEnabled);
    connect(window, &MainWindow::modelLoaded, this, &ReportExporter::updateEnabled);
    connect(LanguageManager::instance(), &LanguageManager::languageChanged, this,
            &ReportExporter::retranslateUi);
    retranslateUi();
    updateEnabled();
}

void ReportExporter::retranslateUi() {
    m_action->setText(tr("Export &Report\u2026"));
    m_action->setStatusTip(
        tr("Write the last run's report (summary, accuracy, per-layer table, charts, findings) "
           "as HTML or PDF"));
}

void ReportExporter::updateEnabled() {
    const auto run = m_window->runController()->current();
    m_action->setEnabled(!m_window->runController()->isRunning() && run && run->analyses &&
                         m_window->model().isOk());
}

bool ReportExporter::exportReport(const QString& requested) {
    m_error.clear();
    const auto run = m_window->runController()->current();
    if (!run || !run->analyses || !m_window->model().isOk()) {
        m_error = tr("Nothing to report: run the quantization with calibration data first.");
        return false;
    }
    QString path = requested;
    if (path.isEmpty()) {
        const QString suggestion =
            QFileInfo(m_window->model().path).completeBaseName() + QStringLiteral("_report.html");
        path = QFileDialog::getSaveFileName(m_window, tr("Export Report"), suggestion,
                                            tr("HTML report (*.html *.htm);;PDF report (*.pdf)"));
        if (path.isEmpty()) return false;
    }
    QApplication::setOverrideCursor(Qt::WaitCursor);
    m_error = writeRunReport(m_window->model().path, *m_window->model().graph, *run, path);
    QApplication::restoreOverrideCursor();
    if (!m_error.isEmpty()) {
        if (m_window->isInteractive()) QMessageBox::warning(m_window, tr("Export Report"), m_error);
        return false;
    }
    const QString file = QFileInfo(path).fileName();
    m_window->showStatus([file] { return tr("Report written to %1.").arg(file); });
    return true;
}

} // namespace qs
