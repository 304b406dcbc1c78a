// The dropout kinds checked against their definitions over many samples (models.h), in train, eval
// and MC mode, and the kinds' and schedules' config handling.
#include "models.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/network.h"

#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::detail;

namespace {

ExperimentConfig cnnWith(std::map<std::string, DropoutSetting> dropout)
{
    ExperimentConfig config;
    config.dropout = std::move(dropout);
    return config;
}

double meanOf(const torch::Tensor& t)
{
    return t.to(torch::kDouble).mean().item<double>();
}

double varianceOf(const torch::Tensor& t)
{
    return t.to(torch::kDouble).var().item<double>();
}

LayerSpec layer(LayerSpec::Kind kind, const std::string& name = {}, int out = 0)
{
    LayerSpec l;
    l.kind = kind;
    l.name = name;
    l.out = out;
    return l;
}

/// A network on `features` flat inputs (1 x 1 x features) with `classes` classes.
NetworkSpec flatNetwork(int features, int classes, std::vector<LayerSpec> layers)
{
    NetworkSpec spec;
    spec.channels = 1;
    spec.height = 1;
    spec.width = features;
    spec.classes = classes;
    spec.layers = std::move(layers);
    return inferShapes(spec);
}

const DropoutSite& siteOf(const std::vector<DropoutSite>& sites, const std::string& name)
{
    for (const auto& site : sites)
        if (site.name == name)
            return site;
    throw std::logic_error("no site " + name);
}

} // namespace

class TestDropoutKinds : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { torch::manual_seed(3); }
    void gaussianKeepsTheMeanWithVarianceOfBernoulli_data();
    void gaussianKeepsTheMeanWithVarianceOfBernoulli();
    void alphaKeepsSelusMeanAndVariance();
    void dropBlockDropsWholeBlocks();
    void dropConnectMasksTheWeights();
    void evalModeIsDeterministicForEveryKind();
    void everyKindSamplesInMcPasses();
    void kindsParseRoundTripAndRefuse();
    void schedulesGiveTheRateOfEachEpoch();
    void fusedTrainerRefusesTheNewKindsByName();
    void concreteGradientMatchesFiniteDifferences();
    void concreteRateFallsWithMoreData();
    void concreteSitesAreParametersAndRefuseWeightDecay();
};

void TestDropoutKinds::gaussianKeepsTheMeanWithVarianceOfBernoulli_data()
{
    QTest::addColumn<double>("rate");
    QTest::newRow("0.2") << 0.2;
    QTest::newRow("0.5") << 0.5;
}

void TestDropoutKinds::gaussianKeepsTheMeanWithVarianceOfBernoulli()
{
    QFETCH(double, rate);
    const auto x = torch::full({400000}, 2.0);
    const auto y = applyDropout(x, {rate, DropoutKind::Gaussian}, true);
    // y = 2 n with n ~ N(1, p/(1-p)): mean 2, variance 4 p/(1-p); 400,000 draws.
    QVERIFY2(std::abs(meanOf(y) - 2.0) < 0.015, qPrintable(QString::number(meanOf(y))));
    const double expected = 4.0 * rate / (1.0 - rate);
    QVERIFY2(std::abs(varianceOf(y) / expected - 1.0) < 0.01, qPrintable(QString("%1 vs %2").arg(varianceOf(y)).arg(expected)));
    QVERIFY(y.ne(0).all().item<bool>());  // noise, not zeros
}

