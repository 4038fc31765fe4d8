#include "main_window.h"

#include "graph_view.h"
#include "inspector/inspector_widget.h"
#include "language_manager.h"
#include "model_summary_widget.h"
#include "node_remedy_menu.h"
#include "node_table_model.h"
#include "node_table_page.h"
#include "project_controller.h"
#include "quant/quantizer.h"
#include "quant_settings_widget.h"
#include "remedy_preview_dialog.h"
#include "report/report_export.h"
#include "resources.h"
#include "run_controller.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>
#include <cmath>

namespace qs {

namespace {

const QString kGeometryKey = QStringLiteral("mainWindow/geometry");
const QString kStateKey = QStringLiteral("mainWindow/state");
const QString kLastDirKey = QStringLiteral("mainWindow/lastOpenDir");

bool isResource(const QString& path) {
    return path.startsWith(QLatin1String(":/"));
}

// The first local .onnx file among dropped URLs, or an empty string.
QString droppedModel(const QMimeData* mime) {
    if (!mime || !mime->hasUrls()) return {};
    for (const QUrl& url : mime->urls()) {
        const QString path = url.toLocalFile();
        if (!path.isEmpty() && path.endsWith(QLatin1String(".onnx"), Qt::CaseInsensitive))
            return path;
    }
    return {};
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent) {
    initResources();
    setObjectName(QStringLiteral("mainWindow"));
    setWindowIcon(applicationIcon());
    setAcceptDrops(true);
    setDockOptions(AnimatedDocks | AllowTabbedDocks);

    m_graphView = new GraphView(this);
    m_graphView->setObjectName(QStringLiteral("graphView"));
    setCentralWidget(m_graphView);
    m_nodePage = new NodeTablePage(this);
    m_settings = new QuantSettingsWidget(this);
    m_run = new RunController(this);
    m_inspector = new InspectorWidget(this);
    connect(m_graphView, &GraphView::nodeSelected, this, &MainWindow::onGraphNodeSelected);
    connect(m_graphView, &GraphView::nodeContextMenuRequested, this,
            [this](const QString& name, const QPoint& globalPos) {
                QMenu* menu = createNodeMenu(name, this);
                menu->setAttribute(Qt::WA_DeleteOnClose);
                menu->popup(globalPos);
            });
    connect(m_nodePage, &NodeTablePage::currentNodeChanged, this, &MainWindow::onTableNodeSelected);

    createActions();
    m_project = new ProjectController(this);
    createMenus();
    createDocks();
    createStatusBar();
    m_toolBar = addToolBar(QString());
    m_toolBar->setObjectName(QStringLiteral("mainToolBar"));
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_toolBar->addAction(m_openAction);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_runAction);
    m_toolBar->addAction(m_cancelAction);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_fitAction);

    connect(m_settings, &QuantSettingsWidget::settingsChanged, m_run, &RunController::markStale);
    connect(m_settings->runButton(), &QPushButton::clicked, m_runAction, &QAction::trigger);
    connect(m_inspector, &InspectorWidget::nodeRequested, this,
            [this](const QString& name) { selectNode(name); });
    connect(m_inspector, &InspectorWidget::mixedBitsPicked, this, &MainWindow::showMixedBits);
    connect(m_inspector, &InspectorWidget::mixedBitsApplyRequested, this,
            &MainWindow::applyMixedBits);
    connect(m_inspector, &InspectorWidget::tensorCalibrationRequested, m_settings,
            &QuantSettingsWidget::setTensorCalibration);
    connect(m_run, &RunController::staleChanged, this, [this](bool stale) {
        m_nodePage->model()->setResultsStale(stale);
        m_inspector->setStale(stale);
        updateRunSummary();
        if (stale)
            setStatus([] { return tr("Settings changed: the results are stale; Run to update."); });
    });
    connect(m_run, &RunController::progressChanged, this, &MainWindow::onRunProgress);
    connect(m_run, &RunController::succeeded, this, &MainWindow::onRunSucceeded);
    connect(m_run, &RunController::failed, this, [this](const QString& message) {
        updateRunActions();
        setStatus([message] { return tr("Quantization run failed: %1").arg(message); });
        if (m_interactive) QMessageBox::warning(this, tr("Quantization Run Failed"), message);
    });
    connect(m_run, &RunController::cancelled, this, [this] {
        updateRunActions();
        setStatus([] { return tr("Run cancelled; the previous results are kept."); });
    });
    connect(LanguageManager::instance(), &LanguageManager::languageChanged, this,
            &MainWindow::updateLanguageActions);

