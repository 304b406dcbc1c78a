// Running sweeps into their folder (dropoutlab/train/sweep_runner.h, dropoutlab/core/sweep_folder.h): resume, successive halving.
#include "dropoutlab/core/errors.h"
#include "dropoutlab/train/sweep_runner.h"
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

namespace {

/// Counts what a sweep reports.
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


/// A prepared folder for tinySpec(2, 1) (two points, one seed) and its planned runs.
struct TinySweep {
    QTemporaryDir dir;
    SweepSpec spec = tinySpec(2, 1);
    SweepFolder folder{dir.path().toStdString()};
    std::vector<SweepRun> runs = expandSweep(spec);
    CancelToken token;
    TinySweep() { folder.prepare(spec); }
};

} // namespace

class TestSweepRunner : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void resumeSkipsFinishedRuns();
    void successiveHalvingStopsTheWorseHalf();
    void runNotMatchingItsPointIsLeftOut();
};

void TestSweepRunner::resumeSkipsFinishedRuns()
{
    TinySweep tiny;
    auto& [dir, spec, folder, runs, token] = tiny;

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

void TestSweepRunner::runNotMatchingItsPointIsLeftOut()
{
    // A run folder whose config.json contradicts the point its name says (another dropout rate,
    // another model) is named and left out of the figures, not counted under that point.
    TinySweep tiny;
    auto& [dir, spec, folder, runs, token] = tiny;
    CountingProgress progress;
    runSweep(spec, runs, folder, progress, token);
    QCOMPARE(folder.loadRuns().size(), std::size_t{2});

    ExperimentConfig other = runs[1].config;
    other.dropout.clear();
    other.model = other.model == ModelKind::Cnn ? ModelKind::Mlp : ModelKind::Cnn;
    QFile config(QString::fromStdString(folder.runDir(runs[1].id)) + "/config.json");
    QVERIFY(config.open(QIODevice::WriteOnly | QIODevice::Truncate));
    config.write(QByteArray::fromStdString(configToJson(other)));
    config.close();

    std::vector<std::string> problems;
    const auto records = folder.loadRuns(&problems);
    QCOMPARE(records.size(), std::size_t{1});
    QCOMPARE(records.front().id, runs[0].id);
    QCOMPARE(problems.size(), std::size_t{1});
    const QString problem = QString::fromStdString(problems.front());
    QVERIFY2(problem.contains(QString::fromStdString(runs[1].id)) && problem.contains("model") &&
                 problem.contains("dropout") && problem.contains("left out"),
             qPrintable(problem));
    const auto points = aggregateSweep(spec, records);
    int counted = 0;
    for (const auto& p : points)
        counted += p.completedRuns;
    QCOMPARE(counted, 1);
}

void TestSweepRunner::successiveHalvingStopsTheWorseHalf()
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

QTEST_GUILESS_MAIN(TestSweepRunner)
#include "test_sweep_runner.moc"
