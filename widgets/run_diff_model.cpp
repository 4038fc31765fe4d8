#include "run_diff_model.h"

namespace qs {

namespace {

QVariant number(const std::optional<double>& v) {
    return v ? QVariant(*v) : QVariant();
}

QVariant integer(const std::optional<int>& v) {
    return v ? QVariant(*v) : QVariant();
}

} // namespace

RunDiffModel::RunDiffModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void RunDiffModel::setDiff(std::shared_ptr<const RunDiff> diff) {
    beginResetModel();
    m_diff = std::move(diff);
    endResetModel();
}

int RunDiffModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_diff ? 0 : int(m_diff->layers.size());
}

int RunDiffModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunDiffModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid) || !m_diff) return {};
    const LayerDiff& l = m_diff->layers[size_t(index.row())];
    const bool analysis = l.sqnrDbA || l.sqnrDbB;
    if (role == Qt::DisplayRole) {
        auto db = [](const QVariant& v) {
            return v.isValid() ? QString::number(v.toDouble(), 'f', 2) : QString();
        };
        switch (index.column()) {
        case NodeColumn:
            return QString::fromStdString(l.node);
        case OpColumn:
            return QString::fromStdString(l.op);
        case BitsAColumn:
            return integer(l.bitsA);
        case BitsBColumn:
            return integer(l.bitsB);
        case SqnrAColumn:
            return db(number(analysis ? l.sqnrDbA : l.runSqnrDbA));
        case SqnrBColumn:
            return db(number(analysis ? l.sqnrDbB : l.runSqnrDbB));
        case SqnrDeltaColumn:
            return db(number(analysis ? l.sqnrDbDelta() : l.runSqnrDbDelta()));
        }
    } else if (role == Qt::UserRole) { // raw values, for sorting
        switch (index.column()) {
        case SqnrAColumn:
            return number(analysis ? l.sqnrDbA : l.runSqnrDbA);
        case SqnrBColumn:
            return number(analysis ? l.sqnrDbB : l.runSqnrDbB);
        case SqnrDeltaColumn:
            return number(analysis ? l.sqnrDbDelta() : l.runSqnrDbDelta());
        default:
            return data(index, Qt::DisplayRole);
        }
    } else if (role == Qt::TextAlignmentRole && index.column() >= BitsAColumn) {
        return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant RunDiffModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case NodeColumn:
        return tr("Node");
    case OpColumn:
        return tr("Op");
    case BitsAColumn:
        return tr("Bits (this)");
    case BitsBColumn:
        return tr("Bits (other)");
    case SqnrAColumn:
        return tr("SQNR (this, dB)");
    case SqnrBColumn:
        return tr("SQNR (other, dB)");
    case SqnrDeltaColumn:
        return tr("\u0394 SQNR (dB)");
    }
    return {};
}

} // namespace qs
