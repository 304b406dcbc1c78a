// Network files (docs/network-files.md): the shipped networks, shape inference and every error it
// reports, limits, round trips, and configs that train a custom network.
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/experiment_config.h"
#include "dropoutlab/core/file_io.h"
#include "dropoutlab/core/network.h"
#include "dropoutlab/core/run_plan.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

using namespace dropoutlab;
using Kind = LayerSpec::Kind;

namespace {

/// A network file around `layers` (JSON text of the layer list).
std::string file(const std::string& layers)
{
    return R"({"format": "dropoutlab-network", "version": 1, "name": "t", "layers": [)" + layers + "]}";
}

std::string errorOf(const std::string& text)
{
    try {
        networkFromJson(text, "net.json");
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "(no error)";
}

LayerSpec layer(Kind kind, const std::string& name = {}, int out = 0)
{
    LayerSpec l;
    l.kind = kind;
    l.name = name;
    l.out = out;
    return l;
}

/// A convolution or pooling layer with its window.
LayerSpec windowed(Kind kind, int kernel, int stride, int padding, const std::string& name = {}, int out = 0)
{
    LayerSpec l = layer(kind, name, out);
    l.kernel = kernel;
    l.stride = stride;
    l.padding = padding;
    return l;
}

} // namespace

class TestNetworkFile : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void shippedNetworksRead();
    void checkNetworkPointsAtTheLayer();
    void referenceCnnAsBefore();
    void mlpFileIsTheGeneratedMlp();
    void shapesParametersAndFlops();
    void errors_data();
    void errors();
    void limits();
    void hostileFileIsRefusedQuickly();
    void roundTrip();
    void configWithANetwork();
    void defaultKindOfASite();
    void commandLineNetwork();
};

void TestNetworkFile::shippedNetworksRead()
{
    std::vector<std::string> names;
    for (const auto& network : builtinNetworks())
        names.push_back(network.name);
    QCOMPARE(names, (std::vector<std::string>{"cnn3-bn", "mlp", "mlp-layernorm", "reference-cnn", "vgg-small"}));
    for (const auto& network : builtinNetworks()) {
        QVERIFY(!network.description.empty());
        QCOMPARE(findNetwork(network.name), network);
        const NetworkSpec spec = inferShapes(network);
        QCOMPARE(spec.layers.back().channels, 10);
    }
}

void TestNetworkFile::referenceCnnAsBefore()
{
    // The shapes the hand-written reference CNN had: what the model, the fast paths and the FLOP
    // count are built from. The layers are those of resources/networks/reference-cnn.json.
    const NetworkSpec spec = networkSpec(ModelKind::Cnn);
    const std::vector<Kind> kinds = {Kind::Dropout, Kind::Conv,    Kind::MaxPool, Kind::Relu, Kind::Dropout,
                                     Kind::Conv,    Kind::MaxPool, Kind::Relu,    Kind::Dropout, Kind::Flatten,
                                     Kind::Linear,  Kind::Relu,    Kind::Dropout, Kind::Linear};
    QCOMPARE(spec.layers.size(), kinds.size());
    for (std::size_t i = 0; i < kinds.size(); ++i)
        QVERIFY(spec.layers[i].kind == kinds[i]);
    const LayerSpec& conv1 = spec.layers[1];
    QCOMPARE(conv1.in, 1);
    QCOMPARE(conv1.out, 32);
    QCOMPARE(conv1.kernel, 3);
    QCOMPARE(conv1.padding, 1);
    QCOMPARE(conv1.stride, 1);
    QCOMPARE(conv1.height, 28);
    QCOMPARE(spec.layers[2].height, 14);
    QCOMPARE(spec.layers[5].in, 32);
    QCOMPARE(spec.layers[10].in, 3136);
    QCOMPARE(spec.layers[10].out, 128);
    QCOMPARE(spec.layers[13].name, std::string("fc2"));
    QCOMPARE(spec.layers[13].out, 10);
    QCOMPARE(weightedLayers(spec), (std::vector<std::string>{"conv1", "conv2", "fc1", "fc2"}));
    QCOMPARE(parameterCount(spec), std::int64_t{320 + 18496 + 401536 + 1290});
    // Unit pixels put the rescale in front, as before.
    const NetworkSpec unit = networkSpec(ModelKind::Cnn, kDefaultHiddenWidths, Activation::Relu, PixelRange::Unit);
    QVERIFY(unit.layers.front().kind == Kind::Rescale);
    QCOMPARE(unit.layers.size(), kinds.size() + 1);
    // Sigmoid hidden units replace every ReLU.
    const NetworkSpec sigmoid = networkSpec(ModelKind::Cnn, kDefaultHiddenWidths, Activation::Sigmoid);
    QVERIFY(sigmoid.layers[3].kind == Kind::Sigmoid && sigmoid.layers[11].kind == Kind::Sigmoid);
}

