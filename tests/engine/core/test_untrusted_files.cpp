// Crafted bad files of every kind the app reads (config, sweep spec, run results, workspace,
// IDX). Each must be refused with an error naming the file and the field or limit, quickly and
// without a large allocation; none may crash or hang (FIFOs included).

#include "engine/core/idx_writer.h"

#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/file_limits.h"
#include "dropoutlab/core/idx_reader.h"
#include "dropoutlab/core/json_stress.h"
#include "dropoutlab/core/zip_check.h"
#include "dropoutlab/core/results.h"
#include "dropoutlab/core/sweep.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>
#include <vector>

#include <sys/stat.h>

using namespace dropoutlab;
Q_DECLARE_METATYPE(std::vector<std::uint8_t>)

namespace {

QByteArray nested(int depth)
{
    return QByteArray(R"({"name": )") + QByteArray(depth, '[') + QByteArray(depth, ']') + "}";
}

QByteArray manyValues(int count)
{
    QByteArray values = "0";
    for (int i = 1; i < count; ++i)
        values += ",0";
    return values;
}

QByteArray resultWith(const QByteArray& fields)
{
    return R"({"status": "completed", "name": "x")" + (fields.isEmpty() ? QByteArray() : ", " + fields) + "}";
}

QByteArray epochLine(const QByteArray& epoch = "1")
{
    return R"({"epoch":)" + epoch +
           R"(,"seconds":1.5,"train_accuracy":0.9,"train_loss":0.3,"val_accuracy":0.8,"val_loss":0.4})";
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    QVERIFY2(file.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(path));
    file.write(bytes);
}

/// Runs `read`, which must throw a dropoutlab::Error whose message holds every fragment, and
/// must do so quickly (a FIFO or a huge claim would otherwise block or allocate).
void expectRefused(const std::function<void()>& read, const QStringList& fragments)
{
    QElapsedTimer timer;
    timer.start();
    try {
        read();
    } catch (const Error& error) {
        const QString message = QString::fromStdString(error.what());
        for (const QString& fragment : fragments)
            QVERIFY2(message.contains(fragment), qPrintable(QStringLiteral("'%1' lacks '%2'").arg(message, fragment)));
        // A generous guard: a linear reader answers in milliseconds, a quadratic one in minutes.
        QVERIFY2(timer.elapsed() < 20000, "refusing took over 20 s");
        return;
    }
    QFAIL(qPrintable(QStringLiteral("accepted; expected an error with: %1").arg(fragments.join(" | "))));
}

} // namespace

class TestUntrustedFiles final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void configFiles_data();
    void configFiles();
    void nonRegularFilesAreRefused_data();
    void nonRegularFilesAreRefused();
    void sweepSpecs_data();
    void sweepSpecs();
    void resultFiles_data();
    void resultFiles();
    void metricsFiles_data();
    void metricsFiles();
    void cutOffLastMetricsLineKeepsEpochs();
    void workspaceSkipsBadRunFolders();
    void manyRunFoldersKeepTheirOrder();
    void workspaceThatIsNotAFolder();
    void sizeIsCountedWhileReading();
    void idxFiles_data();
    void idxFiles();
    void largeInputsAreAnsweredInLinearTime();
    void modelArchivesAreCheckedBeforeTorch();

private:
    QTemporaryDir m_dir;
};

