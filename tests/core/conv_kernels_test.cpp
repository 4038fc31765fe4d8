// The convolution-family kernels against plain loops in double precision:
// - the depthwise kernel on every path this CPU has (rows per path);
// - the Conv, ConvTranspose, Gemm, MatMul and pooling ops through their OpDefs, with constant
//   (pre-packed) and non-constant weights, one and three threads; these use the best path,
//   and ctest runs this executable again with QUANTSCOPE_CPU=generic and =avx2.
//
// Tolerance: an output that is a sum of K products is within 2·(K+2)·eps·Σ|w·x| of the exact
// value (eps = 2^-24; +2 for bias and accumulate), as for any fp32 dot product.
#include "exec/node_runner.h"
#include "kernels/depthwise_conv.h"
#include "ops/op_registry.h"
#include "util/thread_pool.h"

#include <QTest>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace qs;

namespace {

const double kEps = std::ldexp(1.0, -24);

std::vector<float> randomVector(size_t n, std::mt19937& rng) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

Tensor randomTensor(const Shape& shape, std::mt19937& rng) {
    return Tensor::fromVector<float>(shape, randomVector(size_t(numelOf(shape)), rng));
}

// Expected values with per-element error bounds.
struct Expected {
    std::vector<double> value;
    std::vector<double> bound;
};

QString compare(const Tensor& actual, const Expected& e) {
    if (size_t(actual.numel()) != e.value.size())
        return QStringLiteral("size %1, expected %2").arg(actual.numel()).arg(e.value.size());
    const float* a = actual.data<float>();
    for (size_t i = 0; i < e.value.size(); ++i) {
        const double err = std::abs(double(a[i]) - e.value[i]);
        if (!(err <= e.bound[i]))
            return QStringLiteral("element %1: got %2, expected %3 (bound %4)")
                .arg(i)
                .arg(double(a[i]), 0, 'g', 9)
                .arg(e.value[i], 0, 'g', 9)
                .arg(e.bound[i], 0, 'g', 3);
    }
    return {};
}

Attribute ints(std::vector<int64_t> v) {
    Attribute a;
    a.kind = Attribute::Kind::Ints;
    a.ints = std::move(v);
    return a;
}

Attribute integer(int64_t v) {
    Attribute a;
    a.kind = Attribute::Kind::Int;
    a.i = v;
    return a;
}

Attribute real(float v) {
    Attribute a;
    a.kind = Attribute::Kind::Float;
    a.f = v;
    return a;
}

Attribute text(std::string v) {
    Attribute a;
    a.kind = Attribute::Kind::String;
    a.s = std::move(v);
    return a;
}

Node makeNode(const std::string& op, int inputs, int outputs = 1) {
    Node n;
    n.name = "n";
    n.opType = op;
    for (int i = 0; i < inputs; ++i) n.inputs.push_back(i);
    for (int i = 0; i < outputs; ++i) n.outputs.push_back(inputs + i);
    return n;
}

// Runs one node: infer, create (constInputs marks which inputs the kernel may pre-pack), run.
Result<std::vector<Tensor>> runOp(const Node& node, const std::vector<const Tensor*>& inputs,
                                  const std::vector<bool>& constant, int threads,
                                  int64_t opset = 17) {
    const OpDef* op = findOp("", node.opType);
    if (!op) return Error(ErrorCode::NotFound, "no op " + node.opType);
    QS_ASSIGN(std::vector<TensorInfo> outInfos, inferNodeOutputs(*op, node, opset, inputs));
    std::vector<TensorInfo> infos(inputs.size());
    std::vector<const TensorInfo*> infoPtrs(inputs.size(), nullptr);
    std::vector<const Tensor*> consts(inputs.size(), nullptr);
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (!inputs[i]) continue;
        infos[i] = TensorInfo{inputs[i]->dtype(), inputs[i]->shape(), true};
        infoPtrs[i] = &infos[i];
        if (i < constant.size() && constant[i]) consts[i] = inputs[i];
    }
    ThreadPool pool(threads);
    std::unique_ptr<OpKernel> kernel;
    if (op->create) {
        QS_ASSIGN(kernel, op->create(KernelInit{node, opset, consts, infoPtrs}));
    }
    // Run twice: a prepared kernel must give the same result on every run.
    std::vector<Tensor> first;
    for (int rep = 0; rep < 2; ++rep) {
        KernelContext ctx(node, opset, inputs, outInfos, pool);
        if (kernel)
            QS_TRY(kernel->run(ctx));
        else
            QS_TRY(op->compute(ctx));
        QS_TRY(checkKernelOutputs(node, outInfos, ctx.outputs()));
        if (rep == 0) {
            first = ctx.outputs();
            for (Tensor& t : first) t = t.clone();
        } else if (std::memcmp(first[0].rawData(), ctx.outputs()[0].rawData(),
                               first[0].byteSize()) != 0) {
            return Error(ErrorCode::Internal, "second run differs from the first");
        }
    }
    return first;
}

// --- references ---------------------------------------------------------------------------

struct ConvCase {
    Shape x, w; // N, C, spatial... / M, C/g, kernel...
    int64_t group = 1;
    std::vector<int64_t> strides, dilations, pads; // empty = defaults
    std::string autoPad;
    bool bias = true;
    float clampLo = -INFINITY, clampHi = INFINITY;
};