    setStatus(
        [] { return tr("Open an ONNX model with File \u25b8 Open, or drop one on this window."); });
    retranslateUi();
    restoreWindowState();
}

MainWindow::~MainWindow() = default;

QString MainWindow::statusText() const {
    return m_statusLabel->text();
}

void MainWindow::createActions() {
    m_openAction = new QAction(this);
    m_openAction->setShortcut(QKeySequence::Open);
    connect(m_openAction, &QAction::triggered, this, &MainWindow::showOpenDialog);

    m_openExampleAction = new QAction(this);
    connect(m_openExampleAction, &QAction::triggered, this,
            [this] { openModel(exampleModelPath()); });

    m_clearRecentAction = new QAction(this);
    connect(m_clearRecentAction, &QAction::triggered, this, [this] {
        m_recentFiles.clear();
        updateRecentFilesMenu();
    });

    m_runAction = new QAction(this);
    m_runAction->setObjectName(QStringLiteral("runAction"));
    m_runAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    connect(m_runAction, &QAction::triggered, this, [this] { runQuantization(); });
    m_cancelAction = new QAction(this);
    m_cancelAction->setObjectName(QStringLiteral("cancelAction"));
    m_cancelAction->setShortcut(QKeySequence(Qt::Key_Escape));
    m_cancelAction->setShortcutContext(Qt::WindowShortcut);
    connect(m_cancelAction, &QAction::triggered, this, &MainWindow::cancelRun);

    m_quitAction = new QAction(this);
    m_quitAction->setShortcut(QKeySequence::Quit);
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    m_findAction = new QAction(this);
    m_findAction->setShortcut(QKeySequence::Find);
    connect(m_findAction, &QAction::triggered, m_graphView, &GraphView::focusSearch);

    m_zoomInAction = new QAction(this);
    m_zoomInAction->setShortcuts({QKeySequence::ZoomIn, QKeySequence(Qt::CTRL | Qt::Key_Equal)});
    connect(m_zoomInAction, &QAction::triggered, m_graphView, &GraphView::zoomIn);
    m_zoomOutAction = new QAction(this);
    m_zoomOutAction->setShortcut(QKeySequence::ZoomOut);
    connect(m_zoomOutAction, &QAction::triggered, m_graphView, &GraphView::zoomOut);
    m_fitAction = new QAction(this);
    m_fitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    connect(m_fitAction, &QAction::triggered, m_graphView, &GraphView::fitToWindow);
    m_showFoldedAction = new QAction(this);
    m_showFoldedAction->setCheckable(true);
    connect(m_showFoldedAction, &QAction::toggled, m_graphView, &GraphView::setShowFolded);
    connect(m_graphView, &GraphView::showFoldedChanged, m_showFoldedAction, &QAction::setChecked);

    m_aboutAction = new QAction(this);
    m_aboutAction->setMenuRole(QAction::AboutRole);
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::showAbout);
    m_aboutQtAction = new QAction(this);
    m_aboutQtAction->setMenuRole(QAction::AboutQtRole);
    connect(m_aboutQtAction, &QAction::triggered, qApp, &QApplication::aboutQt);

    m_languageGroup = new QActionGroup(this);
    m_languageGroup->setExclusive(true);
    for (const LanguageManager::Language& language : LanguageManager::languages()) {
        auto* action = new QAction(language.nativeName, m_languageGroup);
        action->setCheckable(true);
        action->setData(language.code);
        connect(action, &QAction::triggered, this, [this, code = language.code] {
            if (!LanguageManager::instance()->setLanguage(code)) {
                setStatus([code] { return tr("No translation is available for %1.").arg(code); });
                updateLanguageActions();
            }
        });
    }
    updateLanguageActions();
}