void TestUntrustedFiles::configFiles_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QStringList>("fragments");
    QTest::newRow("syntax") << QByteArray(R"({"epochs": 3,})") << QStringList{"invalid JSON at byte"};
    QTest::newRow("empty") << QByteArray() << QStringList{"invalid JSON"};
    QTest::newRow("not an object") << QByteArray("[1, 2]") << QStringList{"expected a JSON object"};
    QTest::newRow("number beyond double") << QByteArray(R"({"learning_rate": 1e400})") << QStringList{"invalid JSON", "1e400"};
    QTest::newRow("deep nesting") << nested(5000) << QStringList{"nested deeper than 32"};
    QTest::newRow("giant string") << QByteArray(R"({"name": ")") + QByteArray(100000, 'x') + "\"}"
                                  << QStringList{"a string of 100000 bytes"};
    QTest::newRow("long name") << QByteArray(R"({"name": ")") + QByteArray(300, 'n') + "\"}"
                               << QStringList{"'name' is 300 bytes long", "at most 256"};
    QTest::newRow("invalid UTF-8") << QByteArray("{\"name\": \"\xff\xfe\"}") << QStringList{"invalid JSON", "UTF-8"};
    QTest::newRow("epochs overflow int") << QByteArray(R"({"epochs": 4294967297})")
                                         << QStringList{"'epochs' is 4294967297", "from 1 to 10000"};
    QTest::newRow("epochs fraction") << QByteArray(R"({"epochs": 2.5})") << QStringList{"'epochs' is 2.5", "integer"};
    QTest::newRow("batch as text") << QByteArray(R"({"batch_size": "64"})") << QStringList{"'batch_size' is \"64\"", "integer"};
    QTest::newRow("negative seed") << QByteArray(R"({"seeds": {"init": -1}})") << QStringList{"seeds", "'init' is -1"};
    QTest::newRow("too many sites") << QByteArray(R"({"dropout": {)") + [] {
        QByteArray sites;
        for (int i = 0; i < 70; ++i)
            sites += (i ? "," : "") + QByteArray("\"s") + QByteArray::number(i) + "\": 0.1";
        return sites;
    }() + "}}" << QStringList{"'dropout' lists 70 sites"};
    QTest::newRow("rate as text") << QByteArray(R"({"dropout": {"fc1": {"rate": "high"}}})")
                                  << QStringList{"dropout site fc1", "'rate' is \"high\""};
    QTest::newRow("rate out of range") << QByteArray(R"({"dropout": {"fc1": 1.5}})") << QStringList{"fc1", "1.5", "0 <= rate < 1"};
    QTest::newRow("unknown site") << QByteArray(R"({"dropout": {"fc9": 0.5}})") << QStringList{"'fc9' does not exist"};
    QTest::newRow("unknown key") << QByteArray(R"({"epoch": 3})") << QStringList{"unknown key 'epoch'"};
    QTest::newRow("duplicate key") << QByteArray(R"({"epochs": 3, "seed": 1, "epochs": 4})")
                                   << QStringList{R"(the key "epochs" appears twice)"};
    QTest::newRow("duplicate key in a nested object") << QByteArray(R"({"dropout": {"fc1": 0.5, "fc1": 0.2}})")
                                                      << QStringList{R"(the key "fc1" appears twice)"};
    QTest::newRow("duplicate key with control bytes") << QByteArray("{\"a\\u0000\\n\": 1, \"a\\u0000\\n\": 2}")
                                                      << QStringList{R"(the key "a\u0000\n" appears twice)"};
    QTest::newRow("negative learning rate") << QByteArray(R"({"learning_rate": -0.1})") << QStringList{"learning_rate is -0.1"};
    QTest::newRow("device") << QByteArray(R"({"device": "tpu"})") << QStringList{"device is 'tpu'"};
    QTest::newRow("too large") << QByteArray(R"({"name": "x"})") + QByteArray(kMaxJsonFileBytes, ' ')
                               << QStringList{"bytes; expected at most 16777216"};
}

void TestUntrustedFiles::configFiles()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QStringList, fragments);
    const QString path = m_dir.filePath("config.json");
    writeFile(path, bytes);
    fragments.prepend(path);  // every message names the file
    expectRefused([&] { loadConfigFile(path.toStdString()); }, fragments);
}

void TestUntrustedFiles::nonRegularFilesAreRefused_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<bool>("fifo");
    for (const char* kind : {"config", "sweep", "result", "metrics", "idx"}) {
        QTest::newRow(qPrintable(QStringLiteral("%1 fifo").arg(kind))) << QString(kind) << true;
        QTest::newRow(qPrintable(QStringLiteral("%1 folder").arg(kind))) << QString(kind) << false;
    }
}

void TestUntrustedFiles::nonRegularFilesAreRefused()
{
    // A FIFO would block a reader forever; a folder is not a file.
    QFETCH(QString, kind);
    QFETCH(bool, fifo);
    const QString run = m_dir.filePath("special-" + kind + (fifo ? "-fifo" : "-dir"));
    QVERIFY(QDir().mkpath(run));
    writeFile(run + "/config.json", "{}");
    const QString name = kind == "result" ? "result.json" : kind == "metrics" ? "metrics.jsonl" : "special";
    const QString path = run + "/" + (kind == "config" ? QStringLiteral("special.json") : name);
    if (fifo)
        QCOMPARE(::mkfifo(path.toLocal8Bit().constData(), 0600), 0);
    else
        QVERIFY(QDir().mkpath(path));
    std::function<void()> read;
    if (kind == "config")
        read = [&] { loadConfigFile(path.toStdString()); };
    else if (kind == "sweep")
        read = [&] { loadSweepFile(path.toStdString()); };
    else if (kind == "idx")
        read = [&] { readIdxFile(path.toStdString(), 1); };
    else
        read = [&] { loadRun(run.toStdString()); };
    expectRefused(read, {path, "not a regular file"});
}

