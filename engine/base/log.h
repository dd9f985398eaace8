// -----------------------------------------------------------------------------
// File: log.h
// -----------------------------------------------------------------------------
//
// Structured logging to stderr in the logfmt shape dockerd uses:
//   time="2026-11-28T07:30:00.123456Z" level=info msg="pull complete" ref=...
// Thread-safe: each record is one write(2).
//
//   LOG_INFO("pull complete", {{"ref", ref}, {"layers", "3"}});

#ifndef ENGINE_BASE_LOG_H_
#define ENGINE_BASE_LOG_H_

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace base {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

using LogField = std::pair<absl::string_view, absl::string_view>;

// Sets the minimum level written. Default kInfo.
void SetLogLevel(LogLevel level);
// Parses "debug", "info", "warn", "error" (dockerd's names; "fatal" maps to
// error). Returns false on anything else.
bool ParseLogLevel(absl::string_view text, LogLevel* level);
bool LogEnabled(LogLevel level);

// Formats a record without writing it (exposed for tests).
std::string FormatLogRecord(LogLevel level, absl::string_view msg,
                            std::initializer_list<LogField> fields);
void Log(LogLevel level, absl::string_view msg,
         std::initializer_list<LogField> fields = {});

}  // namespace base

#define LOG_DEBUG(...) ::base::Log(::base::LogLevel::kDebug, __VA_ARGS__)
#define LOG_INFO(...) ::base::Log(::base::LogLevel::kInfo, __VA_ARGS__)
#define LOG_WARN(...) ::base::Log(::base::LogLevel::kWarn, __VA_ARGS__)
#define LOG_ERROR(...) ::base::Log(::base::LogLevel::kError, __VA_ARGS__)

#endif  // ENGINE_BASE_LOG_H_
