// Node-menu remedies in GUI tests: after a run that kept its quantized model, turning a remedy
// on opens its preview (RemedyPreviewDialog) instead of writing the settings.
#pragma once

#include "main_window.h"
#include "remedy_preview_dialog.h"

#include <QAction>
#include <QSignalSpy>

namespace qs {

// Triggers `action`; if that opened a preview, waits for it and applies the remedy. False when
// the preview did not finish within `timeoutMs` (or failed to apply).
inline bool triggerAndApply(MainWindow& window, QAction* action, int timeoutMs = 120000) {
    if (RemedyPreviewDialog* open = window.remedyPreview(); open && open->isVisible())
        open->reject();
    action->trigger();
    RemedyPreviewDialog* dialog = window.remedyPreview();
    if (!dialog || !dialog->isVisible()) return true; // applied at once
    if (dialog->isRunning()) {
        QSignalSpy finished(dialog, &RemedyPreviewDialog::previewFinished);
        if (!finished.wait(timeoutMs)) return false;
    }
    dialog->apply(false);
    return !dialog->isVisible();
}

} // namespace qs
