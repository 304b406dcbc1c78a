#pragma once

#include <stdexcept>
#include <string>

namespace dropoutlab {

/// `text` with its control bytes (NUL, ESC, DEL, ...) written as \xNN: a message then shows them
/// instead of being cut short at a NUL or driving the terminal. Newlines and tabs stay.
inline std::string escapeControlBytes(const std::string& text)
{
    static const char* const digits = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && c != '\n' && c != '\t') || byte == 0x7f) {
            out += "\\x";
            out += digits[byte >> 4];
            out += digits[byte & 15];
        } else {
            out += c;
        }
    }
    return out;
}

/// Base of every error the engine throws; the message says what, where and what was expected,
/// with control bytes escaped (escapeControlBytes).
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(escapeControlBytes(message)) {}
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
