#pragma once
// Internal: the JSON object of a network definition, shared by network files and by the
// "network" key of a config (network.h has the public reader and writer).

#include "dropoutlab/core/layer_spec.h"

#include <nlohmann/json.hpp>

#include <string>

namespace dropoutlab::detail {

/// A definition from a network file's object, checked with inferShapes(); errors name `where`.
NetworkSpec networkFromObject(const nlohmann::json& object, const std::string& where);

/// The object networkFromObject reads (nlohmann::json, or ordered_json for files).
template <typename Json>
Json networkToObject(const NetworkSpec& definition);

extern template nlohmann::json networkToObject<nlohmann::json>(const NetworkSpec&);

} // namespace dropoutlab::detail
