#include "shim/flags.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"

namespace shim {

absl::StatusOr<Flags> ParseFlags(const std::vector<std::string>& args) {
  Flags flags;
  ShimOptions& o = flags.options;
  bool have_ready = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::string value;
    bool inline_value = false;
    if (!absl::StartsWith(name, "--")) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument \"", name, "\""));
    }
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    if (name == "--no-log" || name == "--stdin") {
      if (inline_value) return absl::InvalidArgumentError(absl::StrCat(name, " takes no value"));
      (name == "--no-log" ? o.no_log : o.open_stdin) = true;
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat("flag ", name, " needs a value"));
      }
      value = args[++i];
    }
    if (name == "--id") {
      o.id = value;
    } else if (name == "--bundle") {
      o.bundle = value;
    } else if (name == "--state-dir") {
      o.state_dir = value;
    } else if (name == "--socket") {
      o.socket_path = value;
    } else if (name == "--log-path") {
      o.log_path = value;
    } else if (name == "--log-max-size") {
      if (!absl::SimpleAtoi(value, &o.log_max_size)) {
        return absl::InvalidArgumentError(absl::StrCat("bad --log-max-size \"", value, "\""));
      }
    } else if (name == "--log-max-file") {
      if (!absl::SimpleAtoi(value, &o.log_max_file) || o.log_max_file < 1) {
        return absl::InvalidArgumentError(absl::StrCat("bad --log-max-file \"", value, "\""));
      }
    } else if (name == "--seccomp-cache") {
      flags.seccomp_cache_dir = value;
    } else if (name == "--ready-fd") {
      if (!absl::SimpleAtoi(value, &flags.ready_fd) || flags.ready_fd < 0) {
        return absl::InvalidArgumentError(absl::StrCat("bad --ready-fd \"", value, "\""));
      }
      have_ready = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", name));
    }
  }
  for (auto [flag, value] : {std::pair<const char*, const std::string*>{"--id", &o.id},
                             {"--bundle", &o.bundle},
                             {"--state-dir", &o.state_dir},
                             {"--socket", &o.socket_path}}) {
    if (value->empty()) return absl::InvalidArgumentError(absl::StrCat("missing ", flag));
  }
  if (!o.no_log && o.log_path.empty()) {
    return absl::InvalidArgumentError("missing --log-path (or --no-log)");
  }
  if (!have_ready) flags.ready_fd = -1;
  return flags;
}

bool SpecWantsStdin(absl::string_view config_json) {
  rapidjson::Document doc;
  doc.Parse(config_json.data(), config_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  auto ann = doc.FindMember("annotations");
  if (ann == doc.MemberEnd() || !ann->value.IsObject()) return false;
  auto v = ann->value.FindMember("berth.stdin");
  return v != ann->value.MemberEnd() && v->value.IsString() &&
         absl::string_view(v->value.GetString(), v->value.GetStringLength()) == "true";
}

}  // namespace shim
