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
        auto snapshot = std::make_shared<ModelSnapshot>(
            buildModelSnapshot(*graph, importReport, shapes ? &shapes.value() : nullptr));
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
