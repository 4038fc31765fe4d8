#include "quant_settings_widget.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

namespace qs {

namespace {

// The names of a --cle-layers / --adaround-layers value (core's escapes: "\\," is a comma inside
// a name); empty if it does not parse (the widget only holds values core accepted).
QStringList listedNodes(const QString& option, const QString& value) {
    QStringList out;
    auto names = splitNodeList(option.toStdString(), value.toStdString());
    if (names)
        for (const std::string& n : *names) out << QString::fromStdString(n);
    return out;
}

QString joinNodes(const QStringList& nodes) {
    std::vector<std::string> names;
    for (const QString& n : nodes) names.push_back(n.toStdString());
    return QString::fromStdString(joinNodeList(names));
}

const QString kLastCalibDirKey = QStringLiteral("settings/lastCalibrationDir");
const QString kAnalysisDepthKey = QStringLiteral("run/analysisDepth");
const QString kImageSettingsGroup = QStringLiteral("imageFolder");

// Combo items carry the option value as data; the text is translated in retranslateUi().
void addValues(QComboBox* combo, const QStringList& values) {
    for (const QString& value : values) combo->addItem(QString(), value);
}

} // namespace

QuantSettingsWidget::QuantSettingsWidget(QWidget* parent)
    : QWidget(parent)
    , m_weightBits(new QSpinBox(this))
    , m_activationBits(new QSpinBox(this))
    , m_scheme(new QComboBox(this))
    , m_granularity(new QComboBox(this))
    , m_groupSize(new QSpinBox(this))
    , m_calibMethod(new QComboBox(this))
    , m_percentile(new QDoubleSpinBox(this))
    , m_dispatch(new QComboBox(this))
    , m_requant(new QComboBox(this))
    , m_cle(new QCheckBox(this))
    , m_biasCorrection(new QCheckBox(this))
    , m_adaround(new QCheckBox(this))
    , m_analysisDepth(new QComboBox(this))
    , m_calibPath(new QLineEdit(this))
    , m_browse(new QPushButton(this))
    , m_browseFolder(new QPushButton(this))
    , m_imageGroup(new QGroupBox(this))
    , m_imageForm(new QFormLayout(m_imageGroup))
    , m_imageHeight(new QSpinBox(m_imageGroup))
    , m_imageWidth(new QSpinBox(m_imageGroup))
    , m_channelOrder(new QComboBox(m_imageGroup))
    , m_imageScale(new QLineEdit(m_imageGroup))
    , m_imageMean(new QLineEdit(m_imageGroup))
    , m_imageStd(new QLineEdit(m_imageGroup))
    , m_imageLayout(new QComboBox(m_imageGroup))
    , m_maxImages(new QSpinBox(m_imageGroup))
    , m_runButton(new QPushButton(this))
    , m_summary(new QLabel(this))
    , m_form(new QFormLayout) {
    setObjectName(QStringLiteral("quantSettings"));
    // Ranges as core's applyQuantOption accepts them (2-16 bits in simulation).
    for (QSpinBox* bits : {m_weightBits, m_activationBits}) {
        bits->setRange(2, 16);
        bits->setValue(8);
    }
    m_weightBits->setObjectName(QStringLiteral("weightBits"));
    m_activationBits->setObjectName(QStringLiteral("activationBits"));
    m_scheme->setObjectName(QStringLiteral("scheme"));
    addValues(m_scheme, {QString(), QStringLiteral("symmetric"), QStringLiteral("asymmetric")});
    m_granularity->setObjectName(QStringLiteral("granularity"));
    addValues(m_granularity,
              {QStringLiteral("channel"), QStringLiteral("tensor"), QStringLiteral("group")});
    m_groupSize->setObjectName(QStringLiteral("groupSize"));
    m_groupSize->setRange(1, 4096);
    m_groupSize->setValue(4);
    m_calibMethod->setObjectName(QStringLiteral("calibMethod"));
    addValues(m_calibMethod, {QStringLiteral("minmax"), QStringLiteral("percentile"),
                              QStringLiteral("kl"), QStringLiteral("mse"), QStringLiteral("ema")});
    m_percentile->setObjectName(QStringLiteral("percentile"));
    m_percentile->setRange(50.0, 100.0);
    m_percentile->setDecimals(3);
    m_percentile->setSingleStep(0.01);
    m_percentile->setValue(99.99);
    m_dispatch->setObjectName(QStringLiteral("dispatch"));
    addValues(m_dispatch, {QStringLiteral("conservative"), QStringLiteral("aggressive")});
    m_requant->setObjectName(QStringLiteral("requant"));
    addValues(m_requant, {QStringLiteral("float"), QStringLiteral("fixed")});
    // Long item texts must not widen the dock (and with it the window's minimum width).
    for (QComboBox* combo :
         {m_scheme, m_granularity, m_calibMethod, m_dispatch, m_requant, m_analysisDepth}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(10);
    }
    m_cle->setObjectName(QStringLiteral("cle"));
    m_biasCorrection->setObjectName(QStringLiteral("biasCorrection"));
    m_adaround->setObjectName(QStringLiteral("adaround"));
    m_analysisDepth->setObjectName(QStringLiteral("analysisDepth"));
    addValues(m_analysisDepth,
              {QStringLiteral("full"), QStringLiteral("no-mixed-bits"), QStringLiteral("none")});
    m_analysisDepth->setCurrentIndex(
        std::max(0, m_analysisDepth->findData(QSettings().value(kAnalysisDepthKey).toString())));
    m_calibPath->setObjectName(QStringLiteral("calibrationPath"));
    m_calibPath->setClearButtonEnabled(true);
    m_runButton->setObjectName(QStringLiteral("runButton"));

    auto* groupRow = new QHBoxLayout;
    groupRow->addWidget(m_granularity, 1);
    groupRow->addWidget(m_groupSize);
    auto* calibRow = new QHBoxLayout;
    calibRow->addWidget(m_calibMethod, 1);
    calibRow->addWidget(m_percentile);
    auto* fileRow = new QHBoxLayout;
    fileRow->addWidget(m_calibPath, 1);
    fileRow->addWidget(m_browse);
    fileRow->addWidget(m_browseFolder);
    m_browseFolder->setObjectName(QStringLiteral("browseCalibrationFolder"));

    // A folder of images: how it becomes input, shown only while the data is a folder.
    m_imageGroup->setObjectName(QStringLiteral("imageOptions"));
    for (QSpinBox* size : {m_imageHeight, m_imageWidth}) {
        size->setRange(0, 8192); // 0: the model input's static size
        size->setValue(0);
    }
    m_imageHeight->setObjectName(QStringLiteral("imageHeight"));
    m_imageWidth->setObjectName(QStringLiteral("imageWidth"));
    m_channelOrder->setObjectName(QStringLiteral("imageChannelOrder"));
    addValues(m_channelOrder, {QStringLiteral("rgb"), QStringLiteral("bgr")});
    m_imageScale->setObjectName(QStringLiteral("imageScale"));
    m_imageScale->setText(QStringLiteral("1/255"));
    m_imageMean->setObjectName(QStringLiteral("imageMean"));
    m_imageMean->setText(QStringLiteral("0"));
    m_imageStd->setObjectName(QStringLiteral("imageStd"));
    m_imageStd->setText(QStringLiteral("1"));
    m_imageLayout->setObjectName(QStringLiteral("imageLayout"));
    addValues(m_imageLayout, {QStringLiteral("nchw"), QStringLiteral("nhwc")});
    m_maxImages->setObjectName(QStringLiteral("imageMaxImages"));
    m_maxImages->setRange(1, 100000);
    m_maxImages->setValue(ImageFolderOptions().maxImages);
    auto* sizeRow = new QHBoxLayout;
    sizeRow->addWidget(m_imageHeight, 1);
    sizeRow->addWidget(new QLabel(QStringLiteral("\u00d7"), m_imageGroup));
    sizeRow->addWidget(m_imageWidth, 1);
    auto addImageRow = [&](const char* label, QWidget* field, QLayout* layout = nullptr) {
        auto* text = new QLabel(m_imageGroup);
        text->setBuddy(field);
        m_imageLabels.append({text, label});
        if (layout)
            m_imageForm->addRow(text, layout);
        else
            m_imageForm->addRow(text, field);
    };
    addImageRow(QT_TR_NOOP("Resize (H \u00d7 W):"), m_imageHeight, sizeRow);
    addImageRow(QT_TR_NOOP("Channel order:"), m_channelOrder);
    addImageRow(QT_TR_NOOP("Scale:"), m_imageScale);
    addImageRow(QT_TR_NOOP("Mean:"), m_imageMean);
    addImageRow(QT_TR_NOOP("Std:"), m_imageStd);
    addImageRow(QT_TR_NOOP("Layout:"), m_imageLayout);
    addImageRow(QT_TR_NOOP("At most:"), m_maxImages);
    {
        QSettings settings;
        settings.beginGroup(kImageSettingsGroup);
        ImageSettings saved;
        for (const QString& key : settings.childKeys())
            saved.insert(key, settings.value(key).toString());
        setImageSettings(saved); // a bad saved value keeps the default
    }

    auto addRow = [&](const char* label, QWidget* field, QLayout* layout = nullptr) {
        auto* text = new QLabel(this);
        text->setBuddy(field);
        m_labels.append({text, label});
        if (layout)
            m_form->addRow(text, layout);
        else
            m_form->addRow(text, field);
    };
    addRow(QT_TR_NOOP("&Weight bits:"), m_weightBits);
    addRow(QT_TR_NOOP("&Activation bits:"), m_activationBits);
    addRow(QT_TR_NOOP("Sc&heme:"), m_scheme);
    addRow(QT_TR_NOOP("&Granularity:"), m_granularity, groupRow);
    addRow(QT_TR_NOOP("Cali&bration:"), m_calibMethod, calibRow);
    addRow(QT_TR_NOOP("&Dispatcher:"), m_dispatch);
    addRow(QT_TR_NOOP("&Requantization:"), m_requant);
    addRow(QT_TR_NOOP("Calibration &data:"), m_calibPath, fileRow);
    m_form->addRow(m_imageGroup);
    m_form->addRow(m_cle);
    m_form->addRow(m_biasCorrection);
    m_form->addRow(m_adaround);
    addRow(QT_TR_NOOP("A&nalyses:"), m_analysisDepth);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(m_form);
    m_overrides = new QLabel(this);
    m_overrides->setObjectName(QStringLiteral("nodeOverrides"));
    m_overrides->setTextFormat(Qt::PlainText);
    m_overrides->setWordWrap(true);
    m_overrides->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_overrides);
    layout->addWidget(m_runButton);
    m_summary->setObjectName(QStringLiteral("runSummary"));
    m_summary->setTextFormat(Qt::PlainText);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_summary);
    layout->addStretch(1);

    auto changed = [this] {
        updateEnabled();
        emit settingsChanged();
    };
    for (QSpinBox* spin : {m_weightBits, m_activationBits, m_groupSize})
        connect(spin, &QSpinBox::valueChanged, this, changed);
    connect(m_percentile, &QDoubleSpinBox::valueChanged, this, changed);
    for (QComboBox* combo : {m_scheme, m_granularity, m_calibMethod, m_dispatch, m_requant})
        connect(combo, &QComboBox::currentIndexChanged, this, changed);
    for (QCheckBox* box : {m_cle, m_biasCorrection, m_adaround})
        connect(box, &QCheckBox::toggled, this, changed);
    connect(m_calibPath, &QLineEdit::textChanged, this, changed);
    for (QSpinBox* spin : {m_imageHeight, m_imageWidth, m_maxImages})
        connect(spin, &QSpinBox::valueChanged, this, &QuantSettingsWidget::imageSettingsChanged);
    for (QComboBox* combo : {m_channelOrder, m_imageLayout})
        connect(combo, &QComboBox::currentIndexChanged, this,
                &QuantSettingsWidget::imageSettingsChanged);
    for (QLineEdit* edit : {m_imageScale, m_imageMean, m_imageStd})
        connect(edit, &QLineEdit::textChanged, this, &QuantSettingsWidget::imageSettingsChanged);
    connect(m_analysisDepth, &QComboBox::currentIndexChanged, this, [this] {
        QSettings().setValue(kAnalysisDepthKey, m_analysisDepth->currentData().toString());
    });
    connect(m_browse, &QPushButton::clicked, this, &QuantSettingsWidget::browseCalibration);
    connect(m_browseFolder, &QPushButton::clicked, this,
            &QuantSettingsWidget::browseCalibrationFolder);

    updateEnabled();
    retranslateUi();
    updateOverrides();
}

