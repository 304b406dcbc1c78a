#include "curves_view.h"

#include "chart_axes.h"
#include "chart_view.h"
#include "runs_model.h"

#include "dropoutlab/sweep.h"

#include <QAreaSeries>
#include <QChart>
#include <QCheckBox>
#include <QHBoxLayout>
#include <QVBoxLayout>
#include <QGridLayout>
#include <QLegendMarker>
#include <QLineSeries>
#include <QToolTip>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace dropoutlab::ui {
namespace {

constexpr int kRedrawMs = 100;

} // namespace

CurvesView::CurvesView(RunsModel* model, QWidget* parent)
    : QWidget(parent), m_model(model)
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    auto* options = new QHBoxLayout;
    m_groupBox = new QCheckBox(tr("Group sweep runs by point (mean ± std)"));
    m_individualBox = new QCheckBox(tr("Show individual runs"));
    m_individualBox->setEnabled(false);
    options->addWidget(m_groupBox);
    options->addWidget(m_individualBox);
    options->addStretch(1);
    outer->addLayout(options);
    connect(m_groupBox, &QCheckBox::toggled, this, &CurvesView::setGrouped);
    connect(m_individualBox, &QCheckBox::toggled, this, &CurvesView::setShowIndividualRuns);
    auto* grid = new QGridLayout;
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(4);
    outer->addLayout(grid, 1);
    const std::array<std::tuple<Metric, QString, QString, QString>, 4> specs = {{
        {Metric::TrainLoss, tr("Training loss"), tr("Cross-entropy loss"), QStringLiteral("training-loss")},
        {Metric::ValLoss, tr("Validation loss"), tr("Cross-entropy loss"), QStringLiteral("validation-loss")},
        {Metric::TrainAccuracy, tr("Training accuracy"), tr("Accuracy (%)"), QStringLiteral("training-accuracy")},
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
        panel.view = new ChartView(panel.chart, stem, this);
        grid->addWidget(panel.view, static_cast<int>(i / 2), static_cast<int>(i % 2));
        rescale(panel);
    }

    connect(m_model, &RunsModel::runAdded, this, &CurvesView::addRun);
    connect(m_model, &RunsModel::runRemoved, this, &CurvesView::removeRun);
    connect(m_model, &RunsModel::runChanged, this, &CurvesView::markDirty);
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        for (const auto& e : m_model->entries())
            markDirty(e.id);
    });
    m_timer.setInterval(kRedrawMs);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &CurvesView::flush);
    for (const auto& e : m_model->entries())
        addRun(e.id);
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
        panel.series[id] = addSeries(panel, id, *entry, false);
        if (isTraining(panel.metric))
            panel.offSeries[id] = addSeries(panel, id, *entry, true);
    }
    markDirty(id);
}

QLineSeries* CurvesView::addSeries(Panel& panel, int id, const RunEntry& entry, bool dropoutOff)
{
    auto* series = new QLineSeries;
    series->setName(entry.name());
    QPen pen(entry.color);
    pen.setWidthF(2.0);
    if (dropoutOff)
        pen.setStyle(Qt::DashLine);
    series->setPen(pen);
    series->setPointsVisible(!isTraining(panel.metric));
    series->setVisible(false);  // until it has points
    panel.chart->addSeries(series);
    series->attachAxis(panel.x);
    series->attachAxis(panel.y);
    const bool loss = isLoss(panel.metric);
    const QString title = panel.chart->title();
    connect(series, &QLineSeries::hovered, this, [series, loss, title](const QPointF& point, bool state) {
        if (!state) {
            QToolTip::hideText();
            return;
        }
        const QString value = loss ? QString::number(point.y(), 'f', 4) : QString::number(point.y(), 'f', 2) + " %";
        QToolTip::showText(QCursor::pos(), QStringLiteral("<b>%1</b><br>%2 at epoch %3: %4")
                                               .arg(series->name().toHtmlEscaped(), title)
                                               .arg(point.x(), 0, 'f', 2)
                                               .arg(value));
    });
    // Clicking a legend entry hides the run everywhere (the runs table brings it back).
    for (QLegendMarker* marker : panel.chart->legend()->markers(series))
        connect(marker, &QLegendMarker::clicked, this, [this, id] { m_model->setVisible(id, false); });
    return series;
}

