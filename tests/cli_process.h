// quantscope-cli (QS_CLI_PATH, a compile definition of the test) as a child process, for the
// tests that check the command line as a user or a script meets it: exit code, stdout, stderr.
#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>

struct CliResult {
    int exitCode = -1; // -1: still running after 300 s (killed); -2: crashed
    QString out, err;
};

inline CliResult runCli(const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral(QS_CLI_PATH), args);
    if (!p.waitForFinished(300000)) return {};
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}