void MainWindow::createMenus() {
    m_fileMenu = menuBar()->addMenu(QString());
    m_fileMenu->addAction(m_openAction);
    m_fileMenu->addAction(m_openExampleAction);
    m_recentMenu = m_fileMenu->addMenu(QString());
    m_fileMenu->addSeparator();
    m_fileMenu->addAction(m_project->openAction());
    m_fileMenu->addAction(m_project->saveAction());
    m_fileMenu->addAction(m_project->saveAsAction());
    m_fileMenu->addAction(m_project->compareAction());
    m_fileMenu->addAction((new ReportExporter(this))->action());
    m_fileMenu->addSeparator();
    m_fileMenu->addAction(m_runAction);
    m_fileMenu->addAction(m_cancelAction);
    m_fileMenu->addSeparator();
    m_fileMenu->addAction(m_quitAction);
    updateRecentFilesMenu();

    m_viewMenu = menuBar()->addMenu(QString());
    m_viewMenu->addAction(m_findAction);
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(m_zoomInAction);
    m_viewMenu->addAction(m_zoomOutAction);
    m_viewMenu->addAction(m_fitAction);
    m_viewMenu->addAction(m_showFoldedAction);
    m_viewMenu->addSeparator(); // the docks' toggle actions follow (createDocks)

    m_languageMenu = menuBar()->addMenu(QString());
    m_languageMenu->addActions(m_languageGroup->actions());

    m_helpMenu = menuBar()->addMenu(QString());
    m_helpMenu->addAction(m_aboutAction);
    m_helpMenu->addAction(m_aboutQtAction);
}

void MainWindow::createDocks() {
    m_layerDock = new QDockWidget(this);
    m_layerDock->setObjectName(QStringLiteral("layerDock"));
    m_layerDock->setWidget(m_nodePage);
    addDockWidget(Qt::BottomDockWidgetArea, m_layerDock);
    m_viewMenu->addAction(m_layerDock->toggleViewAction());

    m_summary = new ModelSummaryWidget(this);
    m_summaryDock = new QDockWidget(this);
    m_summaryDock->setObjectName(QStringLiteral("summaryDock")); // the key for saveState()
    m_summaryDock->setWidget(m_summary);
    addDockWidget(Qt::RightDockWidgetArea, m_summaryDock);
    m_viewMenu->addAction(m_summaryDock->toggleViewAction());

    m_settingsDock = new QDockWidget(this);
    m_settingsDock->setObjectName(QStringLiteral("settingsDock"));
    // Scrolls rather than growing: every new toggle would otherwise raise the window's
    // minimum height (the dock is tabbed with the summary and inspector on small screens).
    auto* settingsScroll = new QScrollArea(m_settingsDock);
    settingsScroll->setObjectName(QStringLiteral("settingsScroll"));
    settingsScroll->setWidgetResizable(true);
    settingsScroll->setFrameShape(QFrame::NoFrame);
    settingsScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    settingsScroll->setWidget(m_settings);
    m_settingsDock->setWidget(settingsScroll);
    addDockWidget(Qt::RightDockWidgetArea, m_settingsDock);
    tabifyDockWidget(m_summaryDock, m_settingsDock);
    m_settingsDock->raise();
    m_viewMenu->addAction(m_settingsDock->toggleViewAction());

    m_inspectorDock = new QDockWidget(this);
    m_inspectorDock->setObjectName(QStringLiteral("inspectorDock"));
    m_inspectorDock->setWidget(m_inspector);
    // A third tab beside the summary and the settings (stacked below them, the docks' minimum
    // heights would not fit a small window); a run with analyses brings it to the front.
    addDockWidget(Qt::RightDockWidgetArea, m_inspectorDock);
    tabifyDockWidget(m_settingsDock, m_inspectorDock);
    m_settingsDock->raise();
    m_viewMenu->addAction(m_inspectorDock->toggleViewAction());
}

void MainWindow::createStatusBar() {
    m_statusLabel = new QLabel(this);
    m_statusLabel->setObjectName(QStringLiteral("statusLabel"));
    m_statusLabel->setTextFormat(Qt::PlainText);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 0); // loading reports no fraction: a busy indicator
    m_progress->setMaximumWidth(160);
    m_progress->setVisible(false);
    statusBar()->addWidget(m_statusLabel, 1);
    statusBar()->addPermanentWidget(m_progress);
    auto* cancel = new QToolButton(this);
    cancel->setDefaultAction(m_cancelAction);
    statusBar()->addPermanentWidget(cancel);
    updateRunActions();
}

