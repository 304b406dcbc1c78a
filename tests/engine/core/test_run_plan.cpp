// Run plans (engine/core/include/dropoutlab/core/run_plan.h): presets, config files and command-line overrides.
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/run_plan.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace dropoutlab;

namespace {

std::string writeFile(const QTemporaryDir& dir, const char* name, const QByteArray& text)
{
    QFile file(dir.filePath(name));
    file.open(QIODevice::WriteOnly);
    file.write(text);
    return dir.filePath(name).toStdString();
}

} // namespace

class TestRunPlan : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void configOrPresetByStructure();
    void overridesApplyToEveryRun();
    void dropoutMakesOneRun();
    void nameNeedsASingleRun();
    void networkAloneTrainsItWithoutDropout();
};

void TestRunPlan::configOrPresetByStructure()
{
    QTemporaryDir dir;
    // A config whose text mentions "runs" is still one config: the file's structure decides.
    const auto config = writeFile(dir, "config.json", R"({"name": "\"runs\" of mine", "epochs": 2})");
    const auto one = loadRunsFile(config);
    QCOMPARE(one.size(), std::size_t{1});
    QCOMPARE(one.front().name, std::string("\"runs\" of mine"));
    QCOMPARE(one.front().epochs, 2);
    const auto preset = writeFile(dir, "preset.json",
                                  R"({"title": "pair", "base": {"epochs": 3}, "runs": [{"name": "a"}, {"name": "b"}]})");
    const auto two = loadRunsFile(preset);
    QCOMPARE(two.size(), std::size_t{2});
    QCOMPARE(two[1].name, std::string("b"));
    QCOMPARE(two[1].epochs, 3);
    QVERIFY_THROWS_EXCEPTION(ConfigError, loadRunsFile(writeFile(dir, "bad.json", "{\"runs\": ")));
}

void TestRunPlan::overridesApplyToEveryRun()
{
    RunOverrides o;
    o.epochs = 4;
    o.seed = 9;
    o.model = "mlp";
    o.hidden = "1024,1024,1024";
    const auto runs = planRuns("reference", {}, RunOverrides{});
    QCOMPARE(runs.size(), std::size_t{2});
    ExperimentConfig c;
    applyOverrides(c, o);
    QCOMPARE(c.epochs, 4);
    QCOMPARE(c.seeds.init, std::uint64_t{9});
    QCOMPARE(c.seeds.shuffle, std::uint64_t{9});
    QCOMPARE(c.seeds.dropout, std::uint64_t{9});
    QCOMPARE(c.seeds.split, Seeds{}.split);  // the split keeps its own seed
    QCOMPARE(c.hiddenWidths, (std::vector<int>{1024, 1024, 1024}));
    o.hidden = "1024,x";
    QVERIFY_THROWS_EXCEPTION(ConfigError, applyOverrides(c, o));
}

void TestRunPlan::dropoutMakesOneRun()
{
    RunOverrides o;
    o.dropout = "fc1=0.3";
    const auto runs = planRuns("reference", {}, o);
    QCOMPARE(runs.size(), std::size_t{1});
    QCOMPARE(runs.front().dropout.at("fc1").rate, 0.3);
    QCOMPARE(runs.front().name, std::string("dropout fc1=0.3"));
}

void TestRunPlan::nameNeedsASingleRun()
{
    RunOverrides o;
    o.name = "mine";
    try {
        planRuns("reference", {}, o);
        QFAIL("--name accepted for two runs");
    } catch (const ConfigError& e) {
        QVERIFY2(std::string(e.what()).find("this plan has 2 runs") != std::string::npos, e.what());
    }
}

void TestRunPlan::networkAloneTrainsItWithoutDropout()
{
    RunOverrides o;
    o.network = "cnn3-bn";
    const auto runs = planRuns({}, {}, o);
    QCOMPARE(runs.size(), std::size_t{1});
    QVERIFY(runs.front().model == ModelKind::Custom);
    QVERIFY(runs.front().dropout.empty());
    QCOMPARE(runs.front().name, std::string("cnn3-bn no dropout"));

    o.dropout = "block2=0.2,head=0.5";
    const auto withDropout = planRuns({}, {}, o);
    QCOMPARE(withDropout.size(), std::size_t{1});
    QVERIFY(withDropout.front().dropout.at("block2").kind == DropoutKind::Channel);  // the site's default kind

    // A preset named with it keeps its runs: their sites are checked against the network.
    o.dropout.reset();
    try {
        planRuns("reference", {}, o);
        QFAIL("the reference preset's fc1 accepted on cnn3-bn");
    } catch (const ConfigError& e) {
        QVERIFY2(std::string(e.what()).find("dropout site 'fc1' does not exist in the cnn3-bn") != std::string::npos, e.what());
    }
}

QTEST_GUILESS_MAIN(TestRunPlan)
#include "test_run_plan.moc"
