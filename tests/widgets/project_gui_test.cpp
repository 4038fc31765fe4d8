// File ▸ Save/Open Project in the main window, offscreen: a saved project reopens in a new
// window with the same settings, calibration data, selection and last run's numbers shown in
// the layer table without running again; a project whose model moved asks for it (the answer
// injected); a corrupt project is refused with the field named, a hand-edited one opens what it
// can; closing the window saves the open project and keeps the previous version as .bak.
#include "graph_view.h"
#include "language_manager.h"
#include "main_window.h"
#include "node_table_model.h"
#include "node_table_page.h"
#include "project_controller.h"
#include "quant_settings_widget.h"
#include "run_controller.h"
#include "run_diff_model.h"

#include <QCheckBox>
#include <QAbstractItemModelTester>
#include <QDialog>
#include <QPushButton>
#include <QDir>
#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

using namespace qs;

namespace {

const QString kModel = QStringLiteral(QS_SHARED_DIR "/models/digits_mbv2_bn.onnx");
const QString kCalib = QStringLiteral(QS_SHARED_DIR "/data/digits_calib_x.npy");
const QString kNode = QStringLiteral("/features/features.1/Add");

bool openAndWait(MainWindow& window, const QString& path) {
    QSignalSpy loaded(&window, &MainWindow::modelLoaded);
    window.openModel(path);
    return loaded.wait(30000);
}

bool openProjectAndWait(MainWindow& window, const QString& path) {
    QSignalSpy opened(window.projectController(), &ProjectController::projectOpened);
    if (!window.projectController()->open(path)) return false;
    return opened.count() > 0 || opened.wait(30000);
}

QString cell(const NodeTableModel* model, const QString& node, int column) {
    return model->index(model->rowOfNode(node), column).data().toString();
}

std::string readText(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll().toStdString();
}

void writeText(const QString& path, const std::string& text) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(text.data(), qint64(text.size()));
}

// Options shown by the settings dock, without the ones every window starts with.
QuantSettingsWidget::Options options(const MainWindow& w) {
    return w.settingsWidget()->options();
}

} // namespace

class ProjectGuiTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("QuantScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("project_gui_test"));
        QSettings().clear();
        LanguageManager::instance()->setLanguage(QStringLiteral("en"));
    }

    void saveAndReopenShowsResultsWithoutRunning() {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("digits.qsproj"));
        QString sqnrText, bitsText;
        QuantSettingsWidget::Options saved;
        {
            MainWindow window;
            window.setInteractive(false);
            QVERIFY(openAndWait(window, kModel));
            QVERIFY(window.settingsWidget()
                        ->setOptions({{QStringLiteral("bits"), QStringLiteral("6")},
                                      {QStringLiteral("granularity"), QStringLiteral("tensor")},
                                      {QStringLiteral("float"), kNode}})
                        .isOk());
            window.settingsWidget()->setCalibrationPath(kCalib);
            QSignalSpy done(window.runController(), &RunController::succeeded);
            QVERIFY(window.runQuantization());
            QVERIFY(done.wait(120000));
            QVERIFY(window.selectNode(QStringLiteral("/features/features.0/features.0.0/Conv")));
            sqnrText = cell(window.nodePage()->model(),
                            QStringLiteral("/features/features.0/features.0.0/Conv"),
                            NodeTableModel::SqnrColumn);
            bitsText = cell(window.nodePage()->model(),
                            QStringLiteral("/features/features.0/features.0.0/Conv"),
                            NodeTableModel::BitsColumn);
            QVERIFY(!sqnrText.isEmpty());
            saved = options(window);
            QVERIFY(window.projectController()->saveAs(file));
        }
        const nlohmann::json j = nlohmann::json::parse(readText(file));
        QCOMPARE(j["format_version"].get<int>(), 1);
        QVERIFY(j["results"].contains("run"));
        QVERIFY(j["node_overrides"][kNode.toStdString()]["float"].get<bool>());

        MainWindow reopened;
        reopened.setInteractive(false);
        QSignalSpy started(reopened.runController(), &RunController::started);
        QVERIFY(openProjectAndWait(reopened, file));
        QCOMPARE(reopened.model().path, kModel);
        QCOMPARE(reopened.settingsWidget()->calibrationPath(), kCalib);
        QCOMPARE(options(reopened), saved);
        QCOMPARE(started.count(), 0); // nothing recomputed
        QVERIFY(reopened.runController()->current());
        QVERIFY(!reopened.runController()->isStale());
        QCOMPARE(cell(reopened.nodePage()->model(),
                      QStringLiteral("/features/features.0/features.0.0/Conv"),
                      NodeTableModel::SqnrColumn),
                 sqnrText);
        QCOMPARE(cell(reopened.nodePage()->model(),
                      QStringLiteral("/features/features.0/features.0.0/Conv"),
                      NodeTableModel::BitsColumn),
                 bitsText);
        QCOMPARE(reopened.nodePage()->currentNodeName(),
                 QStringLiteral("/features/features.0/features.0.0/Conv"));
        QVERIFY(reopened.projectController()->lastWarnings().isEmpty());
        QCOMPARE(reopened.projectController()->projectPath(), file);
    }

    // A folder of images and its options are saved in the project and come back from it, not
    // from QSettings; a bad value in a hand-edited file is a warning naming it.
    void imageFolderOptionsFollowTheProject() {
        QTemporaryDir dir;
        const QString images = dir.filePath(QStringLiteral("images"));
        QVERIFY(QDir().mkpath(images));
        const QString file = dir.filePath(QStringLiteral("images.qsproj"));
        const QuantSettingsWidget::ImageSettings chosen{
            {QStringLiteral("height"), QStringLiteral("16")},
            {QStringLiteral("width"), QStringLiteral("12")},
            {QStringLiteral("channel_order"), QStringLiteral("bgr")},
            {QStringLiteral("scale"), QStringLiteral("1/127.5")},
            {QStringLiteral("mean"), QStringLiteral("1")},
            {QStringLiteral("std"), QStringLiteral("0.5, 0.5, 0.5")},
            {QStringLiteral("layout"), QStringLiteral("nhwc")},
            {QStringLiteral("max_images"), QStringLiteral("40")}};
        {
            MainWindow window;
            window.setInteractive(false);
            QVERIFY(openAndWait(window, kModel));
            window.settingsWidget()->setCalibrationPath(images);
            QVERIFY(window.settingsWidget()->setImageSettings(chosen).isEmpty());
            QCOMPARE(window.settingsWidget()->imageSettings(), chosen);
            QVERIFY(window.projectController()->saveAs(file));
            // What the next window would start with otherwise.
            QVERIFY(window.settingsWidget()
                        ->setImageSettings({{QStringLiteral("scale"), QStringLiteral("1")},
                                            {QStringLiteral("layout"), QStringLiteral("nchw")}})
                        .isEmpty());
        }
        nlohmann::json j = nlohmann::json::parse(readText(file));
        QCOMPARE(j["preprocessing"]["image"]["scale"].get<std::string>(), std::string("1/127.5"));
        QCOMPARE(j["data"]["calibration"].get<std::string>(), std::string("images"));
        {
            MainWindow reopened;
            reopened.setInteractive(false);
            QVERIFY(openProjectAndWait(reopened, file));
            QCOMPARE(reopened.settingsWidget()->calibrationPath(), images);
            QCOMPARE(reopened.settingsWidget()->imageSettings(), chosen);
            QVERIFY(reopened.projectController()->lastWarnings().isEmpty());
        }
        j["preprocessing"]["image"]["layout"] = "nchwc";
        j["preprocessing"]["image"]["max_images"] = 5;
        writeText(file, j.dump());
        MainWindow edited;
        edited.setInteractive(false);
        QVERIFY(openProjectAndWait(edited, file));
        const QString warnings = edited.projectController()->lastWarnings().join(QLatin1Char('\n'));
        QVERIFY2(warnings.contains(QStringLiteral("preprocessing.image.layout: 'nchwc'")),
                 qPrintable(warnings));
        QVERIFY2(warnings.contains(QStringLiteral("preprocessing.image.max_images: expected a "
                                                  "string")),
                 qPrintable(warnings));
        QCOMPARE(edited.settingsWidget()->imageSettings().value(QStringLiteral("scale")),
                 QStringLiteral("1/127.5"));
        QSettings().remove(QStringLiteral("imageFolder"));
    }

    void missingModelAsksForIt() {
        QTemporaryDir dir;
        const QString copy = dir.filePath(QStringLiteral("m.onnx"));
        QVERIFY(QFile::copy(kModel, copy));
        const QString file = dir.filePath(QStringLiteral("p.qsproj"));
        {
            MainWindow window;
            window.setInteractive(false);
            QVERIFY(openAndWait(window, copy));
            QVERIFY(window.projectController()->saveAs(file));
        }
        QVERIFY(QFile::remove(copy));
        // The user cancels: nothing opens, the message names the model.
        {
            MainWindow window;
            window.setInteractive(false);
            QString asked;
            window.projectController()->setModelLocator([&](const QString& missing) {
                asked = missing;
                return QString();
            });
            QSignalSpy failed(window.projectController(), &ProjectController::projectFailed);
            QVERIFY(!window.projectController()->open(file));
            QCOMPARE(asked, copy);
            QCOMPARE(failed.count(), 1);
            QVERIFY(window.projectController()->lastError().contains(copy));
            QVERIFY(window.model().path.isEmpty());
        }
        // The user points at the model's new place: it opens from there.
        MainWindow window;
        window.setInteractive(false);
        window.projectController()->setModelLocator([](const QString&) { return kModel; });
        QVERIFY(openProjectAndWait(window, file));
        QCOMPARE(window.model().path, kModel);
        QVERIFY(
            window.projectController()->lastWarnings().join(QLatin1Char('\n')).contains(kModel));
    }

    void corruptProjectIsRefused() {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("bad.qsproj"));
        writeText(file, "{\"format_version\": \"one\", \"model\": {\"path\": \"m.onnx\"}}");
        MainWindow window;
        window.setInteractive(false);
        QSignalSpy failed(window.projectController(), &ProjectController::projectFailed);
        QVERIFY(!window.projectController()->open(file));
        QCOMPARE(failed.count(), 1);
        QVERIFY2(window.projectController()->lastError().contains(QStringLiteral("format_version")),
                 qPrintable(window.projectController()->lastError()));
        QVERIFY(window.statusText().contains(QStringLiteral("format_version")));
        writeText(file, "{\"format_version\": 1, \"model\": {\"pa");
        QVERIFY(!window.projectController()->open(file));
        QVERIFY(window.projectController()->lastError().contains(QStringLiteral("not valid JSON")));
    }

    void handEditedProjectOpensWhatItCan() {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("edited.qsproj"));
        nlohmann::json j{
            {"signature", "quantscope-project"},
            {"format_version", 1},
            {"model", {{"path", kModel.toStdString()}}},
            {"quant_options", nlohmann::json::array({nlohmann::json::array({"bits", "5"}),
                                                     nlohmann::json::array({"bitz", "8"})})},
            {"results", {{"run", {{"output_sqnr_db", "loud"}}}}}};
        writeText(file, j.dump());
        MainWindow window;
        window.setInteractive(false);
        QVERIFY(openProjectAndWait(window, file));
        const QString warnings = window.projectController()->lastWarnings().join(QLatin1Char('\n'));
        QVERIFY2(warnings.contains(QStringLiteral("quant_options[1]")), qPrintable(warnings));
        QVERIFY(warnings.contains(QStringLiteral("results.run.output_sqnr_db")));
        QVERIFY(options(window).contains({QStringLiteral("bits"), QStringLiteral("5")}));
        QVERIFY(window.statusText().contains(QStringLiteral("left out")));
    }

    // Switches come back as their check boxes, and a project without them clears them.
    void switchesFollowTheProject() {
        QTemporaryDir dir;
        const QString withCle = dir.filePath(QStringLiteral("cle.qsproj"));
        const QString without = dir.filePath(QStringLiteral("plain.qsproj"));
        MainWindow window;
        window.setInteractive(false);
        QVERIFY(openAndWait(window, kModel));
        QVERIFY(window.projectController()->saveAs(without));
        QVERIFY(window.settingsWidget()->setOptions({{QStringLiteral("cle"), QString()}}).isOk());
        QVERIFY(window.projectController()->saveAs(withCle));
        auto* cle = window.settingsWidget()->findChild<QCheckBox*>(QStringLiteral("cle"));
        QVERIFY(cle);
        QVERIFY(openProjectAndWait(window, without));
        QVERIFY(!cle->isChecked());
        QVERIFY(!options(window).contains({QStringLiteral("cle"), QString()}));
        QVERIFY(openProjectAndWait(window, withCle));
        QVERIFY(cle->isChecked());
        QCOMPARE(options(window).count({QStringLiteral("cle"), QString()}), 1);
    }

    // File ▸ Compare with Run: this run (4-bit) against a saved project's (8-bit), per layer.
    void compareWithSavedProject() {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("eight.qsproj"));
        MainWindow window;
        window.setInteractive(false);
        QVERIFY(openAndWait(window, kModel));
        QVERIFY(!window.projectController()->compareWith(file)); // no run yet
        window.settingsWidget()->setCalibrationPath(kCalib);
        QSignalSpy done(window.runController(), &RunController::succeeded);
        QVERIFY(window.runQuantization());
        QVERIFY(done.wait(120000));
        QVERIFY(window.projectController()->saveAs(file));
        QVERIFY(window.settingsWidget()
                    ->setOptions({{QStringLiteral("bits"), QStringLiteral("4")}})
                    .isOk());
        QVERIFY(window.runQuantization());
        QVERIFY(done.wait(120000));
        QVERIFY2(window.projectController()->compareWith(file),
                 qPrintable(window.projectController()->lastError()));
        RunDiffModel* model = window.projectController()->diffModel();
        QAbstractItemModelTester tester(model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(model->rowCount() > 0);
        const QString conv = QStringLiteral("/features/features.0/features.0.0/Conv");
        int row = -1;
        for (int r = 0; r < model->rowCount(); ++r)
            if (model->index(r, RunDiffModel::NodeColumn).data().toString() == conv) row = r;
        QVERIFY(row >= 0);
        QCOMPARE(model->index(row, RunDiffModel::BitsAColumn).data().toInt(), 4);
        QCOMPARE(model->index(row, RunDiffModel::BitsBColumn).data().toInt(), 8);
        // The delta is the difference of the two SQNR cells (core computes it).
        const double a = model->index(row, RunDiffModel::SqnrAColumn).data(Qt::UserRole).toDouble();
        const double b = model->index(row, RunDiffModel::SqnrBColumn).data(Qt::UserRole).toDouble();
        QCOMPARE(model->index(row, RunDiffModel::SqnrDeltaColumn).data(Qt::UserRole).toDouble(),
                 b - a);
        QVERIFY(a < b); // 4-bit weights lose SQNR against 8-bit
        QCOMPARE(model->diff()->settings.size(), size_t(1));
        auto* dialog = window.findChild<QDialog*>(QStringLiteral("runDiffDialog"));
        QVERIFY(dialog && dialog->isVisible());
        QVERIFY(dialog->findChild<QPushButton*>(QStringLiteral("runDiffExportButton")));
        // The dialog's Export Report writes the comparison section with this layer's row, its
        // run SQNRs as the model shows them (2 decimals) and their delta.
        const QString report = dir.filePath(QStringLiteral("comparison.html"));
        QVERIFY2(window.projectController()->exportComparisonReport(report),
                 qPrintable(window.projectController()->lastError()));
        const QString html = QString::fromStdString(readText(report));
        QVERIFY(html.contains(QStringLiteral("<div class=\"section\" id=\"comparison\">")));
        const QString rowText =
            QStringLiteral("<td>%1</td><td>Conv</td><td class=\"num\" align=\"right\">4</td>"
                           "<td class=\"num\" align=\"right\">8</td>")
                .arg(conv);
        QVERIFY2(html.contains(rowText), qPrintable(rowText));
        QVERIFY(html.contains(QString::number(a, 'f', 2)) &&
                html.contains(QString::number(b, 'f', 2)));
        const QString odd = dir.filePath(QStringLiteral("comparison.odt"));
        QVERIFY(!window.projectController()->exportComparisonReport(odd));
        QVERIFY(window.projectController()->lastError().contains(odd));
        QVERIFY(!QFileInfo::exists(odd));
    }

    void closingSavesWithBackup() {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("auto.qsproj"));
        auto window = std::make_unique<MainWindow>();
        window->setInteractive(false);
        QVERIFY(openAndWait(*window, kModel));
        QVERIFY(window->projectController()->saveAs(file));
        const std::string first = readText(file);
        QVERIFY(window->settingsWidget()
                    ->setOptions({{QStringLiteral("bits"), QStringLiteral("4")}})
                    .isOk());
        window->close();
        QCOMPARE(readText(file + QStringLiteral(".bak")), first);
        const nlohmann::json j = nlohmann::json::parse(readText(file));
        bool found = false;
        for (const auto& o : j["quant_options"]) found |= o[0] == "bits" && o[1] == "4";
        QVERIFY(found);
    }
};

QTEST_MAIN(ProjectGuiTest)
#include "project_gui_test.moc"
