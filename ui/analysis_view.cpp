#include "analysis_view.h"

#include "example_image.h"

#include "chart_axes.h"
#include "chart_view.h"
#include "digit_pad.h"
#include "heat_map.h"
#include "probability_bars.h"
#include "runs_model.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/file_limits.h"

#include <QChart>
#include <QComboBox>
#include <QFile>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace dropoutlab::ui {

namespace {

constexpr int kGalleryMax = 300;
constexpr int kMinBinImages = 10;  // reliability bins with fewer images are noise, not drawn

QValueAxis* addAxis(QChart* chart, Qt::Alignment alignment, const QString& title, const QString& format)
{
    auto* axis = new QValueAxis;
    axis->setTitleText(title);
    axis->setLabelFormat(format);
    chart->addAxis(axis, alignment);
    return axis;
}

QLineSeries* addLine(QChart* chart, const QString& name, const QColor& color, Qt::PenStyle style, double width = 2.0)
{
    auto* series = new QLineSeries;
    series->setName(name);
    QPen pen(color);
    pen.setWidthF(width);
    pen.setStyle(style);
    series->setPen(pen);
    chart->addSeries(series);
    for (QAbstractAxis* axis : chart->axes())
        series->attachAxis(axis);
    return series;
}

QString percentText(double fraction, int decimals = 2)
{
    return QStringLiteral("%1 %").arg(100.0 * fraction, 0, 'f', decimals);
}

/// The summary table's rows for one run: its name as a header row, then one row per prediction
/// (dropout off, then MC).
QStringList summaryRows(const QString& name, const QColor& color, const UncertaintyReport& r)
{
    QStringList rows;
    rows << QStringLiteral("<tr><td colspan=6><b style='color:%1'>%2</b></td></tr>").arg(color.name(), name.toHtmlEscaped());
    for (const auto* scores : {&r.deterministic, r.mc ? &*r.mc : nullptr}) {
        if (!scores)
            continue;
        const bool mc = scores != &r.deterministic;
        const auto tenthIt = std::find_if(scores->rejection.begin(), scores->rejection.end(),
                                          [](const RejectionPoint& p) { return std::abs(p.rejected - 0.1) < 1e-9; });
        const RejectionPoint* tenth = tenthIt == scores->rejection.end() ? nullptr : &*tenthIt;
        rows << QStringLiteral("<tr><td>&nbsp;&nbsp;%1</td><td align=right>%2</td><td align=right>%3</td>"
                               "<td align=right>%4</td><td align=right>%5</td><td align=right>%6</td></tr>")
                    .arg(mc ? AnalysisView::tr("MC, T = %1").arg(r.samples) : AnalysisView::tr("dropout off"),
                         percentText(scores->accuracy), QString::number(scores->nll, 'f', 4),
                         QString::number(scores->ece, 'f', 4), tenth ? percentText(tenth->byEntropy) : QStringLiteral("-"),
                         scores->oodAuroc ? QString::number(*scores->oodAuroc, 'f', 3) : QStringLiteral("-"));
    }
    if (!r.mc)
        rows << QStringLiteral("<tr><td colspan=6>&nbsp;&nbsp;<i>%1</i></td></tr>")
                    .arg(AnalysisView::tr("no active dropout site: MC passes would be identical"));
    return rows;
}

} // namespace

