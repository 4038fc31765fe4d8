// Executor hooks and memory: observers see every produced tensor, a transform replaces a
// tensor before its consumers read it, tensors are released after their last consumer, and
// cancellation stops a run.
#include "exec/executor.h"
#include "onnx/onnx_importer.h"

#include <onnx/onnx_pb.h>

#include <QtTest>

using namespace qs;

namespace {

// x -> Relu -> a -> Neg -> b -> Add(b, a) -> y      (a is read twice)
Graph makeChain() {
    onnx::ModelProto m;
    m.set_ir_version(7);
    m.add_opset_import()->set_version(13);
    auto* g = m.mutable_graph();
    auto* in = g->add_input();
    in->set_name("x");
    in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    in->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(4);
    g->add_output()->set_name("y");
    auto add = [&](const char* op, std::vector<const char*> ins, const char* out,
                   const char* name) {
        auto* n = g->add_node();
        n->set_op_type(op);
        n->set_name(name);
        for (auto* i : ins) n->add_input(i);
        n->add_output(out);
    };
    add("Relu", {"x"}, "a", "relu");
    add("Neg", {"a"}, "b", "neg");
    add("Add", {"b", "a"}, "y", "add");
    const std::string bytes = m.SerializeAsString();
    return importOnnxBytes(bytes.data(), bytes.size(), "").value();
}

// x [?, ?] and s (int64 [2], a graph input) → Reshape(x, s) → r → Relu → y: the output shape
// depends on s's values, which change between runs while its shape does not.
Graph makeRuntimeReshape() {
    onnx::ModelProto m;
    m.set_ir_version(7);
    m.add_opset_import()->set_version(13);
    auto* g = m.mutable_graph();
    auto* x = g->add_input();
    x->set_name("x");
    x->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    x->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_param("a");
    x->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_param("b");
    auto* s = g->add_input();
    s->set_name("s");
    s->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT64);
    s->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(2);
    g->add_output()->set_name("y");
    auto* reshape = g->add_node();
    reshape->set_op_type("Reshape");
    reshape->set_name("reshape");
    reshape->add_input("x");
    reshape->add_input("s");
    reshape->add_output("r");
    auto* relu = g->add_node();
    relu->set_op_type("Relu");
    relu->set_name("relu");
    relu->add_input("r");
    relu->add_output("y");
    const std::string bytes = m.SerializeAsString();
    return importOnnxBytes(bytes.data(), bytes.size(), "").value();
}

class RecordingHooks : public ExecHooks {
public:
    std::vector<std::pair<NodeId, std::string>> seen;
    const Graph* graph = nullptr;
    std::string replace; // value name to replace by zeros
    std::string keepName;
    Status onTensor(NodeId producer, ValueId value, Tensor& tensor) override {
        seen.emplace_back(producer, graph->value(value).name);
        if (graph->value(value).name == replace)
            tensor = Tensor::zeros(tensor.dtype(), tensor.shape());
        return {};
    }
    bool keep(ValueId value) const override { return graph->value(value).name == keepName; }
};

class CancelAtStart : public Progress {
public:
    bool isCancelled() const override { return true; }
};

} // namespace

class ExecutorTest : public QObject {
    Q_OBJECT
private slots:
    void observerSeesEveryTensorInOrder();
    void transformReplacesBeforeConsumers();
    void keptValuesAreReturned();
    void cancellationStops();
    void releasesTensorsAfterLastUse();
    void reusedInferenceFollowsShapesAndValues();
};

void ExecutorTest::observerSeesEveryTensorInOrder() {
    Graph g = makeChain();
    auto ex = Executor::create(g);
    QVERIFY2(ex.isOk(), ex.message().c_str());
    RecordingHooks hooks;
    hooks.graph = &(*ex)->graph();
    auto r = (*ex)->run({{"x", Tensor::fromVector<float>({4}, {-1, 2, -3, 4})}}, &hooks);
    QVERIFY2(r.isOk(), r.message().c_str());
    QCOMPARE(hooks.seen.size(), size_t(4));
    QCOMPARE(hooks.seen[0].first, kNoNode);
    QCOMPARE(hooks.seen[0].second, std::string("x"));
    QCOMPARE(hooks.seen[1].second, std::string("a"));
    QCOMPARE(hooks.seen[2].second, std::string("b"));
    QCOMPARE(hooks.seen[3].second, std::string("y"));
    QCOMPARE((*ex)->graph().node(hooks.seen[3].first).name, std::string("add"));
    // relu(x) = [0,2,0,4]; y = -a + a = 0
    QCOMPARE(r->outputs.at("y").toFloatVector(), (std::vector<float>{0, 0, 0, 0}));
}

