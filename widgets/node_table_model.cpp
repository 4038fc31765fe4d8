#include "node_table_model.h"

#include <QBrush>
#include <QGuiApplication>
#include <QPalette>
#include <QStringList>
#include <cmath>

namespace qs {

namespace {

// "[16] ×4" for BatchNormalization's four statistics instead of "[16], [16], [16], [16]".
QString joinShapes(const QList<SnapshotTensor>& tensors, bool constants) {
    QStringList groups;
    QString last;
    int repeat = 0;
    auto flush = [&] {
        if (repeat == 1)
            groups << last;
        else if (repeat > 1)
            groups << QStringLiteral("%1 \u00d7%2").arg(last).arg(repeat);
    };
    for (const SnapshotTensor& t : tensors) {
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

QString describeTensors(const QList<SnapshotTensor>& tensors) {
    QStringList lines;
    for (const SnapshotTensor& t : tensors) {
        QString line = t.name + QLatin1Char(' ') + t.shape;
        if (!t.dtype.isEmpty()) line += QLatin1Char(' ') + t.dtype;
        lines << line;
    }
    return lines.join(QLatin1Char('\n'));
}

bool isResultColumn(int column) {
    return column >= NodeTableModel::BitsColumn && column <= NodeTableModel::Int8Column;
}

// "+inf" for an exact tensor; one decimal otherwise.
QString formatDb(double db) {
    if (std::isinf(db)) return db > 0 ? QStringLiteral("\u221e") : QStringLiteral("-\u221e");
    return QString::number(db, 'f', 1);
}

} // namespace

NodeTableModel::NodeTableModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void NodeTableModel::setSnapshot(std::shared_ptr<const ModelSnapshot> snapshot) {
    beginResetModel();
    m_snapshot = std::move(snapshot);
    endResetModel();
}

void NodeTableModel::setRunResults(std::shared_ptr<const QuantRunResult> current,
                                   std::shared_ptr<const QuantRunResult> previous) {
    m_current = std::move(current);
    m_previous = std::move(previous);
    m_stale = false;
    if (rowCount() > 0)
        emit dataChanged(index(0, RegionColumn), index(rowCount() - 1, ColumnCount - 1));
}

void NodeTableModel::setResultsStale(bool stale) {
    if (m_stale == stale) return;
    m_stale = stale;
    if (rowCount() > 0)
        emit dataChanged(index(0, BitsColumn), index(rowCount() - 1, Int8Column),
                         {Qt::ForegroundRole});
}

const LayerRunResult* NodeTableModel::layer(const QuantRunResult* run, const QString& name) const {
    if (!run) return nullptr;
    const auto it = run->layers.constFind(name);
    return it == run->layers.constEnd() ? nullptr : &it.value();
}

const Int8NodeFinding* NodeTableModel::int8Finding(const QString& name) const {
    if (!m_current || !m_current->analyses || !m_current->analyses->int8) return nullptr;
    return m_current->analyses->int8->node(name.toStdString());
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
        return sortData(node, column);
    case Qt::ForegroundRole:
        if (m_stale && isResultColumn(column))
            return QGuiApplication::palette().brush(QPalette::Disabled, QPalette::Text);
        if (column == Int8Column) {
            // The first divergent node in red, as the divergence finder names it.
            const Int8NodeFinding* f = int8Finding(node.name);
            if (f && f->divergent) return QBrush(QColor(0xd0, 0x30, 0x20));
        }
        return {};
    case Qt::ToolTipRole:
        return toolTip(node, column);
    case Qt::TextAlignmentRole:
        if (column == IndexColumn || column == BitsColumn || column == SqnrColumn ||
            column == SqnrDeltaColumn || column == Int8Column)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case FilterRole: {
        QStringList words{node.name, node.opType};
        for (const SnapshotTensor& t : node.inputs) words << t.name;
        for (const SnapshotTensor& t : node.outputs) words << t.name;
        return words.join(QLatin1Char('\n'));
    }
    case NodeNameRole:
        return node.name;
    case FoldedRole:
        return node.isFolded();
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
    case RegionColumn:
        switch (node.region) {
        case NodeRegion::Quantizable:
            return tr("quantizable");
        case NodeRegion::Contested:
            return tr("contested");
        case NodeRegion::NonQuantizable:
            return tr("shape/constant");
        }
        return {};
    case BitsColumn: {
        const LayerRunResult* l = layer(m_current.get(), node.name);
        if (!m_current) return {};
        if (!l || !l->inPlan)
            return node.opType == QLatin1String("BatchNormalization") ? tr("folded") : QString();
        return l->quantized && l->bits > 0 ? QString::number(l->bits) : tr("float");
    }
    case SchemeColumn: {
        const LayerRunResult* l = layer(m_current.get(), node.name);
        if (!l || l->scheme.isEmpty()) return {};
        // Core's names ("symmetric", "channel", "group:4") in the user's language.
        const QString scheme = l->scheme == QLatin1String("symmetric")    ? tr("symmetric")
                               : l->scheme == QLatin1String("asymmetric") ? tr("asymmetric")
                                                                          : l->scheme;
        QString granularity = l->granularity;
        if (granularity == QLatin1String("tensor"))
            granularity = tr("per tensor");
        else if (granularity == QLatin1String("channel"))
            granularity = tr("per channel");
        else if (granularity.startsWith(QLatin1String("group:")))
            granularity = tr("per group of %1").arg(granularity.mid(6));
        return tr("%1, %2", "scheme, granularity").arg(scheme, granularity);
    }
    case SqnrColumn: {
        const LayerRunResult* l = layer(m_current.get(), node.name);
        if (!l || std::isnan(l->sqnrDb)) return {};
        return formatDb(l->sqnrDb);
    }
    case SqnrDeltaColumn: {
        const LayerRunResult* now = layer(m_current.get(), node.name);
        const LayerRunResult* before = layer(m_previous.get(), node.name);
        if (!now || !before || !std::isfinite(now->sqnrDb) || !std::isfinite(before->sqnrDb))
            return {};
        const double delta = now->sqnrDb - before->sqnrDb;
        return (delta > 0 ? QStringLiteral("+") : QString()) + QString::number(delta, 'f', 1);
    }
    case Int8Column: {
        const Int8NodeFinding* f = int8Finding(node.name);
        if (!f) return {};
        const QString steps = QString::number(f->maxSteps);
        //: marks the first node whose integer output departs from the simulator
        return f->divergent ? tr("%1 (first divergent)").arg(steps) : steps;
    }
    case InputsColumn:
        return joinShapes(measured(node.inputs), false);
    case WeightsColumn:
        return joinShapes(node.inputs, true);
    case OutputsColumn:
        return joinShapes(measured(node.outputs), false);
    case AttributesColumn:
        return node.attributes;
    default:
        return {};
    }
}

QList<SnapshotTensor> NodeTableModel::measured(const QList<SnapshotTensor>& tensors) const {
    // A run measured the real shapes where static inference had to assume 1 for a dynamic dim.
    if (!m_current || m_current->tensorShapes.isEmpty()) return tensors;
    QList<SnapshotTensor> result = tensors;
    for (SnapshotTensor& t : result) t.shape = m_current->tensorShapes.value(t.name, t.shape);
    return result;
}

QVariant NodeTableModel::sortData(const NodeSummary& node, int column) const {
    switch (column) {
    case IndexColumn:
        return node.index;
    case BitsColumn: {
        const LayerRunResult* l = layer(m_current.get(), node.name);
        return l && l->inPlan ? (l->quantized ? l->bits : 99) : 100; // float after quantized
    }
    case Int8Column: {
        const Int8NodeFinding* f = int8Finding(node.name);
        return f ? double(f->maxSteps) + (f->divergent ? 0.5 : 0.0) : -1.0;
    }
    case SqnrColumn:
    case SqnrDeltaColumn: {
        // Numbers as numbers; rows without a value sort after every number.
        const QString text = displayData(node, column).toString();
        const LayerRunResult* l = layer(m_current.get(), node.name);
        if (text.isEmpty() || !l) return 1e300;
        if (column == SqnrColumn) return std::isinf(l->sqnrDb) ? 1e299 : l->sqnrDb;
        return text.toDouble();
    }
    default:
        return displayData(node, column);
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
    case Int8Column: {
        const Int8NodeFinding* f = int8Finding(node.name);
        if (!f)
            return tr("Not compared: the node has no integer codes of its own, or the "
                      "integer executor did not run");
        const Int8Findings& all = *m_current->analyses->int8;
        QStringList lines;
        lines << tr("Integer executor vs simulator on %n sample(s), tensor %1", nullptr,
                    int(all.samples))
                     .arg(QString::fromStdString(f->tensor));
        lines << tr("Given the simulator's inputs: max %1 step(s), %2 % of elements more than "
                    "one step apart")
                     .arg(f->maxSteps)
                     .arg(100.0 * f->shareBeyondOneStep, 0, 'f', 3);
        lines << tr("End to end: max %1 step(s); SQNR against fp32 %2 dB (simulator %3 dB)")
                     .arg(f->maxStepsEndToEnd)
                     .arg(formatDb(f->sqnrIntDb), formatDb(f->sqnrSimDb));
        if (!std::isnan(f->codesUsedShare))
            lines << tr("Codes used: %1 %; saturated at the low end %2 %, at the high end %3 %")
                         .arg(100.0 * f->codesUsedShare, 0, 'f', 1)
                         .arg(100.0 * f->saturationLow, 0, 'f', 2)
                         .arg(100.0 * f->saturationHigh, 0, 'f', 2);
        if (f->headroomBits)
            lines << tr("int32 accumulator headroom: %1 bit(s) (worst case from the weights)")
                         .arg(*f->headroomBits, 0, 'f', 1);
        if (f->divergent) lines << QString::fromStdString(all.summary);
        return lines.join(QLatin1Char('\n'));
    }
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
    case RegionColumn:
        return tr("Region");
    case BitsColumn:
        return tr("Bits");
    case SchemeColumn:
        return tr("Scheme");
    case SqnrColumn:
        return tr("SQNR (dB)");
    case SqnrDeltaColumn:
        return tr("\u0394 SQNR");
    case Int8Column:
        //: header: the integer executor's largest difference to the simulator, in steps
        return tr("Int8 steps");
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
