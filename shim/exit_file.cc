#include "shim/exit_file.h"

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "engine/base/status.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace shim {

std::string FormatRfc3339Nano(absl::Time t) {
  // %E*S prints the seconds with as many fraction digits as needed (none
  // when whole), which is what Go's RFC3339Nano does.
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view text) {
  absl::Time t;
  std::string err;
  std::string s(text);
  // absl accepts "Z" for %Ez as well as +hh:mm.
  if (!absl::ParseTime("%Y-%m-%dT%H:%M:%E*S%Ez", s, absl::UTCTimeZone(), &t, &err)) {
    return absl::InvalidArgumentError(absl::StrCat("bad time \"", s, "\": ", err));
  }
  return t;
}

std::string FormatExitRecord(const ExitRecord& record) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("exit_code");
  w.Int(record.exit_code);
  w.Key("exited_at");
  std::string at = FormatRfc3339Nano(record.exited_at);
  w.String(at.data(), static_cast<rapidjson::SizeType>(at.size()));
  w.Key("oom_killed");
  w.Bool(record.oom_killed);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

absl::StatusOr<ExitRecord> ParseExitRecord(absl::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return absl::InvalidArgumentError("exit record: not a JSON object");
  }
  ExitRecord record;
  auto code = doc.FindMember("exit_code");
  if (code == doc.MemberEnd() || !code->value.IsInt()) {
    return absl::InvalidArgumentError("exit record: exit_code missing or not an integer");
  }
  record.exit_code = code->value.GetInt();
  auto at = doc.FindMember("exited_at");
  if (at == doc.MemberEnd() || !at->value.IsString()) {
    return absl::InvalidArgumentError("exit record: exited_at missing or not a string");
  }
  absl::StatusOr<absl::Time> t = ParseRfc3339(
      absl::string_view(at->value.GetString(), at->value.GetStringLength()));
  if (!t.ok()) return base::Annotate(t.status(), "exit record");
  record.exited_at = *t;
  auto oom = doc.FindMember("oom_killed");
  if (oom != doc.MemberEnd()) {
    if (!oom->value.IsBool()) {
      return absl::InvalidArgumentError("exit record: oom_killed is not a boolean");
    }
    record.oom_killed = oom->value.GetBool();
  }
  return record;
}

absl::Status WriteExitFile(absl::string_view dir, const ExitRecord& record) {
  // Must survive berthd and shim crashes, not reboots (which end every
  // container): atomic, not fsynced.
  return base::ReplaceFile(base::JoinPath(dir, kExitFileName), FormatExitRecord(record), 0644);
}

absl::StatusOr<ExitRecord> ReadExitFile(absl::string_view dir) {
  std::string path = base::JoinPath(dir, kExitFileName);
  absl::StatusOr<std::string> data = base::ReadFile(path, 4096);
  if (!data.ok()) return data.status();
  absl::StatusOr<ExitRecord> record = ParseExitRecord(*data);
  if (!record.ok()) return base::Annotate(record.status(), path);
  return record;
}

}  // namespace shim
