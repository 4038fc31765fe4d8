#include "project_controller.h"

#include "language_manager.h"
#include "main_window.h"
#include "node_table_page.h"
#include "quant_settings_widget.h"
#include "report/report_comparison.h"
#include "run_controller.h"
#include "run_diff_model.h"

#include <QAction>
#include <QApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <cmath>

namespace qs {

namespace {

QString fromStd(const std::string& s) {
    return QString::fromStdString(s);
}

std::string toStd(const QString& s) {
    return s.toStdString();
}

std::optional<double> finiteOrInf(double v) {
    return std::isnan(v) ? std::nullopt : std::optional<double>(v);
}

} // namespace

ProjectController::ProjectController(MainWindow* window)
    : QObject(window)
    , m_window(window) {
    m_openAction = new QAction(this);
    m_openAction->setObjectName(QStringLiteral("openProjectAction"));
    m_openAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    connect(m_openAction, &QAction::triggered, this, [this] { open(); });
    m_saveAction = new QAction(this);
    m_saveAction->setObjectName(QStringLiteral("saveProjectAction"));
    m_saveAction->setShortcut(QKeySequence::Save);
    connect(m_saveAction, &QAction::triggered, this, [this] { save(); });
    m_saveAsAction = new QAction(this);
    m_saveAsAction->setObjectName(QStringLiteral("saveProjectAsAction"));
    m_saveAsAction->setShortcut(QKeySequence::SaveAs);
    connect(m_saveAsAction, &QAction::triggered, this, [this] { saveAs(); });
    m_compareAction = new QAction(this);
    m_compareAction->setObjectName(QStringLiteral("compareRunsAction"));
    connect(m_compareAction, &QAction::triggered, this, [this] { compareWith(); });
    m_diffModel = new RunDiffModel(this);
    connect(LanguageManager::instance(), &LanguageManager::languageChanged, this,
            &ProjectController::retranslateUi);
    retranslateUi();
}

void ProjectController::retranslateUi() {
    m_openAction->setText(tr("Open &Project\u2026"));
    m_openAction->setStatusTip(tr("Open a QuantScope project (.qsproj)"));
    m_saveAction->setText(tr("&Save Project"));
    m_saveAction->setStatusTip(tr("Save the model, data, settings and last results as a project"));
    m_saveAsAction->setText(tr("Save Project &As\u2026"));
    m_compareAction->setText(tr("Co&mpare with Run\u2026"));
    m_compareAction->setStatusTip(
        tr("Compare the last run layer by layer with a project, an analysis or a quantization "
           "table"));
    if (m_diffDialog) m_diffDialog->setWindowTitle(tr("Compare Runs"));
    if (m_diffExportButton) m_diffExportButton->setText(tr("Export &Report\u2026"));
}

bool ProjectController::compareWith(const QString& requested) {
    const RunController* runs = m_window->runController();
    if (!runs->current()) {
        m_error = tr("Run the quantization first: there is no run to compare.");
        const QString message = m_error;
        m_window->showStatus([message] { return message; });
        return false;
    }
    QString path = requested;
    if (path.isEmpty()) {
        path = QFileDialog::getOpenFileName(m_window, tr("Compare with Run"), QString(),
                                            tr("Runs (*.qsproj *.json);;All files (*)"));
        if (path.isEmpty()) return false;
    }
    auto other = readRunSnapshot(toStd(path));
    if (!other) {
        m_error = fromStd(other.message());
        const QString message = m_error;
        m_window->showStatus([message] { return tr("Not compared: %1").arg(message); });
        if (m_window->isInteractive())
            QMessageBox::warning(m_window, tr("Compare with Run"), message);
        return false;
    }
    const Project here = currentProject();
    RunSnapshot mine;
    mine.source = m_path.isEmpty() ? toStd(m_window->model().path) : toStd(m_path);
    mine.model = toStd(QFileInfo(m_window->model().path).fileName());
    mine.settings = projectQuantOptions(here);
    mine.run = here.run;
    auto diff = std::make_shared<const RunDiff>(diffRuns(mine, *other));
    m_diffModel->setDiff(diff);
    if (!m_diffDialog) {
        m_diffDialog = new QDialog(m_window);
        m_diffDialog->setObjectName(QStringLiteral("runDiffDialog"));
        auto* layout = new QVBoxLayout(m_diffDialog);
        m_diffSummary = new QLabel(m_diffDialog);
        m_diffSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);
        layout->addWidget(m_diffSummary);
        auto* proxy = new QSortFilterProxyModel(m_diffDialog);
        proxy->setSourceModel(m_diffModel);
        proxy->setSortRole(Qt::UserRole);
        auto* table = new QTableView(m_diffDialog);
        table->setObjectName(QStringLiteral("runDiffTable"));
        table->setModel(proxy);
        table->setSortingEnabled(true);
        table->horizontalHeader()->setStretchLastSection(true);
        layout->addWidget(table);
        auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, m_diffDialog);
        m_diffExportButton =
            buttons->addButton(tr("Export &Report\u2026"), QDialogButtonBox::ActionRole);
        m_diffExportButton->setObjectName(QStringLiteral("runDiffExportButton"));
        connect(m_diffExportButton, &QPushButton::clicked, this,
                [this] { exportComparisonReport(); });
        connect(buttons, &QDialogButtonBox::rejected, m_diffDialog, &QDialog::close);
        layout->addWidget(buttons);
        m_diffDialog->resize(900, 600);
        m_diffDialog->setWindowTitle(tr("Compare Runs"));
    }
    QStringList lines;
    lines << tr("This run vs %1: %n setting(s) differ.", nullptr, int(diff->settings.size()))
                 .arg(QFileInfo(path).fileName());
    for (const SettingDiff& d : diff->settings)
        lines
            << QStringLiteral("  %1: %2 \u2192 %3").arg(fromStd(d.key), fromStd(d.a), fromStd(d.b));
    if (!diff->sameModel)
        lines << tr("The runs are of different models (%1, %2).")
                     .arg(fromStd(diff->modelA), fromStd(diff->modelB));
    m_diffSummary->setText(lines.join(QLatin1Char('\n')));
    m_diffDialog->show();
    m_diffDialog->raise();
    const QString name = QFileInfo(path).fileName();
    m_window->showStatus([name] { return tr("Compared the last run with %1.").arg(name); });
    return true;
}

