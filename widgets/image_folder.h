// A folder of images as calibration and evaluation data: every image QImageReader reads, in
// sorted file-name order, resized, scaled and normalised into one float32 tensor of the shape a
// .npy calibration file would have (N×C×H×W or N×H×W×C). EXIF orientation is applied and alpha
// is dropped with the colour kept, as PIL-based (torchvision) loaders do. Qt does the decoding here so that core
// stays Qt-free; the conversion runs on the quantization worker thread, never on the GUI's.
#pragma once

#include "ir/tensor.h"
#include "util/error.h"
#include "util/progress.h"

#include <QCoreApplication>
#include <QString>
#include <QStringList>
#include <vector>

namespace qs {

enum class ImageLayout { Nchw, Nhwc };
enum class ChannelOrder { Rgb, Bgr };

// How the images become model input. Each element is (pixel·scale − mean[c]) / std[c], pixel
// in 0..255, computed in double and stored as float.
struct ImageFolderOptions {
    int height = 0; // resize to height × width; 0 = the model input's static size (else the
    int width = 0;  // images' own size, which must then be the same for all)
    ChannelOrder order = ChannelOrder::Rgb; // for 3 channels; 1 channel reads grayscale
    double scale = 1.0 / 255.0;
    std::vector<double> mean{0.0}; // one value for every channel, or one per channel
    std::vector<double> std{1.0};
    ImageLayout layout = ImageLayout::Nchw;
    int maxImages = 256; // the first images in sorted order; the rest are left out

    bool operator==(const ImageFolderOptions&) const = default;
};

// The converted folder and what it was made of (for the run's notes).
struct ImageFolderData {
    Tensor samples;      // float32, [N, C, H, W] or [N, H, W, C]
    int imagesFound = 0; // image files in the folder
    int imagesUsed = 0;  // min(imagesFound, maxImages)
    int channels = 0, height = 0, width = 0;
};

class ImageFolder {
    Q_DECLARE_TR_FUNCTIONS(qs::ImageFolder)

public:
    // Text forms for the settings, QSettings and projects. A scale is a number or a fraction
    // ("1/255"); channel values are numbers separated by commas or spaces ("0.485, 0.456").
    static Result<double> parseScale(const QString& text);
    static Result<std::vector<double>> parseChannelValues(const QString& text);
    static QString formatChannelValues(const std::vector<double>& values);
    static QString layoutName(ImageLayout layout); // "nchw" / "nhwc"
    static QString orderName(ChannelOrder order);  // "rgb" / "bgr"

    // The image files of `folder` (extensions QImageReader supports), sorted by name.
    static QStringList imageFiles(const QString& folder);

    // Reads the first options.maxImages images of `folder` for a model whose (first) input is
    // `input`. Errors are one line naming the folder or the file at fault; a cancel through
    // `progress` returns ErrorCode::Cancelled.
    static Result<ImageFolderData> read(const QString& folder, const ImageFolderOptions& options,
                                        const TensorInfo& input, Progress* progress = nullptr);
};

} // namespace qs