QuantSettingsWidget::Options QuantSettingsWidget::options() const {
    Options options;
    options.append({QStringLiteral("bits"), QString::number(m_weightBits->value())});
    options.append({QStringLiteral("act-bits"), QString::number(m_activationBits->value())});
    const QString scheme = m_scheme->currentData().toString();
    if (!scheme.isEmpty()) options.append({QStringLiteral("scheme"), scheme});
    QString granularity = m_granularity->currentData().toString();
    if (granularity == QLatin1String("group"))
        granularity += QStringLiteral(":%1").arg(m_groupSize->value());
    options.append({QStringLiteral("granularity"), granularity});
    QString method = m_calibMethod->currentData().toString();
    // The C locale's '.' whatever the UI language: core parses with from_chars.
    if (method == QLatin1String("percentile"))
        method += QLatin1Char(':') + QString::number(m_percentile->value(), 'g', 8);
    options.append({QStringLiteral("calib-method"), method});
    options.append({QStringLiteral("dispatch"), m_dispatch->currentData().toString()});
    options.append({QStringLiteral("requant"), m_requant->currentData().toString()});
    if (m_cle->isChecked()) options.append({QStringLiteral("cle"), QString()});
    if (m_biasCorrection->isChecked())
        options.append({QStringLiteral("bias-correction"), QString()});
    if (m_adaround->isChecked()) options.append({QStringLiteral("adaround"), QString()});
    options.append(m_extra);
    return options;
}