AnalysisView::AnalysisView(RunsModel* model, QWidget* parent) : QWidget(parent), m_model(model)
{
    qRegisterMetaType<UncertaintyReportPtr>();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(buildControls());
    m_pages = new QTabWidget;
    m_pages->addTab(buildCalibrationPage(), tr("Calibration and uncertainty"));
    m_pages->addTab(buildErrorsPage(), tr("Errors"));
    m_padPage = buildPadPage();
    m_pages->addTab(m_padPage, tr("Draw a digit"));
    layout->addWidget(m_pages, 1);

    m_worker = new AnalysisWorker(m_cancel);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(this, &AnalysisView::analyseRequested, m_worker, &AnalysisWorker::analyse);
    connect(m_worker, &AnalysisWorker::progress, this, [this](int index, qint64 done, qint64 total) {
        m_progress->setRange(0, 1000);
        m_progress->setValue(static_cast<int>(1000 * done / std::max<qint64>(total, 1)));
        m_progress->setFormat(tr("%1/%2: %p %").arg(index + 1).arg(m_pendingIds.size()));
    });
    connect(m_worker, &AnalysisWorker::analysed, this, &AnalysisView::onAnalysed);
    connect(m_worker, &AnalysisWorker::failed, this, [this](int index, const QString& message) {
        const RunEntry* entry = index < m_pendingIds.size() ? m_model->find(m_pendingIds[index]) : nullptr;
        m_problems << (entry ? entry->name() + QStringLiteral(": ") : QString()) + message;
    });
    connect(m_worker, &AnalysisWorker::noted, this, [this](int index, const QString& message) {
        const RunEntry* entry = index < m_pendingIds.size() ? m_model->find(m_pendingIds[index]) : nullptr;
        m_notes << (entry ? entry->name() + QStringLiteral(": ") : QString()) + message;
    });
    connect(m_worker, &AnalysisWorker::finished, this, &AnalysisView::onFinished);
    m_thread.setObjectName(QStringLiteral("analysis"));
    m_thread.start();

    // Coalesced: opening a workspace adds thousands of runs in one go, and each refresh looks for
    // every run's model.pt (it was quadratic: 5,000 runs took a minute of access() calls).
    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(0);
    connect(&m_refreshTimer, &QTimer::timeout, this, &AnalysisView::refreshRunList);
    auto scheduleRefresh = [this] { m_refreshTimer.start(); };
    connect(m_model, &RunsModel::runAdded, this, scheduleRefresh);
    connect(m_model, &RunsModel::runRemoved, this, [this](int id) {
        m_hasModelFile.remove(id);
        m_refreshTimer.start();
    });
    connect(m_model, &RunsModel::runChanged, this, [this](int id) {
        const RunEntry* e = m_model->find(id);
        m_hasModelFile.remove(id);  // it may just have written its model
        if (e && isFinished(e->state))
            m_refreshTimer.start();
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_hasModelFile.clear();
        m_refreshTimer.start();
    });
    refreshRunList();
}

AnalysisView::~AnalysisView()
{
    m_cancel.cancel();
    m_thread.quit();
    m_thread.wait();
}

QWidget* AnalysisView::buildControls()
{
    auto* box = new QWidget;
    auto* row = new QHBoxLayout(box);
    row->setContentsMargins(0, 0, 0, 0);
    m_runList = new QListWidget;
    m_runList->setFlow(QListView::LeftToRight);
    m_runList->setWrapping(true);
    m_runList->setMaximumHeight(56);
    m_runList->setToolTip(tr("Completed runs with a saved model; tick up to four to compare"));
    row->addWidget(new QLabel(tr("Runs:")));
    row->addWidget(m_runList, 1);
    m_samples = new QSpinBox;
    m_samples->setRange(1, 10000);
    m_samples->setValue(50);
    m_samples->setPrefix(QStringLiteral("T = "));
    m_samples->setToolTip(tr("MC dropout passes over the test set"));
    m_seed = new QSpinBox;
    m_seed->setRange(0, std::numeric_limits<int>::max());
    m_seed->setValue(1);
    m_seed->setPrefix(tr("seed "));
    m_ood = new QComboBox;
    m_ood->addItem(tr("no OOD set"), QString());
    m_ood->addItem(tr("OOD: Fashion-MNIST"), QStringLiteral("fashion-mnist"));
    m_ood->addItem(tr("OOD: MNIST"), QStringLiteral("mnist"));
    m_ood->setToolTip(tr("Out-of-distribution test images: how well predictive entropy tells them apart"));
    try {
        locateDataset(resolveDataDir("fashion-mnist"));
        m_ood->setCurrentIndex(1);  // installed: MNIST models are judged against it by default
    } catch (const Error&) {
    }
    m_analyse = new QPushButton(tr("Analyse"));
    m_stop = new QPushButton(tr("Stop"));
    m_stop->setEnabled(false);
    m_progress = new QProgressBar;
    m_progress->setMinimumWidth(140);
    m_progress->setMaximumWidth(220);
    m_progress->setTextVisible(true);
    m_progress->setValue(0);
    for (QWidget* w : std::initializer_list<QWidget*>{m_samples, m_seed, m_ood, m_analyse, m_stop, m_progress})
        row->addWidget(w);
    connect(m_analyse, &QPushButton::clicked, this, &AnalysisView::startAnalysis);
    connect(m_stop, &QPushButton::clicked, this, [this] {
        m_cancel.cancel();
        m_status->setText(tr("Stopping…"));
    });
    auto* outer = new QWidget;
    auto* column = new QVBoxLayout(outer);
    column->setContentsMargins(0, 0, 0, 0);
    column->addWidget(box);
    m_status = new QLabel(tr("Tick completed runs and press Analyse: MC dropout over their saved models."));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    column->addWidget(m_status);
    return outer;
}

