// White-box tests of the torch modules (engine/train/src/models.h).
#include "models.h"
#include "kernels/max_pool.h"
#include "kernels/winograd_conv.h"

#include <QFile>
#include <QTest>

using namespace dropoutlab;
using namespace dropoutlab::detail;

namespace {

ExperimentConfig configWith(ModelKind model, std::map<std::string, DropoutSetting> dropout)
{
    ExperimentConfig config;
    config.model = model;
    config.dropout = std::move(dropout);
    return config;
}

} // namespace

class TestModels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { torch::manual_seed(0); }
    void outputShapes_data();
    void outputShapes();
    void zeroRateIsIdentity();
    void elementDropoutFractionAndScale_data();
    void elementDropoutFractionAndScale();
    void channelDropoutZeroesWholeMaps();
    void evalModeIsDeterministic();
    void trainModeDiffersWithDropout();
    void parameterCounts();
    void deepMlpDropsAtEverySite();
    void fastPoolingEqualsMaxPool();
    void channelsLastPoolingEqualsMaxPoolToTheBit_data();
    void channelsLastPoolingEqualsMaxPoolToTheBit();
    void poolingTakesOnlyWhatItHandles();
    void winogradConvolutionWithinRoundingOfDirect_data();
    void winogradConvolutionWithinRoundingOfDirect();
    void winogradTakesOnlyWhatItHandles();
    void fusedFirstLayerWithinRoundingOfConvAndPool_data();
    void fusedFirstLayerWithinRoundingOfConvAndPool();
    void fusedFirstLayerTakesOnlyWhatItHandles();
    void fusedFirstLayerBreaksTiesAsMaxPool();
    void fusedFirstLayerSameInBothPaths();
    void kernelVariantMatchesTheCpu();
    void mcLayersSplitAtTheFirstActiveSite();
};

void TestModels::outputShapes_data()
{
    QTest::addColumn<bool>("mlp");
    QTest::newRow("cnn") << false;
    QTest::newRow("mlp") << true;
}

void TestModels::outputShapes()
{
    QFETCH(bool, mlp);
    auto model = makeModel(configWith(mlp ? ModelKind::Mlp : ModelKind::Cnn, {}));
    const auto out = model->forward(torch::randn({7, 1, 28, 28}));
    QCOMPARE(out.sizes().vec(), (std::vector<std::int64_t>{7, 10}));
}

void TestModels::zeroRateIsIdentity()
{
    const auto x = torch::randn({4, 8, 5, 5});
    QVERIFY(torch::equal(applyDropout(x, {0.0, DropoutKind::Element}, true), x));
    QVERIFY(torch::equal(applyDropout(x, {0.0, DropoutKind::Channel}, true), x));
    QVERIFY(torch::equal(applyDropout(x, {0.7, DropoutKind::Element}, false), x));
}

void TestModels::elementDropoutFractionAndScale_data()
{
    QTest::addColumn<double>("rate");
    QTest::newRow("0.2") << 0.2;
    QTest::newRow("0.5") << 0.5;
    QTest::newRow("0.8") << 0.8;
}

void TestModels::elementDropoutFractionAndScale()
{
    QFETCH(double, rate);
    const auto x = torch::ones({1000, 100});
    const auto y = applyDropout(x, {rate, DropoutKind::Element}, true);
    const double zeros = y.eq(0).to(torch::kDouble).mean().item<double>();
    // 100,000 Bernoulli draws: the standard error is below 0.0016.
    QVERIFY2(std::abs(zeros - rate) < 0.01, qPrintable(QString("zero fraction %1 for rate %2").arg(zeros).arg(rate)));
    // Kept units are scaled by 1/(1-p), so the expectation is unchanged.
    const auto kept = y.masked_select(y.ne(0));
    QVERIFY(torch::allclose(kept, torch::full_like(kept, 1.0 / (1.0 - rate))));
}

