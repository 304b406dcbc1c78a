// ChartView (ui/chart_view.h): zoom, pan, reset and the crosshair.
#include "chart_view.h"

#include <QApplication>
#include <QChart>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTest>
#include <QValueAxis>
#include <QWheelEvent>

using namespace dropoutlab::ui;

namespace {

/// Two lines over x = 0..10 on fixed axes, shown in a 600x400 view.
struct Fixture {
    QChart* chart = new QChart;
    QValueAxis* x = new QValueAxis;
    QValueAxis* y = new QValueAxis;
    ChartView view{chart, QStringLiteral("test")};

    Fixture()
    {
        chart->addAxis(x, Qt::AlignBottom);
        chart->addAxis(y, Qt::AlignLeft);
        for (const auto& [name, slope] : {std::pair{QStringLiteral("rising"), 1.0}, std::pair{QStringLiteral("flat"), 0.0}}) {
            auto* line = new QLineSeries;
            line->setName(name);
            for (int i = 0; i <= 10; ++i)
                line->append(i, 2.0 + slope * i);
            chart->addSeries(line);
            line->attachAxis(x);
            line->attachAxis(y);
        }
        x->setRange(0, 10);
        y->setRange(0, 14);
        view.resize(600, 400);
        view.show();
    }

    /// The widget position of value (vx, vy).
    QPoint at(double vx, double vy) const
    {
        const QPointF inChart = chart->mapToPosition({vx, vy}, chart->series().first());
        return view.mapFromScene(chart->mapToScene(inChart));
    }
};

} // namespace

class TestChartView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void wheelZoomsAboutTheCursorAndDoubleClickResets();
    void rubberBandZoomsAndRightClickDoesNotZoomOut();
    void panAndKeys();
    void crosshairListsEveryShownLine();
};

void TestChartView::wheelZoomsAboutTheCursorAndDoubleClickResets()
{
    Fixture f;
    QVERIFY(QTest::qWaitForWindowExposed(&f.view));
    QVERIFY(!f.view.isZoomed());
    const QPoint pos = f.at(8, 7);
    QWheelEvent wheel(pos, f.view.mapToGlobal(pos), {}, {0, 240}, Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(f.view.viewport(), &wheel);
    QVERIFY(f.view.isZoomed());
    // Two notches: 0.85^2 of the span, and the value under the cursor stays under it.
    QVERIFY(std::abs((f.x->max() - f.x->min()) - 10 * 0.85 * 0.85) < 0.05);
    QVERIFY(f.x->min() > 0.5 && f.x->max() < 10.0);
    QVERIFY(std::abs(f.chart->mapToValue(f.chart->mapFromScene(f.view.mapToScene(pos))).x() - 8.0) < 0.05);

    // Ticks at round values inside the zoomed range (a span of 7.2: every 2).
    QCOMPARE(f.x->tickType(), QValueAxis::TicksDynamic);
    QCOMPARE(f.x->tickInterval(), 2.0);
    QCOMPARE(f.x->tickAnchor(), 0.0);

    QSignalSpy reset(&f.view, &ChartView::zoomWasReset);
    QTest::mouseDClick(f.view.viewport(), Qt::LeftButton, {}, f.at(5, 5));
    QCOMPARE(reset.count(), 1);
    QVERIFY(!f.view.isZoomed());
    QCOMPARE(f.x->min(), 0.0);
    QCOMPARE(f.x->max(), 10.0);
    QCOMPARE(f.x->tickType(), QValueAxis::TicksFixed);
}

void TestChartView::rubberBandZoomsAndRightClickDoesNotZoomOut()
{
    Fixture f;
    QVERIFY(QTest::qWaitForWindowExposed(&f.view));
    QTest::mousePress(f.view.viewport(), Qt::LeftButton, {}, f.at(2, 3));
    QTest::mouseMove(f.view.viewport(), f.at(4, 5));
    QTest::mouseMove(f.view.viewport(), f.at(6, 8));
    QTest::mouseRelease(f.view.viewport(), Qt::LeftButton, {}, f.at(6, 8));
    QVERIFY(f.view.isZoomed());
    QVERIFY2(std::abs(f.x->min() - 2) < 0.1 && std::abs(f.x->max() - 6) < 0.1,
             qPrintable(QStringLiteral("%1-%2").arg(f.x->min()).arg(f.x->max())));
    QVERIFY(std::abs(f.y->min() - 3) < 0.1 && std::abs(f.y->max() - 8) < 0.1);
    // QChartView would zoom out on a right click; here the right button belongs to the context menu.
    const double min = f.x->min();
    QTest::mousePress(f.view.viewport(), Qt::RightButton, {}, f.at(4, 5));
    QTest::mouseRelease(f.view.viewport(), Qt::RightButton, {}, f.at(4, 5));
    QCOMPARE(f.x->min(), min);
}

void TestChartView::panAndKeys()
{
    Fixture f;
    QVERIFY(QTest::qWaitForWindowExposed(&f.view));
    // Middle-drag two units to the left moves the view two units to the right.
    QTest::mousePress(f.view.viewport(), Qt::MiddleButton, {}, f.at(6, 5));
    QTest::mouseMove(f.view.viewport(), f.at(4, 5));
    QTest::mouseRelease(f.view.viewport(), Qt::MiddleButton, {}, f.at(4, 5));
    QVERIFY(f.view.isZoomed());
    QVERIFY2(std::abs(f.x->min() - 2) < 0.1, qPrintable(QString::number(f.x->min())));
    f.view.resetZoom();
    QTest::keyClick(&f.view, Qt::Key_Plus);
    QVERIFY(f.x->max() - f.x->min() < 9.0);
    QTest::keyClick(&f.view, Qt::Key_0);
    QVERIFY(!f.view.isZoomed());
    QCOMPARE(f.x->max() - f.x->min(), 10.0);
    QTest::keyClick(&f.view, Qt::Key_Right);
    QVERIFY(f.x->min() > 0.5);
}

void TestChartView::crosshairListsEveryShownLine()
{
    Fixture f;
    QVERIFY(QTest::qWaitForWindowExposed(&f.view));
    const QString text = f.view.crosshairText(f.at(4.1, 1));
    QVERIFY2(text.contains("rising: <b>6.000</b>"), qPrintable(text));  // nearest x is 4: 2 + 4
    QVERIFY2(text.contains("flat: <b>2.000</b>"), qPrintable(text));
    QVERIFY(f.view.crosshairText(QPoint(2, 2)).isEmpty());  // outside the plot
    // A hidden line, or one marked as not for the crosshair, is left out.
    f.chart->series().at(1)->setVisible(false);
    QVERIFY(!f.view.crosshairText(f.at(4, 1)).contains("flat"));
    f.chart->series().at(0)->setProperty(ChartView::kNoCrosshair, true);
    QVERIFY(f.view.crosshairText(f.at(4, 1)).isEmpty());
}

QTEST_MAIN(TestChartView)
#include "test_chart_view.moc"