QWidget* AnalysisView::buildCalibrationPage()
{
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* charts = new QGridLayout;
    charts->setSpacing(4);
    int slot = 0;
    const auto makeChart = [&](QChart*& chart, ChartView*& view, const QString& title, const QString& stem) {
        chart = new QChart;
        styleChart(chart, title);
        view = new ChartView(chart, stem);
        QFont legendFont = chart->legend()->font();
        legendFont.setPointSizeF(legendFont.pointSizeF() * 0.9);
        chart->legend()->setFont(legendFont);
        charts->addWidget(view, slot / 2, slot % 2);
        ++slot;
    };
    makeChart(m_reliability, m_reliabilityView, tr("Reliability diagram (bins of 10 or more images)"),
              QStringLiteral("reliability"));
    makeChart(m_rejection, m_rejectionView, tr("Accuracy after rejecting the most uncertain test images"),
              QStringLiteral("accuracy-rejection"));
    makeChart(m_entropy, m_entropyView, tr("Predictive entropy (MC where there is dropout)"),
              QStringLiteral("entropy-histograms"));
    m_relX = addAxis(m_reliability, Qt::AlignBottom, tr("Confidence (%)"), QStringLiteral("%d"));
    m_relY = addAxis(m_reliability, Qt::AlignLeft, tr("Accuracy (%)"), QStringLiteral("%d"));
    m_relX->setRange(0, 100);
    m_relY->setRange(0, 100);
    m_rejX = addAxis(m_rejection, Qt::AlignBottom, tr("Rejected, most uncertain first (%)"), QStringLiteral("%d"));
    m_rejY = addAxis(m_rejection, Qt::AlignLeft, tr("Accuracy kept (%)"), QStringLiteral("%.2f"));
    m_rejX->setRange(0, 30);  // the curves reach 100 % well before; the table has the rest
    m_rejX->setTickCount(7);
    m_entX = addAxis(m_entropy, Qt::AlignBottom, tr("Predictive entropy (nats)"), QStringLiteral("%.1f"));
    m_entY = addAxis(m_entropy, Qt::AlignLeft, tr("Images (%)"), QStringLiteral("%.0f"));
    m_summary = new QLabel;
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setWordWrap(true);
    m_summary->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setMargin(8);
    charts->addWidget(m_summary, 1, 1);
    layout->addLayout(charts, 1);
    return page;
}

QWidget* AnalysisView::buildErrorsPage()
{
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Run:")));
    m_currentRun = new QComboBox;
    m_currentRun->setMinimumContentsLength(24);
    top->addWidget(m_currentRun);
    top->addStretch(1);
    layout->addLayout(top);
    auto* split = new QSplitter(Qt::Horizontal);
    m_confusion = new HeatMap;
    split->addWidget(m_confusion);
    auto* right = new QSplitter(Qt::Vertical);
    m_gallery = new QListWidget;
    m_gallery->setViewMode(QListView::IconMode);
    m_gallery->setIconSize(QSize(56, 56));
    m_gallery->setGridSize(QSize(84, 84));
    m_gallery->setResizeMode(QListView::Adjust);
    m_gallery->setMovement(QListView::Static);
    m_gallery->setUniformItemSizes(true);
    m_gallery->setToolTip(tr("Misclassified test digits, most confident mistakes first; click one"));
    right->addWidget(m_gallery);
    m_galleryBars = new ProbabilityBars;
    right->addWidget(m_galleryBars);
    split->addWidget(right);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);
    connect(m_currentRun, &QComboBox::currentIndexChanged, this, &AnalysisView::showRun);
    connect(m_gallery, &QListWidget::currentRowChanged, this, &AnalysisView::showGalleryItem);
    return page;
}