Status QuantSettingsWidget::setOptions(const Options& options) {
    QuantConfig scratch;
    for (const auto& [name, value] : options)
        QS_TRY(applyQuantOption(scratch, name.toStdString(), value.toStdString()));
    auto select = [](QComboBox* combo, const QString& value) {
        combo->setCurrentIndex(std::max(0, combo->findData(value)));
    };
    m_extra.clear();
    // Core accepted every value above, so they are well-formed here.
    for (const auto& [name, value] : options) {
        if (name == QLatin1String("bits")) {
            m_weightBits->setValue(value.toInt());
        } else if (name == QLatin1String("act-bits")) {
            m_activationBits->setValue(value.toInt());
        } else if (name == QLatin1String("scheme")) {
            select(m_scheme, value);
        } else if (name == QLatin1String("granularity")) {
            select(m_granularity, value.section(QLatin1Char(':'), 0, 0));
            if (value.contains(QLatin1Char(':')))
                m_groupSize->setValue(value.section(QLatin1Char(':'), 1).toInt());
        } else if (name == QLatin1String("calib-method")) {
            select(m_calibMethod, value.section(QLatin1Char(':'), 0, 0));
            if (value.contains(QLatin1Char(':')))
                m_percentile->setValue(value.section(QLatin1Char(':'), 1).toDouble());
        } else if (name == QLatin1String("dispatch")) {
            select(m_dispatch, value);
        } else if (name == QLatin1String("requant")) {
            select(m_requant, value);
        } else if (name == QLatin1String("cle") || name == QLatin1String("bias-correction") ||
                   name == QLatin1String("adaround")) {
            // Switches with a check box: on exactly when given (a reopened project lists every
            // option it had), set below from their presence.
        } else {
            m_extra.append({name, value});
        }
    }
    auto present = [&options](const char* name) {
        for (const auto& option : options)
            if (option.first == QLatin1String(name)) return true;
        return false;
    };
    m_cle->setChecked(present("cle"));
    m_biasCorrection->setChecked(present("bias-correction"));
    m_adaround->setChecked(present("adaround"));
    updateOverrides();
    emit settingsChanged();
    return {};
}

