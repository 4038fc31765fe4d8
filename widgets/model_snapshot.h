// An immutable, display-ready picture of a loaded model: what the node table and the summary
// panel show. Built once on the loading thread from core's Graph, then only read by item models
// (which do no math of their own). Texts here are language-neutral (names, shapes, numbers);
// every translatable word is added by the views.
#pragma once

#include "quant/dispatcher.h"

#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <cstdint>

namespace qs {

class Graph;
struct ImportReport;
struct ShapeInferenceReport;

struct SnapshotTensor {
    QString name;
    QString dtype; // "f32"; empty when not known
    QString shape; // "[N,1,16,16]"; dynamic dims by name, unknown dims as "?"; "?" if no rank
    bool isConstant = false; // an initializer (weight, bias, folded Constant)
};

struct NodeSummary {
    int index = 0; // position in the topological order
    QString name;
    QString opType;
    QString domain;               // empty for the default ONNX domain
    QList<SnapshotTensor> inputs; // omitted optional inputs are left out
    QList<SnapshotTensor> outputs;
    QString attributes;    // "group=16, kernel_shape=[3,3], strides=[1,1]"
    bool supported = true; // the op registry implements this op
    // Dispatcher region (core/quant/dispatcher.h): "non-quantizable" nodes compute only on
    // constants and shapes (Constant, Shape, Gather on shapes...); the graph folds them away.
    NodeRegion region = NodeRegion::Quantizable;
    bool isFolded() const { return region == NodeRegion::NonQuantizable; }
};

struct ModelSnapshot {
    QString filePath;
    QString graphName;
    QString producer; // "pytorch 2.1"
    qint64 irVersion = 0;
    QList<QPair<QString, qint64>> opsets; // domain ("" = ai.onnx) -> version

    QList<SnapshotTensor> inputs;
    QList<SnapshotTensor> outputs;
    QList<NodeSummary> nodes; // in topological order

    QList<QPair<QString, int>> opCounts;       // op type -> nodes, most frequent first
    QList<QPair<QString, int>> unsupportedOps; // op type -> nodes
    // Elements of all floating-point initializers (weights, biases, BatchNorm statistics).
    qint64 parameterCount = 0;
    qint64 parameterBytes = 0;

    // Static shape inference: not fatal; the table shows whatever is known.
    bool shapeInferenceFailed = false;
    QString shapeInferenceError;
    int shapesKnown = 0;
    int shapesUnknown = 0;
    QStringList shapeNotes;
};

// `shapes` may be null (inference failed or was not run).
ModelSnapshot buildModelSnapshot(const Graph& graph, const ImportReport& importReport,
                                 const ShapeInferenceReport* shapes);

} // namespace qs