void TestUntrustedFiles::sweepSpecs_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QStringList>("fragments");
    const QByteArray axis = R"({"parameter": "fc1", "values": [0, 0.5]})";
    QTest::newRow("repeats zero") << QByteArray(R"({"repeats": 0})") << QStringList{"'repeats' is 0", "from 1 to 1000"};
    QTest::newRow("repeats huge") << QByteArray(R"({"repeats": 1000000000})") << QStringList{"'repeats' is 1000000000"};
    QTest::newRow("axes not a list") << QByteArray(R"({"axes": {"fc1": 1}})") << QStringList{"'axes' must be a list"};
    QTest::newRow("nine axes") << "{\"axes\": [" + (axis + ",").repeated(8) + axis + "]}" << QStringList{"at most 8 axes"};
    QTest::newRow("20000 values") << R"({"axes": [{"parameter": "fc1", "values": [)" + manyValues(20000) + "]}]}"
                                  << QStringList{"axes[0] (fc1)", "at most 10000 numbers"};
    QTest::newRow("tiny step") << QByteArray(R"({"axes": [{"parameter": "fc1", "range": {"start": 0, "stop": 0.5, "step": 1e-300}}]})")
                               << QStringList{"range", "more than 10000 values"};
    QTest::newRow("range without step") << QByteArray(R"({"axes": [{"parameter": "fc1", "range": {"start": 0, "stop": 0.5}}]})")
                                        << QStringList{"range", "missing 'step'"};
    QTest::newRow("null value") << QByteArray(R"({"axes": [{"parameter": "fc1", "values": [0, null]}]})")
                                << QStringList{"axes[0] (fc1)", "'values' is null"};
    QTest::newRow("subset beyond range") << QByteArray(R"({"axes": [{"parameter": "train_subset", "values": [1e300]}]})")
                                         << QStringList{"train_subset 1e+300"};
    QTest::newRow("unknown parameter") << QByteArray(R"({"axes": [{"parameter": "fc9", "values": [0.5]}]})")
                                       << QStringList{"'fc9' is not a dropout site"};
    QTest::newRow("axis without parameter") << QByteArray(R"({"axes": [{"values": [0.5]}]})") << QStringList{"missing 'parameter'"};
    QTest::newRow("halving as text") << QByteArray(R"({"successive_halving": {"at_epoch": "2"}})")
                                     << QStringList{"successive_halving", "'at_epoch' is \"2\""};
    QTest::newRow("grid too large")
        << QByteArray(R"({"repeats": 1000, "axes": [{"parameter": "fc1", "range": {"start": 0, "stop": 0.99, "step": 0.01}},)"
                      R"({"parameter": "conv2", "range": {"start": 0, "stop": 0.99, "step": 0.01}}]})")
        << QStringList{"more than 100000 runs"};
    QTest::newRow("negative first seed") << QByteArray(R"({"first_seed": -5})") << QStringList{"'first_seed' is -5"};
    QTest::newRow("bad base") << QByteArray(R"({"base": {"epochs": 0}})") << QStringList{"base", "'epochs' is 0"};
    QTest::newRow("deep nesting") << QByteArray(R"({"axes": )") + QByteArray(100, '[') + QByteArray(100, ']') + "}"
                                  << QStringList{"nested deeper than 32"};
}

void TestUntrustedFiles::sweepSpecs()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QStringList, fragments);
    const QString path = m_dir.filePath("sweep.json");
    writeFile(path, bytes);
    fragments.prepend(path);
    expectRefused([&] { loadSweepFile(path.toStdString()); }, fragments);
}

