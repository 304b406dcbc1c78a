// Fused training of K models (engine/train/src/fused_trainer.h) against separate runs.
#include "fused_trainer.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/network.h"

#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::detail;

namespace {

class NullObserver final : public ExperimentObserver {};

ExperimentConfig member(ModelKind model, std::uint64_t initSeed, double fc1Rate)
{
    ExperimentConfig c;
    c.name = "m" + std::to_string(initSeed);
    c.model = model;
    c.dataDir = DROPOUTLAB_TEST_DATA_DIR "/mnist-small";
    c.epochs = 1;
    c.batchSize = 50;
    c.trainSubset = 500;
    c.threads = 1;
    c.device = "cpu";
    c.seeds.init = initSeed;
    c.seeds.shuffle = 7;  // fused members share the batch order
    c.seeds.dropout = initSeed;
    if (fc1Rate > 0)
        c.dropout[model == ModelKind::Cnn ? "fc1" : "hidden1"] = {fc1Rate, DropoutKind::Element};
    return c;
}

/// "64,64,64" -> {64, 64, 64}; empty: the default widths.
std::vector<int> widthsFrom(const QString& text)
{
    if (text.isEmpty())
        return kDefaultHiddenWidths;
    std::vector<int> widths;
    for (const auto& part : text.split(','))
        widths.push_back(part.toInt());
    return widths;
}

std::vector<ExperimentConfig> threeMembers(bool mlp, const QString& widths)
{
    const ModelKind kind = mlp ? ModelKind::Mlp : ModelKind::Cnn;
    std::vector<ExperimentConfig> configs = {member(kind, 1, 0.0), member(kind, 2, 0.0), member(kind, 3, 0.0)};
    for (auto& c : configs)
        c.hiddenWidths = widthsFrom(widths);
    return configs;
}

void addModelRows(bool withSettings = false)
{
    QTest::addColumn<bool>("mlp");
    QTest::addColumn<QString>("widths");
    if (withSettings)
        QTest::addColumn<QString>("settings");
    const auto row = [withSettings](const char* name, bool mlp, const QString& widths) {
        auto& data = QTest::newRow(name) << mlp << widths;
        if (withSettings)
            data << QString();
    };
    row("cnn", false, QString());
    row("mlp", true, QString());
    row("mlp 3x64", true, QString("64,64,64"));
    row("mlp 1x32", true, QString("32"));
}

/// Small custom networks over every layer the fused trainer fuses: strided convolutions, both
/// poolings with windows other than 2x2, global average pooling, flattening and the activations.
NetworkSpec customNetwork(bool globalPool)
{
    const std::string head = globalPool ? R"({"type": "global_avg_pool"}, {"type": "selu"})"
                                        : R"({"type": "flatten"}, {"type": "linear", "name": "fc1", "out": 24}, {"type": "sigmoid"})";
    return networkFromJson(R"({"name": "small", "layers": [
        {"type": "conv", "name": "c1", "out": 8, "kernel": 3, "stride": 2, "padding": 1}, {"type": "leaky_relu", "slope": 0.1},
        {"type": "avg_pool", "kernel": 2}, {"type": "gelu"},
        {"type": "conv", "name": "c2", "out": 16, "kernel": 3, "padding": 1}, {"type": "tanh"},
        {"type": "max_pool", "kernel": 3, "stride": 2, "padding": 1}, {"type": "relu"}, )" +
                               head + R"(, {"type": "linear", "name": "out"}]})",
                           "small");
}

/// Each member starts as its separate model: the same parameters, and the same outputs for `input`.
void expectSameStart(FusedGroup& group, const std::vector<ExperimentConfig>& configs, const torch::Tensor& input)
{
    const auto fused = group.forward(input, false);
    for (std::size_t k = 0; k < configs.size(); ++k) {
        torch::manual_seed(configs[k].seeds.init);
        auto separate = makeModel(configs[k]);
        separate->eval();
        const auto params = separate->parameters();
        const auto stacked = group.memberParameters(static_cast<int>(k));
        QCOMPARE(params.size(), stacked.size());
        for (std::size_t i = 0; i < params.size(); ++i)
            QVERIFY(torch::equal(params[i], stacked[i]));
        torch::NoGradGuard noGrad;
        QVERIFY(torch::allclose(fused[static_cast<long>(k)], separate->forward(input), 1e-4, 1e-5));
    }
}

