// The optimiser module (engine/train/src/optimiser.h): max-norm, Adam/AdamW and the papers' momentum
// against hand-computed updates, and the neutral settings against torch's plain SGD.
#include "models.h"
#include "optimiser.h"

#include <QTest>

#include <cmath>

using namespace dropoutlab;
using namespace dropoutlab::detail;

namespace {

ExperimentConfig withOptimiser(OptimiserKind kind, double lr)
{
    ExperimentConfig c;
    c.optimiser = kind;
    c.learningRate = lr;
    return c;
}

/// One step with a given gradient on a double tensor.
void stepWith(TrainingOptimiser& optimiser, torch::Tensor& w, const std::vector<double>& gradient)
{
    optimiser.zeroGrad();
    w.mutable_grad() = torch::tensor(gradient, torch::kDouble);
    optimiser.step();
}

} // namespace

class TestOptimiser : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void maxNormBoundsLargeUnitsOnly();
    void maxNormOnFilters();
    void adamFirstStepsByHand();
    void adamWDecaysTheWeights();
    void sgdWeightDecayByHand();
    void dampenedMomentumIsThePapersUpdate();
    void neutralSettingsAreTorchsPlainSgd();
    void epochSettingsReachTheOptimiser();
};

void TestOptimiser::maxNormBoundsLargeUnitsOnly()
{
    // Rows are units: norms 5, 0.5, 0 and 3 (exactly at the bound).
    auto w = torch::tensor({3.0f, 4.0f, 0.3f, 0.4f, 0.0f, 0.0f, 0.0f, 3.0f}).view({4, 2});
    const auto before = w.clone();
    applyMaxNorm(w, {1}, 3.0);
    const auto norms = w.norm(2, {1});
    QVERIFY(std::abs(norms[0].item<double>() - 3.0) < 1e-6);
    QVERIFY(torch::allclose(w[0], torch::tensor({1.8f, 2.4f})));
    for (int row = 1; row < 4; ++row)
        QVERIFY2(torch::equal(w[row], before[row]), qPrintable(QString("row %1 changed").arg(row)));
}

void TestOptimiser::maxNormOnFilters()
{
    torch::manual_seed(3);
    auto w = torch::randn({16, 4, 3, 3});
    const auto before = w.clone();
    const double bound = 5.0;
    const auto normsBefore = before.flatten(1).norm(2, {1});
    applyMaxNorm(w, {1, 2, 3}, bound);
    const auto normsAfter = w.flatten(1).norm(2, {1});
    int rescaled = 0;
    for (int f = 0; f < 16; ++f) {
        if (normsBefore[f].item<double>() <= bound) {
            QVERIFY(torch::equal(w[f], before[f]));
        } else {
            ++rescaled;
            QVERIFY(normsAfter[f].item<double>() <= bound * (1 + 1e-6));
            QVERIFY(normsAfter[f].item<double>() >= bound * (1 - 1e-6));
        }
    }
    QVERIFY2(rescaled > 0 && rescaled < 16, qPrintable(QString("%1 filters rescaled").arg(rescaled)));
}

void TestOptimiser::adamFirstStepsByHand()
{
    ExperimentConfig c = withOptimiser(OptimiserKind::Adam, 0.1);
    c.adamBeta1 = 0.9;
    c.adamBeta2 = 0.99;
    c.adamEps = 1e-8;
    c.weightDecay = 0.5;  // Adam's L2: added to the gradient
    auto w = torch::tensor({1.0, -2.0}, torch::kDouble).requires_grad_(true);
    TrainingOptimiser optimiser(c, {w}, {});
    const std::vector<std::vector<double>> grads = {{0.5, -1.0}, {-0.25, 2.0}, {1.0, 0.0}};
    double wh[2] = {1.0, -2.0};
    double m[2] = {0, 0};
    double v[2] = {0, 0};
    for (std::size_t t = 1; t <= grads.size(); ++t) {
        stepWith(optimiser, w, grads[t - 1]);
        for (int i = 0; i < 2; ++i) {
            const double g = grads[t - 1][static_cast<std::size_t>(i)] + 0.5 * wh[i];
            m[i] = 0.9 * m[i] + 0.1 * g;
            v[i] = 0.99 * v[i] + 0.01 * g * g;
            const double mHat = m[i] / (1 - std::pow(0.9, t));
            const double vHat = v[i] / (1 - std::pow(0.99, t));
            wh[i] -= 0.1 * mHat / (std::sqrt(vHat) + 1e-8);
            QVERIFY2(std::abs(w[i].item<double>() - wh[i]) < 1e-12,
                     qPrintable(QString("step %1, w[%2]: %3, by hand %4").arg(t).arg(i).arg(w[i].item<double>(), 0, 'g', 17).arg(wh[i], 0, 'g', 17)));
        }
    }
}

void TestOptimiser::adamWDecaysTheWeights()
{
    ExperimentConfig c = withOptimiser(OptimiserKind::AdamW, 0.01);
    c.weightDecay = 0.1;
    auto w = torch::tensor({2.0}, torch::kDouble).requires_grad_(true);
    TrainingOptimiser optimiser(c, {w}, {});
    stepWith(optimiser, w, {0.3});
    // Decoupled: w (1 - lr wd), then the Adam step, whose first step is lr * sign(g) (up to eps).
    const double expected = 2.0 * (1 - 0.01 * 0.1) - 0.01 * 0.3 / (0.3 + 1e-8);
    QVERIFY(std::abs(w.item<double>() - expected) < 1e-12);
}

