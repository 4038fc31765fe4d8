// The report's "Run comparison" section: core's RunDiff (export/run_diff.h) as XHTML — the two
// inputs, the settings that differ, plain-language summary lines, the per-layer table of the
// layers both runs have (bits, SQNR, sensitivity rank and suggested bits of A and B with the
// deltas B − A, the layers that changed most first) and the tensors whose quantization (state,
// bits, scheme, granularity, scales) differs. No math beyond the subtraction of B − A: every
// number is the struct's. ReportWriter writes it alone (`quantscope-cli diff A B --report`) or
// after an analysis report (`analyze … --report OUT --compare B`).
#pragma once

#include "export/run_diff.h"

#include <QCoreApplication>
#include <QString>
#include <QStringList>
#include <vector>

namespace qs {

class ReportComparison {
    Q_DECLARE_TR_FUNCTIONS(qs::ReportComparison)

public:
    // A layer "changed" when its SQNR moved by more than this, or its rank by at least kRank.
    static constexpr double kSqnrThresholdDb = 1.0;
    static constexpr int kRankThreshold = 3;
    // At most this many rows in the tensor table (the rest are counted).
    static constexpr int kMaxTensorRows = 40;

    // The element id of the section's <div class="section">.
    static QString sectionId() { return QStringLiteral("comparison"); }
    // The layers both runs have, the largest |ΔSQNR| first (then the largest |Δrank|, then graph
    // order); layers without a delta keep graph order after them.
    static std::vector<const LayerDiff*> commonLayersByChange(const RunDiff& diff);
    // One sentence each, most important first ("12 layers changed SQNR by more than 1 dB; …").
    static QStringList summary(const RunDiff& diff);
    // The whole section, <div class="section" id="comparison">…</div>.
    static QString section(const RunDiff& diff, bool pageBreak);
    // ReportWriter::writeComparison, for callers that only need the file written.
    static QString writeReport(const RunDiff& diff, const QString& path);
};

// "+1.23", "−3.20" (U+2212), "0.00" (no sign when it prints as zero); "—" for NaN, "∞" / "−∞".
QString formatSigned(double value, int decimals = 2);

} // namespace qs