// Forward window output size and begin pad per dim (NOTSET or SAME_*), as ONNX defines them.
void convGeometry(const ConvCase& c, std::vector<int64_t>& out, std::vector<int64_t>& padBegin) {
    const size_t r = c.x.size() - 2;
    out.assign(r, 0);
    padBegin.assign(r, 0);
    for (size_t i = 0; i < r; ++i) {
        const int64_t in = c.x[i + 2], k = c.w[i + 2];
        const int64_t s = c.strides.empty() ? 1 : c.strides[i],
                      d = c.dilations.empty() ? 1 : c.dilations[i];
        const int64_t ext = (k - 1) * d + 1;
        if (c.autoPad == "SAME_UPPER" || c.autoPad == "SAME_LOWER") {
            out[i] = (in + s - 1) / s;
            const int64_t total = std::max<int64_t>(0, (out[i] - 1) * s + ext - in);
            padBegin[i] = c.autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
        } else {
            const int64_t pb = c.pads.empty() ? 0 : c.pads[i],
                          pe = c.pads.empty() ? 0 : c.pads[i + r];
            padBegin[i] = pb;
            out[i] = (in + pb + pe - ext) / s + 1;
        }
    }
}

Expected convReference(const ConvCase& c, const Tensor& x, const Tensor& w, const Tensor* b) {
    std::vector<int64_t> out, pb;
    convGeometry(c, out, pb);
    const size_t r = out.size();
    // Pad to 3 spatial dims.
    int64_t in3[3] = {1, 1, 1}, out3[3] = {1, 1, 1}, k3[3] = {1, 1, 1}, s3[3] = {1, 1, 1},
            d3[3] = {1, 1, 1}, p3[3] = {0, 0, 0};
    for (size_t i = 0; i < r; ++i) {
        const size_t j = 3 - r + i;
        in3[j] = c.x[i + 2];
        out3[j] = out[i];
        k3[j] = c.w[i + 2];
        s3[j] = c.strides.empty() ? 1 : c.strides[i];
        d3[j] = c.dilations.empty() ? 1 : c.dilations[i];
        p3[j] = pb[i];
    }
    const int64_t n = c.x[0], cin = c.x[1], m = c.w[0], cg = cin / c.group, mg = m / c.group;
    const float* xd = x.data<float>();
    const float* wd = w.data<float>();
    Expected e;
    const int64_t kSize = cg * k3[0] * k3[1] * k3[2];
    for (int64_t b0 = 0; b0 < n; ++b0)
        for (int64_t oc = 0; oc < m; ++oc)
            for (int64_t o0 = 0; o0 < out3[0]; ++o0)
                for (int64_t o1 = 0; o1 < out3[1]; ++o1)
                    for (int64_t o2 = 0; o2 < out3[2]; ++o2) {
                        double sum = b ? b->data<float>()[oc] : 0.0, mag = std::abs(sum);
                        const int64_t g = oc / mg;
                        for (int64_t ic = 0; ic < cg; ++ic)
                            for (int64_t q0 = 0; q0 < k3[0]; ++q0)
                                for (int64_t q1 = 0; q1 < k3[1]; ++q1)
                                    for (int64_t q2 = 0; q2 < k3[2]; ++q2) {
                                        const int64_t i0 = o0 * s3[0] - p3[0] + q0 * d3[0];
                                        const int64_t i1 = o1 * s3[1] - p3[1] + q1 * d3[1];
                                        const int64_t i2 = o2 * s3[2] - p3[2] + q2 * d3[2];
                                        if (i0 < 0 || i0 >= in3[0] || i1 < 0 || i1 >= in3[1] ||
                                            i2 < 0 || i2 >= in3[2])
                                            continue;
                                        const double xv =
                                            xd[(((b0 * cin + g * cg + ic) * in3[0] + i0) * in3[1] +
                                                i1) *
                                                   in3[2] +
                                               i2];
                                        const double wv =
                                            wd[(((oc * cg + ic) * k3[0] + q0) * k3[1] + q1) *
                                                   k3[2] +
                                               q2];
                                        sum += xv * wv;
                                        mag += std::abs(xv * wv);
                                    }
                        sum = std::min<double>(std::max<double>(sum, c.clampLo), c.clampHi);
                        e.value.push_back(sum);
                        e.bound.push_back(2.0 * double(kSize + 2) * kEps * mag + 1e-30);
                    }
    return e;
}

Node convNode(const ConvCase& c) {
    Node node = makeNode("Conv", c.bias ? 3 : 2);
    if (c.group != 1) node.attributes["group"] = integer(c.group);
    if (!c.strides.empty()) node.attributes["strides"] = ints(c.strides);
    if (!c.dilations.empty()) node.attributes["dilations"] = ints(c.dilations);
    if (!c.pads.empty()) node.attributes["pads"] = ints(c.pads);
    if (!c.autoPad.empty()) node.attributes["auto_pad"] = text(c.autoPad);
    if (c.clampLo > -INFINITY) node.attributes["qs_clip_min"] = real(c.clampLo);
    if (c.clampHi < INFINITY) node.attributes["qs_clip_max"] = real(c.clampHi);
    return node;
}

void checkConv(const ConvCase& c, uint32_t seed) {
    std::mt19937 rng(seed);
    const Tensor x = randomTensor(c.x, rng);
    const Tensor w = randomTensor(c.w, rng);
    const Tensor b = randomTensor({c.w[0]}, rng);
    const Expected e = convReference(c, x, w, c.bias ? &b : nullptr);
    const Node node = convNode(c);
    std::vector<const Tensor*> inputs{&x, &w};
    if (c.bias) inputs.push_back(&b);
    for (bool constWeights : {true, false})
        for (int threads : {1, 3}) {
            auto out = runOp(node, inputs, {false, constWeights, constWeights}, threads);
            QVERIFY2(out.isOk(), out.message().c_str());
            const QString err = compare((*out)[0], e);
            QVERIFY2(err.isEmpty(),
                     qPrintable(QStringLiteral("Conv x%1 w%2 group %3 const %4 threads %5: %6")
                                    .arg(QString::fromStdString(shapeToString(c.x)))
                                    .arg(QString::fromStdString(shapeToString(c.w)))
                                    .arg(c.group)
                                    .arg(constWeights)
                                    .arg(threads)
                                    .arg(err)));
        }
}

