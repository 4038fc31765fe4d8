// The whole window as a person sees it: the real `quantscope` executable on ppocr_cls under a real
// X server (ctest wraps this test in xvfb-run, QT_QPA_PLATFORM=xcb), after a run on the text-line
// calibration data with a Conv node selected, once in English and once in Simplified Chinese.
// Each --screenshot PNG is checked for what a blank or broken window would lack: its size, many
// colours, a graph area and docks that are not flat, the selection colour on the graph and the
// layer table, and — for zh_CN — Chinese glyphs in the menu bar, found by matching a reference
// rendering of the menu titles made here through Qt's font fallback (not tofu boxes).
// QS_SCREENSHOT_OUT_DIR=DIR copies the two pictures there (how the README's pictures are made).
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFont>
#include <QFontMetrics>
#include <QGlyphRun>
#include <QGuiApplication>
#include <QHash>
#include <QImage>
#include <QPainter>
#include <QPalette>
#include <QProcess>
#include <QRawFont>
#include <QStringList>
#include <QTemporaryDir>
#include <QTest>
#include <QTextLayout>

#include "timing_budget.h"

#include <cmath>
#include <vector>

namespace {

const QString kModelPath = QStringLiteral(QS_SHARED_DIR "/models/ppocr_cls.onnx");
const QString kCalibPath = QStringLiteral(QS_SHARED_DIR "/data/textlines_x.npy");
const QString kSelectedNode = QStringLiteral("p2o.Conv.20");
// MainWindow's size on a first start (no saved geometry), which the X server honours: no window
// manager runs under xvfb-run, and the screen (1600×1000) is larger.
const QSize kWindowSize(1280, 800);

// Where the window's parts sit in a 1280×800 first-start layout: the graph in the upper left,
// the tabbed right docks (settings, summary, inspector), the layer table along the bottom.
const QRect kMenuBar(0, 0, 400, 26);
const QRect kGraphArea(0, 90, 600, 450); // left of the minimap in the view's lower right corner
// The graph view's vertical middle, where selecting a node scrolls it to (GraphView::centerOn).
const QRect kSelectedNodeBand(0, 240, 600, 160);
const QRect kRightDocks(950, 60, 330, 500);
const QRect kLayerTable(0, 620, 1280, 150);

struct RegionStats {
    int distinctColours = 0;
    double commonestShare = 1; // the share of the pixels that have the most frequent colour
};

RegionStats stats(const QImage& image, const QRect& region) {
    QHash<QRgb, int> counts;
    const QRect r = region.intersected(image.rect());
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x) ++counts[image.pixel(x, y) | 0xff000000u];
    int commonest = 0;
    for (int n : std::as_const(counts)) commonest = std::max(commonest, n);
    return {int(counts.size()), r.isEmpty() ? 1.0 : double(commonest) / (r.width() * r.height())};
}

int countColour(const QImage& image, const QRect& region, QColor colour) {
    const QRect r = region.intersected(image.rect());
    const QRgb want = colour.rgb() | 0xff000000u;
    int n = 0;
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x) n += (image.pixel(x, y) | 0xff000000u) == want;
    return n;
}

// Pixels of a clear colour (not grey, white or black): curves, bars and markers of a chart.
int countChromatic(const QImage& image, const QRect& region) {
    const QRect r = region.intersected(image.rect());
    int n = 0;
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x) {
            const QColor c(image.pixel(x, y));
            n += c.hsvSaturationF() > 0.35f && c.valueF() > 0.25f;
        }
    return n;
}

std::vector<double> grey(const QImage& image, const QRect& r) {
    std::vector<double> out;
    out.reserve(size_t(r.width()) * r.height());
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x) out.push_back(qGray(image.pixel(x, y)));
    return out;
}

// Black text on white in the menu bar's font, cropped to its ink.
QImage renderText(const QString& text, const QFont& font) {
    const QFontMetrics metrics(font);
    QImage image(metrics.horizontalAdvance(text) + 8, metrics.height() + 8, QImage::Format_RGB32);
    image.fill(Qt::white);
    {
        QPainter painter(&image);
        painter.setFont(font);
        painter.setPen(Qt::black);
        painter.drawText(4, 4 + metrics.ascent(), text);
    }
    QRect ink;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            if (qGray(image.pixel(x, y)) < 200) ink |= QRect(x, y, 1, 1);
    return image.copy(ink);
}

// The best zero-mean normalised cross-correlation of `templ` over `region` of `image`
// (1: the same picture up to brightness and contrast; around 0: unrelated).
double bestMatch(const QImage& image, const QRect& region, const QImage& templ) {
    const std::vector<double> t = grey(templ, templ.rect());
    double tMean = 0;
    for (double v : t) tMean += v;
    tMean /= double(t.size());
    double tNorm = 0;
    for (double v : t) tNorm += (v - tMean) * (v - tMean);
    const QRect r = region.intersected(image.rect());
    double best = -1;
    for (int y = r.top(); y + templ.height() - 1 <= r.bottom(); ++y)
        for (int x = r.left(); x + templ.width() - 1 <= r.right(); ++x) {
            const std::vector<double> w = grey(image, QRect(QPoint(x, y), templ.size()));
            double wMean = 0;
            for (double v : w) wMean += v;
            wMean /= double(w.size());
            double dot = 0, wNorm = 0;
            for (size_t i = 0; i < w.size(); ++i) {
                dot += (w[i] - wMean) * (t[i] - tMean);
                wNorm += (w[i] - wMean) * (w[i] - wMean);
            }
            if (wNorm > 0 && tNorm > 0) best = std::max(best, dot / std::sqrt(wNorm * tNorm));
        }
    return best;
}

