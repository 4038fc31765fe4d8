// quantscope: the desktop analyzer. Everything but the wiring lives in quantscope_widgets.
#include "automation.h"
#include "gui_options.h"
#include "language_manager.h"
#include "main_window.h"
#include "resources.h"

#include <QApplication>
#include <QTextStream>
#include <QTimer>

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("QuantScope"));
    QCoreApplication::setApplicationName(QStringLiteral("quantscope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(QUANTSCOPE_VERSION));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("QuantScope"));
    qs::initResources();
    QApplication::setWindowIcon(qs::applicationIcon());
    // Before parsing, so that --help and usage errors speak the user's language.
    qs::LanguageManager::instance()->applyStartupLanguage();

    const qs::GuiCommandLine commandLine =
        qs::GuiCommandLineParser::parse(QCoreApplication::arguments());
    switch (commandLine.action) {
    case qs::GuiCommandLine::Action::ShowHelp:
    case qs::GuiCommandLine::Action::ShowVersion:
        QTextStream(stdout) << commandLine.text << Qt::endl;
        return commandLine.exitCode;
    case qs::GuiCommandLine::Action::UsageError:
        QTextStream(stderr) << commandLine.text << Qt::endl;
        return commandLine.exitCode;
    case qs::GuiCommandLine::Action::Run:
        break;
    }

    qs::MainWindow window;
    window.show();
    qs::Automation automation(&window, commandLine.options);
    QObject::connect(&automation, &qs::Automation::finished, &app,
                     [&automation](int exitCode, const QString& message) {
                         if (!message.isEmpty())
                             QTextStream(stderr)
                                 << QStringLiteral("quantscope: %1").arg(message) << Qt::endl;
                         if (automation.shouldQuit()) QCoreApplication::exit(exitCode);
                     });
    // Start inside the event loop, so that an early finish can still end it.
    QTimer::singleShot(0, &automation, &qs::Automation::start);
    return app.exec();
}
