#include "chart_base.h"

#include <QFileInfo>
#include <QHelpEvent>
#include <QImage>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QToolTip>

namespace qs {

AnalysisChart::AnalysisChart(QWidget* parent)
    : QCustomPlot(parent)
    , m_title(new QCPTextElement(this, QString(), QFont(font().family(), font().pointSize()))) {
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    axisRect()->setRangeZoom(Qt::Horizontal | Qt::Vertical);
    axisRect()->setRangeDrag(Qt::Horizontal | Qt::Vertical);
    plotLayout()->insertRow(0);
    plotLayout()->addElement(0, 0, m_title);
    legend->setVisible(true);
    QFont small = font();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.85));
    legend->setFont(small);
    // The legend goes under the plot, in columns: inside it would cover data.
    axisRect()->insetLayout()->take(legend);
    plotLayout()->addElement(2, 0, legend);
    plotLayout()->setRowStretchFactor(2, 0.001);
    legend->setFillOrder(QCPLegend::foColumnsFirst);
    legend->setWrap(2);
    legend->setBorderPen(Qt::NoPen);
    legend->setMargins(QMargins(4, 0, 4, 2));
    setMinimumSize(240, 180);
}

void AnalysisChart::setTitle(const QString& text) {
    m_title->setText(text);
}

void AnalysisChart::setPlaceholder(const QString& text) {
    m_placeholder = text;
    if (!text.isEmpty()) setTitle(text);
}

void AnalysisChart::clearChart() {
    clearPlottables();
    clearItems();
    m_placeholder.clear();
}

bool AnalysisChart::isEmpty() const {
    return plottableCount() == 0;
}

void AnalysisChart::resetZoom() {
    rescaleAxes(true);
    replot();
}

QString AnalysisChart::tooltipAt(const QPointF& pos) const {
    int index = -1;
    QCPAbstractPlottable* plottable = plottableAt(pos, false, &index);
    if (!plottable || index < 0) return {};
    return tooltipFor(plottable, index);
}

bool AnalysisChart::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = tooltipAt(help->pos());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QCustomPlot::event(event);
}

void AnalysisChart::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) rebuild();
    QCustomPlot::changeEvent(event);
}

void AnalysisChart::render(QPaintDevice& device, const QSize& size) {
    QCPPainter painter(&device);
    toPainter(&painter, size.width(), size.height());
}

QString shortName(const QString& name, int keep) {
    return name.size() <= keep + 1 ? name : QStringLiteral("\u2026") + name.right(keep);
}

QString saveChartImage(AnalysisChart& chart, const QString& path, const QSize& size) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return AnalysisChart::tr("cannot write %1: %2").arg(path, file.errorString());
    if (path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
        QSvgGenerator svg;
        svg.setOutputDevice(&file);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setTitle(chart.objectName());
        chart.render(svg, size);
    } else {
        QImage image(size, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::white);
        chart.render(image, size);
        QByteArray format = QFileInfo(path).suffix().toLower().toLatin1();
        if (format.isEmpty()) format = QByteArrayLiteral("png");
        if (!image.save(&file, format.constData())) {
            file.cancelWriting();
            return AnalysisChart::tr("cannot encode %1").arg(path);
        }
    }
    if (!file.commit())
        return AnalysisChart::tr("cannot write %1: %2").arg(path, file.errorString());
    return {};
}

} // namespace qs