void TestUntrustedFiles::resultFiles_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QStringList>("fragments");
    QTest::newRow("accuracy above 1") << resultWith(R"("test_accuracy": 2.0)") << QStringList{"'test_accuracy' is 2.0", "0 to 1"};
    QTest::newRow("unknown status") << QByteArray(R"({"status": "exploded"})") << QStringList{"unknown status 'exploded'"};
    QTest::newRow("status missing") << QByteArray(R"({"name": "x"})") << QStringList{"malformed result", "status"};
    QTest::newRow("epochs not a list") << resultWith(R"("epochs": {"1": {}})") << QStringList{"'epochs' must be a list"};
    QTest::newRow("negative epoch") << resultWith(R"("epochs": [)" + epochLine("-1") + "]")
                                    << QStringList{"epochs[0]", "'epoch' is -1"};
    QTest::newRow("loss as text") << resultWith(R"("epochs": [{"epoch": 1, "seconds": 1, "train_accuracy": 0.5, "train_loss": "NaN", "val_accuracy": 0.5, "val_loss": 1}])")
                                  << QStringList{"epochs[0]", "'train_loss' is \"NaN\""};
    QTest::newRow("20000 epochs") << resultWith(R"("epochs": [)" + (epochLine() + ",").repeated(19999) + epochLine() + "]")
                                  << QStringList{"at most 10000 epoch records"};
    QTest::newRow("unknown key") << resultWith(R"("accuracy": 0.9)") << QStringList{"unknown key 'accuracy'"};
    QTest::newRow("negative batch") << resultWith(R"("diverged_at": {"epoch": 1, "batch": -3})")
                                    << QStringList{"diverged_at", "'batch' is -3"};
    QTest::newRow("giant message") << resultWith(R"("message": ")" + QByteArray(70000, 'm') + "\"")
                                   << QStringList{"a string of 70000 bytes"};
    QTest::newRow("threads as float") << resultWith(R"("threads": 1.5)") << QStringList{"'threads' is 1.5"};
    QTest::newRow("early stopping not an object") << resultWith(R"("early_stopping": 3)")
                                                  << QStringList{"early_stopping", "expected a JSON object"};
}

void TestUntrustedFiles::resultFiles()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QStringList, fragments);
    const QString run = m_dir.filePath("result-run");
    QVERIFY(QDir().mkpath(run));
    writeFile(run + "/config.json", "{}");
    writeFile(run + "/result.json", bytes);
    fragments.prepend(run + "/result.json");
    expectRefused([&] { loadRun(run.toStdString()); }, fragments);
}

void TestUntrustedFiles::metricsFiles_data()
{
    QTest::addColumn<QByteArray>("config");
    QTest::addColumn<QByteArray>("metrics");
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("fragments");
    const QByteArray good = epochLine() + "\n";
    QTest::newRow("garbage in the middle") << QByteArray("{}") << good + "{not json\n" + epochLine("3") + "\n"
                                           << "metrics.jsonl" << QStringList{"metrics.jsonl:2", "invalid JSON"};
    QTest::newRow("accuracy in percent") << QByteArray("{}")
                                         << QByteArray(R"({"epoch":1,"seconds":1,"train_accuracy":97,"train_loss":0.1,"val_accuracy":0.9,"val_loss":0.2})") + "\n" + good
                                         << "metrics.jsonl" << QStringList{"metrics.jsonl:1", "'train_accuracy' is 97"};
    QTest::newRow("bad config in run") << QByteArray(R"({"epochs": 0})") << good << "config.json"
                                       << QStringList{"'epochs' is 0"};
    QTest::newRow("config of another kind") << QByteArray(R"({"runs": []})") << good << "config.json"
                                            << QStringList{"unknown key 'runs'"};
}

void TestUntrustedFiles::metricsFiles()
{
    QFETCH(QByteArray, config);
    QFETCH(QByteArray, metrics);
    QFETCH(QString, file);
    QFETCH(QStringList, fragments);
    const QString run = m_dir.filePath("metrics-run");
    QVERIFY(QDir().mkpath(run));
    writeFile(run + "/config.json", config);
    writeFile(run + "/metrics.jsonl", metrics);
    fragments.prepend(run + "/" + file);
    expectRefused([&] { loadRun(run.toStdString()); }, fragments);
}

void TestUntrustedFiles::cutOffLastMetricsLineKeepsEpochs()
{
    // What a crash mid-write leaves: complete lines, then part of one.
    const QString run = m_dir.filePath("cut-run");
    QVERIFY(QDir().mkpath(run));
    writeFile(run + "/config.json", "{}");
    writeFile(run + "/metrics.jsonl", epochLine("1") + "\n" + epochLine("2") + "\n" + epochLine("3").left(30));
    const RunRecord record = loadRun(run.toStdString());
    QCOMPARE(toString(record.result.status), std::string("interrupted"));
    QCOMPARE(record.result.epochs.size(), std::size_t{2});

    // A metrics file beyond the limit is refused by its size, before it is read.
    QFile big(run + "/metrics.jsonl");
    QVERIFY(big.resize(static_cast<qint64>(kMaxMetricsFileBytes) + 1));  // sparse: no real disk use
    expectRefused([&] { loadRun(run.toStdString()); }, {run + "/metrics.jsonl", "expected at most 67108864"});
}