void ExecutorTest::transformReplacesBeforeConsumers() {
    auto ex = Executor::create(makeChain());
    QVERIFY(ex.isOk());
    RecordingHooks hooks;
    hooks.graph = &(*ex)->graph();
    hooks.replace = "b"; // b := 0, so y = a = relu(x)
    auto r = (*ex)->run({{"x", Tensor::fromVector<float>({4}, {-1, 2, -3, 4})}}, &hooks);
    QVERIFY2(r.isOk(), r.message().c_str());
    QCOMPARE(r->outputs.at("y").toFloatVector(), (std::vector<float>{0, 2, 0, 4}));
}

void ExecutorTest::keptValuesAreReturned() {
    auto ex = Executor::create(makeChain());
    QVERIFY(ex.isOk());
    RecordingHooks hooks;
    hooks.graph = &(*ex)->graph();
    hooks.keepName = "a";
    auto r = (*ex)->run({{"x", Tensor::fromVector<float>({4}, {-1, 2, -3, 4})}}, &hooks);
    QVERIFY(r.isOk());
    QCOMPARE(r->kept.size(), size_t(1));
    QCOMPARE(r->kept.begin()->second.toFloatVector(), (std::vector<float>{0, 2, 0, 4}));
    // Without the hook nothing but the outputs survives.
    auto plain = (*ex)->run({{"x", Tensor::fromVector<float>({4}, {-1, 2, -3, 4})}});
    QVERIFY(plain.isOk());
    QVERIFY(plain->kept.empty());
}

void ExecutorTest::cancellationStops() {
    auto ex = Executor::create(makeChain());
    QVERIFY(ex.isOk());
    CancelAtStart cancel;
    auto r = (*ex)->run({{"x", Tensor::fromVector<float>({4}, {1, 2, 3, 4})}}, nullptr, &cancel);
    QVERIFY(!r.isOk());
    QCOMPARE(r.error().code(), ErrorCode::Cancelled);
}

void ExecutorTest::releasesTensorsAfterLastUse() {
    // 20 Relus in a chain on a 1 MB tensor: at most input, one intermediate being read and the
    // one being written are alive at once, never all 20.
    onnx::ModelProto m;
    m.set_ir_version(7);
    m.add_opset_import()->set_version(13);
    auto* g = m.mutable_graph();
    auto* in = g->add_input();
    in->set_name("v0");
    in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    in->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(1 << 18);
    for (int i = 0; i < 20; ++i) {
        auto* n = g->add_node();
        n->set_op_type("Relu");
        n->add_input("v" + std::to_string(i));
        n->add_output("v" + std::to_string(i + 1));
    }
    g->add_output()->set_name("v20");
    const std::string bytes = m.SerializeAsString();
    auto ex = Executor::create(importOnnxBytes(bytes.data(), bytes.size(), "").value());
    QVERIFY(ex.isOk());
    auto r = (*ex)->run({{"v0", Tensor::zeros(DataType::F32, {1 << 18})}});
    QVERIFY2(r.isOk(), r.message().c_str());
    const int64_t oneTensor = int64_t(1 << 18) * 4;
    QVERIFY2(r->peakLiveBytes <= 3 * oneTensor, qPrintable(QString::number(r->peakLiveBytes)));
    QVERIFY(r->peakLiveBytes >= 2 * oneTensor);
}

// An executor run again reuses each node's inferred output shapes; a new input shape, or a new
// value of an input the inference reads (Reshape's shape), must infer again.
void ExecutorTest::reusedInferenceFollowsShapesAndValues() {
    auto ex = Executor::create(makeRuntimeReshape());
    QVERIFY2(ex.isOk(), ex.message().c_str());
    auto run = [&](int64_t rows, int64_t cols, std::vector<int64_t> target) -> Result<Tensor> {
        Tensor x(DataType::F32, {rows, cols});
        for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = float(i % 7) - 3.0f;
        const Tensor s = Tensor::fromVector<int64_t>({2}, target);
        QS_ASSIGN(RunResult r, (*ex)->run({{"x", x}, {"s", s}}));
        return r.outputs.at("y");
    };
    struct Case {
        int64_t rows, cols;
        std::vector<int64_t> target;
    };
    for (const Case& c : {Case{2, 6, {3, 4}}, Case{2, 6, {3, 4}}, Case{2, 6, {4, 3}},
                          Case{2, 6, {-1, 2}}, Case{4, 6, {-1, 2}}, Case{2, 6, {3, 4}}}) {
        auto y = run(c.rows, c.cols, c.target);
        QVERIFY2(y.isOk(), y.message().c_str());
        const int64_t total = c.rows * c.cols;
        const Shape want = c.target[0] < 0 ? Shape{total / c.target[1], c.target[1]}
                                           : Shape{c.target[0], c.target[1]};
        QCOMPARE(y->shape(), want);
        for (int64_t i = 0; i < total; ++i)
            QCOMPARE(y->data<float>()[i], std::max(0.0f, float(i % 7) - 3.0f));
    }
}

QTEST_GUILESS_MAIN(ExecutorTest)
#include "executor_test.moc"