void MainWindow::retranslateUi() {
    m_fileMenu->setTitle(tr("&File"));
    m_openAction->setText(tr("&Open Model\u2026"));
    m_openAction->setStatusTip(tr("Open an ONNX model"));
    m_openExampleAction->setText(tr("Open &Example Model"));
    m_openExampleAction->setStatusTip(tr("Open the bundled MobileNetV2-style digits model"));
    m_recentMenu->setTitle(tr("Open &Recent"));
    m_clearRecentAction->setText(tr("&Clear Menu"));
    m_quitAction->setText(tr("&Quit"));
    m_viewMenu->setTitle(tr("&View"));
    m_findAction->setText(tr("&Find Node\u2026"));
    m_zoomInAction->setText(tr("Zoom &In"));
    m_zoomOutAction->setText(tr("Zoom &Out"));
    m_fitAction->setText(tr("&Fit Graph to Window"));
    m_showFoldedAction->setText(tr("Show &Constant and Shape Nodes"));
    m_layerDock->setWindowTitle(tr("Layers"));
    m_settingsDock->setWindowTitle(tr("Quantization"));
    m_inspectorDock->setWindowTitle(tr("Inspector"));
    m_toolBar->setWindowTitle(tr("Main Toolbar"));
    m_runAction->setText(tr("&Run Quantization"));
    m_runAction->setStatusTip(
        tr("Quantize the model with the current settings and measure every layer"));
    m_cancelAction->setText(tr("&Cancel Run"));
    m_summaryDock->setWindowTitle(tr("Model Summary"));
    m_languageMenu->setTitle(tr("&Language"));
    m_helpMenu->setTitle(tr("&Help"));
    m_aboutAction->setText(tr("&About QuantScope"));
    m_aboutQtAction->setText(tr("About &Qt"));
    m_progress->setFormat(m_run->isRunning() ? tr("%p %") : tr("Loading\u2026"));
    updateRecentFilesMenu();
    updateWindowTitle();
    updateRunSummary();
    if (m_statusText) m_statusLabel->setText(m_statusText());
}

void MainWindow::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslateUi();
    QMainWindow::changeEvent(event);
}

void MainWindow::restoreWindowState() {
    const QSettings settings;
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) resize(1280, 800);
    if (!restoreState(settings.value(kStateKey).toByteArray())) {
        // First start: room for the summary's values, and for the inspector charts' titles and
        // two-column legends ("Weights before BN merge") without clipping.
        const int em = fontMetrics().horizontalAdvance(QLatin1Char('M'));
        resizeDocks({m_summaryDock}, {42 * em}, Qt::Horizontal);
        resizeDocks({m_layerDock}, {14 * fontMetrics().height()}, Qt::Vertical);
    }
}

void MainWindow::saveWindowState() {
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveWindowState();
    m_project->autosave(); // the open project keeps what was done in this session
    m_loadJob.cancel();    // a load still running must not deliver into a closing window
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!droppedModel(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QString path = droppedModel(event->mimeData());
    if (path.isEmpty()) return;
    event->acceptProposedAction();
    openModel(path);
}

void MainWindow::showOpenDialog() {
    QSettings settings;
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open Model"), settings.value(kLastDirKey).toString(),
                                     tr("ONNX models (*.onnx);;All files (*)"));
    if (path.isEmpty()) return;
    settings.setValue(kLastDirKey, QFileInfo(path).absolutePath());
    openModel(path);
}

void MainWindow::showAbout() {
    QMessageBox::about(
        this, tr("About QuantScope"),
        tr("<h3>QuantScope %1</h3>"
           "<p>A quantization analyzer for neural networks: open an ONNX model, quantize it, "
           "and see which layers lose accuracy and why.</p>"
           "<p>Built with Qt %2 and QCustomPlot.</p>")
            .arg(QCoreApplication::applicationVersion(), QString::fromLatin1(qVersion())));
}

void MainWindow::updateRecentFilesMenu() {
    m_recentMenu->clear();
    const QStringList files = m_recentFiles.files();
    for (int i = 0; i < files.size(); ++i) {
        const QString path = files[i];
        // "&1 name.onnx": a mnemonic per entry; the full path is in the status tip.
        auto* action =
            m_recentMenu->addAction(tr("&%1 %2").arg(i + 1).arg(QFileInfo(path).fileName()));
        action->setStatusTip(path);
        action->setToolTip(path);
        connect(action, &QAction::triggered, this, [this, path] { openModel(path); });
    }
    if (!files.isEmpty()) m_recentMenu->addSeparator();
    m_recentMenu->addAction(m_clearRecentAction);
    m_clearRecentAction->setEnabled(!files.isEmpty());
}

void MainWindow::updateLanguageActions() {
    const QString current = LanguageManager::instance()->currentLanguage();
    for (QAction* action : m_languageGroup->actions())
        action->setChecked(action->data().toString() == current);
}