QWidget* AnalysisView::buildPadPage()
{
    auto* page = new QWidget;
    auto* layout = new QHBoxLayout(page);
    auto* left = new QVBoxLayout;
    m_pad = new DigitPad;
    m_pad->setFixedSize(280, 280);
    left->addWidget(m_pad);
    auto* buttons = new QHBoxLayout;
    auto* clear = new QPushButton(tr("Clear"));
    buttons->addWidget(clear);
    m_padPreview = new QLabel;
    m_padPreview->setFixedSize(56, 56);
    m_padPreview->setToolTip(tr("What the network sees: the drawing made into a 28 x 28 MNIST image"));
    buttons->addWidget(new QLabel(tr("28 x 28:")));
    buttons->addWidget(m_padPreview);
    buttons->addStretch(1);
    left->addLayout(buttons);
    left->addStretch(1);
    layout->addLayout(left);
    m_padBars = new ProbabilityBars;
    m_padBars->clear(tr("Draw a digit on the left (analyse a run first)"));
    layout->addWidget(m_padBars, 1);
    connect(clear, &QPushButton::clicked, m_pad, &DigitPad::clear);
    connect(m_pad, &DigitPad::changed, this, &AnalysisView::predictDrawing);
    return page;
}

void AnalysisView::refreshRunList()
{
    QSet<int> checked;
    for (int i = 0; i < m_runList->count(); ++i) {
        if (m_runList->item(i)->checkState() == Qt::Checked)
            checked.insert(m_runList->item(i)->data(Qt::UserRole).toInt());
    }
    m_runList->clear();
    for (const RunEntry& e : m_model->entries()) {
        if (e.state != RunState::Completed || e.dir.isEmpty())
            continue;
        // Each folder is looked at once (until its run changes): the list is rebuilt whenever a
        // run comes or finishes, and a workspace may hold 100,000 runs.
        auto known = m_hasModelFile.constFind(e.id);
        if (known == m_hasModelFile.constEnd())
            known = m_hasModelFile.insert(e.id, e.hadModelFile ? *e.hadModelFile
                                                               : QFile::exists(e.dir + QLatin1Char('/') +
                                                                               QLatin1String(kModelFileName)));
        if (!*known)
            continue;
        auto* item = new QListWidgetItem(e.name(), m_runList);
        item->setData(Qt::UserRole, e.id);
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
        item->setCheckState(checked.contains(e.id) ? Qt::Checked : Qt::Unchecked);
        item->setForeground(e.color);
        item->setToolTip(e.dir);
    }
    updateAnalyseButton();
}

void AnalysisView::updateAnalyseButton()
{
    m_analyse->setEnabled(!m_busy && !m_trainingActive && m_runList->count() > 0);
}

void AnalysisView::setTrainingActive(bool active)
{
    m_trainingActive = active;
    m_analyse->setToolTip(active ? tr("A run is training: analyse when the queue has finished") : QString());
    updateAnalyseButton();  // the list itself is unchanged
}

void AnalysisView::analyseRuns(const QList<int>& runIds)
{
    if (m_refreshTimer.isActive()) {  // runs added just now: list them first
        m_refreshTimer.stop();
        refreshRunList();
    }
    for (int i = 0; i < m_runList->count(); ++i) {
        QListWidgetItem* item = m_runList->item(i);
        item->setCheckState(runIds.contains(item->data(Qt::UserRole).toInt()) ? Qt::Checked : Qt::Unchecked);
    }
    startAnalysis();
}