double relativeDifference(double a, double b)
{
    return std::abs(a - b) / std::max(std::abs(a), 1e-12);
}

} // namespace

class TestFused : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void dropoutStatisticsPerMember();
    void channelDropoutPerMember();
    void fusionRules();
    void startsAsTheSeparateModels_data();
    void startsAsTheSeparateModels();
    void trainsLikeSeparateRunsWithoutDropout_data();
    void trainsLikeSeparateRunsWithoutDropout();
    void dropoutMembersMatchInStatistics();
    void customNetworksFuse_data();
    void customNetworksFuse();
    void normalisationIsRefused();
};

void TestFused::dropoutStatisticsPerMember()
{
    torch::manual_seed(0);
    const auto keep = torch::tensor({0.8f, 0.5f, 1.0f});
    const auto y = fusedDropout(torch::ones({3, 200, 500}), keep, FusedLayout::Members, DropoutKind::Element, true);
    const std::array<double, 3> expected = {0.2, 0.5, 0.0};
    for (int k = 0; k < 3; ++k) {
        const double zeros = y[k].eq(0).to(torch::kDouble).mean().item<double>();
        QVERIFY2(std::abs(zeros - expected[k]) < 0.01, qPrintable(QString("member %1: %2").arg(k).arg(zeros)));
        const auto kept = y[k].masked_select(y[k].ne(0));
        QVERIFY(torch::allclose(kept, torch::full_like(kept, 1.0 / keep[k].item<double>())));
    }
    QVERIFY(torch::equal(fusedDropout(torch::ones({3, 4, 5}), keep, FusedLayout::Members, DropoutKind::Element, false),
                         torch::ones({3, 4, 5})));
}

void TestFused::channelDropoutPerMember()
{
    torch::manual_seed(0);
    const auto keep = torch::tensor({0.5f, 0.9f});
    const auto y = fusedDropout(torch::ones({400, 2 * 16, 3, 3}), keep, FusedLayout::Channels, DropoutKind::Channel, true);
    const auto perMap = y.flatten(2);
    QVERIFY(torch::equal(std::get<0>(perMap.min(2)), std::get<0>(perMap.max(2))));  // whole maps
    const auto zeroMaps = std::get<0>(perMap.max(2)).eq(0).to(torch::kDouble);       // [400, 32]
    QVERIFY(std::abs(zeroMaps.narrow(1, 0, 16).mean().item<double>() - 0.5) < 0.02);
    QVERIFY(std::abs(zeroMaps.narrow(1, 16, 16).mean().item<double>() - 0.1) < 0.02);
}

void TestFused::fusionRules()
{
    const ExperimentConfig a = member(ModelKind::Cnn, 1, 0.0);
    QVERIFY(canFuse(a, member(ModelKind::Cnn, 2, 0.5)));
    ExperimentConfig other = member(ModelKind::Cnn, 2, 0.5);
    other.learningRate = 0.02;
    QVERIFY(!canFuse(a, other));
    other = member(ModelKind::Cnn, 2, 0.0);
    other.trainSubset = 1000;
    QVERIFY(!canFuse(a, other));
    QVERIFY(!canFuse(a, member(ModelKind::Mlp, 1, 0.0)));
    ExperimentConfig channel = member(ModelKind::Cnn, 2, 0.0);
    channel.dropout["conv1"] = {0.3, DropoutKind::Channel};
    ExperimentConfig element = member(ModelKind::Cnn, 3, 0.0);
    element.dropout["conv1"] = {0.3, DropoutKind::Element};
    QVERIFY(!canFuse(channel, element));
}

void TestFused::startsAsTheSeparateModels_data()
{
    addModelRows();
}

