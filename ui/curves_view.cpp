#include "curves_view.h"

#include "chart_axes.h"
#include "chart_view.h"
#include "runs_model.h"

#include "dropoutlab/core/sweep.h"

#include <QAreaSeries>
#include <QChart>
#include <QCheckBox>
#include <QHBoxLayout>
#include <QVBoxLayout>
#include <QGridLayout>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QSlider>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

namespace dropoutlab::ui {
namespace {

// At most 4 redraws a second: each redraw of the four charts takes a core from a training thread
// (BENCHMARKS.md, "The app as fast as the CLI").
constexpr int kRedrawMs = 250;
constexpr int kSmoothingSteps = 99;  // the slider: 0.00 to 0.99

} // namespace

QList<QPointF> emaSmoothed(const QList<QPointF>& points, double weight)
{
    if (weight <= 0.0)
        return points;
    QList<QPointF> out;
    out.reserve(points.size());
    double last = 0.0;
    double debias = 1.0;
    for (const QPointF& p : points) {
        last = last * weight + (1.0 - weight) * p.y();
        debias *= weight;  // weight^n
        out.append({p.x(), last / (1.0 - debias)});
    }
    return out;
}

CurvesView::CurvesView(RunsModel* model, QWidget* parent)
    : QWidget(parent), m_model(model)
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(buildOptions());
    auto* grid = new QGridLayout;
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(4);
    outer->addLayout(grid, 1);
    const std::array<std::tuple<Metric, QString, QString, QString>, 4> specs = {{
        {Metric::TrainLoss, tr("Training loss (dashed: dropout off)"), tr("Cross-entropy loss"),
         QStringLiteral("training-loss")},
        {Metric::ValLoss, tr("Validation loss"), tr("Cross-entropy loss"), QStringLiteral("validation-loss")},
        {Metric::TrainAccuracy, tr("Training accuracy (dashed: dropout off)"), tr("Accuracy (%)"),
         QStringLiteral("training-accuracy")},
        {Metric::ValAccuracy, tr("Validation accuracy"), tr("Accuracy (%)"), QStringLiteral("validation-accuracy")},
    }};
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const auto& [metric, title, yTitle, stem] = specs[i];
        Panel& panel = m_panels[i];
        panel.metric = metric;
        panel.chart = new QChart;
        styleChart(panel.chart, title);
        panel.x = new QValueAxis;
        panel.x->setTitleText(tr("Epoch"));
        panel.x->setLabelFormat(QStringLiteral("%d"));
        panel.x->setRange(0, 10);
        panel.y = new QValueAxis;
        panel.y->setTitleText(yTitle);
        panel.y->setLabelFormat(isLoss(metric) ? QStringLiteral("%.2f") : QStringLiteral("%.1f"));
        panel.chart->addAxis(panel.x, Qt::AlignBottom);
        panel.chart->addAxis(panel.y, Qt::AlignLeft);
        if (isLoss(metric)) {
            panel.yLog = new QLogValueAxis(this);  // owned here while not in the chart
            panel.yLog->setTitleText(yTitle);
            panel.yLog->setBase(10.0);
            panel.yLog->setLabelFormat(QStringLiteral("%.3g"));
            panel.yLog->setMinorTickCount(8);
        }
        panel.view = new ChartView(panel.chart, stem, this);
        connect(panel.view, &ChartView::zoomWasReset, this, [this, i] { rescale(m_panels[i]); });
        grid->addWidget(panel.view, static_cast<int>(i / 2), static_cast<int>(i % 2));
        rescale(panel);
    }

    grid->addWidget(buildRatesChart(), 2, 0, 1, 2);
    grid->setRowStretch(0, 3);
    grid->setRowStretch(1, 3);
    grid->setRowStretch(2, 2);
    m_ratesView->setVisible(false);

    connect(m_model, &RunsModel::runAdded, this, &CurvesView::scheduleSync);
    connect(m_model, &RunsModel::runRemoved, this, [this](int id) {
        removeRun(id);
        refreshRates();
        scheduleSync();
    });
    connect(m_model, &RunsModel::runChanged, this, [this](int id) {
        markDirty(id);
        scheduleSync();  // its visibility may have changed
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        scheduleSync();
        for (const auto& [id, series] : m_panels[0].series)
            markDirty(id);
    });
    m_timer.setInterval(kRedrawMs);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &CurvesView::flushStep);
    syncChartedRuns(std::numeric_limits<std::size_t>::max());
}

