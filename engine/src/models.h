#pragma once
// Internal: the LibTorch networks. Torch stays out of the public headers.

#include "dropoutlab/experiment_config.h"

#include <torch/torch.h>

#include <memory>

namespace dropoutlab::detail {

/// A network whose dropout sites are configured at construction.
class NetImpl : public torch::nn::Module {
public:
    virtual torch::Tensor forward(torch::Tensor input) = 0;
};

/// Applies one site's dropout; rate 0 is the identity (no random numbers drawn).
torch::Tensor applyDropout(const torch::Tensor& input, const DropoutSetting& setting, bool training);

/// Builds the model a config asks for, initialised from the current torch seed.
std::shared_ptr<NetImpl> makeModel(const ExperimentConfig& config);

/// conv 1->32 3x3 pad 1, pool, ReLU; conv 32->64 3x3 pad 1, pool, ReLU; fc 3136->128, ReLU; fc 128->10.
class ReferenceCnnImpl final : public NetImpl {
public:
    explicit ReferenceCnnImpl(const std::map<std::string, DropoutSetting>& dropout);
    torch::Tensor forward(torch::Tensor input) override;

private:
    DropoutSetting m_input, m_conv1Drop, m_conv2Drop, m_fc1Drop;
    torch::nn::Conv2d m_conv1{nullptr}, m_conv2{nullptr};
    torch::nn::Linear m_fc1{nullptr}, m_fc2{nullptr};
};

/// 784-800-800-10 with ReLU.
class MlpImpl final : public NetImpl {
public:
    explicit MlpImpl(const std::map<std::string, DropoutSetting>& dropout);
    torch::Tensor forward(torch::Tensor input) override;

private:
    DropoutSetting m_input, m_hidden1Drop, m_hidden2Drop;
    torch::nn::Linear m_fc1{nullptr}, m_fc2{nullptr}, m_fc3{nullptr};
};

} // namespace dropoutlab::detail
