#include "models.h"

namespace dropoutlab::detail {

using Kind = LayerSpec::Kind;

DropoutSetting dropoutSetting(const ExperimentConfig& config, const std::string& site)
{
    const auto it = config.dropout.find(site);
    return it == config.dropout.end() ? DropoutSetting{} : it->second;
}

torch::Tensor applyDropout(const torch::Tensor& input, const DropoutSetting& setting, bool training)
{
    if (!training || setting.rate == 0.0)
        return input;
    if (setting.kind == DropoutKind::Channel)
        return torch::feature_dropout(input, setting.rate, training);
    return torch::dropout(input, setting.rate, training);
}

NetImpl::NetImpl(const NetworkSpec& spec, const std::map<std::string, DropoutSetting>& dropout)
    : m_spec(spec), m_dropout(spec.layers.size()), m_convs(spec.layers.size(), nullptr),
      m_linears(spec.layers.size(), nullptr)
{
    for (std::size_t i = 0; i < spec.layers.size(); ++i) {
        const LayerSpec& l = spec.layers[i];
        if (l.kind == Kind::Conv) {
            m_convs[i] = register_module(
                l.name, torch::nn::Conv2d(torch::nn::Conv2dOptions(l.in, l.out, l.kernel).padding(l.padding)));
        } else if (l.kind == Kind::Linear) {
            m_linears[i] = register_module(l.name, torch::nn::Linear(l.in, l.out));
        } else if (l.kind == Kind::Dropout) {
            const auto it = dropout.find(l.name);
            if (it != dropout.end())
                m_dropout[i] = it->second;
        }
    }
}

torch::Tensor NetImpl::forward(torch::Tensor x)
{
    const bool training = is_training();
    for (std::size_t i = 0; i < m_spec.layers.size(); ++i) {
        switch (m_spec.layers[i].kind) {
        case Kind::Conv: x = m_convs[i]->forward(x); break;
        case Kind::MaxPool: x = torch::max_pool2d(x, 2); break;
        case Kind::Relu: x = x.relu_(); break;  // follows a pooling or a layer whose backward needs no output
        case Kind::Flatten: x = x.flatten(1); break;
        case Kind::Linear: x = m_linears[i]->forward(x); break;
        case Kind::Dropout: x = applyDropout(x, m_dropout[i], training); break;
        }
    }
    return x;
}

std::shared_ptr<NetImpl> makeModel(const ExperimentConfig& config)
{
    return std::make_shared<NetImpl>(networkSpec(config), config.dropout);
}

} // namespace dropoutlab::detail
