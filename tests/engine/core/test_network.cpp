// The network descriptions (engine/core/include/dropoutlab/core/network.h): sites, shapes, FLOPs, widths.
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/network.h"

#include <QTest>

using namespace dropoutlab;

namespace {

std::vector<std::string> siteNames(const std::vector<DropoutSite>& sites)
{
    std::vector<std::string> names;
    for (const auto& s : sites)
        names.push_back(s.name);
    return names;
}

ExperimentConfig mlpWith(std::vector<int> widths)
{
    ExperimentConfig c;
    c.model = ModelKind::Mlp;
    c.hiddenWidths = std::move(widths);
    return c;
}

} // namespace

class TestNetwork : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void referenceCnnSites();
    void mlpSitesFollowTheWidths();
    void flopsFromTheLayerShapes();
    void descriptions();
    void widthsValidated_data();
    void widthsValidated();
    void widthsRoundTrip();
};

void TestNetwork::referenceCnnSites()
{
    const auto sites = dropoutSites(networkSpec(ModelKind::Cnn));
    QCOMPARE(siteNames(sites), (std::vector<std::string>{"input", "conv1", "conv2", "fc1"}));
    QVERIFY(!sites[0].allowsChannel);
    QVERIFY(sites[1].allowsChannel && sites[2].allowsChannel);
    QVERIFY(!sites[3].allowsChannel);
    // The cached per-model list is the same description.
    QCOMPARE(siteNames(dropoutSites(ModelKind::Cnn)), siteNames(sites));
}

void TestNetwork::mlpSitesFollowTheWidths()
{
    QCOMPARE(siteNames(dropoutSites(ModelKind::Mlp)), (std::vector<std::string>{"input", "hidden1", "hidden2"}));
    QCOMPARE(siteNames(dropoutSites(mlpWith({1024, 1024, 1024}))),
             (std::vector<std::string>{"input", "hidden1", "hidden2", "hidden3"}));
    QCOMPARE(siteNames(dropoutSites(mlpWith({8192}))), (std::vector<std::string>{"input", "hidden1"}));
    // A site of a deeper network is refused by a shallower one, naming the sites it has.
    ExperimentConfig c = mlpWith({800, 800});
    c.dropout["hidden3"] = {0.5};
    try {
        validateConfig(c);
        QFAIL("hidden3 accepted by a 2-layer MLP");
    } catch (const ConfigError& e) {
        QVERIFY2(std::string(e.what()).find("expected one of input, hidden1, hidden2") != std::string::npos, e.what());
    }
    c.hiddenWidths = {800, 800, 800};
    validateConfig(c);
}

void TestNetwork::flopsFromTheLayerShapes()
{
    // Worked out by hand from the layer shapes (a multiply-add counts 2).
    const double conv1 = 2.0 * 28 * 28 * 32 * 9;
    const double conv2 = 2.0 * 14 * 14 * 64 * 32 * 9;
    const double fc = 2.0 * (3136 * 128 + 128 * 10);
    const auto cnn = networkSpec(ModelKind::Cnn);
    QCOMPARE(forwardFlopsPerImage(cnn), conv1 + conv2 + fc);
    QCOMPARE(trainFlopsPerImage(cnn), 3 * (conv1 + conv2 + fc) - conv1);
    const auto mlp = networkSpec(ModelKind::Mlp);
    const double forward = 2.0 * (784 * 800 + 800 * 800 + 800 * 10);
    QCOMPARE(forwardFlopsPerImage(mlp), forward);
    QCOMPARE(trainFlopsPerImage(mlp), 3 * forward - 2.0 * 784 * 800);
    QCOMPARE(forwardFlopsPerImage(networkSpec(mlpWith({1024, 1024, 1024}))),
             2.0 * (784 * 1024 + 2 * 1024 * 1024 + 1024 * 10));
}

void TestNetwork::descriptions()
{
    QCOMPARE(describeNetwork(networkSpec(ModelKind::Cnn)), std::string("conv32-conv64-128-10"));
    QCOMPARE(describeNetwork(networkSpec(ModelKind::Mlp)), std::string("784-800-800-10"));
    QCOMPARE(describeNetwork(networkSpec(mlpWith({8192, 8192}))), std::string("784-8192-8192-10"));
}

void TestNetwork::widthsValidated_data()
{
    QTest::addColumn<bool>("mlp");
    QTest::addColumn<QString>("widths");
    QTest::addColumn<QString>("message");
    QTest::newRow("no layer") << true << "" << "hidden_widths lists 0 layers; expected 1-4";
    QTest::newRow("five layers") << true << "8,8,8,8,8" << "hidden_widths lists 5 layers; expected 1-4";
    QTest::newRow("zero units") << true << "800,0" << "hidden_widths: layer 2 has 0 units; expected 1-16384";
    QTest::newRow("too wide") << true << "16385" << "hidden_widths: layer 1 has 16385 units; expected 1-16384";
    QTest::newRow("cnn") << false << "1024" << "hidden_widths is [1024]; hidden widths apply to the mlp model only";
}

void TestNetwork::widthsValidated()
{
    QFETCH(bool, mlp);
    QFETCH(QString, widths);
    QFETCH(QString, message);
    ExperimentConfig c;
    c.model = mlp ? ModelKind::Mlp : ModelKind::Cnn;
    c.hiddenWidths.clear();
    for (const auto& part : widths.split(',', Qt::SkipEmptyParts))
        c.hiddenWidths.push_back(part.toInt());
    try {
        validateConfig(c);
        QFAIL("accepted");
    } catch (const ConfigError& e) {
        QCOMPARE(QString(e.what()), message);
    }
}

void TestNetwork::widthsRoundTrip()
{
    ExperimentConfig c = mlpWith({1024, 1024, 1024});
    c.dropout["hidden3"] = {0.5};
    const std::string text = configToJson(c);
    QVERIFY(text.find("\"hidden_widths\"") != std::string::npos);
    QVERIFY(configFromJson(text, "t") == c);
    // The CNN's config says nothing about hidden widths, so its config.json is as before.
    QVERIFY(configToJson(ExperimentConfig{}).find("hidden_widths") == std::string::npos);
    try {
        configFromJson(R"({"model": "mlp", "hidden_widths": [800, "wide"]})", "cfg.json");
        QFAIL("a string width accepted");
    } catch (const ConfigError& e) {
        QVERIFY2(std::string(e.what()).find("cfg.json") != std::string::npos &&
                     std::string(e.what()).find("hidden_widths") != std::string::npos,
                 e.what());
    }
    try {
        configFromJson(R"({"model": "mlp", "hidden_widths": []})", "cfg.json");
        QFAIL("an empty list accepted");
    } catch (const ConfigError& e) {
        QVERIFY2(std::string(e.what()).find("1-4 layer widths") != std::string::npos, e.what());
    }
}

QTEST_GUILESS_MAIN(TestNetwork)
#include "test_network.moc"
