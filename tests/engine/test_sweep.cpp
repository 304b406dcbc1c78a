#include "dropoutlab/errors.h"
#include "dropoutlab/sweep.h"
#include "dropoutlab/sweep_runner.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <map>
#include <set>

using namespace dropoutlab;

namespace {

SweepSpec gridSpec()
{
    SweepSpec spec;
    spec.base.dataDir = DROPOUTLAB_TEST_DATA_DIR "/mnist-small";
    spec.axes = {parseSweepAxis("fc1=0,0.25,0.5"), parseSweepAxis("input=0:0.2:0.1")};
    spec.repeats = 3;
    return spec;
}

/// A tiny, fast sweep on the fixture.
SweepSpec tinySpec(int points, int epochs)
{
    SweepSpec spec;
    spec.base.dataDir = DROPOUTLAB_TEST_DATA_DIR "/mnist-small";
    spec.base.epochs = epochs;
    spec.base.batchSize = 50;
    spec.base.trainSubset = 300;
    spec.base.device = "cpu";
    SweepAxis axis{"fc1", {}};
    for (int i = 0; i < points; ++i)
        axis.values.push_back(0.2 * i);
    spec.axes = {axis};
    return spec;
}

class CountingProgress final : public SweepProgress {
public:
    void onRunStart(const SweepRun&, int, int) override { ++started; }
    void onRunSkipped(const SweepRun&) override { ++skipped; }
    void onRunEnd(const SweepRun& run, const RunResult& result) override { statuses[run.id] = toString(result.status); }
    ExperimentObserver& observer() override { return m_null; }
    int started = 0;
    int skipped = 0;
    std::map<std::string, std::string> statuses;

private:
    class Null final : public ExperimentObserver {} m_null;
};

RunRecord fakeRecord(const std::string& id, double test, double bestVal, double trainAcc, double valAcc)
{
    RunRecord record;
    record.id = id;
    record.result.status = RunStatus::Completed;
    record.result.testAccuracy = test;
    record.result.bestValAccuracy = bestVal;
    EpochMetrics m;
    m.epoch = 1;
    m.trainAccuracy = trainAcc;
    m.valAccuracy = valAcc;
    record.result.epochs.push_back(m);
    return record;
}

} // namespace

class TestSweep : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesAxes();
    void rejectsBadAxes_data();
    void rejectsBadAxes();
    void expansionIsStable();
    void shardsCoverEveryRunOnce_data();
    void shardsCoverEveryRunOnce();
    void jsonRoundTrip();
    void statsByHand();
    void welchAgainstHandValues();
    void studentDistribution();
    void aggregatesPerPoint();
    void resumeSkipsFinishedRuns();
    void successiveHalvingStopsTheWorseHalf();
};

void TestSweep::parsesAxes()
{
    const SweepAxis list = parseSweepAxis("fc1=0,0.25,0.5");
    QCOMPARE(list.parameter, std::string("fc1"));
    QCOMPARE(list.values, (std::vector<double>{0, 0.25, 0.5}));
    const SweepAxis range = parseSweepAxis("conv2=0:0.5:0.1");
    QCOMPARE(range.values.size(), std::size_t{6});  // stop included despite rounding
    QCOMPARE(range.values.back(), 0.5);
    QCOMPARE(parseShard("2/3"), (std::pair<int, int>{2, 3}));
}

void TestSweep::rejectsBadAxes_data()
{
    QTest::addColumn<QString>("axis");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("unknown site") << "fc7=0,0.5" << "'fc7' is not a dropout site of the cnn model";
    QTest::newRow("rate too high") << "fc1=0,1.2" << "axis fc1: value 1.2 is invalid";
    QTest::newRow("bad number") << "fc1=0,half" << "'half' is not a number";
    QTest::newRow("bad range") << "fc1=0:0.5" << "START:STOP:STEP";
    QTest::newRow("negative lr") << "learning_rate=0.1,-1" << "value -1 is invalid";
}

void TestSweep::rejectsBadAxes()
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

void TestSweep::expansionIsStable()
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

