// The channels of a layer's merged weight from core's weight-outlier analysis, most extreme
// first: channel, max|w|/σ, max|w| and whether it is an outlier channel. Choosing a row emits
// channelActivated (the inspector frames that channel in the range chart).
#pragma once

#include "analysis/weight_outliers.h"

#include <QTableWidget>

namespace qs {

class OutlierList : public QTableWidget {
    Q_OBJECT

public:
    explicit OutlierList(QWidget* parent = nullptr);
    void setLayer(const LayerOutliers* layer); // null: empty
    // The channel shown in `row`, -1 if none.
    int channelAt(int row) const;

signals:
    void channelActivated(int channel);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslateUi();
};

} // namespace qs