std::vector<int> CurvesView::chartedRuns(int* shown) const
{
    std::vector<int> ids;
    for (const RunEntry* e : m_model->recentEntries(kMaxChartedRuns, [](const RunEntry& r) { return r.visible; }, shown))
        ids.push_back(e->id);
    return ids;
}

void CurvesView::scheduleSync()
{
    m_syncPending = true;
    if (!m_timer.isActive())
        m_timer.start();
}

void CurvesView::syncChartedRuns(std::size_t maxAdded)
{
    m_syncPending = false;
    int visible = 0;
    const std::vector<int> wanted = chartedRuns(&visible);
    const std::set<int> wantedSet(wanted.begin(), wanted.end());
    std::vector<int> leaving;
    for (const auto& [id, series] : m_panels[0].series) {
        if (wantedSet.count(id) == 0)
            leaving.push_back(id);
    }
    for (const int id : leaving)
        removeRun(id);
    if (!leaving.empty())
        refreshRates();
    std::size_t added = 0;
    for (auto it = wanted.rbegin(); it != wanted.rend(); ++it) {  // oldest first: the legend's order
        if (m_panels[0].series.count(*it) != 0)
            continue;
        if (added++ == maxAdded) {
            m_syncPending = true;  // the rest next time
            break;
        }
        addRun(*it);
    }
    const bool limited = static_cast<std::size_t>(visible) > wanted.size();
    m_limitLabel->setVisible(limited);
    if (limited) {
        m_limitLabel->setText(tr("Showing the %1 most recent of %2 shown runs").arg(wanted.size()).arg(visible));
        m_limitLabel->setToolTip(tr("The charts draw at most %1 runs. Hide runs in the table (or filter it and "
                                    "hide the rest) to chart older ones.")
                                     .arg(kMaxChartedRuns));
    }
}

QWidget* CurvesView::buildOptions()
{
    auto* row = new QWidget;
    auto* options = new QHBoxLayout(row);
    options->setContentsMargins(0, 0, 0, 0);
    m_groupBox = new QCheckBox(tr("Group sweep runs by point (mean ± std)"));
    m_individualBox = new QCheckBox(tr("Show individual runs"));
    m_individualBox->setEnabled(false);
    m_logBox = new QCheckBox(tr("Log scale (loss)"));
    m_logBox->setToolTip(tr("A logarithmic y axis on the two loss charts"));
    m_smoothingSlider = new QSlider(Qt::Horizontal);
    m_smoothingSlider->setRange(0, kSmoothingSteps);
    m_smoothingSlider->setMaximumWidth(160);
    m_smoothingSlider->setToolTip(tr("Exponential moving average of every curve, as in TensorBoard (0: off); "
                                     "the raw curves stay faint behind"));
    m_smoothingLabel = new QLabel;
    m_smoothingLabel->setMinimumWidth(m_smoothingLabel->fontMetrics().horizontalAdvance(QStringLiteral("0.00 ")));
    auto* smoothingTitle = new QLabel(tr("&Smoothing"));
    smoothingTitle->setBuddy(m_smoothingSlider);
    options->addWidget(m_groupBox);
    options->addWidget(m_individualBox);
    options->addStretch(1);
    m_limitLabel = new QLabel;
    m_limitLabel->setVisible(false);
    options->addWidget(m_limitLabel);
    options->addSpacing(12);
    options->addWidget(m_logBox);
    options->addSpacing(12);
    options->addWidget(smoothingTitle);
    options->addWidget(m_smoothingSlider);
    options->addWidget(m_smoothingLabel);
    connect(m_groupBox, &QCheckBox::toggled, this, &CurvesView::setGrouped);
    connect(m_individualBox, &QCheckBox::toggled, this, &CurvesView::setShowIndividualRuns);
    connect(m_logBox, &QCheckBox::toggled, this, &CurvesView::setLogScale);
    connect(m_smoothingSlider, &QSlider::valueChanged, this,
            [this](int value) { setSmoothing(static_cast<double>(value) / 100.0); });
    m_smoothingLabel->setText(QStringLiteral("0.00"));
    return row;
}

