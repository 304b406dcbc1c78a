#pragma once
// Shared by the sweep tests: specs and made-up run records (the core only).

#include "dropoutlab/core/sweep.h"

#include <map>
#include <string>

namespace dropoutlab::test {

inline SweepSpec gridSpec()
{
    SweepSpec spec;
    spec.base.dataDir = DROPOUTLAB_TEST_DATA_DIR "/mnist-small";
    spec.axes = {parseSweepAxis("fc1=0,0.25,0.5"), parseSweepAxis("input=0:0.2:0.1")};
    spec.repeats = 3;
    return spec;
}

/// A tiny, fast sweep on the fixture.
inline SweepSpec tinySpec(int points, int epochs)
{
    SweepSpec spec;
    spec.base.dataDir = DROPOUTLAB_TEST_DATA_DIR "/mnist-small";
    spec.base.epochs = epochs;
    spec.base.batchSize = 50;
    spec.base.trainSubset = 300;
    spec.base.device = "cpu";
    SweepAxis axis{"fc1", {}};
    for (int i = 0; i < points; ++i)
        axis.values.push_back(0.2 * i);
    spec.axes = {axis};
    return spec;
}

inline RunRecord fakeRecord(const std::string& id, double test, double bestVal, double trainAcc, double valAcc)
{
    RunRecord record;
    record.id = id;
    record.result.status = RunStatus::Completed;
    record.result.testAccuracy = test;
    record.result.bestValAccuracy = bestVal;
    EpochMetrics m;
    m.epoch = 1;
    m.trainAccuracy = trainAcc;
    m.valAccuracy = valAcc;
    record.result.epochs.push_back(m);
    return record;
}

} // namespace dropoutlab::test
