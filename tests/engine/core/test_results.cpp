#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/results.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <sstream>

using namespace dropoutlab;

namespace {

RunResult sampleResult()
{
    RunResult result;
    result.status = RunStatus::Completed;
    result.testAccuracy = 0.9912;
    result.testLoss = 0.0291;
    result.bestValAccuracy = 0.9905;
    result.wallSeconds = 123.5;
    result.device = "cpu";
    result.threads = 3;
    result.stoppedEarly = true;
    result.bestEpoch = 2;
    result.message = "early stopping after epoch 3";
    // Distinct values in every field, so that a field read into another is caught.
    for (int e = 1; e <= 3; ++e)
        result.epochs.push_back({e, 0.3 / e, 0.9 + 0.01 * e, 0.2 / e, 0.95 + 0.01 * e, 20.0 + e, 17.0, 3.0});
    return result;
}

void compareResults(const RunResult& a, const RunResult& b)
{
    // Every field of a result and of each epoch survives the round trip.
    QCOMPARE(toString(a.status), toString(b.status));
    QCOMPARE(a.message, b.message);
    QVERIFY(a.testAccuracy == b.testAccuracy);
    QVERIFY(a.testLoss == b.testLoss);
    QCOMPARE(a.bestValAccuracy, b.bestValAccuracy);
    QCOMPARE(a.wallSeconds, b.wallSeconds);
    QCOMPARE(a.device, b.device);
    QCOMPARE(a.threads, b.threads);
    QCOMPARE(a.divergedEpoch, b.divergedEpoch);
    QCOMPARE(a.divergedBatch, b.divergedBatch);
    QCOMPARE(a.stoppedEarly, b.stoppedEarly);
    QCOMPARE(a.bestEpoch, b.bestEpoch);
    QCOMPARE(a.epochs.size(), b.epochs.size());
    for (std::size_t i = 0; i < a.epochs.size(); ++i) {
        const EpochMetrics& x = a.epochs[i];
        const EpochMetrics& y = b.epochs[i];
        QCOMPARE(x.epoch, y.epoch);
        QCOMPARE(x.trainLoss, y.trainLoss);
        QCOMPARE(x.trainAccuracy, y.trainAccuracy);
        QCOMPARE(x.valLoss, y.valLoss);
        QCOMPARE(x.valAccuracy, y.valAccuracy);
        QCOMPARE(x.seconds, y.seconds);
        QCOMPARE(x.trainSeconds, y.trainSeconds);
        QCOMPARE(x.valSeconds, y.valSeconds);
    }
}

class NullObserver final : public ExperimentObserver {};

} // namespace

class TestResults : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void resultJsonRoundTrip();
    void divergedAndCancelledRoundTrip();
    void runFolderRoundTrip();
    void interruptedRunKeepsCompleteEpochs();
    void metricsLinesInOrderOnce_data();
    void metricsLinesInOrderOnce();
    void runDirectoriesAreUnique();
    void csvTables();
    void resultsJsonOfSeveralRuns();
    void learnedRatesAreSummarisedAndReadBack();
};

void TestResults::resultJsonRoundTrip()
{
    const RunResult result = sampleResult();
    const std::string text = resultToJson(result, "fc1 0.5");
    for (const char* key : {"\"status\": \"completed\"", "\"test_accuracy\"", "\"test_loss\"", "\"best_val_accuracy\"",
                            "\"wall_seconds\"", "\"device\"", "\"epochs\"", "\"train_loss\"", "\"train_accuracy\"",
                            "\"val_loss\"", "\"val_accuracy\"", "\"seconds\""})
        QVERIFY2(text.find(key) != std::string::npos, key);
    compareResults(resultFromJson(text, "mem"), result);
}

void TestResults::divergedAndCancelledRoundTrip()
{
    RunResult diverged = sampleResult();
    diverged.status = RunStatus::Diverged;
    diverged.testAccuracy.reset();
    diverged.testLoss.reset();
    diverged.divergedEpoch = 4;
    diverged.divergedBatch = 17;
    const RunResult back = resultFromJson(resultToJson(diverged, "x"), "mem");
    compareResults(back, diverged);
    QCOMPARE(back.divergedEpoch, 4);
    QCOMPARE(back.divergedBatch, 17);
    QVERIFY(resultToJson(diverged, "x").find("\"test_accuracy\": null") != std::string::npos);
    QVERIFY_THROWS_EXCEPTION(ConfigError, resultFromJson(R"({"status": "exploded"})", "mem"));
}

