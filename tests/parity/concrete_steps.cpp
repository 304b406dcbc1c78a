// The engine's side of the Concrete Dropout parity check (tests/parity/concrete_check.py): a site's
// relaxed mask and regulariser (models.h) on seeded inputs, with their gradients, as JSON.
//
//   concrete_steps OUT.json
#include "models.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

using namespace dropoutlab;

namespace {

std::vector<double> values(const torch::Tensor& t)
{
    const auto d = t.detach().to(torch::kDouble).contiguous().flatten();
    return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::cerr << "usage: concrete_steps OUT.json\n";
        return 2;
    }
    torch::manual_seed(11);
    const auto options = torch::TensorOptions().dtype(torch::kDouble);
    nlohmann::json cases = nlohmann::json::array();
    for (const double rate : {0.05, 0.3, 0.7}) {
        const auto x = torch::randn({8, 40}, options).requires_grad_(true);
        const auto u = torch::rand({8, 40}, options);
        const auto w = torch::randn({10, 40}, options).requires_grad_(true);
        const auto b = torch::randn({10}, options).requires_grad_(true);
        const auto logit = torch::full({1}, std::log(rate / (1 - rate)), options).requires_grad_(true);
        const auto dropped = dropoutlab::detail::concreteDropout(x, logit, u);
        const auto reg = dropoutlab::detail::concreteRegulariser(logit, {w, b}, 40, 1000).sum();
        const auto out = torch::linear(dropped, w, b);
        const auto objective = out.pow(2).mean() + reg;
        objective.backward();
        cases.push_back({{"rate", rate}, {"x", values(x)}, {"u", values(u)}, {"w", values(w)}, {"b", values(b)},
                         {"dropped", values(dropped)}, {"regulariser", reg.template item<double>()},
                         {"grad_logit", logit.grad().template item<double>()}, {"grad_x", values(x.grad())},
                         {"grad_w", values(w.grad())}});
    }
    std::ofstream(argv[1]) << nlohmann::json{{"temperature", dropoutlab::detail::kConcreteTemperature},
                                             {"length_scale", dropoutlab::detail::kConcreteLengthScale},
                                             {"features", 40},
                                             {"training_size", 1000},
                                             {"cases", cases}}.dump();
    return 0;
}