bool QuantSettingsWidget::removeNodeOverride(const QString& name, const QString& node) {
    const qsizetype before = m_extra.size();
    m_extra.removeIf([&](const QPair<QString, QString>& option) {
        if (option.first != name) return false;
        if (name == QLatin1String("float")) return option.second == node;
        return option.second.section(QLatin1Char('='), 0, -2) == node;
    });
    return m_extra.size() != before;
}

void QuantSettingsWidget::setNodeFloat(const QString& node, bool keepFloat) {
    removeNodeOverride(QStringLiteral("float"), node);
    if (keepFloat) m_extra.append({QStringLiteral("float"), node});
    updateOverrides();
    emit settingsChanged();
}

void QuantSettingsWidget::setNodeBits(const QString& node, int bits) {
    removeNodeOverride(QStringLiteral("layer-bits"), node);
    if (bits > 0) {
        removeNodeOverride(QStringLiteral("float"), node);
        m_extra.append({QStringLiteral("layer-bits"), QStringLiteral("%1=%2").arg(node).arg(bits)});
    }
    updateOverrides();
    emit settingsChanged();
}

void QuantSettingsWidget::setNodeGranularity(const QString& node, const QString& granularity) {
    removeNodeOverride(QStringLiteral("layer-granularity"), node);
    if (!granularity.isEmpty())
        m_extra.append(
            {QStringLiteral("layer-granularity"), QStringLiteral("%1=%2").arg(node, granularity)});
    updateOverrides();
    emit settingsChanged();
}

