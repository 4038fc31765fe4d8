#include "model_summary_widget.h"

#include <QEvent>
#include <QFileInfo>
#include <QHeaderView>
#include <QLocale>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace qs {

namespace {

QTreeWidgetItem* addRow(QTreeWidgetItem* parent, const QString& key, const QString& value) {
    auto* item = new QTreeWidgetItem(parent, {key, value});
    item->setToolTip(0, key);
    item->setToolTip(1, value);
    return item;
}

QString tensorText(const SnapshotTensor& t) {
    return t.dtype.isEmpty() ? t.shape : t.dtype + QLatin1Char(' ') + t.shape;
}

} // namespace

ModelSummaryWidget::ModelSummaryWidget(QWidget* parent)
    : QWidget(parent)
    , m_tree(new QTreeWidget(this)) {
    m_tree->setObjectName(QStringLiteral("modelSummary"));
    m_tree->setColumnCount(2);
    m_tree->setRootIsDecorated(true);
    m_tree->setUniformRowHeights(true);
    m_tree->setSelectionMode(QAbstractItemView::NoSelection);
    m_tree->header()->setStretchLastSection(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tree);
    rebuild();
}

void ModelSummaryWidget::setSnapshot(std::shared_ptr<const ModelSnapshot> snapshot) {
    m_snapshot = std::move(snapshot);
    rebuild();
}

void ModelSummaryWidget::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) rebuild();
    QWidget::changeEvent(event);
}

QTreeWidgetItem* ModelSummaryWidget::addSection(const QString& title, const QString& value) {
    auto* item = new QTreeWidgetItem(m_tree, {title, value});
    QFont font = item->font(0);
    font.setBold(true);
    item->setFont(0, font);
    item->setFirstColumnSpanned(value.isEmpty());
    return item;
}

void ModelSummaryWidget::rebuild() {
    m_tree->clear();
    m_tree->setHeaderLabels({tr("Property"), tr("Value")});
    if (!m_snapshot) {
        addSection(tr("No model loaded"));
        return;
    }
    const ModelSnapshot& s = *m_snapshot;
    const QLocale locale;

    QTreeWidgetItem* model = addSection(tr("Model"));
    addRow(model, tr("File"), QFileInfo(s.filePath).fileName());
    if (!s.graphName.isEmpty()) addRow(model, tr("Graph"), s.graphName);
    if (!s.producer.trimmed().isEmpty()) addRow(model, tr("Producer"), s.producer);
    addRow(model, tr("IR version"), QString::number(s.irVersion));
    QStringList opsets;
    for (const auto& [domain, version] : s.opsets)
        opsets << QStringLiteral("%1 %2")
                      .arg(domain.isEmpty() ? QStringLiteral("ai.onnx") : domain)
                      .arg(version);
    addRow(model, tr("Opsets"), opsets.join(QStringLiteral(", ")));
    addRow(model, tr("Nodes"), locale.toString(qlonglong(s.nodes.size())));
    addRow(model, tr("Parameters"),
           QStringLiteral("%1 (%2)").arg(locale.toString(s.parameterCount),
                                         locale.formattedDataSize(s.parameterBytes)))
        ->setToolTip(1, tr("Elements of all floating-point initializers: weights, biases and "
                           "BatchNorm statistics"));

    QTreeWidgetItem* inputs = addSection(tr("Inputs (%1)").arg(s.inputs.size()));
    for (const SnapshotTensor& t : s.inputs) addRow(inputs, t.name, tensorText(t));
    QTreeWidgetItem* outputs = addSection(tr("Outputs (%1)").arg(s.outputs.size()));
    for (const SnapshotTensor& t : s.outputs) addRow(outputs, t.name, tensorText(t));

    QTreeWidgetItem* ops = addSection(tr("Operators (%1 types)").arg(s.opCounts.size()));
    for (const auto& [op, count] : s.opCounts) addRow(ops, op, locale.toString(count));

    if (s.unsupportedOps.isEmpty()) {
        addSection(tr("Unsupported operators"), tr("none"));
    } else {
        QTreeWidgetItem* unsupported =
            addSection(tr("Unsupported operators (%1)").arg(s.unsupportedOps.size()));
        for (const auto& [op, count] : s.unsupportedOps)
            addRow(unsupported, op, locale.toString(count));
        unsupported->setExpanded(true);
    }

    QTreeWidgetItem* shapes = addSection(tr("Shape inference"));
    if (s.shapeInferenceFailed) {
        addRow(shapes, tr("Stopped"), s.shapeInferenceError);
    } else {
        addRow(shapes, tr("Known shapes"), locale.toString(s.shapesKnown));
        addRow(shapes, tr("Unknown shapes"), locale.toString(s.shapesUnknown));
    }
    for (const QString& note : s.shapeNotes) addRow(shapes, tr("Note"), note);

    for (QTreeWidgetItem* section : {model, inputs, outputs, ops, shapes})
        section->setExpanded(true);
    m_tree->resizeColumnToContents(0);
}

} // namespace qs