void TestModels::channelDropoutZeroesWholeMaps()
{
    const auto x = torch::ones({64, 32, 6, 6});
    const auto y = applyDropout(x, {0.5, DropoutKind::Channel}, true);
    const auto perMap = y.flatten(2);                        // [64, 32, 36]
    const auto mapMin = std::get<0>(perMap.min(2));
    const auto mapMax = std::get<0>(perMap.max(2));
    QVERIFY(torch::equal(mapMin, mapMax));                   // each map is all zero or all kept
    const double zeroMaps = mapMax.eq(0).to(torch::kDouble).mean().item<double>();
    QVERIFY2(std::abs(zeroMaps - 0.5) < 0.05, qPrintable(QString("zeroed map fraction %1").arg(zeroMaps)));
}

void TestModels::evalModeIsDeterministic()
{
    auto model = makeModel(configWith(ModelKind::Cnn, {{"input", {0.2}}, {"conv1", {0.3, DropoutKind::Channel}},
                                                       {"fc1", {0.5}}}));
    model->eval();
    const auto x = torch::randn({5, 1, 28, 28});
    QVERIFY(torch::equal(model->forward(x), model->forward(x)));
}

void TestModels::trainModeDiffersWithDropout()
{
    auto model = makeModel(configWith(ModelKind::Mlp, {{"hidden1", {0.5}}}));
    model->train();
    const auto x = torch::randn({5, 1, 28, 28});
    QVERIFY(!torch::equal(model->forward(x), model->forward(x)));
    auto plain = makeModel(configWith(ModelKind::Mlp, {}));
    plain->train();
    QVERIFY(torch::equal(plain->forward(x), plain->forward(x)));
}

void TestModels::parameterCounts()
{
    auto count = [](const std::shared_ptr<NetImpl>& model) {
        std::int64_t n = 0;
        for (const auto& p : model->parameters())
            n += p.numel();
        return n;
    };
    // conv1 320 + conv2 18,496 + fc1 401,536 + fc2 1,290.
    QCOMPARE(count(makeModel(configWith(ModelKind::Cnn, {}))), std::int64_t{421642});
    // 628,000 + 640,800 + 8,010.
    QCOMPARE(count(makeModel(configWith(ModelKind::Mlp, {}))), std::int64_t{1276810});
    // The paper's 3x1024: (784 + 1) * 1024 + 2 * (1024 + 1) * 1024 + (1024 + 1) * 10.
    auto deep = configWith(ModelKind::Mlp, {{"hidden3", {0.5}}});
    deep.hiddenWidths = {1024, 1024, 1024};
    QCOMPARE(count(makeModel(deep)), std::int64_t{785 * 1024 + 2 * 1025 * 1024 + 1025 * 10});
    // Parameters in forward order, each layer's weight then bias.
    const auto params = makeModel(deep)->named_parameters();
    QCOMPARE(params.size(), std::size_t{8});
    QCOMPARE(QString::fromStdString(params[0].key()), QString("fc1.weight"));
    QCOMPARE(QString::fromStdString(params[7].key()), QString("fc4.bias"));
    QCOMPARE(params[4].value().sizes().vec(), (std::vector<std::int64_t>{1024, 1024}));
}

void TestModels::deepMlpDropsAtEverySite()
{
    // Each hidden site of a 4-layer MLP drops: rate 0.9 at one site changes the output, and the
    // network is the same as the default one at the other sites.
    for (int site = 1; site <= 4; ++site) {
        auto config = configWith(ModelKind::Mlp, {{"hidden" + std::to_string(site), {0.9}}});
        config.hiddenWidths = {16, 16, 16, 16};
        torch::manual_seed(3);
        auto model = makeModel(config);
        model->train();
        const auto x = torch::randn({64, 1, 28, 28});
        QCOMPARE(model->forward(x).sizes().vec(), (std::vector<std::int64_t>{64, 10}));
        QVERIFY2(!torch::equal(model->forward(x), model->forward(x)), ("hidden" + std::to_string(site)).c_str());
        model->eval();
        QVERIFY(torch::equal(model->forward(x), model->forward(x)));
    }
}

