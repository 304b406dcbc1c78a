// Saved models (model.pt): written by every completed run, re-tested by evaluateSavedModel, and
// refused with the file named when they are not what the run's config says. Also checks the
// dropout-off training metric against a separate evaluation of the same sample.
#include "fixture_runs.h"
#include "saved_model.h"
#include "training_session.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/train/recorded_run.h"
#include "dropoutlab/core/results.h"
#include "dropoutlab/train/saved_model.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <torch/serialize.h>

#include <random>

using namespace dropoutlab;
using namespace dropoutlab::detail;

namespace {

class NullObserver final : public ExperimentObserver {};

ExperimentConfig tiny(ModelKind model = ModelKind::Cnn)
{
    ExperimentConfig c = test::tinyFixtureRun(0.5);
    c.trainEvalImages = 300;
    if (model == ModelKind::Mlp) {
        c.model = model;
        c.hiddenWidths = {32};
        c.dropout = {{"hidden1", {0.5, DropoutKind::Element}}};
    }
    return c;
}

void writeBytes(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(bytes);
}

void writeDict(const QString& path, const c10::Dict<std::string, at::Tensor>& dict)
{
    const auto bytes = torch::pickle_save(dict);
    writeBytes(path, QByteArray(bytes.data(), static_cast<int>(bytes.size())));
}

} // namespace

class TestSavedModel final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void roundTripIsBitwise();
    void completedRunReproducesItsTestAccuracy();
    void dropoutOffMetricIsASeparateEvaluation();
    void fusedMembersSaveTheirOwnWeights();
    void badModelFiles_data();
    void badModelFiles();
    void damagedModelFilesNeverCrash();

private:
    QTemporaryDir m_dir;
    QString m_run;  ///< a completed run folder (initTestCase)
    RunResult m_result;
};

void TestSavedModel::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_run = m_dir.filePath("run");
    NullObserver observer;
    m_result = runExperimentRecorded(tiny(), m_run.toStdString(), observer, CancelToken());
    QVERIFY2(m_result.status == RunStatus::Completed, m_result.message.c_str());
    QVERIFY(QFile::exists(m_run + "/model.pt"));
}

void TestSavedModel::roundTripIsBitwise()
{
    for (const ModelKind kind : {ModelKind::Cnn, ModelKind::Mlp}) {
        const ExperimentConfig config = tiny(kind);
        torch::manual_seed(3);
        const auto model = makeModel(config);
        const QString path = m_dir.filePath(QStringLiteral("roundtrip-%1.pt").arg(int(kind)));
        saveModelFile(path.toStdString(), config, model->parameters());
        const auto loaded = loadModelFile(path.toStdString(), config);
        const auto a = model->parameters();
        const auto b = loaded->parameters();
        QCOMPARE(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i)
            QVERIFY2(torch::equal(a[i], b[i]), qPrintable(QStringLiteral("parameter %1 differs").arg(i)));
        model->eval();
        const auto input = torch::randn({7, 1, 28, 28});
        QVERIFY(torch::equal(model->forward(input), loaded->forward(input)));
    }
}

void TestSavedModel::completedRunReproducesItsTestAccuracy()
{
    const ModelEvaluation e = evaluateSavedModel(m_run.toStdString());
    QVERIFY(m_result.testAccuracy && m_result.testLoss);
    QCOMPARE(e.images, std::int64_t{500});
    QCOMPARE(e.accuracy, *m_result.testAccuracy);  // exactly: same device, batches and threads
    QCOMPARE(e.loss, *m_result.testLoss);
}

