// writeFileAtomically: the destination is either the old file or the complete new one, never a
// mix; no temporary file survives a failure; every error names the destination path.
#include "util/atomic_file.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace qs;

namespace {

std::string readAll(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return "<unreadable>";
    const QByteArray b = f.readAll();
    return std::string(b.constData(), size_t(b.size()));
}

void writeRaw(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), bytes.size());
}

// Entries of dir other than the expected ones (leftover temporary files).
QStringList strayFiles(const QString& dir, const QStringList& expected) {
    QStringList out;
    for (const QString& e : QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot))
        if (!expected.contains(e)) out << e;
    return out;
}

} // namespace

class AtomicFileTest : public QObject {
    Q_OBJECT
private slots:
    void writesNewFileAndReplacesOld();
    void keepsPermissionsOfReplacedFile();
    void failingWriterLeavesOldFile();
    void fileSizeLimitMidWriteLeavesOldFile();
    void unwritableFolderLeavesOldFile();
    void renameFailureRemovesTemporary();
};

void AtomicFileTest::writesNewFileAndReplacesOld() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("out.json"));
    QVERIFY(writeFileAtomically(path.toStdString(), std::string("first")).isOk());
    QCOMPARE(readAll(path), std::string("first"));
    // Binary content with NULs, longer than the old file, then shorter: no residue of the old.
    const std::string bin("a\0b\0c-longer-than-before", 24);
    QVERIFY(writeFileAtomically(path.toStdString(), bin).isOk());
    QCOMPARE(readAll(path), bin);
    QVERIFY(writeFileAtomically(path.toStdString(), std::string("x")).isOk());
    QCOMPARE(readAll(path), std::string("x"));
    // Streaming writer: chunks in order.
    Status st = writeFileAtomically(path.toStdString(), [](AtomicFileSink& sink) -> Status {
        QS_TRY(sink.write("ab"));
        return sink.write("cd");
    });
    QVERIFY(st.isOk());
    QCOMPARE(readAll(path), std::string("abcd"));
    QCOMPARE(strayFiles(dir.path(), {QStringLiteral("out.json")}), QStringList());
}

void AtomicFileTest::keepsPermissionsOfReplacedFile() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("table.json"));
    writeRaw(path, "old");
    QCOMPARE(::chmod(QFile::encodeName(path).constData(), 0640), 0);
    QVERIFY(writeFileAtomically(path.toStdString(), std::string("new")).isOk());
    struct stat st {};
    QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
    QCOMPARE(int(st.st_mode & 0777), 0640);
}

void AtomicFileTest::failingWriterLeavesOldFile() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("model.onnx"));
    writeRaw(path, "previous model");
    Status st = writeFileAtomically(path.toStdString(), [](AtomicFileSink& sink) -> Status {
        QS_TRY(sink.write(std::string(100000, 'z'))); // half the export is on disk already
        return makeError(ErrorCode::Internal, "exporter gave up");
    });
    QVERIFY(!st.isOk());
    QVERIFY2(st.message().find(path.toStdString()) != std::string::npos, st.message().c_str());
    QVERIFY(st.message().find("exporter gave up") != std::string::npos);
    QCOMPARE(readAll(path), std::string("previous model"));
    QCOMPARE(strayFiles(dir.path(), {QStringLiteral("model.onnx")}), QStringList());
}

// A real write(2) failure in the middle of the data: RLIMIT_FSIZE makes write return EFBIG
// once the temporary file reaches 4 KiB (SIGXFSZ ignored so the process survives).
void AtomicFileTest::fileSizeLimitMidWriteLeavesOldFile() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("quant_table.json"));
    writeRaw(path, "{\"old\": true}");
    struct rlimit saved {};
    QCOMPARE(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = saved;
    small.rlim_cur = 4096;
    QCOMPARE(::setrlimit(RLIMIT_FSIZE, &small), 0);
    Status st = writeFileAtomically(path.toStdString(), std::string(1 << 20, 'q'));
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, oldHandler);
    QVERIFY(!st.isOk());
    QVERIFY2(st.message().find(path.toStdString()) != std::string::npos, st.message().c_str());
    QCOMPARE(st.code(), ErrorCode::IoError);
    QCOMPARE(readAll(path), std::string("{\"old\": true}"));
    QCOMPARE(strayFiles(dir.path(), {QStringLiteral("quant_table.json")}), QStringList());
}

void AtomicFileTest::unwritableFolderLeavesOldFile() {
    QTemporaryDir dir;
    const QString sub = dir.filePath(QStringLiteral("ro"));
    QVERIFY(QDir().mkpath(sub));
    const QString path = sub + QStringLiteral("/calibration.cache");
    writeRaw(path, "old cache");
    QCOMPARE(::chmod(QFile::encodeName(sub).constData(), 0555), 0);
    // root ignores folder permissions: there the read-only case is a folder that does not exist
    // (no temporary file can be created either way).
    const QString target =
        ::geteuid() == 0 ? sub + QStringLiteral("/missing/calibration.cache") : path;
    Status st = writeFileAtomically(target.toStdString(), std::string("new cache"));
    QCOMPARE(::chmod(QFile::encodeName(sub).constData(), 0755), 0);
    QVERIFY(!st.isOk());
    QVERIFY2(st.message().find(target.toStdString()) != std::string::npos, st.message().c_str());
    QCOMPARE(readAll(path), std::string("old cache"));
    QCOMPARE(strayFiles(sub, {QStringLiteral("calibration.cache")}), QStringList());
}

// The destination is a non-empty folder: rename fails after the data was written; the
// temporary file is removed and the folder untouched.
void AtomicFileTest::renameFailureRemovesTemporary() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("out.csv"));
    QVERIFY(QDir().mkpath(path));
    writeRaw(path + QStringLiteral("/keep"), "k");
    Status st = writeFileAtomically(path.toStdString(), std::string("a,b\n"));
    QVERIFY(!st.isOk());
    QVERIFY2(st.message().find(path.toStdString()) != std::string::npos, st.message().c_str());
    QCOMPARE(readAll(path + QStringLiteral("/keep")), std::string("k"));
    QCOMPARE(strayFiles(dir.path(), {QStringLiteral("out.csv")}), QStringList());
}

QTEST_GUILESS_MAIN(AtomicFileTest)
#include "atomic_file_test.moc"