void TestModels::fastPoolingEqualsMaxPool()
{
    // Evaluation pools by the maximum of strided slices; it must be max_pool2d bit for bit,
    // including ties (small integers), infinities and NaN.
    auto x = torch::randint(-3, 4, {5, 7, 28, 28}).to(torch::kFloat);
    x.index_put_({0, 0, 0, 0}, std::numeric_limits<float>::quiet_NaN());
    x.index_put_({1, 2, 3, 4}, -std::numeric_limits<float>::infinity());
    x.index_put_({2, 3, 5, 5}, std::numeric_limits<float>::infinity());
    const auto reference = torch::max_pool2d(x, 2);
    torch::NoGradGuard noGrad;
    const auto fast = dropoutlab::detail::maxPool2x2(x);
    QCOMPARE(fast.sizes(), reference.sizes());
    QVERIFY(torch::equal(fast.isnan(), reference.isnan()));
    QVERIFY(torch::equal(fast.nan_to_num(0), reference.nan_to_num(0)));
    const auto y = torch::randn({3, 64, 14, 14});
    QVERIFY(torch::equal(dropoutlab::detail::maxPool2x2(y), torch::max_pool2d(y, 2)));
}

namespace {

// Equal as bits: NaN payloads and the sign of zero count.
bool sameBits(const torch::Tensor& a, const torch::Tensor& b)
{
    return a.sizes() == b.sizes() && torch::equal(a.contiguous().view(torch::kInt), b.contiguous().view(torch::kInt));
}

} // namespace

void TestModels::channelsLastPoolingEqualsMaxPoolToTheBit_data()
{
    QTest::addColumn<QList<int>>("shape");
    QTest::newRow("conv1 output") << QList<int>{6, 32, 28, 28};
    QTest::newRow("conv2 output") << QList<int>{5, 64, 14, 14};
    QTest::newRow("one channel") << QList<int>{3, 1, 4, 6};
    QTest::newRow("odd channels") << QList<int>{2, 7, 2, 2};
    QTest::newRow("no images") << QList<int>{0, 8, 4, 4};
}

void TestModels::channelsLastPoolingEqualsMaxPoolToTheBit()
{
    // The training pooling (max_pool.cpp) against max_pool2d, value and gradient, bit for bit:
    // ties (small integers, +0 against -0), NaN (one or two in a window: the last NaN wins),
    // infinities, a window of -inf only, and -0 in the incoming gradient.
    QFETCH(QList<int>, shape);
    const std::vector<std::int64_t> sizes(shape.begin(), shape.end());
    auto x = torch::randint(-2, 3, sizes).to(torch::kFloat);
    if (sizes[0] > 1 && sizes[2] >= 4 && sizes[3] >= 4) {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const float inf = std::numeric_limits<float>::infinity();
        x.index_put_({0, 0, 0, 0}, nan);
        x.index_put_({0, 0, 1, 1}, -nan);
        x.index_put_({0, 0, 0, 3}, nan);
        x.index_put_({1, 0, 0, 0}, -inf);
        x.index_put_({1, 0, 0, 1}, -inf);
        x.index_put_({1, 0, 1, 0}, -inf);
        x.index_put_({1, 0, 1, 1}, -inf);
        x.index_put_({1, 0, 2, 2}, inf);
        x.index_put_({1, 0, 0, 2}, -0.0f);
        x.index_put_({1, 0, 0, 3}, 0.0f);
        x.index_put_({1, 0, 1, 2}, -0.0f);
        x.index_put_({1, 0, 1, 3}, -1.0f);
    }
    x = x.contiguous(at::MemoryFormat::ChannelsLast);
    QVERIFY(fitsChannelsLastPool(x));
    auto grad = torch::randint(-2, 3, {sizes[0], sizes[1], sizes[2] / 2, sizes[3] / 2}).to(torch::kFloat);
    grad.masked_fill_(grad == 0, -0.0f);

    const auto reference = x.detach().requires_grad_();
    const auto referenceOut = torch::max_pool2d(reference, 2);
    referenceOut.backward(grad);
    const auto ours = x.detach().requires_grad_();
    const auto oursOut = maxPool2x2ChannelsLast(ours);
    oursOut.backward(grad);
    QVERIFY(sameBits(oursOut.detach(), referenceOut.detach()));
    QVERIFY(sameBits(ours.grad(), reference.grad()));
    QVERIFY(oursOut.is_contiguous(at::MemoryFormat::ChannelsLast));
    QVERIFY(ours.grad().is_contiguous(at::MemoryFormat::ChannelsLast));

    // The same through maxPool2x2, and without gradients; and a gradient that arrives in NCHW.
    QVERIFY(sameBits(maxPool2x2(x), referenceOut.detach()));
    {
        torch::NoGradGuard noGrad;
        QVERIFY(sameBits(maxPool2x2ChannelsLast(x), referenceOut.detach()));
    }
    const auto again = x.detach().requires_grad_();
    maxPool2x2ChannelsLast(again).backward(grad.contiguous());
    QVERIFY(sameBits(again.grad(), reference.grad()));
}

