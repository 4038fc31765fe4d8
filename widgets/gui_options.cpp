#include "gui_options.h"

#include "quant/quant_config.h"

#include <QCommandLineParser>
#include <QFileInfo>

namespace qs {

GuiCommandLine GuiCommandLineParser::parse(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("QuantScope: see why a neural network loses accuracy when it is quantized."));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption selectOption(
        QStringLiteral("select"), tr("Select node <name> once the model is loaded."), tr("name"));
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"),
        tr("Save a PNG picture of the whole window to <file> once the model is loaded."),
        tr("file"));
    const QCommandLineOption quitOption(QStringLiteral("quit-after-screenshot"),
                                        tr("Quit after saving the screenshot."));
    parser.addOptions({selectOption, screenshotOption, quitOption});
    const QCommandLineOption calibOption(
        QStringLiteral("calib"),
        tr("Calibration data, a .npy (samples first) or a folder of images (read with the "
           "image options last set in the window): quantize and measure once loaded."),
        tr("file"));
    parser.addOption(calibOption);
    // The quantization options are core's, with core's names: one parser for CLI and GUI.
    QList<QPair<QCommandLineOption, bool>> quantOptions;
    for (const auto& [name, takesValue] : quantOptionNames()) {
        const QString optionName = QString::fromStdString(name);
        QCommandLineOption option(optionName);
        if (takesValue) option.setValueName(tr("value"));
        option.setDescription(
            name == "cle-layers" || name == "adaround-layers"
                ? tr("Quantization option, as in quantscope-cli: NODE[,NODE...]; a comma inside a "
                     "node name is written \\, and a backslash \\\\.")
                : tr("Quantization option, as in quantscope-cli."));
        parser.addOption(option);
        quantOptions.append({option, takesValue});
    }
    parser.addPositionalArgument(tr("model"),
                                 tr("The ONNX model to open (default: the bundled example model)."),
                                 tr("[model.onnx]"));

    const QString program = arguments.isEmpty() ? QStringLiteral("quantscope")
                                                : QFileInfo(arguments.first()).fileName();
    GuiCommandLine result;
    auto usageError = [&](const QString& message) {
        result.action = GuiCommandLine::Action::UsageError;
        result.exitCode = kUsageErrorExitCode;
        result.text = tr("%1: %2 (see %1 --help)").arg(program, message);
        return result;
    };

    if (!parser.parse(arguments)) {
        QString error = parser.errorText(); // "Unknown option 'x'." -> without the final period
        if (error.endsWith(QLatin1Char('.'))) error.chop(1);
        return usageError(error);
    }
    if (parser.isSet(helpOption)) {
        result.action = GuiCommandLine::Action::ShowHelp;
        result.text = parser.helpText();
        return result;
    }
    if (parser.isSet(versionOption)) {
        result.action = GuiCommandLine::Action::ShowVersion;
        result.text = QStringLiteral("%1 %2").arg(program, QCoreApplication::applicationVersion());
        return result;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() > 1)
        return usageError(tr("expected at most one model file, got %1").arg(positional.size()));

    GuiOptions& options = result.options;
    options.modelPath = positional.value(0);
    // As in quantscope-cli, a later option overrides an earlier one: value() is the last.
    options.selectNode = parser.value(selectOption);
    options.screenshotPath = parser.value(screenshotOption);
    options.quitAfterScreenshot = parser.isSet(quitOption);
    if (parser.isSet(screenshotOption) && options.screenshotPath.isEmpty())
        return usageError(tr("option '--screenshot' needs a file name"));
    if (parser.isSet(selectOption) && options.selectNode.isEmpty())
        return usageError(tr("option '--select' needs a node name"));
    options.calibrationPath = parser.value(calibOption);
    if (parser.isSet(calibOption) && options.calibrationPath.isEmpty())
        return usageError(tr("option '--calib' needs a file name"));
    QuantConfig scratch;
    for (const auto& [option, takesValue] : quantOptions) {
        if (!parser.isSet(option)) continue;
        const QString name = option.names().constFirst();
        const QStringList values = takesValue ? parser.values(option) : QStringList{QString()};
        for (const QString& value : values) {
            const Status valid = applyQuantOption(scratch, name.toStdString(), value.toStdString());
            if (!valid) return usageError(QString::fromStdString(valid.message()));
            options.quantOptions.append({name, value});
        }
    }
    if (options.quitAfterScreenshot && options.screenshotPath.isEmpty())
        return usageError(tr("option '--quit-after-screenshot' needs '--screenshot FILE.png'"));
    return result;
}

} // namespace qs