bool ProjectController::exportComparisonReport(const QString& requested) {
    m_error.clear();
    const RunDiff* diff = m_diffModel->diff();
    if (!diff) {
        m_error = tr("Nothing to export: compare the last run with another run first.");
        return false;
    }
    QString path = requested;
    if (path.isEmpty()) {
        path = QFileDialog::getSaveFileName(m_diffDialog, tr("Export Comparison Report"),
                                            QStringLiteral("comparison.html"),
                                            tr("HTML report (*.html *.htm);;PDF report (*.pdf)"));
        if (path.isEmpty()) return false;
    }
    QApplication::setOverrideCursor(Qt::WaitCursor);
    m_error = ReportComparison::writeReport(*diff, path);
    QApplication::restoreOverrideCursor();
    if (!m_error.isEmpty()) {
        if (m_window->isInteractive())
            QMessageBox::warning(m_diffDialog, tr("Export Comparison Report"), m_error);
        return false;
    }
    const QString file = QFileInfo(path).fileName();
    m_window->showStatus([file] { return tr("Comparison report written to %1.").arg(file); });
    return true;
}

ProjectRunResult ProjectController::toProjectRun(const QuantRunResult& run) {
    ProjectRunResult out;
    for (auto it = run.layers.cbegin(); it != run.layers.cend(); ++it) {
        const LayerRunResult& l = it.value();
        out.layers[toStd(it.key())] = ProjectRunLayer{toStd(l.op),          l.inPlan,
                                                      l.quantized,          l.bits,
                                                      toStd(l.scheme),      toStd(l.granularity),
                                                      finiteOrInf(l.sqnrDb)};
    }
    for (const QString& s : run.settings) out.settings.push_back(toStd(s));
    for (const QString& s : run.notes) out.notes.push_back(toStd(s));
    out.calibrationSamples = run.calibrationSamples;
    out.dataFree = run.dataFree;
    out.evalSamples = run.evalSamples;
    out.outputSqnrDb = finiteOrInf(run.outputSqnrDb);
    out.agreement = finiteOrInf(run.agreement);
    out.seconds = run.seconds;
    for (auto it = run.tensorShapes.cbegin(); it != run.tensorShapes.cend(); ++it)
        out.tensorShapes[toStd(it.key())] = toStd(it.value());
    return out;
}

