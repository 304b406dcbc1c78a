// The build and system report (dropoutlab/train/system_info.h): what About and --version --verbose show.
#include "dropoutlab/train/system_info.h"

#include <QTest>

using namespace dropoutlab;

class TestSystemInfo : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readsThisMachine();
    void reportRowsInOrder();
    void namesEachGpu();
    void textIsOneLinePerRow();
};

void TestSystemInfo::readsThisMachine()
{
    const SystemInfo info = systemInfo();
    QVERIFY(!info.libtorch.empty() && std::isdigit(static_cast<unsigned char>(info.libtorch[0])));
    QVERIFY(!info.cpuCapability.empty());
    QVERIFY(!info.convolutions.empty());
    QVERIFY(!info.blas.empty());
    QVERIFY(!info.cpu.empty());
    QVERIFY(info.logicalCores >= 1);
    QVERIFY(info.torchThreads >= 1);
    QVERIFY(!info.cuda.empty());
    QVERIFY(!info.cudnn.empty());
}

void TestSystemInfo::reportRowsInOrder()
{
    SystemInfo system;
    system.libtorch = "1.13.0";
    system.cpuCapability = "AVX2";
    system.blas = "/usr/lib/libblas.so.3";
    system.cpu = "Test CPU";
    system.logicalCores = 2;
    system.torchThreads = 1;
    system.cuda = "none";
    system.cudnn = "none";
    system.convolutions = "LibTorch's";
    const auto rows = versionReport("dropoutlab", {"0.1.0", "abc123", "2026-11-28", ""}, system);
    QCOMPARE(rows.size(), std::size_t{13});
    QCOMPARE(rows[0].second, std::string("dropoutlab 0.1.0"));
    QCOMPARE(rows[1].second, std::string("abc123"));
    QCOMPARE(rows[3].second, std::string("not built"));  // no Qt in this build
    QCOMPARE(rows[6].first, std::string("CPU convolutions"));
    QCOMPARE(rows[6].second, std::string("LibTorch's"));
    QCOMPARE(rows[9].second, std::string("1 by default, of 2 logical cores"));
    QCOMPARE(rows[12].first, std::string("GPU"));
    QCOMPARE(rows[12].second, std::string("none found"));
}

void TestSystemInfo::namesEachGpu()
{
    SystemInfo system;
    system.gpus = {"NVIDIA H100 80GB HBM3"};
    auto rows = versionReport("dropoutlab-cli", {}, system);
    QCOMPARE(rows.back(), (std::pair<std::string, std::string>{"GPU", "NVIDIA H100 80GB HBM3"}));
    system.gpus = {"A", "B"};
    rows = versionReport("dropoutlab-cli", {}, system);
    QCOMPARE(rows[rows.size() - 2], (std::pair<std::string, std::string>{"GPU 0", "A"}));
    QCOMPARE(rows.back(), (std::pair<std::string, std::string>{"GPU 1", "B"}));
}

void TestSystemInfo::textIsOneLinePerRow()
{
    const SystemInfo system = systemInfo();
    const BuildInfo build{"0.1.0", "abc123", "2026-11-28", "6.4.2"};
    const auto rows = versionReport("dropoutlab", build, system);
    const QStringList lines =
        QString::fromStdString(versionReportText("dropoutlab", build, system)).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(static_cast<std::size_t>(lines.size()), rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i)
        QCOMPARE(lines[static_cast<int>(i)], QString::fromStdString(rows[i].first + ": " + rows[i].second));
}

QTEST_APPLESS_MAIN(TestSystemInfo)
#include "test_system_info.moc"
