#include "workspace_loader.h"

#include "run_queue.h"
#include "runs_model.h"

#include "dropoutlab/errors.h"
#include "dropoutlab/results.h"

#include <QDir>

namespace dropoutlab::ui {
namespace {

constexpr int kProblemsShown = 8;

} // namespace

WorkspaceLoader::WorkspaceLoader(RunsModel* model, RunQueue* queue) : m_model(model), m_queue(queue) {}

bool WorkspaceLoader::open(const QString& dir, QString* error)
{
    auto fail = [&](const QString& why) {
        if (error)
            *error = why;
        return false;
    };
    if (m_queue->isRunning())
        return fail(QObject::tr("stop the running queue before opening another workspace"));
    if (!QDir().mkpath(dir))
        return fail(QObject::tr("cannot create the folder %1").arg(dir));
    std::vector<RunRecord> runs;
    std::vector<std::string> problems;
    try {
        // One unreadable run folder (damaged, or from a newer version) must not hide the others.
        runs = loadWorkspace(dir.toStdString(), &problems);
    } catch (const Error& e) {
        return fail(QString::fromStdString(e.what()));
    }
    // Queued runs stay queued; everything recorded comes from the new workspace.
    std::vector<ExperimentConfig> queued;
    for (const auto& e : m_model->entries()) {
        if (e.state == RunState::Queued)
            queued.push_back(e.config);
    }
    m_model->clear();
    for (const auto& run : runs) {
        const int id = m_model->addRun(run.config, stateFromStatus(run.result.status));
        m_model->update(id, [&](RunEntry& e) {
            e.result = run.result;
            e.dir = QString::fromStdString(run.dir);
            e.info.device = run.result.device;
            e.notes = RunsModel::readNotes(e.dir);
            e.hadModelFile = run.hasModel;
        });
    }
    for (const auto& config : queued)
        m_queue->enqueue(config);
    m_queue->setWorkspace(dir);
    m_problems.clear();
    for (const auto& problem : problems)
        m_problems << QString::fromStdString(problem);
    return true;
}

QString WorkspaceLoader::problemsMessage(const QString& dir) const
{
    if (m_problems.isEmpty())
        return {};
    QStringList shown = m_problems.mid(0, kProblemsShown);
    if (m_problems.size() > kProblemsShown)
        shown << QObject::tr("… and %n more", nullptr, static_cast<int>(m_problems.size() - kProblemsShown));
    const QString where = QDir::toNativeSeparators(dir);
    const QString intro = m_problems.size() == 1
                              ? QObject::tr("One run folder in %1 could not be read and is not shown:").arg(where)
                              : QObject::tr("%1 run folders in %2 could not be read and are not shown:")
                                    .arg(m_problems.size())
                                    .arg(where);
    return intro + QStringLiteral("\n\n") + shown.join(QStringLiteral("\n"));
}

} // namespace dropoutlab::ui