void TestDropoutKinds::alphaKeepsSelusMeanAndVariance()
{
    // SELU's fixed point: inputs N(0, 1) give outputs of mean 0 and variance 1. Alpha dropout keeps both.
    const auto activation = torch::selu(torch::randn({400000}));
    QVERIFY(std::abs(meanOf(activation)) < 0.01 && std::abs(varianceOf(activation) - 1.0) < 0.02);
    for (const double rate : {0.1, 0.3}) {
        const auto y = applyDropout(activation, {rate, DropoutKind::Alpha}, true);
        QVERIFY2(std::abs(meanOf(y)) < 0.01, qPrintable(QString("rate %1: mean %2").arg(rate).arg(meanOf(y))));
        QVERIFY2(std::abs(varianceOf(y) - 1.0) < 0.02, qPrintable(QString("rate %1: variance %2").arg(rate).arg(varianceOf(y))));
        // Dropped units all take one value, a (-lambda alpha) + b.
        const double a = 1.0 / std::sqrt((1 - rate) * (1 + rate * 1.7580993408473766 * 1.7580993408473766));
        const double dropped = a * -1.7580993408473766 + a * 1.7580993408473766 * rate;
        const double share = y.sub(dropped).abs().lt(1e-5).to(torch::kDouble).mean().item<double>();
        QVERIFY2(std::abs(share - rate) < 0.005, qPrintable(QString("dropped share %1").arg(share)));
    }
}

void TestDropoutKinds::dropBlockDropsWholeBlocks()
{
    const int bs = 3;
    const double rate = 0.1;
    const auto x = torch::ones({100, 8, 12, 12});
    const auto y = applyDropout(x, {rate, DropoutKind::DropBlock, bs}, true);
    const auto zero = y.eq(0).to(torch::kFloat);
    // Every zero lies in a bs x bs square of zeros: the zeros are a union of whole blocks.
    const auto fullSquares = torch::avg_pool2d(zero, bs, 1).ge(1.0 - 1e-6).to(torch::kFloat);  // top-left corners
    const auto covered = torch::max_pool2d(torch::constant_pad_nd(fullSquares, {bs - 1, bs - 1, bs - 1, bs - 1}), bs, 1);
    QVERIFY(torch::equal(covered, zero));
    // Masks differ per feature map, and the kept units are scaled to keep the sum.
    QVERIFY(!torch::equal(zero[0][0], zero[0][1]));
    const double dropped = meanOf(zero);
    QVERIFY2(dropped > 0.7 * rate && dropped < 1.05 * rate, qPrintable(QString("dropped %1").arg(dropped)));
    QVERIFY(std::abs(meanOf(y) - 1.0) < 1e-4);
    QVERIFY(torch::equal(applyDropout(x, {rate, DropoutKind::DropBlock, bs}, false), x));
}

void TestDropoutKinds::dropConnectMasksTheWeights()
{
    // A linear layer after a DropConnect site, fed one-hot rows: each output is one weight, kept
    // (scaled by 1/(1-p)) or dropped; the site's input itself is not masked.
    using Kind = LayerSpec::Kind;
    NetImpl model(flatNetwork(64, 32, {layer(Kind::Flatten), layer(Kind::Dropout, "connect"), layer(Kind::Linear, "fc")}),
                  {{"connect", {0.5, DropoutKind::DropConnect}}});
    model.train();
    torch::NoGradGuard noGrad;
    const auto eye = torch::eye(64).view({64, 1, 1, 64});
    auto weight = model.named_parameters()["fc.weight"];
    auto bias = model.named_parameters()["fc.bias"];
    const auto out = (model.forward(eye) - bias).t();  // [32, 64]: weight[o][i] kept or 0
    const auto ratio = out / weight;
    const auto kept = ratio.sub(2.0).abs().lt(1e-4);
    const auto dropped = out.abs().lt(1e-7);
    QVERIFY(torch::logical_or(kept, dropped).all().item<bool>());
    const double share = meanOf(dropped.to(torch::kFloat));
    QVERIFY2(std::abs(share - 0.5) < 0.07, qPrintable(QString("dropped weights %1").arg(share)));
    model.eval();  // mean-field: the plain weights
    QVERIFY(torch::allclose(model.forward(eye), torch::linear(eye.flatten(1), weight, bias)));
}