void TestNetworkFile::mlpFileIsTheGeneratedMlp()
{
    ExperimentConfig c;
    c.model = ModelKind::Mlp;
    const NetworkSpec generated = networkDefinition(c);
    NetworkSpec shipped = findNetwork("mlp");
    QCOMPARE(generated.layers.size(), shipped.layers.size());
    for (std::size_t i = 0; i < shipped.layers.size(); ++i) {
        // The file leaves the last layer's "out" to the classes; the generator gives it as 0 too.
        QVERIFY2(generated.layers[i] == shipped.layers[i], std::to_string(i).c_str());
    }
    QCOMPARE(generated, shipped);
}

void TestNetworkFile::shapesParametersAndFlops()
{
    const NetworkSpec spec = inferShapes(findNetwork("cnn3-bn"));
    QCOMPARE(shapeText(spec.layers[0]), std::string("32x28x28"));   // conv1
    QCOMPARE(shapeText(spec.layers[3]), std::string("32x14x14"));   // max_pool
    QCOMPARE(shapeText(spec.layers[14]), std::string("128"));       // global_avg_pool
    QCOMPARE(layerParameters(spec.layers[0]), std::int64_t{32 * 9 + 32});
    QCOMPARE(layerParameters(spec.layers[1]), std::int64_t{64});    // batch norm: scale and shift
    QCOMPARE(layerParameters(spec.layers[16]), std::int64_t{128 * 10 + 10});
    QCOMPARE(layerForwardFlops(spec.layers[0]), 2.0 * 28 * 28 * 32 * 9);
    QCOMPARE(layerForwardFlops(spec.layers[1]), 0.0);
    const auto sites = dropoutSites(spec);
    QCOMPARE(sites.size(), std::size_t{4});
    QVERIFY(sites[0].allowsChannel && sites[0].defaultKind == DropoutKind::Channel);
    QVERIFY(!sites[3].allowsChannel && sites[3].defaultKind == DropoutKind::Element);

    // Strides and paddings of convolutions and pools.
    NetworkSpec strided;
    strided.layers = {windowed(Kind::Conv, 5, 2, 2, "c", 8), windowed(Kind::AvgPool, 3, 2, 1), layer(Kind::Flatten),
                      layer(Kind::Linear, "fc")};
    const NetworkSpec s = inferShapes(strided);
    QCOMPARE(shapeText(s.layers[0]), std::string("8x14x14"));  // (28 + 4 - 5) / 2 + 1
    QCOMPARE(shapeText(s.layers[1]), std::string("8x7x7"));    // (14 + 2 - 3) / 2 + 1
    QCOMPARE(s.layers[3].in, 392);
}

