// The central page for now: a filter box over the node table. Wires NodeTableModel to a view
// through a QSortFilterProxyModel and does nothing else.
#pragma once

#include "model_snapshot.h"

#include <QWidget>
#include <memory>

class QCheckBox;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace qs {

class NodeTableModel;

class NodeTablePage : public QWidget {
    Q_OBJECT

public:
    explicit NodeTablePage(QWidget* parent = nullptr);

    void setSnapshot(std::shared_ptr<const ModelSnapshot> snapshot);

    // Selects the node's row (clearing the filter if it hides it) and scrolls to it.
    bool selectNode(const QString& name);
    QString currentNodeName() const;
    void focusFilter();

    NodeTableModel* model() const { return m_model; }
    QSortFilterProxyModel* proxy() const { return m_proxy; }
    QTableView* view() const { return m_view; }
    QLineEdit* filterEdit() const { return m_filter; }
    // Hides the constant and shape-only nodes, as the graph does by default.
    void setHideFolded(bool hide);
    QCheckBox* hideFoldedBox() const { return m_hideFolded; }

signals:
    void currentNodeChanged(const QString& name);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslateUi();
    void updateCountLabel();

    NodeTableModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QLineEdit* m_filter;
    QLabel* m_countLabel;
    QCheckBox* m_hideFolded;
    QTableView* m_view;
};

} // namespace qs