// ConvTranspose reference: scatter every input element through the kernel.
struct ConvTransposeCase {
    Shape x, w; // N, C, spatial / C, M/g, kernel
    int64_t group = 1;
    std::vector<int64_t> strides, dilations, pads, outputPadding;
};

Expected convTransposeReference(const ConvTransposeCase& c, const Tensor& x, const Tensor& w,
                                const Tensor& b, Shape& outShape) {
    const size_t r = c.x.size() - 2;
    int64_t in3[3] = {1, 1, 1}, out3[3] = {1, 1, 1}, k3[3] = {1, 1, 1}, s3[3] = {1, 1, 1},
            d3[3] = {1, 1, 1}, p3[3] = {0, 0, 0};
    outShape = {c.x[0], c.w[1] * c.group};
    for (size_t i = 0; i < r; ++i) {
        const size_t j = 3 - r + i;
        in3[j] = c.x[i + 2];
        k3[j] = c.w[i + 2];
        s3[j] = c.strides.empty() ? 1 : c.strides[i];
        d3[j] = c.dilations.empty() ? 1 : c.dilations[i];
        p3[j] = c.pads.empty() ? 0 : c.pads[i];
        const int64_t pe = c.pads.empty() ? 0 : c.pads[i + r];
        const int64_t op = c.outputPadding.empty() ? 0 : c.outputPadding[i];
        out3[j] = s3[j] * (in3[j] - 1) + op + (k3[j] - 1) * d3[j] + 1 - p3[j] - pe;
        outShape.push_back(out3[j]);
    }
    const int64_t n = c.x[0], cin = c.x[1], cg = cin / c.group, mg = c.w[1], m = mg * c.group;
    const int64_t outPlane = out3[0] * out3[1] * out3[2];
    std::vector<double> sum(size_t(n * m * outPlane)), mag(sum.size());
    for (int64_t b0 = 0; b0 < n; ++b0)
        for (int64_t oc = 0; oc < m; ++oc)
            for (int64_t o = 0; o < outPlane; ++o) {
                sum[size_t((b0 * m + oc) * outPlane + o)] = b.data<float>()[oc];
                mag[size_t((b0 * m + oc) * outPlane + o)] = std::abs(b.data<float>()[oc]);
            }
    for (int64_t b0 = 0; b0 < n; ++b0)
        for (int64_t ic = 0; ic < cin; ++ic) {
            const int64_t g = ic / cg;
            for (int64_t i0 = 0; i0 < in3[0]; ++i0)
                for (int64_t i1 = 0; i1 < in3[1]; ++i1)
                    for (int64_t i2 = 0; i2 < in3[2]; ++i2) {
                        const double xv = x.data<
                            float>()[(((b0 * cin + ic) * in3[0] + i0) * in3[1] + i1) * in3[2] + i2];
                        for (int64_t mo = 0; mo < mg; ++mo)
                            for (int64_t q0 = 0; q0 < k3[0]; ++q0)
                                for (int64_t q1 = 0; q1 < k3[1]; ++q1)
                                    for (int64_t q2 = 0; q2 < k3[2]; ++q2) {
                                        const int64_t o0 = i0 * s3[0] - p3[0] + q0 * d3[0];
                                        const int64_t o1 = i1 * s3[1] - p3[1] + q1 * d3[1];
                                        const int64_t o2 = i2 * s3[2] - p3[2] + q2 * d3[2];
                                        if (o0 < 0 || o0 >= out3[0] || o1 < 0 || o1 >= out3[1] ||
                                            o2 < 0 || o2 >= out3[2])
                                            continue;
                                        const double wv =
                                            w.data<float>()[(((ic * mg + mo) * k3[0] + q0) * k3[1] +
                                                             q1) *
                                                                k3[2] +
                                                            q2];
                                        const size_t at =
                                            size_t((b0 * m + g * mg + mo) * outPlane +
                                                   (o0 * out3[1] + o1) * out3[2] + o2);
                                        sum[at] += xv * wv;
                                        mag[at] += std::abs(xv * wv);
                                    }
                    }
        }
    Expected e;
    e.value = sum;
    const int64_t terms = cg * k3[0] * k3[1] * k3[2] + 2;
    for (double mg2 : mag) e.bound.push_back(2.0 * double(terms) * kEps * mg2 + 1e-30);
    return e;
}

} // namespace

class ConvKernelsTest : public QObject {
    Q_OBJECT

private slots:
    void depthwise_data() {
        QTest::addColumn<int>("path");
        for (SimdPath p : {SimdPath::Generic, SimdPath::Avx2, SimdPath::Avx512})
            if (simdPathSupported(p)) QTest::newRow(simdPathName(p)) << int(p);
    }

