// WorkspaceLoader (ui/workspace_loader.h): recorded runs in, damaged folders named, queue kept.
#include "run_queue.h"
#include "runs_model.h"
#include "workspace_loader.h"
#include "model_fixture.h"

#include "dropoutlab/core/results.h"

#include <QDir>
#include <QFileInfo>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace dropoutlab;
using namespace dropoutlab::ui;

using dropoutlab::test::writeRecordedRun;

namespace {

/// Damages a run folder's file as a crash while writing it would.
bool cutShort(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write("{\"status\": ") > 0;
}

} // namespace

class TestWorkspaceLoader : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void loadsRecordedRunsAndKeepsTheQueue();
    void savedModelsAreNotedWhileReading();
    void opensInTheBackground();
    void anotherOpenOrTheEndStopsABackgroundRead();
    void aNameThatIsNotUtf8IsRefused();
    void damagedFoldersAreNamed();
    void unusableFolderChangesNothing();
};

void TestWorkspaceLoader::loadsRecordedRunsAndKeepsTheQueue()
{
    QTemporaryDir dir;
    writeRecordedRun(dir.path(), "a", 0.98);
    writeRecordedRun(dir.path(), "b", 0.99);
    RunsModel model;
    RunQueue queue(&model);
    ExperimentConfig queued;
    queued.name = "queued";
    queue.enqueue(queued);
    model.addRun(ExperimentConfig{}, RunState::Completed);  // from the previous workspace: goes
    WorkspaceLoader loader(&model, &queue);
    QString error;
    QVERIFY2(loader.open(dir.path(), &error), qPrintable(error));
    QVERIFY(loader.problems().isEmpty());
    QCOMPARE(loader.problemsMessage(dir.path()), QString());
    QCOMPARE(queue.workspace(), dir.path());
    QStringList names;
    for (const auto& e : model.entries())
        names << e.name() + QLatin1Char(':') + displayName(e.state);
    names.sort();
    QCOMPARE(names, (QStringList{"a:" + displayName(RunState::Completed), "b:" + displayName(RunState::Completed),
                                 "queued:" + displayName(RunState::Queued)}));
}

void TestWorkspaceLoader::savedModelsAreNotedWhileReading()
{
    // Whether a folder holds model.pt is found with the folder (on the reading threads), so the
    // Analysis tab need not look at every folder of a large workspace again.
    QTemporaryDir dir;
    writeRecordedRun(dir.path(), "with-model", 0.98);
    writeRecordedRun(dir.path(), "without", 0.99);
    QFile model(QDir(dir.path()).filePath(QStringLiteral("with-model/model.pt")));
    QVERIFY(model.open(QIODevice::WriteOnly));
    model.close();
    RunsModel runs;
    RunQueue queue(&runs);
    WorkspaceLoader loader(&runs, &queue);
    QString error;
    QVERIFY2(loader.open(dir.path(), &error), qPrintable(error));
    QCOMPARE(runs.rowCount(), 2);
    for (const auto& e : runs.entries()) {
        QVERIFY(e.hadModelFile.has_value());
        QCOMPARE(*e.hadModelFile, e.name() == QStringLiteral("with-model"));
    }
    // A run of this session has not been read from a folder: unknown.
    QVERIFY(!runs.find(runs.addRun(ExperimentConfig{}))->hadModelFile.has_value());
}

void TestWorkspaceLoader::opensInTheBackground()
{
    QTemporaryDir dir;
    for (int i = 0; i < 200; ++i)
        writeRecordedRun(dir.path(), "run-" + std::to_string(1000 + i), 0.9);
    QVERIFY(cutShort(dir.filePath("run-1100/result.json")));
    RunsModel model;
    RunQueue queue(&model);
    ExperimentConfig queued;
    queued.name = "queued";
    queue.enqueue(queued);
    WorkspaceLoader loader(&model, &queue);
    QSignalSpy loaded(&loader, &WorkspaceLoader::loaded);
    QSignalSpy finished(&queue, &RunQueue::queueFinished);
    QString error;
    QVERIFY2(loader.openInBackground(dir.path(), &error), qPrintable(error));
    // At once: the queued run is still there, the folder is the queue's, the read goes on.
    QVERIFY(loader.isLoading());
    QVERIFY(queue.isHeld());
    QCOMPARE(queue.workspace(), dir.path());
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.entries().front().name(), QStringLiteral("queued"));
    // A start asked for meanwhile waits for the runs (the queued run is removed first: this test
    // trains nothing, and an empty queue reports that it finished).
    model.removeRun(model.entries().front().id);
    queue.start();
    QCOMPARE(finished.size(), 0);
    QVERIFY(loaded.wait(20000));
    QCOMPARE(loaded.front().front().toString(), dir.path());
    QVERIFY(!loader.isLoading());
    QVERIFY(!queue.isHeld());
    QCOMPARE(finished.size(), 1);
    QCOMPARE(model.rowCount(), 199);
    QCOMPARE(loader.problems().size(), 1);
    QVERIFY2(loader.problems().front().contains("run-1100"), qPrintable(loader.problems().front()));
    // In folder order, as a synchronous open gives them.
    QCOMPARE(model.entries().front().name(), QStringLiteral("run-1000"));
    QCOMPARE(model.entries().back().name(), QStringLiteral("run-1199"));
}

