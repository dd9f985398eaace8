#include "gateway/streams/logs_query.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace gateway {
namespace {

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<google::protobuf::Timestamp> ParseUnixTimestamp(absl::string_view text) {
  absl::string_view seconds_text = text;
  absl::string_view fraction;
  size_t dot = text.find('.');
  if (dot != absl::string_view::npos) {
    seconds_text = text.substr(0, dot);
    fraction = text.substr(dot + 1);
  }
  bool negative = absl::ConsumePrefix(&seconds_text, "-");
  int64_t seconds = 0;
  if (!AllDigits(seconds_text) || !absl::SimpleAtoi(seconds_text, &seconds) ||
      (dot != absl::string_view::npos && !AllDigits(fraction))) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid timestamp \"", text, "\": expected Unix seconds"));
  }
  if (fraction.size() > 9) fraction = fraction.substr(0, 9);
  int64_t nanos = 0;
  if (!fraction.empty()) {
    absl::SimpleAtoi(fraction, &nanos);
    for (size_t i = fraction.size(); i < 9; ++i) nanos *= 10;
  }
  google::protobuf::Timestamp ts;
  if (negative) {
    seconds = -seconds;
    if (nanos > 0) {
      seconds -= 1;
      nanos = 1000000000 - nanos;
    }
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(nanos));
  return ts;
}

absl::StatusOr<berth::v1::LogsRequest> ParseLogsQuery(const Request& request,
                                                      absl::string_view id) {
  berth::v1::LogsRequest logs;
  logs.set_id(std::string(id));
  logs.set_stdout(request.QueryBool("stdout"));
  logs.set_stderr(request.QueryBool("stderr"));
  if (!logs.stdout() && !logs.stderr()) {
    return absl::InvalidArgumentError(
        "Bad parameters: you must choose at least one stream");
  }
  logs.set_follow(request.QueryBool("follow"));
  logs.set_timestamps(request.QueryBool("timestamps"));
  std::string tail = request.Query("tail");
  int64_t n = 0;
  logs.set_tail(absl::SimpleAtoi(tail, &n) && n >= 0 ? absl::StrCat(n) : "all");
  for (const char* name : {"since", "until"}) {
    std::string value = request.Query(name);
    if (value.empty()) continue;
    auto ts = ParseUnixTimestamp(value);
    if (!ts.ok()) return ts.status();
    if (ts->seconds() == 0 && ts->nanos() == 0) continue;  // 0: no bound
    *(absl::string_view(name) == "since" ? logs.mutable_since() : logs.mutable_until()) = *ts;
  }
  return logs;
}

std::string Rfc3339NanoFixed(const google::protobuf::Timestamp& ts) {
  absl::Time t = absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E9SZ", t, absl::UTCTimeZone());
}

std::string FormatLogRecord(const berth::v1::LogEntry& entry, bool timestamps) {
  if (!timestamps) return entry.data();
  return absl::StrCat(Rfc3339NanoFixed(entry.time()), " ", entry.data());
}

absl::string_view StreamContentType(bool tty, const ApiVersion& version) {
  if (!tty && version.AtLeast(1, 42)) return "application/vnd.docker.multiplexed-stream";
  return "application/vnd.docker.raw-stream";
}

}  // namespace gateway
