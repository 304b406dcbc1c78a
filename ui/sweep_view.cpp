#include "sweep_view.h"

#include "chart_axes.h"
#include "chart_view.h"
#include "curves_view.h"
#include "heat_map.h"
#include "sweep_plots.h"
#include "runs_model.h"

#include "dropoutlab/core/errors.h"

#include <algorithm>
#include <QCategoryAxis>
#include <QChart>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QScatterSeries>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>

namespace dropoutlab::ui {
namespace {

const QColor kMeanColor(0x4e, 0x79, 0xa7);
const QColor kBestColor(0xe1, 0x57, 0x59);

QString pct(double fraction, int decimals = 2)
{
    return QString::number(100.0 * fraction, 'f', decimals);
}

QString axisTitle(const std::string& parameter)
{
    for (const auto& setting : sweepSettings()) {
        if (setting.name == parameter)
            return QObject::tr(setting.label.c_str());
    }
    return QObject::tr("Dropout rate at %1").arg(QString::fromStdString(parameter));
}

/// A vertical error bar with caps, as one polyline.
QLineSeries* errorBar(double x, double lo, double hi, double cap, const QColor& color)
{
    auto* series = new QLineSeries;
    series->append({{x - cap, lo}, {x + cap, lo}, {x, lo}, {x, hi}, {x - cap, hi}, {x + cap, hi}});
    QPen pen(color);
    pen.setWidthF(1.5);
    series->setPen(pen);
    return series;
}

void clearChart(QChart* chart)
{
    chart->removeAllSeries();
    for (QAbstractAxis* axis : chart->axes()) {
        chart->removeAxis(axis);
        delete axis;
    }
}

/// Mean ± std of one metric against the axis value, with error bars and the best point marked.
void fillMeanChart(QChart* chart, const std::vector<double>& xs, const std::vector<Stats>& stats, double scale,
                   int best, const QString& xTitle, const QString& yTitle, const QString& meanName)
{
    clearChart(chart);
    // Ticks exactly at the swept values.
    auto* x = new QCategoryAxis;
    x->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    auto* y = new QValueAxis;
    x->setTitleText(xTitle);
    y->setTitleText(yTitle);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    if (xs.empty())
        return;
    const double xMin = *std::min_element(xs.begin(), xs.end());
    const double xMax = *std::max_element(xs.begin(), xs.end());
    const double pad = xMax > xMin ? 0.08 * (xMax - xMin) : 0.1;
    const double cap = pad * 0.25;

    auto* mean = new QLineSeries;
    mean->setName(meanName);
    QPen pen(kMeanColor);
    pen.setWidthF(2.0);
    mean->setPen(pen);
    mean->setPointsVisible(true);
    double lo = 1e300;
    double hi = -1e300;
    std::vector<QLineSeries*> bars;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        if (stats[i].count == 0)
            continue;
        const double m = scale * stats[i].mean;
        const double s = scale * stats[i].std;
        mean->append(xs[i], m);
        lo = std::min(lo, m - s);
        hi = std::max(hi, m + s);
        if (stats[i].count > 1)
            bars.push_back(errorBar(xs[i], m - s, m + s, cap, kMeanColor));
    }
    chart->addSeries(mean);
    for (QLineSeries* bar : bars) {
        chart->addSeries(bar);
        markAsDecoration(chart, bar);
    }
    if (best >= 0 && stats[static_cast<std::size_t>(best)].count > 0) {
        auto* star = new QScatterSeries;
        star->setName(QObject::tr("best point"));
        star->setColor(kBestColor);
        star->setBorderColor(kBestColor.darker(140));
        star->setMarkerSize(14);
        star->append(xs[static_cast<std::size_t>(best)], scale * stats[static_cast<std::size_t>(best)].mean);
        chart->addSeries(star);
    }
    for (QAbstractSeries* series : chart->series()) {
        series->attachAxis(x);
        series->attachAxis(y);
    }
    x->setRange(xMin - pad, xMax + pad);
    std::vector<double> ticks = xs;
    std::sort(ticks.begin(), ticks.end());
    ticks.erase(std::unique(ticks.begin(), ticks.end()), ticks.end());
    for (const double value : ticks)
        x->append(QString::number(value, 'g', 4), value);
    if (lo <= hi)
        setNiceRange(y, lo, hi, -1e300, 1e300);
}

} // namespace

