// Importer behaviour on valid and broken files. Models are built here with the ONNX protobuf
// classes, so each test states exactly what the file contains.
#include "exec/executor.h"
#include "exec/shape_inference.h"
#include "io/npy.h"
#include "onnx/onnx_importer.h"

#include <onnx/onnx_pb.h>

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace qs;

namespace {

onnx::ModelProto makeModel(int opset = 13) {
    onnx::ModelProto m;
    m.set_ir_version(7);
    m.set_producer_name("quantscope-test");
    auto* op = m.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    return m;
}

void addTensorInput(onnx::GraphProto* g, const std::string& name, std::vector<int64_t> dims,
                    const char* dynamicName = nullptr) {
    auto* in = g->add_input();
    in->set_name(name);
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) {
        auto* dim = tt->mutable_shape()->add_dim();
        if (d < 0)
            dim->set_dim_param(dynamicName ? dynamicName : "N");
        else
            dim->set_dim_value(d);
    }
}

void addOutput(onnx::GraphProto* g, const std::string& name) {
    auto* out = g->add_output();
    out->set_name(name);
    out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
}

onnx::NodeProto* addNode(onnx::GraphProto* g, const std::string& op, std::vector<std::string> ins,
                         std::vector<std::string> outs, const std::string& name = {}) {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (auto& i : ins) n->add_input(i);
    for (auto& o : outs) n->add_output(o);
    return n;
}

std::string writeModel(const QTemporaryDir& dir, const std::string& file,
                       const onnx::ModelProto& m) {
    const std::string path = dir.filePath(QString::fromStdString(file)).toStdString();
    std::ofstream out(path, std::ios::binary);
    m.SerializeToOstream(&out);
    return path;
}

std::string writeBytes(const QTemporaryDir& dir, const std::string& file,
                       const std::string& bytes) {
    const std::string path = dir.filePath(QString::fromStdString(file)).toStdString();
    std::ofstream out(path, std::ios::binary);
    out << bytes;
    return path;
}

// y = Identity(x) + a weight in raw_data, another in float_data.
onnx::ModelProto identityModel() {
    onnx::ModelProto m = makeModel();
    auto* g = m.mutable_graph();
    g->set_name("tiny");
    addTensorInput(g, "x", {-1, 3});
    addOutput(g, "y");
    addNode(g, "Identity", {"x"}, {"y"}, "id0");
    return m;
}

} // namespace

class OnnxImporterTest : public QObject {
    Q_OBJECT
private slots:
    void importsTinyModel();
    void initializersTypedRawFp16AndExternal();
    void missingExternalDataFile();
    void badFilesGiveOneLineErrors_data();
    void badFilesGiveOneLineErrors();
    void unknownOpImportsButDoesNotRun();
    void initializerListedAsInputIsNotAnInput();
    void npyReadWriteRoundTrip();
    void npyRejectsBrokenFiles();
    void executorChecksInputShapeAndType();
    void shapeInferenceBindsDynamicDims();
};

void OnnxImporterTest::importsTinyModel() {
    QTemporaryDir dir;
    const std::string path = writeModel(dir, "tiny.onnx", identityModel());
    ImportReport report;
    auto g = importOnnxFile(path, {}, &report);
    QVERIFY2(g.isOk(), g.message().c_str());
    QCOMPARE(g->nodeCount(), 1);
    QCOMPARE(g->inputs().size(), size_t(1));
    QCOMPARE(g->value(g->inputs()[0]).info.shape, (Shape{-1, 3}));
    QCOMPARE(g->value(g->inputs()[0]).dimNames[0], std::string("N"));
    QCOMPARE(g->opsetVersion(), int64_t(13));
    QVERIFY(report.unsupportedOps.empty());
}

