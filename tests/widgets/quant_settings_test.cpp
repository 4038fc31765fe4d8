// The settings dock produces core's QuantConfig through core's option parser (no parsing of its
// own), shows command-line options, refuses bad ones; the GUI command line takes --calib and
// the QUANT OPTIONS; start-up without a model opens the bundled example with its data and runs.
#include "automation.h"
#include "gui_options.h"
#include "language_manager.h"
#include "main_window.h"
#include "node_table_model.h"
#include "node_table_page.h"
#include "quant_settings_widget.h"
#include "resources.h"
#include "run_controller.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
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