void TestModels::poolingTakesOnlyWhatItHandles()
{
    const auto cl = at::MemoryFormat::ChannelsLast;
    QVERIFY(fitsChannelsLastPool(torch::zeros({2, 3, 4, 4}).contiguous(cl)));
    QVERIFY(!fitsChannelsLastPool(torch::zeros({2, 3, 4, 4})));                      // NCHW
    QVERIFY(!fitsChannelsLastPool(torch::zeros({2, 3, 5, 4}).contiguous(cl)));       // odd height
    QVERIFY(!fitsChannelsLastPool(torch::zeros({2, 3, 4, 7}).contiguous(cl)));       // odd width
    QVERIFY(!fitsChannelsLastPool(torch::zeros({2, 3, 4, 4}, torch::kDouble).contiguous(cl)));
    QVERIFY(!fitsChannelsLastPool(torch::zeros({3, 4, 4})));
    // What it does not take, maxPool2x2 still pools (max_pool2d), with gradients.
    const auto odd = torch::randn({2, 3, 5, 5}).contiguous(cl).requires_grad_();
    const auto out = maxPool2x2(odd);
    QCOMPARE(out.sizes().vec(), (std::vector<std::int64_t>{2, 3, 2, 2}));
    QVERIFY(torch::equal(out, torch::max_pool2d(odd, 2)));
}

namespace {

// Largest absolute difference relative to the largest magnitude of the reference.
double relativeError(const torch::Tensor& value, const torch::Tensor& reference)
{
    const auto r = reference.to(torch::kDouble);
    return (value.to(torch::kDouble) - r).abs().max().item<double>() / r.abs().max().item<double>();
}

} // namespace

void TestModels::winogradConvolutionWithinRoundingOfDirect_data()
{
    QTest::addColumn<QList<int>>("shape");  // images, in, out, height, width
    QTest::newRow("reference conv2") << QList<int>{20, 32, 64, 14, 14};
    QTest::newRow("more channels") << QList<int>{3, 64, 32, 9, 11};
}

void TestModels::winogradConvolutionWithinRoundingOfDirect()
{
    // Winograd forms its sums in another order than a direct convolution: its output and all three
    // gradients are compared with a double-precision direct convolution, next to LibTorch's float
    // one. Measured on an AVX-512 machine: Winograd 3e-7 to 1.7e-6, direct float 1.5e-7 to 1.2e-6.
    QFETCH(QList<int>, shape);
    const auto cl = at::MemoryFormat::ChannelsLast;
    torch::manual_seed(3);
    const auto x = torch::randn({shape[0], shape[1], shape[3], shape[4]}).contiguous(cl);
    const auto w = (torch::randn({shape[2], shape[1], 3, 3}) * 0.1).contiguous(cl);
    const auto b = torch::randn({shape[2]}) * 0.1;
    const auto g = torch::randn({shape[0], shape[2], shape[3], shape[4]}).contiguous(cl);
    auto run = [&](bool winograd, torch::ScalarType type) {
        auto xi = x.to(type).detach().requires_grad_();
        auto wi = w.to(type).contiguous(cl).detach().requires_grad_();
        auto bi = b.to(type).detach().requires_grad_();
        auto y = winograd ? winogradConv2d(xi, wi, bi, 1) : torch::conv2d(xi, wi, bi, 1, 1);
        if (!y.defined())
            return std::vector<torch::Tensor>{};
        y.backward(g.to(type));
        return std::vector<torch::Tensor>{y.detach(), xi.grad(), wi.grad(), bi.grad()};
    };
    const auto exact = run(false, torch::kDouble);
    const auto direct = run(false, torch::kFloat);
    const auto winograd = run(true, torch::kFloat);
    if (winograd.empty())
        QSKIP("oneDNN has no Winograd convolution for this CPU (it needs AVX-512) or was not built in");
    const char* names[] = {"output", "input gradient", "weight gradient", "bias gradient"};
    for (int i = 0; i < 4; ++i) {
        const double ours = relativeError(winograd[i], exact[i]);
        const double libtorch = relativeError(direct[i], exact[i]);
        qInfo("%s: Winograd %.2e, direct %.2e (relative to double)", names[i], ours, libtorch);
        QVERIFY2(ours < 5e-6, names[i]);
        QVERIFY(winograd[i].is_contiguous(i == 3 ? at::MemoryFormat::Contiguous : cl));
    }
    // Without gradients: the same forward, to the bit.
    torch::NoGradGuard noGrad;
    QVERIFY(torch::equal(winogradConv2d(x, w, b, 1), winograd[0]));
}

