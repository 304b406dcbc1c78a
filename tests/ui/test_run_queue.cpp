#include "fixture_runs.h"

#include "run_queue.h"
#include "runs_model.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::ui;
using dropoutlab::test::shortFixtureRun;
using dropoutlab::test::statusInFolder;

class TestRunQueue : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void runsQueueInOrderAndRecords();
    void stopCancelsTheCurrentRun();
    void destroyingDuringARunCancelsCleanly();
    void missingDatasetFailsAndStopsTheQueue();
    void stoppedSweepContinuesOnRun();
    void outOfMemoryFailsTheRunAndTheQueueCarriesOn();
    void unwritableWorkspaceIsReportedAndRecoverable();
};

void TestRunQueue::runsQueueInOrderAndRecords()
{
    QTemporaryDir workspace;
    RunsModel model;
    RunQueue queue(&model);
    queue.setWorkspace(workspace.path());
    const int a = queue.enqueue(shortFixtureRun("no dropout", 0.0));
    const int b = queue.enqueue(shortFixtureRun("fc1 0.5", 0.5));
    QSignalSpy progressed(&queue, &RunQueue::progressed);
    QSignalSpy started(&queue, &RunQueue::runStarted);
    QSignalSpy finished(&queue, &RunQueue::queueFinished);
    queue.start();
    QVERIFY(queue.isRunning());
    QVERIFY(finished.wait(120000));
    QVERIFY(!queue.isRunning());

    QCOMPARE(started.size(), 2);
    QCOMPARE(started[0][0].toInt(), a);
    QCOMPARE(started[1][0].toInt(), b);
    QVERIFY(progressed.size() >= 2 * (16 + 2));  // batch reports and epochs of both runs
    for (const int id : {a, b}) {
        const RunEntry* entry = model.find(id);
        QCOMPARE(displayName(entry->state), displayName(RunState::Completed));
        QCOMPARE(entry->result.epochs.size(), std::size_t{2});
        QVERIFY(entry->result.testAccuracy.has_value());
        QCOMPARE(statusInFolder(entry->dir), QString("completed"));
    }
}

void TestRunQueue::stopCancelsTheCurrentRun()
{
    QTemporaryDir workspace;
    RunsModel model;
    RunQueue queue(&model);
    queue.setWorkspace(workspace.path());
    const int id = queue.enqueue(shortFixtureRun("long", 0.5, 500));
    const int next = queue.enqueue(shortFixtureRun("never", 0.0));
    QSignalSpy progressed(&queue, &RunQueue::progressed);
    QSignalSpy finished(&queue, &RunQueue::queueFinished);
    queue.start();
    QVERIFY(progressed.wait(30000));
    QElapsedTimer timer;
    timer.start();
    queue.stop();
    QVERIFY(finished.wait(10000));
    QVERIFY2(timer.elapsed() < 5000, "stop took more than a few batches");
    QCOMPARE(displayName(model.find(id)->state), displayName(RunState::Cancelled));
    QCOMPARE(displayName(model.find(next)->state), displayName(RunState::Queued));
    QCOMPARE(statusInFolder(model.find(id)->dir), QString("cancelled"));
}

void TestRunQueue::destroyingDuringARunCancelsCleanly()
{
    QTemporaryDir workspace;
    RunsModel model;
    QString dir;
    {
        RunQueue queue(&model);
        queue.setWorkspace(workspace.path());
        const int id = queue.enqueue(shortFixtureRun("long", 0.0, 500));
        QSignalSpy progressed(&queue, &RunQueue::progressed);
        queue.start();
        // Wait for a finished epoch, so there is something to keep.
        QTRY_VERIFY_WITH_TIMEOUT(!model.find(id)->result.epochs.empty(), 60000);
        dir = model.find(id)->dir;
    }  // ~RunQueue: cancel, quit the thread, wait
    QCOMPARE(statusInFolder(dir), QString("cancelled"));
    QVERIFY(!loadRun(dir.toStdString()).result.epochs.empty());
}

void TestRunQueue::missingDatasetFailsAndStopsTheQueue()
{
    QTemporaryDir workspace;
    RunsModel model;
    RunQueue queue(&model);
    queue.setWorkspace(workspace.path());
    ExperimentConfig broken = shortFixtureRun("broken", 0.0);
    broken.dataDir = "/nonexistent/dataset";
    const int id = queue.enqueue(broken);
    const int next = queue.enqueue(shortFixtureRun("after", 0.0));
    QSignalSpy failed(&queue, &RunQueue::runFailed);
    QSignalSpy finished(&queue, &RunQueue::queueFinished);
    queue.start();
    QVERIFY(finished.wait(30000));
    QCOMPARE(failed.size(), 1);
    QVERIFY(failed[0][1].toString().contains("/nonexistent/dataset"));
    QCOMPARE(displayName(model.find(id)->state), displayName(RunState::Failed));
    QCOMPARE(displayName(model.find(next)->state), displayName(RunState::Queued));
}