void TestOptimiser::sgdWeightDecayByHand()
{
    ExperimentConfig c = withOptimiser(OptimiserKind::Sgd, 0.1);
    c.momentum = 0.9;
    c.weightDecay = 0.01;
    auto w = torch::tensor({1.0}, torch::kDouble).requires_grad_(true);
    TrainingOptimiser optimiser(c, {w}, {});
    double wh = 1.0;
    double buf = 0.0;
    for (const double g : {0.5, -0.2, 0.1}) {
        stepWith(optimiser, w, {g});
        buf = 0.9 * buf + (g + 0.01 * wh);
        wh -= 0.1 * buf;
        QVERIFY(std::abs(w.item<double>() - wh) < 1e-14);
    }
}

void TestOptimiser::dampenedMomentumIsThePapersUpdate()
{
    // Hinton et al. 2012: dw <- p dw - (1 - p) lr g; w <- w + dw, from the first step on.
    ExperimentConfig c = withOptimiser(OptimiserKind::Sgd, 10.0);
    c.momentum = 0.5;
    c.dampenedMomentum = true;
    auto w = torch::tensor({0.0}, torch::kDouble).requires_grad_(true);
    TrainingOptimiser optimiser(c, {w}, {});
    double wh = 0.0;
    double dw = 0.0;
    for (const double g : {0.1, 0.3, -0.2, 0.05}) {
        stepWith(optimiser, w, {g});
        dw = 0.5 * dw - 0.5 * 10.0 * g;
        wh += dw;
        QVERIFY2(std::abs(w.item<double>() - wh) < 1e-12,
                 qPrintable(QString("%1 vs %2").arg(w.item<double>(), 0, 'g', 17).arg(wh, 0, 'g', 17)));
    }
}

void TestOptimiser::neutralSettingsAreTorchsPlainSgd()
{
    // Weight decay 0, max-norm off, constant schedule: the optimiser must be exactly the plain
    // torch SGD with momentum that the reference experiment always used (bitwise).
    ExperimentConfig c;
    c.model = ModelKind::Mlp;
    c.hiddenWidths = {64, 32};
    torch::manual_seed(5);
    auto ours = makeModel(c);
    torch::manual_seed(5);
    auto plain = makeModel(c);
    TrainingOptimiser optimiser(c, ours->parameters(), maxNormConstraints(*ours, c));
    QCOMPARE(maxNormConstraints(*ours, c).size(), std::size_t{0});
    torch::optim::SGD reference(plain->parameters(), torch::optim::SGDOptions(c.learningRate).momentum(c.momentum));
    torch::manual_seed(9);
    for (int step = 1; step <= 5; ++step) {
        optimiser.beginEpoch(step);
        const auto x = torch::randn({16, 1, 28, 28});
        const auto y = torch::randint(0, 10, {16});
        optimiser.zeroGrad();
        torch::nn::functional::cross_entropy(ours->forward(x), y).backward();
        optimiser.step();
        reference.zero_grad();
        torch::nn::functional::cross_entropy(plain->forward(x), y).backward();
        reference.step();
    }
    const auto a = ours->parameters();
    const auto b = plain->parameters();
    for (std::size_t i = 0; i < a.size(); ++i)
        QVERIFY2(torch::equal(a[i], b[i]), qPrintable(QString("parameter %1 differs").arg(i)));
}

void TestOptimiser::epochSettingsReachTheOptimiser()
{
    // A step schedule (x0.5 every epoch) and a momentum ramp 0 -> 0.5 over 2 epochs, on w with
    // gradient 1: epoch 1 lr 1 momentum 0; epoch 2 lr 0.5 momentum 0.25; epoch 3 lr 0.25 momentum 0.5.
    ExperimentConfig c = withOptimiser(OptimiserKind::Sgd, 1.0);
    c.lrSchedule = LrSchedule::Step;
    c.lrStepEpochs = 1;
    c.lrGamma = 0.5;
    c.momentum = 0.5;
    c.momentumStart = 0.0;
    c.momentumRampEpochs = 2;
    auto w = torch::tensor({0.0}, torch::kDouble).requires_grad_(true);
    TrainingOptimiser optimiser(c, {w}, {});
    // As in PyTorch, the momentum buffer starts (as the gradient) at the first step with momentum.
    double wh = 0.0;
    double buf = 0.0;
    bool started = false;
    for (int epoch = 1; epoch <= 3; ++epoch) {
        optimiser.beginEpoch(epoch);
        const double lr = std::pow(0.5, epoch - 1);
        const double momentum = 0.25 * std::min(epoch - 1, 2);
        stepWith(optimiser, w, {1.0});
        double update = 1.0;
        if (momentum > 0.0) {
            buf = started ? momentum * buf + 1.0 : 1.0;
            started = true;
            update = buf;
        }
        wh -= lr * update;
        QVERIFY2(std::abs(w.item<double>() - wh) < 1e-14, qPrintable(QString("epoch %1").arg(epoch)));
    }
}

QTEST_GUILESS_MAIN(TestOptimiser)
#include "test_optimiser.moc"
