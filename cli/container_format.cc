#include "cli/container_format.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "cli/image_format.h"
#include "cli/output/table.h"
#include "cli/output/units.h"

namespace cli {
namespace {

using berth::v1::ContainerSummary;

// The image column: an ID shown short; a digest reference without the
// digest (Docker's ContainerContext.Image()).
std::string PsImage(const ContainerSummary& c, bool trunc) {
  if (c.image().empty()) return "<no image>";
  if (!trunc) return c.image();
  absl::string_view image = c.image();
  if (absl::StartsWith(image, "sha256:") || TruncateId(c.image_id()) == TruncateId(image)) {
    return TruncateId(image);
  }
  if (size_t at = image.find('@'); at != absl::string_view::npos) {
    return std::string(image.substr(0, at));
  }
  return std::string(image);
}

// Go's strconv.Quote for the printable ASCII and UTF-8 a command holds.
std::string GoQuote(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(&out, "\\x%02x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string PsCommand(const ContainerSummary& c, bool trunc) {
  absl::string_view command = c.command();
  // The daemon may send the command already quoted; quote it once.
  if (command.size() >= 2 && command.front() == '"' && command.back() == '"') {
    command = command.substr(1, command.size() - 2);
  }
  std::string cmd(command);
  if (trunc) cmd = Ellipsis(cmd, 20);
  return GoQuote(cmd);
}

std::string PsNames(const ContainerSummary& c, bool trunc) {
  std::vector<std::string> names;
  for (absl::string_view n : c.names()) {
    absl::ConsumePrefix(&n, "/");
    // Without --no-trunc, legacy link names ("other/alias") are hidden.
    if (trunc && absl::StrContains(n, '/')) continue;
    names.emplace_back(n);
  }
  return absl::StrJoin(names, ",");
}

std::string GoTime(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %z %Z", ToAbslTime(ts), absl::LocalTimeZone());
}

Fields PsFields(const ContainerSummary& c, const PsOptions& o, absl::Time now) {
  bool trunc = !o.no_trunc;
  std::string status = c.status();
  if (status.empty()) {
    status = c.state();
    if (!status.empty()) status[0] = absl::ascii_toupper(status[0]);
  }
  std::map<std::string, std::string> labels(c.labels().begin(), c.labels().end());
  std::vector<std::string> label_parts;
  for (const auto& [k, v] : labels) label_parts.push_back(absl::StrCat(k, "=", v));
  std::vector<std::string> mounts;
  int local_volumes = 0;
  for (const auto& m : c.mounts()) {
    std::string name = m.name().empty() ? m.source() : m.name();
    if (trunc) name = Ellipsis(name, 15);
    mounts.push_back(name);
    if (m.type() == "volume") ++local_volumes;
  }
  std::string size = HumanSizeWithPrecision(static_cast<double>(c.size_rw()), 3);
  if (c.size_root_fs() > 0) {
    size = absl::StrCat(size, " (virtual ",
                        HumanSizeWithPrecision(static_cast<double>(c.size_root_fs()), 3), ")");
  }
  return {
      {"Command", PsCommand(c, trunc)},
      {"CreatedAt", c.has_created() ? GoTime(c.created()) : ""},
      {"ID", trunc ? ShortId(c.id()) : c.id()},
      {"Image", PsImage(c, trunc)},
      {"Labels", absl::StrJoin(label_parts, ",")},
      {"LocalVolumes", absl::StrCat(local_volumes)},
      {"Mounts", absl::StrJoin(mounts, ",")},
      {"Names", PsNames(c, trunc)},
      {"Networks", c.network_mode() == "default" ? "" : c.network_mode()},
      {"Ports", ""},
      {"RunningFor",
       c.has_created() ? HumanDuration(now - ToAbslTime(c.created())) + " ago" : ""},
      {"Size", size},
      {"State", c.state()},
      {"Status", status},
  };
}

const Fields kPsHeaders = {
    {"Command", "COMMAND"},   {"CreatedAt", "CREATED AT"}, {"ID", "CONTAINER ID"},
    {"Image", "IMAGE"},       {"Labels", "LABELS"},        {"LocalVolumes", "LOCAL VOLUMES"},
    {"Mounts", "MOUNTS"},     {"Names", "NAMES"},          {"Networks", "NETWORKS"},
    {"Ports", "PORTS"},       {"RunningFor", "CREATED"},   {"Size", "SIZE"},
    {"State", "STATE"},       {"Status", "STATUS"},
};

// A JSON string literal with Go's escaping (reuses GoJsonObject's).
std::string JsonString(absl::string_view s) {
  std::string object = GoJsonObject({{"k", std::string(s)}});  // {"k":"..."}
  return object.substr(5, object.size() - 6);
}

// Binary units as docker stats prints memory ("1.5MiB").
std::string BinarySize(double size) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  while (size >= 1024.0 && unit < 6) {
    size /= 1024.0;
    ++unit;
  }
  return absl::StrFormat("%.4g%s", size, kUnits[unit]);
}

// Go duration: a sequence of decimal numbers with units ns, us, µs, ms, s,
// m, h ("1h30m", "2.5s").
absl::StatusOr<absl::Duration> ParseGoDuration(absl::string_view s) {
  absl::Duration d;
  if (absl::ParseDuration(s, &d)) return d;
  return absl::InvalidArgumentError(absl::StrCat("invalid duration ", s));
}

}  // namespace

absl::Time ToAbslTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  int64_t nanos = absl::ToUnixNanos(t);
  int64_t secs = nanos / 1000000000;
  int64_t rem = nanos % 1000000000;
  if (rem < 0) {
    rem += 1000000000;
    --secs;
  }
  ts.set_seconds(secs);
  ts.set_nanos(static_cast<int32_t>(rem));
  return ts;
}

