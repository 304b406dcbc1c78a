#pragma once
// Sweeps: statistics per grid point and Welch comparisons. Core library.

#include "dropoutlab/core/results.h"
#include "dropoutlab/core/sweep_spec.h"

#include <optional>
#include <string>
#include <vector>

namespace dropoutlab {

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
    Stats gap;                        ///< final train minus validation accuracy, dropout off (trainValGap)
    int gapsWithDropout = 0;          ///< runs without the dropout-off metric, whose gap uses the running one
    Stats lossGap;                    ///< final validation minus training loss, dropout off (valTrainLossGap); runs with it only
    std::vector<double> testAccuracies;
};

/// Matches the records of a sweep folder to the spec's points and aggregates completed runs.
std::vector<PointSummary> aggregateSweep(const SweepSpec& spec, const std::vector<RunRecord>& records);

/// Marginal effect of each axis: for axis a and each of its values, the statistics over the
/// points with that value (of their mean test accuracies, points without a completed run left
/// out). result[a][v] belongs to spec.axes[a].values[v].
std::vector<std::vector<Stats>> marginalTestAccuracy(const SweepSpec& spec, const std::vector<PointSummary>& points);

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

} // namespace dropoutlab
