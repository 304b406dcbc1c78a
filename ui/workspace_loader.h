#pragma once

#include <QString>
#include <QStringList>

namespace dropoutlab::ui {

class RunQueue;
class RunsModel;

/// Opens a workspace folder: its recorded runs replace those in the model, queued runs stay
/// queued. A damaged run folder does not hide the others: it is skipped and named in problems().
class WorkspaceLoader {
public:
    WorkspaceLoader(RunsModel* model, RunQueue* queue);

    /// Creates `dir` if needed and loads it. False with `error` when the folder cannot be used
    /// (nothing changes then); true otherwise, with problems() naming the skipped folders.
    bool open(const QString& dir, QString* error);
    const QStringList& problems() const { return m_problems; }
    /// A message for the user naming (the first few of) the skipped folders of `dir`.
    QString problemsMessage(const QString& dir) const;

private:
    RunsModel* m_model;
    RunQueue* m_queue;
    QStringList m_problems;
};

} // namespace dropoutlab::ui
