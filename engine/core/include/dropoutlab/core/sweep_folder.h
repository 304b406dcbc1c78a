#pragma once
// Sweeps: the folder that holds a sweep's spec and runs. Core library.

#include "dropoutlab/core/results.h"
#include "dropoutlab/core/sweep_spec.h"

#include <string>
#include <vector>

namespace dropoutlab {

/// A sweep folder: sweep.json and runs/<id>/.
class SweepFolder {
public:
    explicit SweepFolder(std::string dir);
    /// Writes sweep.json, or checks that an existing one holds the same spec (throws ConfigError).
    void prepare(const SweepSpec& spec);
    /// Reads sweep.json; throws IoError/ConfigError.
    SweepSpec readSpec() const;
    std::string runDir(const std::string& runId) const;
    /// True when the run finished with a result worth keeping (completed, diverged, or stopped).
    bool isDone(const std::string& runId) const;
    /// Every run folder present (finished or not); unreadable ones as loadWorkspace() treats them.
    std::vector<RunRecord> loadRuns(std::vector<std::string>* problems = nullptr) const;
    /// True for the statuses a resumed sweep does not redo (completed, diverged, stopped).
    static bool keepsResult(RunStatus status);
    const std::string& dir() const { return m_dir; }

private:
    std::string m_dir;
};

} // namespace dropoutlab
