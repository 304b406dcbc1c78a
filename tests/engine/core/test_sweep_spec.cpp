// Sweep specs (engine/core/include/dropoutlab/core/sweep_spec.h): axes, expansion, shards, JSON.
#include "dropoutlab/core/errors.h"
#include "engine/core/sweep_fixtures.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <map>
#include <set>

using namespace dropoutlab;
using namespace dropoutlab::test;

class TestSweepSpec : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesAxes();
    void rejectsBadAxes_data();
    void rejectsBadAxes();
    void expansionIsStable();
    void shardsCoverEveryRunOnce_data();
    void shardsCoverEveryRunOnce();
    void jsonRoundTrip();
    void varySplitGivesEachRepeatItsSplit();
};

void TestSweepSpec::parsesAxes()
{
    const SweepAxis list = parseSweepAxis("fc1=0,0.25,0.5");
    QCOMPARE(list.parameter, std::string("fc1"));
    QCOMPARE(list.values, (std::vector<double>{0, 0.25, 0.5}));
    const SweepAxis range = parseSweepAxis("conv2=0:0.5:0.1");
    QCOMPARE(range.values.size(), std::size_t{6});  // stop included despite rounding
    QCOMPARE(range.values.back(), 0.5);
    QCOMPARE(parseShard("2/3"), (std::pair<int, int>{2, 3}));
}

void TestSweepSpec::rejectsBadAxes_data()
{
    QTest::addColumn<QString>("axis");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("unknown site") << "fc7=0,0.5" << "'fc7' is not a dropout site of the cnn model";
    QTest::newRow("rate too high") << "fc1=0,1.2" << "axis fc1: value 1.2 is invalid";
    QTest::newRow("bad number") << "fc1=0,half" << "'half' is not a number";
    QTest::newRow("bad range") << "fc1=0:0.5" << "START:STOP:STEP";
    QTest::newRow("negative lr") << "learning_rate=0.1,-1" << "value -1 is invalid";
}

void TestSweepSpec::rejectsBadAxes()
{
    QFETCH(QString, axis);
    QFETCH(QString, fragment);
    try {
        SweepSpec spec;
        spec.axes = {parseSweepAxis(axis.toStdString())};
        validateSweep(spec);
    } catch (const ConfigError& error) {
        QVERIFY2(QString(error.what()).contains(fragment), error.what());
        return;
    }
    QFAIL("expected a ConfigError");
}

void TestSweepSpec::expansionIsStable()
{
    const auto runs = expandSweep(gridSpec());
    QCOMPARE(runs.size(), std::size_t{3 * 3 * 3});
    QCOMPARE(expandPoints(gridSpec()).size(), std::size_t{9});
    const auto again = expandSweep(gridSpec());
    std::set<std::string> ids;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        QCOMPARE(runs[i].id, again[i].id);
        QVERIFY(runs[i].config == again[i].config);
        ids.insert(runs[i].id);
    }
    QCOMPARE(ids.size(), runs.size());
    // Row-major: the last axis varies fastest; repeats differ only in seeds.
    QCOMPARE(runs[0].id, std::string("p00-fc1=0-input=0-s1"));
    QCOMPARE(runs[3].id, std::string("p01-fc1=0-input=0.1-s1"));
    QCOMPARE(runs[26].config.dropout.at("fc1").rate, 0.5);
    QCOMPARE(runs[26].config.dropout.at("input").rate, 0.2);
    QVERIFY(runs[0].config.dropout.empty());  // rate 0 means the site is off
    QCOMPARE(runs[1].config.seeds.init, std::uint64_t{2});
    QCOMPARE(runs[1].config.seeds.split, runs[0].config.seeds.split);  // one split for the whole sweep
}

void TestSweepSpec::shardsCoverEveryRunOnce_data()
{
    QTest::addColumn<int>("count");
    for (const int n : {1, 2, 3, 4, 7, 27, 30})
        QTest::newRow(qPrintable(QString::number(n))) << n;
}

void TestSweepSpec::shardsCoverEveryRunOnce()
{
    QFETCH(int, count);
    const auto runs = expandSweep(gridSpec());
    std::multiset<std::string> seen;
    std::size_t largest = 0;
    std::size_t smallest = runs.size();
    for (int k = 1; k <= count; ++k) {
        const auto share = shardRuns(runs, k, count);
        largest = std::max(largest, share.size());
        smallest = std::min(smallest, share.size());
        for (const auto& run : share)
            seen.insert(run.id);
    }
    QCOMPARE(seen.size(), runs.size());
    for (const auto& run : runs)
        QCOMPARE(seen.count(run.id), std::size_t{1});
    QVERIFY(largest - smallest <= 1);  // balanced
}

void TestSweepSpec::jsonRoundTrip()
{
    SweepSpec spec = gridSpec();
    spec.name = "grid";
    spec.firstSeed = 10;
    spec.halving.atEpoch = 3;
    const SweepSpec back = sweepFromJson(sweepToJson(spec), "mem");
    QCOMPARE(sweepToJson(back), sweepToJson(spec));
    const SweepSpec ranged = sweepFromJson(
        R"({"axes": [{"parameter": "fc1", "range": {"start": 0, "stop": 0.5, "step": 0.25}}], "repeats": 2})", "mem");
    QCOMPARE(ranged.axes[0].values, (std::vector<double>{0, 0.25, 0.5}));
    QVERIFY_THROWS_EXCEPTION(ConfigError, sweepFromJson(R"({"axis": []})", "mem"));
}

void TestSweepSpec::varySplitGivesEachRepeatItsSplit()
{
    SweepSpec spec = gridSpec();
    spec.repeats = 3;
    spec.base.seeds.split = 42;
    for (const auto& run : expandSweep(spec))
        QCOMPARE(run.config.seeds.split, std::uint64_t{42});  // off: one split for every run
    spec.varySplit = true;
    const auto runs = expandSweep(spec);
    for (const auto& run : runs) {
        QCOMPARE(run.config.seeds.split, std::uint64_t{42} + static_cast<std::uint64_t>(run.repeat));
        QCOMPARE(run.config.seeds.init, spec.firstSeed + static_cast<std::uint64_t>(run.repeat));
    }
    // The same ids as without it (a folder's runs are found again), and the key round-trips.
    spec.varySplit = false;
    const auto plain = expandSweep(spec);
    for (std::size_t i = 0; i < runs.size(); ++i)
        QCOMPARE(runs[i].id, plain[i].id);
    spec.varySplit = true;
    QVERIFY(sweepFromJson(sweepToJson(spec), "mem").varySplit);
    QVERIFY(!sweepFromJson(R"({"axes": [{"parameter": "fc1", "values": [0, 0.5]}]})", "mem").varySplit);
    QVERIFY_THROWS_EXCEPTION(ConfigError, sweepFromJson(R"({"vary_split": 1})", "mem"));
}

QTEST_GUILESS_MAIN(TestSweepSpec)
#include "test_sweep_spec.moc"
