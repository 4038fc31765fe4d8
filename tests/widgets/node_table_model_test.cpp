// NodeTableModel over a real model: structure checked by QAbstractItemModelTester, contents
// checked against the file itself, read here independently with the ONNX protobuf classes
// (never against our importer's own view of it).
#include "model_loader.h"
#include "node_table_model.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QtTest>
#include <map>
#include <onnx/onnx_pb.h>

using namespace qs;

namespace {

const QString kModelPath = QStringLiteral(QS_SHARED_DIR "/models/digits_mbv2_bn.onnx");

onnx::ModelProto readProto(const QString& path) {
    QFile file(path);
    onnx::ModelProto model;
    if (file.open(QIODevice::ReadOnly)) {
        const QByteArray bytes = file.readAll();
        model.ParseFromArray(bytes.constData(), int(bytes.size()));
    }
    return model;
}

QString dimsText(const onnx::TensorProto& t) {
    QStringList dims;
    for (int64_t d : t.dims()) dims << QString::number(d);
    return QLatin1Char('[') + dims.join(QLatin1Char(',')) + QLatin1Char(']');
}

} // namespace

class NodeTableModelTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        m_proto = readProto(kModelPath);
        QVERIFY2(m_proto.graph().node_size() > 0, "cannot parse the model with onnx_proto");
        m_loaded = ModelLoader::load(kModelPath);
        QVERIFY2(m_loaded.isOk(), qPrintable(m_loaded.error));
    }

    void emptyModel() {
        NodeTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), int(NodeTableModel::ColumnCount));
        QCOMPARE(model.rowOfNode(QStringLiteral("x")), -1);
    }

    void modelTesterAcrossResets() {
        NodeTableModel model;
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setFilterRole(NodeTableModel::FilterRole);
        proxy.setSortRole(NodeTableModel::SortRole);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxyTester(
            &proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSnapshot(m_loaded.snapshot);
        proxy.sort(NodeTableModel::OpColumn);
        proxy.setFilterFixedString(QStringLiteral("conv"));
        proxy.setFilterFixedString(QString());
        model.setSnapshot(nullptr);
        QCOMPARE(model.rowCount(), 0);
        model.setSnapshot(m_loaded.snapshot);
        QCOMPARE(proxy.rowCount(), model.rowCount());
    }

    // One row per node of the file: same names, same op types (counted by protoc --decode too:
    // 71 nodes, 16 of them Conv).
    void rowsMatchTheFile() {
        NodeTableModel model;
        model.setSnapshot(m_loaded.snapshot);
        std::multimap<QString, QString> expected, actual;
        int expectedConvs = 0;
        for (const auto& node : m_proto.graph().node()) {
            expected.emplace(QString::fromStdString(node.name()),
                             QString::fromStdString(node.op_type()));
            expectedConvs += node.op_type() == "Conv";
        }
        for (int row = 0; row < model.rowCount(); ++row)
            actual.emplace(model.index(row, NodeTableModel::NameColumn).data().toString(),
                           model.index(row, NodeTableModel::OpColumn).data().toString());
        QCOMPARE(model.rowCount(), m_proto.graph().node_size());
        QCOMPARE(model.rowCount(), 71);
        QCOMPARE(expectedConvs, 16);
        QVERIFY(actual == expected);

        int convRows = 0;
        for (int row = 0; row < model.rowCount(); ++row)
            convRows += model.index(row, NodeTableModel::OpColumn).data().toString() ==
                        QLatin1String("Conv");
        QCOMPARE(convRows, 16);
    }

    // Rows are in a topological order: every input produced by a node comes from an earlier row.
    void rowsAreTopological() {
        std::map<std::string, QString> producer; // tensor -> node name, from the file
        for (const auto& node : m_proto.graph().node())
            for (const auto& out : node.output())
                producer[out] = QString::fromStdString(node.name());
        NodeTableModel model;
        model.setSnapshot(m_loaded.snapshot);
        QHash<QString, int> rowOf;
        for (int row = 0; row < model.rowCount(); ++row) {
            rowOf.insert(model.index(row, NodeTableModel::NameColumn).data().toString(), row);
            QCOMPARE(model.index(row, NodeTableModel::IndexColumn).data().toInt(), row);
        }
        for (const auto& node : m_proto.graph().node())
            for (const auto& in : node.input()) {
                auto it = producer.find(in);
                if (it == producer.end()) continue;
                QVERIFY(rowOf.value(it->second) < rowOf.value(QString::fromStdString(node.name())));
            }
    }

    // Every Conv's weight shape and attributes, as the file states them.
    void convRowContents() {
        std::map<std::string, const onnx::TensorProto*> initializers;
        for (const auto& t : m_proto.graph().initializer()) initializers[t.name()] = &t;
        NodeTableModel model;
        model.setSnapshot(m_loaded.snapshot);
        int checked = 0;
        for (const auto& node : m_proto.graph().node()) {
            if (node.op_type() != "Conv") continue;
            const int row = model.rowOfNode(QString::fromStdString(node.name()));
            QVERIFY(row >= 0);
            const QString weights =
                model.index(row, NodeTableModel::WeightsColumn).data().toString();
            QVERIFY(initializers.count(node.input(1)));
            QVERIFY2(weights.startsWith(dimsText(*initializers[node.input(1)])),
                     qPrintable(weights));
            const QString attributes =
                model.index(row, NodeTableModel::AttributesColumn).data().toString();
            for (const auto& a : node.attribute()) {
                QString text = QString::fromStdString(a.name()) + QLatin1Char('=');
                if (a.type() == onnx::AttributeProto::INT) text += QString::number(a.i());
                if (a.type() == onnx::AttributeProto::INTS) {
                    QStringList v;
                    for (int64_t i : a.ints()) v << QString::number(i);
                    text += QLatin1Char('[') + v.join(QLatin1Char(',')) + QLatin1Char(']');
                }
                QVERIFY2(attributes.contains(text),
                         qPrintable(attributes + QStringLiteral(" lacks ") + text));
            }
            // Tooltips name the tensors with their shapes.
            const QString tip =
                model.index(row, NodeTableModel::InputsColumn).data(Qt::ToolTipRole).toString();
            QVERIFY(tip.contains(QString::fromStdString(node.input(0))));
            ++checked;
        }
        QCOMPARE(checked, 16);

        // The first Conv reads the graph input, whose batch dim is named "N" in the file, and
        // writes 16 channels of 16x16 (3x3 kernel, pads 1, stride 1).
        const int first = model.rowOfNode(QStringLiteral("/features/features.0/features.0.0/Conv"));
        QCOMPARE(model.index(first, NodeTableModel::InputsColumn).data().toString(),
                 QStringLiteral("[N,1,16,16]"));
        QCOMPARE(model.index(first, NodeTableModel::WeightsColumn).data().toString(),
                 QStringLiteral("[16,1,3,3]"));
        QVERIFY(model.index(first, NodeTableModel::OutputsColumn)
                    .data()
                    .toString()
                    .endsWith(QStringLiteral(",16,16,16]")));
    }

    // The filter matches node names, op types and tensor names, case-insensitively.
    void filterThroughProxy() {
        NodeTableModel model;
        model.setSnapshot(m_loaded.snapshot);
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setFilterRole(NodeTableModel::FilterRole);
        proxy.setFilterCaseSensitivity(Qt::CaseInsensitive);
        for (const char* needle :
             {"conv", "BatchNormalization", "features.0.0.weight", "Gemm", "logits"}) {
            int expected = 0;
            const QString n = QString::fromLatin1(needle);
            for (const auto& node : m_proto.graph().node()) {
                QStringList words{QString::fromStdString(node.name()),
                                  QString::fromStdString(node.op_type())};
                for (const auto& t : node.input()) words << QString::fromStdString(t);
                for (const auto& t : node.output()) words << QString::fromStdString(t);
                expected += words.join(QLatin1Char('\n')).contains(n, Qt::CaseInsensitive);
            }
            proxy.setFilterFixedString(n);
            QCOMPARE(proxy.rowCount(), expected);
            QVERIFY(expected > 0);
        }
    }

    void sortsNumericallyByIndex() {
        NodeTableModel model;
        model.setSnapshot(m_loaded.snapshot);
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(NodeTableModel::SortRole);
        proxy.sort(NodeTableModel::IndexColumn, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, NodeTableModel::IndexColumn).data().toInt(), model.rowCount() - 1);
        QCOMPARE(proxy.index(model.rowCount() - 1, NodeTableModel::IndexColumn).data().toInt(), 0);
        proxy.sort(NodeTableModel::OpColumn, Qt::AscendingOrder);
        QCOMPARE(proxy.index(0, NodeTableModel::OpColumn).data().toString(), QStringLiteral("Add"));
    }

    void retranslateSignalsHeaders() {
        NodeTableModel model;
        QSignalSpy spy(&model, &QAbstractItemModel::headerDataChanged);
        model.retranslate();
        QCOMPARE(spy.count(), 1);
        QCOMPARE(model.headerData(NodeTableModel::NameColumn, Qt::Horizontal).toString(),
                 QStringLiteral("Name"));
    }

    // A hand-made snapshot: a custom-domain op and an omitted-shape tensor render as stated.
    void handMadeSnapshot() {
        auto snapshot = std::make_shared<ModelSnapshot>();
        NodeSummary node;
        node.name = QStringLiteral("n0");
        node.opType = QStringLiteral("FusedThing");
        node.domain = QStringLiteral("com.example");
        node.supported = false;
        node.inputs = {{QStringLiteral("x"), QStringLiteral("f32"), QStringLiteral("?"), false},
                       {QStringLiteral("w"), QStringLiteral("f32"), QStringLiteral("[4,2]"), true}};
        node.outputs = {{QStringLiteral("y"), QString(), QStringLiteral("[2,?]"), false}};
        snapshot->nodes.append(node);
        NodeTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSnapshot(snapshot);
        QCOMPARE(model.index(0, NodeTableModel::OpColumn).data().toString(),
                 QStringLiteral("com.example::FusedThing"));
        QCOMPARE(model.index(0, NodeTableModel::InputsColumn).data().toString(),
                 QStringLiteral("?"));
        QCOMPARE(model.index(0, NodeTableModel::WeightsColumn).data().toString(),
                 QStringLiteral("[4,2]"));
        QCOMPARE(model.index(0, NodeTableModel::OutputsColumn).data().toString(),
                 QStringLiteral("[2,?]"));
        QVERIFY(
            !model.index(0, NodeTableModel::OpColumn).data(Qt::ToolTipRole).toString().isEmpty());
        QCOMPARE(model.rowOfNode(QStringLiteral("n0")), 0);
    }

private:
    onnx::ModelProto m_proto;
    LoadedModel m_loaded;
};

QTEST_MAIN(NodeTableModelTest)
#include "node_table_model_test.moc"
