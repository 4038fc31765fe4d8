// A folder of images as calibration data: exact values of (pixel·scale − mean) / std in both
// layouts and channel orders against hand-computed ones, sorted order, the image cap, one-line
// errors naming the folder or file, cancel; and a digits run from PNGs of the first calibration
// samples against the run from the same samples as .npy.
#include "image_folder.h"
#include "io/npy.h"
#include "onnx/onnx_importer.h"
#include "quant/quantizer.h"
#include "quant_run.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QImageWriter>
#include <QBuffer>
#include <QColor>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <cmath>

using namespace qs;

namespace {

const QString kDigits = QStringLiteral(QS_SHARED_DIR "/models/digits_mbv2_bn.onnx");
const QString kDigitsCalib = QStringLiteral(QS_SHARED_DIR "/data/digits_calib_x.npy");
// The digits data are (x − 0.30556) / 0.31851 of pixels x in [0, 1] (shared/models/README.md).
constexpr double kDigitsMean = 0.30556;
constexpr double kDigitsStd = 0.31851;

struct Rgb {
    int r, g, b;
};

// A 2×3 RGB image (H = 2, W = 3) with the given pixels, row by row.
void writeRgb(const QString& path, const std::vector<Rgb>& pixels, int h = 2, int w = 3) {
    QImage image(w, h, QImage::Format_RGB888);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const Rgb& p = pixels[size_t(y * w + x)];
            image.setPixel(x, y, qRgb(p.r, p.g, p.b));
        }
    QVERIFY(image.save(path, "PNG"));
}

TensorInfo inputInfo(Shape shape) {
    TensorInfo info;
    info.dtype = DataType::F32;
    info.shape = std::move(shape);
    info.shapeKnown = true;
    return info;
}

// Three images whose names sort differently from the order they are written in.
const std::vector<Rgb> kImageA{{255, 0, 128},  {1, 2, 3}, {10, 20, 30},
                               {200, 100, 50}, {0, 0, 0}, {255, 255, 255}};
const std::vector<Rgb> kImageB{{7, 77, 177}, {64, 128, 192}, {3, 2, 1},
                               {90, 45, 22}, {33, 66, 99},   {250, 5, 125}};
const std::vector<Rgb> kImageC{{11, 12, 13}, {21, 22, 23}, {31, 32, 33},
                               {41, 42, 43}, {51, 52, 53}, {61, 62, 63}};

void writeThree(const QString& dir) {
    writeRgb(dir + QStringLiteral("/c.png"), kImageC);
    writeRgb(dir + QStringLiteral("/a.png"), kImageA);
    writeRgb(dir + QStringLiteral("/b.bmp"), kImageB); // any format QImageReader reads
}

class CancelAt : public Progress {
public:
    bool isCancelled() const override { return true; }
};

} // namespace

class ImageFolderTest : public QObject {
    Q_OBJECT

private slots:
    // The tensor is [N, C, H, W]; element (n, c, y, x) = (pixel_c · scale − mean_c) / std_c for
    // the n-th image in file-name order.
    void nchwValuesAreExact() {
        QTemporaryDir dir;
        writeThree(dir.path());
        ImageFolderOptions options;
        options.scale = 1.0 / 255.0;
        options.mean = {0.5, 0.25, 0.125};
        options.std = {0.5, 0.25, 2.0};
        auto read = ImageFolder::read(dir.path(), options, inputInfo({-1, 3, 2, 3}));
        QVERIFY2(read, read.message().c_str());
        QCOMPARE(read->imagesFound, 3);
        QCOMPARE(read->imagesUsed, 3);
        const Tensor& t = read->samples;
        QVERIFY(t.shape() == (Shape{3, 3, 2, 3}));
        const std::vector<Rgb>* images[] = {&kImageA, &kImageB, &kImageC}; // a, b, c
        const float* v = t.data<float>();
        for (int n = 0; n < 3; ++n)
            for (int c = 0; c < 3; ++c)
                for (int y = 0; y < 2; ++y)
                    for (int x = 0; x < 3; ++x) {
                        const Rgb& p = (*images[n])[size_t(y * 3 + x)];
                        const int pixel = c == 0 ? p.r : c == 1 ? p.g : p.b;
                        const float expected =
                            float((pixel * (1.0 / 255.0) - options.mean[size_t(c)]) /
                                  options.std[size_t(c)]);
                        QCOMPARE(v[((n * 3 + c) * 2 + y) * 3 + x], expected);
                    }
        // By hand: a.png's first pixel is (255, 0, 128).
        QCOMPARE(v[0], 1.0f);                                   // (1 − 0.5) / 0.5
        QCOMPARE(v[6], -1.0f);                                  // (0 − 0.25) / 0.25
        QCOMPARE(v[12], float((128 / 255.0 - 0.125) / 2.0));    // 0.18848...
        QCOMPARE(v[3 * 6 + 0], float((7 / 255.0 - 0.5) / 0.5)); // b.bmp's first red
    }