    // The direct kernel against the plain loop: kernel 3 and 5, strides 1 and 2 per axis, pads
    // 0..3 (also asymmetric through the output size), widths around the vector sizes.
    void depthwise() {
        QFETCH(int, path);
        std::mt19937 rng(11);
        int cases = 0;
        for (int k : {3, 5})
            for (int sh : {1, 2})
                for (int sw : {1, 2})
                    for (int pad : {0, 1, 2, 3})
                        for (int64_t inW : {1, 2, 5, 7, 16, 17, 33, 40, 71})
                            for (int64_t inH : {1, 6}) {
                                DepthwiseConvParams p;
                                p.batch = 2;
                                p.channels = 3;
                                p.inH = inH;
                                p.inW = inW;
                                p.kernelH = p.kernelW = k;
                                p.strideH = sh;
                                p.strideW = sw;
                                p.padTop = pad;
                                p.padLeft = pad;
                                // End padding: pad, or one less (asymmetric).
                                const int64_t padEnd = std::max(0, pad - int(inW % 2));
                                if (inH + 2 * pad < k || inW + pad + padEnd < k) continue;
                                p.outH = (inH + 2 * pad - k) / sh + 1;
                                p.outW = (inW + pad + padEnd - k) / sw + 1;
                                const bool clamp = (cases % 3) == 0;
                                if (clamp) p.clampMin = -0.5f, p.clampMax = 0.75f;
                                const bool withBias = (cases % 2) == 0;
                                ++cases;
                                QVERIFY(depthwiseConvSupported(p));
                                const std::vector<float> x =
                                    randomVector(size_t(p.batch * p.channels * inH * inW), rng);
                                const std::vector<float> w =
                                    randomVector(size_t(p.channels * k * k), rng);
                                const std::vector<float> b = randomVector(size_t(p.channels), rng);
                                // Canaries after the output catch writes past the end.
                                std::vector<float> y(
                                    size_t(p.batch * p.channels * p.outH * p.outW) + 16, 1234.5f);
                                ThreadPool pool(cases % 2 ? 1 : 2);
                                depthwiseConv2d(SimdPath(path), x.data(), w.data(),
                                                withBias ? b.data() : nullptr, y.data(), p, &pool);
                                for (size_t i = y.size() - 16; i < y.size(); ++i)
                                    QCOMPARE(y[i], 1234.5f);
                                for (int64_t pl = 0; pl < p.batch * p.channels; ++pl) {
                                    const int64_t c = pl % p.channels;
                                    for (int64_t oy = 0; oy < p.outH; ++oy)
                                        for (int64_t ox = 0; ox < p.outW; ++ox) {
                                            double sum = withBias ? b[size_t(c)] : 0.0,
                                                   mag = std::abs(sum);
                                            for (int ky = 0; ky < k; ++ky)
                                                for (int kx = 0; kx < k; ++kx) {
                                                    const int64_t iy = oy * sh - pad + ky,
                                                                  ix = ox * sw - pad + kx;
                                                    if (iy < 0 || iy >= inH || ix < 0 || ix >= inW)
                                                        continue;
                                                    const double t =
                                                        double(w[size_t(c * k * k + ky * k + kx)]) *
                                                        x[size_t((pl * inH + iy) * inW + ix)];
                                                    sum += t;
                                                    mag += std::abs(t);
                                                }
                                            if (clamp) sum = std::min(0.75, std::max(-0.5, sum));
                                            const float got =
                                                y[size_t((pl * p.outH + oy) * p.outW + ox)];
                                            if (!(std::abs(got - sum) <=
                                                  2.0 * (k * k + 2) * kEps * mag + 1e-30))
                                                QFAIL(qPrintable(
                                                    QStringLiteral("k%1 s%2x%3 pad %4 in %5x%6 at "
                                                                   "(%7,%8,%9): got %10, "
                                                                   "expected %11")
                                                        .arg(k)
                                                        .arg(sh)
                                                        .arg(sw)
                                                        .arg(pad)
                                                        .arg(inH)
                                                        .arg(inW)
                                                        .arg(pl)
                                                        .arg(oy)
                                                        .arg(ox)
                                                        .arg(double(got))
                                                        .arg(sum)));
                                        }
                                }
                            }
        QVERIFY(cases > 100);
    }

    void conv_data() {
        QTest::addColumn<int>("index");
        for (int i = 0; i < 18; ++i)
            QTest::newRow(qPrintable(QStringLiteral("case%1").arg(i))) << i;
    }

    // Every Conv code path: pointwise GEMM, im2col GEMM, grouped, depthwise direct and
    // depthwise through the GEMM (dilation, multiplier), 1-D, 3-D, auto_pad, fused clamp.
    void conv() {
        QFETCH(int, index);
        const ConvCase cases[] = {
            {{1, 16, 7, 9}, {13, 16, 1, 1}},                         // pointwise
            {{2, 5, 11, 6}, {7, 5, 1, 1}, 1, {}, {}, {}, "", false}, // pointwise, batch, no bias
            {{1, 3, 13, 17}, {8, 3, 3, 3}, 1, {2, 2}, {}, {1, 1, 1, 1}},    // first-layer style
            {{1, 4, 9, 10}, {6, 4, 3, 2}, 1, {1, 3}, {2, 1}, {2, 0, 1, 3}}, // dilation, asym pads
            {{2, 6, 8, 8}, {9, 2, 3, 3}, 3, {1, 1}, {}, {1, 1, 1, 1}},      // groups
            {{1, 8, 15, 15}, {8, 1, 3, 3}, 8, {1, 1}, {}, {1, 1, 1, 1}},    // depthwise direct
            {{2, 6, 14, 19}, {6, 1, 5, 5}, 6, {2, 2}, {}, {2, 2, 2, 2}},    // depthwise 5x5 s2
            {{1, 4, 9, 9}, {4, 1, 3, 3}, 4, {1, 1}, {2, 2}, {2, 2, 2, 2}},  // depthwise, dilation 2
            {{1, 3, 9, 9}, {6, 1, 3, 3}, 3, {1, 1}, {}, {1, 1, 1, 1}}, // depthwise multiplier 2
            {{1, 4, 10, 7}, {4, 1, 3, 3}, 4, {2, 1}, {}, {}, "SAME_UPPER"}, // depthwise SAME_UPPER
            {{1, 3, 10, 7}, {5, 3, 4, 3}, 1, {3, 2}, {}, {}, "SAME_LOWER"}, // SAME_LOWER
            {{1, 3, 10, 7}, {5, 3, 2, 2}, 1, {2, 2}, {}, {}, "VALID"},      // VALID
            {{2, 3, 20}, {4, 3, 3}, 1, {2}, {2}, {1, 2}},                   // 1-D
            {{1, 2, 5, 6, 7}, {3, 2, 3, 2, 3}, 1, {1, 2, 1}, {1, 1, 2}, {1, 0, 1, 1, 1, 0}}, // 3-D
            {{1, 6, 9, 9},
             {6, 3, 3, 3},
             2,
             {1, 1},
             {},
             {1, 1, 1, 1},
             "",
             true,
             0.0f,
             6.0f},                                                           // fused Relu6
            {{1, 32, 12, 12}, {40, 32, 1, 1}, 1, {}, {}, {}, "", true, 0.0f}, // pointwise + Relu
            {{1, 70, 5, 5}, {50, 70, 3, 3}, 1, {1, 1}, {}, {1, 1, 1, 1}},     // K across blocks
            {{1, 8, 4, 4},
             {8, 1, 3, 3},
             8,
             {1, 1},
             {},
             {1, 1, 1, 1},
             "",
             true,
             -0.1f,
             0.1f}, // dw + clamp
        };
        checkConv(cases[index], 1000 + uint32_t(index));
    }

