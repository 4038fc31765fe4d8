#include "node_table_model.h"

#include <QStringList>

namespace qs {

namespace {

// "[16] ×4" for BatchNormalization's four statistics instead of "[16], [16], [16], [16]".
QString joinShapes(const QList<TensorSummary>& tensors, bool constants) {
    QStringList groups;
    QString last;
    int repeat = 0;
    auto flush = [&] {
        if (repeat == 1)
            groups << last;
        else if (repeat > 1)
            groups << QStringLiteral("%1 \u00d7%2").arg(last).arg(repeat);
    };
    for (const TensorSummary& t : tensors) {
        if (t.isConstant != constants) continue;
        if (repeat > 0 && t.shape == last) {
            ++repeat;
            continue;
        }
        flush();
        last = t.shape;
        repeat = 1;
    }
    flush();
    return groups.join(QStringLiteral(", "));
}

QString describeTensors(const QList<TensorSummary>& tensors) {
    QStringList lines;
    for (const TensorSummary& t : tensors) {
        QString line = t.name + QLatin1Char(' ') + t.shape;
        if (!t.dtype.isEmpty()) line += QLatin1Char(' ') + t.dtype;
        lines << line;
    }
    return lines.join(QLatin1Char('\n'));
}

} // namespace

NodeTableModel::NodeTableModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void NodeTableModel::setSnapshot(std::shared_ptr<const ModelSnapshot> snapshot) {
    beginResetModel();
    m_snapshot = std::move(snapshot);
    endResetModel();
}

int NodeTableModel::rowOfNode(const QString& name) const {
    if (!m_snapshot) return -1;
    for (int row = 0; row < m_snapshot->nodes.size(); ++row)
        if (m_snapshot->nodes[row].name == name) return row;
    return -1;
}

void NodeTableModel::retranslate() {
    emit headerDataChanged(Qt::Horizontal, 0, ColumnCount - 1);
}

int NodeTableModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() || !m_snapshot) return 0;
    return int(m_snapshot->nodes.size());
}

int NodeTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant NodeTableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const NodeSummary& node = m_snapshot->nodes[index.row()];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return displayData(node, column);
    case SortRole:
        return column == IndexColumn ? QVariant(node.index) : displayData(node, column);
    case Qt::ToolTipRole:
        return toolTip(node, column);
    case Qt::TextAlignmentRole:
        if (column == IndexColumn) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case FilterRole: {
        QStringList words{node.name, node.opType};
        for (const TensorSummary& t : node.inputs) words << t.name;
        for (const TensorSummary& t : node.outputs) words << t.name;
        return words.join(QLatin1Char('\n'));
    }
    case NodeNameRole:
        return node.name;
    default:
        return {};
    }
}

QVariant NodeTableModel::displayData(const NodeSummary& node, int column) const {
    switch (column) {
    case IndexColumn:
        return node.index;
    case NameColumn:
        return node.name;
    case OpColumn:
        return node.domain.isEmpty() ? node.opType
                                     : node.domain + QLatin1String("::") + node.opType;
    case InputsColumn:
        return joinShapes(node.inputs, false);
    case WeightsColumn:
        return joinShapes(node.inputs, true);
    case OutputsColumn:
        return joinShapes(node.outputs, false);
    case AttributesColumn:
        return node.attributes;
    default:
        return {};
    }
}

QString NodeTableModel::toolTip(const NodeSummary& node, int column) const {
    switch (column) {
    case InputsColumn:
    case WeightsColumn:
        return describeTensors(node.inputs);
    case OutputsColumn:
        return describeTensors(node.outputs);
    case AttributesColumn:
        return QString(node.attributes).replace(QStringLiteral(", "), QStringLiteral("\n"));
    case OpColumn:
        if (!node.supported)
            return tr("%1 is not implemented: the model can be viewed but not run")
                .arg(node.opType);
        return {};
    default:
        return node.name;
    }
}

QVariant NodeTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case IndexColumn:
        return tr("#");
    case NameColumn:
        return tr("Name");
    case OpColumn:
        return tr("Op");
    case InputsColumn:
        return tr("Inputs");
    case WeightsColumn:
        return tr("Weights");
    case OutputsColumn:
        return tr("Outputs");
    case AttributesColumn:
        return tr("Attributes");
    default:
        return {};
    }
}

} // namespace qs
