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
        write(QStringLiteral("[%1] epoch %2/%3: %4 | %5 s")
                  .arg(entry->name())
                  .arg(m.epoch)
                  .arg(entry->config.epochs)
                  .arg(QString::fromStdString(dropoutlab::epochSummary(m)))
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