void TestModels::winogradTakesOnlyWhatItHandles()
{
    const auto cl = at::MemoryFormat::ChannelsLast;
    const auto x = torch::randn({2, 16, 8, 8}).contiguous(cl);
    const auto w = torch::randn({8, 16, 3, 3}).contiguous(cl);
    const auto b = torch::randn({8});
    if (!winogradConv2d(x, w, b, 1).defined())
        QSKIP("oneDNN has no Winograd convolution for this CPU (it needs AVX-512) or was not built in");
    QVERIFY(!winogradConv2d(x.contiguous(), w, b, 1).defined());                              // NCHW input
    QVERIFY(!winogradConv2d(x, w.contiguous(), b, 1).defined());                              // NCHW weights
    QVERIFY(!winogradConv2d(x, w, torch::Tensor(), 1).defined());                             // no bias
    QVERIFY(!winogradConv2d(x.to(torch::kDouble), w.to(torch::kDouble), b.to(torch::kDouble), 1).defined());
    QVERIFY(!winogradConv2d(torch::randn({2, 1, 8, 8}), torch::randn({8, 1, 3, 3}).contiguous(cl), b, 1).defined());
    QVERIFY(!winogradConv2d(x, torch::randn({8, 16, 5, 5}).contiguous(cl), b, 2).defined());  // 5x5
    QVERIFY(!winogradConv2d(x.narrow(0, 0, 0), w, b, 1).defined());                          // no images
    QVERIFY(!winogradConv2d(x, torch::randn({8, 32, 3, 3}).contiguous(cl), b, 1).defined());  // channels differ
    QVERIFY(!winogradImplementation().empty());
}

void TestModels::fusedFirstLayerWithinRoundingOfConvAndPool_data()
{
    QTest::addColumn<QList<int>>("shape");  // images, out channels, height, width, padding
    QTest::newRow("reference conv1") << QList<int>{30, 32, 28, 28, 1};
    QTest::newRow("no padding") << QList<int>{4, 5, 10, 12, 0};
    QTest::newRow("padding 2") << QList<int>{3, 16, 6, 8, 2};
}

void TestModels::fusedFirstLayerWithinRoundingOfConvAndPool()
{
    // Against a double-precision conv2d + max_pool2d: the output, the weight and bias gradients.
    // A blank band (equal inputs, so equal convolutions: ties in every window) checks that the
    // first of equal maxima wins as in max_pool2d.
    QFETCH(QList<int>, shape);
    torch::manual_seed(5);
    auto x = torch::rand({shape[0], 1, shape[2], shape[3]}) * 2 - 1;
    x.narrow(2, 0, 3).fill_(-1.0f);
    const auto w = (torch::randn({shape[1], 1, 3, 3}) * 0.3).contiguous(at::MemoryFormat::ChannelsLast);
    const auto b = torch::randn({shape[1]}) * 0.1;
    const int padding = shape[4];
    QVERIFY(fitsFusedFirstLayer(x, w, b, padding));
    const std::int64_t oh = (shape[2] + 2 * padding - 2) / 2, ow = (shape[3] + 2 * padding - 2) / 2;
    const auto g = torch::randn({shape[0], shape[1], oh, ow});
    auto run = [&](bool fused, torch::ScalarType type) {
        auto wi = w.to(type).detach().requires_grad_();
        auto bi = b.to(type).detach().requires_grad_();
        auto y = fused ? fusedFirstLayer(x, wi, bi, padding)
                       : torch::max_pool2d(torch::conv2d(x.to(type), wi, bi, 1, padding), 2);
        y.backward(g.to(type));
        return std::vector<torch::Tensor>{y.detach(), wi.grad(), bi.grad()};
    };
    const auto exact = run(false, torch::kDouble);
    const auto direct = run(false, torch::kFloat);
    const auto fused = run(true, torch::kFloat);
    const char* names[] = {"output", "weight gradient", "bias gradient"};
    for (int i = 0; i < 3; ++i) {
        const double ours = relativeError(fused[i], exact[i]);
        qInfo("%s: fused %.2e, LibTorch %.2e (relative to double)", names[i], ours, relativeError(direct[i], exact[i]));
        QVERIFY2(ours < 5e-6, names[i]);
    }
    QVERIFY(fused[0].is_contiguous(at::MemoryFormat::ChannelsLast));
    // Without gradients: the same output, to the bit.
    torch::NoGradGuard noGrad;
    QVERIFY(torch::equal(fusedFirstLayer(x, w, b, padding), fused[0]));
}

