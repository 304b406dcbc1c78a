#include "results_exporter.h"

#include "accuracy_chart.h"
#include "analysis_view.h"
#include "chart_export.h"
#include "chart_view.h"
#include "curves_view.h"
#include "runs_model.h"
#include "sweep_view.h"

#include "dropoutlab/core/results.h"

#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QMenu>
#include <QSaveFile>

#include <sstream>

namespace dropoutlab::ui {
namespace {

QString writeText(const QString& path, const QByteArray& bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return QObject::tr("cannot write %1: %2").arg(path, file.errorString());
    return {};
}

} // namespace

ResultsExporter::ResultsExporter(const RunsModel* model, CurvesView* curves, AccuracyChart* accuracy,
                                 SweepView* sweep, AnalysisView* analysis, QWidget* dashboard)
    : m_model(model), m_curves(curves), m_accuracy(accuracy), m_sweep(sweep), m_analysis(analysis),
      m_dashboard(dashboard)
{
}

void ResultsExporter::addChartActions(QMenu* menu) const
{
    for (ChartView* view : m_curves->chartViews())
        menu->addAction(view->chart()->title() + QStringLiteral("…"), view, &ChartView::saveWithDialog);
    ChartView* rates = m_curves->ratesView();
    menu->addAction(rates->chart()->title() + QStringLiteral("…"), rates, &ChartView::saveWithDialog);
    menu->addAction(QObject::tr("Test accuracy…"), m_accuracy->chartView(), &ChartView::saveWithDialog);
    SweepView* sweep = m_sweep;
    menu->addAction(QObject::tr("Sweep charts…"), sweep, [sweep] {
        for (const auto& [widget, stem] : sweep->exportables())
            exportPictureWithDialog(widget, sweep->title(), stem);
    });
    if (!m_analysis)
        return;
    AnalysisView* analysis = m_analysis;
    menu->addAction(QObject::tr("Analysis charts…"), analysis, [analysis] {
        for (const auto& [widget, stem] : analysis->pictures()) {
            if (auto* view = qobject_cast<ChartView*>(widget))
                view->saveWithDialog();
            else
                exportPictureWithDialog(widget, stem, stem);
        }
    });
}

QString ResultsExporter::exportAll(const QString& dir) const
{
    if (!QDir().mkpath(dir))
        return QObject::tr("cannot create the folder %1").arg(dir);
    QStringList problems;
    const QString pictures = exportPictures(dir);
    if (!pictures.isEmpty())
        problems << pictures;
    const QString results = exportResults(dir);
    if (!results.isEmpty())
        problems << results;
    return problems.join(QLatin1Char('\n'));
}

QString ResultsExporter::exportPictures(const QString& dir) const
{
    m_curves->flush();
    m_accuracy->flush();
    if (m_sweep->hasSweep())
        m_sweep->refresh();
    // Rebuilt charts lay out their legends in the event loop: let that happen before painting.
    QApplication::processEvents();
    QStringList problems;
    auto note = [&](const QString& error) {
        if (!error.isEmpty())
            problems << error;
    };
    const auto curveViews = m_curves->chartViews();
    std::vector<ChartView*> views(curveViews.begin(), curveViews.end());
    views.push_back(m_accuracy->chartView());
    if (m_curves->ratesView()->isVisible() || m_curves->rateLineCount() > 0)
        views.push_back(m_curves->ratesView());  // only when some run has scheduled rates
    for (ChartView* view : views) {
        for (const char* suffix : {".png", ".svg"})
            note(exportChart(view, QDir(dir).filePath(view->fileStem() + suffix)));
    }
    if (m_sweep->hasSweep()) {
        for (const auto& [widget, stem] : m_sweep->exportables()) {
            for (const char* suffix : {".png", ".svg"})
                note(exportPicture(widget, m_sweep->title(), QDir(dir).filePath(stem + suffix)));
        }
    }
    if (m_analysis && m_analysis->hasResults()) {
        for (const auto& [widget, stem] : m_analysis->pictures()) {
            for (const char* suffix : {".png", ".svg"}) {
                const QString path = QDir(dir).filePath(stem + suffix);
                auto* chart = qobject_cast<QChartView*>(widget);
                note(chart ? exportChart(chart, path) : exportPicture(widget, stem, path));
            }
        }
    }
    note(exportWidgetPng(m_dashboard, QDir(dir).filePath(QStringLiteral("dashboard.png"))));
    return problems.join(QLatin1Char('\n'));
}

QString ResultsExporter::exportDashboardWithDialog(QWidget* parent) const
{
    const QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Export Dashboard"),
                                                      QDir::home().filePath(QStringLiteral("dropoutlab-dashboard.png")),
                                                      QObject::tr("PNG image (*.png)"));
    return path.isEmpty() ? QString() : exportWidgetPng(m_dashboard, path);
}

QString ResultsExporter::exportResultsWithDialog(QWidget* parent, QString* error) const
{
    const QString dir =
        QFileDialog::getExistingDirectory(parent, QObject::tr("Export Results into Folder"), QDir::homePath());
    if (dir.isEmpty())
        return {};
    *error = exportResults(dir);
    return error->isEmpty() ? dir : QString();
}

QString ResultsExporter::exportResults(const QString& dir) const
{
    std::vector<RunRecord> runs;
    for (const auto& entry : m_model->entries()) {
        // Planned runs of a sweep folder have a folder name but nothing in it yet.
        if (!entry.dir.isEmpty() && entry.state != RunState::Planned)
            runs.push_back(toRunRecord(entry));
    }
    std::ostringstream summary, longTable;
    writeSummaryCsv(runs, summary);
    writeLongCsv(runs, longTable);
    QStringList problems;
    for (const auto& [name, bytes] :
         {std::pair{QStringLiteral("summary.csv"), QByteArray::fromStdString(summary.str())},
          std::pair{QStringLiteral("long.csv"), QByteArray::fromStdString(longTable.str())},
          std::pair{QStringLiteral("results.json"), QByteArray::fromStdString(runsToJson(runs))}}) {
        const QString error = writeText(QDir(dir).filePath(name), bytes);
        if (!error.isEmpty())
            problems << error;
    }
    return problems.join(QLatin1Char('\n'));
}

} // namespace dropoutlab::ui