    // NHWC and BGR: element (n, y, x, c) with channel 0 = blue.
    void nhwcBgrValuesAreExact() {
        QTemporaryDir dir;
        writeThree(dir.path());
        ImageFolderOptions options;
        options.scale = 2.0;
        options.mean = {1.0, 2.0, 3.0};
        options.std = {4.0};
        options.order = ChannelOrder::Bgr;
        options.layout = ImageLayout::Nhwc;
        auto read = ImageFolder::read(dir.path(), options, inputInfo({-1, 2, 3, 3}));
        QVERIFY2(read, read.message().c_str());
        const Tensor& t = read->samples;
        QVERIFY(t.shape() == (Shape{3, 2, 3, 3}));
        const std::vector<Rgb>* images[] = {&kImageA, &kImageB, &kImageC};
        const float* v = t.data<float>();
        for (int n = 0; n < 3; ++n)
            for (int y = 0; y < 2; ++y)
                for (int x = 0; x < 3; ++x)
                    for (int c = 0; c < 3; ++c) {
                        const Rgb& p = (*images[n])[size_t(y * 3 + x)];
                        const int pixel = c == 0 ? p.b : c == 1 ? p.g : p.r;
                        const float expected = float((pixel * 2.0 - options.mean[size_t(c)]) / 4.0);
                        QCOMPARE(v[((n * 2 + y) * 3 + x) * 3 + c], expected);
                    }
        QCOMPARE(v[0], float((128 * 2.0 - 1.0) / 4.0)); // a.png (0,0): blue 128 first
        QCOMPARE(v[2], float((255 * 2.0 - 3.0) / 4.0)); // and red 255 last
    }

    // A 1-channel input reads grayscale; a size from the model resizes (a constant image stays
    // constant under smooth scaling); the options' size overrides the model's.
    void grayscaleAndResize() {
        QTemporaryDir dir;
        QImage gray(2, 2, QImage::Format_Grayscale8);
        gray.fill(100);
        QVERIFY(gray.save(dir.filePath(QStringLiteral("g.png"))));
        writeRgb(dir.filePath(QStringLiteral("h.png")),
                 {{60, 60, 60}, {60, 60, 60}, {60, 60, 60}, {60, 60, 60}}, 2, 2);
        ImageFolderOptions options;
        options.scale = 1.0;
        options.mean = {50.0};
        options.std = {10.0};
        auto read = ImageFolder::read(dir.path(), options, inputInfo({-1, 1, 4, 4}));
        QVERIFY2(read, read.message().c_str());
        QVERIFY(read->samples.shape() == (Shape{2, 1, 4, 4}));
        for (int i = 0; i < 16; ++i) {
            QCOMPARE(read->samples.data<float>()[i], 5.0f);      // (100 − 50) / 10
            QCOMPARE(read->samples.data<float>()[16 + i], 1.0f); // (60 − 50) / 10
        }
        options.height = 3;
        options.width = 5;
        options.layout = ImageLayout::Nhwc;
        read = ImageFolder::read(dir.path(), options, inputInfo({-1, 4, 4, 1}));
        QVERIFY2(read, read.message().c_str());
        QVERIFY(read->samples.shape() == (Shape{2, 3, 5, 1}));
        QCOMPARE(read->samples.data<float>()[14], 5.0f);
        // Without any size (dynamic H and W) the images keep theirs.
        options.height = options.width = 0;
        read = ImageFolder::read(dir.path(), options, inputInfo({-1, -1, -1, 1}));
        QVERIFY2(read, read.message().c_str());
        QVERIFY(read->samples.shape() == (Shape{2, 2, 2, 1}));
    }

