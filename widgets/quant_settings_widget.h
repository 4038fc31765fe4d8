// The settings dock: every quantization toggle the core supports, as the same option strings
// the command line takes (DESIGN.md QUANT OPTIONS), turned into a QuantConfig by core's
// applyQuantOption — the GUI never parses or interprets a setting itself. Toggles the core
// does not implement yet are shown disabled with a tooltip saying so.
#pragma once

#include "quant/quant_config.h"
#include "quant_run.h"
#include "util/error.h"

#include <QList>
#include <QMap>
#include <QPair>
#include <QString>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace qs {

class QuantSettingsWidget : public QWidget {
    Q_OBJECT

public:
    using Options = QList<QPair<QString, QString>>; // (option name, value); "" for switches

    explicit QuantSettingsWidget(QWidget* parent = nullptr);

    // The settings as command-line options, in the order they are applied.
    Options options() const;
    // Shows the given options (command-line form, e.g. from `quantscope --bits 4`): checked by
    // core's parser first; the ones without a control here (--float, --layer-bits, ...) are
    // kept and appended to options(). Nothing changes on an error.
    Status setOptions(const Options& options);
    // Applies options() with core's parser; the error names the option at fault.
    Result<QuantConfig> config() const;

    // Calibration data: a .npy file (or a ":/" resource for the bundled example) or a folder of
    // images; empty = data-free. The first samples are also the evaluation data.
    void setCalibrationPath(const QString& path);
    QString calibrationPath() const;
    bool calibrationIsImageFolder() const;

    // How a folder of images becomes model input; the error names the field at fault.
    Result<ImageFolderOptions> imageOptions() const;
    // The image options as text, by key (height, width, channel_order, scale, mean, std,
    // layout, max_images): kept in QSettings and in projects.
    using ImageSettings = QMap<QString, QString>;
    ImageSettings imageSettings() const;
    // Shows the given image options; returns one line per key or value it could not take
    // (that option keeps its value).
    QStringList setImageSettings(const ImageSettings& settings);

    // Per-node overrides (the graph's context menu, the mixed-bit "Apply"): --float NODE and
    // --layer-bits NODE=N, kept with the options that have no control of their own.
    void setNodeFloat(const QString& node, bool keepFloat);
    void setNodeBits(const QString& node, int bits); // 0 removes the node's --layer-bits
    // --layer-granularity NODE=tensor|channel; an empty granularity removes the override.
    void setNodeGranularity(const QString& node, const QString& granularity);
    // --tensor-calib TENSOR=METHOD (the calibrator comparison's "Use"); an empty method removes
    // the override.
    void setTensorCalibration(const QString& tensor, const QString& method);
    // --cle-layers NODE / --adaround-layers NODE (the node menu's "CLE for this pair" and
    // "AdaRound for this layer"): added, or removed from every list that names the node.
    void setNodeCle(const QString& node, bool on);
    void setNodeAdaRound(const QString& node, bool on);
    // Whether `option` (cle-layers, adaround-layers) lists the node.
    bool nodeListed(const QString& option, const QString& node) const;
    // Sets --layer-bits for every node of `bits` whose value differs from the weight bits and
    // removes the other nodes' --layer-bits; one settingsChanged.
    void setLayerBits(const QList<QPair<QString, int>>& bits);
    // The percentile the dock's Percentile calibrator keeps (99.99 by default).
    double percentile() const;
    // The node's override as a command-line fragment ("--float conv1"), empty if none.
    QStringList nodeOverrides(const QString& node) const;

    // What a run analyses after quantizing (a preference kept in QSettings, not a quantization
    // setting: changing it does not make results stale and is not saved in projects).
    AnalysisDepth analysisDepth() const;
    void setAnalysisDepth(AnalysisDepth depth);

    QPushButton* runButton() const { return m_runButton; }
    // The last run's model-level numbers, shown under the Run button (rich text is not used).
    void setResultSummary(const QString& text);
    QString resultSummary() const;

signals:
    // Any toggle or the calibration data changed.
    void settingsChanged();

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslateUi();
    void browseCalibration();
    void browseCalibrationFolder();
    void imageSettingsChanged();
    void updateEnabled();
    void updateOverrides();
    bool removeNodeOverride(const QString& name, const QString& node);
    void setNodeListed(const QString& option, const QString& node, bool on);

    QSpinBox* m_weightBits;
    QSpinBox* m_activationBits;
    QComboBox* m_scheme;
    QComboBox* m_granularity;
    QSpinBox* m_groupSize;
    QComboBox* m_calibMethod;
    QDoubleSpinBox* m_percentile;
    QComboBox* m_dispatch;
    QComboBox* m_requant;
    QCheckBox* m_cle;
    QCheckBox* m_biasCorrection;
    QCheckBox* m_adaround;
    QComboBox* m_analysisDepth;
    QLineEdit* m_calibPath;
    QPushButton* m_browse;
    QPushButton* m_browseFolder;
    QGroupBox* m_imageGroup;
    QFormLayout* m_imageForm;
    QSpinBox* m_imageHeight;
    QSpinBox* m_imageWidth;
    QComboBox* m_channelOrder;
    QLineEdit* m_imageScale;
    QLineEdit* m_imageMean;
    QLineEdit* m_imageStd;
    QComboBox* m_imageLayout;
    QSpinBox* m_maxImages;
    QList<QPair<QWidget*, const char*>> m_imageLabels;
    QPushButton* m_runButton;
    QLabel* m_summary;
    QLabel* m_overrides = nullptr;
    QFormLayout* m_form;
    QList<QPair<QWidget*, const char*>> m_labels;
    Options
        m_extra; // options without a control, from setOptions() // field -> untranslated label text
};

} // namespace qs