QuantRunResult ProjectController::fromProjectRun(const ProjectRunResult& run) {
    QuantRunResult out;
    out.ok = true;
    for (const auto& [node, l] : run.layers) {
        LayerRunResult r;
        r.op = fromStd(l.op);
        r.inPlan = l.inPlan;
        r.quantized = l.quantized;
        r.bits = l.bits;
        r.scheme = fromStd(l.scheme);
        r.granularity = fromStd(l.granularity);
        r.sqnrDb = l.sqnrDb.value_or(qQNaN());
        out.layers.insert(fromStd(node), r);
    }
    for (const std::string& s : run.settings) out.settings << fromStd(s);
    for (const std::string& s : run.notes) out.notes << fromStd(s);
    out.calibrationSamples = run.calibrationSamples;
    out.dataFree = run.dataFree;
    out.evalSamples = run.evalSamples;
    out.outputSqnrDb = run.outputSqnrDb.value_or(qQNaN());
    out.agreement = run.agreement.value_or(qQNaN());
    out.seconds = run.seconds;
    for (const auto& [name, shape] : run.tensorShapes)
        out.tensorShapes.insert(fromStd(name), fromStd(shape));
    return out;
}

Project ProjectController::currentProject() const {
    Project p;
    p.modelPath = toStd(m_window->model().path);
    p.calibrationPath = toStd(m_window->settingsWidget()->calibrationPath());
    const QuantSettingsWidget::ImageSettings images = m_window->settingsWidget()->imageSettings();
    for (auto it = images.cbegin(); it != images.cend(); ++it)
        p.imageOptions[toStd(it.key())] = toStd(it.value());
    // Per-node options become overrides; the rest stay in command-line form.
    for (const auto& [name, value] : m_window->settingsWidget()->options()) {
        if (name == QLatin1String("float")) {
            p.nodeOverrides[toStd(value)].keepFloat = true;
        } else if (name == QLatin1String("layer-bits") && value.contains(QLatin1Char('='))) {
            const int eq = int(value.lastIndexOf(QLatin1Char('=')));
            p.nodeOverrides[toStd(value.left(eq))].bits = value.mid(eq + 1).toInt();
        } else {
            p.quantOptions.emplace_back(toStd(name), toStd(value));
        }
    }
    p.selectedNode = toStd(m_window->nodePage()->currentNodeName());
    const RunController* run = m_window->runController();
    if (run->current()) {
        p.run = toProjectRun(*run->current());
        p.run->stale = run->isStale();
    }
    return p;
}

bool ProjectController::fail(const QString& path, const QString& message) {
    m_error = message;
    m_window->showStatus([message] { return tr("Project not opened: %1").arg(message); });
    if (m_window->isInteractive()) QMessageBox::warning(m_window, tr("Open Project"), message);
    emit projectFailed(path, message);
    return false;
}

bool ProjectController::saveAs(const QString& requested) {
    if (m_window->model().path.isEmpty()) {
        m_error = tr("Open a model before saving a project.");
        m_window->showStatus([] { return tr("Open a model before saving a project."); });
        return false;
    }
    QString path = requested;
    if (path.isEmpty()) {
        QString suggestion = m_path;
        if (suggestion.isEmpty())
            suggestion =
                QFileInfo(m_window->model().path).completeBaseName() + QStringLiteral(".qsproj");
        path = QFileDialog::getSaveFileName(m_window, tr("Save Project"), suggestion,
                                            tr("QuantScope projects (*.qsproj)"));
        if (path.isEmpty()) return false;
    }
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".qsproj");
    if (Status st = writeProjectFile(toStd(path), currentProject()); !st) {
        const QString message = fromStd(st.message());
        m_error = message;
        m_window->showStatus([message] { return tr("Project not saved: %1").arg(message); });
        if (m_window->isInteractive()) QMessageBox::warning(m_window, tr("Save Project"), message);
        return false;
    }
    m_path = QFileInfo(path).absoluteFilePath();
    const QString name = QFileInfo(path).fileName();
    m_window->showStatus([name] { return tr("Project saved to %1.").arg(name); });
    emit projectSaved(m_path);
    return true;
}

bool ProjectController::save() {
    return saveAs(m_path);
}

bool ProjectController::autosave() {
    if (m_path.isEmpty() || m_window->model().path.isEmpty() || m_pending) return false;
    return saveAs(m_path);
}

