// The settings dock produces core's QuantConfig through core's option parser (no parsing of its
// own), shows command-line options, refuses bad ones; the GUI command line takes --calib and
// the QUANT OPTIONS; start-up without a model opens the bundled example with its data and runs.
#include "automation.h"
#include "gui_options.h"
#include "language_manager.h"
#include "ir/graph.h"
#include "main_window.h"
#include "remedy_test_helpers.h"
#include "node_remedy_menu.h"
#include "node_table_model.h"
#include "node_table_page.h"
#include "quant_settings_widget.h"
#include "resources.h"
#include "run_controller.h"

#include <QAction>
#include <QCheckBox>
#include <QMenu>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGroupBox>
#include <QImage>
#include <QLineEdit>
#include <QTemporaryDir>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QtTest>

using namespace qs;

namespace {

template <class T> T* child(QWidget& parent, const char* name) {
    return parent.findChild<T*>(QString::fromLatin1(name));
}

void selectData(QComboBox* combo, const char* value) {
    combo->setCurrentIndex(combo->findData(QString::fromLatin1(value)));
}

// `count` 16×16 grayscale PNGs of constant value 10·i in `dir`.
void writeDigitImages(const QString& dir, int count) {
    for (int i = 0; i < count; ++i) {
        QImage image(16, 16, QImage::Format_Grayscale8);
        image.fill(10 * i);
        QVERIFY(image.save(dir + QStringLiteral("/img%1.png").arg(i)));
    }
}

} // namespace

class QuantSettingsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("QuantScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("quant_settings_test"));
        QSettings().clear();
        LanguageManager::instance()->setLanguage(QStringLiteral("en"));
    }

    void cleanupTestCase() { QSettings().clear(); }

    // Defaults equal core's defaults (QuantConfig{}), which are the CLI's without options.
    void defaultsAreCoresDefaults() {
        QuantSettingsWidget settings;
        Result<QuantConfig> config = settings.config();
        QVERIFY(config);
        const QuantConfig reference;
        QCOMPARE(config->weight.bits, reference.weight.bits);
        QCOMPARE(config->activation.bits, reference.activation.bits);
        QCOMPARE(int(config->weight.scheme), int(reference.weight.scheme));
        QCOMPARE(int(config->activation.scheme), int(reference.activation.scheme));
        QCOMPARE(int(config->weight.granularity), int(reference.weight.granularity));
        QCOMPARE(int(config->calibration.method), int(reference.calibration.method));
        QCOMPARE(int(config->dispatch), int(reference.dispatch));
        QCOMPARE(int(config->requant), int(reference.requant));
        QVERIFY(!config->cle && !config->biasCorrection && !config->adaround);
        // The repairs: enabled, explained, and each checkbox reaches core's config.
        for (const char* name : {"cle", "biasCorrection", "adaround"}) {
            QCheckBox* box = child<QCheckBox>(settings, name);
            QVERIFY(box && box->isEnabled());
            QVERIFY(!box->toolTip().isEmpty());
            box->setChecked(true);
        }
        auto repaired = settings.config();
        QVERIFY2(repaired.isOk(), repaired.message().c_str());
        QVERIFY(repaired->cle && repaired->biasCorrection && repaired->adaround);
    }

    // Each toggle ends up in the config as core's parser reads the same option text.
    void togglesProduceTheConfig() {
        QuantSettingsWidget settings;
        QSignalSpy changed(&settings, &QuantSettingsWidget::settingsChanged);
        child<QSpinBox>(settings, "weightBits")->setValue(4);
        child<QSpinBox>(settings, "activationBits")->setValue(6);
        selectData(child<QComboBox>(settings, "scheme"), "asymmetric");
        selectData(child<QComboBox>(settings, "granularity"), "group");
        QVERIFY(child<QSpinBox>(settings, "groupSize")->isEnabled());
        child<QSpinBox>(settings, "groupSize")->setValue(8);
        selectData(child<QComboBox>(settings, "calibMethod"), "percentile");
        child<QDoubleSpinBox>(settings, "percentile")->setValue(99.9);
        selectData(child<QComboBox>(settings, "dispatch"), "aggressive");
        selectData(child<QComboBox>(settings, "requant"), "fixed");
        QVERIFY(changed.count() >= 9);

        const QuantSettingsWidget::Options expected{
            {QStringLiteral("bits"), QStringLiteral("4")},
            {QStringLiteral("act-bits"), QStringLiteral("6")},
            {QStringLiteral("scheme"), QStringLiteral("asymmetric")},
            {QStringLiteral("granularity"), QStringLiteral("group:8")},
            {QStringLiteral("calib-method"), QStringLiteral("percentile:99.9")},
            {QStringLiteral("dispatch"), QStringLiteral("aggressive")},
            {QStringLiteral("requant"), QStringLiteral("fixed")}};
        QCOMPARE(settings.options(), expected);
        Result<QuantConfig> config = settings.config();
        QVERIFY(config);
        QCOMPARE(config->weight.bits, 4);
        QCOMPARE(config->activation.bits, 6);
        QCOMPARE(int(config->weight.scheme), int(QuantScheme::Asymmetric));
        QCOMPARE(int(config->weight.granularity), int(Granularity::PerGroup));
        QCOMPARE(config->weight.groupSize, 8);
        QCOMPARE(int(config->calibration.method), int(CalibrationMethod::Percentile));
        QCOMPARE(int(config->dispatch), int(DispatchMode::Aggressive));
        QCOMPARE(int(config->requant), int(RequantMode::FixedPoint));
    }

    void showsCommandLineOptions() {
        QuantSettingsWidget settings;
        const QuantSettingsWidget::Options given{
            {QStringLiteral("bits"), QStringLiteral("5")},
            {QStringLiteral("granularity"), QStringLiteral("tensor")},
            {QStringLiteral("calib-method"), QStringLiteral("kl")},
            {QStringLiteral("float"), QStringLiteral("conv_1")}};
        QVERIFY(settings.setOptions(given));
        QCOMPARE(child<QSpinBox>(settings, "weightBits")->value(), 5);
        QCOMPARE(child<QComboBox>(settings, "granularity")->currentData().toString(),
                 QStringLiteral("tensor"));
        QCOMPARE(child<QComboBox>(settings, "calibMethod")->currentData().toString(),
                 QStringLiteral("kl"));
        Result<QuantConfig> config = settings.config();
        QVERIFY(config);
        QCOMPARE(config->floatNodes.count("conv_1"), size_t(1)); // no control: kept as given

        // Core's error names the option; nothing changes.
        const Status bad = settings.setOptions({{QStringLiteral("bits"), QStringLiteral("99")}});
        QVERIFY(!bad);
        QVERIFY(QString::fromStdString(bad.message()).contains(QStringLiteral("bits")));
        QCOMPARE(child<QSpinBox>(settings, "weightBits")->value(), 5);
    }

    // Node names with commas in the node lists the menu writes (--cle-layers,
    // --adaround-layers): escaped as core's parser reads them, read back, removed one by one.
    void nodeListsEscapeCommas() {
        QuantSettingsWidget settings;
        const QString a = QStringLiteral("stem,conv"), b = QStringLiteral("back\\slash");
        settings.setNodeCle(a, true);
        settings.setNodeCle(QStringLiteral("plain"), true);
        settings.setNodeAdaRound(b, true);
        QVERIFY(settings.options().contains(
            {QStringLiteral("cle-layers"), QStringLiteral("stem\\,conv")}));
        QVERIFY(settings.options().contains(
            {QStringLiteral("adaround-layers"), QStringLiteral("back\\\\slash")}));
        QVERIFY(settings.nodeListed(QStringLiteral("cle-layers"), a));
        QVERIFY(!settings.nodeListed(QStringLiteral("cle-layers"), QStringLiteral("stem")));
        QVERIFY(settings.nodeOverrides(a).contains(QStringLiteral("--cle-layers stem\\,conv")));
        Result<QuantConfig> config = settings.config();
        QVERIFY2(config, config.message().c_str());
        QVERIFY((config->cleLayers == std::set<std::string>{"stem,conv", "plain"}));
        QVERIFY((config->adaroundLayers == std::set<std::string>{"back\\slash"}));
        settings.setNodeCle(a, false);
        QVERIFY(!settings.nodeListed(QStringLiteral("cle-layers"), a));
        QVERIFY(settings.nodeListed(QStringLiteral("cle-layers"), QStringLiteral("plain")));
        // The window's command line takes the same escape; a bad one is a usage error.
        const GuiCommandLine parsed = GuiCommandLineParser::parse({QStringLiteral("quantscope"),
                                                                   QStringLiteral("--cle-layers"),
                                                                   QStringLiteral("stem\\,conv")});
        QCOMPARE(int(parsed.action), int(GuiCommandLine::Action::Run));
        QuantSettingsWidget fromCommandLine;
        QVERIFY(fromCommandLine.setOptions(parsed.options.quantOptions));
        QVERIFY(fromCommandLine.nodeListed(QStringLiteral("cle-layers"), a));
        const GuiCommandLine bad = GuiCommandLineParser::parse({QStringLiteral("quantscope"),
                                                                QStringLiteral("--cle-layers"),
                                                                QStringLiteral("stem\\;conv")});
        QCOMPARE(int(bad.action), int(GuiCommandLine::Action::UsageError));
        QVERIFY2(bad.text.contains(QStringLiteral("backslash")), qPrintable(bad.text));
    }

    void guiCommandLineTakesQuantOptions() {
        const GuiCommandLine parsed = GuiCommandLineParser::parse(
            {QStringLiteral("quantscope"), QStringLiteral("m.onnx"), QStringLiteral("--calib"),
             QStringLiteral("c.npy"), QStringLiteral("--bits"), QStringLiteral("4"),
             QStringLiteral("--granularity"), QStringLiteral("group:2")});
        QCOMPARE(int(parsed.action), int(GuiCommandLine::Action::Run));
        QCOMPARE(parsed.options.calibrationPath, QStringLiteral("c.npy"));
        QVERIFY(
            parsed.options.quantOptions.contains({QStringLiteral("bits"), QStringLiteral("4")}));
        QVERIFY(parsed.options.quantOptions.contains(
            {QStringLiteral("granularity"), QStringLiteral("group:2")}));

        const GuiCommandLine bad = GuiCommandLineParser::parse(
            {QStringLiteral("quantscope"), QStringLiteral("--scheme"), QStringLiteral("wobbly")});
        QCOMPARE(int(bad.action), int(GuiCommandLine::Action::UsageError));
        QCOMPARE(bad.exitCode, 2);
        QVERIFY(bad.text.contains(QStringLiteral("scheme")));
        const GuiCommandLine cle =
            GuiCommandLineParser::parse({QStringLiteral("quantscope"), QStringLiteral("--cle")});
        QCOMPARE(int(cle.action), int(GuiCommandLine::Action::Run));
        QVERIFY(cle.options.quantOptions.contains({QStringLiteral("cle"), QString()}));
    }

    // A folder as calibration data shows the image options; they reach imageOptions() as typed,
    // are kept in QSettings for the next window, and bad text is refused naming the field.
    void imageFolderOptions() {
        QTemporaryDir images;
        writeDigitImages(images.path(), 2);
        {
            QuantSettingsWidget settings;
            auto* group = child<QGroupBox>(settings, "imageOptions");
            QVERIFY(group);
            settings.setCalibrationPath(QStringLiteral("c.npy"));
            QVERIFY(!settings.calibrationIsImageFolder());
            QVERIFY(!group->isVisibleTo(&settings));
            settings.setCalibrationPath(images.path());
            QVERIFY(settings.calibrationIsImageFolder());
            QVERIFY(group->isVisibleTo(&settings));
            // Defaults: the model's size, RGB, 1/255, mean 0, std 1, NCHW.
            Result<ImageFolderOptions> defaults = settings.imageOptions();
            QVERIFY2(defaults, defaults.message().c_str());
            QVERIFY(*defaults == ImageFolderOptions());

            QSignalSpy changed(&settings, &QuantSettingsWidget::settingsChanged);
            child<QSpinBox>(settings, "imageHeight")->setValue(20);
            child<QSpinBox>(settings, "imageWidth")->setValue(24);
            selectData(child<QComboBox>(settings, "imageChannelOrder"), "bgr");
            child<QLineEdit>(settings, "imageScale")->setText(QStringLiteral("2/255"));
            child<QLineEdit>(settings, "imageMean")->setText(QStringLiteral("0.485,0.456,0.406"));
            child<QLineEdit>(settings, "imageStd")->setText(QStringLiteral("0.229 0.224 0.225"));
            selectData(child<QComboBox>(settings, "imageLayout"), "nhwc");
            child<QSpinBox>(settings, "imageMaxImages")->setValue(7);
            QVERIFY(changed.count() >= 8); // results from a folder are stale after each
            Result<ImageFolderOptions> options = settings.imageOptions();
            QVERIFY2(options, options.message().c_str());
            QCOMPARE(options->height, 20);
            QCOMPARE(options->width, 24);
            QCOMPARE(int(options->order), int(ChannelOrder::Bgr));
            QCOMPARE(options->scale, 2.0 / 255.0);
            QVERIFY(options->mean == (std::vector<double>{0.485, 0.456, 0.406}));
            QVERIFY(options->std == (std::vector<double>{0.229, 0.224, 0.225}));
            QCOMPARE(int(options->layout), int(ImageLayout::Nhwc));
            QCOMPARE(options->maxImages, 7);
        }
        QuantSettingsWidget next; // a new window: the same options, from QSettings
        const QuantSettingsWidget::ImageSettings kept = next.imageSettings();
        QCOMPARE(kept.value(QStringLiteral("scale")), QStringLiteral("2/255"));
        QCOMPARE(kept.value(QStringLiteral("height")), QStringLiteral("20"));
        QCOMPARE(kept.value(QStringLiteral("channel_order")), QStringLiteral("bgr"));
        QCOMPARE(kept.value(QStringLiteral("layout")), QStringLiteral("nhwc"));
        QCOMPARE(kept.value(QStringLiteral("max_images")), QStringLiteral("7"));
        QCOMPARE(next.imageOptions()->std, (std::vector<double>{0.229, 0.224, 0.225}));

        child<QLineEdit>(next, "imageScale")->setText(QStringLiteral("abc"));
        Result<ImageFolderOptions> bad = next.imageOptions();
        QVERIFY(!bad);
        QVERIFY2(bad.message().find("Image scale: scale 'abc'") != std::string::npos,
                 bad.message().c_str());
        const QStringList problems =
            next.setImageSettings({{QStringLiteral("scale"), QStringLiteral("x/2")},
                                   {QStringLiteral("layout"), QStringLiteral("nchwc")},
                                   {QStringLiteral("colour"), QStringLiteral("1")},
                                   {QStringLiteral("mean"), QStringLiteral("0.5")}});
        QCOMPARE(problems.size(), 3);
        QVERIFY(problems.join(QLatin1Char('\n')).contains(QStringLiteral("colour")));
        QCOMPARE(next.imageSettings().value(QStringLiteral("scale")), QStringLiteral("abc"));
        QCOMPARE(next.imageSettings().value(QStringLiteral("layout")), QStringLiteral("nhwc"));
        QCOMPARE(next.imageSettings().value(QStringLiteral("mean")), QStringLiteral("0.5"));
        QSettings().remove(QStringLiteral("imageFolder"));
    }

    // The window runs from a folder of images with the dock's options (read on the worker);
    // invalid options stop the run before it starts; an unreadable image fails it, named.
    void runFromImageFolder() {
        QSettings().remove(QStringLiteral("imageFolder"));
        QTemporaryDir images;
        writeDigitImages(images.path(), 6);
        MainWindow window;
        window.setInteractive(false);
        QSignalSpy loaded(&window, &MainWindow::modelLoaded);
        window.openModel(exampleModelPath());
        QVERIFY(loaded.wait(30000));
        QuantSettingsWidget* settings = window.settingsWidget();
        settings->setAnalysisDepth(AnalysisDepth::None);
        settings->setCalibrationPath(images.path());
        QVERIFY(settings
                    ->setImageSettings({{QStringLiteral("max_images"), QStringLiteral("5")},
                                        {QStringLiteral("mean"), QStringLiteral("0.3")},
                                        {QStringLiteral("std"), QStringLiteral("0.3")}})
                    .isEmpty());
        QSignalSpy done(window.runController(), &RunController::succeeded);
        QVERIFY(window.runQuantization());
        QVERIFY(done.wait(60000));
        const auto result = window.runController()->current();
        QCOMPARE(result->calibrationSamples, 5);
        QCOMPARE(result->evalSamples, 5);
        QVERIFY2(result->notes.join(QLatin1Char('\n'))
                     .contains(QStringLiteral("5 of 6 image(s) in %1, 16×16, 1 channel(s), NCHW")
                                   .arg(QFileInfo(images.path()).fileName())),
                 qPrintable(result->notes.join(QLatin1Char('\n'))));

        child<QLineEdit>(*settings, "imageStd")->setText(QStringLiteral("0"));
        QVERIFY(!window.runQuantization());
        QVERIFY2(window.statusText().contains(QStringLiteral("Image std")),
                 qPrintable(window.statusText()));
        child<QLineEdit>(*settings, "imageStd")->setText(QStringLiteral("1"));

        QFile broken(images.filePath(QStringLiteral("img0.png")));
        QVERIFY(broken.open(QIODevice::WriteOnly | QIODevice::Truncate));
        broken.write("not a png");
        broken.close();
        QSignalSpy failed(window.runController(), &RunController::failed);
        QVERIFY(window.runQuantization());
        QVERIFY(failed.wait(60000));
        QVERIFY2(failed.first().at(0).toString().contains(QStringLiteral("img0.png")),
                 qPrintable(failed.first().at(0).toString()));
        QSettings().remove(QStringLiteral("imageFolder"));
    }

    // The node menu's Calibrator submenu writes --tensor-calib for the node's output activation
    // (the tensor the run calibrates, before and after a run), shows the override checked, and
    // unchecking or "Global" removes it; a run then calibrates that tensor with the method
    // picked, as the calibrator comparison's own KL range says.
    void calibratorSubmenuSetsTensorCalib() {
        MainWindow window;
        window.setInteractive(false);
        QSignalSpy loaded(&window, &MainWindow::modelLoaded);
        window.openModel(exampleModelPath());
        QVERIFY(loaded.wait(30000));
        QuantSettingsWidget* settings = window.settingsWidget();
        settings->setCalibrationPath(exampleCalibrationPath());
        settings->setAnalysisDepth(AnalysisDepth::WithoutMixedBits);
        QString conv;
        for (const Node& node : window.model().graph->nodes())
            if (node.opType == "Conv") {
                conv = QString::fromStdString(node.name);
                break;
            }
        QVERIFY(!conv.isEmpty());
        const char* methods[] = {"remedyCalibMinmax", "remedyCalibPercentile", "remedyCalibKl",
                                 "remedyCalibMse"};
        auto action = [](QMenu& menu, const char* name) {
            return menu.findChild<QAction*>(QString::fromLatin1(name));
        };
        // The tensor the menu names: its KL entry's "--tensor-calib T=kl".
        auto menuTensor = [&](QMenu& menu) {
            return action(menu, "remedyCalibKl")
                ->statusTip()
                .section(QLatin1Char(' '), 1)
                .section(QLatin1Char('='), 0, -2);
        };
        auto overridesOf = [&](const QString& tensor) {
            QStringList values;
            for (const auto& [name, value] : settings->options())
                if (name == QLatin1String("tensor-calib") &&
                    value.startsWith(tensor + QLatin1Char('=')))
                    values << value;
            return values;
        };
        auto run = [&] {
            QSignalSpy done(window.runController(), &RunController::succeeded);
            return window.runQuantization() && done.wait(60000);
        };

        std::unique_ptr<QMenu> menu(window.createNodeMenu(conv, &window));
        QAction* submenu = action(*menu, "remedyCalibrator");
        QVERIFY(submenu && submenu->isEnabled() && submenu->menu());
        const QString tensor = menuTensor(*menu);
        QVERIFY(!tensor.isEmpty());
        QVERIFY(submenu->text().contains(tensor));
        for (const char* m : methods) QVERIFY(!action(*menu, m)->isChecked());
        QVERIFY(!action(*menu, "remedyCalibGlobal")->isEnabled());

        // The run's own mapping (analyses) names the same, calibrated, tensor.
        QVERIFY(run());
        auto current = window.runController()->current();
        QVERIFY(current->analyses);
        QVERIFY(current->analyses->activationRanges.count(tensor.toStdString()));
        menu.reset(window.createNodeMenu(conv, &window));
        QCOMPARE(menuTensor(*menu), tensor);

        QVERIFY(triggerAndApply(window, action(*menu, "remedyCalibKl")));
        QVERIFY(window.runController()->isStale());
        QCOMPARE(overridesOf(tensor), QStringList{tensor + QStringLiteral("=kl")});
        QVERIFY(window.statusText().contains(conv));
        menu.reset(window.createNodeMenu(conv, &window));
        QVERIFY(action(*menu, "remedyCalibKl")->isChecked());
        QVERIFY(!action(*menu, "remedyCalibMinmax")->isChecked());
        QVERIFY(action(*menu, "remedyCalibGlobal")->isEnabled());
        QVERIFY(triggerAndApply(window, action(*menu, "remedyCalibPercentile"))); // replaces it
        QCOMPARE(overridesOf(tensor), QStringList{tensor + QStringLiteral("=percentile:99.99")});
        menu.reset(window.createNodeMenu(conv, &window));
        QVERIFY(action(*menu, "remedyCalibPercentile")->isChecked());
        QVERIFY(!action(*menu, "remedyCalibKl")->isChecked());
        action(*menu, "remedyCalibPercentile")->trigger(); // unchecked: the global calibrator
        QVERIFY(overridesOf(tensor).isEmpty());
        menu.reset(window.createNodeMenu(conv, &window));
        for (const char* m : methods) QVERIFY(!action(*menu, m)->isChecked());

        // A run with KL for this tensor uses the range the comparison computes for KL.
        QVERIFY(triggerAndApply(window, action(*menu, "remedyCalibKl")));
        QVERIFY(run());
        current = window.runController()->current();
        QVERIFY(!window.runController()->isStale());
        const ActivationCalibrators* compared = nullptr;
        for (const ActivationCalibrators& a : current->analyses->calibrators)
            if (a.comparison.tensor == tensor.toStdString()) compared = &a;
        QVERIFY(compared);
        const CalibratorChoice* kl = nullptr;
        const CalibratorChoice* minmax = nullptr;
        for (const CalibratorChoice& c : compared->comparison.choices) {
            if (c.method == "kl") kl = &c;
            if (c.method == "minmax") minmax = &c;
        }
        QVERIFY(kl && minmax);
        QVERIFY(kl->range.hi != minmax->range.hi); // else the check below proves nothing
        const ClipRange used = current->analyses->activationRanges.at(tensor.toStdString());
        QCOMPARE(used.hi, kl->range.hi);
        QCOMPARE(used.lo, kl->range.lo);
        QVERIFY(kl->current && !minmax->current);

        menu.reset(window.createNodeMenu(conv, &window));
        action(*menu, "remedyCalibGlobal")->trigger();
        QVERIFY(overridesOf(tensor).isEmpty());
        QVERIFY(window.runController()->isStale());
        settings->setAnalysisDepth(AnalysisDepth::Full);
    }

    // No model on the command line: the bundled example opens with its calibration data, and
    // the run fills the table before the automation reports back.
    void startUpOpensTheExampleAndRuns() {
        MainWindow window;
        window.show();
        GuiOptions options;
        Automation automation(&window, options);
        QSignalSpy finished(&automation, &Automation::finished);
        automation.start();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QCOMPARE(finished.first().at(0).toInt(), 0);
        QCOMPARE(window.model().path, exampleModelPath());
        QCOMPARE(window.settingsWidget()->calibrationPath(), exampleCalibrationPath());
        const auto result = window.runController()->current();
        QVERIFY(result && result->ok);
        QVERIFY(result->evalSamples > 0);
        const NodeTableModel* table = window.nodePage()->model();
        int measured = 0;
        for (int row = 0; row < table->rowCount(); ++row)
            measured += !table->index(row, NodeTableModel::SqnrColumn).data().toString().isEmpty();
        QVERIFY(measured > 20);
    }
};

QTEST_MAIN(QuantSettingsTest)
#include "quant_settings_test.moc"
