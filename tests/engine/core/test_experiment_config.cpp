#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/experiment_config.h"
#include "dropoutlab/core/presets.h"

#include <QTest>

#include <cmath>
#include <functional>

using namespace dropoutlab;

namespace {

void expectConfigError(const std::function<void()>& action, const QString& fragment)
{
    try {
        action();
    } catch (const ConfigError& error) {
        const QString message = QString::fromStdString(error.what());
        QVERIFY2(message.contains(fragment), qPrintable("message lacks '" + fragment + "': " + message));
        return;
    }
    QFAIL("expected a ConfigError");
}

ExperimentConfig withDropout(ModelKind model, const std::string& spec)
{
    ExperimentConfig config;
    config.model = model;
    config.dropout = parseDropoutSpec(spec);
    return config;
}

} // namespace

class TestExperimentConfig : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void defaultsAreTheReference();
    void parsesDropoutSpec();
    void rejectsBadDropout_data();
    void rejectsBadDropout();
    void rejectsBadFields_data();
    void rejectsBadFields();
    void jsonRoundTrip();
    void pathsAreBytes();
    void errorsEscapeControlBytes();
    void jsonErrorsNameTheKey();
    void presetsAreValid();
    void paperPresetsAsPublished();
    void scheduleRatesByHand_data();
    void scheduleRatesByHand();
    void momentumRampByHand();
    void optimiserKeysRoundTrip();
    void rejectsBadOptimiserFields_data();
    void rejectsBadOptimiserFields();
    void settingsFromText();
    void maxNormLayersDefaultToHidden();
};

void TestExperimentConfig::defaultsAreTheReference()
{
    const ExperimentConfig config;
    QCOMPARE(config.epochs, 10);
    QCOMPARE(config.batchSize, 100);
    QCOMPARE(config.learningRate, 0.01);
    QCOMPARE(config.momentum, 0.9);
    QCOMPARE(config.validationFraction, 0.2);
    QCOMPARE(dropoutSites(ModelKind::Cnn).size(), std::size_t{4});
    QCOMPARE(dropoutSites(ModelKind::Mlp).size(), std::size_t{3});
    validateConfig(config);
}

void TestExperimentConfig::parsesDropoutSpec()
{
    const auto spec = parseDropoutSpec("fc1=0.5, input=0.2,conv2=0.3:channel");
    QCOMPARE(spec.size(), std::size_t{3});
    QCOMPARE(spec.at("fc1").rate, 0.5);
    QCOMPARE(spec.at("input").rate, 0.2);
    QVERIFY(spec.at("conv2").kind == DropoutKind::Channel);
    QVERIFY(spec.at("fc1").kind == DropoutKind::Element);
    QCOMPARE(dropoutSummary(withDropout(ModelKind::Cnn, "fc1=0.5,input=0.2,conv2=0.3:channel")),
             std::string("input 0.2, conv2 0.3 (channel), fc1 0.5"));
    QCOMPARE(dropoutSummary(ExperimentConfig{}), std::string("none"));
}

void TestExperimentConfig::rejectsBadDropout_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("unknown site") << "cnn" << "fc2=0.5" << "dropout site 'fc2' does not exist in the cnn model";
    QTest::newRow("site of other model") << "mlp" << "fc1=0.5" << "'fc1' does not exist in the mlp model";
    QTest::newRow("rate one") << "cnn" << "fc1=1" << "dropout site fc1: rate 1 is out of range";
    QTest::newRow("negative rate") << "cnn" << "conv1=-0.1" << "dropout site conv1: rate -0.1 is out of range";
    QTest::newRow("channel on fc") << "cnn" << "fc1=0.3:channel" << "dropout site fc1: kind 'channel'";
    QTest::newRow("channel on mlp") << "mlp" << "hidden1=0.3:channel" << "dropout site hidden1: kind 'channel'";
    QTest::newRow("channel on input") << "cnn" << "input=0.3:channel" << "dropout site input: kind 'channel'";
    QTest::newRow("not a number") << "cnn" << "fc1=half" << "dropout site fc1: rate 'half' is not a number";
    QTest::newRow("bad kind") << "cnn" << "conv1=0.2:spatial" << "unknown dropout kind 'spatial'";
    QTest::newRow("no equals") << "cnn" << "fc1" << "expected SITE=RATE";
    QTest::newRow("twice") << "cnn" << "fc1=0.1,fc1=0.2" << "given twice";
}