void QuantSettingsWidget::setTensorCalibration(const QString& tensor, const QString& method) {
    removeNodeOverride(QStringLiteral("tensor-calib"), tensor);
    if (!method.isEmpty())
        m_extra.append(
            {QStringLiteral("tensor-calib"), QStringLiteral("%1=%2").arg(tensor, method)});
    updateOverrides();
    emit settingsChanged();
}

void QuantSettingsWidget::setNodeListed(const QString& option, const QString& node, bool on) {
    Options next;
    for (const auto& entry : m_extra) {
        if (entry.first != option) {
            next.append(entry);
            continue;
        }
        QStringList nodes = listedNodes(option, entry.second);
        nodes.removeAll(node);
        if (!nodes.isEmpty()) next.append({option, joinNodes(nodes)});
    }
    if (on) next.append({option, joinNodes({node})});
    m_extra = next;
    updateOverrides();
    emit settingsChanged();
}

void QuantSettingsWidget::setNodeCle(const QString& node, bool on) {
    setNodeListed(QStringLiteral("cle-layers"), node, on);
}

void QuantSettingsWidget::setNodeAdaRound(const QString& node, bool on) {
    setNodeListed(QStringLiteral("adaround-layers"), node, on);
}

bool QuantSettingsWidget::nodeListed(const QString& option, const QString& node) const {
    for (const auto& [name, value] : m_extra)
        if (name == option && listedNodes(option, value).contains(node)) return true;
    return false;
}

void QuantSettingsWidget::setLayerBits(const QList<QPair<QString, int>>& bits) {
    m_extra.removeIf([](const QPair<QString, QString>& option) {
        return option.first == QLatin1String("layer-bits");
    });
    for (const auto& [node, b] : bits)
        if (b != m_weightBits->value())
            m_extra.append(
                {QStringLiteral("layer-bits"), QStringLiteral("%1=%2").arg(node).arg(b)});
    updateOverrides();
    emit settingsChanged();
}

double QuantSettingsWidget::percentile() const {
    return m_percentile->value();
}

QStringList QuantSettingsWidget::nodeOverrides(const QString& node) const {
    QStringList out;
    for (const auto& [name, value] : m_extra) {
        if (name == QLatin1String("float") && value == node)
            out << QStringLiteral("--float ") + value;
        else if ((name == QLatin1String("layer-bits") ||
                  name == QLatin1String("layer-granularity")) &&
                 value.section(QLatin1Char('='), 0, -2) == node)
            out << QStringLiteral("--%1 %2").arg(name, value);
    }
    for (const char* option : {"cle-layers", "adaround-layers"})
        if (nodeListed(QLatin1String(option), node))
            out << QStringLiteral("--%1 %2").arg(QLatin1String(option), joinNodes({node}));
    return out;
}

void QuantSettingsWidget::updateOverrides() {
    QStringList lines;
    for (const auto& [name, value] : m_extra)
        lines << (value.isEmpty() ? QStringLiteral("--") + name
                                  : QStringLiteral("--%1 %2").arg(name, value));
    m_overrides->setVisible(!lines.isEmpty());
    m_overrides->setText(lines.isEmpty() ? QString()
                                         : tr("Per-node overrides:") + QLatin1Char('\n') +
                                               lines.join(QLatin1Char('\n')));
}

