#include "image_folder.h"

#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>
#include <QRegularExpression>
#include <algorithm>
#include <cmath>
#include <set>

namespace qs {

namespace {

Error failure(ErrorCode code, const QString& message) {
    return Error(code, message.toStdString());
}

QString shapeText(const TensorInfo& input) {
    if (!input.shapeKnown) return QStringLiteral("[?]");
    QStringList dims;
    for (int64_t d : input.shape) dims << (d < 0 ? QStringLiteral("?") : QString::number(d));
    return QLatin1Char('[') + dims.join(QLatin1Char(',')) + QLatin1Char(']');
}

// Strict number parsing in the C locale whatever the UI language ("0.5", "1e-3").
bool parseNumber(const QString& text, double& out) {
    bool ok = false;
    out = text.trimmed().toDouble(&ok); // QString::toDouble uses the C locale
    return ok && std::isfinite(out);
}

} // namespace

Result<double> ImageFolder::parseScale(const QString& text) {
    const QString t = text.trimmed();
    double value = 0;
    if (t.contains(QLatin1Char('/'))) {
        double num = 0, den = 0;
        if (t.count(QLatin1Char('/')) != 1 ||
            !parseNumber(t.section(QLatin1Char('/'), 0, 0), num) ||
            !parseNumber(t.section(QLatin1Char('/'), 1), den) || den == 0)
            return failure(ErrorCode::InvalidArgument,
                           tr("scale '%1' is not a number or a fraction like 1/255").arg(t));
        value = num / den;
    } else if (!parseNumber(t, value)) {
        return failure(ErrorCode::InvalidArgument,
                       tr("scale '%1' is not a number or a fraction like 1/255").arg(t));
    }
    if (!std::isfinite(value) || value == 0)
        return failure(ErrorCode::InvalidArgument, tr("scale '%1' must not be zero").arg(t));
    return value;
}

Result<std::vector<double>> ImageFolder::parseChannelValues(const QString& text) {
    static const QRegularExpression separators(QStringLiteral("[,;\\s]+"));
    const QStringList parts = text.trimmed().split(separators, Qt::SkipEmptyParts);
    if (parts.isEmpty() || parts.size() > 4)
        return failure(ErrorCode::InvalidArgument,
                       tr("'%1': expected one value or one per channel").arg(text.trimmed()));
    std::vector<double> values;
    for (const QString& part : parts) {
        double v = 0;
        if (!parseNumber(part, v))
            return failure(ErrorCode::InvalidArgument, tr("'%1' is not a number").arg(part));
        values.push_back(v);
    }
    return values;
}

QString ImageFolder::formatChannelValues(const std::vector<double>& values) {
    QStringList parts;
    for (double v : values) parts << QString::number(v, 'g', 10);
    return parts.join(QStringLiteral(", "));
}

QString ImageFolder::layoutName(ImageLayout layout) {
    return layout == ImageLayout::Nhwc ? QStringLiteral("nhwc") : QStringLiteral("nchw");
}

QString ImageFolder::orderName(ChannelOrder order) {
    return order == ChannelOrder::Bgr ? QStringLiteral("bgr") : QStringLiteral("rgb");
}

QStringList ImageFolder::imageFiles(const QString& folder) {
    std::set<QString> suffixes;
    for (const QByteArray& format : QImageReader::supportedImageFormats())
        suffixes.insert(QString::fromLatin1(format).toLower());
    QStringList files;
    const QFileInfoList entries =
        QDir(folder).entryInfoList(QDir::Files | QDir::Readable, QDir::NoSort);
    for (const QFileInfo& entry : entries)
        if (suffixes.count(entry.suffix().toLower())) files << entry.fileName();
    // Plain code-unit order: the same on every machine and in every locale.
    std::sort(files.begin(), files.end());
    return files;
}

Result<ImageFolderData> ImageFolder::read(const QString& folder, const ImageFolderOptions& options,
                                          const TensorInfo& input, Progress* progress) {
    const QString folderName = QDir::toNativeSeparators(folder);
    if (!QFileInfo(folder).isDir())
        return failure(ErrorCode::IoError, tr("folder %1 does not exist").arg(folderName));
    const QStringList files = imageFiles(folder);
    if (files.isEmpty()) {
        const qsizetype any = QDir(folder).entryList(QDir::Files).size();
        if (any == 0)
            return failure(ErrorCode::InvalidArgument, tr("folder %1 is empty").arg(folderName));
        return failure(ErrorCode::InvalidArgument,
                       tr("folder %1 has no images: none of its %n file(s) is a PNG, JPEG, BMP or "
                          "other format Qt reads",
                          nullptr, int(any))
                           .arg(folderName));
    }

    const bool nhwc = options.layout == ImageLayout::Nhwc;
    int64_t channels = -1, height = -1, width = -1;
    if (input.shapeKnown) {
        if (input.shape.size() != 4)
            return failure(ErrorCode::ShapeMismatch,
                           tr("the model input is %1; a folder of images needs a 4-dimensional "
                              "input (N×C×H×W or N×H×W×C)")
                               .arg(shapeText(input)));
        channels = input.shape[nhwc ? 3 : 1];
        height = input.shape[nhwc ? 1 : 2];
        width = input.shape[nhwc ? 2 : 3];
    }
    if (channels < 0) channels = 3;
    if (channels != 1 && channels != 3)
        return failure(ErrorCode::ShapeMismatch,
                       tr("the model input %1 has %2 channels as %3; images give 1 (grayscale) or "
                          "3 (colour): check the layout")
                           .arg(shapeText(input))
                           .arg(channels)
                           .arg(layoutName(options.layout).toUpper()));
    if (options.height > 0) height = options.height;
    if (options.width > 0) width = options.width;
    const size_t c = size_t(channels);
    if ((options.mean.size() != 1 && options.mean.size() != c) ||
        (options.std.size() != 1 && options.std.size() != c))
        return failure(ErrorCode::InvalidArgument,
                       tr("mean and std need one value or %1 (one per channel)").arg(channels));
    for (double s : options.std)
        if (s == 0 || !std::isfinite(s))
            return failure(ErrorCode::InvalidArgument, tr("std must not be zero"));
    if (options.scale == 0 || !std::isfinite(options.scale))
        return failure(ErrorCode::InvalidArgument, tr("scale must not be zero"));
    if (options.maxImages < 1)
        return failure(ErrorCode::InvalidArgument, tr("the image limit must be at least 1"));

    ImageFolderData out;
    out.imagesFound = int(files.size());
    out.imagesUsed = std::min(out.imagesFound, options.maxImages);
    // Without a size from the options or the model, the first image sets it and the others
    // must match: resizing to an arbitrary image's size would hide a mixed-up folder.
    const bool sizeFromFirst = height <= 0 || width <= 0;
    const QImage::Format format = channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888;
    auto channelValue = [&](const std::vector<double>& v, size_t k) {
        return v.size() == 1 ? v[0] : v[k];
    };
    Tensor samples;
    const QDir dir(folder);
    for (int i = 0; i < out.imagesUsed; ++i) {
        if (progress && progress->isCancelled())
            return makeError(ErrorCode::Cancelled, "cancelled");
        const QString& name = files[i];
        QImageReader reader(dir.filePath(name));
        // A camera's EXIF orientation is applied (the picture as a viewer shows it, as PIL's
        // ImageOps.exif_transpose gives it); Qt would otherwise hand over the sensor's rows.
        reader.setAutoTransform(true);
        QImage image;
        if (!reader.read(&image))
            return failure(ErrorCode::ParseError,
                           tr("image %1 cannot be read: %2").arg(name, reader.errorString()));
        if (sizeFromFirst && i == 0) {
            if (height <= 0) height = image.height();
            if (width <= 0) width = image.width();
        }
        if (image.width() != width || image.height() != height) {
            if (sizeFromFirst && i > 0)
                return failure(ErrorCode::ShapeMismatch,
                               tr("image %1 is %2×%3 but the first image is %4×%5: set a resize "
                                  "size")
                                   .arg(name)
                                   .arg(image.width())
                                   .arg(image.height())
                                   .arg(width)
                                   .arg(height));
            image = image.scaled(int(width), int(height), Qt::IgnoreAspectRatio,
                                 Qt::SmoothTransformation);
        }
        // Transparency is dropped, the colour kept (PIL's convert("RGB"), which torchvision's
        // loaders use): a straight-alpha image first, so no format blends with black.
        if (image.hasAlphaChannel()) image = image.convertToFormat(QImage::Format_ARGB32);
        image = image.convertToFormat(format);
        if (samples.isNull()) {
            const Shape shape = nhwc ? Shape{out.imagesUsed, height, width, channels}
                                     : Shape{out.imagesUsed, channels, height, width};
            QS_ASSIGN(samples, Tensor::allocate(DataType::F32, shape));
        }
        float* dst = samples.data<float>() + int64_t(i) * channels * height * width;
        for (int64_t y = 0; y < height; ++y) {
            const uchar* line = image.constScanLine(int(y));
            for (int64_t x = 0; x < width; ++x) {
                for (size_t k = 0; k < c; ++k) {
                    // RGB888 stores R, G, B; BGR reverses the order the model sees.
                    const size_t source =
                        (c == 3 && options.order == ChannelOrder::Bgr) ? 2 - k : k;
                    const double pixel = double(line[x * int64_t(c) + int64_t(source)]);
                    const double value = (pixel * options.scale - channelValue(options.mean, k)) /
                                         channelValue(options.std, k);
                    const int64_t at = nhwc ? (y * width + x) * channels + int64_t(k)
                                            : (int64_t(k) * height + y) * width + x;
                    dst[at] = float(value);
                }
            }
        }
        if (progress) progress->report(double(i + 1) / double(out.imagesUsed), "reading images");
    }
    out.samples = std::move(samples);
    out.channels = int(channels);
    out.height = int(height);
    out.width = int(width);
    return out;
}

} // namespace qs