std::string ShortId(absl::string_view id) {
  absl::ConsumePrefix(&id, "sha256:");
  return std::string(id.substr(0, 12));
}

std::string FormatContainerStatus(const berth::v1::ContainerState& s, absl::Time now) {
  absl::Time started = s.has_started_at() ? ToAbslTime(s.started_at()) : absl::UnixEpoch();
  absl::Time finished = s.has_finished_at() ? ToAbslTime(s.finished_at()) : absl::UnixEpoch();
  bool started_zero = !s.has_started_at() || started <= absl::UnixEpoch();
  bool finished_zero = !s.has_finished_at() || finished <= absl::UnixEpoch();
  if (s.running()) {
    if (s.paused()) return absl::StrCat("Up ", HumanDuration(now - started), " (Paused)");
    if (s.restarting()) {
      return absl::StrCat("Restarting (", s.exit_code(), ") ", HumanDuration(now - finished),
                          " ago");
    }
    return absl::StrCat("Up ", HumanDuration(now - started));
  }
  if (s.status() == "removing") return "Removal In Progress";
  if (s.dead()) return "Dead";
  if (started_zero) return "Created";
  if (finished_zero) return "";
  return absl::StrCat("Exited (", s.exit_code(), ") ", HumanDuration(now - finished), " ago");
}

absl::StatusOr<std::string> FormatPs(const std::vector<ContainerSummary>& containers,
                                     const PsOptions& o, absl::Time now) {
  if (o.quiet) {
    std::string out;
    for (const auto& c : containers) {
      absl::StrAppend(&out, o.no_trunc ? c.id() : ShortId(c.id()), "\n");
    }
    return out;
  }
  std::string format = o.format;
  if (format.empty() || format == "table") {
    format =
        "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t"
        "{{.Ports}}\t{{.Names}}";
    if (o.size) format += "\t{{.Size}}";
  }
  std::vector<Fields> rows;
  for (const auto& c : containers) rows.push_back(PsFields(c, o, now));
  return RenderRows(format, rows, kPsHeaders);
}