void TestSavedModel::dropoutOffMetricIsASeparateEvaluation()
{
    // One epoch: the saved weights are the ones the epoch's dropout-off metric was measured with.
    const ExperimentConfig config = tiny();
    QCOMPARE(m_result.epochs.size(), std::size_t{1});
    const EpochMetrics& epoch = m_result.epochs.front();
    QVERIFY(epoch.trainEvalAccuracy && epoch.trainEvalLoss);

    const auto model = loadModelFile((m_run + "/model.pt").toStdString(), config);
    const auto data = cachedDataset(config.dataDir);
    const DataSplit split = makeSplit(data->trainCount(), config.validationFraction, config.seeds.split);
    const auto trainIndices = balancedSubset(split.train, data->trainLabels, config.trainSubset, config.seeds.split);
    const auto sample = trainEvalSample(config, trainIndices, data->trainLabels);
    QCOMPARE(sample.size(), std::size_t{300});
    const DeviceSet train = toDevice(*data, false, normalisationOf(config, *data), torch::kCPU);
    const auto learner = makeEvaluationLearner(model);
    const Evaluation e =
        evaluateLearner(*learner, 1, train, indexTensor(sample, torch::kCPU), config.evalBatchSize, nullptr);
    QCOMPARE(e.accuracy.front(), *epoch.trainEvalAccuracy);
    QCOMPARE(e.loss.front(), *epoch.trainEvalLoss);
    // ... and it is not the running metric measured with dropout on.
    QVERIFY(*epoch.trainEvalAccuracy != epoch.trainAccuracy);
}

void TestSavedModel::fusedMembersSaveTheirOwnWeights()
{
    std::vector<ExperimentConfig> members{tiny(), tiny()};
    members[0].dropout.clear();
    members[0].name = "a";
    members[1].name = "b";
    std::vector<std::unique_ptr<RunWriter>> writers;
    std::vector<std::unique_ptr<RecordingObserver>> recorders;
    std::vector<ExperimentObserver*> observers;
    NullObserver inner;
    for (const auto& m : members) {
        writers.push_back(std::make_unique<RunWriter>(m_dir.filePath(QString::fromStdString("fused-" + m.name)).toStdString(), m));
        recorders.push_back(std::make_unique<RecordingObserver>(*writers.back(), inner));
        observers.push_back(recorders.back().get());
    }
    const CancelToken cancel;  // the session keeps a reference: it must outlive it
    TrainingSession session(members, observers, inner, cancel);
    while (session.runEpoch()) {
    }
    const auto results = session.finishAll();
    for (std::size_t k = 0; k < members.size(); ++k) {
        writers[k]->writeResult(results[k]);
        const ModelEvaluation e = evaluateSavedModel(writers[k]->dir());
        // Separate network, same weights: equal up to the rounding of the grouped convolutions.
        QVERIFY2(std::abs(e.accuracy - *results[k].testAccuracy) <= 0.01,
                 qPrintable(QStringLiteral("member %1: %2 vs %3").arg(k).arg(e.accuracy).arg(*results[k].testAccuracy)));
        QVERIFY(std::abs(e.loss - *results[k].testLoss) < 1e-4);
    }
}

void TestSavedModel::badModelFiles_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("missing") << "missing" << "no saved model";
    QTest::newRow("empty") << "empty" << "not a saved model";
    QTest::newRow("text") << "text" << "not a saved model";
    QTest::newRow("truncated") << "truncated" << "not a readable model archive";
    QTest::newRow("zip header only") << "zip header" << "not a readable model archive";
    QTest::newRow("a tensor, not a dict") << "tensor" << "expected a dict";
    QTest::newRow("another network's weights") << "mlp" << "entries";
    QTest::newRow("a shape that does not fit") << "shape" << "'fc1.weight' is [64 x 3136]";
    QTest::newRow("a name that does not fit") << "name" << "has no 'fc2.bias'";
    QTest::newRow("double precision") << "double" << "expected float32";
}