SweepView::SweepView(RunsModel* model, QWidget* parent)
    : QWidget(parent), m_model(model), m_sweeps(new QComboBox), m_sliceLabel(new QLabel), m_slice(new QComboBox),
      m_stack(new QStackedWidget),
      m_accuracyChart(new QChart), m_gapChart(new QChart), m_heatMap(new HeatMap), m_message(new QLabel),
      m_table(new QTableWidget), m_pointA(new QComboBox), m_pointB(new QComboBox), m_comparison(new QLabel)
{
    const auto chartView = [this](QChart* chart, const QString& title, const QString& stem) {
        styleChart(chart, title);
        auto* view = new ChartView(chart, stem);
        connect(view, &ChartView::zoomWasReset, this, &SweepView::refresh);
        return view;
    };
    m_accuracyView = chartView(m_accuracyChart, tr("Test accuracy"), QStringLiteral("sweep-test-accuracy"));
    m_gapView = chartView(m_gapChart, tr("Train−validation gap"), QStringLiteral("sweep-gap"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Sweep:")));
    top->addWidget(m_sweeps, 1);
    m_sliceLabel->setText(tr("Heat map at"));
    m_slice->setObjectName(QStringLiteral("heatMapSlice"));
    m_slice->setToolTip(tr("A sweep with three or more axes: the heat map shows the first two axes at these values "
                           "of the others"));
    top->addWidget(m_sliceLabel);
    top->addWidget(m_slice);
    m_sliceLabel->hide();
    m_slice->hide();
    layout->addLayout(top);

    auto* oneAxis = new QWidget;
    auto* charts = new QHBoxLayout(oneAxis);
    charts->setContentsMargins(0, 0, 0, 0);
    charts->addWidget(m_accuracyView);
    charts->addWidget(m_gapView);
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_stack->addWidget(oneAxis);
    m_parallel = new ParallelCoordinates;
    m_marginals = new MarginalPlots;
    m_gridTabs = new QTabWidget;
    m_gridTabs->setObjectName(QStringLiteral("sweepGridTabs"));
    m_gridTabs->addTab(m_heatMap, tr("Heat map"));
    m_gridTabs->addTab(m_parallel, tr("Parallel coordinates"));
    m_gridTabs->addTab(m_marginals, tr("Marginals"));
    m_stack->addWidget(m_gridTabs);
    m_stack->addWidget(m_message);

    auto* splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(m_stack);
    QWidget* bottom = buildPointsTable();
    splitter->addWidget(bottom);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    layout->addWidget(splitter, 1);

    m_message->setText(tr("No sweep yet: use Run > Dropout Sweep… or File > Open Sweep Folder…"));
    m_stack->setCurrentWidget(m_message);

    m_timer.setInterval(300);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &SweepView::refresh);
    connect(m_model, &RunsModel::runChanged, this, &SweepView::scheduleRefresh);
    connect(m_model, &RunsModel::runAdded, this, &SweepView::scheduleRefresh);
    connect(m_model, &RunsModel::runRemoved, this, &SweepView::scheduleRefresh);
    connect(m_sweeps, &QComboBox::currentIndexChanged, this, &SweepView::refresh);
    connect(m_slice, &QComboBox::activated, this, &SweepView::refresh);
    auto recompare = [this] { compare(m_pointA->currentIndex(), m_pointB->currentIndex()); };
    connect(m_pointA, &QComboBox::activated, this, recompare);
    connect(m_pointB, &QComboBox::activated, this, recompare);
}

QWidget* SweepView::buildPointsTable()
{
    auto* bottom = new QWidget;
    auto* bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    m_table->setColumnCount(7);
    m_table->setHorizontalHeaderLabels({tr("Point"), tr("Runs"), tr("Test acc. mean ± std (%)"), tr("Min – max (%)"),
                                        tr("Best val. mean (%)"), tr("Gap mean, dropout off (pts)"), tr("Stopped")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    bottomLayout->addWidget(m_table, 1);
    auto* compareRow = new QHBoxLayout;
    compareRow->addWidget(new QLabel(tr("Compare")));
    compareRow->addWidget(m_pointA, 1);
    compareRow->addWidget(new QLabel(tr("with")));
    compareRow->addWidget(m_pointB, 1);
    bottomLayout->addLayout(compareRow);
    m_comparison->setWordWrap(true);
    m_comparison->setTextInteractionFlags(Qt::TextSelectableByMouse);
    bottomLayout->addWidget(m_comparison);
    return bottom;
}

void SweepView::scheduleRefresh()
{
    if (!m_specs.empty() && !m_timer.isActive())
        m_timer.start();
}

void SweepView::showSweep(const QString& folder, const SweepSpec& spec)
{
    const bool known = m_specs.count(folder) > 0;
    m_specs[folder] = spec;
    if (!known)
        m_sweeps->addItem(QStringLiteral("%1 — %2").arg(QString::fromStdString(spec.name), folder), folder);
    m_sweeps->setCurrentIndex(m_sweeps->findData(folder));
    refresh();
}

QString SweepView::title() const
{
    return m_sweeps->currentText();
}

void SweepView::refresh()
{
    m_timer.stop();
    const QString folder = m_sweeps->currentData().toString();
    const auto it = m_specs.find(folder);
    if (it == m_specs.end())
        return;
    const SweepSpec& spec = it->second;
    std::vector<RunRecord> records;
    for (const auto& e : m_model->entries()) {
        if (e.sweepFolder != folder)
            continue;
        records.push_back(toRunRecord(e));
    }
    const int previousA = m_pointA->currentIndex();
    const int previousB = m_pointB->currentIndex();
    m_summaries = aggregateSweep(spec, records);
    if (spec.axes.size() == 1) {
        rebuildOneAxis(spec);
        m_stack->setCurrentIndex(0);
    } else {
        rebuildTwoAxes(spec);
        m_stack->setCurrentIndex(1);
    }
    rebuildTable();
    rebuildComparisonChoices();
    if (previousA >= 0 && previousB >= 0 && previousA < m_pointA->count() && previousB < m_pointB->count())
        compare(previousA, previousB);
}

int SweepView::bestPoint() const
{
    int best = -1;
    for (std::size_t i = 0; i < m_summaries.size(); ++i) {
        if (m_summaries[i].completedRuns == 0)
            continue;
        if (best < 0 || m_summaries[i].testAccuracy.mean > m_summaries[static_cast<std::size_t>(best)].testAccuracy.mean)
            best = static_cast<int>(i);
    }
    return best;
}

void SweepView::rebuildOneAxis(const SweepSpec& spec)
{
    std::vector<double> xs;
    std::vector<Stats> accuracy;
    std::vector<Stats> gap;
    for (const auto& p : m_summaries) {
        xs.push_back(p.point.values.front().second);
        accuracy.push_back(p.testAccuracy);
        gap.push_back(p.gap);
    }
    const QString xTitle = axisTitle(spec.axes.front().parameter);
    const int best = bestPoint();
    m_accuracyChart->setTitle(tr("Test accuracy (mean ± std over %n seed(s))", "", spec.repeats));
    m_accuracyView->keepZoomWhile([&] {
        fillMeanChart(m_accuracyChart, xs, accuracy, 100.0, best, xTitle, tr("Test accuracy (%)"), tr("mean test accuracy"));
    });
    m_gapChart->setTitle(tr("Train−validation gap at the last epoch (both with dropout off)"));
    m_gapView->keepZoomWhile(
        [&] { fillMeanChart(m_gapChart, xs, gap, 100.0, -1, xTitle, tr("Gap (percentage points)"), tr("mean gap")); });
}

void SweepView::rebuildTwoAxes(const SweepSpec& spec)
{
    const auto& rows = spec.axes[0].values;
    const auto& columns = spec.axes[1].values;
    // Points run through the grid with the last axis fastest: point (r, c, s) is
    // (r * columns + c) * slices + s, where s counts the combinations of axes 3...
    std::size_t slices = 1;
    for (std::size_t a = 2; a < spec.axes.size(); ++a)
        slices *= spec.axes[a].values.size();
    const bool sliced = slices > 1 || spec.axes.size() > 2;
    m_slice->setVisible(sliced);
    m_sliceLabel->setVisible(sliced);
    if (sliced) {
        const int keep = m_slice->currentIndex();
        m_slice->clear();
        for (std::size_t s = 0; s < slices && s < m_summaries.size(); ++s) {
            std::string label;
            const auto& values = m_summaries[s].point.values;
            for (std::size_t a = 2; a < values.size(); ++a)
                label += (label.empty() ? "" : ", ") + values[a].first + "=" + QString::number(values[a].second).toStdString();
            m_slice->addItem(QString::fromStdString(label));
        }
        m_slice->setCurrentIndex(std::clamp(keep, 0, m_slice->count() - 1));
    }
    const std::size_t slice = sliced ? static_cast<std::size_t>(std::max(0, m_slice->currentIndex())) : 0;
    std::vector<std::vector<HeatMap::Cell>> cells(rows.size(), std::vector<HeatMap::Cell>(columns.size()));
    int bestRow = -1;
    int bestColumn = -1;
    const int best = bestPoint();
    for (std::size_t r = 0; r < rows.size(); ++r) {
        for (std::size_t c = 0; c < columns.size(); ++c) {
            const std::size_t i = (r * columns.size() + c) * slices + slice;
            if (i >= m_summaries.size())
                continue;
            if (static_cast<int>(i) == best) {
                bestRow = static_cast<int>(r);
                bestColumn = static_cast<int>(c);
            }
            const auto& p = m_summaries[i];
            HeatMap::Cell& cell = cells[r][c];
            if (p.completedRuns == 0)
                continue;
            cell.valid = true;
            cell.value = 100.0 * p.testAccuracy.mean;
            cell.text = pct(p.testAccuracy.mean) + QStringLiteral(" %");
            if (p.completedRuns > 1)
                cell.text += QStringLiteral("\n± ") + pct(p.testAccuracy.std);
        }
    }
    QStringList rowLabels;
    QStringList columnLabels;
    for (const double v : rows)
        rowLabels << QString::number(v);
    for (const double v : columns)
        columnLabels << QString::number(v);
    QString title = tr("Mean test accuracy (%, ± std over %n seed(s)); best outlined", "", spec.repeats);
    if (sliced)
        title = tr("Mean test accuracy (%, ± std over %n seed(s)) at %1; best of the sweep outlined", "", spec.repeats)
                    .arg(m_slice->currentText());
    m_heatMap->setData(title, axisTitle(spec.axes[0].parameter), rowLabels, axisTitle(spec.axes[1].parameter),
                       columnLabels, cells, bestRow, bestColumn);
    m_parallel->setData(spec, m_summaries, best);
    m_marginals->setData(spec, m_summaries);
}

void SweepView::rebuildTable()
{
    m_table->setRowCount(static_cast<int>(m_summaries.size()));
    const int best = bestPoint();
    for (std::size_t i = 0; i < m_summaries.size(); ++i) {
        const auto& p = m_summaries[i];
        const bool any = p.completedRuns > 0;
        const QStringList cells = {
            QString::fromStdString(p.point.label()),
            QStringLiteral("%1/%2").arg(p.completedRuns).arg(p.plannedRuns),
            any ? pct(p.testAccuracy.mean) + QStringLiteral(" ± ") + pct(p.testAccuracy.std) : QString(),
            any ? pct(p.testAccuracy.min) + QStringLiteral(" – ") + pct(p.testAccuracy.max) : QString(),
            any ? pct(p.bestValAccuracy.mean) : QString(),
            any ? pct(p.gap.mean) : QString(),
            p.stoppedRuns ? QString::number(p.stoppedRuns) : QString(),
        };
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (c > 0)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (static_cast<int>(i) == best) {
                QFont bold = item->font();
                bold.setBold(true);
                item->setFont(bold);
            }
            m_table->setItem(static_cast<int>(i), c, item);
        }
    }
}

void SweepView::rebuildComparisonChoices()
{
    QStringList labels;
    for (const auto& p : m_summaries)
        labels << QString::fromStdString(p.point.label());
    QStringList existing;
    for (int i = 0; i < m_pointA->count(); ++i)
        existing << m_pointA->itemText(i);
    if (labels == existing)
        return;
    m_pointA->clear();
    m_pointB->clear();
    m_pointA->addItems(labels);
    m_pointB->addItems(labels);
    // Default question: the best point against the point without dropout (else the first).
    int baseline = 0;
    for (std::size_t i = 0; i < m_summaries.size(); ++i) {
        bool zero = !m_summaries[i].point.values.empty();
        for (const auto& [parameter, value] : m_summaries[i].point.values)
            zero = zero && !isSweepHyperparameter(parameter) && value == 0.0;
        if (zero) {
            baseline = static_cast<int>(i);
            break;
        }
    }
    const int best = bestPoint();
    compare(best >= 0 && best != baseline ? best : (baseline == 0 && labels.size() > 1 ? 1 : 0), baseline);
}

QString SweepView::compare(int a, int b)
{
    if (a < 0 || b < 0 || a >= static_cast<int>(m_summaries.size()) || b >= static_cast<int>(m_summaries.size()))
        return {};
    m_pointA->setCurrentIndex(a);
    m_pointB->setCurrentIndex(b);
    const auto& pa = m_summaries[static_cast<std::size_t>(a)];
    const auto& pb = m_summaries[static_cast<std::size_t>(b)];
    QString text;
    try {
        const WelchResult w = welchTest(pa.testAccuracies, pb.testAccuracies);
        const bool significant = w.pValue < 0.05;
        text = tr("<b>%1</b> minus <b>%2</b>: %3 pts test accuracy (95 % CI %4 to %5); Welch's t = %6, df = %7, "
                  "p = %8 — %9")
                   .arg(QString::fromStdString(pa.point.label()), QString::fromStdString(pb.point.label()))
                   .arg(100.0 * w.difference, 0, 'f', 3)
                   .arg(100.0 * w.ciLow, 0, 'f', 3)
                   .arg(100.0 * w.ciHigh, 0, 'f', 3)
                   .arg(w.t, 0, 'f', 2)
                   .arg(w.degreesOfFreedom, 0, 'f', 1)
                   .arg(w.pValue, 0, 'g', 3)
                   .arg(significant ? tr("a real difference at the 5 % level")
                                    : tr("not distinguishable from seed noise at the 5 % level"));
    } catch (const ConfigError& error) {
        text = tr("%1 vs %2: %3")
                   .arg(QString::fromStdString(pa.point.label()), QString::fromStdString(pb.point.label()),
                        QString::fromStdString(error.what()));
    }
    m_comparison->setText(text);
    return text;
}

QString SweepView::comparisonText() const
{
    return m_comparison->text();
}

std::vector<std::pair<QWidget*, QString>> SweepView::exportables() const
{
    if (m_stack->currentIndex() == 0)
        return {{m_accuracyView, QStringLiteral("sweep-test-accuracy")}, {m_gapView, QStringLiteral("sweep-gap")}};
    if (m_stack->currentIndex() == 1)
        return {{m_heatMap, QStringLiteral("sweep-heat-map")},
                {m_parallel, QStringLiteral("sweep-parallel-coordinates")},
                {m_marginals, QStringLiteral("sweep-marginals")}};
    return {};
}

} // namespace dropoutlab::ui
