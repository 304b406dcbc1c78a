#pragma once

#include "dropoutlab/train/experiment.h"

#include <string>

namespace dropoutlab::cli {

/// Prints a run's progress on stderr: a live line on a terminal, one line per epoch always.
class ConsoleReporter final : public ExperimentObserver {
public:
    /// `epochs`: the run's planned epochs (otherwise learnt from the first progress report).
    ConsoleReporter(int runIndex, int runCount, std::string runName, bool quiet, int epochs = 0);
    void onStart(const RunInfo& info) override;
    void onBatch(const BatchProgress& progress) override;
    void onEpoch(const EpochMetrics& metrics) override;
    void onLog(const std::string& line) override;
    /// Ends a live line, if one is showing.
    void finishLine();

private:
    std::string prefix() const;
    int m_runIndex;
    int m_runCount;
    std::string m_runName;
    bool m_quiet;
    bool m_live;
    bool m_lineOpen = false;
    int m_epochs = 0;
};

/// "1m05s" / "42s".
std::string formatDuration(double seconds);

} // namespace dropoutlab::cli