void AnalysisView::startAnalysis()
{
    if (m_busy)
        return;
    if (m_trainingActive) {
        m_status->setText(tr("A run is training: analyse when the queue has finished."));
        Q_EMIT analysisFinished();
        return;
    }
    QList<int> ids;
    QStringList dirs;
    for (int i = 0; i < m_runList->count(); ++i) {
        QListWidgetItem* item = m_runList->item(i);
        if (item->checkState() != Qt::Checked)
            continue;
        const RunEntry* e = m_model->find(item->data(Qt::UserRole).toInt());
        if (e && ids.size() < kMaxRuns) {
            ids << e->id;
            dirs << e->dir;
        }
    }
    if (ids.isEmpty()) {
        m_status->setText(tr("Tick at least one run (up to %1).").arg(kMaxRuns));
        Q_EMIT analysisFinished();
        return;
    }
    m_busy = true;
    Q_EMIT busyChanged(true);
    m_cancel.reset();
    m_pendingIds = ids;
    m_results.clear();
    m_problems.clear();
    m_notes.clear();
    m_fromCache = 0;
    m_analyse->setEnabled(false);
    m_stop->setEnabled(true);
    m_progress->setValue(0);
    m_status->setText(tr("Analysing %n run(s): MC dropout with T = %1…", nullptr, static_cast<int>(ids.size()))
                          .arg(m_samples->value()));
    Q_EMIT analyseRequested(dirs, m_samples->value(), static_cast<quint64>(m_seed->value()),
                            m_ood->currentData().toString());
}

void AnalysisView::onAnalysed(int index, const UncertaintyReportPtr& report, bool fromCache)
{
    if (index >= m_pendingIds.size())
        return;
    const RunEntry* e = m_model->find(m_pendingIds[index]);
    if (!e)
        return;
    m_results.push_back({e->id, e->name(), e->dir, e->color, report, e->config.input});
    if (fromCache)
        ++m_fromCache;
    redrawCharts();
}

void AnalysisView::onFinished(bool cancelled)
{
    m_busy = false;
    Q_EMIT busyChanged(false);
    m_stop->setEnabled(false);
    refreshRunList();
    m_progress->setValue(m_progress->maximum());
    QString text = cancelled ? tr("Stopped: %n run(s) analysed.", nullptr, static_cast<int>(m_results.size()))
                             : tr("%n run(s) analysed; results kept in each run's analysis.json", nullptr,
                                  static_cast<int>(m_results.size())) +
                                   (m_fromCache ? tr(" (%1 read back from it).").arg(m_fromCache) : QStringLiteral("."));
    if (!m_notes.isEmpty())
        text += QLatin1Char(' ') + tr("Analysed %1.").arg(m_notes.join(QStringLiteral("; ")));
    if (!m_problems.isEmpty())
        text += QLatin1Char(' ') + tr("Not analysed: %1").arg(m_problems.join(QStringLiteral("; ")));
    m_status->setText(text);
    m_currentRun->blockSignals(true);
    m_currentRun->clear();
    for (const Analysed& a : m_results)
        m_currentRun->addItem(a.name);
    m_currentRun->blockSignals(false);
    redrawCharts();
    showRun();
    Q_EMIT analysisFinished();
}

void AnalysisView::redrawCharts()
{
    for (QChart* chart : {m_reliability, m_rejection, m_entropy})
        chart->removeAllSeries();
    auto* diagonal = addLine(m_reliability, tr("perfect calibration"), QColor(150, 150, 150), Qt::DotLine, 1.5);
    diagonal->append(0, 0);
    diagonal->append(100, 100);
    markAsDecoration(m_reliability, diagonal);
    ChartRanges ranges;
    QStringList summary;
    for (const Analysed& a : m_results) {
        const UncertaintyReport& r = *a.report;
        ranges.entMax = r.histogramMax;
        drawScores(a, r.deterministic, false, ranges);
        if (r.mc)
            drawScores(a, *r.mc, true, ranges);
        drawEntropy(a, ranges);
        summary << summaryRows(a.name, a.color, r);
    }
    const bool noRejection = ranges.rejLo > ranges.rejHi;
    setNiceRange(m_rejY, noRejection ? 90.0 : ranges.rejLo, noRejection ? 100.0 : ranges.rejHi, 0.0, 100.0);
    m_entX->setRange(0, ranges.entMax);
    setNiceRange(m_entY, 0.0, ranges.entHi, 0.0, 100.0);
    if (m_results.empty()) {
        m_summary->clear();
        return;
    }
    const QString ood = m_results.front().report->ood.empty()
                            ? tr("OOD AUROC")
                            : tr("AUROC vs<br>%1").arg(QString::fromStdString(m_results.front().report->ood));
    m_summary->setText(QStringLiteral("<table cellspacing=0 cellpadding=3><tr><th align=left>%1</th>"
                                      "<th>%2</th><th>%3</th><th>%4</th><th>%5</th><th>%6</th></tr>%7</table>"
                                      "<p>%8</p>")
                           .arg(tr("prediction"), tr("accuracy"), tr("NLL"), tr("ECE"), tr("acc., 10 %<br>rejected"), ood,
                                summary.join(QString()),
                                tr("Solid: dropout off (weight scaling). Dashed: the mean of T passes with the run's "
                                   "dropout on (MC dropout). Rejection ranks by predictive entropy; dotted: MC ranked "
                                   "by mutual information.")));
}