// True when Qt's font fallback draws every character of `text` with a real glyph of some
// installed font (glyph 0 is the "missing" box).
bool hasRealGlyphs(const QString& text, const QFont& font) {
    QTextLayout layout(text, font);
    layout.beginLayout();
    layout.createLine();
    layout.endLayout();
    int glyphs = 0;
    for (const QGlyphRun& run : layout.glyphRuns()) {
        for (quint32 index : run.glyphIndexes()) {
            if (index == 0) return false;
            ++glyphs;
        }
    }
    return glyphs == text.size();
}

// What a blank or broken window shows, one phrase per problem; empty for a good picture.
QStringList problems(const QImage& image) {
    QStringList out;
    // A real window has text, icons, charts: thousands of colours (antialiasing included).
    const RegionStats whole = stats(image, image.rect());
    if (whole.distinctColours < 1000 || whole.commonestShare > 0.8)
        out << QStringLiteral("window: %1 colours, commonest %2 %")
                   .arg(whole.distinctColours)
                   .arg(whole.commonestShare * 100, 0, 'f', 1);
    // Each part is drawn, not left a flat fill: nodes and edges, chart curves, table rows.
    const struct {
        const char* name;
        QRect rect;
        int minColours;
    } parts[] = {{"graph", kGraphArea, 200},
                 {"right docks", kRightDocks, 300},
                 {"layer table", kLayerTable, 200}};
    for (const auto& part : parts) {
        const RegionStats s = stats(image, part.rect);
        if (s.distinctColours < part.minColours || s.commonestShare > 0.95)
            out << QStringLiteral("%1: %2 colours, commonest %3 %")
                       .arg(QLatin1String(part.name))
                       .arg(s.distinctColours)
                       .arg(s.commonestShare * 100, 0, 'f', 1);
    }
    // The run brought the inspector to the front: the node's histogram is drawn, in colour (the
    // settings or a chart's "Run to see ..." placeholder would be grey text only).
    const int chartPixels = countChromatic(image, kRightDocks);
    if (chartPixels < 2000)
        out << QStringLiteral("right docks: %1 coloured pixels, no chart").arg(chartPixels);
    // The selected node: framed on the graph, scrolled to the middle of the view (a 3-pixel pen
    // around a ~80×40 box: ~500 pixels), and its row in the layer table, both in the style's
    // selection colour.
    const QColor highlight = QApplication::palette().color(QPalette::Highlight);
    const int onGraph = countColour(image, kSelectedNodeBand, highlight);
    if (onGraph < 300) out << QStringLiteral("selection on the graph: %1 pixels").arg(onGraph);
    const int inTable = countColour(image, kLayerTable, highlight);
    if (inTable < 1280 * 10)
        out << QStringLiteral("selection in the table: %1 pixels").arg(inTable);
    return out;
}

} // namespace

class ScreenshotTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (QGuiApplication::platformName() != QStringLiteral("xcb"))
            QSKIP("needs a real X server: run through ctest (xvfb-run, QT_QPA_PLATFORM=xcb)");
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFileInfo::exists(kModelPath), qPrintable(kModelPath));
        m_english = shoot(QStringLiteral("en"));
        m_chinese = shoot(QStringLiteral("zh_CN"));
        const QString out = qEnvironmentVariable("QS_SCREENSHOT_OUT_DIR");
        if (!out.isEmpty()) {
            QVERIFY(QDir().mkpath(out));
            for (const QString& name :
                 {QStringLiteral("screenshot.png"), QStringLiteral("screenshot_zh_CN.png")}) {
                QFile::remove(QDir(out).filePath(name));
                QVERIFY(QFile::copy(m_dir.filePath(name), QDir(out).filePath(name)));
            }
        }
    }

    void notBlank_data() {
        QTest::addColumn<QString>("language");
        QTest::newRow("en") << QStringLiteral("en");
        QTest::newRow("zh_CN") << QStringLiteral("zh_CN");
    }

    void notBlank() {
        QFETCH(QString, language);
        const QImage& image = language == QStringLiteral("en") ? m_english : m_chinese;
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), kWindowSize);
        const QStringList found = problems(image);
        QVERIFY2(found.isEmpty(), qPrintable(found.join(QStringLiteral("; "))));
    }

    // The checks above see a broken window: each part painted flat, a dock without a chart, and a
    // picture without the selection are reported.
    void checksCatchBrokenPictures() {
        QVERIFY(!m_english.isNull());
        QVERIFY(problems(m_english).isEmpty());
        const struct {
            QRect rect;
            const char* expected;
        } cases[] = {
            {kGraphArea, "graph"}, {kRightDocks, "right docks"}, {kLayerTable, "layer table"}};
        for (const auto& c : cases) {
            QImage broken = m_english;
            QPainter(&broken).fillRect(c.rect, QColor(0xef, 0xef, 0xef));
            const QString found = problems(broken).join(QStringLiteral("; "));
            QVERIFY2(found.contains(QLatin1String(c.expected)), qPrintable(found));
        }
        QImage unselected = m_english;
        const QRgb highlight = QApplication::palette().color(QPalette::Highlight).rgb();
        for (int y = 0; y < unselected.height(); ++y)
            for (int x = 0; x < unselected.width(); ++x)
                if ((unselected.pixel(x, y) | 0xff000000u) == (highlight | 0xff000000u))
                    unselected.setPixel(x, y, qRgb(0x80, 0x80, 0x80));
        const QString found = problems(unselected).join(QStringLiteral("; "));
        QVERIFY2(found.contains(QLatin1String("selection on the graph")) &&
                     found.contains(QLatin1String("selection in the table")),
                 qPrintable(found));
        QImage greyDocks = m_english;
        for (int y = kRightDocks.top(); y <= kRightDocks.bottom(); ++y)
            for (int x = kRightDocks.left(); x <= kRightDocks.right(); ++x) {
                const int g = qGray(greyDocks.pixel(x, y));
                greyDocks.setPixel(x, y, qRgb(g, g, g));
            }
        const QString noChart = problems(greyDocks).join(QStringLiteral("; "));
        QVERIFY2(noChart.contains(QLatin1String("no chart")), qPrintable(noChart));
        QImage blank(kWindowSize, QImage::Format_RGB32);
        blank.fill(QColor(0xef, 0xef, 0xef));
        QVERIFY(problems(blank).size() >= 5);
    }

    // The Simplified Chinese window draws Chinese glyphs: the menu titles, rendered here with
    // the menu bar's font, are found in its menu bar and not in the English one.
    void chineseGlyphs() {
        const QFont font = QApplication::font("QMenuBar");
        const QString file = QStringLiteral("文件"), view = QStringLiteral("视图");
        QVERIFY2(hasRealGlyphs(file + view, font),
                 "no installed font has Chinese glyphs (install fonts-wqy-microhei)");
        for (const QString& title : {file, view}) {
            const QImage reference = renderText(title, font);
            QVERIFY(reference.width() > 10);
            const double zh = bestMatch(m_chinese, kMenuBar, reference);
            const double en = bestMatch(m_english, kMenuBar, reference);
            qInfo("%s: best match in the zh_CN menu bar %.3f, in the English one %.3f",
                  qUtf8Printable(title), zh, en);
            QVERIFY2(zh > 0.9 && en < 0.7,
                     qPrintable(QStringLiteral("%1: zh_CN %2, en %3").arg(title).arg(zh).arg(en)));
        }
        // Everything translated is redrawn: the two menu bars differ.
        QVERIFY(m_chinese.copy(kMenuBar) != m_english.copy(kMenuBar));
    }

private:
    // Runs the executable in `language` (the saved choice in a fresh settings folder) and returns
    // its screenshot.
    QImage shoot(const QString& language) {
        const QString config = m_dir.filePath(QStringLiteral("config-") + language);
        if (!QDir().mkpath(config + QStringLiteral("/QuantScope"))) return {};
        QFile settings(config + QStringLiteral("/QuantScope/quantscope.conf"));
        if (!settings.open(QIODevice::WriteOnly)) return {};
        // The picture needs the run's plan, per-layer SQNR and histograms, not the mixed-bit
        // search (test_quant_run covers it), which is most of a full run's time.
        settings.write("[run]\nanalysisDepth=no-mixed-bits\n[ui]\nlanguage=" + language.toUtf8() +
                       "\n");
        settings.close();

        const QString png = m_dir.filePath(language == QStringLiteral("en")
                                               ? QStringLiteral("screenshot.png")
                                               : QStringLiteral("screenshot_%1.png").arg(language));
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), config);
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(QS_GUI_PATH),
                      {kModelPath, QStringLiteral("--calib"), kCalibPath,
                       QStringLiteral("--select"), kSelectedNode, QStringLiteral("--screenshot"),
                       png, QStringLiteral("--quit-after-screenshot")});
        const int limitMs = int(timingBudgetMs(120000));
        if (!process.waitForFinished(limitMs)) {
            process.kill();
            process.waitForFinished();
            qWarning("quantscope did not finish in %d s", limitMs / 1000);
            return {};
        }
        if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
            qWarning("quantscope exited with %d: %s", process.exitCode(),
                     process.readAllStandardError().constData());
            return {};
        }
        return QImage(png, "PNG").convertToFormat(QImage::Format_RGB32);
    }

    QTemporaryDir m_dir;
    QImage m_english, m_chinese;
};

QTEST_MAIN(ScreenshotTest)
#include "screenshot_test.moc"
