#include "console_reporter.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace dropoutlab::cli {

std::string formatDuration(double seconds)
{
    const long total = std::lround(std::max(0.0, seconds));
    char text[32];
    if (total >= 3600)
        std::snprintf(text, sizeof text, "%ldh%02ldm", total / 3600, (total / 60) % 60);
    else if (total >= 60)
        std::snprintf(text, sizeof text, "%ldm%02lds", total / 60, total % 60);
    else
        std::snprintf(text, sizeof text, "%lds", total);
    return text;
}

ConsoleReporter::ConsoleReporter(int runIndex, int runCount, std::string runName, bool quiet, int epochs)
    : m_runIndex(runIndex), m_runCount(runCount), m_runName(std::move(runName)), m_quiet(quiet),
      m_live(!quiet && isatty(STDERR_FILENO) == 1), m_epochs(epochs)
{
}

std::string ConsoleReporter::prefix() const
{
    if (m_runCount == 0)
        return "[" + m_runName + "]";
    return "run " + std::to_string(m_runIndex) + "/" + std::to_string(m_runCount) + " [" + m_runName + "]";
}

void ConsoleReporter::onStart(const RunInfo& /*info*/)
{
}

void ConsoleReporter::onBatch(const BatchProgress& p)
{
    m_epochs = p.epochs;
    if (!m_live)
        return;
    const double done = static_cast<double>((p.epoch - 1) * p.batchesPerEpoch + p.batch) /
                        static_cast<double>(p.epochs * p.batchesPerEpoch);
    const double eta = done > 0 ? p.elapsedSeconds * (1.0 - done) / done : 0.0;
    std::fprintf(stderr, "\r\033[K%s epoch %d/%d batch %d/%d loss %.4f acc %.2f%% %.0f img/s ETA %s", prefix().c_str(),
                 p.epoch, p.epochs, p.batch, p.batchesPerEpoch, p.loss, 100.0 * p.accuracy, p.imagesPerSecond,
                 formatDuration(eta).c_str());
    std::fflush(stderr);
    m_lineOpen = true;
}

void ConsoleReporter::onEpoch(const EpochMetrics& m)
{
    if (m_quiet)
        return;
    finishLine();
    std::fprintf(stderr, "%s epoch %d/%d: %s | %.1f s (train %.1f s, val %.1f s)\n", prefix().c_str(), m.epoch,
                 m_epochs, epochSummary(m).c_str(), m.seconds, m.trainSeconds, m.valSeconds + m.trainEvalSeconds);
}

void ConsoleReporter::onLog(const std::string& line)
{
    if (m_quiet)
        return;
    finishLine();
    std::fprintf(stderr, "%s %s\n", prefix().c_str(), line.c_str());
}

void ConsoleReporter::finishLine()
{
    if (!m_lineOpen)
        return;
    std::fputs("\r\033[K", stderr);
    m_lineOpen = false;
}

} // namespace dropoutlab::cli
