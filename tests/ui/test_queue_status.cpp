// QueueStatus and HeadlessReporter (ui/queue_status.h, ui/headless_reporter.h): what a user or a log
// sees of the queue.
#include "fixture_runs.h"
#include "headless_reporter.h"
#include "run_queue.h"
#include "queue_status.h"
#include "runs_model.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::ui;

class TestQueueStatus : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void etaTexts();
    void idleQueuedAndReported();
};

void TestQueueStatus::etaTexts()
{
    QCOMPARE(formatEta(-1), QString("ETA —"));
    QCOMPARE(formatEta(41.6), QString("ETA 42 s"));
    QCOMPARE(formatEta(200), QString("ETA 3 min 20 s"));
    QCOMPARE(formatEta(3900), QString("ETA 1 h 5 min"));
}

void TestQueueStatus::idleQueuedAndReported()
{
    QTemporaryDir workspace;
    RunsModel model;
    RunQueue queue(&model);
    queue.setWorkspace(workspace.path());
    QueueStatus status(&model, &queue);
    QCOMPARE(status.text(), QString("Idle"));

    ExperimentConfig config = test::shortFixtureRun("tiny", 0.5, 1);
    config.trainSubset = 100;
    config.threads = 1;
    queue.enqueue(config);
    status.refresh();
    QCOMPARE(status.text(), QString("1 run(s) queued — press Run"));

    QStringList lines;
    HeadlessReporter reporter(&model, &queue, [&](const QString& line) { lines << line; });
    QSignalSpy done(&queue, &RunQueue::queueFinished);
    queue.start();
    QVERIFY(done.wait(60000));
    QCOMPARE(lines.size(), 2);
    QVERIFY2(lines[0].startsWith("[tiny] epoch 1/1: train loss ") && lines[0].contains("| val loss "), qPrintable(lines[0]));
    QVERIFY2(lines[1].startsWith("[tiny] completed, test accuracy "), qPrintable(lines[1]));
    status.refresh();
    QCOMPARE(status.text(), QString("Idle"));
}

QTEST_MAIN(TestQueueStatus)
#include "test_queue_status.moc"