Result<QuantConfig> QuantSettingsWidget::config() const {
    QuantConfig config;
    for (const auto& [name, value] : options())
        QS_TRY(applyQuantOption(config, name.toStdString(), value.toStdString()));
    return config;
}

void QuantSettingsWidget::setCalibrationPath(const QString& path) {
    m_calibPath->setText(path);
}

QString QuantSettingsWidget::calibrationPath() const {
    return m_calibPath->text().trimmed();
}

bool QuantSettingsWidget::calibrationIsImageFolder() const {
    const QString path = calibrationPath();
    return !path.isEmpty() && !path.startsWith(QLatin1String(":/")) && QFileInfo(path).isDir();
}

Result<ImageFolderOptions> QuantSettingsWidget::imageOptions() const {
    ImageFolderOptions options;
    options.height = m_imageHeight->value();
    options.width = m_imageWidth->value();
    options.order = m_channelOrder->currentData().toString() == QLatin1String("bgr")
                        ? ChannelOrder::Bgr
                        : ChannelOrder::Rgb;
    options.layout = m_imageLayout->currentData().toString() == QLatin1String("nhwc")
                         ? ImageLayout::Nhwc
                         : ImageLayout::Nchw;
    options.maxImages = m_maxImages->value();
    auto field = [](const char* name, Error error) {
        return Error(error.code(), tr(name).toStdString() + ' ' + error.message());
    };
    Result<double> scale = ImageFolder::parseScale(m_imageScale->text());
    if (!scale) return field(QT_TR_NOOP("Image scale:"), scale.takeError());
    options.scale = *scale;
    Result<std::vector<double>> mean = ImageFolder::parseChannelValues(m_imageMean->text());
    if (!mean) return field(QT_TR_NOOP("Image mean:"), mean.takeError());
    options.mean = *mean;
    Result<std::vector<double>> std = ImageFolder::parseChannelValues(m_imageStd->text());
    if (!std) return field(QT_TR_NOOP("Image std:"), std.takeError());
    for (double s : *std)
        if (s == 0)
            return Error(ErrorCode::InvalidArgument,
                         tr("Image std: must not be zero").toStdString());
    options.std = *std;
    return options;
}

QuantSettingsWidget::ImageSettings QuantSettingsWidget::imageSettings() const {
    return {{QStringLiteral("height"), QString::number(m_imageHeight->value())},
            {QStringLiteral("width"), QString::number(m_imageWidth->value())},
            {QStringLiteral("channel_order"), m_channelOrder->currentData().toString()},
            {QStringLiteral("scale"), m_imageScale->text().trimmed()},
            {QStringLiteral("mean"), m_imageMean->text().trimmed()},
            {QStringLiteral("std"), m_imageStd->text().trimmed()},
            {QStringLiteral("layout"), m_imageLayout->currentData().toString()},
            {QStringLiteral("max_images"), QString::number(m_maxImages->value())}};
}

QStringList QuantSettingsWidget::setImageSettings(const ImageSettings& settings) {
    QStringList problems;
    auto bad = [&](const QString& key, const QString& value) {
        problems << tr("%1: '%2' is not a valid value; kept the current one").arg(key, value);
    };
    for (auto it = settings.cbegin(); it != settings.cend(); ++it) {
        const QString& key = it.key();
        const QString value = it.value().trimmed();
        if (key == QLatin1String("height") || key == QLatin1String("width") ||
            key == QLatin1String("max_images")) {
            QSpinBox* spin = key == QLatin1String("height")  ? m_imageHeight
                             : key == QLatin1String("width") ? m_imageWidth
                                                             : m_maxImages;
            bool ok = false;
            const int n = value.toInt(&ok);
            if (ok && n >= spin->minimum() && n <= spin->maximum())
                spin->setValue(n);
            else
                bad(key, value);
        } else if (key == QLatin1String("channel_order") || key == QLatin1String("layout")) {
            QComboBox* combo = key == QLatin1String("layout") ? m_imageLayout : m_channelOrder;
            const int index = combo->findData(value.toLower());
            if (index >= 0)
                combo->setCurrentIndex(index);
            else
                bad(key, value);
        } else if (key == QLatin1String("scale")) {
            if (ImageFolder::parseScale(value))
                m_imageScale->setText(value);
            else
                bad(key, value);
        } else if (key == QLatin1String("mean") || key == QLatin1String("std")) {
            if (ImageFolder::parseChannelValues(value))
                (key == QLatin1String("mean") ? m_imageMean : m_imageStd)->setText(value);
            else
                bad(key, value);
        } else {
            problems << tr("%1: unknown image option; ignored").arg(key);
        }
    }
    return problems;
}

