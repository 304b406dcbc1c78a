// Runs dropoutlab-cli as a user would: exit codes, messages, files, JSON output, Ctrl-C.
#include "dropoutlab/train/experiment.h"
#include "engine/core/idx_writer.h"

#include "dropoutlab/core/results.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <QStandardPaths>

#include <csignal>

#include <unistd.h>

namespace {

const QString kFixture = QStringLiteral(DROPOUTLAB_TEST_DATA_DIR "/mnist-small");

struct Outcome {
    int exitCode = -1;
    QString out;
    QString err;
};

Outcome runCli(const QStringList& arguments, int timeoutMs = 120000)
{
    QProcess process;
    process.start(QStringLiteral(DROPOUTLAB_CLI_PATH), arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return {-2, {}, "timed out"};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardOutput()), QString::fromUtf8(process.readAllStandardError())};
}

/// Runs `script` with sh in a private mount namespace (root only: real tmpfs and read-only
/// mounts without touching the machine). Empty when that is not possible here.
QString privateMountShell()
{
    if (::geteuid() != 0 || QStandardPaths::findExecutable(QStringLiteral("unshare")).isEmpty())
        return {};
    QProcess probe;
    probe.start(QStringLiteral("unshare"), {"-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt && umount /mnt"});
    if (!probe.waitForFinished(10000) || probe.exitCode() != 0)
        return {};
    return QStringLiteral("unshare");
}

