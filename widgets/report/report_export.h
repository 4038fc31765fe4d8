// File ▸ Export Report… for the main window: the last run's report as HTML or PDF, written by
// ReportWriter from the same structs `quantscope-cli analyze --report` uses. The action is
// enabled while there is a run with analyses.
#pragma once

#include <QObject>
#include <QString>

class QAction;

namespace qs {

class MainWindow;

class ReportExporter : public QObject {
    Q_OBJECT

public:
    explicit ReportExporter(MainWindow* window);
    QAction* action() const { return m_action; }

    // Writes the window's last run to `path` (empty: ask with a file dialog). False on failure
    // (lastError() says why) or when the user cancels.
    bool exportReport(const QString& path = QString());
    QString lastError() const { return m_error; }

private:
    void retranslateUi();
    void updateEnabled();

    MainWindow* m_window;
    QAction* m_action;
    QString m_error;
};

} // namespace qs