void TestDropoutKinds::evalModeIsDeterministicForEveryKind()
{
    const auto x = torch::randn({6, 1, 28, 28});
    auto plain = makeModel(cnnWith({}));
    for (const auto kind : {DropoutKind::Element, DropoutKind::Gaussian, DropoutKind::Alpha, DropoutKind::DropConnect,
                            DropoutKind::DropBlock, DropoutKind::Channel}) {
        torch::manual_seed(1);
        auto model = makeModel(cnnWith({{"conv2", {0.4, kind}}}));
        validateConfig(cnnWith({{"conv2", {0.4, kind}}}));
        model->eval();
        const auto a = model->forward(x);
        QVERIFY2(torch::equal(a, model->forward(x)), toString(kind).c_str());
        torch::manual_seed(1);
        auto same = makeModel(cnnWith({}));
        same->eval();
        QVERIFY2(torch::equal(a, same->forward(x)), toString(kind).c_str());  // eval = no dropout
        model->train();
        QVERIFY2(!torch::equal(model->forward(x), model->forward(x)), toString(kind).c_str());
    }
}

void TestDropoutKinds::everyKindSamplesInMcPasses()
{
    const auto x = torch::randn({3, 1, 28, 28});
    for (const auto kind : {DropoutKind::Gaussian, DropoutKind::Alpha, DropoutKind::DropConnect, DropoutKind::DropBlock}) {
        auto model = makeModel(cnnWith({{"conv2", {0.4, kind}}}));
        model->eval();
        torch::NoGradGuard noGrad;
        auto g1 = at::make_generator<at::CPUGeneratorImpl>(7);
        auto g2 = at::make_generator<at::CPUGeneratorImpl>(7);
        auto g3 = at::make_generator<at::CPUGeneratorImpl>(8);
        const auto a = model->forwardSampled(x, g1);
        QVERIFY2(torch::equal(a, model->forwardSampled(x, g2)), toString(kind).c_str());  // the seed decides
        QVERIFY2(!torch::equal(a, model->forwardSampled(x, g3)), toString(kind).c_str());
        QVERIFY2(!torch::equal(a, model->forward(x)), toString(kind).c_str());
    }
    // DropConnect: each sample of a stacked MC batch draws its own weight mask.
    auto connect = makeModel(cnnWith({{"fc1", {0.5, DropoutKind::DropConnect}}}));
    connect->eval();
    torch::NoGradGuard noGrad;
    auto g = at::make_generator<at::CPUGeneratorImpl>(1);
    const auto same = x.narrow(0, 0, 1).expand({2, 1, 28, 28}).contiguous();
    const auto pair = connect->forwardSampled(same, g);
    QVERIFY(!torch::equal(pair[0], pair[1]));
    QVERIFY(connect->masksWeights());
}

void TestDropoutKinds::kindsParseRoundTripAndRefuse()
{
    const auto spec = parseDropoutSpec("conv2=0.1:dropblock/5, fc1=0.5:gaussian@ramp:10:0.1, conv1=0.2:alpha@curriculum:4,"
                                       "input=0.1:dropconnect");
    QVERIFY(spec.at("conv2").kind == DropoutKind::DropBlock);
    QCOMPARE(spec.at("conv2").blockSize, 5);
    QVERIFY(spec.at("fc1").schedule == RateSchedule::Ramp);
    QCOMPARE(spec.at("fc1").rampEpochs, 10);
    QCOMPARE(spec.at("fc1").startRate, 0.1);
    QVERIFY(spec.at("conv1").schedule == RateSchedule::Curriculum);
    QVERIFY(spec.at("input").kind == DropoutKind::DropConnect);
    ExperimentConfig config = cnnWith(spec);
    validateConfig(config);
    const ExperimentConfig back = configFromJson(configToJson(config), "mem");
    QVERIFY(back.dropout == config.dropout);

    const auto sites = dropoutSites(config);
    const DropoutSite& conv2 = siteOf(sites, "conv2");
    QVERIFY(conv2.mapHeight > 0 && conv2.mapHeight < 12);
    const auto refused = [](const std::map<std::string, DropoutSetting>& dropout, const char* expected) {
        try {
            validateConfig(cnnWith(dropout));
        } catch (const ConfigError& error) {
            return QString(error.what()).contains(expected);
        }
        return false;
    };
    QVERIFY(refused({{"fc1", {0.3, DropoutKind::DropBlock}}}, "needs feature maps"));
    QVERIFY(refused({{"conv2", {0.3, DropoutKind::DropBlock, 50}}}, "does not fit its feature maps"));
    QVERIFY(refused({{"fc1", {1.0, DropoutKind::Gaussian}}}, "out of range"));
    QVERIFY(refused({{"fc1", {0.5, DropoutKind::Element, 3, RateSchedule::Ramp, 1.5, 4}}}, "start rate"));
    QVERIFY(refused({{"fc1", {0.5, DropoutKind::Element, 3, RateSchedule::Curriculum, 0.0, 0}}}, "ramp_epochs"));
    for (const char* bad : {"fc1=0.5:bernoulli", "conv2=0.1:dropblock/0", "fc1=0.5@ramp", "fc1=0.5@linear:3",
                            "fc1=0.5@curriculum:3:0.1", "fc1=0.5@ramp:2.5"})
        QVERIFY_THROWS_EXCEPTION(ConfigError, parseDropoutSpec(bad));
    QVERIFY_THROWS_EXCEPTION(ConfigError, configFromJson(R"({"dropout": {"fc1": {"rate": 0.5, "block": 3}}})", "mem"));
}