void TestWorkspaceLoader::anotherOpenOrTheEndStopsABackgroundRead()
{
    QTemporaryDir big;
    for (int i = 0; i < 300; ++i)
        writeRecordedRun(big.path(), "big-" + std::to_string(i), 0.9);
    QTemporaryDir small;
    writeRecordedRun(small.path(), "small", 0.9);
    RunsModel model;
    RunQueue queue(&model);
    {
        // Gone while it reads: it stops and waits for its threads, nothing is left behind.
        WorkspaceLoader loader(&model, &queue);
        QVERIFY(loader.openInBackground(big.path(), nullptr));
    }
    QCoreApplication::processEvents();
    QCOMPARE(model.rowCount(), 0);
    WorkspaceLoader loader(&model, &queue);
    QSignalSpy loaded(&loader, &WorkspaceLoader::loaded);
    QVERIFY(loader.openInBackground(big.path(), nullptr));
    // Another folder before the first is read: only the second one's runs arrive.
    QVERIFY(loader.openInBackground(small.path(), nullptr));
    QVERIFY(loaded.wait(20000));
    QTest::qWait(100);
    QCOMPARE(loaded.size(), 1);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.entries().front().name(), QStringLiteral("small"));
    // A synchronous open in the middle of a background one replaces it and releases the queue.
    QVERIFY(loader.openInBackground(big.path(), nullptr));
    QVERIFY(queue.isHeld());
    QVERIFY(loader.open(small.path(), nullptr));
    QVERIFY(!loader.isLoading());
    QVERIFY(!queue.isHeld());
    QTest::qWait(100);
    QCOMPARE(model.rowCount(), 1);
}

void TestWorkspaceLoader::aNameThatIsNotUtf8IsRefused()
{
    // A Latin-1 folder name reaches Qt as U+FFFD: refused by name, and no look-alike folder made.
    QTemporaryDir parent;
    const QByteArray latin1 = QFile::encodeName(parent.path()) + "/ws-\xe9";
    QVERIFY(::mkdir(latin1.constData(), 0755) == 0);
    const QString asQt = QString::fromLocal8Bit(latin1);
    QVERIFY(asQt.contains(QChar::ReplacementCharacter));
    RunsModel model;
    RunQueue queue(&model);
    WorkspaceLoader loader(&model, &queue);
    QString error;
    QVERIFY(!loader.open(asQt, &error));
    QVERIFY2(error.contains("not valid UTF-8"), qPrintable(error));
    QVERIFY(!loader.openInBackground(asQt, &error));
    QVERIFY2(error.contains("not valid UTF-8"), qPrintable(error));
    QVERIFY(!QFileInfo::exists(asQt));  // no folder named with U+FFFD beside the real one
}

void TestWorkspaceLoader::damagedFoldersAreNamed()
{
    QTemporaryDir dir;
    writeRecordedRun(dir.path(), "good", 0.98);
    writeRecordedRun(dir.path(), "bad", 0.98);
    QVERIFY(cutShort(dir.filePath("bad/result.json")));
    RunsModel model;
    RunQueue queue(&model);
    WorkspaceLoader loader(&model, &queue);
    QVERIFY(loader.open(dir.path(), nullptr));
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(loader.problems().size(), 1);
    QVERIFY2(loader.problems().front().contains("bad"), qPrintable(loader.problems().front()));
    const QString message = loader.problemsMessage(dir.path());
    QVERIFY2(message.startsWith("One run folder in ") && message.contains("bad"), qPrintable(message));
}

void TestWorkspaceLoader::unusableFolderChangesNothing()
{
    QTemporaryDir dir;
    QFile file(dir.filePath("not-a-folder"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.close();
    RunsModel model;
    RunQueue queue(&model);
    model.addRun(ExperimentConfig{}, RunState::Completed);
    WorkspaceLoader loader(&model, &queue);
    QString error;
    QVERIFY(!loader.open(dir.filePath("not-a-folder"), &error));
    QVERIFY2(error.contains("not-a-folder"), qPrintable(error));
    QCOMPARE(model.rowCount(), 1);
}

QTEST_GUILESS_MAIN(TestWorkspaceLoader)
#include "test_workspace_loader.moc"
