#pragma once
// Shared by the sweep tests: specs, a progress counter and made-up run records.

#include "dropoutlab/sweep.h"
#include "dropoutlab/sweep_runner.h"

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

class CountingProgress final : public SweepProgress {
public:
    void onRunStart(const SweepRun&, int, int) override { ++started; }
    void onRunSkipped(const SweepRun&) override { ++skipped; }
    void onRunEnd(const SweepRun& run, const RunResult& result) override { statuses[run.id] = toString(result.status); }
    ExperimentObserver& observer() override { return m_null; }
    int started = 0;
    int skipped = 0;
    std::map<std::string, std::string> statuses;

private:
    class Null final : public ExperimentObserver {} m_null;
};

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