void CurvesView::setSmoothing(double weight)
{
    weight = std::clamp(weight, 0.0, kSmoothingSteps / 100.0);
    if (weight == m_smoothing)
        return;
    m_smoothing = weight;
    const QSignalBlocker block(m_smoothingSlider);
    m_smoothingSlider->setValue(static_cast<int>(std::lround(weight * 100.0)));
    m_smoothingLabel->setText(QString::number(weight, 'f', 2));
    for (const auto& e : m_model->entries())
        markDirty(e.id);
    flush();
}

void CurvesView::setLogScale(bool on)
{
    m_logScale = on;
    const QSignalBlocker block(m_logBox);
    m_logBox->setChecked(on);
    for (Panel& panel : m_panels) {
        if (!panel.yLog)
            continue;
        QAbstractAxis* from = on ? static_cast<QAbstractAxis*>(panel.y) : panel.yLog;
        QAbstractAxis* to = currentY(panel);
        if (!panel.chart->axes(Qt::Vertical).contains(from))
            continue;
        const auto series = panelSeries(panel);
        for (QAbstractSeries* s : series)
            s->detachAxis(from);
        panel.chart->removeAxis(from);
        from->setParent(this);
        panel.chart->addAxis(to, Qt::AlignLeft);
        for (QAbstractSeries* s : series)
            s->attachAxis(to);
        panel.view->resetZoom();  // the old zoom is in the other scale
    }
    for (const auto& e : m_model->entries())
        markDirty(e.id);
    flush();
}

QAbstractAxis* CurvesView::currentY(const Panel& panel) const
{
    if (m_logScale && panel.yLog)
        return panel.yLog;
    return panel.y;
}

std::vector<QAbstractSeries*> CurvesView::panelSeries(const Panel& panel) const
{
    std::vector<QAbstractSeries*> all;
    for (const auto* map : {&panel.series, &panel.raw, &panel.offSeries}) {
        for (const auto& [id, series] : *map)
            all.push_back(series);
    }
    for (const auto& [key, group] : panel.groups) {
        all.push_back(group.band);
        all.push_back(group.mean);
    }
    return all;
}

std::array<ChartView*, 4> CurvesView::chartViews() const
{
    return {m_panels[0].view, m_panels[1].view, m_panels[2].view, m_panels[3].view};
}

void CurvesView::addRun(int id)
{
    const RunEntry* entry = m_model->find(id);
    if (!entry)
        return;
    for (Panel& panel : m_panels) {
        panel.raw[id] = addSeries(panel, id, *entry, Line::Raw);  // first: drawn behind
        panel.series[id] = addSeries(panel, id, *entry, Line::Main);
        if (isTraining(panel.metric))
            panel.offSeries[id] = addSeries(panel, id, *entry, Line::DropoutOff);
    }
    markDirty(id);
}

