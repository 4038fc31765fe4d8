#include "node_remedy_menu.h"

#include "ir/graph.h"
#include "quant/op_quant_rules.h"
#include "quant/quantizer.h"
#include "quant_run.h"
#include "quant_settings_widget.h"

#include <QAction>
#include <QActionGroup>
#include <QMenu>
#include <QThread>
#include <QtNumeric>
#include <cmath>

namespace qs {

namespace {

// AdaRound's cost model (see adaroundSeconds).
constexpr double kAdaRoundFixedSeconds = 0.1;
constexpr double kAdaRoundSecondsPerWeight = 6.6e-8;
constexpr double kAdaRoundSecondsPerInput = 1.2e-10;

// The --tensor-calib value set for `tensor` ("kl", "percentile:99.9"), empty if none.
QString tensorCalibration(const QuantSettingsWidget::Options& options, const QString& tensor) {
    QString method;
    for (const auto& [name, value] : options)
        if (name == QLatin1String("tensor-calib") &&
            value.section(QLatin1Char('='), 0, -2) == tensor)
            method = value.section(QLatin1Char('='), -1); // the last one wins, as in core
    return method;
}

QString optionValue(const QuantSettingsWidget::Options& options, const QString& option) {
    QString value;
    for (const auto& [name, v] : options)
        if (name == option) value = v;
    return value;
}

} // namespace

QString NodeRemedyMenu::outputActivation(const QString& node, const Context& context) {
    const std::string name = node.toStdString();
    if (context.lastRun && context.lastRun->analyses) {
        const RunAnalyses& a = *context.lastRun->analyses;
        std::string target = name;
        if (const auto it = a.foldedInto.find(name); it != a.foldedInto.end()) target = it->second;
        if (const auto it = a.nodeActivation.find(target); it != a.nodeActivation.end())
            return QString::fromStdString(it->second);
    }
    if (!context.graph) return {};
    // Before a run: the plan's rules on the model as loaded (the same outcome for the usual
    // patterns; the run's mapping above is exact).
    const Graph& graph = *context.graph;
    const auto id = graph.findNode(name);
    if (!id) return {};
    const Node* n = &graph.node(*id);
    if (n->outputs.empty() || n->outputs[0] == kNoValue || graph.value(n->outputs[0]).initializer)
        return {};
    auto foldsBatchNorm = [](const Node& node) {
        return node.opType == "Conv" || node.opType == "ConvTranspose" || node.opType == "Gemm";
    };
    auto soleConsumer = [&graph](ValueId v) -> const Node* {
        const Value& value = graph.value(v);
        return value.consumers.size() == 1 && !value.isGraphOutput ? &graph.node(value.consumers[0])
                                                                   : nullptr;
    };
    ValueId out = n->outputs[0];
    const Node* producer = n; // whose rule decides the fusion
    if (const Node* bn = soleConsumer(out);
        foldsBatchNorm(*n) && bn && bn->opType == "BatchNormalization" && !bn->outputs.empty()) {
        out = bn->outputs[0]; // folding gives the Conv the BN's output name
    } else if (n->opType == "BatchNormalization" && !n->inputs.empty() &&
               n->inputs[0] != kNoValue && graph.value(n->inputs[0]).producer != kNoNode) {
        const Node& before = graph.node(graph.value(n->inputs[0]).producer);
        if (foldsBatchNorm(before) && soleConsumer(n->inputs[0]) == n) producer = &before;
    }
    // A weighted op or Add whose only reader is a Relu/Clip is quantized on the activation's
    // output (plan_builder's fusion).
    const bool fuses =
        opQuantRule(graph, *producer) == OpQuantRule::Weighted || producer->opType == "Add";
    if (const Node* activation = out != kNoValue ? soleConsumer(out) : nullptr;
        fuses && activation && isFusableActivation(*activation) && !activation->outputs.empty() &&
        activation->outputs[0] != kNoValue)
        out = activation->outputs[0];
    return out == kNoValue ? QString() : QString::fromStdString(graph.value(out).name);
}

QStringList NodeRemedyMenu::cleChain(const QString& node, const std::vector<ClePair>& pairs) {
    const std::string name = node.toStdString();
    QString before, after;
    for (const ClePair& p : pairs) {
        if (p.second == name) before = QString::fromStdString(p.first);
        if (p.first == name) after = QString::fromStdString(p.second);
    }
    if (before.isEmpty() && after.isEmpty()) return {};
    QStringList chain;
    if (!before.isEmpty()) chain << before;
    chain << node;
    if (!after.isEmpty()) chain << after;
    return chain;
}

QString NodeRemedyMenu::foldedInto(const QString& node, const Graph* graph) {
    if (!graph) return {};
    const auto id = graph->findNode(node.toStdString());
    if (!id) return {};
    const Node& bn = graph->node(*id);
    if (bn.opType != "BatchNormalization" || bn.inputs.empty() || bn.inputs[0] == kNoValue)
        return {};
    const Value& in = graph->value(bn.inputs[0]);
    if (in.producer == kNoNode || in.consumers.size() != 1 || in.isGraphOutput) return {};
    const Node& before = graph->node(in.producer);
    if (before.opType != "Conv" && before.opType != "ConvTranspose" && before.opType != "Gemm")
        return {};
    return QString::fromStdString(before.name);
}

QString NodeRemedyMenu::cleNode(const QString& node, const Graph* graph,
                                const std::vector<ClePair>& pairs) {
    if (!cleChain(node, pairs).isEmpty()) return node;
    const QString conv = foldedInto(node, graph);
    return conv.isEmpty() || cleChain(conv, pairs).isEmpty() ? QString() : conv;
}

double NodeRemedyMenu::adaroundSeconds(const QString& node, const Context& context, int iterations,
                                       int threads, bool* measured) {
    if (measured) *measured = false;
    if (context.lastRun && context.lastRun->adaroundSeconds.contains(node) &&
        context.lastRun->adaroundIterations > 0) {
        if (measured) *measured = true;
        // Iterations dominate; a changed iteration count scales the measured time.
        return context.lastRun->adaroundSeconds.value(node) * double(iterations) /
               double(context.lastRun->adaroundIterations);
    }
    if (!context.graph) return qQNaN();
    const Graph& graph = *context.graph;
    const auto id = graph.findNode(node.toStdString());
    if (!id || opQuantRule(graph, graph.node(*id)) != OpQuantRule::Weighted) return qQNaN();
    const Node& n = graph.node(*id);
    if (n.inputs.size() < 2 || n.inputs[1] == kNoValue || !graph.value(n.inputs[1]).initializer)
        return qQNaN();
    const Tensor& w = *graph.value(n.inputs[1]).initializer;
    if (w.rank() < 2) return qQNaN();
    // Per iteration and weight: the Adam step's element-wise work (≈ 66 ns) and its share of
    // the K×K product with the Gram matrix (≈ 0.12 ns per input K, since the solver multiplies
    // 16 channels at once); spread over the threads. Plus the layer's inputs and Gram matrices
    // once (≈ 0.1 s on small models). Fitted on mobilenet_v2_bn, 1000 iterations, 2 threads:
    // 0.19 s for 5184 weights with K = 9, 1.98 s for 55296 with K = 96, 1.2 s for 24576 with
    // K = 384, 26.5 s for 409600 with K = 320 (the model gives 0.27, 2.1, 1.4 and 21.5 s).
    const bool transB = n.attribute("transB") && n.attribute("transB")->i;
    const double weights = double(w.numel());
    const double k = n.opType == "Gemm" && transB ? double(w.dim(1))
                     : n.opType == "Gemm" || n.opType == "MatMul"
                         ? double(w.dim(0))
                         : weights / double(std::max<int64_t>(1, w.dim(0)));
    return kAdaRoundFixedSeconds + double(iterations) * weights *
                                       (kAdaRoundSecondsPerWeight + kAdaRoundSecondsPerInput * k) /
                                       double(std::max(1, threads));
}

QMenu* NodeRemedyMenu::create(const QString& name, const Context& context, QWidget* parent) {
    QuantSettingsWidget* settings = context.settings;
    auto* menu = new QMenu(parent);
    menu->setObjectName(QStringLiteral("nodeMenu"));
    const QuantSettingsWidget::Options options = settings->options();
    auto has = [&options](const QString& option, const QString& value) {
        for (const auto& [n, v] : options)
            if (n == option && (value.isNull() || v == value)) return true;
        return false;
    };
    const auto chosen = context.chosen;
    // A whole-model switch set or cleared through the settings' own option list.
    auto setSwitch = [settings, invalid = context.invalidSettings](const QString& option,
                                                                   const QString& value, bool on) {
        QuantSettingsWidget::Options next;
        for (const auto& entry : settings->options())
            if (entry.first != option) next.append(entry);
        if (on) next.append({option, value});
        // The options come from the widget itself: core accepted them already.
        if (Status st = settings->setOptions(next); !st && invalid)
            invalid(QString::fromStdString(st.message()));
    };
    auto* title = menu->addAction(tr("Remedies for %1").arg(name));
    title->setEnabled(false);

    // Previews: a what-if on the last run's quantized model, when it kept one.
    const std::shared_ptr<const QuantRunResult> run = context.lastRun;
    const bool canPreview = context.preview && run && run->model && run->evalData;
    const std::string layer =
        canPreview ? RemedyPreviewer::layerNode(*run->model, name.toStdString()) : std::string();
    const bool prepared =
        canPreview && context.previewSession && context.previewSession->model == run->model;
    const int totalNodes = canPreview ? int(run->model->graph.nodeCount()) : 0;
    const int layerCone = layer.empty() ? 0 : RemedyPreviewer::coneNodes(run->model->graph, layer);
    const bool layerWeighted = [&] {
        if (layer.empty()) return false;
        const Graph& g = run->model->graph;
        return opQuantRule(g, g.node(*g.findNode(layer))) == OpQuantRule::Weighted;
    }();
    const int previewSamples = canPreview ? RemedyPreviewer::sessionSamples(*run) : 0;
    const auto preview = context.preview;
    const std::shared_ptr<const PreviewSession> session =
        prepared ? context.previewSession : nullptr;
    // A proposal for `change` (or another calibrator for `tensor`); `apply` writes it.
    auto propose = [=](const QString& what, std::optional<LayerChange> change,
                       const QString& tensor, const QString& method, double repairSeconds,
                       std::function<void()> apply) {
        RemedyProposal p;
        p.node = name;
        p.description = what;
        RemedyPreviewRequest r;
        r.model = run->model;
        r.data = run->evalData;
        r.session = session;
        r.samples = previewSamples;
        r.threads = std::max(1, QThread::idealThreadCount() - 1); // as RunController
        r.change = std::move(change);
        r.tensor = tensor;
        r.method = method;
        const int cone =
            r.change ? layerCone
                     : RemedyPreviewer::coneNodesOfTensor(run->model->graph, tensor.toStdString());
        p.estimateSeconds =
            RemedyPreviewer::estimateSeconds(*run, cone, totalNodes, prepared, repairSeconds);
        p.request = std::move(r);
        p.apply = std::move(apply);
        preview(std::move(p));
    };
    auto layerChange = [layer] {
        LayerChange c;
        c.node = layer;
        return c;
    };
    if (!layer.empty()) {
        const double estimate =
            RemedyPreviewer::estimateSeconds(*run, layerCone, totalNodes, prepared);
        auto* line = menu->addAction(
            std::isfinite(estimate)
                ? tr("Previewed before applying: about %1 s each (%2 of %3 nodes run again, %n "
                     "sample(s))",
                     nullptr, previewSamples)
                      .arg(estimate, 0, 'f', estimate < 10 ? 2 : 1)
                      .arg(layerCone)
                      .arg(totalNodes)
                : tr("Previewed before applying (%1 of %2 nodes run again)")
                      .arg(layerCone)
                      .arg(totalNodes));
        line->setObjectName(QStringLiteral("remedyPreviewEstimate"));
        line->setEnabled(false);
    } else if (context.preview && run) {
        auto* line = menu->addAction(
            run->model ? tr("Applied without a preview: this node is not in the quantized graph")
                       : tr("Applied without a preview: the last run kept no quantized model (no "
                            "evaluation data, or read from a project)"));
        line->setObjectName(QStringLiteral("remedyPreviewEstimate"));
        line->setEnabled(false);
    }
    menu->addSeparator();

    // A BatchNormalization folded into the Conv before it has no node of its own in the
    // quantized model: its weight remedies are the Conv's (--float BN would name no node).
    const bool folding = [&] {
        const auto config = settings->config();
        return !config || config->foldBatchNorm;
    }();
    const QString foldedConv = folding ? foldedInto(name, context.graph.get()) : QString();
    const QString target = foldedConv.isEmpty() ? name : foldedConv;
    const QStringList targetOverrides = settings->nodeOverrides(target);
    const QString foldedNote =
        foldedConv.isEmpty()
            ? QString()
            : QLatin1Char(' ') + tr("(%1 is folded into %2: applies to %2)").arg(name, foldedConv);

    auto* keepFloat = menu->addAction(tr("Keep in &Float"));
    keepFloat->setObjectName(QStringLiteral("remedyKeepFloat"));
    keepFloat->setCheckable(true);
    keepFloat->setChecked(targetOverrides.contains(QStringLiteral("--float ") + target));
    keepFloat->setStatusTip(tr("Leave this node unquantized (--float)") + foldedNote);
    QObject::connect(keepFloat, &QAction::toggled, menu, [=](bool on) {
        auto apply = [settings, chosen, target, on] {
            settings->setNodeFloat(target, on);
            chosen(target, on ? tr("kept in float") : tr("quantized again"));
        };
        if (!on || layer.empty()) return apply();
        LayerChange c = layerChange();
        c.keepFloat = true;
        propose(tr("kept in float"), c, {}, {}, 0.0, apply);
    });

    auto* bits16 = menu->addAction(tr("&16-Bit Weights"));
    bits16->setObjectName(QStringLiteral("remedy16Bit"));
    bits16->setCheckable(true);
    bits16->setChecked(targetOverrides.contains(QStringLiteral("--layer-bits %1=16").arg(target)));
    bits16->setStatusTip(tr("Quantize this layer's weights with 16 bits (--layer-bits)") +
                         foldedNote);
    QObject::connect(bits16, &QAction::toggled, menu, [=](bool on) {
        auto apply = [settings, chosen, target, on] {
            settings->setNodeBits(target, on ? 16 : 0);
            chosen(target, on ? tr("16-bit weights") : tr("configured weight bits"));
        };
        if (!on || !layerWeighted) return apply();
        LayerChange c = layerChange();
        c.weightBits = 16;
        propose(tr("16-bit weights"), c, {}, {}, 0.0, apply);
    });

    // Per channel for this layer only (--layer-granularity); when the whole model is already
    // per channel the entry shows that and there is nothing to add.
    const bool modelPerChannel = has(QStringLiteral("granularity"), QStringLiteral("channel"));
    auto* perChannel = menu->addAction(tr("&Per-Channel Weights"));
    perChannel->setObjectName(QStringLiteral("remedyPerChannel"));
    perChannel->setCheckable(true);
    perChannel->setChecked(
        modelPerChannel ||
        targetOverrides.contains(QStringLiteral("--layer-granularity %1=channel").arg(target)));
    perChannel->setEnabled(!modelPerChannel);
    perChannel->setStatusTip(modelPerChannel
                                 ? tr("Every layer's weights are already per channel")
                                 : tr("Quantize this layer's weights per output channel "
                                      "(--layer-granularity)") +
                                       foldedNote);
    QObject::connect(perChannel, &QAction::toggled, menu, [=](bool on) {
        auto apply = [settings, chosen, target, on] {
            settings->setNodeGranularity(target, on ? QStringLiteral("channel") : QString());
            chosen(target, on ? tr("per-channel weights") : tr("configured granularity"));
        };
        if (!on || !layerWeighted) return apply();
        LayerChange c = layerChange();
        c.granularity = Granularity::PerChannel;
        propose(tr("per-channel weights"), c, {}, {}, 0.0, apply);
    });

    // Another calibrator for the node's output activation (--tensor-calib); checking none (or
    // "global") returns the tensor to the dock's calibrator.
    const QString tensor = outputActivation(name, context);
    QMenu* calibrators =
        menu->addMenu(tensor.isEmpty() ? tr("Ca&librator") : tr("Ca&librator for %1").arg(tensor));
    calibrators->setObjectName(QStringLiteral("remedyCalibratorMenu"));
    calibrators->menuAction()->setObjectName(QStringLiteral("remedyCalibrator"));
    calibrators->menuAction()->setEnabled(!tensor.isEmpty());
    calibrators->menuAction()->setStatusTip(
        tensor.isEmpty()
            ? tr("This node has no activation output to calibrate")
            : tr("Calibrate the activation %1 with another method (--tensor-calib)").arg(tensor));
    const QString current = tensorCalibration(options, tensor);
    const QString global = optionValue(options, QStringLiteral("calib-method"));
    // Percentile keeps the P of an existing override, else takes the dock's.
    const QString percentile =
        current.startsWith(QLatin1String("percentile:"))
            ? current
            : QStringLiteral("percentile:%1").arg(QString::number(settings->percentile(), 'g', 8));
    auto* group = new QActionGroup(calibrators);
    group->setExclusionPolicy(QActionGroup::ExclusionPolicy::ExclusiveOptional);
    const struct {
        const char* objectName;
        QString method;
        QString text;
    } methods[] = {
        {"remedyCalibMinmax", QStringLiteral("minmax"), tr("&Min-Max")},
        {"remedyCalibPercentile", percentile,
         tr("&Percentile (%1)").arg(percentile.section(QLatin1Char(':'), 1))},
        {"remedyCalibKl", QStringLiteral("kl"), tr("&KL Divergence")},
        {"remedyCalibMse", QStringLiteral("mse"), tr("M&SE-Optimal Clip")},
    };
    for (const auto& m : methods) {
        QAction* action = calibrators->addAction(m.text);
        action->setObjectName(QString::fromLatin1(m.objectName));
        action->setCheckable(true);
        action->setData(m.method);
        action->setChecked(!current.isEmpty() && current == m.method);
        action->setStatusTip(QStringLiteral("--tensor-calib %1=%2").arg(tensor, m.method));
        group->addAction(action);
    }
    // triggered, not toggled: only the entry the user picked writes (checking one entry also
    // unchecks the other); unchecking the checked one returns to the global calibrator.
    const bool tensorCalibrated =
        canPreview && !tensor.isEmpty() && run->model->collectors.count(tensor.toStdString());
    QObject::connect(group, &QActionGroup::triggered, menu, [=](QAction* action) {
        const QString method = action->data().toString();
        const bool on = action->isChecked();
        auto apply = [settings, chosen, name, tensor, method, on] {
            settings->setTensorCalibration(tensor, on ? method : QString());
            chosen(name, on ? tr("calibrator %1 for %2").arg(method, tensor)
                            : tr("the global calibrator for %1").arg(tensor));
        };
        if (!on || !tensorCalibrated) return apply();
        propose(tr("calibrator %1 for %2").arg(method, tensor), std::nullopt, tensor, method, 0.0,
                apply);
    });
    calibrators->addSeparator();
    auto* useGlobal = calibrators->addAction(tr("&Global Calibrator (%1)").arg(global));
    useGlobal->setObjectName(QStringLiteral("remedyCalibGlobal"));
    useGlobal->setEnabled(!current.isEmpty());
    useGlobal->setStatusTip(tr("Remove the --tensor-calib override of %1").arg(tensor));
    QObject::connect(useGlobal, &QAction::triggered, menu, [settings, chosen, name, tensor] {
        settings->setTensorCalibration(tensor, QString());
        chosen(name, tr("the global calibrator for %1").arg(tensor));
    });

    // Cross-layer equalization of the pairs through this node (--cle-layers); the model-wide
    // switch stays in the settings dock.
    menu->setToolTipsVisible(true);
    std::shared_ptr<const std::vector<ClePair>> pairs = context.clePairs;
    if (!pairs && context.graph) {
        auto config = settings->config();
        auto found = config ? equalizablePairs(*context.graph, *config)
                            : Result<std::vector<ClePair>>(config.takeError());
        pairs = std::make_shared<const std::vector<ClePair>>(found ? std::move(found).value()
                                                                   : std::vector<ClePair>());
    }
    // From a folded BatchNormalization: its Conv's pairs (core finds them on the folded graph).
    const QString cleTarget = pairs ? cleNode(name, context.graph.get(), *pairs) : QString();
    const QStringList chain =
        pairs && !cleTarget.isEmpty() ? cleChain(cleTarget, *pairs) : QStringList();
    const QString chainText = chain.join(QStringLiteral(" \u2192 "));
    const bool modelCle = has(QStringLiteral("cle"), QString());
    auto* cle =
        menu->addAction(chain.isEmpty()     ? tr("&CLE for This Pair")
                        : chain.size() == 2 ? tr("&CLE for This Pair (%1)").arg(chainText)
                                            : tr("&CLE for These Pairs (%1)").arg(chainText));
    cle->setObjectName(QStringLiteral("remedyCle"));
    cle->setCheckable(true);
    cle->setChecked(modelCle || (!cleTarget.isEmpty() &&
                                 settings->nodeListed(QStringLiteral("cle-layers"), cleTarget)));
    cle->setEnabled(!chain.isEmpty() && !modelCle);
    const bool viaBatchNorm = !cleTarget.isEmpty() && cleTarget != name;
    const double fullRunSeconds = run ? run->seconds : qQNaN();
    QString cleTip =
        chain.isEmpty()
            ? tr("Not in a pair cross-layer equalization can balance (a Conv, then Relu or "
                 "nothing, then a Conv or Gemm)")
        : modelCle ? tr("Cross-layer equalization is on for every pair (settings dock)")
                   : tr("Equalize the channel ranges of %1 only (--cle-layers)").arg(chainText);
    if (viaBatchNorm && !modelCle)
        cleTip += QLatin1Char(' ') +
                  tr("(%1 is folded into %2, whose pairs these are)").arg(name, cleTarget);
    if (!chain.isEmpty() && !modelCle && context.preview && run)
        cleTip += QLatin1Char(' ') +
                  (std::isfinite(fullRunSeconds)
                       ? tr("No preview: it changes two layers at once; applying it re-runs the "
                            "whole model (about %1 s).")
                             .arg(fullRunSeconds, 0, 'f', 1)
                       : tr("No preview: it changes two layers at once; applying it re-runs the "
                            "whole model."));
    cle->setToolTip(cleTip);
    cle->setStatusTip(cleTip);
    QObject::connect(cle, &QAction::toggled, menu, [=](bool on) {
        auto apply = [settings, chosen, name, cleTarget, chainText, on] {
            settings->setNodeCle(cleTarget, on);
            chosen(name, on ? tr("cross-layer equalization of %1").arg(chainText)
                            : tr("no cross-layer equalization"));
        };
        if (!on || !preview || !run) return apply();
        // A what-if changes one layer; equalization rescales a pair together (the first's output
        // channels and the second's input channels): no preview, the full re-run instead.
        RemedyProposal p;
        p.node = name;
        p.description = tr("cross-layer equalization of %1").arg(chainText);
        p.noPreviewReason =
            tr("Cross-layer equalization rescales %1 together: it changes two layers at once, and "
               "a what-if changes one layer at a time, so it cannot be previewed. Apply it and "
               "run the quantization again to measure it.")
                .arg(chainText);
        p.estimateSeconds = fullRunSeconds;
        p.apply = apply;
        preview(std::move(p));
    });

    // AdaRound of this layer only (--adaround-layers).
    const bool weighted = [&] {
        if (!context.graph) return false;
        const auto id = context.graph->findNode(name.toStdString());
        return id && opQuantRule(*context.graph, context.graph->node(*id)) == OpQuantRule::Weighted;
    }();
    const bool modelAdaRound = has(QStringLiteral("adaround"), QString());
    auto* adaround = menu->addAction(tr("&AdaRound for This Layer"));
    adaround->setObjectName(QStringLiteral("remedyAdaRound"));
    adaround->setCheckable(true);
    adaround->setChecked(modelAdaRound ||
                         settings->nodeListed(QStringLiteral("adaround-layers"), name));
    adaround->setEnabled(weighted && !modelAdaRound);
    const QString adaroundTip =
        !weighted ? tr("Only a weighted layer (Conv, Gemm, MatMul) has weights to round")
        : modelAdaRound
            ? tr("AdaRound is on for every layer (settings dock)")
            : tr("Learn the rounding of this layer's weights on the calibration data; the other "
                 "layers keep nearest rounding (--adaround-layers; needs calibration data)");
    adaround->setToolTip(adaroundTip);
    adaround->setStatusTip(adaroundTip);
    const double adaroundEstimate = [&] {
        if (!weighted) return qQNaN();
        const auto config = settings->config();
        return adaroundSeconds(name, context, config ? config->adaroundIterations : 1000,
                               std::max(1, QThread::idealThreadCount() - 1));
    }();
    QObject::connect(adaround, &QAction::toggled, menu, [=](bool on) {
        auto apply = [settings, chosen, name, on] {
            settings->setNodeAdaRound(name, on);
            chosen(name, on ? tr("AdaRound") : tr("nearest rounding"));
        };
        if (!on || !layerWeighted) return apply();
        LayerChange c = layerChange();
        c.adaround = true;
        propose(tr("AdaRound"), c, {}, {}, adaroundEstimate, apply);
    });

    menu->addSeparator();
    const auto& last = context.lastRun;
    auto* estimate = menu->addAction(
        last ? tr("Estimated time: about %1 s per run (the last run)").arg(last->seconds, 0, 'f', 1)
             : tr("Estimated time: unknown until the first run"));
    estimate->setObjectName(QStringLiteral("remedyEstimate"));
    estimate->setEnabled(false);
    if (weighted) {
        const auto config = settings->config();
        const int iterations = config ? config->adaroundIterations : 1000;
        const int threads = std::max(1, QThread::idealThreadCount() - 1); // as RunController

        bool measured = false;
        const double seconds = adaroundSeconds(name, context, iterations, threads, &measured);
        if (std::isfinite(seconds)) {
            auto* cost = menu->addAction(
                measured ? tr("AdaRound of this layer: %1 s (%2 iterations, measured in the last "
                              "run)")
                               .arg(seconds, 0, 'f', 1)
                               .arg(iterations)
                         : tr("AdaRound of this layer adds about %1 s (%2 iterations, estimated "
                              "from its weight size)")
                               .arg(seconds, 0, 'f', 1)
                               .arg(iterations));
            cost->setObjectName(QStringLiteral("remedyAdaRoundEstimate"));
            cost->setEnabled(false);
        }
    }
    return menu;
}

} // namespace qs
