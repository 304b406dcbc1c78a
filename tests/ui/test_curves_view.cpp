// CurvesView (ui/curves_view.h): per-report training curves, smoothing, the log scale, zoom kept.
#include "chart_export.h"
#include "chart_view.h"
#include "curves_view.h"
#include "runs_model.h"

#include <QChart>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QTest>
#include <QValueAxis>

using namespace dropoutlab;
using namespace dropoutlab::ui;

namespace {

/// The visible line series of a chart, by name.
QLineSeries* shownSeries(QChart* chart, const QString& name)
{
    for (QAbstractSeries* s : chart->series()) {
        if (s->isVisible() && s->name() == name && !s->property(ChartView::kNoCrosshair).toBool())
            return qobject_cast<QLineSeries*>(s);
    }
    return nullptr;
}

/// A finished run with a progress trace (training loss 1/x) and three epochs.
int addTracedRun(RunsModel& model)
{
    ExperimentConfig config;
    config.name = "traced";
    config.epochs = 3;
    const int id = model.addRun(config, RunState::Completed);
    model.update(id, [](RunEntry& e) {
        for (int epoch = 1; epoch <= 3; ++epoch) {
            for (int batch = 1; batch <= 4; ++batch) {
                BatchProgress p;
                p.epoch = epoch;
                p.batch = batch;
                p.batchesPerEpoch = 4;
                p.loss = 1.0 / (epoch + 0.25 * batch);  // running means; the trace derives window means
                p.accuracy = 0.9;
                e.addProgress(p);
            }
            e.result.epochs.push_back({epoch, 0.5 / epoch, 0.9, 0.4 / epoch, 0.95, 1.0, 0.9, 0.1});
        }
    });
    return id;
}

/// The text labels of an SVG export (axis ticks, titles, legend).
QStringList svgTexts(QChartView* view, const QString& path)
{
    const QString error = exportChart(view, path);
    if (!error.isEmpty())
        qWarning() << error;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QString svg = QString::fromUtf8(file.readAll());
    QStringList texts;
    static const QRegularExpression text(QStringLiteral("<text[^>]*>([^<]*)</text>"));
    for (auto it = text.globalMatch(svg); it.hasNext();)
        texts << it.next().captured(1).trimmed();
    return texts;
}

/// How many paths of an SVG export are drawn with a faint (stroke-opacity < 0.5) pen.
int faintPaths(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    static const QRegularExpression faint(QStringLiteral("stroke-opacity=\"0\\.[0-4]"));
    return static_cast<int>(QString::fromUtf8(file.readAll()).count(faint));
}

} // namespace

class TestCurvesView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void emaSmoothingAsTensorBoard();
    void trainingCurvesHaveAPointPerReport();
    void smoothingKeepsTheRawCurveFaint();
    void logScaleOnTheLossCharts();
    void zoomSurvivesNewDataUntilReset();
    void exportsShowWhatIsOnScreen();
    void chartsDrawTheMostRecentRuns();
    void manyNewRunsAreDrawnAFewPerTurn();
    void scheduledRatesAreChartedPerEpoch();
};

void TestCurvesView::scheduledRatesAreChartedPerEpoch()
{
    RunsModel model;
    addTracedRun(model);  // constant rates: no Rates chart
    CurvesView view(&model);
    view.resize(1200, 900);
    view.show();
    view.flush();
    QCOMPARE(view.rateLineCount(), 0);
    QVERIFY(!view.ratesView()->isVisible());

    const int ramped = addTracedRun(model);
    model.update(ramped, [](RunEntry& e) {
        e.config.name = "ramped";
        e.config.dropout["fc1"] = {0.5, DropoutKind::Element, 3, RateSchedule::Ramp, 0.0, 3};
        for (auto& m : e.result.epochs) {
            m.dropoutRates["fc1"] = 0.5 * m.epoch / 3.0;
            m.dropoutRates["conv2"] = 0.1;
        }
    });
    view.flush();
    QCOMPARE(view.rateLineCount(), 2);  // a line per scheduled site of the run
    QVERIFY(view.ratesView()->isVisible());
    QLineSeries* fc1 = nullptr;
    for (QAbstractSeries* s : view.ratesView()->chart()->series())
        if (s->name().endsWith(": fc1"))
            fc1 = qobject_cast<QLineSeries*>(s);
    QVERIFY(fc1);
    QCOMPARE(fc1->count(), 4);  // epoch 0: the schedule's start, then each epoch's rate
    QCOMPARE(fc1->at(0), QPointF(0, 0.0));
    QCOMPARE(fc1->at(3), QPointF(3, 0.5));

    model.removeRun(ramped);
    view.flush();
    QCOMPARE(view.rateLineCount(), 0);
    QVERIFY(!view.ratesView()->isVisible());
}

