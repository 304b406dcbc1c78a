// File > Open Sweep Folder (SweepFolderWatcher) on a sweep that a real Slurm job array is still
// writing: the runs show up planned, then running with their epochs, then completed with the
// results the job wrote. Needs a Slurm (scripts/slurm-local.sh start); skips without one unless
// DROPOUTLAB_REQUIRE_SLURM=1.
#include "run_queue.h"
#include "runs_model.h"
#include "sweep_folder_watcher.h"

#include "dropoutlab/core/file_io.h"
#include "dropoutlab/core/results.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::ui;

namespace {

/// Runs a Slurm command; its stdout, or a null string when it failed or did not answer.
QString slurm(const QString& program, const QStringList& arguments, const QProcessEnvironment& env = {})
{
    QProcess process;
    if (!env.isEmpty())
        process.setProcessEnvironment(env);
    process.start(program, arguments);
    if (!process.waitForFinished(15000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return {};
    return QString::fromUtf8(process.readAllStandardOutput()).trimmed();
}

bool jobListed(const QString& job)
{
    return !slurm("squeue", {"-h", "-j", job, "-o", "%i"}).isEmpty();
}

} // namespace

class TestSlurmSweepFolder : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void showsTheSweepWhileSlurmWritesIt();
};

void TestSlurmSweepFolder::showsTheSweepWhileSlurmWritesIt()
{
    if (slurm("sinfo", {"-h"}).isNull()) {
        if (qEnvironmentVariable("DROPOUTLAB_REQUIRE_SLURM") == "1")
            QFAIL("no Slurm answers (sinfo), and DROPOUTLAB_REQUIRE_SLURM=1");
        QSKIP("no Slurm answers on this machine; start one with scripts/slurm-local.sh start");
    }
    QTemporaryDir work;
    QVERIFY(work.isValid());
    const QString spec = work.filePath("spec.json");
    const QString out = work.filePath("sweep");
    {
        QFile file(spec);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral(R"({"name": "watched while Slurm writes it",
  "base": {"model": "cnn", "epochs": 6, "batch_size": 50, "learning_rate": 0.05, "momentum": 0.9, "data": "%1"},
  "axes": [{"parameter": "fc1", "values": [0, 0.5]}], "repeats": 2, "first_seed": 1})")
                       .arg(DROPOUTLAB_TEST_DATA_DIR "/mnist-small")
                       .toUtf8());
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("DROPOUTLAB_CLI", DROPOUTLAB_CLI_PATH);
    const QString job = slurm("sbatch", {"--parsable", "--array=1-2", "--cpus-per-task=1", "--mem=1G", "--time=00:10:00",
                                         "--chdir=" + work.path(), "--output=" + work.filePath("slurm-%A_%a.log"),
                                         DROPOUTLAB_SOURCE_DIR "/packaging/slurm/dropoutlab-sweep.sbatch", spec, out},
                            env)
                          .section(';', 0, 0);
    QVERIFY2(!job.isEmpty(), "sbatch refused the job array");
    const auto cancel = qScopeGuard([&] { slurm("scancel", {job}); });

    // Open the folder as soon as the first task has written sweep.json.
    QElapsedTimer clock;
    clock.start();
    while (!QFile::exists(out + "/sweep.json")) {
        QVERIFY2(clock.elapsed() < 300000, "no sweep.json after 300 s");
        QTest::qWait(100);
    }
    RunsModel model;
    RunQueue queue(&model);
    SweepFolderWatcher watcher(&model, &queue);
    SweepSpec read;
    QString error;
    QVERIFY2(watcher.open(out, read, &error), qPrintable(error));
    QCOMPARE(model.rowCount(), 4);
    QVERIFY2(jobListed(job), "the job ended before the folder was opened: nothing was watched while written");

    // Follow it. The watcher's own timer polls every 2 s, which a run on the small fixture can
    // fall between; the test polls it every 100 ms as well so that a running state is seen.
    QSet<QString> seenRunning;
    int completed = 0;
    while (completed < 4) {
        QVERIFY2(clock.elapsed() < 300000, qPrintable(QString("only %1 of 4 runs completed after 300 s").arg(completed)));
        QTest::qWait(100);
        watcher.poll();
        completed = 0;
        for (const auto& e : model.entries()) {
            if (e.state == RunState::Running && !e.result.epochs.empty())
                seenRunning.insert(e.runKey);
            completed += e.state == RunState::Completed ? 1 : 0;
        }
    }
    QVERIFY2(!seenRunning.isEmpty(), "no run was ever shown running with its epochs");
    qInfo("seen running with epochs while Slurm wrote them: %lld of 4 runs", static_cast<long long>(seenRunning.size()));

    // What the table shows is what the job wrote.
    for (const auto& e : model.entries()) {
        const std::string path = out.toStdString() + "/runs/" + e.runKey.toStdString() + "/result.json";
        const RunResult written = resultFromJson(readTextFile(path, kMaxJsonFileBytes), path);
        QVERIFY(written.testAccuracy.has_value() && e.result.testAccuracy.has_value());
        QCOMPARE(*e.result.testAccuracy, *written.testAccuracy);
        QCOMPARE(e.result.epochs.size(), std::size_t{6});
    }
    while (jobListed(job)) {
        QVERIFY2(clock.elapsed() < 300000, "the job did not end");
        QTest::qWait(200);
    }
}

QTEST_MAIN(TestSlurmSweepFolder)
#include "test_slurm_sweep_folder.moc"