void TestModels::fusedFirstLayerTakesOnlyWhatItHandles()
{
    const auto x = torch::randn({2, 1, 8, 8});
    const auto w = torch::randn({4, 1, 3, 3});
    const auto b = torch::randn({4});
    QVERIFY(fitsFusedFirstLayer(x, w, b, 1));
    QVERIFY(!fitsFusedFirstLayer(x.clone().requires_grad_(), w, b, 1));          // the input needs a gradient
    QVERIFY(!fitsFusedFirstLayer(torch::randn({2, 2, 8, 8}), torch::randn({4, 2, 3, 3}), b, 1));
    QVERIFY(!fitsFusedFirstLayer(torch::randn({2, 1, 9, 8}), w, b, 1));           // odd output height
    QVERIFY(!fitsFusedFirstLayer(x, torch::randn({4, 1, 5, 5}), b, 2));           // 5x5
    QVERIFY(!fitsFusedFirstLayer(x, w, torch::Tensor(), 1));                      // no bias
    QVERIFY(!fitsFusedFirstLayer(x.to(torch::kDouble), w.to(torch::kDouble), b.to(torch::kDouble), 1));
    QVERIFY(!fitsFusedFirstLayer(torch::randn({2, 1, 2, 2}), w, b, 0));           // no output
    // The network uses it where a pooling follows the first convolution; what it does not take
    // goes through conv2d and max_pool2d (the model's output is the same either way within rounding).
    auto model = makeModel(configWith(ModelKind::Cnn, {}));
    useConvolutionLayout(*model);
    model->eval();
    torch::NoGradGuard noGrad;
    const auto images = torch::rand({6, 1, 28, 28}) * 2 - 1;
    const auto viaModel = model->forward(images);
    const auto& layers = model->spec().layers;
    QCOMPARE(int(layers[1].kind), int(LayerSpec::Kind::Conv));  // after the input's dropout site
    QCOMPARE(int(layers[2].kind), int(LayerSpec::Kind::MaxPool));
    auto viaLayers = model->forwardLayers(images, 0, 3, false);  // the first convolution and its pooling
    viaLayers = model->forwardLayers(viaLayers, 3, layers.size(), false);
    QVERIFY(torch::equal(viaModel, viaLayers));
    const auto convOnly = model->forwardLayers(images, 0, 2, false);  // the convolution alone: LibTorch's
    QCOMPARE(convOnly.size(2), std::int64_t{28});
    QVERIFY(relativeError(model->forwardLayers(images, 0, 3, false), torch::max_pool2d(convOnly, 2)) < 5e-6);
}

void TestModels::fusedFirstLayerBreaksTiesAsMaxPool()
{
    // Small integers make every sum exact, and a symmetric image with a symmetric kernel makes a
    // window's top-right and bottom-left convolutions equal: the first in max_pool2d's order
    // (top-right) must win, and its inputs (the transpose of the other's) must get the gradient.
    torch::manual_seed(9);
    auto x = torch::randint(-3, 4, {16, 1, 8, 8}).to(torch::kFloat);
    x = (x + x.transpose(2, 3)).contiguous();
    const auto w = torch::ones({3, 1, 3, 3});
    const auto b = torch::zeros({3});
    const auto g = torch::randint(-3, 4, {16, 3, 4, 4}).to(torch::kFloat);
    auto run = [&](bool fused) {
        auto wi = w.clone().requires_grad_();
        auto bi = b.clone().requires_grad_();
        auto y = fused ? fusedFirstLayer(x, wi, bi, 1) : torch::max_pool2d(torch::conv2d(x, wi, bi, 1, 1), 2);
        y.backward(g);
        return std::vector<torch::Tensor>{y.detach(), wi.grad(), bi.grad()};
    };
    const auto reference = run(false);
    const auto fused = run(true);
    for (int i = 0; i < 3; ++i)
        QVERIFY(torch::equal(fused[i].contiguous(), reference[i].contiguous()));
}

