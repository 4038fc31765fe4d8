#include "node_table_page.h"

#include "node_table_model.h"

#include <QCheckBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

namespace qs {

namespace {

// Shapes and attributes read from the left (the first shape, the first attributes matter most);
// names keep the view's middle elision, since ONNX names differ at both ends.
class ElideRightDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override {
        QStyledItemDelegate::initStyleOption(option, index);
        option->textElideMode = Qt::ElideRight;
    }
};

// The filter box's text, plus an optional cut of the folded (constant and shape) nodes.
class NodeFilterProxy : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setHideFolded(bool hide) {
        if (m_hideFolded == hide) return;
        m_hideFolded = hide;
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override {
        if (m_hideFolded &&
            sourceModel()->index(row, 0, parent).data(NodeTableModel::FoldedRole).toBool())
            return false;
        return QSortFilterProxyModel::filterAcceptsRow(row, parent);
    }

private:
    bool m_hideFolded = false;
};

} // namespace

NodeTablePage::NodeTablePage(QWidget* parent)
    : QWidget(parent)
    , m_model(new NodeTableModel(this))
    , m_proxy(new NodeFilterProxy(this))
    , m_filter(new QLineEdit(this))
    , m_countLabel(new QLabel(this))
    , m_hideFolded(new QCheckBox(this))
    , m_view(new QTableView(this)) {
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(NodeTableModel::SortRole);
    m_proxy->setFilterRole(NodeTableModel::FilterRole);
    m_proxy->setFilterKeyColumn(NodeTableModel::NameColumn);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    m_filter->setClearButtonEnabled(true);
    m_filter->setObjectName(QStringLiteral("nodeFilter"));
    connect(m_filter, &QLineEdit::textChanged, m_proxy,
            &QSortFilterProxyModel::setFilterFixedString);

    m_view->setObjectName(QStringLiteral("nodeTable"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(NodeTableModel::IndexColumn, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->setTextElideMode(Qt::ElideMiddle); // long ONNX names differ at both ends
    auto* elideRight = new ElideRightDelegate(m_view);
    for (int column : {NodeTableModel::InputsColumn, NodeTableModel::WeightsColumn,
                       NodeTableModel::OutputsColumn, NodeTableModel::AttributesColumn})
        m_view->setItemDelegateForColumn(column, elideRight);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setHighlightSections(false);

    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                emit currentNodeChanged(current.data(NodeTableModel::NodeNameRole).toString());
            });
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &NodeTablePage::updateCountLabel);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &NodeTablePage::updateCountLabel);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &NodeTablePage::updateCountLabel);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &NodeTablePage::updateCountLabel);

    m_hideFolded->setObjectName(QStringLiteral("hideFoldedNodes"));
    connect(m_hideFolded, &QCheckBox::toggled, this, [this](bool hide) {
        static_cast<NodeFilterProxy*>(m_proxy)->setHideFolded(hide);
        updateCountLabel();
    });
    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(m_filter, 1);
    filterRow->addWidget(m_hideFolded);
    filterRow->addWidget(m_countLabel);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(filterRow);
    layout->addWidget(m_view, 1);

    retranslateUi();
}

void NodeTablePage::setSnapshot(std::shared_ptr<const ModelSnapshot> snapshot) {
    m_model->setSnapshot(std::move(snapshot));
    // Size the short columns to their contents once; the long ones keep a readable width.
    for (int column : {NodeTableModel::IndexColumn, NodeTableModel::OpColumn})
        m_view->resizeColumnToContents(column);
    const int em = m_view->fontMetrics().horizontalAdvance(QLatin1Char('M'));
    m_view->setColumnWidth(NodeTableModel::NameColumn, 24 * em);
    // Result columns are empty until a run: give them room for "asymmetric, channel".
    m_view->setColumnWidth(NodeTableModel::RegionColumn, 9 * em);
    m_view->setColumnWidth(NodeTableModel::BitsColumn, 5 * em);
    m_view->setColumnWidth(NodeTableModel::SchemeColumn, 17 * em);
    for (int column : {NodeTableModel::SqnrColumn, NodeTableModel::SqnrDeltaColumn})
        m_view->setColumnWidth(column, 7 * em);
    for (int column : {NodeTableModel::InputsColumn, NodeTableModel::WeightsColumn,
                       NodeTableModel::OutputsColumn}) {
        m_view->resizeColumnToContents(column);
        m_view->setColumnWidth(column, qMin(m_view->columnWidth(column), 13 * em));
    }
    updateCountLabel();
}

bool NodeTablePage::selectNode(const QString& name) {
    const int sourceRow = m_model->rowOfNode(name);
    if (sourceRow < 0) return false;
    QModelIndex index =
        m_proxy->mapFromSource(m_model->index(sourceRow, NodeTableModel::NameColumn));
    if (!index.isValid()) { // hidden by the filter
        m_filter->clear();
        m_hideFolded->setChecked(false);
        index = m_proxy->mapFromSource(m_model->index(sourceRow, NodeTableModel::NameColumn));
    }
    m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                         QItemSelectionModel::Rows);
    m_view->scrollTo(index, QAbstractItemView::PositionAtCenter);
    return true;
}

QString NodeTablePage::currentNodeName() const {
    return m_view->selectionModel()->currentIndex().data(NodeTableModel::NodeNameRole).toString();
}

void NodeTablePage::focusFilter() {
    m_filter->setFocus(Qt::ShortcutFocusReason);
    m_filter->selectAll();
}

void NodeTablePage::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslateUi();
    QWidget::changeEvent(event);
}

void NodeTablePage::setHideFolded(bool hide) {
    m_hideFolded->setChecked(hide);
}

void NodeTablePage::retranslateUi() {
    m_hideFolded->setText(tr("Hide constants"));
    m_hideFolded->setToolTip(tr("Hide the constant nodes and the shape arithmetic, which are not "
                                "quantized (as the graph does)."));
    m_filter->setPlaceholderText(tr("Filter by node name, op type or tensor name (Ctrl+F)"));
    m_model->retranslate();
    updateCountLabel();
}

void NodeTablePage::updateCountLabel() {
    const int total = m_model->rowCount();
    const int shown = m_proxy->rowCount();
    m_countLabel->setText(shown == total ? tr("%n node(s)", nullptr, total)
                                         : tr("%1 of %n node(s)", nullptr, total).arg(shown));
}

} // namespace qs
