#include "outlier_list.h"

#include <QEvent>
#include <QHeaderView>
#include <algorithm>
#include <numeric>

namespace qs {

namespace {

enum Column { ChannelColumn, RatioColumn, AbsMaxColumn, OutlierColumn, ColumnCount };

// A numeric cell that sorts by value.
QTableWidgetItem* numberItem(double value, const QString& text) {
    auto* item = new QTableWidgetItem(text);
    item->setData(Qt::UserRole, value);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    return item;
}

} // namespace

OutlierList::OutlierList(QWidget* parent)
    : QTableWidget(0, ColumnCount, parent) {
    setObjectName(QStringLiteral("outlierList"));
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    verticalHeader()->setVisible(false);
    horizontalHeader()->setStretchLastSection(true);
    connect(this, &QTableWidget::currentCellChanged, this, [this](int row, int, int, int) {
        const int channel = channelAt(row);
        if (channel >= 0) emit channelActivated(channel);
    });
    retranslateUi();
}

void OutlierList::retranslateUi() {
    setHorizontalHeaderLabels({tr("Channel"), tr("max|w|/\u03c3"), tr("max|w|"), tr("Outlier")});
    for (int row = 0; row < rowCount(); ++row)
        if (QTableWidgetItem* it = item(row, OutlierColumn))
            it->setText(it->data(Qt::UserRole).toBool() ? tr("yes") : QString());
}

void OutlierList::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslateUi();
    QTableWidget::changeEvent(event);
}

void OutlierList::setLayer(const LayerOutliers* layer) {
    const QSignalBlocker blocker(this);
    clearContents();
    setRowCount(0);
    if (!layer) return;
    // Outlier channels first, then by max|w|/σ, largest first.
    std::vector<size_t> order(layer->channels.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [layer](size_t a, size_t b) {
        const ChannelWeightStats &x = layer->channels[a], &y = layer->channels[b];
        if (x.outlier != y.outlier) return x.outlier;
        return x.absMaxOverStd > y.absMaxOverStd;
    });
    setRowCount(int(order.size()));
    for (int row = 0; row < int(order.size()); ++row) {
        const ChannelWeightStats& c = layer->channels[order[size_t(row)]];
        setItem(row, ChannelColumn, numberItem(double(c.channel), QString::number(c.channel)));
        setItem(row, RatioColumn,
                numberItem(c.absMaxOverStd, QString::number(c.absMaxOverStd, 'f', 2)));
        setItem(row, AbsMaxColumn,
                numberItem(double(c.absMax), QString::number(double(c.absMax), 'g', 4)));
        auto* flag = new QTableWidgetItem(c.outlier ? tr("yes") : QString());
        flag->setData(Qt::UserRole, c.outlier);
        flag->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
        if (c.outlier) flag->setForeground(QColor(0xd0, 0x30, 0x30));
        setItem(row, OutlierColumn, flag);
    }
    resizeColumnsToContents();
}

int OutlierList::channelAt(int row) const {
    const QTableWidgetItem* it = item(row, ChannelColumn);
    return it ? int(it->data(Qt::UserRole).toDouble()) : -1;
}

} // namespace qs
