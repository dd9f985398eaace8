#include "gateway/containers/container_json.h"

#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "sdk/docker_json.h"

namespace gateway {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
constexpr char kZeroTime[] = "0001-01-01T00:00:00Z";

void Str(Writer* w, absl::string_view s) {
  w->String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

std::string Done(const rapidjson::StringBuffer& buf) {
  return std::string(buf.GetString(), buf.GetSize());
}

absl::Status BadFilter(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid filter: ", why));
}

void WriteSummary(Writer* w, const berth::v1::ContainerSummary& c, bool size) {
  w->StartObject();
  w->Key("Id"); Str(w, c.id());
  w->Key("Names");
  w->StartArray();
  for (const std::string& n : c.names()) {
    Str(w, absl::StartsWith(n, "/") ? n : absl::StrCat("/", n));
  }
  w->EndArray();
  w->Key("Image"); Str(w, c.image());
  w->Key("ImageID");
  Str(w, c.image_id().empty() || absl::StartsWith(c.image_id(), "sha256:")
             ? c.image_id()
             : absl::StrCat("sha256:", c.image_id()));
  w->Key("Command"); Str(w, SummaryCommand(c.command()));
  w->Key("Created"); w->Int64(c.created().seconds());
  w->Key("Ports"); w->StartArray(); w->EndArray();
  if (size) {
    w->Key("SizeRw"); w->Int64(c.size_rw());
    w->Key("SizeRootFs"); w->Int64(c.size_root_fs());
  }
  w->Key("Labels");
  w->StartObject();
  for (const auto& [k, v] : std::map<std::string, std::string>(c.labels().begin(),
                                                               c.labels().end())) {
    Str(w, k);
    Str(w, v);
  }
  w->EndObject();
  w->Key("State"); Str(w, c.state());
  w->Key("Status"); Str(w, c.status());
  w->Key("HostConfig");
  w->StartObject();
  w->Key("NetworkMode"); Str(w, c.network_mode().empty() ? "default" : c.network_mode());
  w->EndObject();
  w->Key("NetworkSettings");
  w->StartObject();
  w->Key("Networks"); w->StartObject(); w->EndObject();
  w->EndObject();
  w->Key("Mounts");
  w->StartArray();
  for (const berth::v1::MountPoint& m : c.mounts()) {
    w->StartObject();
    w->Key("Type"); Str(w, m.type());
    if (!m.name().empty()) {
      w->Key("Name"); Str(w, m.name());
    }
    w->Key("Source"); Str(w, m.source());
    w->Key("Destination"); Str(w, m.destination());
    if (m.type() == "volume") {
      w->Key("Driver"); Str(w, "local");
    }
    w->Key("Mode"); Str(w, m.mode());
    w->Key("RW"); w->Bool(m.rw());
    w->Key("Propagation"); Str(w, m.propagation());
    w->EndObject();
  }
  w->EndArray();
  w->EndObject();
}

void WriteCpu(Writer* w, const berth::v1::ContainerStats* s) {
  w->StartObject();
  w->Key("cpu_usage");
  w->StartObject();
  w->Key("total_usage"); w->Uint64(s ? s->cpu_total_usage() : 0);
  w->Key("usage_in_kernelmode"); w->Uint64(0);
  w->Key("usage_in_usermode"); w->Uint64(0);
  w->EndObject();
  if (s != nullptr) {
    w->Key("system_cpu_usage"); w->Uint64(s->system_cpu_usage());
    w->Key("online_cpus"); w->Uint(s->online_cpus());
  }
  w->Key("throttling_data");
  w->StartObject();
  w->Key("periods"); w->Uint64(0);
  w->Key("throttled_periods"); w->Uint64(0);
  w->Key("throttled_time"); w->Uint64(0);
  w->EndObject();
  w->EndObject();
}

void WriteBlkioEntry(Writer* w, const char* op, uint64_t value) {
  w->StartObject();
  w->Key("major"); w->Uint64(0);
  w->Key("minor"); w->Uint64(0);
  w->Key("op"); w->String(op);
  w->Key("value"); w->Uint64(value);
  w->EndObject();
}

}  // namespace

absl::StatusOr<std::vector<berth::v1::Filter>> ParseFilters(absl::string_view json) {
  std::vector<berth::v1::Filter> out;
  if (absl::StripAsciiWhitespace(json).empty()) return out;
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return BadFilter(rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return BadFilter("expected a JSON object");
  std::map<std::string, std::vector<std::string>> terms;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string key(it->name.GetString(), it->name.GetStringLength());
    std::vector<std::string>& values = terms[key];
    const rapidjson::Value& v = it->value;
    if (v.IsObject()) {
      for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
        if (!m->value.IsBool()) return BadFilter("map values must be booleans");
        values.emplace_back(m->name.GetString(), m->name.GetStringLength());
      }
    } else if (v.IsArray()) {
      for (const rapidjson::Value& e : v.GetArray()) {
        if (!e.IsString()) return BadFilter("list values must be strings");
        values.emplace_back(e.GetString(), e.GetStringLength());
      }
    } else if (!v.IsNull()) {
      return BadFilter(absl::StrCat("values of \"", key, "\" must be a map or a list"));
    }
  }
  for (const auto& [key, values] : terms) {
    for (const std::string& value : values) {
      berth::v1::Filter f;
      f.set_key(key);
      f.set_value(value);
      out.push_back(std::move(f));
    }
  }
  return out;
}