    // The cap keeps the first images in code-unit order ("10" before "9").
    // A JPEG whose EXIF orientation says "rotate 90° clockwise" is read as a viewer shows it
    // (3 wide × 2 high stored, 2 wide × 3 high seen), and a transparent PNG pixel keeps its
    // colour (PIL's convert("RGB")), neither blended with black nor with white.
    void exifOrientationAndAlpha() {
        QTemporaryDir dir;
        QImage stored(3, 2, QImage::Format_RGB888);
        stored.fill(QColor(128, 128, 128));
        stored.setPixel(0, 0, qRgb(255, 255, 255)); // stored top left: seen top right
        // A plain JPEG, then an EXIF APP1 segment inserted after its SOI marker: big-endian
        // TIFF header, one IFD entry Orientation (0x0112) SHORT 1 = 6 ("rotate 90° CW").
        QByteArray jpeg;
        {
            QBuffer buffer(&jpeg);
            buffer.open(QIODevice::WriteOnly);
            QImageWriter writer(&buffer, "jpeg");
            writer.setQuality(100);
            QVERIFY2(writer.write(stored), qPrintable(writer.errorString()));
        }
        QVERIFY(jpeg.startsWith("\xff\xd8"));
        const char exif[] = "Exif\0\0"
                            "MM\0\x2a\0\0\0\x08"                 // TIFF header, IFD at 8
                            "\0\x01"                             // one entry
                            "\x01\x12\0\x03\0\0\0\x01\0\x06\0\0" // Orientation = 6
                            "\0\0\0\0";                          // no next IFD
        const QByteArray payload(exif, sizeof(exif) - 1);
        QByteArray app1("\xff\xe1", 2);
        app1.append(char((payload.size() + 2) >> 8)).append(char((payload.size() + 2) & 0xff));
        app1.append(payload);
        jpeg.insert(2, app1);
        QFile file(dir.filePath(QStringLiteral("rotated.jpg")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(jpeg);
        file.close();
        ImageFolderOptions options;
        options.scale = 1.0;
        auto read = ImageFolder::read(dir.path(), options, inputInfo({-1, 1, -1, -1}));
        QVERIFY2(read, read.message().c_str());
        QVERIFY(read->samples.shape() == (Shape{1, 1, 3, 2})); // H = 3, W = 2
        const float* g = read->samples.data<float>();
        QVERIFY2(g[1] > 230 && g[0] < 160, qPrintable(QStringLiteral("%1 %2").arg(g[0]).arg(g[1])));

        QTemporaryDir alpha;
        QImage rgba(2, 1, QImage::Format_ARGB32);
        rgba.setPixel(0, 0, qRgba(200, 100, 50, 0)); // fully transparent
        rgba.setPixel(1, 0, qRgba(10, 20, 30, 128));
        QVERIFY(rgba.save(alpha.filePath(QStringLiteral("a.png")), "PNG"));
        read = ImageFolder::read(alpha.path(), options, inputInfo({-1, 3, 1, 2}));
        QVERIFY2(read, read.message().c_str());
        const float* v = read->samples.data<float>(); // [1, 3, 1, 2]
        QCOMPARE(v[0], 200.0f);
        QCOMPARE(v[2], 100.0f);
        QCOMPARE(v[4], 50.0f);
        QCOMPARE(v[1], 10.0f);
        QCOMPARE(v[3], 20.0f);
        QCOMPARE(v[5], 30.0f);
    }

    void capKeepsTheFirstInSortedOrder() {
        QTemporaryDir dir;
        for (int i : {9, 10, 11, 2}) {
            QImage image(1, 1, QImage::Format_Grayscale8);
            image.fill(i);
            QVERIFY(image.save(dir.filePath(QStringLiteral("%1.png").arg(i))));
        }
        QFile note(dir.filePath(QStringLiteral("labels.txt")));
        QVERIFY(note.open(QIODevice::WriteOnly));
        note.write("not an image\n");
        note.close();
        QCOMPARE(ImageFolder::imageFiles(dir.path()),
                 (QStringList{QStringLiteral("10.png"), QStringLiteral("11.png"),
                              QStringLiteral("2.png"), QStringLiteral("9.png")}));
        ImageFolderOptions options;
        options.scale = 1.0;
        options.maxImages = 3;
        auto read = ImageFolder::read(dir.path(), options, inputInfo({-1, 1, 1, 1}));
        QVERIFY2(read, read.message().c_str());
        QCOMPARE(read->imagesFound, 4);
        QCOMPARE(read->imagesUsed, 3);
        QVERIFY(read->samples.shape() == (Shape{3, 1, 1, 1}));
        QCOMPARE(read->samples.data<float>()[0], 10.0f);
        QCOMPARE(read->samples.data<float>()[1], 11.0f);
        QCOMPARE(read->samples.data<float>()[2], 2.0f);
    }

    // Each failure is one line naming the folder or the file at fault.
    void errorsNameTheCulprit() {
        auto oneLine = [](const auto& result, const char* part) {
            const std::string m = result.message();
            return !result.isOk() && m.find('\n') == std::string::npos &&
                   m.find(part) != std::string::npos;
        };
        const TensorInfo input = inputInfo({-1, 3, 2, 3});
        QTemporaryDir empty;
        auto r = ImageFolder::read(empty.path(), {}, input);
        QVERIFY2(oneLine(r, "is empty"), r.message().c_str());
        QVERIFY(r.message().find(QDir::toNativeSeparators(empty.path()).toStdString()) !=
                std::string::npos);

        QTemporaryDir noImages;
        QFile text(noImages.filePath(QStringLiteral("readme.txt")));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("x");
        text.close();
        r = ImageFolder::read(noImages.path(), {}, input);
        QVERIFY2(oneLine(r, "has no images"), r.message().c_str());

        r = ImageFolder::read(noImages.filePath(QStringLiteral("missing")), {}, input);
        QVERIFY2(oneLine(r, "does not exist"), r.message().c_str());

        QTemporaryDir corrupt;
        writeThree(corrupt.path());
        QFile bad(corrupt.filePath(QStringLiteral("b2_broken.png")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("\x89PNG\r\n\x1a\n this is not the rest of a PNG");
        bad.close();
        r = ImageFolder::read(corrupt.path(), {}, input);
        QVERIFY2(oneLine(r, "image b2_broken.png cannot be read"), r.message().c_str());

        ImageFolderOptions twoMeans;
        twoMeans.mean = {0.1, 0.2};
        r = ImageFolder::read(corrupt.path(), twoMeans, input);
        QVERIFY2(oneLine(r, "one per channel"), r.message().c_str());

        r = ImageFolder::read(corrupt.path(), {}, inputInfo({-1, 64}));
        QVERIFY2(oneLine(r, "4-dimensional"), r.message().c_str());
        // Images give 1 or 3 channels: an input with 2 is refused.
        r = ImageFolder::read(corrupt.path(), {}, inputInfo({-1, 2, 8, 8}));
        QVERIFY2(oneLine(r, "2 channels"), r.message().c_str());

        // Mixed sizes and nothing to resize to: the odd file is named.
        QTemporaryDir mixed;
        writeRgb(mixed.filePath(QStringLiteral("a.png")), kImageA);
        writeRgb(mixed.filePath(QStringLiteral("b.png")),
                 {{1, 1, 1}, {2, 2, 2}, {3, 3, 3}, {4, 4, 4}}, 2, 2);
        r = ImageFolder::read(mixed.path(), {}, inputInfo({-1, 3, -1, -1}));
        QVERIFY2(oneLine(r, "image b.png is 2×2 but the first image is 3×2"), r.message().c_str());

        CancelAt cancelled;
        r = ImageFolder::read(corrupt.path(), {}, input, &cancelled);
        QCOMPARE(int(r.error().code()), int(ErrorCode::Cancelled));
    }

    void textForms() {
        QCOMPARE(*ImageFolder::parseScale(QStringLiteral("1/255")), 1.0 / 255.0);
        QCOMPARE(*ImageFolder::parseScale(QStringLiteral(" 0.5 ")), 0.5);
        QVERIFY(!ImageFolder::parseScale(QStringLiteral("1/0")));
        QVERIFY(!ImageFolder::parseScale(QStringLiteral("abc")));
        QVERIFY(!ImageFolder::parseScale(QStringLiteral("0")));
        QVERIFY(ImageFolder::parseChannelValues(QStringLiteral("0.485, 0.456 0.406")).value() ==
                (std::vector<double>{0.485, 0.456, 0.406}));
        QVERIFY(!ImageFolder::parseChannelValues(QStringLiteral("0.4, x")));
        QVERIFY(!ImageFolder::parseChannelValues(QString()));
        QCOMPARE(ImageFolder::formatChannelValues({0.485, 1}), QStringLiteral("0.485, 1"));
    }

    // The first 16 digits calibration samples written as 8-bit grayscale PNGs and read back with
    // the data's own normalisation give the .npy values to within half a pixel step, and a run
    // from the folder the run from the .npy to within what that rounding moves.
    void digitsRunFromImagesMatchesNpy() {
        auto npy = readNpy(kDigitsCalib.toStdString());
        QVERIFY2(npy, npy.message().c_str());
        const int n = 16;
        const int64_t hw = 16 * 16;
        Tensor head(DataType::F32, {n, 1, 16, 16});
        std::copy_n(npy->data<float>(), n * hw, head.data<float>());
        QTemporaryDir dir;
        const QString images = dir.filePath(QStringLiteral("images"));
        QVERIFY(QDir().mkpath(images));
        // What the images hold, normalised by hand: the exact input the folder must give.
        Tensor rounded(DataType::F32, {n, 1, 16, 16});
        for (int i = 0; i < n; ++i) {
            QImage image(16, 16, QImage::Format_Grayscale8);
            for (int y = 0; y < 16; ++y)
                for (int x = 0; x < 16; ++x) {
                    const int64_t at = i * hw + y * 16 + x;
                    const double unit = head.data<float>()[at] * kDigitsStd + kDigitsMean;
                    const long pixel = std::clamp(std::lround(unit * 255.0), 0L, 255L);
                    image.scanLine(y)[x] = uchar(pixel);
                    rounded.data<float>()[at] =
                        float((double(pixel) * (1.0 / 255.0) - kDigitsMean) / kDigitsStd);
                }
            QVERIFY(image.save(images +
                               QStringLiteral("/digit_%1.png").arg(i, 2, 10, QLatin1Char('0'))));
        }
        const QString npyPath = dir.filePath(QStringLiteral("head.npy"));
        QVERIFY(writeNpy(npyPath.toStdString(), head).isOk());
        const QString roundedPath = dir.filePath(QStringLiteral("rounded.npy"));
        QVERIFY(writeNpy(roundedPath.toStdString(), rounded).isOk());

        auto imported = importOnnxFile(kDigits.toStdString());
        QVERIFY2(imported, imported.message().c_str());
        auto graph = std::make_shared<const Graph>(std::move(imported).value());
        ImageFolderOptions options;
        options.scale = 1.0 / 255.0;
        options.mean = {kDigitsMean};
        options.std = {kDigitsStd};
        auto read = ImageFolder::read(images, options, graph->value(graph->inputs()[0]).info);
        QVERIFY2(read, read.message().c_str());
        QVERIFY(read->samples.shape() == head.shape());
        // Half an 8-bit step of [0, 1], in normalised units; the PNG round trip adds nothing.
        const double pixelStep = 0.5 / 255.0 / kDigitsStd;
        double maxDiff = 0;
        QVERIFY(std::equal(rounded.data<float>(), rounded.data<float>() + rounded.numel(),
                           read->samples.data<float>()));
        for (int64_t i = 0; i < head.numel(); ++i)
            maxDiff = std::max(maxDiff, std::abs(double(read->samples.data<float>()[i]) -
                                                 double(head.data<float>()[i])));
        QVERIFY2(maxDiff <= pixelStep + 1e-6, qPrintable(QString::number(maxDiff)));

        // Calibration: the input's range moves by at most half a pixel step; every activation
        // range by little (measured: see the printout).
        CalibrationData fromNpy, fromImages;
        fromNpy.samples = head;
        fromImages.samples = read->samples;
        QuantConfig config;
        config.threads = 2;
        auto qNpy = quantizeModel(*graph, config, &fromNpy);
        auto qImages = quantizeModel(*graph, config, &fromImages);
        QVERIFY2(qNpy && qImages, (qNpy ? qImages : qNpy).message().c_str());
        QCOMPARE(qNpy->activationRanges.size(), qImages->activationRanges.size());
        const std::string input = graph->value(graph->inputs()[0]).name;
        double worstRelative = 0;
        for (const auto& [name, a] : qNpy->activationRanges) {
            const ClipRange& b = qImages->activationRanges.at(name);
            if (name == input) {
                QVERIFY(std::abs(a.lo - b.lo) <= pixelStep + 1e-6);
                QVERIFY(std::abs(a.hi - b.hi) <= pixelStep + 1e-6);
            }
            const double width = std::max(1e-6, double(a.hi) - double(a.lo));
            worstRelative = std::max({worstRelative, std::abs(double(a.lo - b.lo)) / width,
                                      std::abs(double(a.hi - b.hi)) / width});
        }
        qInfo("activation ranges: worst |difference| / range width = %.4f", worstRelative);
        QVERIFY2(worstRelative < 0.02, qPrintable(QString::number(worstRelative)));

        // The GUI's run from the folder (read on the worker) is the run from the .npy of the
        // hand-normalised pixels, bit for bit, and close to the run from the original .npy: the
        // inputs differ by up to half a pixel step, and the SQNR of 16 samples moves with its
        // inputs (measured: 34.14 dB from the .npy, 34.76 dB from the PNGs).
        QuantRunRequest request;
        request.graph = graph;
        request.config.threads = 2;
        request.analyses = false;
        request.maxEvalSamples = n;
        request.calibrationPath = npyPath;
        CancelFlag progress;
        const QuantRunResult a = QuantRunner::run(request, progress);
        request.calibrationPath = images;
        request.imageOptions = options;
        const QuantRunResult b = QuantRunner::run(request, progress);
        request.calibrationPath = roundedPath;
        const QuantRunResult c = QuantRunner::run(request, progress);
        QVERIFY2(a.ok, qPrintable(a.error));
        QVERIFY2(b.ok, qPrintable(b.error));
        QVERIFY2(c.ok, qPrintable(c.error));
        QCOMPARE(b.outputSqnrDb, c.outputSqnrDb);
        QCOMPARE(b.agreement, c.agreement);
        int layersMeasured = 0;
        for (auto it = c.layers.cbegin(); it != c.layers.cend(); ++it) {
            if (std::isnan(it->sqnrDb)) continue;
            QCOMPARE(b.layers.value(it.key()).sqnrDb, it->sqnrDb);
            ++layersMeasured;
        }
        QVERIFY(layersMeasured > 10);
        QCOMPARE(b.calibrationSamples, n);
        QCOMPARE(b.evalSamples, a.evalSamples);
        QVERIFY(b.notes.join(QLatin1Char('\n')).contains(QStringLiteral("16 of 16 image(s)")));
        qInfo("output SQNR: .npy %.3f dB, PNG folder %.3f dB; agreement %.4f / %.4f",
              a.outputSqnrDb, b.outputSqnrDb, a.agreement, b.agreement);
        QVERIFY(std::abs(a.outputSqnrDb - b.outputSqnrDb) < 1.5);
        QCOMPARE(b.agreement, a.agreement);
    }

    // A folder that cannot be read fails the run with the file named; a cancel before the
    // first image is a cancel, not an error.
    void runFailsAndCancelsOnImages() {
        auto imported = importOnnxFile(kDigits.toStdString());
        QVERIFY2(imported, imported.message().c_str());
        QTemporaryDir dir;
        QFile bad(dir.filePath(QStringLiteral("x.png")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("garbage");
        bad.close();
        QuantRunRequest request;
        request.graph = std::make_shared<const Graph>(std::move(imported).value());
        request.analyses = false;
        request.calibrationPath = dir.path();
        CancelFlag progress;
        QuantRunResult r = QuantRunner::run(request, progress);
        QVERIFY(!r.ok && !r.cancelled);
        QVERIFY2(r.error.contains(QStringLiteral("x.png")) && !r.error.contains(QLatin1Char('\n')),
                 qPrintable(r.error));
        progress.cancel();
        r = QuantRunner::run(request, progress);
        QVERIFY(r.cancelled);
    }
};

QTEST_MAIN(ImageFolderTest)
#include "image_folder_test.moc"