void QuantSettingsWidget::imageSettingsChanged() {
    QSettings settings;
    settings.beginGroup(kImageSettingsGroup);
    const ImageSettings current = imageSettings();
    for (auto it = current.cbegin(); it != current.cend(); ++it)
        settings.setValue(it.key(), it.value());
    // Only a run from a folder reads them; with a .npy the results do not depend on them.
    if (calibrationIsImageFolder()) emit settingsChanged();
}

AnalysisDepth QuantSettingsWidget::analysisDepth() const {
    const QString value = m_analysisDepth->currentData().toString();
    if (value == QLatin1String("none")) return AnalysisDepth::None;
    if (value == QLatin1String("no-mixed-bits")) return AnalysisDepth::WithoutMixedBits;
    return AnalysisDepth::Full;
}

void QuantSettingsWidget::setAnalysisDepth(AnalysisDepth depth) {
    const int index = depth == AnalysisDepth::None               ? 2
                      : depth == AnalysisDepth::WithoutMixedBits ? 1
                                                                 : 0;
    m_analysisDepth->setCurrentIndex(index);
}

void QuantSettingsWidget::setResultSummary(const QString& text) {
    m_summary->setText(text);
}

QString QuantSettingsWidget::resultSummary() const {
    return m_summary->text();
}

void QuantSettingsWidget::browseCalibration() {
    QSettings settings;
    const QString path = QFileDialog::getOpenFileName(this, tr("Calibration Data"),
                                                      settings.value(kLastCalibDirKey).toString(),
                                                      tr("NumPy arrays (*.npy);;All files (*)"));
    if (path.isEmpty()) return;
    settings.setValue(kLastCalibDirKey, QFileInfo(path).absolutePath());
    setCalibrationPath(path);
}

void QuantSettingsWidget::browseCalibrationFolder() {
    QSettings settings;
    const QString path = QFileDialog::getExistingDirectory(
        this, tr("Calibration Images"), settings.value(kLastCalibDirKey).toString());
    if (path.isEmpty()) return;
    settings.setValue(kLastCalibDirKey, path);
    setCalibrationPath(path);
}

void QuantSettingsWidget::updateEnabled() {
    m_groupSize->setEnabled(m_granularity->currentData().toString() == QLatin1String("group"));
    m_percentile->setEnabled(m_calibMethod->currentData().toString() ==
                             QLatin1String("percentile"));
    m_imageGroup->setVisible(calibrationIsImageFolder());
}

void QuantSettingsWidget::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslateUi();
    QWidget::changeEvent(event);
}

