#pragma once

#include "dropoutlab/experiment_config.h"
#include "dropoutlab/results.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dropoutlab {

/// One dimension of a sweep: a dropout site (its rate), "learning_rate" or "train_subset".
struct SweepAxis {
    std::string parameter;
    std::vector<double> values;
};

/// Successive halving: after `atEpoch`, the worse half of the points (by mean validation
/// accuracy at that epoch) is stopped.
struct SuccessiveHalving {
    int atEpoch = 0;  ///< 0: off
};

/// A grid of runs: the product of the axes, each point repeated with `repeats` seeds.
struct SweepSpec {
    std::string name = "sweep";
    ExperimentConfig base;
    std::vector<SweepAxis> axes;
    int repeats = 1;
    std::uint64_t firstSeed = 1;  ///< repeat r uses seed firstSeed + r (init, shuffle, dropout)
    SuccessiveHalving halving;
};

/// One grid point: parameter -> value, in axis order.
struct SweepPoint {
    std::vector<std::pair<std::string, double>> values;
    /// "fc1=0.25, input=0.2"
    std::string label() const;
};

/// One run of a sweep, with a stable id (the same spec always gives the same ids).
struct SweepRun {
    std::string id;       ///< e.g. "p02-fc1=0.5-s3"
    int point = 0;        ///< index into expandPoints()
    int repeat = 0;       ///< 0-based
    ExperimentConfig config;
};

/// The parameters a sweep axis can vary besides dropout sites.
bool isSweepHyperparameter(const std::string& parameter);

/// Parses "fc1=0,0.25,0.5" or "fc1=0:0.5:0.25" (start:stop:step, stop included).
SweepAxis parseSweepAxis(const std::string& text);

/// Throws ConfigError if the spec cannot run (unknown site, bad values, empty grid...).
void validateSweep(const SweepSpec& spec);

/// The grid points, in row-major order of the axes.
std::vector<SweepPoint> expandPoints(const SweepSpec& spec);
/// All runs: every point times every repeat, validated.
std::vector<SweepRun> expandSweep(const SweepSpec& spec);
/// Shard `index` (1-based) of `count`: runs whose position modulo count is index-1.
std::vector<SweepRun> shardRuns(const std::vector<SweepRun>& runs, int index, int count);
/// Parses "K/N" into (K, N); throws ConfigError.
std::pair<int, int> parseShard(const std::string& text);

std::string sweepToJson(const SweepSpec& spec);
SweepSpec sweepFromJson(const std::string& text, const std::string& where);
SweepSpec loadSweepFile(const std::string& path);

/// Summary statistics of one metric over the runs of a point.
struct Stats {
    int count = 0;
    double mean = 0.0;
    double std = 0.0;  ///< sample standard deviation (n - 1); 0 for one value
    double min = 0.0;
    double max = 0.0;
};
Stats computeStats(const std::vector<double>& values);

/// Aggregated results of one grid point.
struct PointSummary {
    SweepPoint point;
    int plannedRuns = 0;
    int completedRuns = 0;
    int stoppedRuns = 0;              ///< stopped early (halving), not counted in the stats
    Stats testAccuracy;
    Stats bestValAccuracy;
    Stats gap;                        ///< final train minus validation accuracy
    std::vector<double> testAccuracies;
};

/// Matches the records of a sweep folder to the spec's points and aggregates completed runs.
std::vector<PointSummary> aggregateSweep(const SweepSpec& spec, const std::vector<RunRecord>& records);

/// Welch's unequal-variance t-test of mean(a) - mean(b).
struct WelchResult {
    double difference = 0.0;  ///< mean(a) - mean(b)
    double ciLow = 0.0;       ///< 95 % confidence interval of the difference
    double ciHigh = 0.0;
    double t = 0.0;
    double degreesOfFreedom = 0.0;
    double pValue = 1.0;      ///< two-sided
};
/// Needs at least two values on each side; throws ConfigError otherwise.
WelchResult welchTest(const std::vector<double>& a, const std::vector<double>& b);
/// Two-sided tail probability P(|T| > |t|) of Student's t with `df` degrees of freedom.
double studentTwoSidedP(double t, double df);
/// The quantile q of Student's t (0 < q < 1).
double studentQuantile(double q, double df);

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

/// Runs the given runs of a sweep into its folder, one at a time, skipping finished ones and
/// redoing interrupted ones. Returns the results of the runs it ran.
struct SweepProgress {
    virtual ~SweepProgress() = default;
    virtual void onRunStart(const SweepRun& /*run*/, int /*index*/, int /*count*/) {}
    virtual void onRunSkipped(const SweepRun& /*run*/) {}
    virtual void onRunEnd(const SweepRun& /*run*/, const RunResult& /*result*/) {}
    virtual ExperimentObserver& observer() = 0;
    /// Where a run's epochs go when several runs train at once (fused); default: observer().
    virtual ExperimentObserver& observerFor(const SweepRun& /*run*/) { return observer(); }
};
/// `fuse` > 1 trains up to that many runs at once in one fused pass (runs that differ only in
/// dropout rates and seeds; they share the batch order). Not combined with successive halving.
std::vector<RunResult> runSweep(const SweepSpec& spec, const std::vector<SweepRun>& runs, SweepFolder& folder,
                                SweepProgress& progress, const CancelToken& cancel, int fuse = 1);

} // namespace dropoutlab