std::string JoinJsonArrays(const std::vector<std::string>& arrays) {
  std::vector<std::string> items;
  for (absl::string_view a : arrays) {
    a = absl::StripAsciiWhitespace(a);
    if (!absl::ConsumePrefix(&a, "[") || !absl::ConsumeSuffix(&a, "]")) continue;
    a = absl::StripAsciiWhitespace(a);
    if (!a.empty()) items.push_back(absl::StrCat("    ", a));
  }
  if (items.empty()) return "[]";
  return absl::StrCat("[\n", absl::StrJoin(items, ",\n"), "\n]");
}

std::string FormatTop(const berth::v1::TopResponse& top) {
  std::vector<std::string> header(top.titles().begin(), top.titles().end());
  Table table(header, /*min_width=*/20);
  for (const auto& row : top.processes()) {
    table.AddRow(std::vector<std::string>(row.values().begin(), row.values().end()));
  }
  return table.Render();
}

StatsRow ComputeStatsRow(const berth::v1::ContainerStats* prev,
                         const berth::v1::ContainerStats& cur) {
  StatsRow r;
  r.id = cur.id();
  r.name = std::string(absl::StripPrefix(cur.name(), "/"));
  if (prev != nullptr && cur.system_cpu_usage() > prev->system_cpu_usage() &&
      cur.cpu_total_usage() >= prev->cpu_total_usage()) {
    double cpu_delta = static_cast<double>(cur.cpu_total_usage() - prev->cpu_total_usage());
    double sys_delta = static_cast<double>(cur.system_cpu_usage() - prev->system_cpu_usage());
    double cpus = cur.online_cpus() > 0 ? cur.online_cpus() : 1;
    r.cpu_percent = cpu_delta / sys_delta * cpus * 100.0;
  }
  r.memory_usage = cur.memory_usage() > cur.memory_cache()
                       ? cur.memory_usage() - cur.memory_cache()
                       : cur.memory_usage();
  r.memory_limit = cur.memory_limit();
  if (r.memory_limit > 0) {
    r.memory_percent =
        static_cast<double>(r.memory_usage) / static_cast<double>(r.memory_limit) * 100.0;
  }
  r.net_rx = cur.net_rx_bytes();
  r.net_tx = cur.net_tx_bytes();
  r.block_read = cur.block_read_bytes();
  r.block_write = cur.block_write_bytes();
  r.pids = cur.pids_current();
  return r;
}

absl::StatusOr<std::string> FormatStats(const std::vector<StatsRow>& rows,
                                        const StatsOptions& o) {
  std::vector<Fields> out;
  for (const StatsRow& r : rows) {
    auto dec = [](uint64_t v) { return HumanSizeWithPrecision(static_cast<double>(v), 3); };
    out.push_back({
        {"BlockIO", absl::StrCat(dec(r.block_read), " / ", dec(r.block_write))},
        {"CPUPerc", absl::StrFormat("%.2f%%", r.cpu_percent)},
        {"Container", o.no_trunc ? r.id : ShortId(r.id)},
        {"ID", o.no_trunc ? r.id : ShortId(r.id)},
        {"MemPerc", absl::StrFormat("%.2f%%", r.memory_percent)},
        {"MemUsage", absl::StrCat(BinarySize(static_cast<double>(r.memory_usage)), " / ",
                                  BinarySize(static_cast<double>(r.memory_limit)))},
        {"Name", r.name.empty() ? "--" : r.name},
        {"NetIO", absl::StrCat(dec(r.net_rx), " / ", dec(r.net_tx))},
        {"PIDs", absl::StrCat(r.pids)},
    });
  }
  static const Fields kHeaders = {
      {"BlockIO", "BLOCK I/O"}, {"CPUPerc", "CPU %"}, {"Container", "CONTAINER"},
      {"ID", "CONTAINER ID"},   {"MemPerc", "MEM %"}, {"MemUsage", "MEM USAGE / LIMIT"},
      {"Name", "NAME"},         {"NetIO", "NET I/O"}, {"PIDs", "PIDS"},
  };
  std::string format = o.format;
  if (format.empty() || format == "table") {
    format =
        "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t"
        "{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";
  }
  return RenderRows(format, out, kHeaders);
}

