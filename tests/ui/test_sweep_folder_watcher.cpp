// SweepFolderWatcher (ui/sweep_folder_watcher.h): a sweep another process writes shows up.
#include "run_queue.h"
#include "runs_model.h"
#include "sweep_folder_watcher.h"

#include "dropoutlab/core/results.h"

#include <QTemporaryDir>
#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::ui;

class TestSweepFolderWatcher : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void plannedThenRunningThenCompleted();
    void notASweepFolder();
};

void TestSweepFolderWatcher::plannedThenRunningThenCompleted()
{
    QTemporaryDir dir;
    SweepSpec spec;
    spec.axes = {parseSweepAxis("fc1=0,0.5")};
    spec.repeats = 1;
    SweepFolder folder(dir.path().toStdString());
    folder.prepare(spec);
    const auto runs = expandSweep(spec);

    RunsModel model;
    RunQueue queue(&model);
    SweepFolderWatcher watcher(&model, &queue);
    SweepSpec read;
    QString error;
    QVERIFY2(watcher.open(dir.path(), read, &error), qPrintable(error));
    QCOMPARE(read.axes.size(), std::size_t{1});
    QCOMPARE(model.rowCount(), 2);
    for (const auto& e : model.entries())
        QCOMPARE(displayName(e.state), displayName(RunState::Planned));
    // Opening again adds nothing twice.
    QVERIFY(watcher.open(dir.path(), read, &error));
    QCOMPARE(model.rowCount(), 2);

    // Another process starts the first run: one epoch, no result yet.
    RunWriter writer(folder.runDir(runs[0].id), runs[0].config);
    EpochMetrics epoch{1, 0.3, 0.9, 0.2, 0.93, 5.0, 4.0, 1.0};
    writer.appendEpoch(epoch);
    watcher.poll();
    const auto stateOf = [&](const std::string& key) {
        for (const auto& e : model.entries()) {
            if (e.runKey.toStdString() == key)
                return e.state;
        }
        return RunState::Failed;
    };
    QCOMPARE(displayName(stateOf(runs[0].id)), displayName(RunState::Running));
    QCOMPARE(displayName(stateOf(runs[1].id)), displayName(RunState::Planned));

    RunResult result;
    result.testAccuracy = 0.95;
    result.epochs = {epoch};
    writer.writeResult(result);
    watcher.poll();
    QCOMPARE(displayName(stateOf(runs[0].id)), displayName(RunState::Completed));
}

void TestSweepFolderWatcher::notASweepFolder()
{
    QTemporaryDir dir;
    RunsModel model;
    RunQueue queue(&model);
    SweepFolderWatcher watcher(&model, &queue);
    SweepSpec spec;
    QString error;
    QVERIFY(!watcher.open(dir.path(), spec, &error));
    QVERIFY2(!error.isEmpty(), "no reason given");
    QCOMPARE(model.rowCount(), 0);
}

QTEST_GUILESS_MAIN(TestSweepFolderWatcher)
#include "test_sweep_folder_watcher.moc"
