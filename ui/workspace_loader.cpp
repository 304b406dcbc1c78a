#include "workspace_loader.h"

#include "run_queue.h"
#include "runs_model.h"

#include "dropoutlab/core/errors.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLocale>

#include <utility>

namespace dropoutlab::ui {
namespace {

constexpr int kProblemsShown = 8;
/// A background open adds runs for at most this long per event-loop turn.
constexpr qint64 kSliceNs = 15'000'000;

} // namespace

WorkspaceLoader::WorkspaceLoader(RunsModel* model, RunQueue* queue, QObject* parent)
    : QObject(parent), m_model(model), m_queue(queue)
{
    m_addTimer.setInterval(0);
    connect(&m_addTimer, &QTimer::timeout, this, &WorkspaceLoader::addSlice);
}

WorkspaceLoader::~WorkspaceLoader()
{
    cancel();
}

bool WorkspaceLoader::cancel()
{
    if (m_cancel)
        m_cancel->store(true);
    if (m_reader.joinable())
        m_reader.join();
    m_cancel.reset();
    m_addTimer.stop();
    m_pending.clear();
    m_pendingNotes.clear();
    m_pendingProblems.clear();
    return std::exchange(m_loading, false);
}

QString WorkspaceLoader::unusableName(const QString& dir)
{
    // Qt reads file names as UTF-8: bytes that are not UTF-8 become U+FFFD, and a folder of that
    // name would be created beside the real one, empty. Refused instead (the CLI takes any bytes).
    if (dir.contains(QChar::ReplacementCharacter) && !QFileInfo::exists(dir))
        return tr("the folder name %1 is not valid UTF-8 (or does not exist); the app needs UTF-8 folder "
                  "names: rename it, or use dropoutlab-cli, which reads any name")
            .arg(dir);
    return {};
}

QString WorkspaceLoader::folderProblem(const QString& dir) const
{
    if (m_queue->isRunning())
        return tr("stop the running queue before opening another workspace");
    if (QString why = unusableName(dir); !why.isEmpty())
        return why;
    if (!QDir().mkpath(dir))
        return tr("cannot create the folder %1").arg(dir);
    return {};
}

void WorkspaceLoader::begin(const QString& dir)
{
    // Queued runs stay queued; everything recorded comes from the new workspace.
    std::vector<ExperimentConfig> queued;
    for (const auto& e : m_model->entries()) {
        if (e.state == RunState::Queued)
            queued.push_back(e.config);
    }
    m_model->clear();
    for (const auto& config : queued)
        m_queue->enqueue(config);
    m_queue->setWorkspace(dir);
    m_dir = dir;
    m_problems.clear();
}

void WorkspaceLoader::addRun(const RunRecord& run, const QString* notes)
{
    const int id = m_model->addRun(run.config, stateFromStatus(run.result.status));
    m_model->update(id, [&](RunEntry& e) {
        e.result = run.result;
        e.dir = QString::fromStdString(run.dir);
        e.info.device = run.result.device;
        e.notes = notes ? *notes : RunsModel::readNotes(e.dir);
        e.hadModelFile = run.hasModel;
    });
}

void WorkspaceLoader::finish(const std::vector<std::string>& problems)
{
    for (const auto& problem : problems)
        m_problems << QString::fromStdString(problem);
}

bool WorkspaceLoader::open(const QString& dir, QString* error)
{
    // Checked and read before anything changes: a folder that cannot be used or listed leaves the
    // model as it is. One unreadable run folder (damaged, or from a newer version) must not hide
    // the others.
    QString why = folderProblem(dir);
    std::vector<RunRecord> runs;
    std::vector<std::string> problems;
    if (why.isEmpty()) {
        try {
            runs = loadWorkspace(dir.toStdString(), &problems);
        } catch (const Error& e) {
            why = QString::fromStdString(e.what());
        }
    }
    if (!why.isEmpty()) {
        if (error)
            *error = why;
        return false;
    }
    const bool wasHolding = cancel();  // a background open of another folder, if any, ends here
    begin(dir);
    for (const auto& run : runs)
        addRun(run, nullptr);
    finish(problems);
    if (wasHolding)
        m_queue->setHeld(false);
    return true;
}

bool WorkspaceLoader::openInBackground(const QString& dir, QString* error)
{
    if (QString why = folderProblem(dir); !why.isEmpty()) {
        if (error)
            *error = why;
        return false;  // a read in progress goes on
    }
    cancel();  // a read of another folder ends here; the queue stays held
    begin(dir);
    m_loading = true;
    m_queue->setHeld(true);
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    Q_EMIT progress(tr("Reading the run folders of %1…").arg(QDir::toNativeSeparators(dir)));
    m_reader = std::thread([this, cancelFlag = m_cancel, path = dir.toStdString()] {
        auto runs = std::make_shared<std::vector<RunRecord>>();
        auto notes = std::make_shared<std::vector<QString>>();
        auto problems = std::make_shared<std::vector<std::string>>();
        try {
            *runs = loadWorkspace(path, problems.get(), cancelFlag.get());
            // The notes too, here: 100,000 file opens are no work for the window's thread.
            notes->reserve(runs->size());
            for (const auto& run : *runs)
                notes->push_back(RunsModel::readNotes(QString::fromStdString(run.dir)));
        } catch (const Error& e) {
            problems->push_back(e.what());  // the folder vanished or cannot be listed any more
        } catch (const std::exception& e) {
            problems->push_back(path + ": " + e.what());
        }
        if (cancelFlag->load())
            return;
        // Back on the GUI thread; dropped with the loader if it is gone (it waits for this thread).
        QMetaObject::invokeMethod(
            this,
            [this, cancelFlag, runs, notes, problems] {
                if (cancelFlag != m_cancel)
                    return;  // another folder was opened meanwhile
                if (m_reader.joinable())
                    m_reader.join();
                m_pending = std::move(*runs);
                m_pendingNotes = std::move(*notes);
                m_pendingProblems = std::move(*problems);
                m_added = 0;
                m_addTimer.start();
            },
            Qt::QueuedConnection);
    });
    return true;
}

void WorkspaceLoader::addSlice()
{
    QElapsedTimer clock;
    clock.start();
    while (m_added < m_pending.size() && clock.nsecsElapsed() < kSliceNs) {
        addRun(m_pending[m_added], m_added < m_pendingNotes.size() ? &m_pendingNotes[m_added] : nullptr);
        ++m_added;
    }
    if (m_added < m_pending.size()) {
        Q_EMIT progress(tr("Adding runs: %1 of %2…")
                            .arg(QLocale().toString(static_cast<qulonglong>(m_added)),
                                 QLocale().toString(static_cast<qulonglong>(m_pending.size()))));
        return;
    }
    m_addTimer.stop();
    const std::vector<std::string> problems = std::move(m_pendingProblems);
    m_pending.clear();
    m_pendingNotes.clear();
    m_pendingProblems.clear();
    m_cancel.reset();
    finish(problems);
    m_loading = false;
    m_queue->setHeld(false);
    // In a turn of its own: what waits for the runs (charts, exports) must not add to this one.
    QTimer::singleShot(0, this, [this, dir = m_dir] { Q_EMIT loaded(dir); });
}

QString WorkspaceLoader::problemsMessage(const QString& dir) const
{
    if (m_problems.isEmpty())
        return {};
    QStringList shown = m_problems.mid(0, kProblemsShown);
    if (m_problems.size() > kProblemsShown)
        shown << tr("… and %n more", nullptr, static_cast<int>(m_problems.size() - kProblemsShown));
    const QString where = QDir::toNativeSeparators(dir);
    const QString intro = m_problems.size() == 1
                              ? tr("One run folder in %1 could not be read and is not shown:").arg(where)
                              : tr("%1 run folders in %2 could not be read and are not shown:")
                                    .arg(m_problems.size())
                                    .arg(where);
    return intro + QStringLiteral("\n\n") + shown.join(QStringLiteral("\n"));
}

} // namespace dropoutlab::ui
