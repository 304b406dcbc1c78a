#pragma once

#include <QString>

class QMenu;
class QWidget;

namespace dropoutlab::ui {

class AccuracyChart;
class AnalysisView;
class CurvesView;
class RunsModel;
class SweepView;

/// Writes what the window shows into a folder: every chart as PNG and SVG, the sweep views,
/// the dashboard (PNG) and the results (summary.csv, long.csv, results.json). Used by
/// File > Export and by the automation flag --export.
class ResultsExporter {
public:
    ResultsExporter(const RunsModel* model, CurvesView* curves, AccuracyChart* accuracy, SweepView* sweep,
                    AnalysisView* analysis, QWidget* dashboard);

    /// Charts, sweep pictures, dashboard and results; returns the problems, one per line (empty: all written).
    QString exportAll(const QString& dir) const;
    /// summary.csv, long.csv and results.json of the runs with a folder; returns the problems.
    QString exportResults(const QString& dir) const;

    /// File > Export Chart: one entry per chart (curves, test accuracy), one for the sweep's and one
    /// for the analysis' pictures; each asks where to save.
    void addChartActions(QMenu* menu) const;
    /// File > Export Dashboard: asks for a PNG file and writes it. Returns the problem, if any
    /// (nothing when the user cancels).
    QString exportDashboardWithDialog(QWidget* parent) const;
    /// File > Export Results: asks for a folder and writes the results there. Returns the folder
    /// written (empty when cancelled or failed) and the problem in `error`.
    QString exportResultsWithDialog(QWidget* parent, QString* error) const;

private:
    QString exportPictures(const QString& dir) const;

    const RunsModel* m_model;
    CurvesView* m_curves;
    AccuracyChart* m_accuracy;
    SweepView* m_sweep;
    AnalysisView* m_analysis;
    QWidget* m_dashboard;
};

} // namespace dropoutlab::ui