void TestExperimentConfig::rejectsBadDropout()
{
    QFETCH(QString, model);
    QFETCH(QString, spec);
    QFETCH(QString, fragment);
    expectConfigError(
        [&] { validateConfig(withDropout(parseModelKind(model.toStdString(), "model"), spec.toStdString())); },
        fragment);
}

void TestExperimentConfig::rejectsBadFields_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("epochs") << R"({"epochs": 0})" << "test.json: 'epochs' is 0; expected an integer from 1 to 10000";
    QTest::newRow("batch") << R"({"batch_size": -5})" << "test.json: 'batch_size' is -5; expected an integer from 1 to 65536";
    QTest::newRow("lr") << R"({"learning_rate": 0})" << "learning_rate is 0";
    QTest::newRow("momentum") << R"({"momentum": 1.5})" << "momentum is 1.5";
    QTest::newRow("device") << R"({"device": "tpu"})" << "device is 'tpu'";
    QTest::newRow("validation") << R"({"validation_fraction": 1})" << "validation_fraction is 1";
    QTest::newRow("subset") << R"({"train_subset": -1})" << "test.json: 'train_subset' is -1; expected an integer from 0";
    QTest::newRow("lr 1e308 in a file") << R"({"learning_rate": 1e309})" << "test.json";
    QTest::newRow("lr beyond float") << R"({"learning_rate": 1e308})" << "learning_rate is 1e+308; expected a positive number up to 1e+06";
}

void TestExperimentConfig::rejectsBadFields()
{
    QFETCH(QString, json);
    QFETCH(QString, fragment);
    expectConfigError([&] { validateConfig(configFromJson(json.toStdString(), "test.json")); }, fragment);
}

void TestExperimentConfig::pathsAreBytes()
{
    // A Latin-1 folder name is not UTF-8: it is stored as its bytes in hex and read back as is.
    ExperimentConfig config;
    config.dataDir = "/data/mnist-\xe9t\xe9";
    const std::string text = configToJson(config);
    QVERIFY2(text.find(R"("bytes_hex": "2f646174612f6d6e6973742de974e9")") != std::string::npos, text.c_str());
    QCOMPARE(configFromJson(text, "latin1").dataDir, config.dataDir);
    // UTF-8 paths stay plain strings.
    config.dataDir = "/data/mnist-\xc3\xa9t\xc3\xa9";
    QCOMPARE(configFromJson(configToJson(config), "utf8").dataDir, config.dataDir);
    QVERIFY(configToJson(config).find("bytes_hex") == std::string::npos);
    // Malformed encodings are refused, naming the file and the key.
    expectConfigError([] { configFromJson(R"({"data": {"bytes_hex": "2f6"}})", "odd.json"); },
                      "odd.json: 'data.bytes_hex' has an odd number of hex digits");
    expectConfigError([] { configFromJson(R"({"data": {"bytes_hex": "zz"}})", "digit.json"); },
                      "digit.json: 'data.bytes_hex' has a character that is not a hex digit");
    expectConfigError([] { configFromJson(R"({"data": {"bytes_hex": "6100"}})", "nul.json"); }, "NUL byte");
    expectConfigError([] { configFromJson(R"({"data": {"path": "x"}})", "key.json"); }, "key.json: 'data'");
    // Run names are text: a name that is not UTF-8 is refused before anything runs.
    ExperimentConfig named;
    named.name = "bad\xff";
    expectConfigError([&] { validateConfig(named); }, "is not valid UTF-8");
}

void TestExperimentConfig::errorsEscapeControlBytes()
{
    // A NUL no longer cuts a message short, and an escape sequence cannot drive the terminal.
    const ConfigError error(std::string("data 'a\0b\x1b[31m\x7f' not found\n\tsee --help", 38));
    QCOMPARE(QString::fromUtf8(error.what()), QString("data 'a\\x00b\\x1b[31m\\x7f' not found\n\tsee --help"));
    // A config file's NUL in a path is refused with the key named.
    expectConfigError([] { validateConfig(configFromJson(R"({"data": "mnist\u0000x"})", "nul.json")); },
                      "data holds a NUL byte");
}

