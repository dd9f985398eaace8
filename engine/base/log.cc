#include "engine/base/log.h"

#include <unistd.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace base {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

// Quotes a value when logfmt needs it.
void AppendValue(std::string* out, absl::string_view v) {
  bool plain = !v.empty();
  for (char c : v) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) plain = false;
  }
  if (plain) {
    out->append(v.data(), v.size());
    return;
  }
  out->push_back('"');
  for (char c : v) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppend(out, "\\x", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

}  // namespace

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }

bool ParseLogLevel(absl::string_view text, LogLevel* level) {
  if (text == "debug") *level = LogLevel::kDebug;
  else if (text == "info") *level = LogLevel::kInfo;
  else if (text == "warn" || text == "warning") *level = LogLevel::kWarn;
  else if (text == "error" || text == "fatal") *level = LogLevel::kError;
  else return false;
  return true;
}

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level; }

std::string FormatLogRecord(LogLevel level, absl::string_view msg,
                            std::initializer_list<LogField> fields) {
  std::string out = "time=\"";
  out += absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone());
  absl::StrAppend(&out, "\" level=", LevelName(level), " msg=");
  AppendValue(&out, msg);
  for (const auto& [key, value] : fields) {
    absl::StrAppend(&out, " ", key, "=");
    AppendValue(&out, value);
  }
  out.push_back('\n');
  return out;
}

void Log(LogLevel level, absl::string_view msg,
         std::initializer_list<LogField> fields) {
  if (!LogEnabled(level)) return;
  std::string record = FormatLogRecord(level, msg, fields);
  // One write per record keeps lines whole across threads.
  ssize_t ignored = ::write(STDERR_FILENO, record.data(), record.size());
  (void)ignored;
}

}  // namespace base