QString ProjectController::askForModel(const QString& missingPath) {
    if (m_locator) return m_locator(missingPath);
    if (!m_window->isInteractive()) return QString();
    const auto answer = QMessageBox::question(
        m_window, tr("Model Not Found"),
        tr("The project's model %1 was not found. Locate it?").arg(missingPath),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Yes);
    if (answer != QMessageBox::Yes) return QString();
    return QFileDialog::getOpenFileName(m_window, tr("Locate Model"),
                                        QFileInfo(missingPath).absolutePath(),
                                        tr("ONNX models (*.onnx);;All files (*)"));
}

bool ProjectController::open(const QString& requested) {
    QString path = requested;
    if (path.isEmpty()) {
        path = QFileDialog::getOpenFileName(m_window, tr("Open Project"), QString(),
                                            tr("QuantScope projects (*.qsproj);;All files (*)"));
        if (path.isEmpty()) return false;
    }
    m_warnings.clear();
    m_error.clear();
    auto load = readProjectFile(toStd(path));
    if (!load) return fail(path, fromStd(load.message()));
    for (const std::string& w : load->warnings) m_warnings << fromStd(w);
    Project project = std::move(load->project);
    QString modelPath = fromStd(project.modelPath);
    // QFile also knows the ":/" resources (the bundled example).
    if (modelPath.isEmpty() || !QFile::exists(modelPath)) {
        const QString located = askForModel(modelPath);
        if (located.isEmpty() || !QFile::exists(located))
            return fail(path, modelPath.isEmpty()
                                  ? tr("The project names no model.")
                                  : tr("The project's model %1 was not found.").arg(modelPath));
        modelPath = located;
        project.modelPath = toStd(located);
        m_warnings << tr("model: located at %1").arg(located);
    }
    if (!m_warnings.isEmpty() && m_window->isInteractive())
        QMessageBox::warning(m_window, tr("Open Project"),
                             tr("Some of the project could not be read and was left out:\n%1")
                                 .arg(m_warnings.join(QLatin1Char('\n'))));
    disconnectPending();
    m_pending = std::move(project);
    m_pendingPath = QFileInfo(path).absoluteFilePath();
    m_pendingModel = modelPath;
    m_loadedConnection =
        connect(m_window, &MainWindow::modelLoaded, this, &ProjectController::onModelLoaded);
    m_failedConnection = connect(m_window, &MainWindow::modelLoadFailed, this,
                                 &ProjectController::onModelLoadFailed);
    m_window->openModel(modelPath);
    return true;
}

void ProjectController::disconnectPending() {
    disconnect(m_loadedConnection);
    disconnect(m_failedConnection);
}

void ProjectController::onModelLoadFailed(const QString& modelPath, const QString& message) {
    if (!m_pending || modelPath != m_pendingModel) return;
    disconnectPending();
    m_pending.reset();
    fail(m_pendingPath, message);
}

void ProjectController::onModelLoaded(const QString& modelPath) {
    if (!m_pending || modelPath != m_pendingModel) return;
    disconnectPending();
    const Project project = std::move(*m_pending);
    m_pending.reset();
    QuantSettingsWidget::Options options;
    for (const auto& [name, value] : projectQuantOptions(project))
        options.append({fromStd(name), fromStd(value)});
    if (Status st = m_window->settingsWidget()->setOptions(options); !st)
        m_warnings << tr("quant_options: %1").arg(fromStd(st.message()));
    m_window->settingsWidget()->setCalibrationPath(fromStd(project.calibrationPath));
    QuantSettingsWidget::ImageSettings images;
    for (const auto& [key, value] : project.imageOptions)
        images.insert(fromStd(key), fromStd(value));
    for (const QString& problem : m_window->settingsWidget()->setImageSettings(images))
        m_warnings << tr("preprocessing.image.%1").arg(problem);
    if (project.run) {
        m_window->runController()->restore(fromProjectRun(*project.run));
        if (project.run->stale) m_window->runController()->markStale();
    }
    if (!project.selectedNode.empty()) m_window->selectNode(fromStd(project.selectedNode));
    m_path = m_pendingPath;
    const QString name = QFileInfo(m_path).fileName();
    const int dropped = int(m_warnings.size());
    m_window->showStatus([name, dropped] {
        return dropped == 0
                   ? tr("Opened project %1.").arg(name)
                   : tr("Opened project %1; %n field(s) left out.", nullptr, dropped).arg(name);
    });
    emit projectOpened(m_path);
}

} // namespace qs