void AnalysisView::drawScores(const Analysed& a, const PredictionScores& scores, bool mc, ChartRanges& ranges)
{
    const Qt::PenStyle style = mc ? Qt::DashLine : Qt::SolidLine;
    auto* rel = addLine(m_reliability, mc ? tr("%1, MC").arg(a.name) : a.name, a.color, style);
    rel->setPointsVisible(true);
    for (const auto& bin : scores.reliability) {
        if (bin.count >= kMinBinImages)
            rel->append(100.0 * bin.meanConfidence, 100.0 * bin.accuracy);
    }
    auto* rej = addLine(m_rejection, mc ? tr("%1, MC").arg(a.name) : a.name, a.color, style);
    for (const auto& p : scores.rejection) {
        rej->append(100.0 * p.rejected, 100.0 * p.byEntropy);
        ranges.rejLo = std::min(ranges.rejLo, 100.0 * p.byEntropy);
        ranges.rejHi = std::max(ranges.rejHi, 100.0 * p.byEntropy);
    }
    if (mc) {
        // MC also ranks by mutual information (the part of the uncertainty that is the
        // model's, not the data's): dotted.
        auto* byMi = addLine(m_rejection, tr("%1, MC by mutual information").arg(a.name), a.color, Qt::DotLine);
        for (const auto& p : scores.rejection)
            byMi->append(100.0 * p.rejected, 100.0 * p.byMutualInformation);
    }
}

void AnalysisView::drawEntropy(const Analysed& a, ChartRanges& ranges)
{
    // Entropy histograms of the shown prediction (MC where there is one): test solid, OOD dashed.
    const UncertaintyReport& r = *a.report;
    const PredictionScores& shown = r.mc ? *r.mc : r.deterministic;
    const auto histogram = [&](const std::vector<std::int64_t>& counts, const QString& name, Qt::PenStyle style) {
        std::int64_t total = 0;
        for (auto c : counts)
            total += c;
        if (total == 0)
            return;
        auto* line = addLine(m_entropy, name, a.color, style);
        const double width = r.histogramMax / static_cast<double>(counts.size());
        for (std::size_t b = 0; b < counts.size(); ++b) {
            const double share = 100.0 * static_cast<double>(counts[b]) / static_cast<double>(total);
            line->append((b + 0.5) * width, share);
            ranges.entHi = std::max(ranges.entHi, share);
        }
    };
    histogram(shown.entropyIn, tr("%1, test").arg(a.name), Qt::SolidLine);
    if (!shown.entropyOut.empty())
        histogram(shown.entropyOut, tr("%1, %2").arg(a.name, QString::fromStdString(r.ood)), Qt::DashLine);
}

