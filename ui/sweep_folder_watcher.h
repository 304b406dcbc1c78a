#pragma once

#include "dropoutlab/core/sweep.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

namespace dropoutlab::ui {

class RunQueue;
class RunsModel;

/// Shows sweeps that other processes write (CLI shards, a Slurm job array): opening a sweep
/// folder adds its runs to the model as planned, and every 2 s the runs whose files changed are
/// read again (running while their metrics grow, then their final state).
class SweepFolderWatcher final : public QObject {
    Q_OBJECT

public:
    /// `queue`: runs it is training itself are left to it.
    SweepFolderWatcher(RunsModel* model, const RunQueue* queue, QObject* parent = nullptr);

    /// Adds the sweep's runs not yet in the model and watches the folder. False with `error`
    /// when the folder holds no readable sweep.
    bool open(const QString& dir, SweepSpec& spec, QString* error);
    /// Reads the runs whose files changed since the last poll (the timer calls it).
    void poll();

private:
    RunsModel* m_model;
    const RunQueue* m_queue;
    QSet<QString> m_folders;
    QHash<int, qint64> m_fileStamps;  ///< per run: size + mtime of its files at the last poll
    QTimer m_timer;
};

} // namespace dropoutlab::ui