void TestFused::startsAsTheSeparateModels()
{
    QFETCH(bool, mlp);
    QFETCH(QString, widths);
    std::vector<ExperimentConfig> configs = threeMembers(mlp, widths);
    NullObserver a, b, c, progress;
    CancelToken token;
    FusedGroup group(configs, {&a, &b, &c}, progress, token);
    expectSameStart(group, configs, torch::randn({8, 1, 28, 28}));
}

void TestFused::trainsLikeSeparateRunsWithoutDropout_data()
{
    addModelRows(true);
    // The optimisers and regularisers: the fused group supports every one (the bounds are small
    // so that max-norm really rescales).
    QTest::newRow("mlp sgd nesterov, weight decay, max-norm") << true << QString("64,64")
        << QString("nesterov=true weight_decay=0.001 max_norm=0.5");
    QTest::newRow("cnn max-norm on filters and fc1, step schedule")
        << false << QString() << QString("max_norm=0.3 lr_schedule=step lr_step_epochs=1 lr_gamma=0.5");
    QTest::newRow("mlp adam, cosine, warm-up") << true << QString("64")
        << QString("optimiser=adam learning_rate=0.001 lr_schedule=cosine warmup_epochs=1");
    QTest::newRow("mlp adamw") << true << QString("64") << QString("optimiser=adamw learning_rate=0.001 weight_decay=0.01");
    QTest::newRow("mlp sigmoid, unit pixels, dampened momentum ramp, fan-in init") << true << QString("64,64")
        << QString("activation=sigmoid pixels=unit dampened_momentum=true momentum_start=0.5 momentum_ramp_epochs=2 "
                   "init=normal_fan_in init_std=1 learning_rate=0.5");
}

void TestFused::trainsLikeSeparateRunsWithoutDropout()
{
    QFETCH(bool, mlp);
    QFETCH(QString, widths);
    QFETCH(QString, settings);
    std::vector<ExperimentConfig> configs = threeMembers(mlp, widths);
    for (auto& c : configs) {
        c.epochs = 2;
        for (const QString& setting : settings.split(' ', Qt::SkipEmptyParts)) {
            const auto parts = setting.split('=');
            applyConfigSetting(c, parts[0].toStdString(), parts[1].toStdString(), "test");
        }
    }
    NullObserver a, b, c, progress;
    CancelToken token;
    FusedGroup group(configs, {&a, &b, &c}, progress, token);
    const auto fused = group.run();
    for (std::size_t k = 0; k < configs.size(); ++k) {
        NullObserver observer;
        const RunResult separate = runExperiment(configs[k], observer, token);
        QCOMPARE(toString(fused[k].status), std::string("completed"));
        QCOMPARE(fused[k].epochs.size(), separate.epochs.size());
        for (std::size_t e = 0; e < separate.epochs.size(); ++e) {
            const auto& f = fused[k].epochs[e];
            const auto& s = separate.epochs[e];
            QVERIFY2(relativeDifference(f.trainLoss, s.trainLoss) < 1e-4,
                     qPrintable(QString("member %1 epoch %2 train loss %3 vs %4").arg(k).arg(e + 1).arg(f.trainLoss, 0, 'g', 10).arg(s.trainLoss, 0, 'g', 10)));
            QVERIFY2(relativeDifference(f.valLoss, s.valLoss) < 1e-4,
                     qPrintable(QString("member %1 epoch %2 val loss %3 vs %4").arg(k).arg(e + 1).arg(f.valLoss, 0, 'g', 10).arg(s.valLoss, 0, 'g', 10)));
        }
        // 500 test images: float rounding may move a borderline image, not more.
        QVERIFY(std::abs(*fused[k].testAccuracy - *separate.testAccuracy) <= 0.0041);
        // Max-norm held per member and unit of the stacked weights.
        const auto names = parameterNames(networkSpec(configs[k]));
        const auto params = group.memberParameters(static_cast<int>(k));
        for (const auto& layer : maxNormLayerNames(configs[k])) {
            const auto at = std::find(names.begin(), names.end(), layer + ".weight") - names.begin();
            const double largest = params[static_cast<std::size_t>(at)].flatten(1).norm(2, {1}).max().item<double>();
            QVERIFY2(largest <= configs[k].maxNorm * (1 + 1e-5),
                     qPrintable(QString("member %1 %2: norm %3").arg(k).arg(layer.c_str()).arg(largest)));
        }
    }
}