    void convErrors() {
        std::mt19937 rng(3);
        const Tensor x = randomTensor({1, 4, 5, 5}, rng);
        const Tensor w = randomTensor({6, 3, 3, 3}, rng); // 3 input channels, x has 4
        auto r = runOp(makeNode("Conv", 2), {&x, &w}, {false, true}, 1);
        QVERIFY(!r.isOk());
        QVERIFY2(r.message().find("channels") != std::string::npos, r.message().c_str());
        const Tensor x4 = randomTensor({1, 1, 2, 2, 2, 2}, rng),
                     w4 = randomTensor({1, 1, 1, 1, 1, 1}, rng);
        auto r4 = runOp(makeNode("Conv", 2), {&x4, &w4}, {false, true}, 1);
        QVERIFY(!r4.isOk());
        QVERIFY2(r4.message().find("at most 3") != std::string::npos, r4.message().c_str());
        const Tensor small = randomTensor({1, 3, 2, 2}, rng);
        auto r5 = runOp(makeNode("Conv", 2), {&small, &w}, {false, true}, 1);
        QVERIFY(!r5.isOk());
        QVERIFY2(r5.message().find("smaller than the window") != std::string::npos,
                 r5.message().c_str());
    }

    void convTranspose_data() {
        QTest::addColumn<int>("index");
        for (int i = 0; i < 6; ++i) QTest::newRow(qPrintable(QStringLiteral("case%1").arg(i))) << i;
    }

    void convTranspose() {
        QFETCH(int, index);
        const ConvTransposeCase cases[] = {
            {{1, 3, 4, 5}, {3, 2, 3, 3}},
            {{2, 4, 5, 3}, {4, 3, 3, 2}, 2, {2, 3}, {}, {1, 0, 0, 1}, {1, 2}},
            {{1, 2, 6, 6}, {2, 5, 4, 4}, 1, {2, 2}, {2, 1}, {1, 1, 1, 1}},
            {{1, 3, 7}, {3, 2, 3}, 1, {3}, {}, {0, 2}, {1}},
            {{1, 2, 3, 4, 3}, {2, 2, 2, 3, 2}, 1, {1, 2, 2}, {1, 1, 2}, {0, 1, 0, 0, 1, 1}},
            {{1, 40, 6, 6}, {40, 33, 2, 2}, 1, {2, 2}},
        };
        const ConvTransposeCase& c = cases[index];
        std::mt19937 rng(2000 + uint32_t(index));
        const Tensor x = randomTensor(c.x, rng);
        const Tensor w = randomTensor(c.w, rng);
        const Tensor b = randomTensor({c.w[1] * c.group}, rng);
        Shape outShape;
        const Expected e = convTransposeReference(c, x, w, b, outShape);
        Node node = makeNode("ConvTranspose", 3);
        if (c.group != 1) node.attributes["group"] = integer(c.group);
        if (!c.strides.empty()) node.attributes["strides"] = ints(c.strides);
        if (!c.dilations.empty()) node.attributes["dilations"] = ints(c.dilations);
        if (!c.pads.empty()) node.attributes["pads"] = ints(c.pads);
        if (!c.outputPadding.empty()) node.attributes["output_padding"] = ints(c.outputPadding);
        for (bool constWeights : {true, false})
            for (int threads : {1, 2}) {
                auto out = runOp(node, {&x, &w, &b}, {false, constWeights, true}, threads);
                QVERIFY2(out.isOk(), out.message().c_str());
                QCOMPARE((*out)[0].shape(), outShape);
                const QString err = compare((*out)[0], e);
                QVERIFY2(err.isEmpty(), qPrintable(err));
            }
    }

