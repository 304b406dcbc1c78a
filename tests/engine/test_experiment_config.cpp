#include "dropoutlab/errors.h"
#include "dropoutlab/experiment_config.h"
#include "dropoutlab/presets.h"

#include <QTest>

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
    void jsonErrorsNameTheKey();
    void presetsAreValid();
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
}

void TestExperimentConfig::rejectsBadFields()
{
    QFETCH(QString, json);
    QFETCH(QString, fragment);
    expectConfigError([&] { validateConfig(configFromJson(json.toStdString(), "test.json")); }, fragment);
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
    expectConfigError([] { findPreset("nope"); }, "unknown preset 'nope'; expected one of classic, mlp-classic, reference");
}

QTEST_GUILESS_MAIN(TestExperimentConfig)
#include "test_experiment_config.moc"
