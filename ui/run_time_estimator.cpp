#include "run_time_estimator.h"

#include "runs_model.h"

#include <algorithm>

namespace dropoutlab::ui {
namespace {

/// A validation image costs about a third of a training image (forward pass only).
constexpr double kValidationWeight = 1.0 / 3.0;

double weightedImages(double trainImages, double validationImages)
{
    return trainImages + kValidationWeight * validationImages;
}

} // namespace

RunTimeEstimator::RunTimeEstimator(const RunsModel& model)
{
    for (auto it = model.entries().rbegin(); it != model.entries().rend(); ++it) {
        if (it->result.epochs.empty() || it->info.validationImages <= 0 || it->config.validationFraction <= 0.0)
            continue;
        m_trainFileImages = static_cast<double>(it->info.validationImages) / it->config.validationFraction;
        const double train = it->info.trainImages > 0 ? static_cast<double>(it->info.trainImages)
                                                      : m_trainFileImages * (1.0 - it->config.validationFraction);
        m_secondsPerImage =
            it->result.epochs.back().seconds / weightedImages(train, static_cast<double>(it->info.validationImages));
        return;
    }
}

double RunTimeEstimator::runSeconds(const ExperimentConfig& config) const
{
    const double validation = m_trainFileImages * config.validationFraction;
    const double trainPart = m_trainFileImages - validation;
    const double train = config.trainSubset > 0 ? std::min(static_cast<double>(config.trainSubset), trainPart) : trainPart;
    return config.epochs * weightedImages(train, validation) * m_secondsPerImage;
}

} // namespace dropoutlab::ui
