// Conformance against the ONNX backend test data (Debian libonnx-testdata): every node/ and
// pytorch-converted/ case whose ops we implement must reproduce the suite's outputs within its
// tolerances (rtol 1e-3, atol 1e-7). A case may be rejected with ErrorCode::Unsupported only if
// tests/data/conformance_rejected.txt lists it with the reason (the README's op table says the
// same). QS_CONFORMANCE_FILTER=<regex> runs a subset.
#include "exec/executor.h"
#include "io/npy.h"
#include "onnx/onnx_importer.h"

#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>

namespace fs = std::filesystem;
using namespace qs;

namespace {

struct Mismatch {
    bool ok = true;
    std::string detail;
};

// |actual - expected| <= atol + rtol * |expected| elementwise, NaN matches NaN; exact for integers.
Mismatch compareTensors(const Tensor& actual, const Tensor& expected, double rtol, double atol) {
    if (actual.shape() != expected.shape())
        return {false, "shape " + shapeToString(actual.shape()) + " vs expected " +
                           shapeToString(expected.shape())};
    if (actual.dtype() != expected.dtype())
        return {false, std::string("dtype ") + dataTypeName(actual.dtype()) + " vs expected " +
                           dataTypeName(expected.dtype())};
    const bool isFloat = expected.dtype() == DataType::F32 || expected.dtype() == DataType::F16 ||
                         expected.dtype() == DataType::F64;
    const Tensor a = actual.castTo(DataType::F64), e = expected.castTo(DataType::F64);
    const double* pa = a.data<double>();
    const double* pe = e.data<double>();
    double worst = 0;
    int64_t worstAt = -1, bad = 0;
    for (int64_t i = 0; i < a.numel(); ++i) {
        if (std::isnan(pe[i]) && std::isnan(pa[i])) continue;
        if (std::isinf(pe[i]) && pa[i] == pe[i]) continue;
        const double diff = std::fabs(pa[i] - pe[i]);
        const double allowed = isFloat ? atol + rtol * std::fabs(pe[i]) : 0.0;
        if (!(diff <= allowed)) {
            ++bad;
            const double excess = std::isnan(diff) ? INFINITY : diff - allowed;
            if (worstAt < 0 || excess > worst) {
                worst = excess;
                worstAt = i;
            }
        }
    }
    if (!bad) return {};
    return {false, std::to_string(bad) + " of " + std::to_string(a.numel()) +
                       " elements differ; worst at " + std::to_string(worstAt) + ": got " +
                       std::to_string(pa[worstAt]) + ", expected " + std::to_string(pe[worstAt])};
}

std::vector<fs::path> sortedFiles(const fs::path& dir, const std::string& prefix) {
    std::vector<std::pair<int, fs::path>> items;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(prefix, 0) == 0 && e.path().extension() == ".pb")
            items.emplace_back(std::stoi(name.substr(prefix.size())), e.path());
    }
    std::sort(items.begin(), items.end());
    std::vector<fs::path> out;
    for (auto& [i, p] : items) out.push_back(p);
    return out;
}

std::map<std::string, std::string> readRejectedList() {
    std::map<std::string, std::string> list;
    std::ifstream in(std::string(QS_TEST_DATA_DIR) + "/conformance_rejected.txt");
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto sp = line.find_first_of(" \t");
        list[line.substr(0, sp)] =
            sp == std::string::npos ? "" : line.substr(line.find_first_not_of(" \t", sp));
    }
    return list;
}

} // namespace

class OnnxConformanceTest : public QObject {
    Q_OBJECT
private slots:
    void backendNodeCases();
};

