#include "sweep_folder_watcher.h"

#include "run_queue.h"
#include "runs_model.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/results.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>

namespace dropoutlab::ui {
namespace {

constexpr int kPollMs = 2000;
/// A run without result.json whose metrics changed this recently is still training elsewhere.
constexpr qint64 kLiveSeconds = 600;

qint64 filesStamp(const QString& dir)
{
    qint64 stamp = 0;
    for (const char* name : {"result.json", "metrics.jsonl", "config.json"}) {
        const QFileInfo info(QDir(dir).filePath(QString::fromLatin1(name)));
        if (info.exists())
            stamp += info.size() + info.lastModified().toMSecsSinceEpoch();
    }
    return stamp;
}

} // namespace

SweepFolderWatcher::SweepFolderWatcher(RunsModel* model, const RunQueue* queue, QObject* parent)
    : QObject(parent), m_model(model), m_queue(queue)
{
    m_timer.setInterval(kPollMs);
    connect(&m_timer, &QTimer::timeout, this, &SweepFolderWatcher::poll);
    m_timer.start();
}

bool SweepFolderWatcher::open(const QString& dir, SweepSpec& spec, QString* error)
{
    std::vector<SweepRun> runs;
    try {
        spec = SweepFolder(dir.toStdString()).readSpec();
        runs = expandSweep(spec);
    } catch (const Error& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
    QSet<QString> known;
    for (const auto& e : m_model->entries()) {
        if (e.sweepFolder == dir)
            known.insert(e.runKey);
    }
    const auto points = expandPoints(spec);
    for (const auto& run : runs) {
        if (known.contains(QString::fromStdString(run.id)))
            continue;
        const int id = m_model->addRun(run.config, RunState::Planned);
        m_model->update(id, [&](RunEntry& e) { tagSweepRun(e, dir, run, points); });
    }
    m_folders.insert(dir);
    poll();
    return true;
}

void SweepFolderWatcher::poll()
{
    if (m_folders.isEmpty())
        return;
    std::vector<std::pair<int, QString>> changed;
    for (const auto& e : m_model->entries()) {
        if (!m_folders.contains(e.sweepFolder) || e.state == RunState::Queued || e.id == m_queue->currentRunId())
            continue;
        const qint64 stamp = filesStamp(e.dir);
        if (stamp != m_fileStamps.value(e.id, 0)) {
            m_fileStamps[e.id] = stamp;
            if (stamp != 0)
                changed.emplace_back(e.id, e.dir);
        }
    }
    for (const auto& [id, dir] : changed) {
        try {
            const RunRecord record = loadRun(dir.toStdString());
            // Written by another process: no result yet means it is still training there.
            const bool live = record.result.status == RunStatus::Interrupted &&
                              QFileInfo(QDir(dir).filePath(QStringLiteral("metrics.jsonl")))
                                      .lastModified()
                                      .secsTo(QDateTime::currentDateTime()) < kLiveSeconds;
            m_model->update(id, [&](RunEntry& e) {
                e.result = record.result;
                e.state = live ? RunState::Running : stateFromStatus(record.result.status);
                e.info.device = record.result.device;
            });
        } catch (const Error& e) {
            // Unreadable (damaged, or not yet complete): read again when its files change.
            m_model->update(id, [&](RunEntry& entry) { entry.result.message = e.what(); });
        }
    }
}

} // namespace dropoutlab::ui