void OnnxImporterTest::initializersTypedRawFp16AndExternal() {
    QTemporaryDir dir;
    onnx::ModelProto m = identityModel();
    auto* g = m.mutable_graph();
    auto* typed = g->add_initializer();
    typed->set_name("typed");
    typed->set_data_type(onnx::TensorProto::FLOAT);
    typed->add_dims(2);
    typed->add_float_data(1.5f);
    typed->add_float_data(-2.0f);
    auto* raw = g->add_initializer();
    raw->set_name("raw");
    raw->set_data_type(onnx::TensorProto::INT64);
    raw->add_dims(2);
    const int64_t rawValues[2] = {7, -9};
    raw->set_raw_data(std::string(reinterpret_cast<const char*>(rawValues), sizeof rawValues));
    auto* half = g->add_initializer();
    half->set_name("half");
    half->set_data_type(onnx::TensorProto::FLOAT16);
    half->add_dims(2);
    half->add_int32_data(0x3c00); // 1.0
    half->add_int32_data(0xc000); // -2.0
    // External data: 3 floats at offset 4 of weights.bin.
    const float ext[4] = {0.0f, 0.25f, 0.5f, 0.75f};
    writeBytes(dir, "weights.bin", std::string(reinterpret_cast<const char*>(ext), sizeof ext));
    auto* external = g->add_initializer();
    external->set_name("external");
    external->set_data_type(onnx::TensorProto::FLOAT);
    external->add_dims(3);
    external->set_data_location(onnx::TensorProto::EXTERNAL);
    auto* kv = external->add_external_data();
    kv->set_key("location");
    kv->set_value("weights.bin");
    kv = external->add_external_data();
    kv->set_key("offset");
    kv->set_value("4");
    kv = external->add_external_data();
    kv->set_key("length");
    kv->set_value("12");

    auto graph = importOnnxFile(writeModel(dir, "init.onnx", m));
    QVERIFY2(graph.isOk(), graph.message().c_str());
    auto get = [&](const char* name) { return *graph->value(*graph->findValue(name)).initializer; };
    QCOMPARE(get("typed").toFloatVector(), (std::vector<float>{1.5f, -2.0f}));
    QCOMPARE(get("raw").toInt64Vector(), (std::vector<int64_t>{7, -9}));
    QCOMPARE(get("half").dtype(), DataType::F16);
    QCOMPARE(get("half").toFloatVector(), (std::vector<float>{1.0f, -2.0f}));
    QCOMPARE(get("external").toFloatVector(), (std::vector<float>{0.25f, 0.5f, 0.75f}));
}

void OnnxImporterTest::missingExternalDataFile() {
    QTemporaryDir dir;
    onnx::ModelProto m = identityModel();
    auto* external = m.mutable_graph()->add_initializer();
    external->set_name("w");
    external->set_data_type(onnx::TensorProto::FLOAT);
    external->add_dims(3);
    external->set_data_location(onnx::TensorProto::EXTERNAL);
    auto* kv = external->add_external_data();
    kv->set_key("location");
    kv->set_value("missing.bin");
    const std::string path = writeModel(dir, "ext.onnx", m);
    auto g = importOnnxFile(path);
    QVERIFY(!g.isOk());
    QCOMPARE(g.error().code(), ErrorCode::IoError);
    QVERIFY2(g.message().find("missing.bin") != std::string::npos, g.message().c_str());
    QVERIFY2(g.message().find(path) != std::string::npos, g.message().c_str());
}

void OnnxImporterTest::badFilesGiveOneLineErrors_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("mentions");

    const std::string valid = identityModel().SerializeAsString();
    QTest::newRow("empty file") << QByteArray() << int(ErrorCode::ParseError)
                                << QStringLiteral("empty file");
    QTest::newRow("truncated") << QByteArray::fromStdString(valid.substr(0, valid.size() - 5))
                               << int(ErrorCode::ParseError) << QStringLiteral("truncated");
    QTest::newRow("not onnx") << QByteArray("hello, this is a text file\n")
                              << int(ErrorCode::ParseError) << QStringLiteral("not an ONNX model");

    onnx::ModelProto dangling = identityModel();
    dangling.mutable_graph()->mutable_node(0)->set_input(0, "nowhere");
    QTest::newRow("dangling input") << QByteArray::fromStdString(dangling.SerializeAsString())
                                    << int(ErrorCode::InvalidModel) << QStringLiteral("nowhere");

    onnx::ModelProto cycle = makeModel();
    addTensorInput(cycle.mutable_graph(), "x", {1});
    addOutput(cycle.mutable_graph(), "b");
    addNode(cycle.mutable_graph(), "Add", {"x", "b"}, {"a"}, "first");
    addNode(cycle.mutable_graph(), "Relu", {"a"}, {"b"}, "second");
    QTest::newRow("cycle") << QByteArray::fromStdString(cycle.SerializeAsString())
                           << int(ErrorCode::InvalidModel) << QStringLiteral("cycle");

    onnx::ModelProto lying = identityModel();
    auto* w = lying.mutable_graph()->add_initializer();
    w->set_name("w");
    w->set_data_type(onnx::TensorProto::FLOAT);
    w->add_dims(1000000000);
    w->add_dims(1000000000); // 1e18 elements claimed, 2 given: never allocated
    w->add_float_data(1.0f);
    w->add_float_data(2.0f);
    QTest::newRow("size field lies") << QByteArray::fromStdString(lying.SerializeAsString())
                                     << int(ErrorCode::ResourceLimit) << QStringLiteral("'w'");

    onnx::ModelProto mismatch = identityModel();
    auto* m2 = mismatch.mutable_graph()->add_initializer();
    m2->set_name("w2");
    m2->set_data_type(onnx::TensorProto::FLOAT);
    m2->add_dims(4);
    m2->set_raw_data(std::string(12, '\0'));
    QTest::newRow("data size mismatch") << QByteArray::fromStdString(mismatch.SerializeAsString())
                                        << int(ErrorCode::InvalidModel) << QStringLiteral("'w2'");

    onnx::ModelProto old = identityModel();
    old.mutable_opset_import(0)->set_version(6);
    QTest::newRow("opset 6") << QByteArray::fromStdString(old.SerializeAsString())
                             << int(ErrorCode::Unsupported) << QStringLiteral("opset 6");
}