void TestNetworkFile::errors_data()
{
    QTest::addColumn<QString>("layers");
    QTest::addColumn<QString>("message");
    const QString flatHead = R"({"type": "flatten"}, {"type": "linear", "name": "fc"})";
    QTest::newRow("linear inputs") << R"({"type": "flatten"}, {"type": "linear", "name": "fc1", "in": 3136, "out": 8}, {"type": "linear"})"
                                   << "net.json: layer 2 (linear fc1) expects 3136 inputs; the layers before it give 784";
    QTest::newRow("linear on maps") << R"({"type": "conv", "out": 4, "kernel": 3}, {"type": "linear"})"
                                    << "layer 2 (linear fc1) needs flat features; the layers before it give 4x26x26 "
                                       "feature maps: add a flatten (or global_avg_pool) layer before it";
    QTest::newRow("conv on flat") << R"({"type": "flatten"}, {"type": "conv", "out": 4, "kernel": 3}, {"type": "linear"})"
                                  << "layer 2 (conv conv1) needs feature maps (it convolves them); the layers before it "
                                     "give 784 flat features";
    QTest::newRow("conv channels") << R"({"type": "conv", "in": 3, "out": 4, "kernel": 3}, )" + flatHead
                                   << "layer 1 (conv conv1) expects 3 input channels; the layers before it give 1x28x28";
    QTest::newRow("window too big") << R"({"type": "conv", "out": 4, "kernel": 31}, )" + flatHead
                                    << "layer 1 (conv conv1) has a 31x31 window with padding 0; the layers before it "
                                       "give 1x28x28 maps, 28 high: the window does not fit";
    QTest::newRow("pool padding") << R"({"type": "max_pool", "kernel": 2, "padding": 2}, )" + flatHead
                                  << "layer 1 (max_pool) has padding 2; pooling allows at most half the window (1)";
    QTest::newRow("channel dropout on flat") << R"({"type": "flatten"}, {"type": "dropout", "name": "d", "kind": "channel"}, {"type": "linear"})"
                                             << "layer 2 (dropout d) has kind 'channel', which drops whole feature "
                                                "maps; the layers before it give 784 flat features";
    QTest::newRow("wrong end") << R"({"type": "flatten"}, {"type": "linear", "out": 7})"
                               << "the network ends with 7 features; it must end with 10 features, one per class";
    QTest::newRow("ends in maps") << R"({"type": "conv", "out": 10, "kernel": 1})"
                                  << "the network ends with 10x28x28 feature maps";
    QTest::newRow("missing out") << R"({"type": "flatten"}, {"type": "linear"}, {"type": "linear"})"
                                 << "layer 2 (linear fc1) has no 'out'; only the last linear layer may leave it out";
    QTest::newRow("unknown type") << R"({"type": "lstm"})" << "net.json: layer 1: unknown layer type 'lstm'; expected one of conv, max_pool";
    QTest::newRow("unknown key") << R"({"type": "relu", "slope": 0.1}, )" + flatHead << "net.json: layer 1 (relu)";
    QTest::newRow("conv without kernel") << R"({"type": "conv", "out": 4})" << "layer 1 (conv): 'kernel' is missing";
    QTest::newRow("duplicate name") << R"({"type": "flatten"}, {"type": "linear", "name": "fc", "out": 20}, {"type": "linear", "name": "fc"})"
                                    << "layer 3 (linear fc): the name 'fc' is taken by an earlier layer";
    QTest::newRow("bad name") << R"({"type": "flatten"}, {"type": "linear", "name": "fc 1"})"
                              << "'name' is \"fc 1\"; expected a letter, then letters, digits";
    QTest::newRow("out of range") << R"({"type": "conv", "out": 100000, "kernel": 3})" << "'out'";
    QTest::newRow("no layers") << "" << "'layers' must be a non-empty list";
}

void TestNetworkFile::errors()
{
    QFETCH(QString, layers);
    QFETCH(QString, message);
    const std::string error = errorOf(file(layers.toStdString()));
    QVERIFY2(error.find(message.toStdString()) != std::string::npos, error.c_str());
}

void TestNetworkFile::limits()
{
    // Too many layers: refused before anything else.
    std::string many;
    for (int i = 0; i < kMaxNetworkLayers; ++i)
        many += R"({"type": "relu"}, )";
    many += R"({"type": "flatten"}, {"type": "linear"})";
    QVERIFY(errorOf(file(many)).find("layers; at most 256 are allowed") != std::string::npos);
    // Parameters: 784 -> 16384 -> 16384 x 4 ... beyond a billion.
    std::string wide = R"({"type": "flatten"})";
    for (int i = 0; i < 5; ++i)
        wide += R"(, {"type": "linear", "out": 16384})";
    wide += R"(, {"type": "linear"})";
    const std::string params = errorOf(file(wide));
    QVERIFY2(params.find("brings the parameters to") != std::string::npos, params.c_str());
    // Values kept per image: 16384 maps of 28x28 is 12.8 M values in one layer; two of them pass 16 M.
    const std::string maps = errorOf(file(R"({"type": "conv", "out": 16384, "kernel": 1}, {"type": "relu"}, )"
                                          R"({"type": "global_avg_pool"}, {"type": "linear"})"));
    QVERIFY2(maps.find("(64 MiB) are allowed") != std::string::npos, maps.c_str());
    // Dropout sites.
    std::string sites = R"({"type": "flatten"})";
    for (int i = 0; i <= kMaxDropoutSitesPerNetwork; ++i)
        sites += R"(, {"type": "dropout"})";
    sites += R"(, {"type": "linear"})";
    QVERIFY(errorOf(file(sites)).find("dropout sites; at most 64") != std::string::npos);
}

void TestNetworkFile::hostileFileIsRefusedQuickly()
{
    // A 16 MiB file of layers: the reader parses it in linear time and refuses the count.
    std::string layers;
    const std::string one = R"({"type": "relu"},)";
    while (layers.size() + one.size() < (std::size_t{16} << 20) - 200)
        layers += one;
    layers += R"({"type": "relu"})";
    QTemporaryDir dir;
    const std::string path = dir.filePath("huge.json").toStdString();
    writeFileAtomically(path, file(layers));
    QElapsedTimer timer;
    timer.start();
    try {
        readNetworkFile(path);
        QFAIL("a network of a million layers was read");
    } catch (const ConfigError& error) {
        const std::string message = error.what();
        QVERIFY2(message.find(path) == 0 && message.find("at most 256") != std::string::npos, message.c_str());
    }
    qInfo("16 MiB network file refused in %lld ms", static_cast<long long>(timer.elapsed()));
    // Beyond the file limit: refused before it is read.
    writeFileAtomically(path, file(layers + "," + layers));
    QVERIFY_THROWS_EXCEPTION(Error, readNetworkFile(path));
}

