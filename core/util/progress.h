// The small interface long work takes: report progress, ask whether to stop. Core never
// blocks a GUI thread because the GUI never calls core on one; it passes one of these.
#pragma once

#include <atomic>
#include <string_view>

namespace qs {

class Progress {
public:
    virtual ~Progress() = default;
    // fraction in [0, 1]; `what` names the current step ("conv_3", "calibration batch 4/32").
    virtual void report(double fraction, std::string_view what) { (void)fraction, (void)what; }
    virtual bool isCancelled() const { return false; }
};

// A Progress with an atomic cancel flag, usable from any thread.
class CancelFlag : public Progress {
public:
    void cancel() { m_cancelled.store(true, std::memory_order_relaxed); }
    bool isCancelled() const override { return m_cancelled.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> m_cancelled{false};
};

// Forwards only the cancel question of another Progress (or none): for inner work, e.g. an
// executor run inside a step that reports its own progress.
class CancelOnly : public Progress {
public:
    explicit CancelOnly(const Progress* p)
        : m_p(p) {}
    bool isCancelled() const override { return m_p && m_p->isCancelled(); }

private:
    const Progress* m_p;
};

} // namespace qs