void MainWindow::updateWindowTitle() {
    if (m_model.path.isEmpty()) {
        setWindowTitle(tr("QuantScope"));
        return;
    }
    const QString name = QFileInfo(m_model.path).fileName();
    setWindowTitle(isResource(m_model.path) ? tr("%1 (example) \u2014 QuantScope").arg(name)
                                            : tr("%1 \u2014 QuantScope").arg(name));
}

void MainWindow::setStatus(std::function<QString()> text) {
    m_statusText = std::move(text);
    m_statusLabel->setText(m_statusText());
}

void MainWindow::openModel(const QString& path) {
    const QString name = QFileInfo(path).fileName();
    setStatus([name] { return tr("Loading %1\u2026").arg(name); });
    m_progress->setVisible(true);
    m_loadJob.start([path] { return ModelLoader::load(path); },
                    [this](LoadedModel loaded) { onModelLoaded(std::move(loaded)); });
}

void MainWindow::onModelLoaded(LoadedModel loaded) {
    m_progress->setVisible(false);
    if (!loaded.isOk()) {
        showLoadError(loaded.path, loaded.error);
        return;
    }
    const bool sameModel = loaded.path == m_model.path;
    m_model = std::move(loaded);
    m_run->setModel(m_model.graph);
    m_previewSession.reset();
    if (m_remedyPreview) m_remedyPreview->reject(); // a preview of the old model
    m_nodePage->model()->setRunResults(nullptr, nullptr);
    m_inspector->setAnalyses(nullptr);
    m_inspector->setNode(QString());
    updateRunSummary();
    // The bundled example comes with its calibration data; another model's data would not fit.
    if (isResource(m_model.path))
        m_settings->setCalibrationPath(exampleCalibrationPath());
    else if (!sameModel)
        m_settings->setCalibrationPath(QString());
    updateRunActions();
    m_nodePage->setSnapshot(m_model.snapshot);
    m_graphView->setSnapshot(m_model.snapshot);
    m_summary->setSnapshot(m_model.snapshot);
    if (!isResource(m_model.path)) m_recentFiles.add(m_model.path);
    updateRecentFilesMenu();
    updateWindowTitle();

    const QString name = QFileInfo(m_model.path).fileName();
    const int nodes = int(m_model.snapshot->nodes.size());
    if (m_model.snapshot->shapeInferenceFailed) {
        const QString why = m_model.snapshot->shapeInferenceError;
        setStatus([name, nodes, why] {
            return tr("Loaded %1: %n node(s); shape inference stopped: %2", nullptr, nodes)
                .arg(name, why);
        });
    } else {
        setStatus([name, nodes] { return tr("Loaded %1: %n node(s)", nullptr, nodes).arg(name); });
    }
    emit modelLoaded(m_model.path);
}

void MainWindow::showLoadError(const QString& path, const QString& message) {
    const QString name = QFileInfo(path).fileName();
    setStatus([name, message] { return tr("Could not open %1: %2").arg(name, message); });
    if (!isResource(path)) {
        m_recentFiles.remove(path);
        updateRecentFilesMenu();
    }
    if (m_interactive) {
        // Window-modal and non-blocking: the event loop (and any other load) keeps running.
        if (m_errorBox) m_errorBox->close();
        m_errorBox =
            new QMessageBox(QMessageBox::Warning, tr("Could Not Open Model"),
                            tr("QuantScope could not open %1.").arg(name), QMessageBox::Ok, this);
        m_errorBox->setObjectName(QStringLiteral("loadErrorBox"));
        m_errorBox->setInformativeText(message);
        m_errorBox->setAttribute(Qt::WA_DeleteOnClose);
        m_errorBox->open();
    }
    emit modelLoadFailed(path, message);
}

bool MainWindow::selectNode(const QString& name) {
    // The table knows every node; the graph only those it draws (folded ones are hidden).
    m_syncingSelection = true;
    const bool found = m_nodePage->selectNode(name);
    if (found) m_graphView->selectNode(name);
    if (found) m_inspector->setNode(name);
    m_syncingSelection = false;
    return found;
}

