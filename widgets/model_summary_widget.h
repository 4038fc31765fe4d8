// The model summary panel: inputs and outputs with shapes, op counts, parameter count,
// unsupported ops and how far shape inference got. Presents a ModelSnapshot as it is.
#pragma once

#include "model_snapshot.h"

#include <QWidget>
#include <memory>

class QTreeWidget;
class QTreeWidgetItem;

namespace qs {

class ModelSummaryWidget : public QWidget {
    Q_OBJECT

public:
    explicit ModelSummaryWidget(QWidget* parent = nullptr);

    void setSnapshot(std::shared_ptr<const ModelSnapshot> snapshot);
    QTreeWidget* tree() const { return m_tree; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void rebuild();
    QTreeWidgetItem* addSection(const QString& title, const QString& value = {});

    std::shared_ptr<const ModelSnapshot> m_snapshot;
    QTreeWidget* m_tree;
};

} // namespace qs
