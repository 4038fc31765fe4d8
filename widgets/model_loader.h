// Loading a model for the GUI: import, static shape inference and the display snapshot, as one
// plain function that runs on a worker thread (never on the GUI thread). A failure is a value.
#pragma once

#include "model_snapshot.h"

#include <QCoreApplication>
#include <QString>
#include <memory>

namespace qs {

class Graph;

struct LoadedModel {
    QString path;
    std::shared_ptr<const Graph> graph;            // null when loading failed
    std::shared_ptr<const ModelSnapshot> snapshot; // null when loading failed
    QString error;                                 // one line; empty on success

    bool isOk() const { return graph != nullptr; }
};

class ModelLoader {
    Q_DECLARE_TR_FUNCTIONS(qs::ModelLoader)

public:
    // `path` is a file or a Qt resource (":/models/x.onnx"). Thread-safe; never throws.
    static LoadedModel load(const QString& path);
};

} // namespace qs