std::string Rfc3339NanoFixed(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E9SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<std::string> FormatEvent(const berth::v1::Event& e, absl::string_view format) {
  std::map<std::string, std::string> attrs(e.attributes().begin(), e.attributes().end());
  absl::Time t = ToAbslTime(e.time());
  if (format == "json" || format == "{{json .}}") {
    std::string out = "{";
    if (e.type() == "container" || e.type() == "image") {
      absl::StrAppend(&out, "\"status\":", JsonString(e.action()), ",\"id\":",
                      JsonString(e.actor_id()), ",");
      auto image = attrs.find("image");
      if (image != attrs.end()) absl::StrAppend(&out, "\"from\":", JsonString(image->second), ",");
    }
    absl::StrAppend(&out, "\"Type\":", JsonString(e.type()), ",\"Action\":",
                    JsonString(e.action()), ",\"Actor\":{\"ID\":", JsonString(e.actor_id()),
                    ",\"Attributes\":{");
    std::vector<std::string> parts;
    for (const auto& [k, v] : attrs) parts.push_back(absl::StrCat(JsonString(k), ":", JsonString(v)));
    absl::StrAppend(&out, absl::StrJoin(parts, ","), "}},\"scope\":\"local\",\"time\":",
                    absl::ToUnixSeconds(t), ",\"timeNano\":", absl::ToUnixNanos(t), "}\n");
    return out;
  }
  if (!format.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported format \"", format, "\": only json"));
  }
  std::string line = absl::StrCat(Rfc3339NanoFixed(t), " ", e.type(), " ", e.action(), " ",
                                  e.actor_id());
  if (!attrs.empty()) {
    std::vector<std::string> parts;
    for (const auto& [k, v] : attrs) parts.push_back(absl::StrCat(k, "=", v));
    absl::StrAppend(&line, " (", absl::StrJoin(parts, ", "), ")");
  }
  return line + "\n";
}

absl::StatusOr<absl::Time> ParseTimeArg(absl::string_view value, absl::Time now) {
  std::string v(absl::StripAsciiWhitespace(value));
  if (v.empty()) return absl::InvalidArgumentError("empty time value");
  // A duration before now.
  if (absl::ascii_isdigit(v[0]) && !absl::StrContains(v, '-') &&
      absl::ascii_isalpha(v.back())) {
    auto d = ParseGoDuration(v);
    if (d.ok()) return now - *d;
  }
  // Unix seconds with an optional fraction.
  if (absl::ascii_isdigit(v[0]) && !absl::StrContains(v, '-') && !absl::StrContains(v, ':')) {
    absl::string_view secs = v, frac;
    if (size_t dot = v.find('.'); dot != std::string::npos) {
      secs = absl::string_view(v).substr(0, dot);
      frac = absl::string_view(v).substr(dot + 1);
    }
    int64_t s = 0;
    std::string f(frac);
    bool ok = absl::SimpleAtoi(secs, &s) && f.size() <= 9;
    for (char c : f) ok = ok && absl::ascii_isdigit(c);
    if (ok) {
      f.append(9 - f.size(), '0');
      int64_t n = 0;
      if (!absl::SimpleAtoi(f, &n)) n = 0;
      return absl::FromUnixSeconds(s) + absl::Nanoseconds(n);
    }
  }
  // RFC 3339 and its shorter forms; no zone means local time.
  static const char* kZoned[] = {"%Y-%m-%dT%H:%M:%E*S%Ez", "%Y-%m-%dT%H:%M:%E*SZ"};
  static const char* kLocal[] = {"%Y-%m-%dT%H:%M:%E*S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H",
                                 "%Y-%m-%d"};
  absl::Time t;
  std::string err;
  for (const char* f : kZoned) {
    if (absl::ParseTime(f, v, absl::UTCTimeZone(), &t, &err)) return t;
  }
  for (const char* f : kLocal) {
    if (absl::ParseTime(f, v, absl::LocalTimeZone(), &t, &err)) return t;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("failed to parse value as time or duration: \"", value, "\""));
}

}  // namespace cli