void OnnxImporterTest::badFilesGiveOneLineErrors() {
    QFETCH(QByteArray, bytes);
    QFETCH(int, code);
    QFETCH(QString, mentions);
    QTemporaryDir dir;
    const std::string path = writeBytes(dir, "bad.onnx", bytes.toStdString());
    auto g = importOnnxFile(path);
    QVERIFY(!g.isOk());
    const std::string msg = g.message();
    QCOMPARE(int(g.error().code()), code);
    QVERIFY2(msg.find("file " + path) == 0, msg.c_str()); // names the file first
    QVERIFY2(msg.find(mentions.toStdString()) != std::string::npos, msg.c_str());
    QVERIFY(msg.find('\n') == std::string::npos);
}

void OnnxImporterTest::unknownOpImportsButDoesNotRun() {
    QTemporaryDir dir;
    onnx::ModelProto m = makeModel();
    addTensorInput(m.mutable_graph(), "x", {2});
    addOutput(m.mutable_graph(), "y");
    addNode(m.mutable_graph(), "FancyOp", {"x"}, {"t"}, "fancy_1");
    addNode(m.mutable_graph(), "FancyOp", {"t"}, {"y"}, "fancy_2");
    ImportReport report;
    auto g = importOnnxFile(writeModel(dir, "unknown.onnx", m), {}, &report);
    QVERIFY2(g.isOk(), g.message().c_str());
    QCOMPARE(report.unsupportedOps.size(), size_t(1));
    QCOMPARE(report.unsupportedOps[0].first, std::string("FancyOp"));
    QCOMPARE(report.unsupportedOps[0].second, 2);
    auto ex = Executor::create(*g);
    QVERIFY(!ex.isOk());
    QCOMPARE(ex.error().code(), ErrorCode::Unsupported);
    QVERIFY2(ex.message().find("fancy_1 (FancyOp)") != std::string::npos, ex.message().c_str());
}

void OnnxImporterTest::initializerListedAsInputIsNotAnInput() {
    QTemporaryDir dir;
    onnx::ModelProto m = identityModel();
    addTensorInput(m.mutable_graph(), "w", {2});
    auto* w = m.mutable_graph()->add_initializer();
    w->set_name("w");
    w->set_data_type(onnx::TensorProto::FLOAT);
    w->add_dims(2);
    w->add_float_data(1);
    w->add_float_data(2);
    auto g = importOnnxFile(writeModel(dir, "m.onnx", m));
    QVERIFY2(g.isOk(), g.message().c_str());
    QCOMPARE(g->inputs().size(), size_t(1));
    QCOMPARE(g->value(g->inputs()[0]).name, std::string("x"));
}

void OnnxImporterTest::npyReadWriteRoundTrip() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("t.npy")).toStdString();
    Tensor t = Tensor::fromVector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
    QVERIFY(writeNpy(path, t).isOk());
    auto back = readNpy(path);
    QVERIFY2(back.isOk(), back.message().c_str());
    QCOMPARE(back->shape(), (Shape{2, 3}));
    QCOMPARE(back->toFloatVector(), t.toFloatVector());
    // The header NumPy writes for this array, byte for byte (numpy.save, format 1.0).
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    QCOMPARE(bytes.size(), size_t(128 + 24));
    const std::string numpyHeader = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    QCOMPARE(bytes.substr(10, numpyHeader.size()), numpyHeader);
    // A real file written by NumPy.
    auto labels = readNpy(std::string(QS_SHARED_DIR) + "/data/digits_test_y.npy");
    QVERIFY2(labels.isOk(), labels.message().c_str());
    QCOMPARE(labels->dtype(), DataType::I64);
    QCOMPARE(labels->shape(), (Shape{500}));
}

