#pragma once

#include "dropoutlab/core/experiment_config.h"
#include "dropoutlab/core/results.h"

#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace dropoutlab::ui {

class RunQueue;
class RunsModel;

/// Opens a workspace folder: its recorded runs replace those in the model, queued runs stay
/// queued. A damaged run folder does not hide the others: it is skipped and named in problems().
class WorkspaceLoader final : public QObject {
    Q_OBJECT

public:
    WorkspaceLoader(RunsModel* model, RunQueue* queue, QObject* parent = nullptr);
    /// Stops a read in progress (soon: between two run folders) and waits for its threads.
    ~WorkspaceLoader() override;

    /// Creates `dir` if needed and loads it now. False with `error` when the folder cannot be used
    /// (nothing changes then); true otherwise, with problems() naming the skipped folders.
    bool open(const QString& dir, QString* error);
    /// The same without blocking the window: checks `dir` and clears the model now (false with
    /// `error` when the folder cannot be used), reads the run folders on other threads and adds
    /// them to the model a slice per event-loop turn, then emits loaded(). Meanwhile the queue
    /// holds its start (new runs would land in a folder being read).
    bool openInBackground(const QString& dir, QString* error);
    bool isLoading() const { return m_loading; }
    const QStringList& problems() const { return m_problems; }
    /// A message for the user naming (the first few of) the skipped folders of `dir`.
    QString problemsMessage(const QString& dir) const;
    /// Why `dir` cannot be a workspace by its name (empty when it can): a name that was not UTF-8.
    static QString unusableName(const QString& dir);

Q_SIGNALS:
    /// What a background open is doing, for the status bar.
    void progress(const QString& message);
    /// A background open is done: every readable run of `dir` is in the model.
    void loaded(const QString& dir);

private:
    /// Why `dir` cannot be opened now (empty when it can): the queue runs, a name that was not
    /// UTF-8, a folder that cannot be created. Both opens check it before anything changes.
    QString folderProblem(const QString& dir) const;
    /// The model's reset that both opens share; the queued runs come back queued.
    void begin(const QString& dir);
    /// Adds a run read from its folder, with its notes (read here when null).
    void addRun(const RunRecord& run, const QString* notes);
    void finish(const std::vector<std::string>& problems);
    /// Stops a background read and forgets its runs (another folder is being opened, or the end);
    /// true when one was going on (the queue is still held then: the caller releases it).
    bool cancel();
    void addSlice();

    RunsModel* m_model;
    RunQueue* m_queue;
    QStringList m_problems;
    QString m_dir;
    bool m_loading = false;
    std::thread m_reader;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    /// Runs read in the background, added a slice at a time.
    std::vector<RunRecord> m_pending;
    std::vector<QString> m_pendingNotes;
    std::vector<std::string> m_pendingProblems;
    std::size_t m_added = 0;
    QTimer m_addTimer;
};

} // namespace dropoutlab::ui
