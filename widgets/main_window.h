// The main window: assembles the pages and docks, the menus and the status line, and loads
// models in the background. It holds no analysis logic of its own.
#pragma once

#include "job_tracker.h"
#include "model_loader.h"
#include "recent_files.h"

#include <QMainWindow>
#include <QPointer>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

class QAction;
class QActionGroup;
class QDockWidget;
class QLabel;
class QMenu;
class QMessageBox;
class QProgressBar;
class QToolBar;

namespace qs {

struct ClePair;
class Graph;
class GraphView;
class InspectorWidget;
class ModelSummaryWidget;
class NodeTablePage;
class ProjectController;
class QuantSettingsWidget;
class RemedyPreviewDialog;
class RunController;
struct PreviewSession;
struct RemedyProposal;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Starts loading `path` (a file or a ":/" resource) off the GUI thread. modelLoaded or
    // modelLoadFailed follows, unless a later openModel() supersedes this one.
    void openModel(const QString& path);
    bool isLoading() const { return m_loadJob.isRunning(); }
    // The displayed model (a failed load keeps the previous one); empty before the first load.
    const LoadedModel& model() const { return m_model; }

    // Selects the node in every view; false when the model has no such node.
    bool selectNode(const QString& name);

    // Interactive (the default): a load error also opens a message box. Scripted runs turn it
    // off and get the error from modelLoadFailed and the status line.
    void setInteractive(bool interactive) { m_interactive = interactive; }
    bool isInteractive() const { return m_interactive; }

    NodeTablePage* nodePage() const { return m_nodePage; }
    GraphView* graphView() const { return m_graphView; }
    QuantSettingsWidget* settingsWidget() const { return m_settings; }
    RunController* runController() const { return m_run; }
    InspectorWidget* inspector() const { return m_inspector; }
    // The remedies of a node's context menu (NodeRemedyMenu): keep float, 16-bit weights,
    // per-channel weights, another calibrator, CLE, AdaRound; each sets the override in the
    // settings (results become stale) and the next run reports the node's SQNR before and
    // after. The caller owns the menu.
    QMenu* createNodeMenu(const QString& name, QWidget* parent);
    // The preview of the remedy last picked from a node menu (null before the first).
    RemedyPreviewDialog* remedyPreview() const { return m_remedyPreview; }

    // Quantizes the loaded model with the settings dock's options on a worker thread, then
    // measures every layer against fp32; false if no model is loaded, a run is under way or
    // the settings are invalid (the status line says which).
    bool runQuantization();
    void cancelRun();
    ModelSummaryWidget* summaryWidget() const { return m_summary; }
    ProjectController* projectController() const { return m_project; }
    QString statusText() const;
    // The status line; a function so that it is rebuilt in the new language on a switch.
    void showStatus(std::function<QString()> text) { setStatus(std::move(text)); }

signals:
    void modelLoaded(const QString& path);
    void modelLoadFailed(const QString& path, const QString& message);

protected:
    void changeEvent(QEvent* event) override;
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createActions();
    void createMenus();
    void createDocks();
    void createStatusBar();
    void retranslateUi();
    void restoreWindowState();
    void saveWindowState();

    void showOpenDialog();
    void showAbout();
    void updateRecentFilesMenu();
    void updateWindowTitle();
    void updateLanguageActions();
    void onModelLoaded(LoadedModel loaded);
    void showLoadError(const QString& path, const QString& message);
    // The status text is a function so that it is rebuilt in the new language on a switch.
    void setStatus(std::function<QString()> text);

    JobTracker m_loadJob{this};
    LoadedModel m_model;
    RecentFiles m_recentFiles;
    bool m_interactive = true;

    void onGraphNodeSelected(const QString& name);
    void onRunSucceeded();
    void onRunProgress(double fraction, const QString& what);
    void updateRunActions();
    void updateRunSummary();
    void onTableNodeSelected(const QString& name);
    void showMixedBits(const std::map<std::string, int>& assignment);
    void remedyChosen(const QString& node, const QString& what);
    void showRemedyPreview(RemedyProposal proposal);
    RemedyPreviewDialog* m_remedyPreview = nullptr;
    // The what-if session of the current run's model, prepared by the first preview.
    std::shared_ptr<const PreviewSession> m_previewSession;
    QString m_remedyNode;      // the node of the last remedy, until the next run reports it
    QString m_remedyWhat;      // its description, translated when chosen
    double m_remedyBefore = 0; // the node's SQNR in the run before (NaN: not measured)
    // The model output's SQNR and arg-max agreement in the run before the remedy (NaN: none).
    double m_remedyOutputBefore = 0, m_remedyAgreementBefore = 0;
    // The equalizable pairs of the loaded model (the node menu's "CLE for this pair"), found
    // on the first menu and kept for that graph and BatchNorm folding.
    std::shared_ptr<const std::vector<ClePair>> m_clePairs;
    std::shared_ptr<const Graph> m_clePairsGraph;
    bool m_clePairsFolded = true;
    void applyMixedBits(const std::map<std::string, int>& assignment);

    GraphView* m_graphView = nullptr;
    NodeTablePage* m_nodePage = nullptr;
    QDockWidget* m_layerDock = nullptr;
    QuantSettingsWidget* m_settings = nullptr;
    QDockWidget* m_settingsDock = nullptr;
    InspectorWidget* m_inspector = nullptr;
    QDockWidget* m_inspectorDock = nullptr;
    RunController* m_run = nullptr;
    QToolBar* m_toolBar = nullptr;
    bool m_syncingSelection = false;
    ModelSummaryWidget* m_summary = nullptr;
    ProjectController* m_project = nullptr;
    QDockWidget* m_summaryDock = nullptr;
    QLabel* m_statusLabel = nullptr;
    QProgressBar* m_progress = nullptr;
    QPointer<QMessageBox> m_errorBox;
    std::function<QString()> m_statusText;

    QMenu* m_fileMenu = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QMenu* m_languageMenu = nullptr;
    QMenu* m_helpMenu = nullptr;
    QAction* m_openAction = nullptr;
    QAction* m_openExampleAction = nullptr;
    QAction* m_clearRecentAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_findAction = nullptr;
    QAction* m_runAction = nullptr;
    QAction* m_cancelAction = nullptr;
    QAction* m_zoomInAction = nullptr;
    QAction* m_zoomOutAction = nullptr;
    QAction* m_fitAction = nullptr;
    QAction* m_showFoldedAction = nullptr;
    QAction* m_aboutAction = nullptr;
    QAction* m_aboutQtAction = nullptr;
    QActionGroup* m_languageGroup = nullptr;
};

} // namespace qs
