// Cancels real training 100 times at chosen and random moments (while the data loads, during
// training, validation and the test evaluation, and between the runs of a queue). Every cancel
// must let the training thread finish within 1 s, leave no thread behind and no crash; under the
// sanitizer preset the same test also checks for leaks and memory errors.

#include "fixture_runs.h"

#include "run_controller.h"
#include "run_worker.h"
#include "run_queue.h"
#include "runs_model.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QMap>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::ui;
using dropoutlab::test::shortFixtureRun;

namespace {

constexpr qint64 kJoinLimitMs = 1000;

/// Threads of this process, from /proc (a thread left behind by a cancelled run shows here).
int threadCount()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("Threads:"))
            return line.mid(8).trimmed().toInt();
    }
    return -1;
}

/// Where a cancel landed, read from what the run reported.
QString phaseOf(bool startedBeforeCancel, const RunResult& result)
{
    if (result.status == RunStatus::Completed)
        return QStringLiteral("after the run had completed");
    if (result.message.find("validation") != std::string::npos)
        return QStringLiteral("validation");
    if (result.message.find("test evaluation") != std::string::npos)
        return QStringLiteral("test evaluation");
    return startedBeforeCancel ? QStringLiteral("training") : QStringLiteral("loading");
}

} // namespace

class TestCancelStress final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cancelsDuringARun_data();
    void cancelsDuringARun();
    void cancelsBetweenQueuedRuns();
    void cleanupTestCase();

private:
    QTemporaryDir m_workspace;
    QTemporaryDir m_dataCopy;
    QMap<QString, int> m_phases;
    int m_cancels = 0;
    qint64 m_slowestMs = 0;
    int m_threadsAtStart = 0;
};

void TestCancelStress::initTestCase()
{
    QVERIFY(m_workspace.isValid() && m_dataCopy.isValid());
    // Two copies of the dataset used in turn: the engine keeps only the last one loaded, so
    // every run really loads its data and a cancel can land in the middle of it.
    const QDir fixture(QStringLiteral(DROPOUTLAB_TEST_DATA_DIR "/mnist-small"));
    for (const QString& name : fixture.entryList({QStringLiteral("*.gz")}, QDir::Files))
        QVERIFY(QFile::copy(fixture.filePath(name), QDir(m_dataCopy.path()).filePath(name)));
    m_threadsAtStart = threadCount();
}

void TestCancelStress::cancelsDuringARun_data()
{
    QTest::addColumn<QString>("moment");
    QTest::addColumn<int>("iteration");
    // 80 cancels in a run: 20 at each kind of moment.
    for (const char* moment : {"at once", "after start", "end of training", "last epoch done"}) {
        for (int i = 0; i < 20; ++i)
            QTest::newRow(qPrintable(QStringLiteral("%1 #%2").arg(moment).arg(i))) << QString(moment) << i;
    }
}

void TestCancelStress::cancelsDuringARun()
{
    QFETCH(QString, moment);
    QFETCH(int, iteration);
    ExperimentConfig config = shortFixtureRun("stress", 0.5, 2);
    config.dataDir = (iteration % 2 ? m_dataCopy.path() : QStringLiteral(DROPOUTLAB_TEST_DATA_DIR "/mnist-small"))
                         .toStdString();
    config.trainSubset = 400;  // 20 batches of 20
    config.evalBatchSize = 1;  // long validation and test evaluation: room to land a cancel in them
    config.progressEvery = 1;
    config.threads = 1;

    RunController controller;
    const RunWorker* worker = controller.worker();
    QSignalSpy started(worker, &RunWorker::started);
    QSignalSpy finished(worker, &RunWorker::finished);
    QSignalSpy failed(worker, &RunWorker::failed);
    bool trigger = false;
    // The triggers run on this thread as the worker's signals arrive, a few ms after the event.
    // Their receiver lives as long as this iteration: a signal still queued when it ends (the
    // sender's death does not remove posted events) is dropped with it instead of reaching
    // lambdas whose captures are gone.
    QObject iterationScope;
    connect(worker, &RunWorker::batchProgress, &iterationScope, [&](int, const BatchProgress& p) {
        if (moment == QLatin1String("end of training") && p.batch == p.batchesPerEpoch)
            trigger = true;
    });
    connect(worker, &RunWorker::epochFinished, &iterationScope, [&](int, const EpochMetrics& m) {
        if (moment == QLatin1String("last epoch done") && m.epoch == 2)
            trigger = true;
    });
    const QString dir = QDir(m_workspace.path()).filePath(QStringLiteral("run-%1-%2").arg(moment).arg(iteration));
    QVERIFY(controller.start(iteration, config, dir));

    auto* random = QRandomGenerator::global();
    if (moment == QLatin1String("after start")) {
        QVERIFY(started.wait(30000));
        QTest::qWait(random->bounded(60));
    } else if (moment != QLatin1String("at once")) {
        QTRY_VERIFY_WITH_TIMEOUT(trigger || !finished.isEmpty(), 60000);
        QTest::qWait(random->bounded(5));
    }
    const bool startedBeforeCancel = !started.isEmpty();
    QElapsedTimer join;
    join.start();
    controller.cancel();  // what Stop does
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 5000);
    controller.shutdown();  // quit the thread and wait for it (what closing the window does)
    const qint64 joinMs = join.elapsed();
    QVERIFY2(joinMs <= kJoinLimitMs,
             qPrintable(QStringLiteral("%1 ms from the cancel to the finished thread").arg(joinMs)));

    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(1).toString()));
    QCOMPARE(finished.size(), 1);
    const auto result = finished.first().at(1).value<RunResult>();
    QVERIFY(result.status == RunStatus::Cancelled || result.status == RunStatus::Completed);
    // The folder records what the run reported, finished epochs included.
    const RunRecord record = loadRun(dir.toStdString());
    QCOMPARE(toString(record.result.status), toString(result.status));
    QCOMPARE(record.result.epochs.size(), result.epochs.size());
    ++m_cancels;
    m_slowestMs = std::max(m_slowestMs, joinMs);
    ++m_phases[phaseOf(startedBeforeCancel, result)];
}