void TestUntrustedFiles::workspaceSkipsBadRunFolders()
{
    const QString workspace = m_dir.filePath("workspace");
    for (const char* name : {"a-good", "b-broken", "c-good"}) {
        const QString run = workspace + "/" + name;
        QVERIFY(QDir().mkpath(run));
        writeFile(run + "/config.json", "{}");
        writeFile(run + "/metrics.jsonl", epochLine() + "\n");
    }
    writeFile(workspace + "/b-broken/result.json", R"({"status": 7})");
    QVERIFY(QFile::link(workspace, workspace + "/loop"));  // a link back to itself is not followed forever

    std::vector<std::string> problems;
    const auto runs = loadWorkspace(workspace.toStdString(), &problems);
    QCOMPARE(runs.size(), std::size_t{2});
    QCOMPARE(runs[0].id, std::string("a-good"));
    QCOMPARE(runs[1].id, std::string("c-good"));
    QCOMPARE(problems.size(), std::size_t{1});
    QVERIFY2(QString::fromStdString(problems[0]).contains("b-broken/result.json"), problems[0].c_str());
    // Without a list for the problems, the first one is an error naming the file.
    expectRefused([&] { loadWorkspace(workspace.toStdString()); }, {"b-broken/result.json", "'status' is 7"});
}

void TestUntrustedFiles::manyRunFoldersKeepTheirOrder()
{
    // Enough folders for the reader to spread them over threads: the outcome is in folder order,
    // the damaged ones skipped in that order, and without a problems list the first one is thrown.
    const QString workspace = m_dir.filePath("many");
    for (int i = 0; i < 300; ++i) {
        const QString run = workspace + QStringLiteral("/run-%1").arg(i, 3, 10, QChar('0'));
        QVERIFY(QDir().mkpath(run));
        writeFile(run + "/config.json",
                  i % 50 == 17 ? QByteArray(R"({"epochs": -1})") : "{\"seed\": " + QByteArray::number(i) + "}");
        writeFile(run + "/metrics.jsonl", epochLine() + "\n");
    }
    std::vector<std::string> problems;
    const auto runs = loadWorkspace(workspace.toStdString(), &problems);
    QCOMPARE(runs.size(), std::size_t{294});
    QCOMPARE(problems.size(), std::size_t{6});
    std::size_t next = 0;
    for (int i = 0; i < 300; ++i) {
        if (i % 50 == 17) {
            QVERIFY2(QString::fromStdString(problems[static_cast<std::size_t>(i / 50)])
                         .contains(QStringLiteral("run-%1/config.json").arg(i, 3, 10, QChar('0'))),
                     problems[static_cast<std::size_t>(i / 50)].c_str());
            continue;
        }
        QCOMPARE(runs[next].id, QStringLiteral("run-%1").arg(i, 3, 10, QChar('0')).toStdString());
        QCOMPARE(runs[next].config.seeds.init, static_cast<std::uint64_t>(i));
        ++next;
    }
    expectRefused([&] { loadWorkspace(workspace.toStdString()); }, {"run-017/config.json"});
}

void TestUntrustedFiles::workspaceThatIsNotAFolder()
{
    const QString file = m_dir.filePath("plain-file");
    writeFile(file, "x");
    expectRefused([&] { loadWorkspace(file.toStdString()); }, {file, "folder not found"});
}

void TestUntrustedFiles::sizeIsCountedWhileReading()
{
    // Files under /proc report size 0 but have content: the limit must hold for what is read.
    const std::string status = "/proc/self/status";
    QVERIFY(readTextFile(status).find("Name:") != std::string::npos);
    expectRefused([&] { readTextFile(status, 16); }, {QString::fromStdString(status), "expected at most 16"});
}