void CurvesView::removeRun(int id)
{
    for (Panel& panel : m_panels) {
        for (auto* map : {&panel.series, &panel.offSeries}) {
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
            group.lower->append(x, stats.mean - stats.std);
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
            series->attachAxis(panel.y);
        }
        for (QLegendMarker* marker : panel.chart->legend()->markers(group.band))
            marker->setVisible(false);
        panel.groups[key] = group;
    }
}

void CurvesView::markDirty(int id)
{
    m_dirty.insert(id);
    if (!m_timer.isActive())
        m_timer.start();
}

void CurvesView::flush()
{
    m_timer.stop();
    const QSet<int> dirty = std::exchange(m_dirty, {});
    for (const int id : dirty) {
        const RunEntry* entry = m_model->find(id);
        if (!entry)
            continue;
        for (Panel& panel : m_panels)
            rebuild(panel, *entry);
    }
    if (!dirty.isEmpty()) {
        for (Panel& panel : m_panels) {
            rebuildGroups(panel);
            rescale(panel);
        }
    }
}

void CurvesView::rebuild(Panel& panel, const RunEntry& entry)
{
    const auto it = panel.series.find(entry.id);
    if (it == panel.series.end())
        return;
    QLineSeries* series = it->second;
    QList<QPointF> points;
    points.reserve(static_cast<int>(entry.result.epochs.size()) + 1);
    for (const auto& m : entry.result.epochs) {
        switch (panel.metric) {
        case Metric::TrainLoss: points.append({double(m.epoch), m.trainLoss}); break;
        case Metric::ValLoss: points.append({double(m.epoch), m.valLoss}); break;
        case Metric::TrainAccuracy: points.append({double(m.epoch), 100.0 * m.trainAccuracy}); break;
        case Metric::ValAccuracy: points.append({double(m.epoch), 100.0 * m.valAccuracy}); break;
        }
    }
    // Training curves advance within the epoch: the running mean of the epoch so far.
    const BatchProgress& p = entry.progress;
    const bool live = entry.state == RunState::Running && p.batch > 0 && p.batchesPerEpoch > 0 &&
                      p.epoch > static_cast<int>(entry.result.epochs.size());
    if (live && panel.metric == Metric::TrainLoss)
        points.append({p.epoch - 1 + double(p.batch) / p.batchesPerEpoch, p.loss});
    if (live && panel.metric == Metric::TrainAccuracy)
        points.append({p.epoch - 1 + double(p.batch) / p.batchesPerEpoch, 100.0 * p.accuracy});
    series->replace(points);
    const bool shown = entry.visible && (!isGroupedRun(entry) || m_showIndividual);
    // A run without points (still queued) stays out of the legend.
    series->setVisible(shown && !points.isEmpty());
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
    off->second->replace(offPoints);
    off->second->setVisible(shown && !offPoints.isEmpty());
    off->second->setName(entry.name() + tr(" (dropout off)"));
    series->setName(offPoints.isEmpty() ? entry.name() : entry.name() + tr(" (dropout on)"));
    if (isGroupedRun(entry) && m_showIndividual) {
        QPen pen = off->second->pen();
        pen.setWidthF(1.0);
        off->second->setPen(pen);
    }
}

void CurvesView::rescale(Panel& panel)
{
    int epochs = 1;
    double lo = std::numeric_limits<double>::max();
    double hi = std::numeric_limits<double>::lowest();
    for (const auto& [id, series] : panel.series) {
        const RunEntry* entry = m_model->find(id);
        if (!entry || !entry->visible)
            continue;
        epochs = std::max(epochs, entry->config.epochs);
        const auto off = panel.offSeries.find(id);
        for (const QLineSeries* drawn : {series, off == panel.offSeries.end() ? nullptr : off->second}) {
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

} // namespace dropoutlab::ui
