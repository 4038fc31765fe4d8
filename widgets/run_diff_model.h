// A thin table over core's RunDiff (export/run_diff.h): one row per layer, the two runs side by
// side. No math here: the deltas come from the struct.
#pragma once

#include "export/run_diff.h"

#include <QAbstractTableModel>
#include <memory>

namespace qs {

class RunDiffModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        NodeColumn,
        OpColumn,
        BitsAColumn,
        BitsBColumn,
        SqnrAColumn, // analysis: this layer alone quantized; else the run's node output SQNR
        SqnrBColumn,
        SqnrDeltaColumn,
        ColumnCount
    };

    explicit RunDiffModel(QObject* parent = nullptr);
    void setDiff(std::shared_ptr<const RunDiff> diff);
    const RunDiff* diff() const { return m_diff.get(); }

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const RunDiff> m_diff;
};

} // namespace qs
