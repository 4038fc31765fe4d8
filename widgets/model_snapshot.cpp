#include "model_snapshot.h"

#include "exec/shape_inference.h"
#include "ir/graph.h"
#include "onnx/onnx_importer.h"
#include "ops/op_registry.h"

#include <QHash>
#include <algorithm>

namespace qs {

namespace {

// Long lists (a Reshape target, Resize scales) are cut so a table cell stays one short line.
constexpr int kMaxListItems = 8;

QString fromStd(const std::string& s) {
    return QString::fromStdString(s);
}

QString formatShape(const Value& value) {
    const TensorInfo& info = value.info;
    if (!info.shapeKnown) return QStringLiteral("?");
    QStringList dims;
    for (size_t i = 0; i < info.shape.size(); ++i) {
        const bool named = i < value.dimNames.size() && !value.dimNames[i].empty();
        if (named)
            dims << fromStd(value.dimNames[i]);
        else if (info.shape[i] < 0)
            dims << QStringLiteral("?");
        else
            dims << QString::number(info.shape[i]);
    }
    return QLatin1Char('[') + dims.join(QLatin1Char(',')) + QLatin1Char(']');
}

SnapshotTensor summarize(const Value& value) {
    SnapshotTensor t;
    t.name = fromStd(value.name);
    const DataType dtype = value.initializer ? value.initializer->dtype() : value.info.dtype;
    if (dtype != DataType::Undefined) t.dtype = QLatin1String(dataTypeName(dtype));
    if (value.initializer && !value.info.shapeKnown) {
        // An initializer always knows its shape, even before shape inference ran.
        QStringList dims;
        for (int64_t d : value.initializer->shape()) dims << QString::number(d);
        t.shape = QLatin1Char('[') + dims.join(QLatin1Char(',')) + QLatin1Char(']');
    } else {
        t.shape = formatShape(value);
    }
    t.isConstant = value.initializer.has_value();
    return t;
}

template <class T, class Format> QString formatList(const std::vector<T>& items, Format format) {
    QStringList parts;
    const size_t shown = std::min(items.size(), size_t(kMaxListItems));
    for (size_t i = 0; i < shown; ++i) parts << format(items[i]);
    if (items.size() > shown) parts << QStringLiteral("\u2026");
    return QLatin1Char('[') + parts.join(QLatin1Char(',')) + QLatin1Char(']');
}

bool isFloatType(DataType t) {
    return t == DataType::F32 || t == DataType::F16 || t == DataType::F64;
}

QString formatFloat(float f) {
    return QString::number(double(f), 'g', 6);
}

QString formatAttribute(const Attribute& a) {
    switch (a.kind) {
    case Attribute::Kind::Int:
        return QString::number(a.i);
    case Attribute::Kind::Float:
        return formatFloat(a.f);
    case Attribute::Kind::String:
        return fromStd(a.s);
    case Attribute::Kind::Ints:
        return formatList(a.ints, [](int64_t v) { return QString::number(v); });
    case Attribute::Kind::Floats:
        return formatList(a.floats, formatFloat);
    case Attribute::Kind::Strings:
        return formatList(a.strings, fromStd);
    case Attribute::Kind::Tensor: {
        QStringList dims;
        for (int64_t d : a.t.shape()) dims << QString::number(d);
        QString text =
            QStringLiteral("<%1 [%2]")
                .arg(QLatin1String(dataTypeName(a.t.dtype())), dims.join(QLatin1Char(',')));
        // Small constants (Clip bounds, Reshape targets) are worth seeing in full.
        if (!a.t.isNull() && a.t.numel() <= kMaxListItems) {
            const bool isFloat = isFloatType(a.t.dtype());
            text += QStringLiteral(": ") +
                    (isFloat ? formatList(a.t.toFloatVector(), formatFloat)
                             : formatList(a.t.toInt64Vector(),
                                          [](int64_t v) { return QString::number(v); }));
            if (a.t.rank() == 0) text.replace(QStringLiteral(": ["), QStringLiteral(": ")).chop(1);
        }
        return text + QLatin1Char('>');
    }
    case Attribute::Kind::Graph:
        return QStringLiteral("<graph>");
    }
    return QString();
}

} // namespace

ModelSnapshot buildModelSnapshot(const Graph& graph, const ImportReport& importReport,
                                 const ShapeInferenceReport* shapes) {
    ModelSnapshot s;
    s.graphName = fromStd(graph.name);
    s.producer = fromStd(graph.producerName);
    if (!graph.producerVersion.empty())
        s.producer += QLatin1Char(' ') + fromStd(graph.producerVersion);
    s.irVersion = graph.irVersion;
    for (const auto& [domain, version] : graph.opsets())
        s.opsets.append({fromStd(domain), version});

    for (ValueId id : graph.inputs()) s.inputs.append(summarize(graph.value(id)));
    for (ValueId id : graph.outputs()) s.outputs.append(summarize(graph.value(id)));

    QHash<QString, int> counts;
    const std::vector<NodeRegion> regions = dispatchRegions(graph);
    const auto& order = graph.topoOrder();
    s.nodes.reserve(int(order.size()));
    for (size_t position = 0; position < order.size(); ++position) {
        const Node& node = graph.node(order[position]);
        NodeSummary n;
        n.index = int(position);
        n.name = fromStd(node.name);
        n.opType = fromStd(node.opType);
        n.domain = fromStd(node.domain);
        for (ValueId in : node.inputs)
            if (in != kNoValue) n.inputs.append(summarize(graph.value(in)));
        for (ValueId out : node.outputs)
            if (out != kNoValue) n.outputs.append(summarize(graph.value(out)));
        QStringList attributes;
        for (const auto& [key, attribute] : node.attributes)
            attributes << fromStd(key) + QLatin1Char('=') + formatAttribute(attribute);
        n.attributes = attributes.join(QStringLiteral(", "));
        n.supported = findOp(node.domain, node.opType) != nullptr;
        n.region = regions[size_t(order[position])];
        ++counts[n.opType];
        s.nodes.append(std::move(n));
    }
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        s.opCounts.append({it.key(), it.value()});
    std::sort(s.opCounts.begin(), s.opCounts.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });

    for (const auto& [op, count] : importReport.unsupportedOps)
        s.unsupportedOps.append({fromStd(op), count});

    for (const Value& value : graph.values()) {
        if (!value.initializer || !isFloatType(value.initializer->dtype())) continue;
        s.parameterCount += value.initializer->numel();
        s.parameterBytes += qint64(value.initializer->byteSize());
    }

    if (shapes) {
        s.shapesKnown = shapes->inferred;
        s.shapesUnknown = shapes->unknown;
        for (const auto& note : shapes->notes) s.shapeNotes << fromStd(note);
    }
    return s;
}

} // namespace qs