std::string SummaryCommand(absl::string_view engine_command) {
  if (engine_command.size() >= 2 && engine_command.front() == '"' &&
      engine_command.back() == '"') {
    engine_command.remove_prefix(1);
    engine_command.remove_suffix(1);
  }
  return std::string(engine_command);
}

std::string ContainersJson(const berth::v1::ListContainersResponse& list, bool size) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartArray();
  for (const berth::v1::ContainerSummary& c : list.containers()) WriteSummary(&w, c, size);
  w.EndArray();
  return Done(buf);
}

std::string StatsJson(const berth::v1::ContainerStats& cur,
                      const berth::v1::ContainerStats* prev) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("name");
  Str(&w, cur.name().empty() || absl::StartsWith(cur.name(), "/")
              ? cur.name()
              : absl::StrCat("/", cur.name()));
  w.Key("id"); Str(&w, cur.id());
  w.Key("read");
  Str(&w, cur.has_read() ? sdk::Rfc3339Nano(cur.read()) : kZeroTime);
  w.Key("preread");
  Str(&w, prev != nullptr && prev->has_read() ? sdk::Rfc3339Nano(prev->read()) : kZeroTime);
  w.Key("pids_stats");
  w.StartObject();
  w.Key("current"); w.Uint64(cur.pids_current());
  if (cur.pids_limit() > 0) {
    w.Key("limit"); w.Uint64(cur.pids_limit());
  }
  w.EndObject();
  w.Key("blkio_stats");
  w.StartObject();
  w.Key("io_service_bytes_recursive");
  w.StartArray();
  WriteBlkioEntry(&w, "read", cur.block_read_bytes());
  WriteBlkioEntry(&w, "write", cur.block_write_bytes());
  w.EndArray();
  for (const char* k : {"io_serviced_recursive", "io_queue_recursive",
                        "io_service_time_recursive", "io_wait_time_recursive",
                        "io_merged_recursive", "io_time_recursive", "sectors_recursive"}) {
    w.Key(k); w.Null();
  }
  w.EndObject();
  w.Key("num_procs"); w.Uint(0);
  w.Key("storage_stats"); w.StartObject(); w.EndObject();
  w.Key("cpu_stats"); WriteCpu(&w, &cur);
  w.Key("precpu_stats"); WriteCpu(&w, prev);
  w.Key("memory_stats");
  w.StartObject();
  w.Key("usage"); w.Uint64(cur.memory_usage());
  w.Key("stats");
  w.StartObject();
  w.Key("file"); w.Uint64(cur.memory_cache());
  w.EndObject();
  w.Key("limit"); w.Uint64(cur.memory_limit());
  w.EndObject();
  if (cur.net_rx_bytes() != 0 || cur.net_tx_bytes() != 0) {
    w.Key("networks");
    w.StartObject();
    w.Key("eth0");
    w.StartObject();
    w.Key("rx_bytes"); w.Uint64(cur.net_rx_bytes());
    for (const char* k : {"rx_packets", "rx_errors", "rx_dropped"}) {
      w.Key(k); w.Uint64(0);
    }
    w.Key("tx_bytes"); w.Uint64(cur.net_tx_bytes());
    for (const char* k : {"tx_packets", "tx_errors", "tx_dropped"}) {
      w.Key(k); w.Uint64(0);
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  return Done(buf);
}

std::string TopJson(const berth::v1::TopResponse& top) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("Processes");
  w.StartArray();
  for (const berth::v1::TopRow& row : top.processes()) {
    w.StartArray();
    for (const std::string& v : row.values()) Str(&w, v);
    w.EndArray();
  }
  w.EndArray();
  w.Key("Titles");
  w.StartArray();
  for (const std::string& t : top.titles()) Str(&w, t);
  w.EndArray();
  w.EndObject();
  return Done(buf);
}

std::string WaitJson(int64_t status_code) {
  return absl::StrCat("{\"StatusCode\":", status_code, ",\"Error\":null}\n");
}

std::string WaitErrorJson(int64_t status_code, absl::string_view message) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("StatusCode"); w.Int64(status_code);
  w.Key("Error");
  w.StartObject();
  w.Key("Message"); Str(&w, message);
  w.EndObject();
  w.EndObject();
  return Done(buf) + "\n";
}

std::string PruneJson(const berth::v1::PruneContainersResponse& prune) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("ContainersDeleted");
  if (prune.deleted().empty()) {
    w.Null();
  } else {
    w.StartArray();
    for (const std::string& id : prune.deleted()) Str(&w, id);
    w.EndArray();
  }
  w.Key("SpaceReclaimed"); w.Int64(prune.space_reclaimed());
  w.EndObject();
  return Done(buf);
}

absl::StatusOr<berth::v1::WaitCondition> ParseWaitCondition(absl::string_view condition) {
  if (condition.empty() || condition == "not-running") {
    return berth::v1::WAIT_CONDITION_NOT_RUNNING;
  }
  if (condition == "next-exit") return berth::v1::WAIT_CONDITION_NEXT_EXIT;
  if (condition == "removed") return berth::v1::WAIT_CONDITION_REMOVED;
  return absl::InvalidArgumentError(
      absl::StrCat("invalid condition: \"", condition, "\""));
}

}  // namespace gateway