void TestDropoutKinds::schedulesGiveTheRateOfEachEpoch()
{
    const DropoutSetting ramp{0.5, DropoutKind::Element, 3, RateSchedule::Ramp, 0.1, 4};
    QCOMPARE(scheduledRate(ramp, 0), 0.1);
    QCOMPARE(scheduledRate(ramp, 2), 0.3);
    QCOMPARE(scheduledRate(ramp, 4), 0.5);
    QCOMPARE(scheduledRate(ramp, 9), 0.5);
    const DropoutSetting curriculum{0.5, DropoutKind::Element, 3, RateSchedule::Curriculum, 0.0, 10};
    QCOMPARE(scheduledRate(curriculum, 0), 0.0);
    QVERIFY(scheduledRate(curriculum, 1) < scheduledRate(curriculum, 2));
    QVERIFY(std::abs(scheduledRate(curriculum, 10) - 0.5) < 0.005);  // within 1 % after N epochs
    // The model puts each epoch's rate in force.
    auto model = makeModel(cnnWith({{"fc1", ramp}}));
    model->setEpoch(0);
    QCOMPARE(model->activeDropoutSites(), (std::vector<std::string>{"fc1"}));
    auto zeroStart = makeModel(cnnWith({{"fc1", {0.5, DropoutKind::Element, 3, RateSchedule::Ramp, 0.0, 4}}}));
    zeroStart->setEpoch(0);
    QVERIFY(zeroStart->activeDropoutSites().empty());  // rate 0 in force
    zeroStart->setEpoch(1);
    QCOMPARE(zeroStart->activeDropoutSites(), (std::vector<std::string>{"fc1"}));
}

void TestDropoutKinds::fusedTrainerRefusesTheNewKindsByName()
{
    QVERIFY(fusionRefusal(cnnWith({{"fc1", {0.5, DropoutKind::Element}}})).empty());
    const std::string kind = fusionRefusal(cnnWith({{"conv2", {0.2, DropoutKind::DropBlock}}}));
    QVERIFY2(kind.find("'dropblock'") != std::string::npos && kind.find("--fuse 1") != std::string::npos, kind.c_str());
    const std::string schedule =
        fusionRefusal(cnnWith({{"fc1", {0.5, DropoutKind::Element, 3, RateSchedule::Ramp, 0.0, 4}}}));
    QVERIFY2(schedule.find("ramp") != std::string::npos, schedule.c_str());
}