void TestResults::runFolderRoundTrip()
{
    QTemporaryDir dir;
    ExperimentConfig config;
    config.name = "fc1 0.5";
    config.dropout["fc1"] = {0.5, DropoutKind::Element};
    const RunResult result = sampleResult();
    const std::string runDir = dir.filePath("run-a").toStdString();
    {
        RunWriter writer(runDir, config);
        for (const auto& m : result.epochs)
            writer.appendEpoch(m);
        writer.writeResult(result);
    }
    QVERIFY(QFile::exists(dir.filePath("run-a/config.json")));
    QVERIFY(QFile::exists(dir.filePath("run-a/result.json")));
    QVERIFY(QDir(dir.filePath("run-a")).entryList({"*.tmp*"}, QDir::Files).isEmpty());  // no temporaries left
    QFile metrics(dir.filePath("run-a/metrics.jsonl"));
    QVERIFY(metrics.open(QIODevice::ReadOnly));
    QCOMPARE(metrics.readAll().count('\n'), 3);

    const RunRecord record = loadRun(runDir);
    QCOMPARE(record.id, std::string("run-a"));
    QVERIFY(record.config == config);
    compareResults(record.result, result);
    QVERIFY_THROWS_EXCEPTION(IoError, RunWriter(runDir, config));  // never overwrite a run

    const auto runs = loadWorkspace(dir.path().toStdString());
    QCOMPARE(runs.size(), std::size_t{1});
}

void TestResults::interruptedRunKeepsCompleteEpochs()
{
    QTemporaryDir dir;
    const std::string runDir = dir.filePath("crashed").toStdString();
    const RunResult result = sampleResult();
    {
        RunWriter writer(runDir, ExperimentConfig{});
        writer.appendEpoch(result.epochs[0]);
        writer.appendEpoch(result.epochs[1]);
    }
    // A crash mid-write leaves a partial last line.
    QFile metrics(dir.filePath("crashed/metrics.jsonl"));
    QVERIFY(metrics.open(QIODevice::Append));
    metrics.write("{\"epoch\": 3, \"train_lo");
    metrics.close();

    const RunRecord record = loadRun(runDir);
    QCOMPARE(toString(record.result.status), std::string("interrupted"));
    QCOMPARE(record.result.epochs.size(), std::size_t{2});
    QCOMPARE(record.result.bestValAccuracy, result.epochs[1].valAccuracy);
}

void TestResults::metricsLinesInOrderOnce_data()
{
    QTest::addColumn<QList<int>>("epochs");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("repeated") << QList<int>{1, 2, 2, 3} << "metrics.jsonl:3: epoch 2 repeats or goes back after epoch 2; expected epoch 3";
    QTest::newRow("back") << QList<int>{1, 2, 1} << "metrics.jsonl:3: epoch 1 repeats or goes back after epoch 2";
    QTest::newRow("skipped") << QList<int>{1, 3} << "metrics.jsonl:2: epoch 3 skips ahead after epoch 1";
    QTest::newRow("not from 1") << QList<int>{2} << "metrics.jsonl:1: epoch 2 skips ahead after epoch 0";
    QTest::newRow("unknown key") << QList<int>{1, -1} << "metrics.jsonl:2";
}

void TestResults::metricsLinesInOrderOnce()
{
    // Each epoch once, in order, and only known keys: anything else is refused naming the line.
    QFETCH(QList<int>, epochs);
    QFETCH(QString, fragment);
    QTemporaryDir dir;
    const std::string runDir = dir.filePath("run").toStdString();
    {
        RunWriter writer(runDir, ExperimentConfig{});
        writer.appendEpoch(sampleResult().epochs[0]);  // epoch 1, replaced below
    }
    QFile metrics(dir.filePath("run/metrics.jsonl"));
    QVERIFY(metrics.open(QIODevice::WriteOnly | QIODevice::Truncate));
    for (int epoch : epochs) {
        if (epoch < 0)
            metrics.write(R"({"epoch": 2, "train_loss": 0.1, "train_accuracy": 0.9, "val_loss": 0.1, "val_accuracy": 0.9, "seconds": 1, "surprise": 1})");
        else
            metrics.write(QString(R"({"epoch": %1, "train_loss": 0.1, "train_accuracy": 0.9, "val_loss": 0.1, "val_accuracy": 0.9, "seconds": 1})")
                              .arg(epoch)
                              .toUtf8());
        metrics.write("\n");
    }
    metrics.close();
    try {
        loadRun(runDir);
        QFAIL("accepted");
    } catch (const Error& error) {
        QVERIFY2(QString::fromUtf8(error.what()).contains(fragment), error.what());
    }
}

