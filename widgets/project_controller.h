// File ▸ Open Project / Save Project / Save Project As for the main window, on core's .qsproj
// reader and writer (project/project_file.h): the model, the calibration data, every setting
// and per-node override, the selected node and the last run's results, so that reopening shows
// the same state without running again. Saves are atomic and keep the previous version as
// .qsproj.bak; the open project is saved again when the window closes. A project whose model
// is not where it was asks the user to locate it (a ModelLocator that tests replace).
#pragma once

#include "project/project_file.h"
#include "quant_run.h"

#include <QObject>
#include <QString>
#include <QStringList>
#include <functional>
#include <optional>

class QAction;
class QPushButton;
class QDialog;
class QLabel;

namespace qs {

class MainWindow;
class RunDiffModel;

class ProjectController : public QObject {
    Q_OBJECT

public:
    // Returns the model's new path, or an empty string when the user gives up.
    using ModelLocator = std::function<QString(const QString& missingPath)>;

    explicit ProjectController(MainWindow* window);

    QString projectPath() const { return m_path; }
    void setModelLocator(ModelLocator locator) { m_locator = std::move(locator); }

    // Empty path: ask with a file dialog. False on failure (lastError() says why) or when the
    // user cancels. open() finishes asynchronously: projectOpened or projectFailed follows.
    bool open(const QString& path = QString());
    bool save(); // to projectPath(); Save As when there is none yet
    bool saveAs(const QString& path = QString());
    // Saves the open project (when there is one and a model is loaded); called on close.
    bool autosave();

    // Compares the window's last run with another run (a .qsproj, an analyze JSON or a
    // quant_table.json; empty path: ask) layer by layer and shows it in a dialog. False when
    // there is nothing to compare or the file cannot be read (lastError() says why).
    bool compareWith(const QString& path = QString());
    RunDiffModel* diffModel() const { return m_diffModel; }
    // Writes the last comparison as the report's "Run comparison" section (ReportWriter; the
    // same report as `quantscope-cli diff A B --report`), HTML or PDF by the extension; empty
    // path: ask. False when nothing was compared, the user cancels or the write fails
    // (lastError() says why).
    bool exportComparisonReport(const QString& path = QString());

    // The window's state as a project.
    Project currentProject() const;
    QString lastError() const { return m_error; }
    // Warnings of the last open (fields that were dropped), one line each.
    QStringList lastWarnings() const { return m_warnings; }

    QAction* openAction() const { return m_openAction; }
    QAction* saveAction() const { return m_saveAction; }
    QAction* saveAsAction() const { return m_saveAsAction; }
    QAction* compareAction() const { return m_compareAction; }

    // Conversions between the GUI's run result and the project's (no Qt in core).
    static ProjectRunResult toProjectRun(const QuantRunResult& run);
    static QuantRunResult fromProjectRun(const ProjectRunResult& run);

signals:
    void projectOpened(const QString& path);
    void projectFailed(const QString& path, const QString& message);
    void projectSaved(const QString& path);

private:
    void retranslateUi();
    bool fail(const QString& path, const QString& message);
    void onModelLoaded(const QString& modelPath);
    void onModelLoadFailed(const QString& modelPath, const QString& message);
    void disconnectPending();
    QString askForModel(const QString& missingPath);

    MainWindow* m_window;
    QString m_path;
    QString m_error;
    QStringList m_warnings;
    ModelLocator m_locator;
    // An open in progress: the project waits for its model to load.
    std::optional<Project> m_pending;
    QString m_pendingPath;
    QString m_pendingModel;
    QMetaObject::Connection m_loadedConnection, m_failedConnection;
    QAction* m_openAction;
    QAction* m_saveAction;
    QAction* m_saveAsAction;
    QAction* m_compareAction;
    RunDiffModel* m_diffModel;
    QDialog* m_diffDialog = nullptr;
    QLabel* m_diffSummary = nullptr;
    QPushButton* m_diffExportButton = nullptr;
};

} // namespace qs
