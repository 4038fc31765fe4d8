// The remedies of a node's context menu (graph and layer table): keep float, 16-bit weights,
// per-channel weights, another calibrator for the node's output activation, cross-layer
// equalization of the node's pairs (--cle-layers), AdaRound of the layer (--adaround-layers).
// After a run that kept its quantized model, turning a remedy on first PREVIEWS it (Context::
// preview: a what-if on the layer's downstream cone with its estimated time, then Apply or
// Dismiss); CLE of a pair changes two layers, which a what-if cannot express: its proposal says
// so and offers the full re-run with that run's time. Turning a remedy off, or any remedy before
// a run, writes the command-line override into the settings dock at once (results become
// stale); the caller reports the node's SQNR before and after on the next run.
#pragma once

#include "remedy_preview.h"

#include <QCoreApplication>
#include <QString>
#include <functional>
#include <memory>
#include <vector>

class QMenu;
class QWidget;

namespace qs {

class Graph;
class QuantSettingsWidget;
struct ClePair;
struct QuantRunResult;

class NodeRemedyMenu {
    Q_DECLARE_TR_FUNCTIONS(qs::NodeRemedyMenu)

public:
    struct Context {
        QuantSettingsWidget* settings = nullptr;
        std::shared_ptr<const Graph> graph;            // the loaded model
        std::shared_ptr<const QuantRunResult> lastRun; // null before the first run
        // The pairs cross-layer equalization can balance in `graph` (core's equalizablePairs);
        // null: the menu finds them itself.
        std::shared_ptr<const std::vector<ClePair>> clePairs;
        // A remedy was set or cleared: the node and what it does (translated).
        std::function<void(const QString& node, const QString& what)> chosen;
        // The settings refused a change (cannot happen with options the widget produced).
        std::function<void(const QString& message)> invalidSettings;
        // Shows a remedy's preview (RemedyPreviewDialog); null: remedies apply at once.
        std::function<void(RemedyProposal proposal)> preview;
        // A what-if session prepared for lastRun's model by an earlier preview, or null.
        std::shared_ptr<const PreviewSession> previewSession;
    };

    // A new menu for `node`; the caller owns it.
    static QMenu* create(const QString& node, const Context& context, QWidget* parent);

    // The activation tensor the node's output is quantized on, which --tensor-calib names: from
    // the last run's analyses when they know it, else from the model as loaded by the plan's
    // rules: a BatchNormalization alone after a Conv/Gemm is folded into it (its output), and a
    // Relu/Clip alone after a weighted op or Add is fused (its output). Empty when the node has
    // no activation output.
    static QString outputActivation(const QString& node, const Context& context);

    // The chain of equalizable pairs through `node` in order (its partner before, the node,
    // its partner after), empty when the node is in no pair.
    static QStringList cleChain(const QString& node, const std::vector<ClePair>& pairs);
    // The node whose pairs "CLE for this pair" equalizes for `node`: the node itself, or for a
    // BatchNormalization folded into the Conv/ConvTranspose/Gemm before it (the pairs are found
    // on the folded graph) that Conv; empty when neither is in a pair.
    static QString cleNode(const QString& node, const Graph* graph,
                           const std::vector<ClePair>& pairs);
    // The Conv/ConvTranspose/Gemm a BatchNormalization `node` of `graph` (the model as loaded) is
    // folded into (its input's producer, read by it alone); empty for any other node.
    static QString foldedInto(const QString& node, const Graph* graph);

    // AdaRound's time for the node: measured in the last run when it AdaRounded the node (then
    // `measured` is set), else estimated from the weight's shape in `graph`; NaN for a node
    // without a weight.
    static double adaroundSeconds(const QString& node, const Context& context, int iterations,
                                  int threads, bool* measured = nullptr);
};

} // namespace qs