void TestNetworkFile::roundTrip()
{
    for (const auto& network : builtinNetworks())
        QCOMPARE(networkFromJson(networkToJson(network), network.name), network);
    // Every layer type and field.
    NetworkSpec all;
    all.name = "every-layer";
    all.description = "one of each";
    LayerSpec conv = windowed(Kind::Conv, 3, 1, 1, "c1", 16);
    conv.in = 1;
    const LayerSpec pool = windowed(Kind::MaxPool, 3, 2, 1);
    const LayerSpec avg = windowed(Kind::AvgPool, 2, 2, 0);
    LayerSpec leaky = layer(Kind::LeakyRelu);
    leaky.slope = 0.2;
    LayerSpec channelDrop = layer(Kind::Dropout, "maps");
    channelDrop.dropoutKind = DropoutKind::Channel;
    channelDrop.description = "on the maps";
    all.layers = {conv, layer(Kind::BatchNorm, "bn"), leaky, pool, layer(Kind::Gelu), channelDrop, avg,
                  layer(Kind::Tanh), layer(Kind::GlobalAvgPool), layer(Kind::LayerNorm, "ln"), layer(Kind::Selu),
                  layer(Kind::Sigmoid), layer(Kind::Dropout, "head"), layer(Kind::Linear, "fc", 32), layer(Kind::Relu),
                  layer(Kind::Linear, "out")};
    const std::string text = networkToJson(all);
    QCOMPARE(networkFromJson(text, "all"), all);
    QTemporaryDir dir;
    const std::string path = dir.filePath("all.json").toStdString();
    writeNetworkFile(path, all);
    QCOMPARE(readNetworkFile(path), all);
    // Generated names are written out: the file names every layer that has one.
    const NetworkSpec unnamed = networkFromJson(file(R"({"type": "flatten"}, {"type": "dropout"}, {"type": "linear"})"), "u");
    QCOMPARE(unnamed.layers[1].name, std::string("drop1"));
    QCOMPARE(unnamed.layers[2].name, std::string("fc1"));
    QVERIFY(networkToJson(unnamed).find("\"drop1\"") != std::string::npos);
}

void TestNetworkFile::configWithANetwork()
{
    ExperimentConfig config = withNetwork(ExperimentConfig{}, findNetwork("cnn3-bn"));
    config.dropout["head"] = {0.5, DropoutKind::Element};
    validateConfig(config);
    const ExperimentConfig back = configFromJson(configToJson(config), "config.json");
    QVERIFY(back == config);
    QCOMPARE(networkName(back), std::string("cnn3-bn"));
    QCOMPARE(withoutDropout(back).name, std::string("cnn3-bn no dropout"));
    // A shipped network by name.
    const ExperimentConfig named = configFromJson(R"({"network": "vgg-small", "dropout": {"fc1": 0.5}})", "c.json");
    QVERIFY(named.model == ModelKind::Custom);
    QCOMPARE(named.network, findNetwork("vgg-small"));
    // Conflicts and unknown sites are refused with the network's name and sites.
    try {
        configFromJson(R"({"model": "cnn", "network": "vgg-small"})", "c.json");
        QFAIL("model cnn with a network was accepted");
    } catch (const ConfigError& error) {
        QVERIFY2(std::string(error.what()).find("'model' is \"cnn\"") != std::string::npos, error.what());
    }
    ExperimentConfig wrongSite = named;
    wrongSite.dropout["conv1"] = {0.3, DropoutKind::Element};
    try {
        validateConfig(wrongSite);
        QFAIL("an unknown site was accepted");
    } catch (const ConfigError& error) {
        QVERIFY2(std::string(error.what()).find("does not exist in the vgg-small model; expected one of block1, block2, fc1") !=
                     std::string::npos,
                 error.what());
    }
    // The built-in configs are unchanged: no "network" key in their JSON.
    QVERIFY(configToJson(ExperimentConfig{}).find("\"network\"") == std::string::npos);
}