void QuantSettingsWidget::retranslateUi() {
    for (const auto& [label, text] : std::as_const(m_labels))
        static_cast<QLabel*>(label)->setText(tr(text));
    if (m_overrides) updateOverrides();
    m_weightBits->setToolTip(tr("Bits of the weights, 2 to 16 (the simulator runs any width)"));
    m_activationBits->setToolTip(tr("Bits of the activations, 2 to 16"));
    m_scheme->setItemText(0, tr("Default (symmetric weights, asymmetric activations)"));
    m_scheme->setItemText(1, tr("Symmetric"));
    m_scheme->setItemText(2, tr("Asymmetric"));
    m_granularity->setItemText(0, tr("Per channel"));
    m_granularity->setItemText(1, tr("Per tensor"));
    m_granularity->setItemText(2, tr("Per group"));
    m_groupSize->setToolTip(tr("Channels per group"));
    m_calibMethod->setItemText(0, tr("Min-max"));
    m_calibMethod->setItemText(1, tr("Percentile"));
    m_calibMethod->setItemText(2, tr("KL divergence (entropy)"));
    m_calibMethod->setItemText(3, tr("MSE-optimal clip"));
    m_calibMethod->setItemText(4, tr("Moving-average min-max"));
    m_percentile->setToolTip(tr("Percentile of |x| kept inside the clip range"));
    m_dispatch->setItemText(0, tr("Conservative (contested nodes float)"));
    m_dispatch->setItemText(1, tr("Aggressive (contested nodes quantized)"));
    m_requant->setItemText(0, tr("Float scale (ONNX Runtime)"));
    m_requant->setItemText(1, tr("Fixed point (TFLite)"));
    m_requant->setToolTip(tr("How the integer executor requantizes; the simulator's results do "
                             "not depend on it."));
    m_cle->setText(tr("Cross-layer equalization (CLE)"));
    m_biasCorrection->setText(tr("Bias correction"));
    m_adaround->setText(tr("AdaRound"));
    m_cle->setToolTip(tr("Equalize the per-channel weight ranges of consecutive Conv layers "
                         "(DFQ); exact in float."));
    m_biasCorrection->setToolTip(tr("Subtract the expected output shift that weight quantization "
                                    "causes, per output channel. Layers AdaRound rounds are left "
                                    "alone: its reconstruction already includes the mean."));
    m_adaround->setToolTip(tr("Learn whether each weight rounds up or down (needs calibration "
                              "data; slow)."));
    m_analysisDepth->setItemText(0, tr("Full (sensitivity, error, mixed bits)"));
    m_analysisDepth->setItemText(1, tr("Without the mixed-bit search"));
    m_analysisDepth->setItemText(2, tr("None (quantize and evaluate only)"));
    m_analysisDepth->setToolTip(tr("What a run analyses after quantizing. The mixed-bit search "
                                   "quantizes every layer at several widths and is the slowest "
                                   "part on large models; without it the calibrator comparison "
                                   "also leaves out its output SQNRs."));
    m_calibPath->setPlaceholderText(tr("None: data-free ranges from BatchNorm statistics"));
    m_calibPath->setToolTip(tr("Float32 .npy in the model's input layout, samples first, or a "
                               "folder of images; the first samples are also used to measure "
                               "each layer's SQNR."));
    m_browse->setText(tr("&Browse\u2026"));
    m_browse->setToolTip(tr("Choose a .npy file"));
    m_browseFolder->setText(tr("F&older\u2026"));
    m_browseFolder->setToolTip(tr("Choose a folder of images (PNG, JPEG, BMP, \u2026)"));
    for (const auto& [label, text] : std::as_const(m_imageLabels))
        static_cast<QLabel*>(label)->setText(tr(text));
    m_imageGroup->setTitle(tr("Image folder"));
    m_imageHeight->setSpecialValueText(tr("model"));
    m_imageWidth->setSpecialValueText(tr("model"));
    m_imageHeight->setToolTip(tr("Height the images are resized to; \u201cmodel\u201d: the model "
                                 "input's static height (else the images' own)"));
    m_imageWidth->setToolTip(tr("Width the images are resized to; \u201cmodel\u201d: the model "
                                "input's static width (else the images' own)"));
    m_channelOrder->setItemText(0, tr("RGB"));
    m_channelOrder->setItemText(1, tr("BGR"));
    m_channelOrder->setToolTip(tr("Channel order of a 3-channel input; a 1-channel input reads "
                                  "the images as grayscale"));
    m_imageScale->setToolTip(tr("Each pixel (0 to 255) is multiplied by this: a number or a "
                                "fraction such as 1/255"));
    m_imageMean->setToolTip(tr("Subtracted after scaling: one value, or one per channel "
                               "separated by commas"));
    m_imageStd->setToolTip(tr("Divided by after subtracting the mean: one value, or one per "
                              "channel separated by commas"));
    m_imageLayout->setItemText(0, tr("NCHW (channels first)"));
    m_imageLayout->setItemText(1, tr("NHWC (channels last)"));
    m_maxImages->setSuffix(tr(" images"));
    m_maxImages->setToolTip(tr("Only the first images in file-name order are read"));
    m_runButton->setText(tr("&Run Quantization"));
}

} // namespace qs
