#include "models.h"

namespace dropoutlab::detail {
namespace {

DropoutSetting settingFor(const std::map<std::string, DropoutSetting>& dropout, const std::string& site)
{
    const auto it = dropout.find(site);
    return it == dropout.end() ? DropoutSetting{} : it->second;
}

} // namespace

torch::Tensor applyDropout(const torch::Tensor& input, const DropoutSetting& setting, bool training)
{
    if (!training || setting.rate == 0.0)
        return input;
    if (setting.kind == DropoutKind::Channel)
        return torch::feature_dropout(input, setting.rate, training);
    return torch::dropout(input, setting.rate, training);
}

ReferenceCnnImpl::ReferenceCnnImpl(const std::map<std::string, DropoutSetting>& dropout)
    : m_input(settingFor(dropout, "input")),
      m_conv1Drop(settingFor(dropout, "conv1")),
      m_conv2Drop(settingFor(dropout, "conv2")),
      m_fc1Drop(settingFor(dropout, "fc1"))
{
    m_conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 32, 3).padding(1)));
    m_conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3).padding(1)));
    m_fc1 = register_module("fc1", torch::nn::Linear(64 * 7 * 7, 128));
    m_fc2 = register_module("fc2", torch::nn::Linear(128, 10));
}

torch::Tensor ReferenceCnnImpl::forward(torch::Tensor x)
{
    const bool training = is_training();
    x = applyDropout(x, m_input, training);
    // ReLU and max-pool commute; pooling first does a quarter of the ReLU work.
    x = torch::max_pool2d(m_conv1->forward(x), 2).relu_();
    x = applyDropout(x, m_conv1Drop, training);
    x = torch::max_pool2d(m_conv2->forward(x), 2).relu_();
    x = applyDropout(x, m_conv2Drop, training);
    x = m_fc1->forward(x.flatten(1)).relu_();
    x = applyDropout(x, m_fc1Drop, training);
    return m_fc2->forward(x);
}

MlpImpl::MlpImpl(const std::map<std::string, DropoutSetting>& dropout)
    : m_input(settingFor(dropout, "input")),
      m_hidden1Drop(settingFor(dropout, "hidden1")),
      m_hidden2Drop(settingFor(dropout, "hidden2"))
{
    m_fc1 = register_module("fc1", torch::nn::Linear(28 * 28, 800));
    m_fc2 = register_module("fc2", torch::nn::Linear(800, 800));
    m_fc3 = register_module("fc3", torch::nn::Linear(800, 10));
}

torch::Tensor MlpImpl::forward(torch::Tensor x)
{
    const bool training = is_training();
    x = applyDropout(x.flatten(1), m_input, training);
    x = applyDropout(m_fc1->forward(x).relu_(), m_hidden1Drop, training);
    x = applyDropout(m_fc2->forward(x).relu_(), m_hidden2Drop, training);
    return m_fc3->forward(x);
}

std::shared_ptr<NetImpl> makeModel(const ExperimentConfig& config)
{
    if (config.model == ModelKind::Mlp)
        return std::make_shared<MlpImpl>(config.dropout);
    return std::make_shared<ReferenceCnnImpl>(config.dropout);
}

} // namespace dropoutlab::detail