QString shellQuote(const QString& text)
{
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

/// Starts a long fc1 0.5 run and returns once it has reported `epochs` finished epochs; the
/// stderr read so far goes to `err` (for the failure message).
bool startLongRunUntilEpoch(QProcess& process, const QString& outDir, int epochs, QString& err);

QStringList quickRun(const QString& outDir)
{
    return {"run", "--data", kFixture, "--epochs", "2", "--batch-size", "20", "--device", "cpu", "--out", outDir};
}

bool startLongRunUntilEpoch(QProcess& process, const QString& outDir, int epochs, QString& err)
{
    process.start(QStringLiteral(DROPOUTLAB_CLI_PATH), quickRun(outDir) << "--epochs" << "200" << "--dropout"
                                                                         << "fc1=0.5");
    if (!process.waitForStarted())
        return false;
    const QString line = QStringLiteral("epoch %1/200:").arg(epochs);
    for (int i = 0; i < 600 * epochs && !err.contains(line); ++i) {
        process.waitForReadyRead(100);
        err += QString::fromUtf8(process.readAllStandardError());
    }
    return err.contains(line);
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void listsPresets();
    void versionReportsBuildAndSystem();
    void usageErrorsExitTwo_data();
    void usageErrorsExitTwo();
    void missingDataExitsThree();
    void pathsAreBytes();
    void corruptDataExitsThree();
    void runWritesFoldersAndJson();
    void exportWritesCsv();
    void evaluateAndUncertaintyUseTheSavedModel();
    void interruptKeepsFinishedEpochs();
    void sigkillKeepsFinishedEpochs();
    void outOfMemoryIsReportedAndRecorded();
    void unavailableCudaIsAClearError();
    void fullDiskKeepsWhatWasWritten();
    void readOnlyResultsFolderIsAClearError();
};

void TestCli::listsPresets()
{
    const Outcome o = runCli({"presets"});
    QCOMPARE(o.exitCode, 0);
    QVERIFY(o.out.contains("reference"));
    QVERIFY(o.out.contains("mlp-classic"));
}

void TestCli::versionReportsBuildAndSystem()
{
    const Outcome brief = runCli({"--version"});
    QCOMPARE(brief.exitCode, 0);
    QVERIFY2(brief.out.startsWith("dropoutlab-cli 0."), qPrintable(brief.out));
    const Outcome full = runCli({"--version", "--verbose"});
    QCOMPARE(full.exitCode, 0);
    const QStringList lines = full.out.split('\n', Qt::SkipEmptyParts);
    QStringList labels;
    for (const QString& line : lines)
        labels << line.section(": ", 0, 0);
    QCOMPARE(labels.mid(0, 12), (QStringList{"Program", "Commit", "Built", "Qt", "LibTorch", "CPU kernels",
                                             "CPU convolutions", "BLAS", "CPU", "Threads", "CUDA", "cuDNN"}));
    QVERIFY(labels.last().startsWith("GPU"));
    QVERIFY2(QRegularExpression("^Built: \\d{4}-\\d{2}-\\d{2}$").match(lines.at(2)).hasMatch(), qPrintable(lines.at(2)));
    QVERIFY2(QRegularExpression("^LibTorch: \\d+\\.\\d+").match(lines.at(4)).hasMatch(), qPrintable(lines.at(4)));
}

void TestCli::usageErrorsExitTwo_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("unknown flag") << QStringList{"run", "--epochz", "3"} << "epochz";
    QTest::newRow("no subcommand") << QStringList{} << "subcommand";
    QTest::newRow("bad site") << QStringList{"run", "--dropout", "fc9=0.5", "--data", kFixture}
                              << "dropout site 'fc9' does not exist in the cnn model";
    QTest::newRow("bad rate") << QStringList{"run", "--dropout", "fc1=1.5", "--data", kFixture}
                              << "dropout site fc1: rate 1.5 is out of range";
    QTest::newRow("unknown preset") << QStringList{"run", "--preset", "famous"} << "unknown preset 'famous'";
    QTest::newRow("missing config") << QStringList{"run", "--config", "/nonexistent/config.json"}
                                    << "/nonexistent/config.json";
    QTest::newRow("weight decay not a number") << QStringList{"run", "--weight-decay", "lots", "--data", kFixture}
                                               << "--weight-decay: 'weight_decay' is \"lots\"; expected a number";
    QTest::newRow("unknown optimiser") << QStringList{"run", "--optimiser", "lbfgs", "--data", kFixture}
                                       << "--optimiser: unknown optimiser 'lbfgs'; expected sgd, adam or adamw";
    QTest::newRow("set without equals") << QStringList{"run", "--set", "nesterov", "--data", kFixture}
                                        << "--set 'nesterov': expected KEY=VALUE";
    QTest::newRow("set unknown key") << QStringList{"run", "--set", "dropout_rate=0.5", "--data", kFixture}
                                     << "unknown key 'dropout_rate'";
    QTest::newRow("max-norm layer") << QStringList{"run", "--max-norm", "3", "--set", "max_norm_layers=fc7", "--data", kFixture}
                                    << "max_norm_layers: 'fc7' is not a weighted layer of the cnn model";
    QTest::newRow("sweep axis") << QStringList{"sweep", "--axis", "weight_decay=-1", "--out", "/tmp/x", "--data", kFixture}
                                << "axis weight_decay: value -1 is invalid";
    QTest::newRow("sweep run name") << QStringList{"sweep", "--preset", "hinton2012", "--run", "famous", "--out", "/tmp/x"}
                                    << "--run 'famous': no run of that name; expected one of 'standard net (no dropout)'";
}

void TestCli::usageErrorsExitTwo()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, fragment);
    const Outcome o = runCli(arguments);
    QCOMPARE(o.exitCode, 2);
    QVERIFY2(o.err.contains(fragment), qPrintable(o.err));
}

