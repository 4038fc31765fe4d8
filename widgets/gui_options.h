// The GUI's command line (DESIGN.md, contract):
//   quantscope [MODEL] [--calib C.npy] [QUANT OPTIONS] [--select NODE] [--screenshot FILE.png]
//              [--quit-after-screenshot]
// QUANT OPTIONS are core's (quantOptionNames()); they are validated by core's parser here.
// Unknown options are usage errors (exit code 2), never silently ignored.
#pragma once

#include <QCoreApplication>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

namespace qs {

struct GuiOptions {
    QString modelPath;      // empty: open the bundled example model
    QString selectNode;     // node to select once the model is loaded
    QString screenshotPath; // save a picture of the window once the model is loaded
    bool quitAfterScreenshot = false;
    QString calibrationPath; // --calib: run the quantization once the model is loaded
    QList<QPair<QString, QString>> quantOptions; // (name, value), "" for switches
};

struct GuiCommandLine {
    enum class Action { Run, ShowHelp, ShowVersion, UsageError };
    Action action = Action::Run;
    GuiOptions options;
    QString text;     // help, version, or a one-line error
    int exitCode = 0; // for everything but Run: 0, or 2 for a usage error
};

class GuiCommandLineParser {
    Q_DECLARE_TR_FUNCTIONS(qs::GuiCommandLineParser)

public:
    static constexpr int kUsageErrorExitCode = 2;
    // `arguments` as QCoreApplication::arguments() gives them (program name first).
    static GuiCommandLine parse(const QStringList& arguments);
};

} // namespace qs