void TestCancelStress::cancelsBetweenQueuedRuns()
{
    // 20 cancels in the gap between two runs of a queue: Stop as the queue hands the second run
    // to the training thread, after the first has finished and before the second has trained.
    for (int i = 0; i < 20; ++i) {
        RunsModel model;
        RunQueue queue(&model);
        queue.setWorkspace(m_workspace.path());
        ExperimentConfig config = shortFixtureRun("between", 0.0, 1);
        config.trainSubset = 100;
        config.threads = 1;
        const int first = queue.enqueue(config);
        const int second = queue.enqueue(config);
        QElapsedTimer sinceStop;
        connect(&queue, &RunQueue::runStarted, &queue, [&](int id) {
            if (id == second) {
                QVERIFY(model.find(first)->state == RunState::Completed);
                sinceStop.start();
                queue.stop();
            }
        });
        QSignalSpy done(&queue, &RunQueue::queueFinished);
        queue.start();
        QVERIFY(done.wait(60000));
        QVERIFY2(sinceStop.isValid(), "the second run was never handed to the training thread");
        queue.shutdown();
        const qint64 joinMs = sinceStop.elapsed();
        QVERIFY2(joinMs <= kJoinLimitMs,
                 qPrintable(QStringLiteral("%1 ms from Stop to the finished thread").arg(joinMs)));
        m_slowestMs = std::max(m_slowestMs, joinMs);
        QCOMPARE(displayName(model.find(first)->state), displayName(RunState::Completed));
        // The second run was really started and really cancelled: no epoch, its folder says so.
        const RunEntry* cancelled = model.find(second);
        QCOMPARE(displayName(cancelled->state), displayName(RunState::Cancelled));
        QVERIFY(cancelled->result.epochs.empty());
        QCOMPARE(toString(loadRun(cancelled->dir.toStdString()).result.status), std::string("cancelled"));
        ++m_cancels;
        ++m_phases[QStringLiteral("between runs")];
    }
}

void TestCancelStress::cleanupTestCase()
{
    QStringList summary;
    for (auto it = m_phases.cbegin(); it != m_phases.cend(); ++it)
        summary << QStringLiteral("%1: %2").arg(it.key()).arg(it.value());
    qInfo("%d cancels survived, slowest %lld ms from cancel to finished thread; where they landed: %s", m_cancels,
          static_cast<long long>(m_slowestMs), qPrintable(summary.join(QStringLiteral(", "))));
    // Every kind of moment was really hit, not just asked for.
    for (const char* phase : {"loading", "training", "validation", "test evaluation", "between runs"})
        QVERIFY2(m_phases.value(QString::fromLatin1(phase)) > 0, phase);
    // Every training thread (and the thread pools it started) is gone again.
    QTRY_VERIFY_WITH_TIMEOUT(threadCount() <= m_threadsAtStart + 2, 5000);
}

QTEST_MAIN(TestCancelStress)
#include "test_cancel_stress.moc"