QLineSeries* CurvesView::addSeries(Panel& panel, int id, const RunEntry& entry, Line line)
{
    auto* series = new QLineSeries;
    series->setName(entry.name());
    QColor color = entry.color;
    if (line == Line::Raw)
        color.setAlphaF(0.28);
    QPen pen(color);
    pen.setWidthF(line == Line::Raw ? 1.0 : 2.0);
    if (line == Line::DropoutOff)
        pen.setStyle(Qt::DashLine);
    series->setPen(pen);
    series->setPointsVisible(!isTraining(panel.metric) && line != Line::Raw);
    series->setVisible(false);  // until it has points
    panel.chart->addSeries(series);
    series->attachAxis(panel.x);
    series->attachAxis(currentY(panel));
    if (line == Line::Raw) {
        markAsDecoration(panel.chart, series);
        return series;
    }
    // Clicking a legend entry hides the run everywhere (the runs table brings it back).
    for (QLegendMarker* marker : panel.chart->legend()->markers(series))
        connect(marker, &QLegendMarker::clicked, this, [this, id] { m_model->setVisible(id, false); });
    return series;
}

void CurvesView::removeRun(int id)
{
    for (Panel& panel : m_panels) {
        for (auto* map : {&panel.series, &panel.raw, &panel.offSeries}) {
            const auto it = map->find(id);
            if (it == map->end())
                continue;
            panel.chart->removeSeries(it->second);
            delete it->second;
            map->erase(it);
        }
        rescale(panel);
    }
    m_dirty.remove(id);
}

void CurvesView::setGrouped(bool grouped)
{
    m_grouped = grouped;
    m_groupBox->setChecked(grouped);
    m_individualBox->setEnabled(grouped);
    for (const auto& e : m_model->entries())
        markDirty(e.id);
    flush();
}

void CurvesView::setShowIndividualRuns(bool show)
{
    m_showIndividual = show;
    m_individualBox->setChecked(show);
    for (const auto& e : m_model->entries())
        markDirty(e.id);
    flush();
}

bool CurvesView::isGroupedRun(const RunEntry& entry) const
{
    return m_grouped && !entry.sweepFolder.isEmpty() && entry.point >= 0;
}

double CurvesView::metricOf(const EpochMetrics& m, Metric metric)
{
    switch (metric) {
    case Metric::TrainLoss: return m.trainLoss;
    case Metric::ValLoss: return m.valLoss;
    case Metric::TrainAccuracy: return 100.0 * m.trainAccuracy;
    case Metric::ValAccuracy: return 100.0 * m.valAccuracy;
    }
    return 0.0;
}

void CurvesView::rebuildGroups(Panel& panel)
{
    for (auto& [key, group] : panel.groups) {
        panel.chart->removeSeries(group.band);
        panel.chart->removeSeries(group.mean);
        delete group.band;  // owns nothing: upper/lower are deleted below
        delete group.upper;
        delete group.lower;
        delete group.mean;
    }
    panel.groups.clear();
    if (!m_grouped)
        return;
    // Per point: the runs' values at each epoch (runs still training contribute their epochs).
    struct Values {
        QString label;
        QColor color;
        std::vector<std::vector<double>> perEpoch;
    };
    std::map<QString, Values> byPoint;
    for (const auto& e : m_model->entries()) {
        if (!isGroupedRun(e) || !e.visible || e.result.epochs.empty())
            continue;
        const QString key = e.sweepFolder + QLatin1Char('#') + QString::number(e.point);
        Values& values = byPoint[key];
        values.label = e.pointLabel;
        values.color = runColor(e.point);
        for (const auto& m : e.result.epochs) {
            if (values.perEpoch.size() < static_cast<std::size_t>(m.epoch))
                values.perEpoch.resize(static_cast<std::size_t>(m.epoch));
            values.perEpoch[static_cast<std::size_t>(m.epoch - 1)].push_back(metricOf(m, panel.metric));
        }
    }
    for (const auto& [key, values] : byPoint) {
        Group group;
        group.mean = new QLineSeries;
        group.upper = new QLineSeries;
        group.lower = new QLineSeries;
        group.mean->setName(values.label);
        for (std::size_t i = 0; i < values.perEpoch.size(); ++i) {
            const auto& v = values.perEpoch[i];
            if (v.empty())
                continue;
            const Stats stats = computeStats(v);
            const double x = static_cast<double>(i + 1);
            group.mean->append(x, stats.mean);
            group.upper->append(x, stats.mean + stats.std);
            // A log axis cannot show the band below zero: it stops at a tenth of the mean.
            group.lower->append(x, m_logScale && isLoss(panel.metric) ? std::max(stats.mean - stats.std, 0.1 * stats.mean)
                                                                      : stats.mean - stats.std);
        }
        QPen pen(values.color);
        pen.setWidthF(2.5);
        group.mean->setPen(pen);
        group.mean->setPointsVisible(true);
        group.band = new QAreaSeries(group.upper, group.lower);
        QColor fill = values.color;
        fill.setAlphaF(0.22);
        group.band->setBrush(fill);
        group.band->setPen(Qt::NoPen);
        panel.chart->addSeries(group.band);
        panel.chart->addSeries(group.mean);
        for (QAbstractSeries* series : {static_cast<QAbstractSeries*>(group.band), static_cast<QAbstractSeries*>(group.mean)}) {
            series->attachAxis(panel.x);
            series->attachAxis(currentY(panel));
        }
        markAsDecoration(panel.chart, group.band);
        panel.groups[key] = group;
    }
}