void TestCurvesView::emaSmoothingAsTensorBoard()
{
    const QList<QPointF> raw{{1, 1.0}, {2, 0.0}, {3, 1.0}};
    QCOMPARE(emaSmoothed(raw, 0.0), raw);
    const QList<QPointF> s = emaSmoothed(raw, 0.5);
    // last = 0.5, 0.25, 0.625; debiased by 1 - 0.5^n: 1, 1/3, 5/7.
    QCOMPARE(s.size(), 3);
    QCOMPARE(s[0], QPointF(1, 1.0));
    QVERIFY(std::abs(s[1].y() - 1.0 / 3.0) < 1e-12);
    QVERIFY(std::abs(s[2].y() - 5.0 / 7.0) < 1e-12);
    QCOMPARE(s[2].x(), 3.0);
}

void TestCurvesView::trainingCurvesHaveAPointPerReport()
{
    RunsModel model;
    addTracedRun(model);
    CurvesView view(&model);
    view.flush();
    QLineSeries* training = shownSeries(view.chartViews()[0]->chart(), "traced");
    QVERIFY(training);
    QCOMPARE(training->count(), 12);  // 3 epochs x 4 reports
    QCOMPARE(training->at(0).x(), 0.25);
    QCOMPARE(training->at(5).x(), 1.5);
    // Batch 2 of epoch 1 alone: 2 / 1.5 - 1 / 1.25 = 0.5333...
    QVERIFY(std::abs(training->at(1).y() - (2.0 / 1.5 - 1.0 / 1.25)) < 1e-9);
    // Validation stays per epoch.
    QCOMPARE(shownSeries(view.chartViews()[1]->chart(), "traced")->count(), 3);
}

void TestCurvesView::smoothingKeepsTheRawCurveFaint()
{
    RunsModel model;
    addTracedRun(model);
    CurvesView view(&model);
    view.flush();
    QChart* chart = view.chartViews()[0]->chart();
    const QList<QPointF> raw = shownSeries(chart, "traced")->points();
    view.setSmoothing(0.6);
    QCOMPARE(view.smoothing(), 0.6);
    QCOMPARE(shownSeries(chart, "traced")->points(), emaSmoothed(raw, 0.6));
    QLineSeries* faint = nullptr;
    for (QAbstractSeries* s : chart->series()) {
        if (s->isVisible() && s->property(ChartView::kNoCrosshair).toBool())
            faint = qobject_cast<QLineSeries*>(s);
    }
    QVERIFY(faint);
    QCOMPARE(faint->points(), raw);
    QVERIFY(faint->pen().color().alphaF() < 0.5);
    for (QLegendMarker* marker : chart->legend()->markers(faint))
        QVERIFY(!marker->isVisible());  // no legend entry of its own
    view.setSmoothing(0.0);
    QCOMPARE(shownSeries(chart, "traced")->points(), raw);
    QVERIFY(!faint->isVisible());
}

