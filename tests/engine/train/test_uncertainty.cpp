// MC dropout (engine/train/src/uncertainty.cpp, mc_dropout.h): passes that reduce to the deterministic
// prediction without dropout, reproducible under a seed, and reports that say what they measured.
#include "fixture_runs.h"
#include "mc_dropout.h"
#include "saved_model.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/train/recorded_run.h"
#include "dropoutlab/train/saved_model.h"
#include "dropoutlab/train/uncertainty.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace dropoutlab;

namespace {

class NullObserver final : public ExperimentObserver {};

ExperimentConfig tiny(double fc1Rate)
{
    ExperimentConfig c = test::tinyFixtureRun(fc1Rate);
    c.trainEvalImages = 0;
    return c;
}

} // namespace

class TestUncertainty final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void passesWithoutDropoutAreTheDeterministicPrediction();
    void reproducibleUnderASeed();
    void runWithoutDropoutReportsDeterministicOnly();
    void outOfDistributionSetIsScored();
    void cancelledAnalysisReturnsNothing();
    void missingModelIsAModelError();
    void cacheRoundTripAndReuse();
    void predictorMatchesTheTableAndKeepsTheGlobalGenerator();

private:
    QTemporaryDir m_dir;
    QString m_dropoutRun;
    QString m_plainRun;
};

void TestUncertainty::initTestCase()
{
    QVERIFY(m_dir.isValid());
    NullObserver observer;
    m_dropoutRun = m_dir.filePath("dropout");
    m_plainRun = m_dir.filePath("plain");
    QVERIFY(runExperimentRecorded(tiny(0.5), m_dropoutRun.toStdString(), observer, CancelToken()).status ==
            RunStatus::Completed);
    QVERIFY(runExperimentRecorded(tiny(0.0), m_plainRun.toStdString(), observer, CancelToken()).status ==
            RunStatus::Completed);
}

void TestUncertainty::passesWithoutDropoutAreTheDeterministicPrediction()
{
    // The MC machinery itself on a network whose rates are all 0: T = 8 passes (a power of two,
    // so the mean of identical values is exact) must give the deterministic probabilities bit
    // for bit, and zero mutual information.
    const ExperimentConfig config = tiny(0.0);
    auto model = dropoutlab::detail::loadModelFile((m_plainRun + "/model.pt").toStdString(), config);
    const auto data = dropoutlab::cachedDataset(config.dataDir);
    const auto test = dropoutlab::detail::toDevice(*data, true, dropoutlab::detail::normalisationOf(config, *data), torch::kCPU);
    dropoutlab::detail::SetPredictions out;
    std::int64_t passes = 0;
    QVERIFY(dropoutlab::detail::predictSet(*model, test, 8, 64, true, CancelToken(), [&](std::int64_t n) { passes += n; }, out));
    QCOMPARE(passes, std::int64_t{500 * 8});
    QCOMPARE(out.mc.probabilities.size(), out.deterministic.probabilities.size());
    QVERIFY(out.mc.probabilities == out.deterministic.probabilities);
    QCOMPARE(out.mutualInformation.size(), std::size_t{500});
    for (double mi : out.mutualInformation)
        QCOMPARE(mi, 0.0);
}

void TestUncertainty::reproducibleUnderASeed()
{
    UncertaintyOptions options;
    options.samples = 10;
    options.seed = 5;
    const auto a = analyseUncertainty(m_dropoutRun.toStdString(), options);
    const auto b = analyseUncertainty(m_dropoutRun.toStdString(), options);
    options.seed = 6;
    const auto c = analyseUncertainty(m_dropoutRun.toStdString(), options);
    QVERIFY(a && b && c && a->mcTable && b->mcTable && c->mcTable);
    QVERIFY(a->stochastic);
    QCOMPARE(a->activeSites, std::vector<std::string>{"fc1"});
    QVERIFY(a->mcTable->probabilities == b->mcTable->probabilities);
    QVERIFY(a->mcTable->probabilities != c->mcTable->probabilities);
    // The deterministic prediction does not depend on the seed.
    QVERIFY(a->deterministicTable.probabilities == c->deterministicTable.probabilities);
    // ... and is the one the run was tested with.
    const ModelEvaluation e = evaluateSavedModel(m_dropoutRun.toStdString());
    QCOMPARE(a->deterministic.accuracy, e.accuracy);
    // MC is a different predictor: its probabilities differ from the deterministic ones.
    QVERIFY(a->mcTable->probabilities != a->deterministicTable.probabilities);
    QCOMPARE(a->mc->rejection.size(), a->deterministic.rejection.size());
    QVERIFY(a->mc->rejection[2].byEntropy >= a->mc->rejection[0].byEntropy - 1e-9);
}

void TestUncertainty::runWithoutDropoutReportsDeterministicOnly()
{
    const auto report = analyseUncertainty(m_plainRun.toStdString(), UncertaintyOptions());
    QVERIFY(report);
    QVERIFY(!report->stochastic);
    QVERIFY(!report->mc && !report->mcTable);
    const auto json = nlohmann::json::parse(uncertaintyToJson(*report));
    QVERIFY(!json.contains("mc"));
    QVERIFY(QString::fromStdString(json.at("note").get<std::string>()).contains("identical"));
    QCOMPARE(json.at("deterministic").at("reliability").size(), std::size_t{15});
}

