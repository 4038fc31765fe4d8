#include "model_loader.h"

#include "exec/shape_inference.h"
#include "ir/graph.h"
#include "onnx/onnx_importer.h"

#include <QFile>
#include <QFileInfo>
#include <exception>

namespace qs {

namespace {

// Resources live in memory, not on disk: they go through the bytes importer, which then
// refuses external data files (a bundled model has none).
Result<Graph> importModel(const QString& path, ImportReport* report) {
    if (!path.startsWith(QLatin1String(":/")))
        return importOnnxFile(QFile::encodeName(path).toStdString(), {}, report);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::IoError, "cannot open resource '", path.toStdString(), "'");
    const QByteArray bytes = file.readAll();
    return importOnnxBytes(bytes.constData(), size_t(bytes.size()), std::string(), {}, report)
        .addContext("file " + QFileInfo(path).fileName().toStdString());
}

} // namespace

namespace {

// Static inference binds a dynamic input dimension (PP-OCR's height and width) to 1, so every
// shape that follows from it would show a number the real data never has. A second inference
// binds those dimensions to another size: a dimension that changes depends on them and is named
// instead — the batch as the input's batch name (or "N"), any other as "?". Returns a copy of
// `graph` for display; the graph runs use keeps its shapes.
Graph markDynamicDims(const Graph& graph) {
    constexpr int64_t kProbe = 97;
    std::map<std::string, Shape> bindings;
    std::string batchName;
    for (ValueId id : graph.inputs()) {
        const Value& input = graph.value(id);
        Shape shape = input.info.shape;
        bool dynamic = false;
        for (size_t i = 0; i < shape.size(); ++i) {
            const bool named = i < input.dimNames.size() && !input.dimNames[i].empty();
            if (shape[i] >= 0 && !named) continue;
            shape[i] = kProbe;
            dynamic = true;
            if (i == 0 && batchName.empty())
                batchName = named ? input.dimNames[0] : std::string("N");
        }
        if (dynamic) bindings[input.name] = shape;
    }
    Graph display = graph;
    if (bindings.empty()) return display;
    Graph probe = graph;
    if (!inferShapes(probe, bindings)) return display; // the probe size does not fit: keep 1s
    for (size_t v = 0; v < display.values().size(); ++v) {
        Value& value = display.value(ValueId(v));
        const Value& other = probe.value(ValueId(v));
        if (value.initializer || value.isGraphInput) continue;
        const Shape& a = value.info.shape;
        const Shape& b = other.info.shape;
        if (a.size() != b.size()) continue;
        value.dimNames.resize(a.size());
        for (size_t i = 0; i < a.size(); ++i) {
            if (a[i] == b[i] || !value.dimNames[i].empty()) continue;
            value.dimNames[i] =
                i == 0 && a[i] == 1 && b[i] == kProbe && !batchName.empty() ? batchName : "?";
        }
    }
    return display;
}

} // namespace

LoadedModel ModelLoader::load(const QString& path) {
    LoadedModel loaded;
    loaded.path = path;
    try {
        ImportReport importReport;
        Result<Graph> imported = importModel(path, &importReport);
        if (!imported) {
            loaded.error = QString::fromStdString(imported.message());
            return loaded;
        }
        auto graph = std::make_shared<Graph>(std::move(imported).value());

        // Shape inference only adds information: when it stops, the table shows what is known.
        Result<ShapeInferenceReport> shapes = inferShapes(*graph);
        const Graph display = shapes ? markDynamicDims(*graph) : *graph;
        auto snapshot = std::make_shared<ModelSnapshot>(
            buildModelSnapshot(display, importReport, shapes ? &shapes.value() : nullptr));
        if (!shapes) {
            snapshot->shapeInferenceFailed = true;
            snapshot->shapeInferenceError = QString::fromStdString(shapes.message());
        }
        snapshot->filePath = path;
        loaded.graph = std::move(graph);
        loaded.snapshot = std::move(snapshot);
    } catch (const std::bad_alloc&) {
        // Core reports data errors as values; memory exhaustion is the one thing that can still
        // escape, and a GUI must survive a model that is too large.
        loaded.error =
            tr("%1: out of memory while loading the model").arg(QFileInfo(path).fileName());
    } catch (const std::exception& e) {
        loaded.error = tr("%1: unexpected error: %2")
                           .arg(QFileInfo(path).fileName(), QString::fromLocal8Bit(e.what()));
    }
    return loaded;
}

} // namespace qs
