#include "finish_actions.h"

#include "analysis_view.h"
#include "headless_reporter.h"
#include "results_exporter.h"
#include "runs_model.h"

#include <QCoreApplication>

#include <cstdio>
#include <utility>

namespace dropoutlab::ui {

FinishActions::FinishActions(const RunsModel* model, const RunQueue* queue, AnalysisView* analysis,
                             const ResultsExporter* exporter, QObject* parent, Quit quit)
    : QObject(parent), m_model(model), m_queue(queue), m_analysis(analysis), m_exporter(exporter),
      m_quit(quit ? std::move(quit) : Quit([](int code) { QCoreApplication::exit(code); }))
{
}

void FinishActions::setOptions(const Options& options)
{
    m_options = options;
    if (m_options.quit && !m_reporter)
        m_reporter = new HeadlessReporter(m_model, m_queue, {}, this);
}

void FinishActions::run()
{
    if (m_options.analysis && m_analysis) {
        m_options.analysis = false;  // once
        QList<int> recent;
        const auto& entries = m_model->entries();
        for (auto it = entries.rbegin(); it != entries.rend() && recent.size() < AnalysisView::kMaxRuns; ++it) {
            if (it->state == RunState::Completed)
                recent.prepend(it->id);
        }
        Q_EMIT analysisStarting();
        connect(m_analysis, &AnalysisView::analysisFinished, this, &FinishActions::run, Qt::SingleShotConnection);
        m_analysis->analyseRuns(recent);
        return;
    }
    if (!m_options.exportDir.isEmpty()) {
        const QString problems = m_exporter->exportAll(m_options.exportDir);
        if (!problems.isEmpty())
            m_exitCode = 1;
        std::fprintf(stderr, "dropoutlab: %s\n",
                     qPrintable(problems.isEmpty() ? tr("exported charts and results to %1").arg(m_options.exportDir)
                                                   : tr("export: %1").arg(problems)));
    }
    if (m_options.quit)
        m_quit(m_exitCode);
}

} // namespace dropoutlab::ui
