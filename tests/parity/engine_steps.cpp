// The engine's side of the PyTorch parity check (tests/parity/parity_check.py): trains the
// reference CNN through the real training path (runExperiment) and writes what a Python
// reference needs to repeat the same training and what the engine measured.
//
//   engine_steps DATA_DIR OUT_DIR STEPS FC1_RATE SEED THREADS [NETWORK_FILE]
//
// With NETWORK_FILE the network of that file is trained instead (FC1_RATE must then be 0).
//
// OUT_DIR receives initial.pt (the starting weights, as a PyTorch archive of a dict name ->
// tensor), order.json (the training images of every step, in order) and losses.json (the
// engine's loss at every step).
#include "dropoutlab/core/data_split.h"
#include "dropoutlab/core/dataset.h"
#include "dropoutlab/train/experiment.h"
#include "dropoutlab/core/cancel_token.h"
#include "dropoutlab/core/network.h"
#include "models.h"
#include "saved_model.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

using namespace dropoutlab;

namespace {

/// Per-step losses from the running means the progress reports give (one report per batch).
class StepLosses final : public ExperimentObserver {
public:
    std::vector<double> losses;
    void onBatch(const BatchProgress& p) override
    {
        const double sum = p.loss * p.batch;
        losses.push_back(sum - m_previousSum);
        m_previousSum = p.batch == p.batchesPerEpoch ? 0.0 : sum;
    }

private:
    double m_previousSum = 0.0;
};

void writeJson(const std::string& path, const nlohmann::json& value)
{
    std::ofstream out(path);
    out << value.dump() << "\n";
    if (!out)
        throw std::runtime_error("cannot write " + path);
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 7 && argc != 8) {
        std::cerr << "usage: engine_steps DATA_DIR OUT_DIR STEPS FC1_RATE SEED THREADS [NETWORK_FILE]\n";
        return 2;
    }
    try {
        const std::string out = argv[2];
        const int steps = std::stoi(argv[3]);
        ExperimentConfig config;
        config.name = "parity";
        config.dataDir = argv[1];
        config.batchSize = 100;
        config.threads = std::stoi(argv[6]);
        config.device = "cpu";
        config.progressEvery = 1;
        config.trainEvalImages = 0;
        config.seeds.init = config.seeds.shuffle = config.seeds.dropout = std::stoull(argv[5]);
        if (argc == 8)
            config = withNetwork(config, readNetworkFile(argv[7]));
        if (const double rate = std::stod(argv[4]); rate > 0)
            config.dropout["fc1"] = {rate, DropoutKind::Element};

        // The batch order, as the training session draws it: the split, then one shuffle of the
        // training part per epoch with the shuffle seed.
        const DatasetBytes data = loadDataset(resolveDataDir(config.dataDir));
        std::vector<std::int64_t> train = makeSplit(data.trainCount(), config.validationFraction, config.seeds.split).train;
        const std::int64_t perEpoch = static_cast<std::int64_t>(train.size()) / config.batchSize;
        config.epochs = static_cast<int>((steps + perEpoch - 1) / perEpoch);
        SeededShuffler shuffler(config.seeds.shuffle);
        nlohmann::json order = nlohmann::json::array();
        for (int epoch = 0; epoch < config.epochs; ++epoch) {
            shuffler.shuffle(train);
            for (std::int64_t b = 0; b < perEpoch && static_cast<int>(order.size()) < steps; ++b)
                order.push_back(std::vector<std::int64_t>(train.begin() + b * config.batchSize,
                                                          train.begin() + (b + 1) * config.batchSize));
        }
        if (static_cast<std::int64_t>(train.size()) % config.batchSize != 0)
            throw std::runtime_error("the training part must be a whole number of batches");

        torch::manual_seed(config.seeds.init);
        const auto initial = dropoutlab::detail::makeModel(config);
        dropoutlab::detail::saveModelFile(out + "/initial.pt", config, dropoutlab::detail::stateTensors(*initial));
        writeJson(out + "/order.json", order);

        StepLosses observer;
        const CancelToken never;
        const RunResult result = runExperiment(config, observer, never);
        if (result.status != RunStatus::Completed)
            throw std::runtime_error("the training did not complete: " + result.message);
        observer.losses.resize(static_cast<std::size_t>(steps));
        writeJson(out + "/losses.json", observer.losses);
        return 0;
    } catch (const std::exception& error) {
        std::cerr << "engine_steps: " << error.what() << "\n";
        return 1;
    }
}
