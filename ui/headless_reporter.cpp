#include "headless_reporter.h"

#include "run_queue.h"
#include "runs_model.h"

#include <cstdio>

namespace dropoutlab::ui {

HeadlessReporter::HeadlessReporter(const RunsModel* model, const RunQueue* queue, Sink sink, QObject* parent)
    : QObject(parent), m_model(model), m_sink(std::move(sink))
{
    connect(queue, &RunQueue::epochFinished, this, [this](int runId, const EpochMetrics& m) {
        const RunEntry* entry = m_model->find(runId);
        if (!entry)
            return;
        write(QStringLiteral("[%1] epoch %2/%3: train loss %4 acc %5% | val loss %6 acc %7% | %8 s")
                  .arg(entry->name())
                  .arg(m.epoch)
                  .arg(entry->config.epochs)
                  .arg(m.trainLoss, 0, 'f', 4)
                  .arg(100.0 * m.trainAccuracy, 0, 'f', 2)
                  .arg(m.valLoss, 0, 'f', 4)
                  .arg(100.0 * m.valAccuracy, 0, 'f', 2)
                  .arg(m.seconds, 0, 'f', 1));
    });
    connect(queue, &RunQueue::runFinished, this, [this](int runId) {
        const RunEntry* entry = m_model->find(runId);
        if (entry && entry->result.testAccuracy)
            write(QStringLiteral("[%1] %2, test accuracy %3%")
                      .arg(entry->name(), displayName(entry->state))
                      .arg(100.0 * *entry->result.testAccuracy, 0, 'f', 2));
    });
}

void HeadlessReporter::write(const QString& line) const
{
    if (m_sink)
        m_sink(line);
    else
        std::fprintf(stderr, "dropoutlab: %s\n", qPrintable(line));
}

} // namespace dropoutlab::ui