void TestCurvesView::logScaleOnTheLossCharts()
{
    RunsModel model;
    addTracedRun(model);
    CurvesView view(&model);
    view.flush();
    view.setLogScale(true);
    for (int i : {0, 1}) {
        QChart* chart = view.chartViews()[static_cast<std::size_t>(i)]->chart();
        const auto vertical = chart->axes(Qt::Vertical);
        QCOMPARE(vertical.size(), 1);
        auto* log = qobject_cast<QLogValueAxis*>(vertical.first());
        QVERIFY(log);
        QVERIFY(log->min() > 0 && log->min() <= 0.4 / 3 && log->max() >= 1.0);
        for (QAbstractSeries* s : chart->series())
            QVERIFY(s->attachedAxes().contains(log));
    }
    // Accuracy charts keep their linear axes.
    QVERIFY(qobject_cast<QValueAxis*>(view.chartViews()[2]->chart()->axes(Qt::Vertical).first()));
    view.setLogScale(false);
    QVERIFY(qobject_cast<QValueAxis*>(view.chartViews()[0]->chart()->axes(Qt::Vertical).first()));
}

void TestCurvesView::zoomSurvivesNewDataUntilReset()
{
    RunsModel model;
    const int id = addTracedRun(model);
    CurvesView view(&model);
    view.resize(900, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.flush();
    ChartView* validation = view.chartViews()[1];
    auto* x = qobject_cast<QValueAxis*>(validation->chart()->axes(Qt::Horizontal).first());
    validation->zoomBy(0.5);
    const double zoomedMax = x->max();
    QVERIFY(zoomedMax < 3.0);
    model.update(id, [](RunEntry& e) {
        e.config.epochs = 6;
        e.result.epochs.push_back({4, 0.1, 0.9, 0.1, 0.95, 1.0, 0.9, 0.1});
    });
    view.flush();
    QCOMPARE(x->max(), zoomedMax);  // the user's zoom is kept while data arrives
    validation->resetZoom();
    QCOMPARE(x->max(), 6.0);  // back to the automatic range, which now covers the new epochs
}

void TestCurvesView::exportsShowWhatIsOnScreen()
{
    RunsModel model;
    addTracedRun(model);
    CurvesView view(&model);
    view.resize(900, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.flush();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QTest::qWait(200);  // the chart lays itself out in posted events
    ChartView* training = view.chartViews()[0];
    ChartView* validation = view.chartViews()[1];

    // Linear loss axis: two-decimal ticks. Log scale: the %.3g labels of the log axis instead.
    const QStringList linear = svgTexts(training, dir.filePath("linear.svg"));
    QVERIFY2(linear.contains("0.6"), qPrintable(linear.join(' ')));
    view.setLogScale(true);
    QTest::qWait(200);
    const QStringList log = svgTexts(training, dir.filePath("log.svg"));
    QVERIFY2(!log.contains("0.6") && log.contains("1"), qPrintable(log.join(' ')));
    view.setLogScale(false);

    // Zoomed in: ticks at fractions of an epoch, which the full range (0..3) never shows, and
    // labels with the decimals the step needs (no two ticks with the same label).
    const QStringList full = svgTexts(validation, dir.filePath("full.svg"));
    QVERIFY2(!full.contains("1.5") && full.contains("3"), qPrintable(full.join(' ')));
    validation->zoomBy(0.25);
    QTest::qWait(200);
    const QStringList zoomed = svgTexts(validation, dir.filePath("zoomed.svg"));
    QVERIFY2(zoomed.filter(QRegularExpression("^1\\.[0-9]+$")).size() >= 2, qPrintable(zoomed.join(' ')));
    QStringList numbers = zoomed.filter(QRegularExpression("^[0-9.]+$"));
    numbers.removeDuplicates();
    QCOMPARE(numbers.size(), zoomed.filter(QRegularExpression("^[0-9.]+$")).size());

    // Smoothing: the raw curve is drawn faint behind the smoothed one, in the export too.
    QCOMPARE(faintPaths(dir.filePath("linear.svg")), 0);
    view.setSmoothing(0.6);
    QTest::qWait(200);
    svgTexts(training, dir.filePath("smoothed.svg"));
    QVERIFY(faintPaths(dir.filePath("smoothed.svg")) >= 1);
}

void TestCurvesView::chartsDrawTheMostRecentRuns()
{
    // A workspace of thousands: the charts draw the kMaxChartedRuns most recent shown runs (series,
    // legend and redraws stay bounded) and say so; hiding runs brings older ones in.
    RunsModel model;
    std::vector<int> ids;
    for (int i = 0; i < 60; ++i) {
        ExperimentConfig config;
        config.name = "run " + std::to_string(i);
        ids.push_back(model.addRun(config, RunState::Completed));
        model.update(ids.back(), [](RunEntry& e) { e.result.epochs.push_back({1, 0.5, 0.9, 0.4, 0.95, 1.0, 0.9, 0.1}); });
    }
    CurvesView view(&model);
    view.flush();
    const std::size_t limit = kMaxChartedRuns;
    std::vector<int> charted = view.chartedRuns();
    QCOMPARE(charted.size(), limit);
    QCOMPARE(charted.front(), ids.back());  // the most recent first
    QCOMPARE(charted.back(), ids[ids.size() - limit]);
    QChart* validation = view.chartViews()[1]->chart();
    QVERIFY(shownSeries(validation, "run 59"));
    QVERIFY(!shownSeries(validation, "run 0"));
    QVERIFY(static_cast<std::size_t>(validation->series().size()) <= 3 * limit);
    const QList<QLabel*> labels = view.findChildren<QLabel*>();
    QVERIFY(std::any_of(labels.begin(), labels.end(), [](QLabel* l) {
        return l->text().contains("40 most recent of 60");
    }));

    for (std::size_t i = ids.size() - 20; i < ids.size(); ++i)
        model.setVisible(ids[i], false);
    view.flush();
    charted = view.chartedRuns();
    QCOMPARE(charted.size(), limit);
    QCOMPARE(charted.front(), ids[39]);
    QCOMPARE(charted.back(), ids[0]);
    QVERIFY(shownSeries(validation, "run 0"));
    QVERIFY(!shownSeries(validation, "run 59"));
}

void TestCurvesView::manyNewRunsAreDrawnAFewPerTurn()
{
    // 40 runs arriving at once (a workspace read) are drawn a few per event-loop turn by the
    // timer, oldest first as the legend lists them; flush() still draws everything at once.
    RunsModel model;
    CurvesView view(&model);
    for (int i = 0; i < 40; ++i) {
        ExperimentConfig config;
        config.name = "run " + std::to_string(i);
        const int id = model.addRun(config, RunState::Completed);
        model.update(id, [](RunEntry& e) { e.result.epochs.push_back({1, 0.5, 0.9, 0.4, 0.95, 1.0, 0.9, 0.1}); });
    }
    QChart* validation = view.chartViews()[1]->chart();
    view.flush(CurvesView::kRunsAddedPerStep);
    const auto step = static_cast<int>(CurvesView::kRunsAddedPerStep);
    QVERIFY(shownSeries(validation, "run 0"));
    QVERIFY(shownSeries(validation, QStringLiteral("run %1").arg(step - 1)));
    QVERIFY(!shownSeries(validation, QStringLiteral("run %1").arg(step)));
    // The timer's steps go on by themselves until every run is drawn.
    QTRY_VERIFY(shownSeries(validation, "run 39"));
    for (int i = 0; i < 40; ++i)
        QVERIFY(shownSeries(validation, QStringLiteral("run %1").arg(i)));

    RunsModel other;
    CurvesView atOnce(&other);
    atOnce.setPaused(true);
    for (int i = 0; i < 40; ++i) {
        const int id = other.addRun(ExperimentConfig{}, RunState::Completed);
        other.update(id, [](RunEntry& e) { e.result.epochs.push_back({1, 0.5, 0.9, 0.4, 0.95, 1.0, 0.9, 0.1}); });
    }
    QTest::qWait(400);  // paused: the timer draws nothing
    QVERIFY(atOnce.chartViews()[1]->chart()->series().isEmpty());
    atOnce.flush();
    QVERIFY(!atOnce.chartViews()[1]->chart()->series().isEmpty());
}

QTEST_MAIN(TestCurvesView)
#include "test_curves_view.moc"