void TestSweep::shardsCoverEveryRunOnce_data()
{
    QTest::addColumn<int>("count");
    for (const int n : {1, 2, 3, 4, 7, 27, 30})
        QTest::newRow(qPrintable(QString::number(n))) << n;
}

void TestSweep::shardsCoverEveryRunOnce()
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

void TestSweep::jsonRoundTrip()
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

void TestSweep::statsByHand()
{
    const Stats s = computeStats({0.9907, 0.9912, 0.9890, 0.9921});
    QVERIFY(std::abs(s.mean - 0.99075) < 1e-12);
    // Deviations from the mean (in 1e-3): -0.05, 0.45, -1.75, 1.35; sample variance divides by 3.
    QVERIFY(std::abs(s.std - std::sqrt((0.0025 + 0.2025 + 3.0625 + 1.8225) * 1e-6 / 3.0)) < 1e-12);
    QCOMPARE(s.min, 0.9890);
    QCOMPARE(s.max, 0.9921);
    QCOMPARE(computeStats({0.5}).std, 0.0);
}

void TestSweep::welchAgainstHandValues()
{
    // Worked by hand: means 2.5 and 6, variances 5/3 and 10, so se^2 = 5/12 + 2 = 29/12,
    // t = -3.5 / sqrt(29/12) = -2.251436, df = (29/12)^2 / ((5/12)^2/3 + 1) = 5.520788.
    // p and the 97.5 % quantile by numerical integration of Student's density.
    const WelchResult w = welchTest({1, 2, 3, 4}, {2, 4, 6, 8, 10});
    QVERIFY(std::abs(w.difference + 3.5) < 1e-12);
    QVERIFY(std::abs(w.t + 2.251436) < 1e-6);
    QVERIFY(std::abs(w.degreesOfFreedom - 5.520788) < 1e-6);
    QVERIFY2(std::abs(w.pValue - 0.069134) < 1e-5, qPrintable(QString::number(w.pValue, 'g', 10)));
    QVERIFY2(std::abs(w.ciLow + 7.38537) < 1e-4, qPrintable(QString::number(w.ciLow, 'g', 10)));
    QVERIFY2(std::abs(w.ciHigh - 0.38537) < 1e-4, qPrintable(QString::number(w.ciHigh, 'g', 10)));
    QVERIFY_THROWS_EXCEPTION(ConfigError, welchTest({0.99}, {0.98, 0.97}));
    const WelchResult same = welchTest({0.5, 0.5}, {0.5, 0.5});
    QCOMPARE(same.pValue, 1.0);
}

void TestSweep::studentDistribution()
{
    // Table values: t(0.975; 1) = 12.706, t(0.975; 10) = 2.228, large df tends to 1.960.
    QVERIFY(std::abs(studentQuantile(0.975, 1) - 12.7062) < 1e-3);
    QVERIFY(std::abs(studentQuantile(0.975, 10) - 2.2281) < 1e-3);
    QVERIFY(std::abs(studentQuantile(0.975, 1e6) - 1.95996) < 1e-3);
    QVERIFY(std::abs(studentQuantile(0.025, 10) + 2.2281) < 1e-3);
    QVERIFY(std::abs(studentTwoSidedP(0.0, 5) - 1.0) < 1e-12);
    QVERIFY(std::abs(studentTwoSidedP(2.2281388, 10) - 0.05) < 1e-6);
}

void TestSweep::aggregatesPerPoint()
{
    SweepSpec spec = gridSpec();
    spec.axes = {parseSweepAxis("fc1=0,0.5")};
    spec.repeats = 2;
    const auto runs = expandSweep(spec);
    std::vector<RunRecord> records = {
        fakeRecord(runs[0].id, 0.990, 0.991, 0.999, 0.990),
        fakeRecord(runs[1].id, 0.992, 0.993, 0.998, 0.992),
        fakeRecord(runs[2].id, 0.980, 0.985, 0.990, 0.985),
        fakeRecord("not-of-this-sweep", 0.1, 0.1, 0.1, 0.1),
    };
    RunRecord stopped = fakeRecord(runs[3].id, 0.5, 0.5, 0.5, 0.5);
    stopped.result.status = RunStatus::Stopped;
    records.push_back(stopped);

    const auto points = aggregateSweep(spec, records);
    QCOMPARE(points.size(), std::size_t{2});
    QCOMPARE(points[0].point.label(), std::string("fc1=0"));
    QCOMPARE(points[0].completedRuns, 2);
    QVERIFY(std::abs(points[0].testAccuracy.mean - 0.991) < 1e-12);
    QVERIFY(std::abs(points[0].testAccuracy.std - std::sqrt(2e-6)) < 1e-12);
    QVERIFY(std::abs(points[0].bestValAccuracy.mean - 0.992) < 1e-12);
    QVERIFY(std::abs(points[0].gap.mean - 0.0075) < 1e-12);
    QCOMPARE(points[1].completedRuns, 1);
    QCOMPARE(points[1].stoppedRuns, 1);
    QCOMPARE(points[1].testAccuracy.mean, 0.980);
}