    void gemm_data() {
        QTest::addColumn<int>("m");
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("k");
        QTest::addColumn<bool>("transA");
        QTest::addColumn<bool>("transB");
        QTest::addColumn<QString>("cShape"); // "", "n", "m1", "mn", "1"
        QTest::addColumn<float>("alpha");
        QTest::addColumn<float>("beta");
        QTest::newRow("fc") << 1 << 1000 << 320 << false << true << "n" << 1.0f << 1.0f;
        QTest::newRow("batch fc") << 5 << 37 << 64 << false << true << "n" << 1.0f << 1.0f;
        QTest::newRow("plain") << 13 << 29 << 17 << false << false << "" << 1.0f << 1.0f;
        QTest::newRow("transA") << 13 << 29 << 17 << true << false << "mn" << 0.5f << 2.0f;
        QTest::newRow("both") << 31 << 7 << 300 << true << true << "m1" << -1.5f << 1.0f;
        QTest::newRow("scalar C") << 9 << 40 << 3 << false << false << "1" << 1.0f << 0.25f;
        QTest::newRow("col bias beta") << 9 << 40 << 3 << false << true << "n" << 2.0f << 3.0f;
        // Up to 4 rows with a constant B run unpacked (dot products / row updates).
        QTest::newRow("gemv rows") << 3 << 50 << 21 << false << false << "m1" << 0.75f << 1.0f;
        QTest::newRow("gemv transA") << 2 << 33 << 70 << true << true << "mn" << 1.0f << 0.5f;
        QTest::newRow("gemv 4 rows") << 4 << 1000 << 13 << false << true << "1" << -1.0f << 2.0f;
    }

    void gemm() {
        QFETCH(int, m);
        QFETCH(int, n);
        QFETCH(int, k);
        QFETCH(bool, transA);
        QFETCH(bool, transB);
        QFETCH(QString, cShape);
        QFETCH(float, alpha);
        QFETCH(float, beta);
        std::mt19937 rng(uint32_t(m * 131 + n * 7 + k));
        const Tensor a = randomTensor(transA ? Shape{k, m} : Shape{m, k}, rng);
        const Tensor b = randomTensor(transB ? Shape{n, k} : Shape{k, n}, rng);
        Shape cs;
        if (cShape == "n") cs = {n};
        if (cShape == "m1") cs = {m, 1};
        if (cShape == "mn") cs = {m, n};
        if (cShape == "1") cs = {1};
        const Tensor c = randomTensor(cs, rng);
        Expected e;
        for (int i = 0; i < m; ++i)
            for (int j = 0; j < n; ++j) {
                double sum = 0, mag = 0;
                for (int q = 0; q < k; ++q) {
                    const double av = a.data<float>()[transA ? q * m + i : i * k + q];
                    const double bv = b.data<float>()[transB ? j * k + q : q * n + j];
                    sum += double(alpha) * av * bv;
                    mag += std::abs(double(alpha) * av * bv);
                }
                if (!cShape.isEmpty()) {
                    const int64_t ci = cShape == "n"    ? j
                                       : cShape == "m1" ? i
                                       : cShape == "mn" ? i * n + j
                                                        : 0;
                    sum += double(beta) * c.data<float>()[ci];
                    mag += std::abs(double(beta) * c.data<float>()[ci]);
                }
                e.value.push_back(sum);
                e.bound.push_back(2.0 * double(k + 3) * kEps * mag + 1e-30);
            }
        Node node = makeNode("Gemm", cShape.isEmpty() ? 2 : 3);
        node.attributes["transA"] = integer(transA);
        node.attributes["transB"] = integer(transB);
        node.attributes["alpha"] = real(alpha);
        node.attributes["beta"] = real(beta);
        std::vector<const Tensor*> inputs{&a, &b};
        if (!cShape.isEmpty()) inputs.push_back(&c);
        for (int constMask : {0, 1, 2}) // nothing constant, B constant, A constant
            for (int threads : {1, 2}) {
                auto out = runOp(node, inputs, {constMask == 2, constMask == 1, true}, threads);
                QVERIFY2(out.isOk(), out.message().c_str());
                QCOMPARE((*out)[0].shape(), (Shape{m, n}));
                const QString err = compare((*out)[0], e);
                QVERIFY2(err.isEmpty(), qPrintable(err));
            }
    }

    void matmul_data() {
        QTest::addColumn<QString>("a");
        QTest::addColumn<QString>("b");
        QTest::addColumn<QString>("y");
        QTest::newRow("2d") << "7,13"
                            << "13,9"
                            << "7,9";
        QTest::newRow("batched A, 2-D B") << "2,3,7,13"
                                          << "13,33"
                                          << "2,3,7,33";
        QTest::newRow("broadcast batch") << "2,1,5,6"
                                         << "3,6,4"
                                         << "2,3,5,4";
        QTest::newRow("1-D A") << "6"
                               << "2,6,5"
                               << "2,5";
        QTest::newRow("1-D B") << "4,3,6"
                               << "6"
                               << "4,3";
        QTest::newRow("1-D both") << "6"
                                  << "6"
                                  << "";
        QTest::newRow("many batches") << "9,4,5"
                                      << "9,5,3"
                                      << "9,4,3";
    }