void TestUntrustedFiles::idxFiles_data()
{
    using Bytes = std::vector<std::uint8_t>;
    QTest::addColumn<Bytes>("bytes");
    QTest::addColumn<bool>("gzip");
    QTest::addColumn<int>("keep");  // bytes of the written file to keep; -1: all
    QTest::addColumn<int>("rank");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("empty") << Bytes{} << false << -1 << 1 << "shorter than the 4-byte IDX header";
    QTest::newRow("header claims 4 GB") << test::idxBytes(0x803, {0x7fffffffu, 2, 1}, {}) << false << -1 << 3
                                        << "absurd size";
    QTest::newRow("gzip claims more than it holds") << test::idxBytes(0x801, {60000}, Bytes(10, 1)) << true << -1 << 1
                                                    << "truncated: header claims 60000";
    QTest::newRow("gzip cut off") << test::idxBytes(0x801, {100}, Bytes(100, 1)) << true << 20 << 1 << "truncated";
    QTest::newRow("gzip magic only") << Bytes{0x1f, 0x8b} << false << -1 << 1 << "truncated";
    QTest::newRow("zero images") << test::idxBytes(0x801, {0}, {}) << false << -1 << 2 << "wrong dimensions";
}

void TestUntrustedFiles::idxFiles()
{
    QFETCH(std::vector<std::uint8_t>, bytes);
    QFETCH(bool, gzip);
    QFETCH(int, keep);
    QFETCH(int, rank);
    QFETCH(QString, fragment);
    const QString path = m_dir.filePath("data-idx");
    test::writeBytes(path.toStdString(), bytes, gzip);
    if (keep >= 0)
        QVERIFY(QFile::resize(path, keep));
    expectRefused([&] { readIdxFile(path.toStdString(), rank); }, {path, fragment});
}

QTEST_GUILESS_MAIN(TestUntrustedFiles)
void TestUntrustedFiles::largeInputsAreAnsweredInLinearTime()
{
    // Every reader on every worst-case shape at 2 MiB: hundreds of thousands of objects, keys or
    // values. A reader quadratic in the number of values (as nlohmann's callback parser is in
    // the number of objects in one container) needs minutes here; a linear one a fraction of a
    // second. Every shape is valid JSON that no reader knows, so each must end in a refusal.
    const auto timings = timeJsonReaders(m_dir.path().toStdString(), std::size_t{2} << 20);
    QCOMPARE(timings.size(), jsonStressShapes().size() * jsonStressReaders().size());
    for (const auto& t : timings) {
        const QString what = QStringLiteral("%1 on %2 (%3 bytes)").arg(QString::fromStdString(t.reader),
                                                                         QString::fromStdString(t.shape)).arg(t.bytes);
        QVERIFY2(t.bytes > (std::size_t{2} << 20) - 70000, qPrintable(what + ": the document is too small"));
        QVERIFY2(t.seconds < 20.0, qPrintable(what + QStringLiteral(": took %1 s").arg(t.seconds)));
        QVERIFY2(QString::fromStdString(t.outcome).contains("unknown key"),
                 qPrintable(what + ": " + QString::fromStdString(t.outcome)));
    }
}

void TestUntrustedFiles::modelArchivesAreCheckedBeforeTorch()
{
    // A state dict saved by PyTorch 1.13 (torch.save) passes; every truncation of it, and every
    // change to a byte of its directory records, is refused by the structure check alone.
    QFile seed(QStringLiteral(DROPOUTLAB_SOURCE_DIR "/fuzz/corpus/model_archive/small-state-dict.pt"));
    QVERIFY(seed.open(QIODevice::ReadOnly));
    const QByteArray bytes = seed.readAll();
    const std::string good(bytes.constData(), static_cast<std::size_t>(bytes.size()));
    checkZipArchive(good, "seed");
    int refused = 0;
    for (std::size_t cut = 0; cut < good.size(); ++cut) {
        try {
            checkZipArchive(good.substr(0, cut), "cut");
        } catch (const ModelError& error) {
            QVERIFY(QString::fromStdString(error.what()).startsWith("cut: not a readable model archive"));
            ++refused;
        }
    }
    QCOMPARE(refused, static_cast<int>(good.size()));
    // The end record (last 22 bytes): offsets, sizes and counts; any change to them is caught.
    for (std::size_t at = good.size() - 22 + 8; at < good.size() - 2; ++at) {
        std::string damaged = good;
        damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
        QVERIFY_THROWS_EXCEPTION(ModelError, checkZipArchive(damaged, "damaged"));
    }
    QVERIFY_THROWS_EXCEPTION(ModelError, checkZipArchive(std::string(100, 'P'), "text"));
}

#include "test_untrusted_files.moc"