void TestDropoutKinds::concreteGradientMatchesFiniteDifferences()
{
    // The objective's derivative in the rate's logit (the relaxed mask and the regulariser, with
    // the noise held fixed) against central differences, in double.
    const auto options = torch::TensorOptions().dtype(torch::kDouble);
    const auto x = torch::randn({200}, options);
    const auto u = torch::rand({200}, options);
    const auto w = torch::randn({10, 200}, options);
    const auto objective = [&](const torch::Tensor& logit) {
        return concreteDropout(x, logit, u).matmul(w.t()).pow(2).sum() + concreteRegulariser(logit, {w}, 200, 500).sum();
    };
    for (const double start : {-2.0, 0.0, 1.0}) {
        auto logit = torch::full({1}, start, options).requires_grad_(true);
        objective(logit).backward();
        const double analytic = logit.grad().item<double>();
        const double h = 1e-6;
        torch::NoGradGuard noGrad;
        const double numeric = (objective(torch::full({1}, start + h, options)).item<double>() -
                                objective(torch::full({1}, start - h, options)).item<double>()) / (2 * h);
        QVERIFY2(std::abs(analytic - numeric) <= 1e-5 * std::max(1.0, std::abs(numeric)),
                 qPrintable(QString("logit %1: %2 vs %3").arg(start).arg(analytic).arg(numeric)));
    }
}

void TestDropoutKinds::concreteRateFallsWithMoreData()
{
    // Gal et al.: the regulariser's weight falls as 1/N, so more data gives a lower learned rate.
    // A 20-feature linearly separable problem, an MLP with Concrete Dropout on its hidden layer.
    using Kind = LayerSpec::Kind;
    const NetworkSpec shaped = flatNetwork(20, 2, {layer(Kind::Flatten), layer(Kind::Linear, "hidden", 64), layer(Kind::Relu),
                                                   layer(Kind::Dropout, "h"), layer(Kind::Linear, "out")});
    const auto learned = [&](std::int64_t n) {
        torch::manual_seed(5);
        const auto x = torch::randn({n, 1, 1, 20});
        const auto y = x.flatten(1).matmul(torch::linspace(-1, 1, 20)).gt(0).to(torch::kLong);
        NetImpl model(shaped, {{"h", {0.3, DropoutKind::Concrete}}});
        model.train();
        torch::optim::Adam adam(model.parameters(), torch::optim::AdamOptions(0.01));
        for (int step = 0; step < 600; ++step) {
            const auto rows = torch::randint(n, {64}, torch::kLong);
            const auto loss = torch::nn::functional::cross_entropy(model.forward(x.index_select(0, rows)), y.index_select(0, rows)) +
                              model.concreteLoss(n).sum();
            adam.zero_grad();
            loss.backward();
            adam.step();
        }
        return model.learnedRates().at("h");
    };
    const double small = learned(100);
    const double large = learned(20000);
    QVERIFY2(small > large + 0.05, qPrintable(QString("learned rate %1 with 100 examples, %2 with 20,000").arg(small).arg(large)));
}

void TestDropoutKinds::concreteSitesAreParametersAndRefuseWeightDecay()
{
    const ExperimentConfig config = cnnWith(parseDropoutSpec("fc1=0.1:concrete"));
    validateConfig(config);
    auto model = makeModel(config);
    const auto names = parameterNames(networkSpec(config), config.dropout);
    std::vector<std::string> actual;
    for (const auto& item : model->named_parameters())
        actual.push_back(item.key());
    QVERIFY(actual == names);  // saved models list them in this order
    QVERIFY(std::find(names.begin(), names.end(), "concrete_fc1.p_logit") != names.end());
    QVERIFY(std::abs(model->learnedRates().at("fc1") - 0.1) < 1e-6);
    QVERIFY(model->concreteLoss(1000).defined());
    QVERIFY(!makeModel(cnnWith({}))->concreteLoss(1000).defined());
    ExperimentConfig decayed = config;
    decayed.weightDecay = 1e-4;
    QVERIFY_THROWS_EXCEPTION(ConfigError, validateConfig(decayed));
    QVERIFY_THROWS_EXCEPTION(ConfigError, validateConfig(cnnWith({{"fc1", {0.0, DropoutKind::Concrete}}})));
    QVERIFY(fusionRefusal(config).find("'concrete'") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestDropoutKinds)
#include "test_dropout_kinds.moc"