void TestNetworkFile::defaultKindOfASite()
{
    const ExperimentConfig config =
        configFromJson(R"({"network": "cnn3-bn", "dropout": {"block1": 0.2, "head": 0.5, "block2": {"rate": 0.1, "kind": "element"}}})",
                       "c.json");
    QVERIFY(config.dropout.at("block1").kind == DropoutKind::Channel);  // the site's default
    QVERIFY(config.dropout.at("head").kind == DropoutKind::Element);
    QVERIFY(config.dropout.at("block2").kind == DropoutKind::Element);  // named explicitly
}

void TestNetworkFile::commandLineNetwork()
{
    ExperimentConfig config;
    RunOverrides o;
    o.network = "cnn3-bn";
    o.dropout = "block1=0.2, block2=0.1:element,head=0.5";
    applyOverrides(config, o);
    QVERIFY(config.model == ModelKind::Custom);
    QVERIFY(config.dropout.at("block1").kind == DropoutKind::Channel);
    QVERIFY(config.dropout.at("block2").kind == DropoutKind::Element);
    QVERIFY(config.dropout.at("head").kind == DropoutKind::Element);
    // A network file by path; a name that is neither is refused with the shipped names.
    QTemporaryDir dir;
    const std::string path = dir.filePath("mine.json").toStdString();
    writeNetworkFile(path, findNetwork("mlp-layernorm"));
    RunOverrides fromFile;
    fromFile.network = path;
    ExperimentConfig mine;
    applyOverrides(mine, fromFile);
    QCOMPARE(mine.network, findNetwork("mlp-layernorm"));
    RunOverrides unknown;
    unknown.network = "resnet";
    try {
        applyOverrides(mine, unknown);
        QFAIL("an unknown network was accepted");
    } catch (const ConfigError& error) {
        QVERIFY2(std::string(error.what()).find("neither a shipped network (cnn3-bn, mlp") != std::string::npos, error.what());
    }
    RunOverrides both;
    both.model = "mlp";
    both.network = "cnn3-bn";
    QVERIFY_THROWS_EXCEPTION(ConfigError, applyOverrides(mine, both));
}

void TestNetworkFile::checkNetworkPointsAtTheLayer()
{
    NetworkSpec net = findNetwork("reference-cnn");
    NetworkCheck check = checkNetwork(net);
    QVERIFY(check.ok());
    QCOMPARE(check.validLayers, net.layers.size());
    QCOMPARE(check.errorLayer, -1);
    QCOMPARE(check.inferred, inferShapes(net));

    // A linear layer on feature maps: the error is inferShapes()'s, at that layer; the layers
    // before it keep their shapes.
    net.layers.insert(net.layers.begin() + 2, layer(Kind::Linear, "early", 16));
    check = checkNetwork(net);
    QCOMPARE(check.errorLayer, 2);
    QCOMPARE(check.validLayers, std::size_t{2});
    QVERIFY2(check.error.rfind("layer 3 (linear early) needs flat features", 0) == 0, check.error.c_str());
    QCOMPARE(shapeText(check.inferred.layers[1]), std::string("32x28x28"));
    try {
        inferShapes(net);
        QFAIL("inferShapes accepted what checkNetwork refused");
    } catch (const ConfigError& e) {
        QCOMPARE(std::string(e.what()), check.error);
    }

    // A name taken twice: at the second. An end without the classes: at the last layer. None: -1.
    net = findNetwork("reference-cnn");
    net.layers[10].name = "fc2";
    check = checkNetwork(net);
    QCOMPARE(check.errorLayer, 13);
    QVERIFY2(check.error.find("the name 'fc2' is taken") != std::string::npos, check.error.c_str());
    net = findNetwork("reference-cnn");
    net.layers.pop_back();
    check = checkNetwork(net);
    QCOMPARE(check.errorLayer, 12);
    QCOMPARE(check.validLayers, net.layers.size());
    QVERIFY2(check.error.find("it must end with 10 features") != std::string::npos, check.error.c_str());
    net.layers.clear();
    QCOMPARE(checkNetwork(net).errorLayer, -1);
    QCOMPARE(checkNetwork(net).error, std::string("the network has no layers"));

    QCOMPARE(layerSettingsText(windowed(Kind::Conv, 3, 2, 1, "c", 16)), std::string("16 maps, 3x3, stride 2, padding 1"));
    QCOMPARE(layerSettingsText(windowed(Kind::MaxPool, 2, 2, 0)), std::string("2x2, stride 2"));
    QCOMPARE(layerSettingsText(layer(Kind::Linear, "fc", 0)), std::string("the classes"));
    QCOMPARE(layerSettingsText(layer(Kind::Relu)), std::string());
}

QTEST_GUILESS_MAIN(TestNetworkFile)
#include "test_network_file.moc"
