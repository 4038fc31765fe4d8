// Access to the resources compiled into quantscope_widgets (resources/quantscope.qrc):
// the application icon and the bundled example model with its calibration data.
#pragma once

#include <QIcon>
#include <QString>

namespace qs {

// Registers the resources of the static library; safe to call more than once.
void initResources();

QIcon applicationIcon();
// ":/models/digits_mbv2_bn.onnx" and its calibration inputs (.npy, N×1×16×16 float32).
QString exampleModelPath();
QString exampleCalibrationPath();

} // namespace qs
