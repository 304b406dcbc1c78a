#pragma once

#include <QWidget>

class QLabel;
class QProgressBar;

namespace dropoutlab::ui {

class RunQueue;
class RunsModel;

/// The status bar's view of the queue: what trains, its epoch and batch, the place in the
/// queue, speed and the estimated time left.
class QueueStatus final : public QWidget {
    Q_OBJECT

public:
    QueueStatus(const RunsModel* model, const RunQueue* queue, QWidget* parent = nullptr);
    /// Reads the current run and the queue again.
    void refresh();
    QString text() const;

private:
    const RunsModel* m_model;
    const RunQueue* m_queue;
    QLabel* m_text;
    QProgressBar* m_run;
    QProgressBar* m_queueBar;
    QLabel* m_speed;
};

/// "ETA 1 h 5 min", "ETA 3 min 20 s", "ETA 42 s"; "ETA —" when unknown (negative).
QString formatEta(double seconds);

} // namespace dropoutlab::ui