void AnalysisView::showRun()
{
    m_gallery->clear();
    m_galleryBars->clear(tr("Click a misclassified example"));
    const int index = m_currentRun->currentIndex();
    if (index < 0 || index >= static_cast<int>(m_results.size())) {
        m_confusion->setData(tr("Confusion matrix"), tr("True class"), {}, tr("Predicted class"), {}, {}, -1, -1);
        return;
    }
    const Analysed& a = m_results[static_cast<std::size_t>(index)];
    // The draw pad is for models of 28 x 28 grey pictures only.
    const int padTab = m_pages->indexOf(m_padPage);
    const bool digits = a.input == DataShape{};
    m_pages->setTabEnabled(padTab, digits);
    m_pages->setTabToolTip(padTab, digits ? QString()
                                          : tr("%1 was trained on %2 data; the pad draws 1x28x28 digits")
                                                .arg(a.name, QString::fromStdString(shapeText(a.input))));
    const ProbabilityTable& table = a.report->deterministicTable;
    const int classes = table.classes;
    std::vector<std::vector<std::int64_t>> counts(static_cast<std::size_t>(classes),
                                                  std::vector<std::int64_t>(static_cast<std::size_t>(classes), 0));
    struct Mistake {
        std::int64_t image;
        int label, predicted;
        double confidence;
    };
    std::vector<Mistake> mistakes;
    for (std::int64_t i = 0; i < table.count(); ++i) {
        const int label = static_cast<int>(table.labels[static_cast<std::size_t>(i)]);
        const int predicted = predictedClass(table.row(i), classes);
        ++counts[static_cast<std::size_t>(label)][static_cast<std::size_t>(predicted)];
        if (predicted != label)
            mistakes.push_back({i, label, predicted, table.row(i)[predicted]});
    }
    // The data's class names where the report has them (folder names, CIFAR's meta file,
    // classes.txt, a table's labels), otherwise the class numbers.
    const std::vector<std::string>& names = a.report->classNames;
    const auto className = [&](int c) {
        return names.size() == static_cast<std::size_t>(classes) ? QString::fromStdString(names[static_cast<std::size_t>(c)])
                                                                   : QString::number(c);
    };
    QStringList labels, rowLabels;
    for (int c = 0; c < classes; ++c) {
        labels << className(c);
        rowLabels.prepend(className(c));  // the heat map draws its first row at the bottom
    }
    std::vector<std::vector<HeatMap::Cell>> cells(static_cast<std::size_t>(classes));
    for (int t = 0; t < classes; ++t) {
        std::int64_t rowTotal = 0;
        for (auto c : counts[static_cast<std::size_t>(t)])
            rowTotal += c;
        for (int p = 0; p < classes; ++p) {
            const auto n = counts[static_cast<std::size_t>(t)][static_cast<std::size_t>(p)];
            const double share = rowTotal ? static_cast<double>(n) / static_cast<double>(rowTotal) : 0.0;
            // Colour by the row's share on a square-root scale, so that a few errors still show.
            cells[static_cast<std::size_t>(classes - 1 - t)].push_back({true, std::sqrt(share), QString::number(n)});
        }
    }
    m_confusion->setData(tr("%1: %2 errors").arg(a.name).arg(mistakes.size()), tr("True class"), rowLabels,
                         tr("Predicted class"), labels, cells, -1, -1);
    std::sort(mistakes.begin(), mistakes.end(),
              [](const Mistake& x, const Mistake& y) { return x.confidence > y.confidence; });
    const DatasetBytes* data = testImages(a);
    if (!data || data->isTable())  // a table's rows have no picture
        return;
    for (std::size_t k = 0; k < mistakes.size() && k < static_cast<std::size_t>(kGalleryMax); ++k) {
        const Mistake& m = mistakes[k];
        if (m.image < 0 || m.image >= data->testCount())
            break;
        const QImage image = exampleImage(*data, true, static_cast<std::size_t>(m.image));
        auto* item = new QListWidgetItem(QIcon(QPixmap::fromImage(image.scaled(56, 56))),
                                         QStringLiteral("%1→%2 %3").arg(className(m.label), className(m.predicted), percentText(m.confidence, 0)),
                                         m_gallery);
        item->setData(Qt::UserRole, static_cast<qlonglong>(m.image));
        item->setToolTip(tr("test image %1: true %2, predicted %3 with %4")
                             .arg(m.image)
                             .arg(className(m.label), className(m.predicted), percentText(m.confidence, 1)));
    }
}

int AnalysisView::galleryCount() const
{
    return m_gallery->count();
}

void AnalysisView::setCurrentRun(int index)
{
    m_currentRun->setCurrentIndex(index);
    showRun();
}

const DatasetBytes* AnalysisView::testImages(const Analysed& a)
{
    const QString dir = QString::fromStdString(a.report->data);
    if (m_dataset && m_datasetDir == dir)
        return m_dataset.get();
    try {
        m_dataset = cachedDataset(resolveDataDir(dir.toStdString()));
        m_datasetDir = dir;
    } catch (const Error& error) {
        m_status->setText(tr("Cannot show the digits: %1").arg(QString::fromStdString(error.what())));
        m_dataset.reset();
        return nullptr;
    }
    return m_dataset.get();
}

