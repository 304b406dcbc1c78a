// A drawn digit made into an MNIST image: bounding box to 20x20, centre of mass at the centre.
#include "dropoutlab/core/digit_image.h"

#include <QTest>

using namespace dropoutlab;

namespace {

/// A canvas with a filled rectangle [x0, x0 + w) x [y0, y0 + h) of full ink.
std::vector<float> rectangle(int width, int height, int x0, int y0, int w, int h)
{
    std::vector<float> canvas(static_cast<std::size_t>(width) * height, 0.0f);
    for (int y = y0; y < y0 + h; ++y)
        for (int x = x0; x < x0 + w; ++x)
            canvas[static_cast<std::size_t>(y) * width + x] = 1.0f;
    return canvas;
}

/// A diagonal stroke (a "1" leaning right), 3 pixels wide, starting at (x0, y0).
std::vector<float> stroke(int width, int height, int x0, int y0)
{
    std::vector<float> canvas(static_cast<std::size_t>(width) * height, 0.0f);
    for (int i = 0; i < 120; ++i)
        for (int t = 0; t < 3; ++t)
            canvas[static_cast<std::size_t>(y0 + i) * width + x0 + i / 3 + t] = 1.0f;
    return canvas;
}

struct Extent {
    int left = 28, right = -1, top = 28, bottom = -1;
};

Extent inkExtent(const std::vector<std::uint8_t>& image)
{
    Extent e;
    for (int y = 0; y < 28; ++y)
        for (int x = 0; x < 28; ++x)
            if (image[static_cast<std::size_t>(y) * 28 + x] > 0) {
                e.left = std::min(e.left, x);
                e.right = std::max(e.right, x);
                e.top = std::min(e.top, y);
                e.bottom = std::max(e.bottom, y);
            }
    return e;
}

} // namespace

class TestDigitImage final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void emptyCanvasGivesABlankImage();
    void longerSideBecomesTwentyPixels();
    void shiftedStrokeGivesTheSameImage();
    void scaledStrokeGivesTheSameImage();
    void centreOfMassIsCentred();
};

void TestDigitImage::emptyCanvasGivesABlankImage()
{
    const auto image = mnistFromCanvas(std::vector<float>(200 * 200, 0.0f), 200, 200);
    QCOMPARE(image.size(), std::size_t{784});
    QVERIFY(std::all_of(image.begin(), image.end(), [](std::uint8_t v) { return v == 0; }));
    QCOMPARE(mnistFromCanvas({1.0f}, 2, 2).size(), std::size_t{784});  // wrong size: blank, no crash
}

void TestDigitImage::longerSideBecomesTwentyPixels()
{
    // A 40 x 100 box of ink: 100 -> 20 rows, 40 -> 8 columns, all full ink.
    const auto image = mnistFromCanvas(rectangle(200, 200, 30, 50, 40, 100), 200, 200);
    const Extent e = inkExtent(image);
    QCOMPARE(e.bottom - e.top + 1, 20);
    QCOMPARE(e.right - e.left + 1, 8);
    QCOMPARE(int(image[static_cast<std::size_t>(e.top + 5) * 28 + e.left + 2]), 255);
}

void TestDigitImage::shiftedStrokeGivesTheSameImage()
{
    const auto a = mnistFromCanvas(stroke(280, 280, 10, 20), 280, 280);
    const auto b = mnistFromCanvas(stroke(280, 280, 130, 140), 280, 280);
    QVERIFY(a == b);
    QVERIFY(std::any_of(a.begin(), a.end(), [](std::uint8_t v) { return v > 0; }));
}

void TestDigitImage::scaledStrokeGivesTheSameImage()
{
    // The same rectangle drawn on a larger canvas at twice the size: the same 20-pixel digit.
    const auto small = mnistFromCanvas(rectangle(100, 100, 10, 10, 20, 40), 100, 100);
    const auto large = mnistFromCanvas(rectangle(200, 200, 20, 20, 40, 80), 200, 200);
    QVERIFY(small == large);
}

void TestDigitImage::centreOfMassIsCentred()
{
    const auto image = mnistFromCanvas(stroke(280, 280, 40, 60), 280, 280);
    double mass = 0, cx = 0, cy = 0;
    for (int y = 0; y < 28; ++y)
        for (int x = 0; x < 28; ++x) {
            const double v = image[static_cast<std::size_t>(y) * 28 + x];
            mass += v;
            cx += v * (x + 0.5);
            cy += v * (y + 0.5);
        }
    QVERIFY2(std::abs(cx / mass - 14.0) <= 0.5 && std::abs(cy / mass - 14.0) <= 0.5,
             qPrintable(QStringLiteral("centre of mass at (%1, %2)").arg(cx / mass).arg(cy / mass)));
}

QTEST_GUILESS_MAIN(TestDigitImage)
#include "test_digit_image.moc"