    void matmul() {
        QFETCH(QString, a);
        QFETCH(QString, b);
        QFETCH(QString, y);
        auto parse = [](const QString& s) {
            Shape out;
            for (const QString& p : s.split(u',', Qt::SkipEmptyParts))
                out.push_back(p.toLongLong());
            return out;
        };
        const Shape as = parse(a), bs = parse(b), ys = parse(y);
        std::mt19937 rng(uint32_t(qHash(a + b)));
        const Tensor ta = randomTensor(as, rng), tb = randomTensor(bs, rng);
        // Reference by numpy rules: promote, broadcast batch, multiply.
        Shape a2 = as, b2 = bs;
        if (a2.size() == 1) a2.insert(a2.begin(), 1);
        if (b2.size() == 1) b2.push_back(1);
        const int64_t m = a2[a2.size() - 2], k = a2.back(), n = b2.back();
        const size_t rank = std::max(a2.size(), b2.size());
        a2.insert(a2.begin(), rank - a2.size(), 1);
        b2.insert(b2.begin(), rank - b2.size(), 1);
        Shape batch(rank - 2);
        for (size_t i = 0; i + 2 < rank; ++i) batch[i] = std::max(a2[i], b2[i]);
        const int64_t entries = numelOf(batch);
        Expected e;
        for (int64_t ent = 0; ent < entries; ++ent) {
            int64_t rem = ent, offA = 0, offB = 0, strideA = m * k, strideB = k * n;
            for (size_t d = batch.size(); d-- > 0;) {
                const int64_t idx = rem % batch[d];
                rem /= batch[d];
                offA += (a2[d] == 1 ? 0 : idx) * strideA;
                offB += (b2[d] == 1 ? 0 : idx) * strideB;
                strideA *= a2[d];
                strideB *= b2[d];
            }
            for (int64_t i = 0; i < m; ++i)
                for (int64_t j = 0; j < n; ++j) {
                    double sum = 0, mag = 0;
                    for (int64_t q = 0; q < k; ++q) {
                        const double t = double(ta.data<float>()[offA + i * k + q]) *
                                         tb.data<float>()[offB + q * n + j];
                        sum += t;
                        mag += std::abs(t);
                    }
                    e.value.push_back(sum);
                    e.bound.push_back(2.0 * double(k + 2) * kEps * mag + 1e-30);
                }
        }
        const Node node = makeNode("MatMul", 2);
        for (bool constB : {true, false})
            for (int threads : {1, 3}) {
                auto out = runOp(node, {&ta, &tb}, {false, constB}, threads);
                QVERIFY2(out.isOk(), out.message().c_str());
                QCOMPARE((*out)[0].shape(), ys);
                const QString err = compare((*out)[0], e);
                QVERIFY2(err.isEmpty(), qPrintable(err));
            }
    }

    // Pools against a plain loop: ceil mode (with the dropped last window), count_include_pad,
    // dilations, storage order of the indices, 1-D and 3-D.
    void pooling_data() {
        QTest::addColumn<QString>("op");
        QTest::addColumn<QString>("x");
        QTest::addColumn<QString>("kernel");
        QTest::addColumn<QString>("strides");
        QTest::addColumn<QString>("pads");
        QTest::addColumn<QString>("dilations");
        QTest::addColumn<int>("ceil");
        QTest::addColumn<int>(
            "includePad"); // AveragePool: count_include_pad; MaxPool: storage_order
        QTest::newRow("max 2d") << "MaxPool"
                                << "2,3,9,8"
                                << "3,3"
                                << "2,2"
                                << "1,1,1,1"
                                << "" << 0 << 0;
        QTest::newRow("max ceil") << "MaxPool"
                                  << "1,2,8,8"
                                  << "3,3"
                                  << "2,2"
                                  << "1,1,1,1"
                                  << "" << 1 << 0;
        QTest::newRow("max dil col-major") << "MaxPool"
                                           << "1,2,9,7"
                                           << "2,3"
                                           << "1,2"
                                           << "0,1,1,0"
                                           << "2,1" << 0 << 1;
        QTest::newRow("max 1d") << "MaxPool"
                                << "2,2,11"
                                << "4"
                                << "3"
                                << "2,1"
                                << "" << 1 << 0;
        QTest::newRow("max 3d") << "MaxPool"
                                << "1,2,5,6,4"
                                << "2,3,2"
                                << "2,1,2"
                                << "1,0,1,0,1,1"
                                << "" << 0 << 0;
        QTest::newRow("avg 2d") << "AveragePool"
                                << "2,3,9,8"
                                << "3,3"
                                << "2,2"
                                << "1,1,1,1"
                                << "" << 0 << 0;
        QTest::newRow("avg include pad") << "AveragePool"
                                         << "1,2,7,7"
                                         << "3,3"
                                         << "2,2"
                                         << "1,1,1,1"
                                         << "" << 0 << 1;
        QTest::newRow("avg ceil include") << "AveragePool"
                                          << "1,2,8,8"
                                          << "3,3"
                                          << "2,2"
                                          << "1,1,0,0"
                                          << "" << 1 << 1;
        QTest::newRow("avg ceil") << "AveragePool"
                                  << "1,1,6,6"
                                  << "3,3"
                                  << "2,2"
                                  << ""
                                  << "" << 1 << 0;
        QTest::newRow("avg 3d") << "AveragePool"
                                << "1,2,5,6,4"
                                << "2,3,2"
                                << "2,1,2"
                                << "1,0,1,0,1,1"
                                << "" << 0 << 0;
    }

