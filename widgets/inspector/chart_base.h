// The common ground of the inspector's charts: a QCustomPlot with wheel zoom and drag pan on
// both axes, a legend, tooltips naming the data point under the mouse, and offscreen
// rendering (PNG and SVG) for reports — no window needed.
#pragma once

#include <QSize>
#include <QString>
#include <qcustomplot.h>

class QPaintDevice;

namespace qs {

class AnalysisChart : public QCustomPlot {
    Q_OBJECT

public:
    explicit AnalysisChart(QWidget* parent = nullptr);

    // The tooltip for the data point at `pos` (widget coordinates); empty when there is none.
    QString tooltipAt(const QPointF& pos) const;
    // Draws the chart at `size` on any paint device (QImage, QPixmap, QSvgGenerator, printer).
    void render(QPaintDevice& device, const QSize& size);
    // Rescales the axes to the data and replots.
    void resetZoom();
    // True when nothing is drawn yet (no analysis for the selection).
    bool isEmpty() const;
    // The message shown instead of data ("Run to see ..."), empty when data is shown.
    QString placeholder() const { return m_placeholder; }

protected:
    bool event(QEvent* event) override;
    // A subclass's text for data point `index` of `plottable`.
    virtual QString tooltipFor(const QCPAbstractPlottable* plottable, int index) const = 0;
    // Redraws everything from the data kept (also on a language change: titles, axes, legend).
    virtual void rebuild() = 0;
    void changeEvent(QEvent* event) override;
    // Removes every graph, bar and item; the title text is kept.
    void clearChart();
    void setPlaceholder(const QString& text);
    void setTitle(const QString& text);
    QCPTextElement* titleElement() const { return m_title; }

private:
    QCPTextElement* m_title;
    QString m_placeholder;
};

// A long exported name ("/features/features.3/conv/conv.0/conv.0.0/Conv.weight") cut to its
// last `keep` characters after an ellipsis, for titles and tick labels (tooltips keep it whole).
QString shortName(const QString& name, int keep = 30);

// Writes `chart` at `size` to `path`: SVG when the name ends in .svg, otherwise PNG (any other
// extension Qt's image writers know). Atomic (temp + rename). Empty on success, else the error.
QString saveChartImage(AnalysisChart& chart, const QString& path, const QSize& size = {800, 500});

} // namespace qs