ModelPredictor* AnalysisView::predictor()
{
    const int index = m_currentRun->currentIndex();
    if (index < 0 || index >= static_cast<int>(m_results.size()))
        return nullptr;
    const QString dir = m_results[static_cast<std::size_t>(index)].dir;
    auto it = m_predictors.find(dir);
    if (it == m_predictors.end()) {
        try {
            it = m_predictors.emplace(dir, std::make_unique<ModelPredictor>(dir.toStdString())).first;
        } catch (const Error& error) {
            m_status->setText(QString::fromStdString(error.what()));
            return nullptr;
        }
    }
    return it->second.get();
}

void AnalysisView::showGalleryItem(int row)
{
    if (row < 0 || row >= m_gallery->count() || !m_dataset)
        return;
    ModelPredictor* model = predictor();
    if (!model)
        return;
    const auto image = static_cast<std::size_t>(m_gallery->item(row)->data(Qt::UserRole).toLongLong());
    const auto pixels = static_cast<std::size_t>(m_dataset->imageBytes());
    const std::vector<std::uint8_t> bytes(m_dataset->testImages.begin() + static_cast<std::ptrdiff_t>(image * pixels),
                                          m_dataset->testImages.begin() + static_cast<std::ptrdiff_t>((image + 1) * pixels));
    ModelPredictor::Prediction p;
    try {
        p = model->predict(bytes, m_samples->value(), static_cast<std::uint64_t>(m_seed->value()));
    } catch (const Error& error) {
        m_status->setText(QString::fromStdString(error.what()));
        return;
    }
    const Analysed& a = m_results[static_cast<std::size_t>(m_currentRun->currentIndex())];
    QStringList names;
    for (const auto& name : m_dataset->classNames)
        names << QString::fromStdString(name);
    m_galleryBars->setClassNames(names);
    const int label = m_dataset->testLabels[image];
    m_galleryBars->setProbabilities(tr("Test image %1 (true class %2), %3")
                                        .arg(image)
                                        .arg(label < names.size() ? names[label] : QString::number(label))
                                        .arg(a.name),
                                    p.deterministic, p.mcMean, p.mcStd, a.color);
}

void AnalysisView::predictDrawing(const std::vector<std::uint8_t>& image)
{
    QImage preview(28, 28, QImage::Format_Grayscale8);
    for (int y = 0; y < 28; ++y)
        std::copy_n(image.data() + y * 28, 28, preview.scanLine(y));
    m_padPreview->setPixmap(QPixmap::fromImage(preview.scaled(56, 56)));
    if (std::none_of(image.begin(), image.end(), [](std::uint8_t v) { return v > 0; })) {
        m_padBars->clear(tr("Draw a digit on the left"));
        return;
    }
    ModelPredictor* model = predictor();
    if (!model) {
        m_padBars->clear(tr("Analyse a run first: its saved model reads the drawing"));
        return;
    }
    ModelPredictor::Prediction p;
    try {
        p = model->predict(image, m_samples->value(), static_cast<std::uint64_t>(m_seed->value()));
    } catch (const Error& error) {
        m_padBars->clear(QString::fromStdString(error.what()));
        return;
    }
    const Analysed& a = m_results[static_cast<std::size_t>(m_currentRun->currentIndex())];
    const auto best = std::max_element(p.deterministic.begin(), p.deterministic.end()) - p.deterministic.begin();
    m_padBars->setProbabilities(tr("Your digit, %1: %2").arg(a.name).arg(best), p.deterministic, p.mcMean, p.mcStd,
                                a.color);
}

std::vector<std::pair<QWidget*, QString>> AnalysisView::pictures() const
{
    return {{m_reliabilityView, QStringLiteral("analysis-reliability")},
            {m_rejectionView, QStringLiteral("analysis-accuracy-rejection")},
            {m_entropyView, QStringLiteral("analysis-entropy")},
            {m_confusion, QStringLiteral("analysis-confusion-matrix")},
            {m_galleryBars, QStringLiteral("analysis-class-probabilities")}};
}

} // namespace dropoutlab::ui