void TestResults::runDirectoriesAreUnique()
{
    QTemporaryDir dir;
    const std::string a = createRunDirectory(dir.path().toStdString(), "No Dropout!");
    const std::string b = createRunDirectory(dir.path().toStdString(), "No Dropout!");
    QVERIFY(a != b);
    QVERIFY(QString::fromStdString(a).endsWith("-no-dropout"));
    QVERIFY(QDir(QString::fromStdString(b)).exists());
}

void TestResults::csvTables()
{
    RunRecord run;
    run.id = "20261126-run";
    run.config.name = "with, comma";
    run.config.dropout["fc1"] = {0.5, DropoutKind::Element};
    run.result = sampleResult();

    std::ostringstream longCsv;
    writeLongCsv({run}, longCsv);
    const QStringList longLines = QString::fromStdString(longCsv.str()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(longLines.first(), QString("run,name,epoch,metric,value"));
    QCOMPARE(longLines.size(), 1 + 3 * 5);
    QVERIFY(longLines.contains("20261126-run,\"with, comma\",2,val_accuracy,0.97"));

    std::ostringstream summary;
    writeSummaryCsv({run}, summary);
    const QStringList summaryLines = QString::fromStdString(summary.str()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(summaryLines.size(), 2);
    QVERIFY(summaryLines[0].startsWith("run,name,model,dropout,status,epochs,test_accuracy"));
    QVERIFY2(summaryLines[1].startsWith("20261126-run,\"with, comma\",cnn,fc1 0.5,completed,3,0.9912,0.0291,0.9905,"),
             qPrintable(summaryLines[1]));
}

void TestResults::resultsJsonOfSeveralRuns()
{
    ExperimentConfig config;
    config.name = "fc1 0.5";
    config.dropout["fc1"] = {0.5, DropoutKind::Element};
    const RunRecord a{"20261127-a", "/ws/20261127-a", config, sampleResult()};
    RunRecord b = a;
    b.id = "20261127-b";
    b.result.status = RunStatus::Diverged;
    const std::string text = runsToJson({a, b});
    // Each element is a result.json object plus its run id and config: both parts read back.
    QVERIFY(text.find("\"run\": \"20261127-b\"") != std::string::npos);
    const QJsonArray array = QJsonDocument::fromJson(QByteArray::fromStdString(text)).array();
    QCOMPARE(array.size(), 2);
    QJsonObject first = array[0].toObject();
    QCOMPARE(first["run"].toString(), QString("20261127-a"));
    const QByteArray configText = QJsonDocument(first["config"].toObject()).toJson();
    QVERIFY(configFromJson(configText.toStdString(), "config") == config);
    first.remove("run");
    first.remove("config");
    compareResults(resultFromJson(QJsonDocument(first).toJson().toStdString(), "element 1"), a.result);
    QCOMPARE(array[1].toObject()["status"].toString(), QString("diverged"));
    QCOMPARE(runsToJson({}), std::string("[]\n"));
}

void TestResults::learnedRatesAreSummarisedAndReadBack()
{
    ExperimentConfig config;
    config.dropout = {{"fc1", {0.3, DropoutKind::Concrete}}, {"conv2", {0.1, DropoutKind::Element, 3, RateSchedule::Ramp, 0.0, 4}}};
    RunResult result;
    QCOMPARE(learnedRatesSummary(config, result), std::string());
    EpochMetrics m;
    m.epoch = 1;
    m.dropoutRates = {{"fc1", 0.0712}, {"conv2", 0.025}};
    result.epochs.push_back(m);
    QCOMPARE(learnedRatesSummary(config, result), std::string("fc1 0.0712"));  // the scheduled site is not learned
    const EpochMetrics back = epochFromJsonLine(epochToJsonLine(m), "mem");
    QVERIFY(back.dropoutRates == m.dropoutRates);
    QVERIFY_THROWS_EXCEPTION(Error, epochFromJsonLine(R"({"epoch": 1, "train_loss": 1, "train_accuracy": 0.5, "val_loss": 1,
        "val_accuracy": 0.5, "seconds": 1, "dropout_rates": {"fc1": 1.5}})", "mem"));
}

QTEST_GUILESS_MAIN(TestResults)
#include "test_results.moc"