void CurvesView::setPaused(bool paused)
{
    if (std::exchange(m_paused, paused) && !paused)
        flushStep();
}

void CurvesView::flushStep()
{
    if (m_paused)
        return;
    flush(kRunsAddedPerStep);
    if (m_syncPending)  // more runs to draw: the next few in the next event-loop turn
        QTimer::singleShot(0, this, &CurvesView::flushStep);
}

void CurvesView::markDirty(int id)
{
    // Only charted runs have curves to redraw; any run may change a sweep point's band. (A
    // workspace of 100,000 runs marks every one as it opens.)
    if (m_panels[0].series.count(id) != 0)
        m_dirty.insert(id);
    m_groupsDirty = true;
    if (!m_timer.isActive())
        m_timer.start();
}

void CurvesView::flush(std::size_t maxAdded)
{
    m_timer.stop();
    if (m_syncPending)
        syncChartedRuns(maxAdded);
    const QSet<int> dirty = std::exchange(m_dirty, {});
    for (const int id : dirty) {
        const RunEntry* entry = m_model->find(id);
        if (!entry)
            continue;
        for (Panel& panel : m_panels)
            rebuild(panel, *entry);
    }
    if (std::exchange(m_groupsDirty, false)) {
        for (Panel& panel : m_panels) {
            rebuildGroups(panel);
            rescale(panel);
        }
    }
    if (!dirty.isEmpty())
        refreshRates();
}

ChartView* CurvesView::buildRatesChart()
{
    m_ratesChart = new QChart;
    styleChart(m_ratesChart, tr("Dropout rate in force (scheduled and learned sites)"));
    m_rateX = new QValueAxis;
    m_rateX->setTitleText(tr("Epoch"));
    m_rateX->setLabelFormat(QStringLiteral("%d"));
    m_rateY = new QValueAxis;
    m_rateY->setTitleText(tr("Rate"));
    m_rateY->setLabelFormat(QStringLiteral("%.2f"));
    m_ratesChart->addAxis(m_rateX, Qt::AlignBottom);
    m_ratesChart->addAxis(m_rateY, Qt::AlignLeft);
    m_ratesView = new ChartView(m_ratesChart, QStringLiteral("dropout-rates"), this);
    connect(m_ratesView, &ChartView::zoomWasReset, this, &CurvesView::refreshRates);
    return m_ratesView;
}

