// Scripted runs of the GUI (DESIGN.md): open the model given on the command line, select a
// node, save a picture of the whole window, and report an exit code. Drives MainWindow only
// through its public interface, so a test can drive it the same way.
#pragma once

#include "gui_options.h"

#include <QObject>
#include <QPointer>

namespace qs {

class MainWindow;

class Automation : public QObject {
    Q_OBJECT

public:
    Automation(MainWindow* window, GuiOptions options, QObject* parent = nullptr);

    // Opens the model (the bundled example when none is given). Call from the event loop.
    void start();
    bool shouldQuit() const { return m_options.quitAfterScreenshot; }

    // Writes a PNG of the window atomically (QSaveFile). Returns an error text, empty on success.
    static QString saveScreenshot(QWidget* window, const QString& path);

signals:
    // Everything asked for is done (or failed). `message` is a one-line error, empty on success;
    // `exitCode` is 0 on success, 1 on a failure.
    void finished(int exitCode, const QString& message);

private:
    void onLoaded();
    void afterRun();
    void onLoadFailed(const QString& path, const QString& message);
    void takeScreenshot();
    void finish(int exitCode, const QString& message);

    QPointer<MainWindow> m_window;
    GuiOptions m_options;
    QString m_selectError;
    bool m_done = false;
    bool m_ran = false;
};

} // namespace qs
