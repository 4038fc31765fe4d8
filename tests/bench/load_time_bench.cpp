// Load time against node count: generated ONNX graphs of 1k, 10k and 100k nodes (a residual
// chain: Conv 1x1 → Relu → Add with the block input, every third node a Conv with its own weight)
// serialised in memory, then importOnnxBytes + static shape inference + Executor::create timed.
// A linear loader shows a constant time per node across the sizes; a quadratic one grows 10x
// per step. Prints ms and µs/node for each size (median of 3).
#include "exec/executor.h"
#include "exec/shape_inference.h"
#include "onnx/onnx_importer.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

void addValueInfo(onnx::ValueInfoProto* v, const std::string& name,
                  const std::vector<int64_t>& shape) {
    v->set_name(name);
    auto* tt = v->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : shape) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

// About `nodes` nodes in blocks of three: Conv(x, W_i) → Relu → Add(relu, x).
std::string makeModel(int nodes) {
    constexpr int64_t kChannels = 4;
    onnx::ModelProto m;
    m.set_ir_version(7);
    auto* op = m.add_opset_import();
    op->set_domain("");
    op->set_version(13);
    auto* g = m.mutable_graph();
    g->set_name("chain");
    addValueInfo(g->add_input(), "x0", {1, kChannels, 4, 4});
    std::string x = "x0";
    const int blocks = std::max(1, nodes / 3);
    for (int b = 0; b < blocks; ++b) {
        const std::string id = std::to_string(b);
        auto* w = g->add_initializer();
        w->set_name("w" + id);
        w->set_data_type(onnx::TensorProto::FLOAT);
        for (int64_t d : {kChannels, kChannels, int64_t(1), int64_t(1)}) w->add_dims(d);
        for (int64_t i = 0; i < kChannels * kChannels; ++i)
            w->add_float_data(i % (kChannels + 1) == 0 ? 0.5f : 0.01f);
        auto* conv = g->add_node();
        conv->set_op_type("Conv");
        conv->set_name("conv" + id);
        conv->add_input(x);
        conv->add_input("w" + id);
        conv->add_output("c" + id);
        auto* relu = g->add_node();
        relu->set_op_type("Relu");
        relu->set_name("relu" + id);
        relu->add_input("c" + id);
        relu->add_output("r" + id);
        auto* add = g->add_node();
        add->set_op_type("Add");
        add->set_name("add" + id);
        add->add_input("r" + id);
        add->add_input(x);
        x = "x" + std::to_string(b + 1);
        add->add_output(x);
    }
    addValueInfo(g->add_output(), x, {1, kChannels, 4, 4});
    std::string bytes;
    m.SerializeToString(&bytes);
    return bytes;
}

double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

int main() {
    std::printf(
        "load time vs node count (import + shape inference + executor prepare; median of 3)\n\n");
    std::printf("%8s %10s %10s %10s %10s %10s %12s\n", "nodes", "bytes", "import ms", "infer ms",
                "prepare ms", "total ms", "us/node");
    for (int nodes : {1000, 10000, 100000}) {
        const std::string bytes = makeModel(nodes);
        std::vector<double> imp, inf, prep, total;
        int actualNodes = 0;
        for (int rep = 0; rep < 3; ++rep) {
            auto t0 = std::chrono::steady_clock::now();
            auto g = qs::importOnnxBytes(bytes.data(), bytes.size(), "");
            if (!g) {
                std::fprintf(stderr, "import failed: %s\n", g.message().c_str());
                return 1;
            }
            const double a = msSince(t0);
            auto t1 = std::chrono::steady_clock::now();
            auto r = qs::inferShapes(*g);
            if (!r) {
                std::fprintf(stderr, "shape inference failed: %s\n", r.message().c_str());
                return 1;
            }
            const double b = msSince(t1);
            actualNodes = g->nodeCount();
            auto t2 = std::chrono::steady_clock::now();
            auto ex = qs::Executor::create(std::move(*g));
            if (!ex) {
                std::fprintf(stderr, "prepare failed: %s\n", ex.message().c_str());
                return 1;
            }
            const double c = msSince(t2);
            imp.push_back(a);
            inf.push_back(b);
            prep.push_back(c);
            total.push_back(a + b + c);
        }
        auto median = [](std::vector<double> v) {
            std::sort(v.begin(), v.end());
            return v[v.size() / 2];
        };
        std::printf("%8d %10zu %10.1f %10.1f %10.1f %10.1f %12.2f\n", actualNodes, bytes.size(),
                    median(imp), median(inf), median(prep), median(total),
                    1000.0 * median(total) / actualNodes);
    }
    return 0;
}
