#pragma once
// Shared by the ui tests: a RunsModel entry as a finished run leaves it, without training.

#include "runs_model.h"

#include "dropoutlab/core/results.h"

#include <QDir>

namespace dropoutlab::test {

/// Adds a completed run "fc1 0.5" with two epochs and a test accuracy of 99.08 %, recorded in `dir`.
inline int addCompletedRun(ui::RunsModel& model, const QString& dir)
{
    ExperimentConfig config;
    config.name = "fc1 0.5";
    const int id = model.addRun(config, ui::RunState::Completed);
    model.update(id, [&dir](ui::RunEntry& e) {
        e.dir = dir;
        e.result.testAccuracy = 0.9908;
        e.result.bestValAccuracy = 0.9913;
        e.result.epochs.push_back({1, 0.2, 0.94, 0.08, 0.975, 12.0, 10.6, 1.4});
        e.result.epochs.push_back({2, 0.1, 0.97, 0.05, 0.985, 12.0, 10.6, 1.4});
    });
    return id;
}

/// Writes a finished one-epoch run named `name` into `workspace`, as the engine records it.
inline void writeRecordedRun(const QString& workspace, const std::string& name, double testAccuracy)
{
    ExperimentConfig config;
    config.name = name;
    RunWriter writer(QDir(workspace).filePath(QString::fromStdString(name)).toStdString(), config);
    RunResult result;
    result.testAccuracy = testAccuracy;
    result.epochs.push_back({1, 0.2, 0.9, 0.1, 0.95, 10.0, 9.0, 1.0});
    writer.appendEpoch(result.epochs.front());
    writer.writeResult(result);
}

} // namespace dropoutlab::test