void TestSavedModel::badModelFiles()
{
    QFETCH(QString, kind);
    QFETCH(QString, fragment);
    const QString run = m_dir.filePath("bad-" + kind);
    QVERIFY(QDir().mkpath(run));
    QFile::remove(run + "/config.json");
    QVERIFY(QFile::copy(m_run + "/config.json", run + "/config.json"));
    const QString path = run + "/model.pt";
    QFile good(m_run + "/model.pt");
    QVERIFY(good.open(QIODevice::ReadOnly));
    const QByteArray goodBytes = good.readAll();
    const ExperimentConfig cnn = tiny();
    torch::manual_seed(1);
    const auto cnnModel = makeModel(cnn);
    c10::Dict<std::string, at::Tensor> dict;
    for (const auto& item : cnnModel->named_parameters())
        dict.insert(item.key(), item.value().detach());
    if (kind == "empty") {
        writeBytes(path, {});
    } else if (kind == "text") {
        writeBytes(path, "hello, not a model\n");
    } else if (kind == "truncated") {
        writeBytes(path, goodBytes.left(goodBytes.size() / 2));
    } else if (kind == "zip header") {
        writeBytes(path, QByteArray("PK\x03\x04", 4) + QByteArray(60, '\0'));
    } else if (kind == "tensor") {
        const auto bytes = torch::pickle_save(torch::zeros({3}));
        writeBytes(path, QByteArray(bytes.data(), static_cast<int>(bytes.size())));
    } else if (kind == "mlp") {
        const auto mlp = makeModel(tiny(ModelKind::Mlp));
        c10::Dict<std::string, at::Tensor> other;
        for (const auto& item : mlp->named_parameters())
            other.insert(item.key(), item.value().detach());
        writeDict(path, other);
    } else if (kind == "shape") {
        dict.insert_or_assign("fc1.weight", torch::zeros({64, 3136}));
        writeDict(path, dict);
    } else if (kind == "name") {
        QCOMPARE(dict.erase("fc2.bias"), std::size_t{1});
        dict.insert("fc3.bias", torch::zeros({10}));
        writeDict(path, dict);
    } else if (kind == "double") {
        dict.insert_or_assign("conv1.bias", dict.at("conv1.bias").to(torch::kDouble));
        writeDict(path, dict);
    }
    try {
        evaluateSavedModel(run.toStdString());
        QFAIL("accepted");
    } catch (const ModelError& error) {
        const QString message = QString::fromStdString(error.what());
        QVERIFY2(message.startsWith(path), qPrintable(message));
        QVERIFY2(message.contains(fragment), qPrintable(message));
    }
}

void TestSavedModel::damagedModelFilesNeverCrash()
{
    // Seeded damage to a real model.pt: bytes overwritten, ranges zeroed, the file cut. Without
    // the CRC result.json recorded, each must load (damage inside the weights cannot be seen) or be
    // refused with a ModelError naming the file, and above all not crash; with it, every change
    // is refused.
    QFile good(m_run + "/model.pt");
    QVERIFY(good.open(QIODevice::ReadOnly));
    const QByteArray original = good.readAll();
    const QString run = m_dir.filePath("damaged");
    QVERIFY(QDir().mkpath(run));
    QFile::remove(run + "/config.json");
    QVERIFY(QFile::copy(m_run + "/config.json", run + "/config.json"));
    const std::string path = (run + "/model.pt").toStdString();
    const ExperimentConfig config = tiny();
    std::mt19937_64 random(2026);
    int refused = 0, loaded = 0;
    // The archive's structure (local headers, data.pkl, the central directory) is in the first
    // and last few kB; the weights fill the middle. Damage lands in both.
    const auto position = [&](bool structure) {
        const auto size = static_cast<std::uint64_t>(original.size());
        const std::uint64_t offset = random() % std::min<std::uint64_t>(size, 4096);
        return static_cast<int>(structure ? (random() % 2 ? offset : size - 1 - offset) : random() % size);
    };
    for (int trial = 0; trial < 200; ++trial) {
        QByteArray bytes = original;
        switch (trial % 4) {
        case 0: bytes[position(true)] = static_cast<char>(random()); break;
        case 1:
            for (int k = 0; k < 8; ++k)
                bytes[position(true)] = static_cast<char>(random());
            break;
        case 2: {
            const int at = position(true);
            bytes.replace(at, std::min<int>(64, bytes.size() - at), QByteArray(64, '\0'));
            break;
        }
        case 3: bytes.truncate(position(trial % 8 == 3)); break;
        }
        writeBytes(run + "/model.pt", bytes);
        try {
            checkModelFile(path, config);
            ++loaded;
        } catch (const ModelError& error) {
            QVERIFY2(QString::fromStdString(error.what()).startsWith(QString::fromStdString(path)), error.what());
            ++refused;
        }
        if (bytes != original) {
            QVERIFY_THROWS_EXCEPTION(ModelError, checkModelFile(path, config, m_result.modelCrc32));
        }
    }
    qInfo("damaged model.pt files without the recorded CRC: %d refused, %d loaded", refused, loaded);
    QVERIFY(refused > 50);
    QVERIFY(m_result.modelCrc32.has_value());
}

QTEST_GUILESS_MAIN(TestSavedModel)
#include "test_saved_model.moc"
