#pragma once

#include <stdexcept>
#include <string>

namespace dropoutlab {

/// Base of every error the engine throws; the message says what, where and what was expected.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// An experiment configuration, preset or command-line value is invalid.
class ConfigError final : public Error {
public:
    using Error::Error;
};

/// A dataset file is missing, malformed or inconsistent.
class DataError final : public Error {
public:
    using Error::Error;
};

/// The requested compute device is not available.
class DeviceError final : public Error {
public:
    using Error::Error;
};

/// A saved model (model.pt) is missing, malformed, foreign, or does not fit its run's config.
class ModelError final : public Error {
public:
    using Error::Error;
};

/// Reading or writing a results file failed.
class IoError final : public Error {
public:
    using Error::Error;
};

} // namespace dropoutlab