bool MainWindow::runQuantization() {
    if (!m_model.isOk() || m_run->isRunning()) return false;
    Result<QuantConfig> config = m_settings->config();
    if (!config) {
        const QString message = QString::fromStdString(config.message());
        setStatus([message] { return tr("Invalid settings: %1").arg(message); });
        return false;
    }
    ImageFolderOptions images;
    if (m_settings->calibrationIsImageFolder()) {
        Result<ImageFolderOptions> parsed = m_settings->imageOptions();
        if (!parsed) {
            const QString message = QString::fromStdString(parsed.error().message());
            setStatus([message] { return tr("Invalid settings: %1").arg(message); });
            return false;
        }
        images = *parsed;
    }
    if (!m_run->start(*config, m_settings->calibrationPath(), m_settings->analysisDepth(), images))
        return false;
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    m_progress->setFormat(tr("%p %"));
    m_progress->setVisible(true);
    updateRunActions();
    setStatus([] { return tr("Quantizing\u2026"); });
    return true;
}

void MainWindow::cancelRun() {
    if (!m_run->isRunning()) return;
    m_run->cancel();
    setStatus([] { return tr("Cancelling\u2026"); });
    updateRunActions();
}

void MainWindow::updateRunActions() {
    const bool running = m_run->isRunning();
    m_runAction->setEnabled(m_model.isOk() && !running);
    m_settings->runButton()->setEnabled(m_model.isOk() && !running);
    m_cancelAction->setEnabled(running && !m_run->isCancelling());
    if (!running && !m_loadJob.isRunning()) {
        m_progress->setVisible(false);
        m_progress->setRange(0, 0);
        m_progress->setFormat(tr("Loading\u2026"));
    }
}

void MainWindow::onRunProgress(double fraction, const QString& what) {
    m_progress->setValue(int(std::lround(fraction * 100)));
    if (m_run->isCancelling()) return;
    setStatus([what] {
        return what.isEmpty() ? tr("Quantizing\u2026") : tr("Quantizing: %1").arg(what);
    });
}

void MainWindow::updateRunSummary() {
    const auto current = m_run->current();
    if (!current) {
        m_settings->setResultSummary(QString());
        return;
    }
    QStringList lines;
    if (current->evalSamples > 0) {
        lines << tr("Output SQNR: %1 dB").arg(current->outputSqnrDb, 0, 'f', 1);
        const auto previous = m_run->previous();
        if (previous && previous->evalSamples > 0 && std::isfinite(previous->outputSqnrDb) &&
            std::isfinite(current->outputSqnrDb)) {
            const double delta = current->outputSqnrDb - previous->outputSqnrDb;
            lines << tr("Previous run: %1 dB (%2%3 dB)")
                         .arg(previous->outputSqnrDb, 0, 'f', 1)
                         .arg(delta >= 0 ? QStringLiteral("+") : QString())
                         .arg(delta, 0, 'f', 1);
        }
        lines << tr("Arg-max agreement with fp32: %1 % on %n sample(s)", nullptr,
                    current->evalSamples)
                     .arg(current->agreement * 100, 0, 'f', 1);
    } else {
        lines << tr("No layer measured: no calibration data.");
    }
    if (current->dataFree) lines << tr("Activation ranges are data-free (BatchNorm statistics).");
    if (m_run->isStale()) lines << tr("Stale: the settings changed since this run.");
    m_settings->setResultSummary(lines.join(QLatin1Char('\n')));
}