void TestExperimentConfig::jsonRoundTrip()
{
    ExperimentConfig config = withDropout(ModelKind::Cnn, "input=0.2,conv1=0.25:channel,fc1=0.5");
    config.name = "a \"quoted\" name";
    config.epochs = 3;
    config.trainSubset = 5000;
    config.seeds = {11, 12, 13, 14};
    config.device = "cpu";
    config.threads = 2;
    const ExperimentConfig back = configFromJson(configToJson(config), "round trip");
    QVERIFY(back == config);

    const ExperimentConfig shorthand = configFromJson(R"({"dropout": {"fc1": 0.5}, "seed": 9})", "shorthand");
    QCOMPARE(shorthand.dropout.at("fc1").rate, 0.5);
    QCOMPARE(shorthand.seeds.init, std::uint64_t{9});
    QCOMPARE(shorthand.seeds.dropout, std::uint64_t{9});
    QCOMPARE(shorthand.seeds.split, Seeds{}.split);
}

void TestExperimentConfig::jsonErrorsNameTheKey()
{
    expectConfigError([] { configFromJson(R"({"epoch": 3})", "my.json"); }, "my.json: unknown key 'epoch'");
    expectConfigError([] { configFromJson(R"({"epochs": "ten"})", "my.json"); }, "'epochs' is \"ten\"; expected an integer");
    expectConfigError([] { configFromJson(R"({"epochs": 3,})", "my.json"); }, "my.json: invalid JSON");
    expectConfigError([] { configFromJson(R"({"model": "rnn"})", "my.json"); }, "unknown model 'rnn'");
    expectConfigError([] { configFromJson(R"({"dropout": {"fc1": {"rate": 0.5, "p": 1}}})", "my.json"); },
                      "dropout site fc1: unknown key 'p'");
}

void TestExperimentConfig::presetsAreValid()
{
    const Preset& reference = findPreset("reference");
    QCOMPARE(reference.runs.size(), std::size_t{2});
    QVERIFY(reference.runs[0].dropout.empty() || reference.runs[0].dropout.begin()->second.rate == 0.0);
    QCOMPARE(reference.runs[1].dropout.at("fc1").rate, 0.5);
    QCOMPARE(reference.runs[1].epochs, 10);
    QCOMPARE(reference.runs[1].learningRate, 0.01);
    // The pair differs only in dropout and name.
    ExperimentConfig a = reference.runs[0];
    a.dropout = reference.runs[1].dropout;
    a.name = reference.runs[1].name;
    QVERIFY(a == reference.runs[1]);

    QCOMPARE(findPreset("mlp-classic").runs[1].dropout.at("hidden2").rate, 0.5);
    QCOMPARE(findPreset("classic").runs[0].dropout.at("input").rate, 0.2);
    expectConfigError([] { findPreset("nope"); },
                      "unknown preset 'nope'; expected one of classic, hinton2012, mlp-classic, reference, srivastava2014");
}

void TestExperimentConfig::paperPresetsAsPublished()
{
    const Preset& hinton = findPreset("hinton2012");
    QVERIFY(hinton.source.find("1207.0580") != std::string::npos);
    QCOMPARE(hinton.runs.size(), std::size_t{3});
    for (const auto& run : hinton.runs) {
        QVERIFY(run.hiddenWidths == std::vector<int>({800, 800}));
        QVERIFY(run.activation == Activation::Sigmoid);
        QVERIFY(run.pixels == PixelRange::Unit);
        QCOMPARE(run.lrGamma, 0.998);
        QCOMPARE(run.momentumStart, 0.5);
        QCOMPARE(run.momentum, 0.99);
        QCOMPARE(run.momentumRampEpochs, 500);
        QVERIFY(run.dampenedMomentum);
        QCOMPARE(run.epochs, 3000);
        QCOMPARE(run.batchSize, 100);
    }
    QCOMPARE(*hinton.publishedTestErrorPercent[0], 1.60);
    QCOMPARE(*hinton.publishedTestErrorPercent[1], 1.30);
    QCOMPARE(*hinton.publishedTestErrorPercent[2], 1.10);
    QCOMPARE(hinton.runs[0].maxNorm, 0.0);
    QCOMPARE(hinton.runs[2].maxNorm, 15.0);
    QCOMPARE(hinton.runs[2].dropout.at("input").rate, 0.2);

    const Preset& srivastava = findPreset("srivastava2014");
    QCOMPARE(srivastava.runs.size(), std::size_t{4});
    const std::vector<double> published = {1.60, 1.25, 1.06, 0.95};
    for (std::size_t i = 0; i < published.size(); ++i)
        QCOMPARE(*srivastava.publishedTestErrorPercent[i], published[i]);
    QVERIFY(srivastava.runs[0].activation == Activation::Sigmoid);
    QVERIFY(srivastava.runs[1].hiddenWidths == std::vector<int>({1024, 1024, 1024}));
    QCOMPARE(srivastava.runs[1].maxNorm, 0.0);
    QCOMPARE(srivastava.runs[2].maxNorm, 3.0);
    QVERIFY(srivastava.runs[3].hiddenWidths == std::vector<int>({8192, 8192}));
    // The two 3x1024 rows differ in max-norm only.
    ExperimentConfig a = srivastava.runs[1];
    a.maxNorm = srivastava.runs[2].maxNorm;
    a.name = srivastava.runs[2].name;
    QVERIFY(a == srivastava.runs[2]);
    // The logistic row is Hinton et al.'s standard net.
    ExperimentConfig standard = srivastava.runs[0];
    standard.name = hinton.runs[0].name;
    QVERIFY(standard == hinton.runs[0]);
}