void TestFused::dropoutMembersMatchInStatistics()
{
    // Four members with hidden1 dropout 0.5, fused, against the same four runs trained separately:
    // the masks differ (one shared stream), so only the mean final validation loss must agree.
    std::vector<ExperimentConfig> configs;
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
        configs.push_back(member(ModelKind::Mlp, seed, 0.5));
        configs.back().epochs = 3;
    }
    std::vector<NullObserver> observers(configs.size());
    std::vector<ExperimentObserver*> pointers;
    for (auto& o : observers)
        pointers.push_back(&o);
    NullObserver progress;
    CancelToken token;
    FusedGroup group(configs, pointers, progress, token);
    const auto fused = group.run();
    double fusedMean = 0.0;
    double separateMean = 0.0;
    for (std::size_t k = 0; k < configs.size(); ++k) {
        NullObserver observer;
        fusedMean += fused[k].epochs.back().valLoss / configs.size();
        separateMean += runExperiment(configs[k], observer, token).epochs.back().valLoss / configs.size();
        // Every member trained: its loss fell below chance level (ln 10 = 2.30).
        QVERIFY2(fused[k].epochs.back().trainLoss < 2.2, qPrintable(QString::number(fused[k].epochs.back().trainLoss)));
    }
    QVERIFY2(relativeDifference(fusedMean, separateMean) < 0.15,
             qPrintable(QString("fused %1 vs separate %2").arg(fusedMean).arg(separateMean)));
}

void TestFused::customNetworksFuse_data()
{
    QTest::addColumn<bool>("globalPool");
    QTest::newRow("global average pooling") << true;
    QTest::newRow("flatten and a hidden layer") << false;
}

void TestFused::customNetworksFuse()
{
    QFETCH(bool, globalPool);
    std::vector<ExperimentConfig> configs;
    for (std::uint64_t seed = 1; seed <= 2; ++seed)
        configs.push_back(withNetwork(member(ModelKind::Cnn, seed, 0.0), customNetwork(globalPool)));
    for (auto& c : configs)
        c.epochs = 2;
    NullObserver a, b, progress;
    CancelToken token;
    FusedGroup group(configs, {&a, &b}, progress, token);
    expectSameStart(group, configs, torch::randn({4, 1, 28, 28}));
    // The same training.
    const auto results = group.run();
    for (std::size_t k = 0; k < configs.size(); ++k) {
        NullObserver observer;
        const RunResult separate = runExperiment(configs[k], observer, token);
        QCOMPARE(toString(results[k].status), std::string("completed"));
        for (std::size_t e = 0; e < separate.epochs.size(); ++e) {
            QVERIFY2(relativeDifference(results[k].epochs[e].trainLoss, separate.epochs[e].trainLoss) < 1e-4,
                     qPrintable(QString("member %1 epoch %2: %3 vs %4").arg(k).arg(e + 1)
                                    .arg(results[k].epochs[e].trainLoss, 0, 'g', 10).arg(separate.epochs[e].trainLoss, 0, 'g', 10)));
            QVERIFY(relativeDifference(results[k].epochs[e].valLoss, separate.epochs[e].valLoss) < 1e-4);
        }
    }
}

void TestFused::normalisationIsRefused()
{
    const std::vector<ExperimentConfig> configs = {withNetwork(member(ModelKind::Cnn, 1, 0.0), findNetwork("cnn3-bn")),
                                                   withNetwork(member(ModelKind::Cnn, 2, 0.0), findNetwork("cnn3-bn"))};
    NullObserver a, b, progress;
    CancelToken token;
    try {
        FusedGroup group(configs, {&a, &b}, progress, token);
        QFAIL("a network with batch normalisation was fused");
    } catch (const ConfigError& error) {
        QVERIFY2(std::string(error.what()).find("layer 2 (batch_norm bn1): the fused trainer cannot fuse batch_norm") == 0,
                 error.what());
    }
}

QTEST_GUILESS_MAIN(TestFused)
#include "test_fused.moc"
