#pragma once
// Shared by the engine and ui tests: short, real runs on the committed MNIST fixture.

#include "dropoutlab/core/experiment_config.h"
#include "dropoutlab/core/results.h"

#include <QString>

namespace dropoutlab::test {

inline ExperimentConfig shortFixtureRun(const std::string& name, double fc1Rate, int epochs = 2)
{
    ExperimentConfig config;
    config.name = name;
    config.dataDir = DROPOUTLAB_TEST_DATA_DIR "/mnist-small";
    config.epochs = epochs;
    config.batchSize = 20;
    config.device = "cpu";
    config.progressEvery = 5;
    if (fc1Rate > 0)
        config.dropout["fc1"] = {fc1Rate, DropoutKind::Element};
    return config;
}

/// A one-epoch CNN run on 400 fixture images in batches of 50, one thread: the smallest real
/// training (the saved-model and uncertainty tests).
inline ExperimentConfig tinyFixtureRun(double fc1Rate)
{
    ExperimentConfig config = shortFixtureRun("tiny", fc1Rate, 1);
    config.batchSize = 50;
    config.trainSubset = 400;
    config.threads = 1;
    config.progressEvery = ExperimentConfig{}.progressEvery;
    return config;
}

inline QString statusInFolder(const QString& dir)
{
    return QString::fromStdString(toString(loadRun(dir.toStdString()).result.status));
}

} // namespace dropoutlab::test
