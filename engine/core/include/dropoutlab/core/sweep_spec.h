#pragma once
// Sweeps: the grid (axes, points, seeds, shards) and its JSON form. Core library.

#include "dropoutlab/core/experiment_config.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
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
    /// Repeat r also uses split seed base.seeds.split + r: another training/validation split per
    /// repeat (repeated random sub-sampling), so that the statistics include the split's noise.
    /// The test set stays the same.
    bool varySplit = false;
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

/// A setting a sweep axis can vary besides the dropout sites.
struct SweepSetting {
    std::string name;   ///< the config key, e.g. "weight_decay"
    std::string label;  ///< for axis titles, e.g. "Weight decay"
};
/// learning_rate, momentum, weight_decay, max_norm, train_subset.
const std::vector<SweepSetting>& sweepSettings();
/// The parameters a sweep axis can vary besides dropout sites (one of sweepSettings()).
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

} // namespace dropoutlab