void CurvesView::refreshRates()
{
    std::map<std::pair<int, std::string>, QList<QPointF>> lines;
    std::map<std::string, int> sites;  // a dash pattern per site
    int epochs = 1;
    double top = 0.0;
    for (const auto& [id, series] : m_panels[0].series) {
        const RunEntry* e = m_model->find(id);
        if (!e || !e->visible)
            continue;
        bool scheduled = false;
        for (const auto& m : e->result.epochs) {
            for (const auto& [site, rate] : m.dropoutRates) {
                QList<QPointF>& line = lines[{id, site}];
                const auto setting = e->config.dropout.find(site);
                if (line.isEmpty() && setting != e->config.dropout.end())  // where it started (a learned rate: the given one)
                    line.append({0.0, scheduledRate(setting->second, 0)});
                line.append({double(m.epoch), rate});
                sites.emplace(site, static_cast<int>(sites.size()));
                top = std::max(top, rate);
                scheduled = true;
            }
        }
        if (scheduled)
            epochs = std::max({epochs, e->config.epochs, e->result.epochs.back().epoch});
    }
    for (auto it = m_rateSeries.begin(); it != m_rateSeries.end();) {
        if (lines.count(it->first) != 0) {
            ++it;
            continue;
        }
        m_ratesChart->removeSeries(it->second);
        delete it->second;
        it = m_rateSeries.erase(it);
    }
    static const Qt::PenStyle kStyles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine};
    for (const auto& [key, points] : lines) {
        QLineSeries*& series = m_rateSeries[key];
        const RunEntry* e = m_model->find(key.first);
        if (!series) {
            series = new QLineSeries;
            QPen pen(e->color);
            pen.setWidthF(2.0);
            pen.setStyle(kStyles[sites.at(key.second) % 4]);
            series->setPen(pen);
            series->setPointsVisible(true);
            m_ratesChart->addSeries(series);
            series->attachAxis(m_rateX);
            series->attachAxis(m_rateY);
        }
        series->setName(e->name() + QStringLiteral(": ") + QString::fromStdString(key.second));
        series->replace(points);
    }
    m_ratesView->setVisible(!lines.empty());
    if (!m_ratesView->isZoomed()) {
        m_rateX->setRange(0, epochs);
        m_rateX->setTickCount(std::min(epochs, 10) + 1);  // as the curves' epoch axes
        setNiceRange(m_rateY, 0.0, std::max(0.1, top * 1.08), 0.0, 1.0);  // the top point clear of the frame
    }
}

void CurvesView::rebuild(Panel& panel, const RunEntry& entry)
{
    const auto it = panel.series.find(entry.id);
    if (it == panel.series.end())
        return;
    QLineSeries* series = it->second;
    QList<QPointF> points;
    if (isTraining(panel.metric) && !entry.trace.empty()) {
        // A point per progress report: the batches since the previous one.
        points.reserve(static_cast<int>(entry.trace.size()));
        for (const auto& t : entry.trace)
            points.append({t.epoch, panel.metric == Metric::TrainLoss ? t.loss : 100.0 * t.accuracy});
    } else {
        points.reserve(static_cast<int>(entry.result.epochs.size()));
        for (const auto& m : entry.result.epochs)
            points.append({double(m.epoch), metricOf(m, panel.metric)});
    }
    series->replace(emaSmoothed(points, m_smoothing));
    // A line needs two points: a single one (a reopened one-epoch run) is drawn as a dot.
    series->setPointsVisible(!isTraining(panel.metric) || points.size() == 1);
    const bool shown = entry.visible && (!isGroupedRun(entry) || m_showIndividual);
    // A run without points (still queued) stays out of the legend.
    series->setVisible(shown && !points.isEmpty());
    QLineSeries* raw = panel.raw.at(entry.id);
    raw->replace(m_smoothing > 0.0 ? points : QList<QPointF>{});
    raw->setVisible(shown && m_smoothing > 0.0 && !points.isEmpty());
    hideFromLegend(panel.chart, raw);  // setVisible(true) brought its legend entry back
    if (isGroupedRun(entry) && m_showIndividual) {
        QPen pen = series->pen();
        pen.setWidthF(1.0);
        series->setPen(pen);
    }
    const auto off = panel.offSeries.find(entry.id);
    if (off == panel.offSeries.end()) {
        series->setName(entry.name());
        return;
    }
    // The same training metric of a fixed sample, measured after the epoch with dropout off.
    QList<QPointF> offPoints;
    for (const auto& m : entry.result.epochs) {
        if (m.trainEvalLoss && m.trainEvalAccuracy)
            offPoints.append({double(m.epoch), panel.metric == Metric::TrainLoss ? *m.trainEvalLoss
                                                                                  : 100.0 * *m.trainEvalAccuracy});
    }
    off->second->replace(emaSmoothed(offPoints, m_smoothing));
    off->second->setVisible(shown && !offPoints.isEmpty());
    // One legend entry per run; the title says what the dashed line is, the crosshair names it.
    off->second->setName(entry.name() + tr(" (dropout off)"));
    hideFromLegend(panel.chart, off->second);
    series->setName(entry.name());
    if (isGroupedRun(entry) && m_showIndividual) {
        QPen pen = off->second->pen();
        pen.setWidthF(1.0);
        off->second->setPen(pen);
    }
}

