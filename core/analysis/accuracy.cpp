#include "analysis/accuracy.h"

#include <cmath>
#include <limits>

namespace qs {

double sqnrDb(const Tensor& reference, const Tensor& test) {
    const auto r = reference.toFloatVector(), t = test.toFloatVector();
    double signal = 0, noise = 0;
    for (size_t i = 0; i < r.size() && i < t.size(); ++i) {
        signal += double(r[i]) * double(r[i]);
        const double d = double(r[i]) - double(t[i]);
        noise += d * d;
    }
    if (noise == 0) return std::numeric_limits<double>::infinity();
    if (signal == 0) return -std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(signal / noise);
}

double cosineSimilarity(const Tensor& reference, const Tensor& test) {
    const auto r = reference.toFloatVector(), t = test.toFloatVector();
    double dot = 0, nr = 0, nt = 0;
    for (size_t i = 0; i < r.size() && i < t.size(); ++i) {
        dot += double(r[i]) * double(t[i]);
        nr += double(r[i]) * double(r[i]);
        nt += double(t[i]) * double(t[i]);
    }
    if (nr == 0 || nt == 0) return nr == nt ? 1.0 : 0.0;
    return dot / std::sqrt(nr * nt);
}

namespace {
std::vector<int64_t> argmaxRows(const Tensor& logits) {
    const int64_t n = logits.dim(0), c = logits.numel() / std::max<int64_t>(n, 1);
    const auto v = logits.toFloatVector();
    std::vector<int64_t> out(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        int64_t best = 0;
        for (int64_t j = 1; j < c; ++j)
            if (v[size_t(i * c + j)] > v[size_t(i * c + best)]) best = j;
        out[size_t(i)] = best;
    }
    return out;
}
} // namespace

Result<AccuracyResult> compareClassifiers(const Tensor& fp32Logits, const Tensor& quantLogits,
                                          const Tensor* labels) {
    if (fp32Logits.shape() != quantLogits.shape())
        return makeError(ErrorCode::ShapeMismatch,
                         "outputs differ in shape: ", shapeToString(fp32Logits.shape()), " vs ",
                         shapeToString(quantLogits.shape()));
    if (fp32Logits.rank() < 1 || fp32Logits.dim(0) < 1)
        return makeError(ErrorCode::InvalidArgument, "no samples");
    AccuracyResult r;
    r.samples = fp32Logits.dim(0);
    const auto a = argmaxRows(fp32Logits), b = argmaxRows(quantLogits);
    int64_t agree = 0;
    for (size_t i = 0; i < a.size(); ++i) agree += a[i] == b[i];
    r.agreement = double(agree) / double(r.samples);
    r.sqnrDb = sqnrDb(fp32Logits, quantLogits);
    if (labels) {
        if (labels->numel() != r.samples)
            return makeError(ErrorCode::ShapeMismatch, "labels hold ", labels->numel(),
                             " values for ", r.samples, " samples");
        const auto y = labels->toInt64Vector();
        int64_t ca = 0, cb = 0;
        for (size_t i = 0; i < y.size(); ++i) {
            ca += a[i] == y[i];
            cb += b[i] == y[i];
        }
        r.fp32Top1 = double(ca) / double(r.samples);
        r.top1 = double(cb) / double(r.samples);
    }
    return r;
}

} // namespace qs