void TestUncertainty::outOfDistributionSetIsScored()
{
    // The same small MNIST as its own "out of distribution" set: entropy cannot tell the two
    // apart, so the AUROC is exactly 0.5 (every in/out pair ties or is mirrored).
    UncertaintyOptions options;
    options.samples = 4;
    options.ood = DROPOUTLAB_TEST_DATA_DIR "/mnist-small";
    const auto report = analyseUncertainty(m_dropoutRun.toStdString(), options);
    QVERIFY(report && report->deterministic.oodAuroc && report->mc && report->mc->oodAuroc);
    QCOMPARE(report->oodImages, std::int64_t{500});
    QCOMPARE(*report->deterministic.oodAuroc, 0.5);
    QCOMPARE(report->deterministic.entropyOut, report->deterministic.entropyIn);
    QVERIFY(report->mc->oodAurocMutualInformation.has_value());
}

void TestUncertainty::cancelledAnalysisReturnsNothing()
{
    CancelToken cancel;
    cancel.cancel();
    QVERIFY(!analyseUncertainty(m_dropoutRun.toStdString(), UncertaintyOptions(), cancel));
}

void TestUncertainty::missingModelIsAModelError()
{
    const QString run = m_dir.filePath("no-model");
    QVERIFY(QDir().mkpath(run));
    QVERIFY(QFile::copy(m_dropoutRun + "/config.json", run + "/config.json"));
    QVERIFY_THROWS_EXCEPTION(ModelError, analyseUncertainty(run.toStdString(), UncertaintyOptions()));
}

void TestUncertainty::cacheRoundTripAndReuse()
{
    UncertaintyOptions options;
    options.samples = 6;
    QFile::remove(QString::fromStdString(analysisCachePath(m_dropoutRun.toStdString())));
    bool fromCache = true;
    const auto first = analyseUncertaintyCached(m_dropoutRun.toStdString(), options, CancelToken(), {}, &fromCache);
    QVERIFY(first && !fromCache);
    QVERIFY(QFile::exists(QString::fromStdString(analysisCachePath(m_dropoutRun.toStdString()))));
    const auto second = analyseUncertaintyCached(m_dropoutRun.toStdString(), options, CancelToken(), {}, &fromCache);
    QVERIFY(second && fromCache);
    // What was read back is what was computed.
    QCOMPARE(second->deterministic.accuracy, first->deterministic.accuracy);
    QCOMPARE(second->mc->ece, first->mc->ece);
    QCOMPARE(second->mc->rejection.size(), first->mc->rejection.size());
    QVERIFY(second->mcTable->labels == first->mcTable->labels);
    QCOMPARE(second->mcTable->probabilities.size(), first->mcTable->probabilities.size());
    for (std::size_t i = 0; i < first->mcTable->probabilities.size(); ++i)
        QVERIFY(std::abs(second->mcTable->probabilities[i] - first->mcTable->probabilities[i]) < 1e-6f);
    // Other settings are computed afresh.
    options.seed = 9;
    QVERIFY(analyseUncertaintyCached(m_dropoutRun.toStdString(), options, CancelToken(), {}, &fromCache) && !fromCache);
    // A damaged cache is replaced, not an error.
    QFile cache(QString::fromStdString(analysisCachePath(m_dropoutRun.toStdString())));
    QVERIFY(cache.open(QIODevice::WriteOnly | QIODevice::Truncate));
    cache.write("{\"run\": 1}");
    cache.close();
    QVERIFY(analyseUncertaintyCached(m_dropoutRun.toStdString(), options, CancelToken(), {}, &fromCache) && !fromCache);
    // A hostile one is refused with the file named.
    QVERIFY_THROWS_EXCEPTION(Error, uncertaintyFromJson(R"({"run": "x"})", "analysis.json"));
}

void TestUncertainty::predictorMatchesTheTableAndKeepsTheGlobalGenerator()
{
    ModelPredictor predictor(m_dropoutRun.toStdString());
    QCOMPARE(predictor.activeSites(), std::vector<std::string>{"fc1"});
    const auto report = analyseUncertainty(m_dropoutRun.toStdString(), UncertaintyOptions());
    const auto data = dropoutlab::cachedDataset(DROPOUTLAB_TEST_DATA_DIR "/mnist-small");
    const std::vector<std::uint8_t> image(data->testImages.begin(), data->testImages.begin() + 784);
    torch::manual_seed(123);
    const auto before = torch::rand({4});
    torch::manual_seed(123);
    const auto a = predictor.predict(image, 20, 7);
    const auto after = torch::rand({4});
    QVERIFY(torch::equal(before, after));  // the pad never moves torch's global stream
    const auto b = predictor.predict(image, 20, 7);
    QVERIFY(a.mcMean == b.mcMean && a.mcStd == b.mcStd);
    QCOMPARE(a.deterministic.size(), std::size_t{10});
    for (int c = 0; c < 10; ++c)
        QVERIFY(std::abs(a.deterministic[static_cast<std::size_t>(c)] - report->deterministicTable.row(0)[c]) < 1e-6);
    double sum = 0;
    for (double p : a.mcMean)
        sum += p;
    QVERIFY(std::abs(sum - 1.0) < 1e-6);
    QVERIFY(std::any_of(a.mcStd.begin(), a.mcStd.end(), [](double s) { return s > 0; }));
}

QTEST_GUILESS_MAIN(TestUncertainty)
#include "test_uncertainty.moc"
