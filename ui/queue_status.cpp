#include "queue_status.h"

#include "run_queue.h"
#include "runs_model.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>

#include <algorithm>

namespace dropoutlab::ui {

QString formatEta(double seconds)
{
    if (seconds < 0)
        return QObject::tr("ETA —");
    const int s = static_cast<int>(seconds + 0.5);
    if (s >= 3600)
        return QObject::tr("ETA %1 h %2 min").arg(s / 3600).arg((s / 60) % 60);
    if (s >= 60)
        return QObject::tr("ETA %1 min %2 s").arg(s / 60).arg(s % 60);
    return QObject::tr("ETA %1 s").arg(s);
}

QueueStatus::QueueStatus(const RunsModel* model, const RunQueue* queue, QWidget* parent)
    : QWidget(parent), m_model(model), m_queue(queue), m_text(new QLabel), m_run(new QProgressBar),
      m_queueBar(new QProgressBar), m_speed(new QLabel)
{
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_run->setMaximumWidth(260);
    m_run->setTextVisible(true);
    m_queueBar->setMaximumWidth(180);
    for (QWidget* w : {static_cast<QWidget*>(m_text), static_cast<QWidget*>(m_run),
                       static_cast<QWidget*>(m_queueBar), static_cast<QWidget*>(m_speed)})
        layout->addWidget(w);
    refresh();
}

QString QueueStatus::text() const
{
    return m_text->text();
}

void QueueStatus::refresh()
{
    const RunEntry* current = m_model->find(m_queue->currentRunId());
    if (!current) {
        m_text->setText(m_queue->queuedCount() > 0 ? tr("%n run(s) queued — press Run", "", m_queue->queuedCount())
                                                   : tr("Idle"));
        m_run->setRange(0, 1);
        m_run->setValue(0);
        m_run->setFormat(tr("no run"));
        m_queueBar->setRange(0, 1);
        m_queueBar->setValue(0);
        m_queueBar->setFormat(tr("queue"));
        m_speed->clear();
        return;
    }
    const BatchProgress& p = current->progress;
    m_text->setText(tr("Training “%1”").arg(current->name()));
    const int total = std::max(1, current->config.epochs * std::max(1, current->info.batchesPerEpoch));
    m_run->setRange(0, total);
    m_run->setValue(std::max(0, (p.epoch - 1) * p.batchesPerEpoch + p.batch));
    m_run->setFormat(p.epoch > 0
                         ? tr("epoch %1/%2 · batch %3/%4").arg(p.epoch).arg(p.epochs).arg(p.batch).arg(p.batchesPerEpoch)
                         : tr("starting…"));
    m_queueBar->setRange(0, std::max(1, m_queue->batchSize()));
    m_queueBar->setValue(m_queue->doneInBatch());
    m_queueBar->setFormat(tr("run %1 of %2").arg(m_queue->doneInBatch() + 1).arg(m_queue->batchSize()));
    m_speed->setText(p.imagesPerSecond > 0 ? tr("%1 img/s · %2")
                                                 .arg(QLocale().toString(p.imagesPerSecond, 'f', 0),
                                                      formatEta(m_queue->etaSeconds()))
                                           : QString());
}

} // namespace dropoutlab::ui