void TestExperimentConfig::scheduleRatesByHand_data()
{
    QTest::addColumn<QString>("settings");
    QTest::addColumn<int>("epoch");
    QTest::addColumn<double>("rate");
    // Base learning rate 0.1 throughout; epochs are 1-based.
    QTest::newRow("constant 1") << "" << 1 << 0.1;
    QTest::newRow("constant 50") << "" << 50 << 0.1;
    QTest::newRow("step 1") << "lr_schedule=step lr_step_epochs=3 lr_gamma=0.5" << 1 << 0.1;
    QTest::newRow("step 3") << "lr_schedule=step lr_step_epochs=3 lr_gamma=0.5" << 3 << 0.1;
    QTest::newRow("step 4") << "lr_schedule=step lr_step_epochs=3 lr_gamma=0.5" << 4 << 0.05;
    QTest::newRow("step 7") << "lr_schedule=step lr_step_epochs=3 lr_gamma=0.5" << 7 << 0.025;
    QTest::newRow("exponential 1") << "lr_schedule=exponential lr_gamma=0.998" << 1 << 0.1;
    QTest::newRow("exponential 3") << "lr_schedule=exponential lr_gamma=0.998" << 3 << 0.1 * 0.998 * 0.998;
    QTest::newRow("cosine 1 of 10") << "lr_schedule=cosine lr_min=0.01 epochs=10" << 1 << 0.1;
    QTest::newRow("cosine 6 of 10") << "lr_schedule=cosine lr_min=0.01 epochs=10" << 6 << 0.055;  // half way: the mean
    QTest::newRow("cosine 10 of 10") << "lr_schedule=cosine lr_min=0.01 epochs=10" << 10
                                     << 0.01 + 0.09 * (1 + std::cos(M_PI * 0.9)) / 2;
    QTest::newRow("inverse time 1") << "lr_schedule=inverse_time lr_step_epochs=20" << 1 << 0.1;
    QTest::newRow("inverse time 21") << "lr_schedule=inverse_time lr_step_epochs=20" << 21 << 0.05;
    QTest::newRow("inverse time 41") << "lr_schedule=inverse_time lr_step_epochs=20" << 41 << 0.1 / 3;
    QTest::newRow("warm-up 1 of 3") << "warmup_epochs=3" << 1 << 0.025;
    QTest::newRow("warm-up 3 of 3") << "warmup_epochs=3" << 3 << 0.075;
    QTest::newRow("after warm-up") << "warmup_epochs=3" << 4 << 0.1;
    QTest::newRow("warm-up then step") << "warmup_epochs=2 lr_schedule=step lr_step_epochs=2 lr_gamma=0.1" << 5 << 0.01;
    QTest::newRow("warm-up then cosine mid") << "warmup_epochs=2 lr_schedule=cosine epochs=12" << 8 << 0.05;
}

void TestExperimentConfig::scheduleRatesByHand()
{
    QFETCH(QString, settings);
    QFETCH(int, epoch);
    QFETCH(double, rate);
    ExperimentConfig config;
    config.learningRate = 0.1;
    for (const QString& setting : settings.split(' ', Qt::SkipEmptyParts)) {
        const auto parts = setting.split('=');
        applyConfigSetting(config, parts[0].toStdString(), parts[1].toStdString(), "test");
    }
    validateConfig(config);
    const double got = learningRateAt(config, epoch);
    QVERIFY2(std::abs(got - rate) < 1e-15, qPrintable(QString("%1, expected %2").arg(got, 0, 'g', 17).arg(rate, 0, 'g', 17)));
    QCOMPARE(hasEpochSchedule(config), !settings.isEmpty());
}

