// The QuantScope report as one self-contained HTML file (charts embedded as base64 PNG, no
// external resource; well-formed XHTML) or a paginated PDF with the same content (QTextDocument
// printed on a QPdfWriter). Charts are the inspector's own chart classes rendered offscreen —
// the report draws nothing itself. Needs a QApplication (charts are widgets); any platform,
// "offscreen" included. Files are written atomically (QSaveFile).
//
// Sections, in order (their element ids): model, settings, accuracy, findings, layers,
// sensitive-layers, error-propagation, mixed-bits; then "comparison" when ReportData::comparison
// is set. writeComparison() writes a report of that one section (`quantscope-cli diff --report`).
#pragma once

#include "report_data.h"

#include <QCoreApplication>
#include <QString>
#include <QStringList>
#include <optional>

namespace qs {

class ReportWriter {
    Q_DECLARE_TR_FUNCTIONS(qs::ReportWriter)

public:
    enum class Format { Html, Pdf };
    struct Stats {
        int charts = 0;       // images in the report, one per chart
        int pages = 0;        // PDF pages (0 for HTML)
        qint64 bytes = 0;     // size of the file written
        double seconds = 0.0; // rendering and writing
    };

    // By the file name's extension: .html/.htm → Html, .pdf → Pdf, anything else nullopt.
    static std::optional<Format> formatForPath(const QString& path);
    // The one-line error for a path whose extension is not a report format.
    static QString unknownFormatError(const QString& path);
    static QStringList sectionIds();

    // Writes the report to `path` (format from the extension). Empty on success, else a one-line
    // error naming the file.
    static QString write(const ReportData& data, const QString& path, Stats* stats = nullptr);
    // A report whose content is the "Run comparison" section of `diff` (ReportComparison), in the
    // same document, styling and atomic writing. Empty on success, else a one-line error.
    static QString writeComparison(const RunDiff& diff, const QString& path,
                                   Stats* stats = nullptr);
};

} // namespace qs