void TestRunQueue::stoppedSweepContinuesOnRun()
{
    QTemporaryDir workspace;
    RunsModel model;
    RunQueue queue(&model);
    queue.setWorkspace(workspace.path());
    SweepSpec spec;
    spec.base = shortFixtureRun("base", 0.0, 3);
    spec.base.trainSubset = 300;
    spec.base.progressEvery = 1;
    spec.axes = {parseSweepAxis("fc1=0,0.5")};
    const auto ids = queue.enqueueSweep(spec, workspace.filePath("sweep"));
    QCOMPARE(ids.size(), std::size_t{2});
    QSignalSpy progressed(&queue, &RunQueue::progressed);
    QSignalSpy finished(&queue, &RunQueue::queueFinished);
    queue.start();
    QVERIFY(progressed.wait(30000));
    queue.stop();
    QVERIFY(finished.wait(30000));
    QCOMPARE(displayName(model.find(ids[0])->state), displayName(RunState::Cancelled));
    QCOMPARE(queue.queuedCount(), 1);

    queue.start();  // continues the sweep with its queued run
    QVERIFY(finished.wait(60000));
    QCOMPARE(displayName(model.find(ids[1])->state), displayName(RunState::Completed));
    QCOMPARE(statusInFolder(model.find(ids[1])->dir), QString("completed"));
}

void TestRunQueue::outOfMemoryFailsTheRunAndTheQueueCarriesOn()
{
    QTemporaryDir workspace;
    RunsModel model;
    RunQueue queue(&model);
    queue.setWorkspace(workspace.path());
    // Epoch 2 asks the real allocator for more memory than any machine has.
    qputenv("DROPOUTLAB_FAULT_OOM_AT_EPOCH", "2");
    const int big = queue.enqueue(shortFixtureRun("too big", 0.5, 3));
    const int next = queue.enqueue(shortFixtureRun("next", 0.0, 1));
    QSignalSpy finished(&queue, &RunQueue::queueFinished);
    queue.start();
    const bool done = finished.wait(120000);
    qunsetenv("DROPOUTLAB_FAULT_OOM_AT_EPOCH");
    QVERIFY(done);
    const RunEntry* failed = model.find(big);
    QCOMPARE(displayName(failed->state), displayName(RunState::Failed));
    QVERIFY2(failed->result.message.find("out of memory on cpu") != std::string::npos, failed->result.message.c_str());
    QCOMPARE(failed->result.epochs.size(), std::size_t{1});
    QCOMPARE(statusInFolder(failed->dir), QString("failed"));
    QCOMPARE(loadRun(failed->dir.toStdString()).result.epochs.size(), std::size_t{1});
    QCOMPARE(displayName(model.find(next)->state), displayName(RunState::Completed));
}

void TestRunQueue::unwritableWorkspaceIsReportedAndRecoverable()
{
    // A results folder that cannot be created (here: a file is in the way; tests/cli covers a
    // read-only mount) fails the run with the folder's name and the reason, and stops the queue.
    QTemporaryDir parent;
    const QString blocked = parent.filePath("not-a-folder");
    QFile file(blocked);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.close();
    RunsModel model;
    RunQueue queue(&model);
    queue.setWorkspace(blocked + "/workspace");
    const int id = queue.enqueue(shortFixtureRun("first", 0.0, 1));
    const int next = queue.enqueue(shortFixtureRun("second", 0.0, 1));
    QSignalSpy failed(&queue, &RunQueue::runFailed);
    QSignalSpy finished(&queue, &RunQueue::queueFinished);
    queue.start();  // fails at once: the folder is made before the run is handed to the thread
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    QCOMPARE(failed.size(), 1);
    const QString message = failed[0][1].toString();
    QVERIFY2(message.contains(blocked) && message.contains("Not a directory"), qPrintable(message));
    QCOMPARE(displayName(model.find(id)->state), displayName(RunState::Failed));
    QCOMPARE(displayName(model.find(next)->state), displayName(RunState::Queued));
    // The user picks another folder and goes on.
    queue.setWorkspace(parent.filePath("workspace"));
    queue.start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 60000);
    QCOMPARE(displayName(model.find(next)->state), displayName(RunState::Completed));
}

QTEST_GUILESS_MAIN(TestRunQueue)
#include "test_run_queue.moc"
