#include "automation.h"

#include "graph_view.h"
#include "main_window.h"
#include "quant_settings_widget.h"
#include "resources.h"
#include "run_controller.h"

#include <QFileInfo>
#include <QImage>
#include <QPixmap>
#include <QSaveFile>
#include <QTimer>

namespace qs {

Automation::Automation(MainWindow* window, GuiOptions options, QObject* parent)
    : QObject(parent)
    , m_window(window)
    , m_options(std::move(options)) {}

void Automation::start() {
    if (!m_window) return;
    // A script waits for an exit code, not for someone to click away a message box.
    if (!m_options.screenshotPath.isEmpty()) m_window->setInteractive(false);
    connect(m_window, &MainWindow::modelLoaded, this, &Automation::onLoaded);
    connect(m_window, &MainWindow::modelLoadFailed, this, &Automation::onLoadFailed);
    m_window->openModel(m_options.modelPath.isEmpty() ? exampleModelPath() : m_options.modelPath);
}

void Automation::onLoaded() {
    if (m_done || !m_window || m_ran) return;
    // Quantize and measure first when there is data (--calib, or the bundled example's) or
    // quantization options, so the picture shows the results.
    QuantSettingsWidget* settings = m_window->settingsWidget();
    if (!m_options.calibrationPath.isEmpty())
        settings->setCalibrationPath(m_options.calibrationPath);
    if (!m_options.quantOptions.isEmpty()) {
        const Status applied = settings->setOptions(m_options.quantOptions);
        if (!applied) {
            finish(1, QString::fromStdString(applied.message()));
            return;
        }
    }
    if (!settings->calibrationPath().isEmpty() || !m_options.quantOptions.isEmpty()) {
        RunController* run = m_window->runController();
        connect(run, &RunController::succeeded, this, &Automation::afterRun);
        connect(run, &RunController::cancelled, this, &Automation::afterRun);
        connect(run, &RunController::failed, this, [this](const QString& message) {
            if (!m_done) finish(1, message);
        });
        m_ran = true;
        if (m_window->runQuantization()) return;
    }
    afterRun();
}

void Automation::afterRun() {
    if (m_done || !m_window) return;
    if (m_window->graphView()->isLayoutPending()) { // the picture needs the laid-out graph
        connect(m_window->graphView(), &GraphView::layoutFinished, this, &Automation::afterRun,
                Qt::SingleShotConnection);
        return;
    }
    if (!m_options.selectNode.isEmpty() && !m_window->selectNode(m_options.selectNode))
        m_selectError =
            tr("node '%1' not found in %2")
                .arg(m_options.selectNode, QFileInfo(m_window->model().path).fileName());
    if (m_options.screenshotPath.isEmpty()) {
        finish(m_selectError.isEmpty() ? 0 : 1, m_selectError);
        return;
    }
    // Let the views lay out and paint the new model before the picture is taken; a zero
    // timeout runs after the pending layout and update events.
    QTimer::singleShot(0, this, &Automation::takeScreenshot);
}

void Automation::onLoadFailed(const QString&, const QString& message) {
    if (m_done) return;
    finish(1, message);
}

void Automation::takeScreenshot() {
    if (!m_window) return;
    const QString error = saveScreenshot(m_window, m_options.screenshotPath);
    if (!error.isEmpty())
        finish(1, error);
    else
        finish(m_selectError.isEmpty() ? 0 : 1, m_selectError);
}

QString Automation::saveScreenshot(QWidget* window, const QString& path) {
    const QPixmap picture = window->grab();
    if (picture.isNull()) return tr("cannot take a screenshot of the window");
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return tr("cannot write screenshot %1: %2").arg(path, file.errorString());
    if (!picture.toImage().save(&file, "PNG")) {
        file.cancelWriting();
        return tr("cannot encode screenshot %1").arg(path);
    }
    if (!file.commit()) return tr("cannot write screenshot %1: %2").arg(path, file.errorString());
    return {};
}

void Automation::finish(int exitCode, const QString& message) {
    m_done = true;
    emit finished(exitCode, message);
}

} // namespace qs