void CurvesView::rescale(Panel& panel)
{
    if (panel.view->isZoomed())
        return;  // the user's zoom stays until they reset it
    int epochs = 1;
    double lo = std::numeric_limits<double>::max();
    double hi = std::numeric_limits<double>::lowest();
    for (const auto& [id, series] : panel.series) {
        const RunEntry* entry = m_model->find(id);
        if (!entry || !entry->visible)
            continue;
        epochs = std::max(epochs, entry->config.epochs);
        const auto off = panel.offSeries.find(id);
        for (const QLineSeries* drawn : {series, panel.raw.at(id), off == panel.offSeries.end() ? nullptr : off->second}) {
            if (!drawn || !drawn->isVisible())
                continue;
            for (const QPointF& point : drawn->points()) {
                lo = std::min(lo, point.y());
                hi = std::max(hi, point.y());
            }
        }
    }
    for (const auto& [key, group] : panel.groups) {
        for (const QLineSeries* edge : {group.upper, group.lower}) {
            for (const QPointF& point : edge->points()) {
                lo = std::min(lo, point.y());
                hi = std::max(hi, point.y());
            }
        }
    }
    panel.x->setRange(0, epochs);
    panel.x->setTickCount(std::min(epochs, 10) + 1);
    if (m_logScale && panel.yLog) {
        rescaleLog(panel, lo, hi);
        return;
    }
    if (lo > hi) {
        panel.y->setRange(0, isLoss(panel.metric) ? 1.0 : 100.0);
        return;
    }
    if (isLoss(panel.metric)) {
        setNiceRange(panel.y, 0.0, std::max(hi * 1.05, 1e-3), 0.0, std::numeric_limits<double>::max());
    } else {
        // Zoom to the data: 97-100 % is where these curves live.
        setNiceRange(panel.y, lo, hi, 0.0, 100.0);
    }
}

void CurvesView::rescaleLog(Panel& panel, double lo, double hi)
{
    if (lo > hi || hi <= 0.0) {
        panel.yLog->setRange(0.01, 10.0);
        return;
    }
    // Whole or half decades around the data, so that the labels fall on round values.
    lo = std::max(lo, hi * 1e-6);
    const double floorDecade = std::pow(10.0, std::floor(std::log10(lo)));
    const double ceilDecade = std::pow(10.0, std::ceil(std::log10(hi)));
    panel.yLog->setRange(lo >= 3.0 * floorDecade ? 3.0 * floorDecade : floorDecade,
                         hi <= 0.3 * ceilDecade ? 0.3 * ceilDecade : ceilDecade);
}

} // namespace dropoutlab::ui