    void pooling() {
        QFETCH(QString, op);
        QFETCH(QString, x);
        QFETCH(QString, kernel);
        QFETCH(QString, strides);
        QFETCH(QString, pads);
        QFETCH(QString, dilations);
        QFETCH(int, ceil);
        QFETCH(int, includePad);
        auto parse = [](const QString& s) {
            std::vector<int64_t> out;
            for (const QString& p : s.split(u',', Qt::SkipEmptyParts))
                out.push_back(p.toLongLong());
            return out;
        };
        const Shape xs = parse(x);
        const size_t r = xs.size() - 2;
        std::vector<int64_t> k = parse(kernel), s = parse(strides), p = parse(pads),
                             d = parse(dilations);
        if (s.empty()) s.assign(r, 1);
        if (p.empty()) p.assign(2 * r, 0);
        if (d.empty()) d.assign(r, 1);
        const bool isMax = op == "MaxPool";
        std::mt19937 rng(uint32_t(qHash(op + x + kernel)));
        const Tensor tx = randomTensor(xs, rng);
        // Output sizes (ceil mode drops a window starting in the end padding).
        int64_t in3[3] = {1, 1, 1}, out3[3] = {1, 1, 1}, k3[3] = {1, 1, 1}, s3[3] = {1, 1, 1},
                d3[3] = {1, 1, 1}, pb3[3] = {0, 0, 0}, pe3[3] = {0, 0, 0};
        Shape ys{xs[0], xs[1]};
        for (size_t i = 0; i < r; ++i) {
            const size_t j = 3 - r + i;
            in3[j] = xs[i + 2], k3[j] = k[i], s3[j] = s[i], d3[j] = d[i], pb3[j] = p[i],
            pe3[j] = p[i + r];
            const int64_t avail = in3[j] + pb3[j] + pe3[j] - ((k3[j] - 1) * d3[j] + 1);
            out3[j] = (ceil ? (avail + s3[j] - 1) / s3[j] : avail / s3[j]) + 1;
            if (ceil && (out3[j] - 1) * s3[j] >= in3[j] + pb3[j]) --out3[j];
            ys.push_back(out3[j]);
        }
        const int64_t planes = xs[0] * xs[1], inPlane = in3[0] * in3[1] * in3[2];
        std::vector<double> expected;
        std::vector<int64_t> expectedIndex;
        for (int64_t pl = 0; pl < planes; ++pl)
            for (int64_t o0 = 0; o0 < out3[0]; ++o0)
                for (int64_t o1 = 0; o1 < out3[1]; ++o1)
                    for (int64_t o2 = 0; o2 < out3[2]; ++o2) {
                        double best = -INFINITY, sum = 0;
                        int64_t bestAt = -1, count = 0;
                        const int64_t o[3] = {o0, o1, o2};
                        int64_t padded = 1;
                        for (int dd = 0; dd < 3; ++dd) {
                            const int64_t st = o[dd] * s3[dd] - pb3[dd];
                            padded *= std::min(st + k3[dd], in3[dd] + pe3[dd]) - st;
                        }
                        for (int64_t q0 = 0; q0 < k3[0]; ++q0)
                            for (int64_t q1 = 0; q1 < k3[1]; ++q1)
                                for (int64_t q2 = 0; q2 < k3[2]; ++q2) {
                                    const int64_t i0 = o0 * s3[0] - pb3[0] + q0 * d3[0];
                                    const int64_t i1 = o1 * s3[1] - pb3[1] + q1 * d3[1];
                                    const int64_t i2 = o2 * s3[2] - pb3[2] + q2 * d3[2];
                                    if (i0 < 0 || i0 >= in3[0] || i1 < 0 || i1 >= in3[1] ||
                                        i2 < 0 || i2 >= in3[2])
                                        continue;
                                    const int64_t at = (i0 * in3[1] + i1) * in3[2] + i2;
                                    const double v = tx.data<float>()[pl * inPlane + at];
                                    sum += v;
                                    ++count;
                                    if (v > best) {
                                        best = v;
                                        bestAt = includePad ? (i2 * in3[1] + i1) * in3[0] + i0 : at;
                                    }
                                }
                        expected.push_back(isMax ? best
                                                 : sum / double(includePad ? padded : count));
                        expectedIndex.push_back(pl * inPlane + bestAt);
                    }
        // MaxPool runs with and without the Indices output (a separate fast path).
        for (int outputs : isMax ? std::vector<int>{2, 1} : std::vector<int>{1}) {
            Node node = makeNode(op.toStdString(), 1, outputs);
            node.attributes["kernel_shape"] = ints(k);
            node.attributes["strides"] = ints(s);
            node.attributes["pads"] = ints(p);
            if (!dilations.isEmpty()) node.attributes["dilations"] = ints(d);
            node.attributes["ceil_mode"] = integer(ceil);
            node.attributes[isMax ? "storage_order" : "count_include_pad"] = integer(includePad);
            for (int threads : {1, 2}) {
                auto out = runOp(node, {&tx}, {false}, threads);
                QVERIFY2(out.isOk(), out.message().c_str());
                QCOMPARE((*out)[0].shape(), ys);
                const float* yd = (*out)[0].data<float>();
                for (size_t i = 0; i < expected.size(); ++i) {
                    // Max is exact; the average is a sum of at most 18 terms and one division.
                    const double tol =
                        isMax ? 0.0 : 40.0 * kEps * std::max(1.0, std::abs(expected[i]));
                    QVERIFY2(
                        std::abs(double(yd[i]) - expected[i]) <= tol,
                        qPrintable(QStringLiteral("outputs %1, element %2: got %3, expected %4")
                                       .arg(outputs)
                                       .arg(i)
                                       .arg(double(yd[i]))
                                       .arg(expected[i])));
                    if (outputs == 2) QCOMPARE((*out)[1].data<int64_t>()[i], expectedIndex[i]);
                }
            }
        }
    }

    void globalPools() {
        std::mt19937 rng(5);
        const Tensor x = randomTensor({2, 3, 5, 7}, rng);
        auto avg = runOp(makeNode("GlobalAveragePool", 1), {&x}, {false}, 2);
        auto mx = runOp(makeNode("GlobalMaxPool", 1), {&x}, {false}, 2);
        QVERIFY(avg.isOk() && mx.isOk());
        QCOMPARE((*avg)[0].shape(), (Shape{2, 3, 1, 1}));
        for (int p = 0; p < 6; ++p) {
            double sum = 0, best = -INFINITY;
            for (int i = 0; i < 35; ++i) {
                sum += x.data<float>()[p * 35 + i];
                best = std::max(best, double(x.data<float>()[p * 35 + i]));
            }
            QVERIFY(std::abs((*avg)[0].data<float>()[p] - sum / 35) <= 40 * kEps);
            QCOMPARE(double((*mx)[0].data<float>()[p]), best);
        }
    }
};

QTEST_APPLESS_MAIN(ConvKernelsTest)
#include "conv_kernels_test.moc"