void MainWindow::onRunSucceeded() {
    m_previewSession.reset(); // it belongs to the previous run's quantization
    updateRunActions();
    updateRunSummary();
    const auto current = m_run->current();
    m_nodePage->model()->setRunResults(current, m_run->previous());
    m_inspector->setAnalyses(current->analyses);
    // A saved layout may keep the inspector as a tab behind another dock: show it.
    if (current->analyses && !tabifiedDockWidgets(m_inspectorDock).isEmpty())
        m_inspectorDock->raise();
    QHash<QString, int> bits;
    NodeMetric sqnr;
    sqnr.title = tr("SQNR (dB)");
    for (auto it = current->layers.cbegin(); it != current->layers.cend(); ++it) {
        if (!it.value().inPlan) continue;
        bits.insert(it.key(), it.value().quantized ? it.value().bits : 0);
        if (!std::isnan(it.value().sqnrDb)) sqnr.values.insert(it.key(), it.value().sqnrDb);
    }
    // The point of a run is to see where the error is: show it on the graph, unless the user
    // picked another colouring than the default.
    const bool showMetric = m_graphView->colorMode() == ColorMode::OpCategory;
    m_graphView->setQuantResults(std::move(bits), std::move(sqnr), current->tensorShapes,
                                 showMetric);
    for (ColorMode mode :
         {ColorMode::Sensitivity, ColorMode::OutlierSeverity, ColorMode::ErrorOrigin})
        m_graphView->setModeMetric(mode, current->analyses
                                             ? NodeColoring::metricFor(mode, *current->analyses)
                                             : NodeMetric());

    const double seconds = current->seconds;
    if (current->evalSamples == 0) {
        setStatus([seconds] {
            return tr("Quantized in %1 s; no calibration data, so no layer was measured.")
                .arg(seconds, 0, 'f', 1);
        });
        return;
    }
    const double db = current->outputSqnrDb, agreement = current->agreement * 100;
    const int samples = current->evalSamples;
    QString remedy;
    if (!m_remedyNode.isEmpty()) {
        const QString node = m_remedyNode, what = m_remedyWhat;
        const double before = m_remedyBefore;
        const double after =
            current->layers.contains(node) ? current->layers[node].sqnrDb : qQNaN();
        remedy = tr("%1 (%2): SQNR %3 dB before, %4 dB after.")
                     .arg(node, what,
                          std::isfinite(before) ? QString::number(before, 'f', 1)
                                                : QStringLiteral("\u2013"),
                          std::isfinite(after) ? QString::number(after, 'f', 1)
                                               : QStringLiteral("\u2013"));
        // The remedy's effect on the model's output, before → after.
        if (std::isfinite(m_remedyOutputBefore) && std::isfinite(db))
            remedy += QLatin1Char(' ') +
                      tr("Output SQNR %1 \u2192 %2 dB, arg-max agreement %3 \u2192 %4 %.")
                          .arg(m_remedyOutputBefore, 0, 'f', 1)
                          .arg(db, 0, 'f', 1)
                          .arg(m_remedyAgreementBefore * 100, 0, 'f', 1)
                          .arg(agreement, 0, 'f', 1);
        m_remedyNode.clear();
    }
    const auto previous = m_run->previous();
    const double before = previous && previous->evalSamples > 0 ? previous->outputSqnrDb : qQNaN();
    setStatus([=] {
        QString text = tr("Run finished in %1 s: output SQNR %2 dB, arg-max agreement %3 % on %n "
                          "sample(s).",
                          nullptr, samples)
                           .arg(seconds, 0, 'f', 1)
                           .arg(db, 0, 'f', 1)
                           .arg(agreement, 0, 'f', 1);
        if (std::isfinite(before) && std::isfinite(db))
            text += QLatin1Char(' ') + tr("Previous run: %1 dB (%2%3 dB).")
                                           .arg(before, 0, 'f', 1)
                                           .arg(db >= before ? QStringLiteral("+") : QString())
                                           .arg(db - before, 0, 'f', 1);
        if (!remedy.isEmpty()) text += QLatin1Char(' ') + remedy;
        return text;
    });
}

void MainWindow::onGraphNodeSelected(const QString& name) {
    if (!name.isEmpty()) m_inspector->setNode(name);
    if (m_syncingSelection || name.isEmpty()) return;
    m_syncingSelection = true;
    m_nodePage->selectNode(name);
    m_syncingSelection = false;
}

void MainWindow::onTableNodeSelected(const QString& name) {
    if (!name.isEmpty()) m_inspector->setNode(name);
    if (m_syncingSelection || name.isEmpty()) return;
    m_syncingSelection = true;
    m_graphView->selectNode(name);
    m_syncingSelection = false;
}

// A picked mixed-bit point: the graph shows its weight bits (the other nodes keep the run's).
void MainWindow::showMixedBits(const std::map<std::string, int>& assignment) {
    const auto current = m_run->current();
    if (!current) return;
    QHash<QString, int> bits;
    for (auto it = current->layers.cbegin(); it != current->layers.cend(); ++it)
        if (it.value().inPlan) bits.insert(it.key(), it.value().quantized ? it.value().bits : 0);
    for (const auto& [node, b] : assignment) bits.insert(QString::fromStdString(node), b);
    m_graphView->setNodeBits(std::move(bits));
    m_graphView->setColorMode(ColorMode::BitWidth);
}

void MainWindow::applyMixedBits(const std::map<std::string, int>& assignment) {
    QList<QPair<QString, int>> bits;
    for (const auto& [node, b] : assignment) bits.append({QString::fromStdString(node), b});
    m_settings->setLayerBits(bits);
    m_settingsDock->raise();
    const int count = int(bits.size());
    setStatus([count] {
        return tr("Mixed-bit assignment of %n layer(s) applied to the settings; Run to measure it.",
                  nullptr, count);
    });
}

