// The main window offscreen: loading by API and by drop, stale results, broken files, the
// language switch, settings, and the scripted command line (--select, --screenshot), both
// through the library and through the real `quantscope` executable.
#include "automation.h"
#include "gui_options.h"
#include "language_manager.h"
#include "main_window.h"
#include "model_summary_widget.h"
#include "node_table_model.h"
#include "node_table_page.h"
#include "recent_files.h"

#include <QDockWidget>
#include <QFile>
#include <QHeaderView>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

using namespace qs;

namespace {

const QString kModelPath = QStringLiteral(QS_SHARED_DIR "/models/digits_mbv2_bn.onnx");
constexpr int kModelNodes = 71; // counted in the file with `protoc --decode=onnx.ModelProto`
const QString kSelectedNode = QStringLiteral("/features/features.1/Add");

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& bytes) {
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly)) return {};
    file.write(bytes);
    return path;
}

QByteArray readFile(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QMessageBox* errorBox(const MainWindow& window) {
    return window.findChild<QMessageBox*>(QStringLiteral("loadErrorBox"));
}

// Not blank: the picture has many distinct colours.
bool looksDrawn(const QImage& image) {
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 7)
        for (int x = 0; x < image.width(); x += 7) colours.insert(image.pixel(x, y));
    return colours.size() > 8;
}

} // namespace

class MainWindowTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true); // QSettings go to a test location
        QCoreApplication::setOrganizationName(QStringLiteral("QuantScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("main_window_test"));
        QSettings().clear();
        LanguageManager::instance()->setLanguage(QStringLiteral("en"));
        QVERIFY(m_dir.isValid());
    }

    void cleanupTestCase() { QSettings().clear(); }

    void opensModel() {
        MainWindow window;
        window.show();
        QSignalSpy loaded(&window, &MainWindow::modelLoaded);
        window.openModel(kModelPath);
        QVERIFY(window.isLoading());
        QTRY_COMPARE(loaded.count(), 1);
        QCOMPARE(window.nodePage()->model()->rowCount(), kModelNodes);
        QCOMPARE(window.nodePage()->view()->model()->rowCount(), kModelNodes);
        QVERIFY(!window.isLoading());
        QVERIFY(window.windowTitle().contains(QStringLiteral("digits_mbv2_bn.onnx")));
        QVERIFY(window.statusText().contains(QStringLiteral("71")));
        QVERIFY(window.summaryWidget()->tree()->topLevelItemCount() >= 5);
        QCOMPARE(RecentFiles().files().value(0), QFileInfo(kModelPath).absoluteFilePath());

        // The filter box narrows the table through the proxy.
        window.nodePage()->filterEdit()->setText(QStringLiteral("Gemm"));
        QCOMPARE(window.nodePage()->view()->model()->rowCount(), 1);
        // Selecting a hidden node clears the filter.
        QVERIFY(window.selectNode(kSelectedNode));
        QCOMPARE(window.nodePage()->currentNodeName(), kSelectedNode);
        QCOMPARE(window.nodePage()->view()->model()->rowCount(), kModelNodes);
        QVERIFY(!window.selectNode(QStringLiteral("no such node")));
    }

    void opensBundledExample() {
        MainWindow window;
        QSignalSpy loaded(&window, &MainWindow::modelLoaded);
        window.openModel(QStringLiteral(":/models/digits_mbv2_bn.onnx"));
        QTRY_COMPARE(loaded.count(), 1);
        QCOMPARE(window.nodePage()->model()->rowCount(), kModelNodes);
        QVERIFY(QFile::exists(QStringLiteral(":/models/digits_calib_x.npy")));
    }

    void brokenFilesShowAnErrorAndKeepTheModel_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("garbage") << QByteArray("this is not an ONNX model\n\x01\x02\xff", 29);
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("truncated") << readFile(kModelPath).left(5000);
    }

    void brokenFilesShowAnErrorAndKeepTheModel() {
        QFETCH(QByteArray, bytes);
        const QString path =
            writeFile(m_dir, QStringLiteral("broken_%1.onnx").arg(QTest::currentDataTag()), bytes);
        MainWindow window;
        window.show();
        QSignalSpy loaded(&window, &MainWindow::modelLoaded);
        QSignalSpy failed(&window, &MainWindow::modelLoadFailed);
        window.openModel(kModelPath);
        QTRY_COMPARE(loaded.count(), 1);
        window.openModel(path);
        QTRY_COMPARE(failed.count(), 1);
        QVERIFY(!failed.first().at(1).toString().isEmpty());
        QVERIFY(!failed.first().at(1).toString().contains(QLatin1Char('\n')));
        QTRY_VERIFY(errorBox(window) && errorBox(window)->isVisible());
        QVERIFY(window.statusText().startsWith(QStringLiteral("Could not open")));
        // The previous model stays on screen and the window stays usable.
        QCOMPARE(window.nodePage()->model()->rowCount(), kModelNodes);
        QCOMPARE(window.model().path, kModelPath);
        errorBox(window)->close();
        window.openModel(kModelPath);
        QTRY_COMPARE(loaded.count(), 2);
    }

    void missingFileInScriptedModeOpensNoDialog() {
        MainWindow window;
        window.setInteractive(false);
        QSignalSpy failed(&window, &MainWindow::modelLoadFailed);
        window.openModel(m_dir.filePath(QStringLiteral("does_not_exist.onnx")));
        QTRY_COMPARE(failed.count(), 1);
        QVERIFY(failed.first().at(1).toString().contains(QStringLiteral("does_not_exist.onnx")));
        QVERIFY(!errorBox(window));
        QCOMPARE(window.nodePage()->model()->rowCount(), 0);
    }

    // Generation guard: a result that arrives after a newer open never replaces it.
    void staleResultIsDropped() {
        const QString broken = writeFile(m_dir, QStringLiteral("stale.onnx"), QByteArray("junk"));
        MainWindow window;
        QSignalSpy loaded(&window, &MainWindow::modelLoaded);
        QSignalSpy failed(&window, &MainWindow::modelLoadFailed);
        window.openModel(kModelPath);
        window.openModel(broken);
        window.openModel(kModelPath);
        QTRY_COMPARE(loaded.count(), 1);
        QTest::qWait(200); // the superseded jobs have long finished by now
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(failed.count(), 0);
        QVERIFY(!errorBox(window));
        QCOMPARE(window.nodePage()->model()->rowCount(), kModelNodes);
    }

    void dropOpensModel() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy loaded(&window, &MainWindow::modelLoaded);
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(kModelPath)});
        const QPoint at(window.width() / 2, window.height() / 2);
        QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&window, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&window, &drop);
        QTRY_COMPARE(loaded.count(), 1);
        QCOMPARE(window.nodePage()->model()->rowCount(), kModelNodes);

        QMimeData text;
        text.setUrls({QUrl::fromLocalFile(m_dir.filePath(QStringLiteral("notes.txt")))});
        QDragEnterEvent refuse(at, Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
        refuse.setAccepted(false);
        QApplication::sendEvent(&window, &refuse);
        QVERIFY(!refuse.isAccepted());
    }

    void languageSwitchRetranslates() {
        MainWindow window;
        QSignalSpy loaded(&window, &MainWindow::modelLoaded);
        window.openModel(kModelPath);
        QTRY_COMPARE(loaded.count(), 1);
        auto fileMenuTitle = [&] { return window.menuBar()->actions().value(0)->text(); };
        auto nameHeader = [&] {
            return window.nodePage()
                ->view()
                ->model()
                ->headerData(NodeTableModel::NameColumn, Qt::Horizontal)
                .toString();
        };
        QCOMPARE(fileMenuTitle(), QStringLiteral("&File"));
        QVERIFY(LanguageManager::instance()->setLanguage(QStringLiteral("zh_CN")));
        QCoreApplication::processEvents(); // LanguageChange is posted
        QCOMPARE(fileMenuTitle(), QStringLiteral("文件(&F)"));
        QCOMPARE(nameHeader(), QStringLiteral("名称"));
        QCOMPARE(window.findChild<QDockWidget*>(QStringLiteral("settingsDock"))->windowTitle(),
                 QStringLiteral("量化"));
        QCOMPARE(window.findChild<QDockWidget*>(QStringLiteral("layerDock"))->windowTitle(),
                 QStringLiteral("层"));
        QVERIFY(window.statusText().contains(QStringLiteral("已加载")));
        QCOMPARE(QSettings().value(QStringLiteral("ui/language")).toString(),
                 QStringLiteral("zh_CN"));
        QVERIFY(!LanguageManager::instance()->setLanguage(QStringLiteral("xx_XX")));
        QCOMPARE(LanguageManager::instance()->currentLanguage(), QStringLiteral("zh_CN"));
        QVERIFY(LanguageManager::instance()->setLanguage(QStringLiteral("en")));
        QCoreApplication::processEvents();
        QCOMPARE(fileMenuTitle(), QStringLiteral("&File"));
        QCOMPARE(nameHeader(), QStringLiteral("Name"));
    }

    void geometryKeptInSettings() {
        {
            MainWindow window;
            window.show();
            window.resize(900, 640);
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.close();
        }
        QVERIFY(!QSettings().value(QStringLiteral("mainWindow/geometry")).toByteArray().isEmpty());
        MainWindow again;
        QCOMPARE(again.size(), QSize(900, 640));
    }

    void commandLine_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("action");
        QTest::addColumn<int>("exitCode");
        using A = GuiCommandLine::Action;
        QTest::newRow("none") << QStringList{} << int(A::Run) << 0;
        QTest::newRow("model") << QStringList{QStringLiteral("m.onnx")} << int(A::Run) << 0;
        QTest::newRow("all") << QStringList{QStringLiteral("m.onnx"),
                                            QStringLiteral("--select"),
                                            QStringLiteral("n"),
                                            QStringLiteral("--screenshot"),
                                            QStringLiteral("s.png"),
                                            QStringLiteral("--quit-after-screenshot")}
                             << int(A::Run) << 0;
        QTest::newRow("unknown") << QStringList{QStringLiteral("--calib-typo"), QStringLiteral("x")}
                                 << int(A::UsageError) << 2;
        QTest::newRow("two models")
            << QStringList{QStringLiteral("a.onnx"), QStringLiteral("b.onnx")} << int(A::UsageError)
            << 2;
        QTest::newRow("quit alone")
            << QStringList{QStringLiteral("--quit-after-screenshot")} << int(A::UsageError) << 2;
        QTest::newRow("missing value")
            << QStringList{QStringLiteral("--screenshot")} << int(A::UsageError) << 2;
        QTest::newRow("help") << QStringList{QStringLiteral("--help")} << int(A::ShowHelp) << 0;
    }

    void commandLine() {
        QFETCH(QStringList, arguments);
        QFETCH(int, action);
        QFETCH(int, exitCode);
        const GuiCommandLine parsed =
            GuiCommandLineParser::parse(QStringList{QStringLiteral("quantscope")} + arguments);
        QCOMPARE(int(parsed.action), action);
        QCOMPARE(parsed.exitCode, exitCode);
        if (parsed.action == GuiCommandLine::Action::UsageError) {
            QVERIFY(parsed.text.startsWith(QStringLiteral("quantscope: ")));
            QVERIFY(!parsed.text.contains(QLatin1Char('\n')));
        }
        if (QByteArray(QTest::currentDataTag()) == "all") {
            QCOMPARE(parsed.options.modelPath, QStringLiteral("m.onnx"));
            QCOMPARE(parsed.options.selectNode, QStringLiteral("n"));
            QCOMPARE(parsed.options.screenshotPath, QStringLiteral("s.png"));
            QVERIFY(parsed.options.quitAfterScreenshot);
        }
    }

    void automationSelectsAndSavesScreenshot() {
        const QString png = m_dir.filePath(QStringLiteral("window.png"));
        MainWindow window;
        window.show();
        Automation automation(&window, {kModelPath, kSelectedNode, png, true});
        QSignalSpy finished(&automation, &Automation::finished);
        automation.start();
        QTRY_COMPARE(finished.count(), 1);
        QCOMPARE(finished.first().at(0).toInt(), 0);
        QCOMPARE(finished.first().at(1).toString(), QString());
        QCOMPARE(window.nodePage()->currentNodeName(), kSelectedNode);
        QImage image(png, "PNG");
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), window.grab().size());
        QVERIFY(looksDrawn(image));
    }

    void automationReportsFailures() {
        MainWindow window;
        Automation unknownNode(&window, {kModelPath, QStringLiteral("nope"), QString(), false});
        QSignalSpy finished(&unknownNode, &Automation::finished);
        unknownNode.start();
        QTRY_COMPARE(finished.count(), 1);
        QCOMPARE(finished.first().at(0).toInt(), 1);
        QVERIFY(finished.first().at(1).toString().contains(QStringLiteral("'nope'")));

        MainWindow other;
        const QString png = m_dir.filePath(QStringLiteral("never.png"));
        Automation badModel(&other,
                            {m_dir.filePath(QStringLiteral("missing.onnx")), QString(), png, true});
        QSignalSpy failed(&badModel, &Automation::finished);
        badModel.start();
        QTRY_COMPARE(failed.count(), 1);
        QCOMPARE(failed.first().at(0).toInt(), 1);
        QVERIFY(!QFile::exists(png));
        QVERIFY(!errorBox(other)); // scripted: no dialog waits for a click

        const QString error = Automation::saveScreenshot(
            &window, m_dir.filePath(QStringLiteral("no/such/dir/x.png")));
        QVERIFY(!error.isEmpty());
    }

    // The real executable: exit codes and the screenshot file.
    void executable() {
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
        process.setProcessEnvironment(env);

        process.start(QStringLiteral(QS_GUI_PATH), {QStringLiteral("--no-such-option")});
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitCode(), 2);
        const QList<QByteArray> lines = process.readAllStandardError().trimmed().split('\n');
        QVERIFY(lines.last().contains("no-such-option"));

        const QString png = m_dir.filePath(QStringLiteral("cli.png"));
        process.start(QStringLiteral(QS_GUI_PATH),
                      {kModelPath, QStringLiteral("--select"), kSelectedNode,
                       QStringLiteral("--screenshot"), png,
                       QStringLiteral("--quit-after-screenshot")});
        QVERIFY(process.waitForFinished(60000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
        QVERIFY(QFileInfo(png).size() > 0);
        QImage image(png, "PNG");
        QVERIFY(!image.isNull());
        QVERIFY(looksDrawn(image));

        // No model argument: the bundled example opens.
        const QString example = m_dir.filePath(QStringLiteral("example.png"));
        process.start(QStringLiteral(QS_GUI_PATH), {QStringLiteral("--screenshot"), example,
                                                    QStringLiteral("--quit-after-screenshot")});
        QVERIFY(process.waitForFinished(60000));
        QCOMPARE(process.exitCode(), 0);
        QVERIFY(QFileInfo(example).size() > 0);

        process.start(QStringLiteral(QS_GUI_PATH),
                      {m_dir.filePath(QStringLiteral("missing.onnx")),
                       QStringLiteral("--screenshot"), m_dir.filePath(QStringLiteral("m.png")),
                       QStringLiteral("--quit-after-screenshot")});
        QVERIFY(process.waitForFinished(60000));
        QCOMPARE(process.exitCode(), 1);
        QVERIFY(process.readAllStandardError().contains("missing.onnx"));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