void TestModels::mcLayersSplitAtTheFirstActiveSite()
{
    ExperimentConfig config;
    config.dropout["fc1"] = {0.5};
    auto model = dropoutlab::detail::makeModel(config);
    model->eval();
    const auto& layers = model->spec().layers;
    const std::size_t first = model->firstActiveDropout();
    QCOMPARE(QString::fromStdString(layers[first].name), QString("fc1"));
    QCOMPARE(model->activeDropoutSites(), std::vector<std::string>{"fc1"});
    torch::NoGradGuard noGrad;
    const auto x = torch::randn({4, 1, 28, 28});
    // Prefix then suffix with dropout off is the eval forward; with dropout on it differs.
    const auto prefix = model->forwardLayers(x, 0, first, false);
    QVERIFY(torch::equal(model->forwardLayers(prefix.clone(), first, layers.size(), false), model->forward(x)));
    QVERIFY(!torch::equal(model->forwardLayers(prefix.clone(), first, layers.size(), true), model->forward(x)));
    ExperimentConfig none;
    QCOMPARE(dropoutlab::detail::makeModel(none)->firstActiveDropout(), dropoutlab::detail::makeModel(none)->spec().layers.size());
}

void TestModels::fusedFirstLayerSameInBothPaths()
{
    // Channel counts that are multiples of 16 take the kernel's 16-lane path, others its general
    // one: the same operations in the same order, so 32 channels alone and the same 32 beside a
    // 33rd give the same bits, the gradients included.
    torch::manual_seed(9);
    const auto x = torch::rand({7, 1, 28, 28}) * 2 - 1;
    const auto w = torch::randn({33, 1, 3, 3}) * 0.3;
    const auto b = torch::randn({33}) * 0.1;
    const auto g = torch::randn({7, 33, 14, 14});
    auto run = [&](std::int64_t channels) {
        auto wi = w.narrow(0, 0, channels).contiguous(at::MemoryFormat::ChannelsLast).requires_grad_();
        auto bi = b.narrow(0, 0, channels).clone().requires_grad_();
        auto y = fusedFirstLayer(x, wi, bi, 1);
        y.backward(g.narrow(1, 0, channels));
        return std::vector<torch::Tensor>{y.detach(), wi.grad(), bi.grad()};
    };
    const auto lanes = run(32);
    const auto general = run(33);
    QVERIFY(torch::equal(lanes[0], general[0].narrow(1, 0, 32)));
    QVERIFY(torch::equal(lanes[1], general[1].narrow(0, 0, 32)));
    QVERIFY(torch::equal(lanes[2], general[2].narrow(0, 0, 32)));
}

void TestModels::kernelVariantMatchesTheCpu()
{
    // The variant the version report names is the widest that /proc/cpuinfo's flags allow.
    QFile cpuinfo("/proc/cpuinfo");
    if (!cpuinfo.open(QIODevice::ReadOnly))
        QSKIP("no /proc/cpuinfo");
    QString flags;
    for (const QByteArray& line : cpuinfo.readAll().split('\n')) {
        if (line.startsWith("flags")) {
            flags = QString::fromLatin1(line).section(':', 1) + ' ';
            break;
        }
    }
    if (flags.isEmpty())
        QSKIP("/proc/cpuinfo has no flags line (not x86)");
    const QString expected = flags.contains(" avx512f ") ? "AVX-512" : flags.contains(" avx2 ") ? "AVX2" : "SSE2";
    QCOMPARE(QString::fromStdString(kernelInstructionSet()), expected);
}

QTEST_GUILESS_MAIN(TestModels)
#include "test_models.moc"