void TestCli::pathsAreBytes()
{
    // Linux paths are bytes: a dataset and an output folder with Latin-1 names (not UTF-8) work;
    // a run name that is not UTF-8 is refused up front; a missing non-UTF-8 dataset is a data
    // error that leaves no empty run folder behind. The shell makes the bytes (printf '\351'):
    // QProcess arguments are text.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString script = QStringLiteral(R"SH(
cli=%1; fixture=%2
data=$(printf 'data-lat\351n'); out=$(printf 'runs-\351t\351')
mkdir "$data" && cp "$fixture"/* "$data"/
"$cli" run --data "$PWD/$data" --dropout fc1=0.5 --epochs 1 --batch-size 50 --train-subset 500 --out "$out" -q \
  > /dev/null 2> good.err; echo "good=$?"
grep -c bytes_hex "$out"/*/config.json
"$cli" export "$out" --summary summary.csv 2> export.err; echo "export=$?"
"$cli" run --data "$(printf 'mnist-\377')" --epochs 1 --out bad -q > /dev/null 2> bad.err; echo "bad=$?"
for d in bad/*/; do [ -d "$d" ] && { [ -s "$d/result.json" ] && echo failed_folder || echo empty_folder; }; done
"$cli" run --data "$fixture" --dropout fc1=0.5 --name "$(printf 'bad\377')" --epochs 1 --out named -q \
  > /dev/null 2> name.err; echo "name=$?"
)SH")
                               .arg(shellQuote(QStringLiteral(DROPOUTLAB_CLI_PATH)), shellQuote(kFixture));
    QProcess shell;
    shell.setWorkingDirectory(dir.path());
    shell.start(QStringLiteral("sh"), {"-c", script});
    QVERIFY(shell.waitForFinished(120000));
    const QString out = QString::fromUtf8(shell.readAllStandardOutput());
    auto read = [&](const char* name) {
        QFile file(dir.filePath(name));
        return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
    };
    QVERIFY2(out.contains("good=0"), qPrintable(out + read("good.err")));
    QVERIFY2(out.contains("\n1\n"), qPrintable(out));  // config.json stores the data path as bytes_hex
    QVERIFY2(out.contains("export=0"), qPrintable(out + read("export.err")));
    QVERIFY(read("summary.csv").contains("fc1"));
    QVERIFY2(out.contains("bad=3"), qPrintable(out + read("bad.err")));
    QVERIFY2(!read("bad.err").contains("internal error"), qPrintable(read("bad.err")));
    QVERIFY2(!out.contains("empty_folder"), qPrintable(out));  // a folder with the reason, or none
    QVERIFY2(out.contains("name=2"), qPrintable(out + read("name.err")));
    QVERIFY2(read("name.err").contains("not valid UTF-8"), qPrintable(read("name.err")));
}

void TestCli::missingDataExitsThree()
{
    QTemporaryDir out;
    QTemporaryDir data;
    dropoutlab::test::writeDataset(data.path().toStdString(), 20, 5, false);
    QVERIFY(QFile::remove(data.filePath("train-labels-idx1-ubyte")));
    const Outcome o = runCli({"run", "--data", data.path(), "--out", out.path(), "--epochs", "1"});
    QCOMPARE(o.exitCode, 3);
    const QStringList lines = o.err.trimmed().split('\n');
    QVERIFY2(lines.last().startsWith("dropoutlab-cli: data error: "), qPrintable(o.err));
    QVERIFY2(lines.last().contains(data.filePath("train-labels-idx1-ubyte")), qPrintable(o.err));
    QVERIFY2(lines.last().contains("file not found"), qPrintable(o.err));
}

void TestCli::corruptDataExitsThree()
{
    QTemporaryDir out;
    QTemporaryDir data;
    dropoutlab::test::writeDataset(data.path().toStdString(), 20, 5, false);
    QFile file(data.filePath("t10k-images-idx3-ubyte"));
    QVERIFY(file.resize(100));
    const Outcome o = runCli({"run", "--data", data.path(), "--out", out.path(), "--epochs", "1"});
    QCOMPARE(o.exitCode, 3);
    QVERIFY2(o.err.contains(data.filePath("t10k-images-idx3-ubyte") + ": truncated"), qPrintable(o.err));
}

void TestCli::runWritesFoldersAndJson()
{
    QTemporaryDir out;
    const Outcome o = runCli(quickRun(out.path()) << "--json" << "--dropout" << "fc1=0.5");
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(o.out.toUtf8(), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString() + "\n" + o.out));
    QCOMPARE(doc.array().size(), 1);
    const QJsonObject result = doc.array().first().toObject();
    QCOMPARE(result["status"].toString(), QString("completed"));
    QVERIFY(result["test_accuracy"].toDouble() > 0.5 && result["test_accuracy"].toDouble() <= 1.0);
    QCOMPARE(result["epochs"].toArray().size(), 2);
    QVERIFY(o.err.contains("test acc"));  // the summary table goes to stderr with --json

    const QStringList runs = QDir(out.path()).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    QCOMPARE(runs.size(), 1);
    for (const char* name : {"config.json", "metrics.jsonl", "result.json", "model.pt"})
        QVERIFY2(QFile::exists(out.filePath(runs.first() + "/" + name)), name);
    // The honest training metric is in every epoch record.
    QVERIFY(result["epochs"].toArray().first().toObject().contains("train_eval_accuracy"));

    // Optimiser and regularisation flags reach the run's config (and the run trains with them).
    QTemporaryDir regularised;
    const Outcome r = runCli(quickRun(regularised.path()) << "--json" << "--optimiser" << "adamw" << "--lr" << "0.001"
                                                          << "--weight-decay" << "0.01" << "--max-norm" << "2"
                                                          << "--lr-schedule" << "cosine" << "--set" << "adam_betas=[0.8,0.99]");
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QJsonObject config = QJsonDocument::fromJson(r.out.toUtf8()).array().first().toObject()["config"].toObject();
    QCOMPARE(config["optimiser"].toString(), QString("adamw"));
    QCOMPARE(config["weight_decay"].toDouble(), 0.01);
    QCOMPARE(config["max_norm"].toDouble(), 2.0);
    QCOMPARE(config["lr_schedule"].toString(), QString("cosine"));
    QCOMPARE(config["adam_betas"].toArray().first().toDouble(), 0.8);
    QVERIFY2(r.err.contains("AdamW, lr 0.001 cosine to 0, weight decay 0.01, max-norm 2"), qPrintable(r.err));
}

void TestCli::evaluateAndUncertaintyUseTheSavedModel()
{
    QTemporaryDir out;
    const Outcome run = runCli(quickRun(out.path()) << "--epochs" << "1" << "--dropout" << "fc1=0.5" << "--quiet");
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const QString dir = out.filePath(QDir(out.path()).entryList(QDir::Dirs | QDir::NoDotAndDotDot).first());

    const Outcome evaluate = runCli({"evaluate", dir, "--json"});
    QVERIFY2(evaluate.exitCode == 0, qPrintable(evaluate.err));
    const QJsonObject e = QJsonDocument::fromJson(evaluate.out.toUtf8()).object();
    QVERIFY2(e["matches_recorded"].toBool(), qPrintable(evaluate.out));
    QCOMPARE(e["test_accuracy"].toDouble(), e["recorded_test_accuracy"].toDouble());

    const QString report = out.filePath("report");
    const Outcome mc = runCli({"uncertainty", dir, "-T", "5", "--json", "--out", report});
    QVERIFY2(mc.exitCode == 0, qPrintable(mc.err));
    const QJsonObject u = QJsonDocument::fromJson(mc.out.toUtf8()).object();
    QCOMPARE(u["samples"].toInt(), 5);
    QVERIFY(u["stochastic"].toBool());
    QCOMPARE(u["mc"].toObject()["reliability"].toArray().size(), 15);
    QCOMPARE(u["deterministic"].toObject()["accuracy"].toDouble(), e["test_accuracy"].toDouble());
    for (const char* name : {"uncertainty.json", "reliability.csv", "rejection.csv", "entropy_histograms.csv"})
        QVERIFY2(QFile::exists(report + "/" + name), name);

    // A damaged model: exit 3, the file named, no crash.
    QFile model(dir + "/model.pt");
    QVERIFY(model.open(QIODevice::ReadWrite));
    model.resize(model.size() / 3);
    model.close();
    for (const QStringList& args : {QStringList{"evaluate", dir}, QStringList{"uncertainty", dir}}) {
        const Outcome bad = runCli(args);
        QCOMPARE(bad.exitCode, 3);
        QVERIFY2(bad.err.contains(dir + "/model.pt") && bad.err.contains("model error"), qPrintable(bad.err));
    }
    QCOMPARE(runCli({"uncertainty", dir, "-T", "0"}).exitCode, 2);
}

void TestCli::exportWritesCsv()
{
    QTemporaryDir out;
    const Outcome run = runCli(quickRun(out.path()) << "--epochs" << "1" << "--quiet");
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QVERIFY(run.out.contains("no dropout"));  // the summary table names both reference runs
    QVERIFY(run.out.contains("fc1 dropout 0.5"));

    const QString longCsv = out.filePath("long.csv");
    const QString summaryCsv = out.filePath("summary.csv");
    const Outcome o = runCli({"export", out.path(), "--long", longCsv, "--summary", summaryCsv});
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    QFile summary(summaryCsv);
    QVERIFY(summary.open(QIODevice::ReadOnly));
    const QStringList rows = QString::fromUtf8(summary.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(rows.size(), 3);
    QFile longFile(longCsv);
    QVERIFY(longFile.open(QIODevice::ReadOnly));
    // Per epoch: train/val loss and accuracy, seconds, and the dropout-off training loss and accuracy.
    const QStringList longRows = QString::fromUtf8(longFile.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(longRows.size(), 1 + 2 * 7);
    QVERIFY2(longRows.filter(",train_eval_accuracy,").size() == 2, qPrintable(longRows.join('\n')));

    QCOMPARE(runCli({"export", "/nonexistent/workspace"}).exitCode, 1);
}

void TestCli::interruptKeepsFinishedEpochs()
{
    QTemporaryDir out;
    QProcess process;
    // Wait until the first epoch is reported, then press Ctrl-C.
    QString err;
    QVERIFY2(startLongRunUntilEpoch(process, out.path(), 1, err), qPrintable(err));
    ::kill(static_cast<pid_t>(process.processId()), SIGINT);
    QVERIFY(process.waitForFinished(30000));
    QCOMPARE(process.exitCode(), 130);

    const QStringList runs = QDir(out.path()).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    QCOMPARE(runs.size(), 1);
    QFile result(out.filePath(runs.first() + "/result.json"));
    QVERIFY(result.open(QIODevice::ReadOnly));
    const QJsonObject object = QJsonDocument::fromJson(result.readAll()).object();
    QCOMPARE(object["status"].toString(), QString("cancelled"));
    QVERIFY(object["epochs"].toArray().size() >= 1);
}

void TestCli::sigkillKeepsFinishedEpochs()
{
    QTemporaryDir out;
    QProcess process;
    // Wait for two finished epochs, then kill in the middle of the third: no handler runs.
    QString err;
    QVERIFY2(startLongRunUntilEpoch(process, out.path(), 2, err), qPrintable(err));
    QTest::qWait(300);
    process.kill();  // SIGKILL
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::CrashExit);

    const QStringList runs = QDir(out.path()).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    QCOMPARE(runs.size(), 1);
    const QString dir = out.filePath(runs.first());
    QVERIFY(!QFile::exists(dir + "/result.json"));
    // Reopening the workspace shows the run as interrupted, with every finished epoch.
    const auto records = dropoutlab::loadWorkspace(out.path().toStdString());
    QCOMPARE(records.size(), std::size_t{1});
    const auto& result = records.front().result;
    QCOMPARE(dropoutlab::toString(result.status), std::string("interrupted"));
    QVERIFY2(result.epochs.size() >= 2, qPrintable(QString::number(result.epochs.size())));
    for (std::size_t i = 0; i < result.epochs.size(); ++i) {
        QCOMPARE(result.epochs[i].epoch, static_cast<int>(i + 1));
        QVERIFY(result.epochs[i].valAccuracy > 0.0);
    }
    // ... and the export reads it too.
    QTemporaryDir exported;
    const Outcome o = runCli({"export", out.path(), "--summary", exported.filePath("summary.csv")});
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    QFile summary(exported.filePath("summary.csv"));
    QVERIFY(summary.open(QIODevice::ReadOnly));
    QVERIFY(QString::fromUtf8(summary.readAll()).contains(",interrupted,"));
}

void TestCli::outOfMemoryIsReportedAndRecorded()
{
    QTemporaryDir out;
    QProcess process;
    auto environment = QProcessEnvironment::systemEnvironment();
    environment.insert("DROPOUTLAB_FAULT_OOM_AT_EPOCH", "2");
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(DROPOUTLAB_CLI_PATH), quickRun(out.path()) << "--epochs" << "3" << "--dropout"
                                                                             << "fc1=0.5");
    QVERIFY(process.waitForFinished(120000));
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QCOMPARE(process.exitCode(), 1);
    QVERIFY2(err.contains("out of memory on cpu") && err.contains("smaller batch size") && err.contains("epoch 2"),
             qPrintable(err));
    const auto records = dropoutlab::loadWorkspace(out.path().toStdString());
    QCOMPARE(records.size(), std::size_t{1});
    QCOMPARE(dropoutlab::toString(records.front().result.status), std::string("failed"));
    QCOMPARE(records.front().result.epochs.size(), std::size_t{1});  // epoch 1 is kept
}

void TestCli::unavailableCudaIsAClearError()
{
    QTemporaryDir out;
    if (dropoutlab::cudaAvailable())
        QSKIP("this machine has a CUDA device");
    // Without CUDA, --device cuda must fail: a silent fallback to the CPU would exit 0 here.
    const Outcome o = runCli(quickRun(out.path()) << "--device" << "cuda");
    QCOMPARE(o.exitCode, 2);
    QVERIFY2(o.err.contains("device error") && o.err.contains("cuda") && o.err.contains("--device cpu"),
             qPrintable(o.err));
}

void TestCli::fullDiskKeepsWhatWasWritten()
{
    if (privateMountShell().isEmpty())
        QSKIP("needs root and unshare to mount a small tmpfs");
    QTemporaryDir mountPoint;
    // The disk fills up after the first epoch is recorded: later writes fail with ENOSPC.
    const QString script =
        QStringLiteral("mount -t tmpfs -o size=256k tmpfs %1 && cd %1 && "
                       "(%2 run --data %3 --epochs 3 --batch-size 20 --device cpu --out %1/ws; echo \"exit=$?\") & "
                       "while ! grep -qs epoch %1/ws/*/metrics.jsonl; do sleep 0.05; done; "
                       "dd if=/dev/zero of=%1/filler bs=4k 2>/dev/null; wait; "
                       "cp -r %1/ws %1/../kept-ws 2>/dev/null; true")
            .arg(shellQuote(mountPoint.filePath("disk")), shellQuote(DROPOUTLAB_CLI_PATH), shellQuote(kFixture));
    QVERIFY(QDir().mkpath(mountPoint.filePath("disk")));
    QProcess shell;
    shell.start(QStringLiteral("unshare"), {"-m", "sh", "-c", script});
    QVERIFY(shell.waitForFinished(120000));
    const QString output = QString::fromUtf8(shell.readAllStandardOutput() + shell.readAllStandardError());
    QVERIFY2(output.contains("exit=1"), qPrintable(output));
    QVERIFY2(output.contains("No space left on device") && output.contains("finished epoch(s) are kept"),
             qPrintable(output));
    // What was written before the disk filled is intact and readable.
    const auto records = dropoutlab::loadWorkspace(mountPoint.filePath("kept-ws").toStdString());
    QCOMPARE(records.size(), std::size_t{1});
    QVERIFY(!records.front().result.epochs.empty());
    QCOMPARE(records.front().result.epochs.front().epoch, 1);
    QVERIFY(QDir(QString::fromStdString(records.front().dir)).entryList({"*.tmp.*"}, QDir::Files).isEmpty());
}

void TestCli::readOnlyResultsFolderIsAClearError()
{
    if (privateMountShell().isEmpty())
        QSKIP("needs root and unshare for a read-only bind mount");
    QTemporaryDir folder;
    const QString script = QStringLiteral("mount --bind %1 %1 && mount -o remount,bind,ro %1 && exec %2 run --data %3 "
                                          "--epochs 1 --batch-size 20 --device cpu --out %1")
                               .arg(shellQuote(folder.path()), shellQuote(DROPOUTLAB_CLI_PATH), shellQuote(kFixture));
    QProcess shell;
    shell.start(QStringLiteral("unshare"), {"-m", "sh", "-c", script});
    QVERIFY(shell.waitForFinished(60000));
    const QString err = QString::fromUtf8(shell.readAllStandardError());
    QCOMPARE(shell.exitCode(), 1);
    QVERIFY2(err.contains(folder.path()) && err.contains("Read-only file system"), qPrintable(err));
}

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