void TestExperimentConfig::momentumRampByHand()
{
    ExperimentConfig config;
    config.momentum = 0.99;
    config.momentumStart = 0.5;
    config.momentumRampEpochs = 500;
    QCOMPARE(momentumAt(config, 1), 0.5);
    QVERIFY(std::abs(momentumAt(config, 251) - 0.745) < 1e-15);
    QVERIFY(std::abs(momentumAt(config, 500) - (0.5 + 0.49 * 499 / 500)) < 1e-15);
    QCOMPARE(momentumAt(config, 501), 0.99);
    QCOMPARE(momentumAt(config, 3000), 0.99);
    config.momentumRampEpochs = 0;
    QCOMPARE(momentumAt(config, 1), 0.99);
    QVERIFY(!hasEpochSchedule(config));
}

void TestExperimentConfig::optimiserKeysRoundTrip()
{
    ExperimentConfig config;
    config.model = ModelKind::Mlp;
    config.hiddenWidths = {64, 32};
    config.activation = Activation::Sigmoid;
    config.pixels = PixelRange::Unit;
    config.init = InitScheme::NormalFanIn;
    config.initStd = 1.5;
    config.optimiser = OptimiserKind::AdamW;
    config.adamBeta1 = 0.8;
    config.adamBeta2 = 0.95;
    config.adamEps = 1e-6;
    config.weightDecay = 5e-4;
    config.lrSchedule = LrSchedule::Cosine;
    config.lrStepEpochs = 7;
    config.lrGamma = 0.3;
    config.lrMin = 0.001;
    config.warmupEpochs = 2;
    config.momentumStart = 0.6;
    config.maxNorm = 3.5;
    config.maxNormLayers = {"fc2", "fc1"};
    validateConfig(config);
    const ExperimentConfig back = configFromJson(configToJson(config), "round trip");
    QVERIFY(back == config);

    ExperimentConfig sgd;
    sgd.nesterov = true;
    sgd.momentumRampEpochs = 30;
    sgd.lrSchedule = LrSchedule::InverseTime;
    QVERIFY(configFromJson(configToJson(sgd), "round trip") == sgd);
    ExperimentConfig dampened;
    dampened.dampenedMomentum = true;
    QVERIFY(configFromJson(configToJson(dampened), "round trip") == dampened);
    // A file written before these keys existed reads as the reference's plain SGD.
    QVERIFY(configFromJson(R"({"epochs": 10})", "old") == ExperimentConfig{});
}

void TestExperimentConfig::rejectsBadOptimiserFields_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("optimiser") << R"({"optimiser": "rmsprop"})" << "unknown optimiser 'rmsprop'; expected sgd, adam or adamw";
    QTest::newRow("schedule") << R"({"lr_schedule": "linear"})" << "unknown lr_schedule 'linear'";
    QTest::newRow("activation") << R"({"activation": "tanh"})" << "unknown activation 'tanh'; expected relu or sigmoid";
    QTest::newRow("pixels") << R"({"pixels": "raw"})" << "unknown pixels 'raw'";
    QTest::newRow("init") << R"({"init": "xavier"})" << "unknown init 'xavier'";
    QTest::newRow("weight decay negative") << R"({"weight_decay": -0.1})" << "'weight_decay' is -0.1; expected a number from 0 to 1000";
    QTest::newRow("weight decay huge") << R"({"weight_decay": 1e308})" << "'weight_decay' is 1e+308";
    QTest::newRow("adam eps denormal") << R"({"optimiser": "adam", "adam_eps": 1e-320})" << "adam_eps is";
    QTest::newRow("max norm negative") << R"({"max_norm": -3})" << "'max_norm' is -3";
    QTest::newRow("gamma zero") << R"({"lr_gamma": 0})" << "lr_gamma is 0; expected a factor 0 < gamma <= 1";
    QTest::newRow("gamma above 1") << R"({"lr_gamma": 1.5})" << "'lr_gamma' is 1.5";
    QTest::newRow("step epochs") << R"({"lr_step_epochs": 0})" << "'lr_step_epochs' is 0";
    QTest::newRow("lr min above lr") << R"({"lr_min": 0.5})" << "lr_min is 0.5; expected 0 <= lr_min <= learning_rate (0.01)";
    QTest::newRow("warm-up") << R"({"warmup_epochs": -1})" << "'warmup_epochs' is -1";
    QTest::newRow("momentum start") << R"({"momentum_start": 1})" << "momentum_start is 1";
    QTest::newRow("ramp with adam") << R"({"optimiser": "adam", "momentum_ramp_epochs": 10})"
                                    << "a momentum ramp applies to the sgd optimiser only";
    QTest::newRow("nesterov with adam") << R"({"optimiser": "adam", "nesterov": true})" << "applies to the sgd optimiser only";
    QTest::newRow("nesterov without momentum") << R"({"nesterov": true, "momentum": 0})" << "it needs momentum above 0";
    QTest::newRow("nesterov not bool") << R"({"nesterov": "yes"})" << "'nesterov' is \"yes\"; expected true or false";
    QTest::newRow("betas") << R"({"adam_betas": [0.9]})" << "'adam_betas' must be a list of two numbers";
    QTest::newRow("beta one") << R"({"adam_betas": [1, 0.999]})" << "adam_beta1 is 1";
    QTest::newRow("eps") << R"({"adam_eps": 0})" << "adam_eps is 0";
    QTest::newRow("init std") << R"({"init": "normal", "init_std": 0})" << "init_std is 0";
    QTest::newRow("layer unknown") << R"({"max_norm": 3, "max_norm_layers": ["fc9"]})"
                                   << "max_norm_layers: 'fc9' is not a weighted layer of the cnn model; expected some of conv1, conv2, fc1, fc2";
    QTest::newRow("layer twice") << R"({"max_norm": 3, "max_norm_layers": ["fc1", "fc1"]})" << "'fc1' is listed twice";
    QTest::newRow("layers without bound") << R"({"max_norm_layers": ["fc1"]})" << "max_norm is 0 (off); give max_norm too";
    QTest::newRow("layers not a list") << R"({"max_norm": 3, "max_norm_layers": 5})" << "'max_norm_layers' must be a list";
}

