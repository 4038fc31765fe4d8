// One row per node of the loaded model, over an immutable ModelSnapshot. The model only
// presents the snapshot's prepared values; sorting and filtering are done by a proxy.
#pragma once

#include "model_snapshot.h"
#include "quant_run.h"

#include <QAbstractTableModel>
#include <memory>

namespace qs {

class NodeTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        IndexColumn,
        NameColumn,
        OpColumn,
        RegionColumn,    // dispatcher region
        BitsColumn,      // from the last run's QuantPlan
        SchemeColumn,    // "symmetric, channel"
        SqnrColumn,      // output SQNR of the last run (dB)
        SqnrDeltaColumn, // last run minus the run before (dB)
        Int8Column,      // integer executor vs Simulator: max steps given the Simulator's inputs
        InputsColumn,    // shapes of the activation inputs
        WeightsColumn,   // shapes of the constant inputs (weights, biases, BN statistics)
        OutputsColumn,
        AttributesColumn,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // numbers as numbers (the # column), texts as texts
        FilterRole,                  // name, op type and every tensor name, for the filter box
        NodeNameRole,
        FoldedRole, // true for constant and shape-only nodes (dispatcher "non-quantizable")
    };

    explicit NodeTableModel(QObject* parent = nullptr);

    void setSnapshot(std::shared_ptr<const ModelSnapshot> snapshot);
    const ModelSnapshot* snapshot() const { return m_snapshot.get(); }

    // The last run and the one before (either may be null). `stale`: the settings changed since.
    void setRunResults(std::shared_ptr<const QuantRunResult> current,
                       std::shared_ptr<const QuantRunResult> previous);
    void setResultsStale(bool stale);
    bool resultsStale() const { return m_stale; }
    const QuantRunResult* currentResults() const { return m_current.get(); }

    // Row of the node with this name, -1 if there is none.
    int rowOfNode(const QString& name) const;

    // The header texts are translated: call after the application language changed.
    void retranslate();

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QVariant displayData(const NodeSummary& node, int column) const;
    QVariant sortData(const NodeSummary& node, int column) const;
    QList<SnapshotTensor> measured(const QList<SnapshotTensor>& tensors) const;
    const LayerRunResult* layer(const QuantRunResult* run, const QString& name) const;
    const Int8NodeFinding* int8Finding(const QString& name) const;
    QString toolTip(const NodeSummary& node, int column) const;

    std::shared_ptr<const ModelSnapshot> m_snapshot;
    std::shared_ptr<const QuantRunResult> m_current;
    std::shared_ptr<const QuantRunResult> m_previous;
    bool m_stale = false;
};

} // namespace qs
