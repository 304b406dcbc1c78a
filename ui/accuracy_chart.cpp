#include "accuracy_chart.h"

#include "chart_axes.h"
#include "chart_view.h"
#include "runs_model.h"

#include <QEvent>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QCursor>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>
#include <utility>


namespace dropoutlab::ui {

AccuracyChart::AccuracyChart(RunsModel* model, QWidget* parent)
    : QWidget(parent), m_model(model), m_chart(new QChart), m_categories(new QBarCategoryAxis),
      m_values(new QValueAxis)
{
    styleChart(m_chart, tr("Test accuracy (dropout off)"));
    m_categories->append(tr("runs"));
    m_categories->setLabelsVisible(false);
    m_categories->setGridLineVisible(false);
    m_values->setTitleText(tr("Accuracy (%)"));
    m_values->setLabelFormat(QStringLiteral("%.2f"));
    m_chart->addAxis(m_categories, Qt::AlignBottom);
    m_chart->addAxis(m_values, Qt::AlignLeft);
    m_view = new ChartView(m_chart, QStringLiteral("test-accuracy"), this);
    connect(m_view, &ChartView::zoomWasReset, this, &AccuracyChart::flush);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);

    m_timer.setInterval(150);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &AccuracyChart::refreshIfChanged);
    auto schedule = [this] {
        if (!m_timer.isActive())
            m_timer.start();
    };
    connect(m_model, &RunsModel::runAdded, this, schedule);
    connect(m_model, &RunsModel::runRemoved, this, schedule);
    connect(m_model, &RunsModel::runChanged, this, schedule);
    connect(m_model, &QAbstractItemModel::modelReset, this, schedule);
    flush();
}

AccuracyChart::Bars AccuracyChart::currentBars(bool* leftOut) const
{
    int finished = 0;
    const auto recent = m_model->recentEntries(
        kMaxChartedRuns, [](const RunEntry& e) { return e.visible && e.result.testAccuracy.has_value(); }, &finished);
    Bars bars;
    for (auto it = recent.rbegin(); it != recent.rend(); ++it)  // oldest first
        bars.emplace_back((*it)->name(), (*it)->color.rgba(), *(*it)->result.testAccuracy);
    if (leftOut)
        *leftOut = static_cast<std::size_t>(finished) > recent.size();
    return bars;
}

void AccuracyChart::setPaused(bool paused)
{
    if (std::exchange(m_paused, paused) && !paused)
        m_timer.start();  // in a later turn than the curves' first redraw
}

void AccuracyChart::refreshIfChanged()
{
    if (m_paused)
        return;
    if (currentBars() != m_drawn)
        flush();
}

void AccuracyChart::flush()
{
    m_timer.stop();
    m_view->keepZoomWhile([this] { rebuild(); });
}

void AccuracyChart::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange)
        flush();  // bar labels in the new text colour
    QWidget::changeEvent(event);
}

void AccuracyChart::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    showLabelsIfTheyFit();
}

void AccuracyChart::showLabelsIfTheyFit()
{
    // With many runs, or a narrow chart, the hover tooltip and the table tell the values.
    const int count = m_series->count();
    const double plotWidth = m_chart->plotArea().width() > 0 ? m_chart->plotArea().width() : 0.8 * width();
    const int labelWidth = fontMetrics().horizontalAdvance(QStringLiteral("99.99 %")) + 6;
    const bool fit = count > 0 && count <= 6 && plotWidth * 0.8 / count >= labelWidth;
    m_series->setLabelsVisible(fit);
    m_chart->legend()->setVisible(count > 0 && count <= 6);
}

void AccuracyChart::rebuild()
{
    if (m_series) {
        m_chart->removeSeries(m_series);
        delete m_series;
        m_series = nullptr;
    }
    m_series = new QBarSeries;
    double lo = 100.0;
    double hi = 0.0;
    bool leftOut = false;
    m_drawn = currentBars(&leftOut);
    for (const auto& [name, rgba, accuracy] : m_drawn) {
        const double value = 100.0 * accuracy;
        const QColor color = QColor::fromRgba(rgba);
        auto* set = new QBarSet(name);
        set->append(value);
        set->setColor(color);
        set->setBorderColor(color.darker(130));
        set->setLabelColor(palette().text().color());
        m_series->append(set);
        lo = std::min(lo, value);
        hi = std::max(hi, value);
    }
    showLabelsIfTheyFit();
    for (QBarSet* set : m_series->barSets()) {
        connect(set, &QBarSet::hovered, set, [set](bool state, int index) {
            if (state)
                QToolTip::showText(QCursor::pos(), QStringLiteral("%1: %2 %").arg(set->label()).arg(set->at(index), 0, 'f', 2));
            else
                QToolTip::hideText();
        });
    }
    m_series->setLabelsFormat(QStringLiteral("@value %"));
    m_series->setLabelsPrecision(4);
    m_series->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
    m_chart->addSeries(m_series);
    m_series->attachAxis(m_categories);
    m_series->attachAxis(m_values);

    if (m_series->count() == 0) {
        m_chart->setTitle(tr("Test accuracy — no finished runs yet"));
        m_values->setRange(0, 100);
        return;
    }
    m_chart->setTitle(leftOut ? tr("Test accuracy (%1 most recent)").arg(kMaxChartedRuns)
                                : tr("Test accuracy (dropout off)"));
    // Zoomed, not 0-100: the differences that matter here are tenths of a point.
    // Room below the lowest bar (so bars differ visibly) and above the highest (for its label).
    const double span = std::max(hi - lo, 0.1);
    // Few ticks: the chart is short, and crowded labels are elided.
    setNiceRange(m_values, std::max(0.0, lo - 1.5 * span), std::min(100.0, hi + 0.6 * span), 0.0, 100.0, 3);
}

std::pair<double, double> AccuracyChart::axisRange() const
{
    return {m_values->min(), m_values->max()};
}

} // namespace dropoutlab::ui