void OnnxImporterTest::npyRejectsBrokenFiles() {
    QTemporaryDir dir;
    const std::string good = dir.filePath(QStringLiteral("g.npy")).toStdString();
    QVERIFY(writeNpy(good, Tensor::fromVector<float>({4}, {1, 2, 3, 4})).isOk());
    std::ifstream in(good, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    const std::string truncated = writeBytes(dir, "t.npy", bytes.substr(0, bytes.size() - 3));
    auto t = readNpy(truncated);
    QVERIFY(!t.isOk());
    QVERIFY2(t.message().find(truncated) != std::string::npos &&
                 t.message().find("truncated") != std::string::npos,
             t.message().c_str());
    auto n = readNpy(writeBytes(dir, "x.npy", "not numpy at all"));
    QVERIFY(!n.isOk());
    QCOMPARE(n.error().code(), ErrorCode::ParseError);
    auto missing = readNpy(dir.filePath(QStringLiteral("none.npy")).toStdString());
    QCOMPARE(missing.error().code(), ErrorCode::IoError);
}

void OnnxImporterTest::executorChecksInputShapeAndType() {
    QTemporaryDir dir;
    auto g = importOnnxFile(writeModel(dir, "tiny.onnx", identityModel()));
    QVERIFY(g.isOk());
    auto ex = Executor::create(*g);
    QVERIFY(ex.isOk());
    auto wrongShape = (*ex)->run({{"x", Tensor::zeros(DataType::F32, {2, 4})}});
    QCOMPARE(wrongShape.error().code(), ErrorCode::ShapeMismatch);
    QVERIFY2(wrongShape.message().find("'x'") != std::string::npos, wrongShape.message().c_str());
    auto wrongType = (*ex)->run({{"x", Tensor::zeros(DataType::I64, {2, 3})}});
    QCOMPARE(wrongType.error().code(), ErrorCode::TypeMismatch);
    auto wrongName = (*ex)->run({{"z", Tensor::zeros(DataType::F32, {2, 3})}});
    QCOMPARE(wrongName.error().code(), ErrorCode::NotFound);
    auto ok = (*ex)->run({{"x", Tensor::fromVector<float>({1, 3}, {1, 2, 3})}});
    QVERIFY2(ok.isOk(), ok.message().c_str());
    QCOMPARE(ok->outputs.at("y").toFloatVector(), (std::vector<float>{1, 2, 3}));
}

void OnnxImporterTest::shapeInferenceBindsDynamicDims() {
    QTemporaryDir dir;
    auto g = importOnnxFile(writeModel(dir, "tiny.onnx", identityModel()));
    QVERIFY(g.isOk());
    auto report = inferShapes(*g, {{"x", {5, 3}}});
    QVERIFY2(report.isOk(), report.message().c_str());
    QCOMPARE(g->value(*g->findValue("y")).info.shape, (Shape{5, 3}));
    QCOMPARE(g->value(*g->findValue("x")).info.shape,
             (Shape{-1, 3})); // the declaration stays dynamic
    auto bad = inferShapes(*g, {{"nope", {1}}});
    QCOMPARE(bad.error().code(), ErrorCode::NotFound);
    // PP-OCR computes its Reshape target from Shape(x) at run time; with x bound, static inference
    // folds that chain and reaches the softmax output.
    auto ppocr = importOnnxFile(std::string(QS_SHARED_DIR) + "/models/ppocr_cls.onnx");
    QVERIFY(ppocr.isOk());
    auto r = inferShapes(*ppocr, {{"x", {4, 3, 48, 192}}});
    QVERIFY2(r.isOk(), r.message().c_str());
    QVERIFY2(r->notes.empty(), r->notes.empty() ? "" : r->notes[0].c_str());
    QCOMPARE(ppocr->value(*ppocr->findValue("softmax_0.tmp_0")).info.shape, (Shape{4, 2}));
}

QTEST_GUILESS_MAIN(OnnxImporterTest)
#include "onnx_importer_test.moc"