void OnnxConformanceTest::backendNodeCases() {
    const fs::path root = QS_ONNX_TESTDATA_DIR;
    if (!fs::exists(root)) QSKIP("libonnx-testdata is not installed");
    const char* filterEnv = std::getenv("QS_CONFORMANCE_FILTER");
    const std::regex filter(filterEnv ? filterEnv : ".*");
    const auto rejectedList = readRejectedList();

    std::vector<fs::path> cases;
    for (const char* suite : {"node", "pytorch-converted", "pytorch-operator", "simple"}) {
        if (!fs::exists(root / suite)) continue;
        for (const auto& e : fs::directory_iterator(root / suite))
            if (fs::exists(e.path() / "model.onnx")) cases.push_back(e.path());
    }
    std::sort(cases.begin(), cases.end());

    int passed = 0, notClaimed = 0, rejectedListed = 0;
    std::vector<std::string> failures, unlistedRejections;
    std::map<std::string, int> unsupportedOpCases;
    for (const fs::path& dir : cases) {
        const std::string caseName =
            dir.parent_path().filename().string() + "/" + dir.filename().string();
        if (!std::regex_search(caseName, filter)) continue;
        ImportReport report;
        auto graph = importOnnxFile((dir / "model.onnx").string(), {}, &report);
        if (!graph) {
            if (graph.error().code() == ErrorCode::Unsupported) {
                ++notClaimed; // e.g. a data type we do not implement
                continue;
            }
            failures.push_back(caseName + ": import: " + graph.message());
            continue;
        }
        if (!report.unsupportedOps.empty()) {
            for (auto& [op, n] : report.unsupportedOps) ++unsupportedOpCases[op];
            ++notClaimed;
            continue;
        }
        auto check =
            [&]() -> std::string { // "" = pass, "unsupported: ..." = rejection, else failure
            auto executor = Executor::create(*graph);
            if (!executor)
                return (executor.error().code() == ErrorCode::Unsupported ? "unsupported: " : "") +
                       executor.message();
            for (const auto& e : fs::directory_iterator(dir)) {
                if (!e.is_directory() ||
                    e.path().filename().string().rfind("test_data_set_", 0) != 0)
                    continue;
                std::map<std::string, Tensor> inputs;
                const auto inputFiles = sortedFiles(e.path(), "input_");
                const auto& graphInputs = (*executor)->graph().inputs();
                if (inputFiles.size() > graphInputs.size())
                    return "more input files than graph inputs";
                for (size_t i = 0; i < inputFiles.size(); ++i) {
                    auto t = readTensorFile(inputFiles[i].string());
                    if (!t)
                        return (t.error().code() == ErrorCode::Unsupported ? "unsupported: " : "") +
                               t.message();
                    inputs[(*executor)->graph().value(graphInputs[i]).name] = std::move(t).value();
                }
                auto result = (*executor)->run(inputs);
                if (!result)
                    return (result.error().code() == ErrorCode::Unsupported ? "unsupported: "
                                                                            : "") +
                           result.message();
                const auto outputFiles = sortedFiles(e.path(), "output_");
                const auto& graphOutputs = (*executor)->graph().outputs();
                for (size_t i = 0; i < outputFiles.size() && i < graphOutputs.size(); ++i) {
                    auto expected = readTensorFile(outputFiles[i].string());
                    if (!expected) return "unsupported: reference " + expected.message();
                    const std::string outName = (*executor)->graph().value(graphOutputs[i]).name;
                    const Mismatch m =
                        compareTensors(result->outputs.at(outName), *expected, 1e-3, 1e-7);
                    if (!m.ok)
                        return e.path().filename().string() + " output '" + outName +
                               "': " + m.detail;
                }
            }
            return "";
        };
        const std::string outcome = check();
        if (outcome.empty()) {
            ++passed;
        } else if (outcome.rfind("unsupported: ", 0) == 0) {
            if (rejectedList.count(caseName))
                ++rejectedListed;
            else
                unlistedRejections.push_back(caseName + ": " + outcome);
        } else {
            failures.push_back(caseName + ": " + outcome);
        }
    }
    qInfo("conformance: %d passed, %zu failed, %d rejected as listed, %zu rejected but not listed, "
          "%d not claimed "
          "(unsupported op)",
          passed, failures.size(), rejectedListed, unlistedRejections.size(), notClaimed);
    for (const auto& f : failures) qInfo("FAIL %s", f.c_str());
    for (const auto& f : unlistedRejections)
        qInfo("REJECTED (not in conformance_rejected.txt) %s", f.c_str());
    if (std::getenv("QS_CONFORMANCE_VERBOSE"))
        for (const auto& [op, n] : unsupportedOpCases)
            qInfo("not claimed: %s in %d cases", op.c_str(), n);
    QVERIFY2(failures.empty(), "conformance failures (see FAIL lines)");
    QVERIFY2(unlistedRejections.empty(),
             "unsupported cases missing from tests/data/conformance_rejected.txt");
    QVERIFY(passed > 0);
}

QTEST_GUILESS_MAIN(OnnxConformanceTest)
#include "onnx_conformance_test.moc"