void TestSweep::resumeSkipsFinishedRuns()
{
    QTemporaryDir dir;
    SweepSpec spec = tinySpec(2, 1);
    SweepFolder folder(dir.path().toStdString());
    folder.prepare(spec);
    const auto runs = expandSweep(spec);
    CancelToken token;

    CountingProgress first;
    QCOMPARE(runSweep(spec, runs, folder, first, token).size(), std::size_t{2});
    QCOMPARE(first.started, 2);

    CountingProgress second;
    QCOMPARE(runSweep(spec, runs, folder, second, token).size(), std::size_t{0});
    QCOMPARE(second.skipped, 2);

    // An interrupted run (no result.json) is redone; the finished one is not.
    QVERIFY(QFile::remove(QString::fromStdString(folder.runDir(runs[1].id)) + "/result.json"));
    CountingProgress third;
    QCOMPARE(runSweep(spec, runs, folder, third, token).size(), std::size_t{1});
    QCOMPARE(third.skipped, 1);
    QCOMPARE(third.statuses.at(runs[1].id), std::string("completed"));

    // Another spec in the same folder is refused.
    SweepSpec other = spec;
    other.repeats = 2;
    QVERIFY_THROWS_EXCEPTION(ConfigError, folder.prepare(other));
    QCOMPARE(folder.loadRuns().size(), std::size_t{2});
}

void TestSweep::successiveHalvingStopsTheWorseHalf()
{
    QTemporaryDir dir;
    SweepSpec spec = tinySpec(4, 3);
    spec.halving.atEpoch = 1;
    SweepFolder folder(dir.path().toStdString());
    folder.prepare(spec);
    CountingProgress progress;
    CancelToken token;
    runSweep(spec, expandSweep(spec), folder, progress, token);

    int stopped = 0;
    int completed = 0;
    // The points stopped must be the worse half by validation accuracy at the rung (one seed per
    // point here, so a point's mean is its run's figure).
    double bestStopped = 0.0;
    double worstCompleted = 1.0;
    for (const auto& record : folder.loadRuns()) {
        QVERIFY(!record.result.epochs.empty());
        const double atRung = record.result.epochs.front().valAccuracy;
        if (record.result.status == RunStatus::Stopped) {
            bestStopped = std::max(bestStopped, atRung);
            ++stopped;
            QCOMPARE(record.result.epochs.size(), std::size_t{1});
            QVERIFY(!record.result.testAccuracy);
            QVERIFY(QString::fromStdString(record.result.message).contains("successive halving"));
        } else {
            worstCompleted = std::min(worstCompleted, atRung);
            ++completed;
            QCOMPARE(toString(record.result.status), std::string("completed"));
            QCOMPARE(record.result.epochs.size(), std::size_t{3});
        }
    }
    QCOMPARE(stopped, 2);
    QCOMPARE(completed, 2);
    QVERIFY2(bestStopped <= worstCompleted,
             qPrintable(QString("a stopped point (val %1) beat a completed one (val %2) at the rung")
                            .arg(bestStopped).arg(worstCompleted)));
    // Stopped runs are finished work: a rerun skips them.
    CountingProgress again;
    runSweep(spec, expandSweep(spec), folder, again, token);
    QCOMPARE(again.skipped, 4);
}

QTEST_GUILESS_MAIN(TestSweep)
#include "test_sweep.moc"
