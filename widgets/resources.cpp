#include "resources.h"

// Q_INIT_RESOURCE must be used outside any namespace. A static library's resource initializer
// is only linked when something references it, which this call does.
static void initQuantScopeResources() {
    Q_INIT_RESOURCE(quantscope);
}

namespace qs {

void initResources() {
    static const bool initialized = [] {
        initQuantScopeResources();
        return true;
    }();
    (void)initialized;
}

QIcon applicationIcon() {
    initResources();
    QIcon icon;
    for (int size : {16, 32, 48, 64, 128, 256})
        icon.addFile(QStringLiteral(":/icons/quantscope-%1.png").arg(size), QSize(size, size));
    return icon;
}

QString exampleModelPath() {
    return QStringLiteral(":/models/digits_mbv2_bn.onnx");
}
QString exampleCalibrationPath() {
    return QStringLiteral(":/models/digits_calib_x.npy");
}

} // namespace qs