void TestExperimentConfig::rejectsBadOptimiserFields()
{
    QFETCH(QString, json);
    QFETCH(QString, fragment);
    expectConfigError([&] { validateConfig(configFromJson(json.toStdString(), "test.json")); }, fragment);
}

void TestExperimentConfig::settingsFromText()
{
    ExperimentConfig config;
    applyConfigSetting(config, "lr_schedule", "cosine", "--set lr_schedule");
    applyConfigSetting(config, "max_norm", "3", "--set max_norm");
    applyConfigSetting(config, "max_norm_layers", "fc1,fc2", "--set max_norm_layers");
    applyConfigSetting(config, "adam_betas", "[0.8,0.9]", "--set adam_betas");
    applyConfigSetting(config, "nesterov", "true", "--set nesterov");
    QVERIFY(config.lrSchedule == LrSchedule::Cosine);
    QCOMPARE(config.maxNorm, 3.0);
    QVERIFY(config.maxNormLayers == std::vector<std::string>({"fc1", "fc2"}));
    QCOMPARE(config.adamBeta2, 0.9);
    QVERIFY(config.nesterov);
    validateConfig(config);
    expectConfigError([&] { applyConfigSetting(config, "weight_decay", "a lot", "--set weight_decay"); },
                      "--set weight_decay: 'weight_decay' is \"a lot\"; expected a number");
    expectConfigError([&] { applyConfigSetting(config, "wd", "1", "--set wd"); }, "--set wd: unknown key 'wd'");
    QCOMPARE(optimiserSummary(config), std::string("SGD Nesterov momentum 0.9, lr 0.01 cosine to 0, max-norm 3 (fc1,fc2)"));
    QCOMPARE(optimiserSummary(ExperimentConfig{}), std::string("SGD momentum 0.9, lr 0.01"));
}

void TestExperimentConfig::maxNormLayersDefaultToHidden()
{
    ExperimentConfig config;
    QVERIFY(maxNormLayerNames(config).empty());
    config.maxNorm = 2.0;
    QVERIFY(maxNormLayerNames(config) == std::vector<std::string>({"conv1", "conv2", "fc1"}));
    config.model = ModelKind::Mlp;
    config.hiddenWidths = {1024, 1024, 1024};
    QVERIFY(maxNormLayerNames(config) == std::vector<std::string>({"fc1", "fc2", "fc3"}));
    config.maxNormLayers = {"fc4"};
    QVERIFY(maxNormLayerNames(config) == std::vector<std::string>({"fc4"}));
}

QTEST_GUILESS_MAIN(TestExperimentConfig)
#include "test_experiment_config.moc"