QMenu* MainWindow::createNodeMenu(const QString& name, QWidget* parent) {
    NodeRemedyMenu::Context context;
    context.settings = m_settings;
    context.graph = m_model.graph;
    context.lastRun = m_run->current();
    // The pairs depend on the graph and on BatchNorm folding only: found once per model.
    const auto config = m_settings->config();
    if (m_model.graph && config) {
        if (m_clePairsGraph != m_model.graph || m_clePairsFolded != config->foldBatchNorm) {
            auto found = equalizablePairs(*m_model.graph, *config);
            m_clePairs = std::make_shared<const std::vector<ClePair>>(
                found ? std::move(found).value() : std::vector<ClePair>());
            m_clePairsGraph = m_model.graph;
            m_clePairsFolded = config->foldBatchNorm;
        }
        context.clePairs = m_clePairs;
    }
    context.chosen = [this](const QString& node, const QString& what) { remedyChosen(node, what); };
    context.invalidSettings = [this](const QString& message) {
        setStatus([message] { return tr("Invalid settings: %1").arg(message); });
    };
    context.preview = [this](RemedyProposal proposal) { showRemedyPreview(std::move(proposal)); };
    if (m_previewSession && context.lastRun && m_previewSession->model == context.lastRun->model)
        context.previewSession = m_previewSession;
    return NodeRemedyMenu::create(name, context, parent);
}

void MainWindow::showRemedyPreview(RemedyProposal proposal) {
    if (!m_remedyPreview) {
        m_remedyPreview = new RemedyPreviewDialog(this);
        connect(m_remedyPreview, &RemedyPreviewDialog::sessionPrepared, this,
                [this](std::shared_ptr<const PreviewSession> session) {
                    const auto current = m_run->current();
                    if (current && session && session->model == current->model)
                        m_previewSession = std::move(session);
                });
        connect(m_remedyPreview, &RemedyPreviewDialog::applied, this, [this](bool run) {
            if (run) runQuantization();
        });
        connect(m_remedyPreview, &RemedyPreviewDialog::previewFinished, this, [this] {
            const RemedyPreviewResult* r = m_remedyPreview->result();
            if (!r) return;
            const QString node = m_remedyPreview->proposal().node;
            const QString what = m_remedyPreview->proposal().description;
            if (r->ok) {
                const double before = r->outputSqnrBeforeDb, after = r->outputSqnrAfterDb;
                const double seconds = r->totalSeconds;
                setStatus([=] {
                    return tr("Preview of %1 (%2): output SQNR %3 \u2192 %4 dB in %5 s; Apply to "
                              "keep it.")
                        .arg(node, what)
                        .arg(before, 0, 'f', 2)
                        .arg(after, 0, 'f', 2)
                        .arg(seconds, 0, 'f', 2);
                });
            } else if (r->cancelled) {
                setStatus([] { return tr("Remedy preview cancelled."); });
            } else {
                const QString error = r->error;
                setStatus([error] { return tr("Remedy preview failed: %1").arg(error); });
            }
        });
    }
    const QString node = proposal.node, what = proposal.description;
    const bool previewing = proposal.request.has_value();
    m_remedyPreview->start(std::move(proposal));
    setStatus([node, what, previewing] {
        return previewing ? tr("Previewing %1 for %2\u2026").arg(what, node)
                          : tr("%1 for %2 cannot be previewed; see the dialog.").arg(what, node);
    });
}

void MainWindow::remedyChosen(const QString& node, const QString& what) {
    m_remedyNode = node;
    m_remedyWhat = what;
    const auto current = m_run->current();
    m_remedyBefore =
        current && current->layers.contains(node) ? current->layers[node].sqnrDb : qQNaN();
    const bool measured = current && current->evalSamples > 0;
    m_remedyOutputBefore = measured ? current->outputSqnrDb : qQNaN();
    m_remedyAgreementBefore = measured ? current->agreement : qQNaN();
    const double seconds = current ? current->seconds : qQNaN();
    setStatus([node, what, seconds] {
        QString text = tr("%1: %2 set in the settings; Run to see its effect.").arg(node, what);
        if (std::isfinite(seconds))
            text += QLatin1Char(' ') + tr("The last run took %1 s.").arg(seconds, 0, 'f', 1);
        return text;
    });
}

} // namespace qs
