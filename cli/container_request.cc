#include "cli/container_request.h"

#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/base/status_macros.h"
#include "sdk/volume_spec.h"

namespace cli {
namespace {

absl::Status FlagError(absl::string_view value, absl::string_view flag,
                       absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid argument \"", value,
                                                 "\" for \"", flag, "\" flag: ", why));
}

}  // namespace

absl::StatusOr<int64_t> ParseMemory(absl::string_view s) {
  absl::string_view rest = absl::StripAsciiWhitespace(s);
  size_t i = 0;
  while (i < rest.size() && (absl::ascii_isdigit(rest[i]) || rest[i] == '.')) ++i;
  absl::string_view number = rest.substr(0, i);
  absl::string_view unit = absl::StripLeadingAsciiWhitespace(rest.substr(i));
  double value;
  if (number.empty() || !absl::SimpleAtod(number, &value)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid size: '", s, "'"));
  }
  double mult = 1;
  std::string u = absl::AsciiStrToLower(unit);
  if (!u.empty() && std::string("kmgtp").find(u[0]) != std::string::npos) {
    mult = std::pow(1024.0, static_cast<double>(std::string("kmgtp").find(u[0]) + 1));
    u.erase(0, 1);
  }
  if (u == "ib" || u == "i" || u == "b") u.clear();
  if (!u.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid size: '", s, "'"));
  }
  return static_cast<int64_t>(value * mult);
}

absl::StatusOr<int64_t> ParseNanoCpus(absl::string_view s) {
  absl::string_view whole = s, frac;
  if (size_t dot = s.find('.'); dot != absl::string_view::npos) {
    whole = s.substr(0, dot);
    frac = s.substr(dot + 1);
  }
  int64_t w = 0;
  bool ok = (!whole.empty() || !frac.empty()) &&
            (whole.empty() || absl::SimpleAtoi(whole, &w)) && w >= 0;
  for (char c : frac) ok = ok && absl::ascii_isdigit(c);
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("failed to parse ", s, " as a rational number"));
  }
  std::string f(frac);
  while (!f.empty() && f.back() == '0') f.pop_back();
  if (f.size() > 9) return absl::InvalidArgumentError("value is too precise");
  f.append(9 - f.size(), '0');
  int64_t nanos = 0;
  if (!absl::SimpleAtoi(f, &nanos)) nanos = 0;
  return w * 1000000000 + nanos;
}

absl::StatusOr<berth::v1::Mount> ParseTmpfs(absl::string_view spec) {
  berth::v1::Mount m;
  m.set_type("tmpfs");
  absl::string_view target = spec, options;
  if (size_t colon = spec.find(':'); colon != absl::string_view::npos) {
    target = spec.substr(0, colon);
    options = spec.substr(colon + 1);
  }
  if (target.empty() || target[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid mount path: '", target, "' mount path must be absolute"));
  }
  m.set_target(std::string(target));
  for (absl::string_view opt : absl::StrSplit(options, ',', absl::SkipEmpty())) {
    if (opt == "ro") m.set_read_only(true);
    m.add_options(std::string(opt));
  }
  return m;
}

std::string ResolveEnv(absl::string_view entry, const GetEnvFn& getenv) {
  if (absl::StrContains(entry, '=')) return std::string(entry);
  std::string key(entry);
  const char* value = getenv ? getenv(key.c_str()) : nullptr;
  if (value == nullptr) return key;
  return absl::StrCat(key, "=", value);
}

absl::StatusOr<std::vector<std::string>> ParseEnvFile(absl::string_view content,
                                                      const GetEnvFn& getenv) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    line = absl::StripLeadingAsciiWhitespace(line);
    if (absl::EndsWith(line, "\r")) line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    absl::string_view key = line.substr(0, line.find('='));
    if (key.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid environment variable: ", line));
    }
    if (absl::StrContains(key, ' ') || absl::StrContains(key, '\t')) {
      return absl::InvalidArgumentError(absl::StrCat(
          "poorly formatted environment: variable '", key, "' contains whitespaces"));
    }
    out.push_back(ResolveEnv(line, getenv));
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> BuildEnv(
    const std::vector<std::string>& env_files, const std::vector<std::string>& env,
    const GetEnvFn& getenv, const ReadFileFn& read_file) {
  std::vector<std::string> out;
  for (const std::string& path : env_files) {
    ASSIGN_OR_RETURN(std::string content, read_file(path));
    ASSIGN_OR_RETURN(std::vector<std::string> vars, ParseEnvFile(content, getenv));
    out.insert(out.end(), vars.begin(), vars.end());
  }
  for (const std::string& e : env) {
    if (e.empty() || e[0] == '=') {
      return absl::InvalidArgumentError(absl::StrCat("invalid environment variable: ", e));
    }
    out.push_back(ResolveEnv(e, getenv));
  }
  return out;
}

absl::StatusOr<berth::v1::CreateContainerRequest> BuildCreateRequest(
    const ContainerCreateOptions& o, const std::vector<std::string>& args, bool run,
    const GetEnvFn& getenv, const ReadFileFn& read_file) {
  if (args.empty()) return absl::InvalidArgumentError("an image is required");
  berth::v1::CreateContainerRequest req;
  req.set_name(o.name);
  berth::v1::ContainerConfig& c = *req.mutable_config();
  berth::v1::HostConfig& h = *req.mutable_host_config();
  c.set_image(args[0]);
  for (size_t i = 1; i < args.size(); ++i) c.add_cmd(args[i]);
  if (o.entrypoint_set) {
    berth::v1::StringList* ep = c.mutable_entrypoint();
    if (!o.entrypoint.empty()) ep->add_values(o.entrypoint);
  }
  ASSIGN_OR_RETURN(std::vector<std::string> env,
                   BuildEnv(o.env_file, o.env, getenv, read_file));
  for (auto& e : env) c.add_env(std::move(e));
  c.set_working_dir(o.workdir);
  c.set_user(o.user);
  c.set_tty(o.tty);
  c.set_open_stdin(o.interactive);
  c.set_hostname(o.hostname);
  c.set_domainname(o.domainname);
  c.set_stop_signal(o.stop_signal);
  if (o.stop_timeout_set) {
    c.set_stop_timeout(o.stop_timeout);
    c.set_has_stop_timeout(true);
  }
  for (const std::string& l : o.labels) {
    size_t eq = l.find('=');
    (*c.mutable_labels())[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
  }

  // Streams.
  bool attach_stdin = false, attach_stdout = false, attach_stderr = false;
  if (run && o.detach) {
    if (!o.attach.empty()) {
      return absl::InvalidArgumentError("Conflicting options: -a and -d");
    }
  } else if (!o.attach.empty()) {
    for (const std::string& a : o.attach) {
      std::string s = absl::AsciiStrToLower(a);
      if (s == "stdin") {
        attach_stdin = true;
      } else if (s == "stdout") {
        attach_stdout = true;
      } else if (s == "stderr") {
        attach_stderr = true;
      } else {
        return FlagError(a, "-a, --attach",
                         "valid streams are STDIN, STDOUT and STDERR");
      }
    }
  } else {
    attach_stdout = attach_stderr = true;
    attach_stdin = o.interactive;
  }
  c.set_attach_stdin(attach_stdin);
  c.set_attach_stdout(attach_stdout);
  c.set_attach_stderr(attach_stderr);
  c.set_stdin_once(o.interactive && attach_stdin);

  // Mounts.
  for (const std::string& v : o.volumes) {
    ASSIGN_OR_RETURN(berth::v1::Mount m, sdk::ParseVolumeSpec(v));
    if (m.type() == "volume" && m.source().empty()) {
      c.add_volumes(m.target());
    } else {
      *h.add_mounts() = std::move(m);
    }
  }
  for (const std::string& t : o.tmpfs) {
    ASSIGN_OR_RETURN(*h.add_mounts(), ParseTmpfs(t));
  }

  // Resources.
  berth::v1::Resources& r = *h.mutable_resources();
  if (!o.memory.empty()) {
    auto m = ParseMemory(o.memory);
    if (!m.ok()) return FlagError(o.memory, "-m, --memory", m.status().message());
    r.set_memory(*m);
  }
  if (!o.memory_swap.empty()) {
    if (o.memory_swap == "-1") {
      r.set_memory_swap(-1);
    } else {
      auto m = ParseMemory(o.memory_swap);
      if (!m.ok()) return FlagError(o.memory_swap, "--memory-swap", m.status().message());
      r.set_memory_swap(*m);
    }
  }
  if (!o.cpus.empty()) {
    auto n = ParseNanoCpus(o.cpus);
    if (!n.ok()) return FlagError(o.cpus, "--cpus", n.status().message());
    r.set_nano_cpus(*n);
  }
  r.set_cpu_shares(o.cpu_shares);
  r.set_cpuset_cpus(o.cpuset_cpus);
  if (o.pids_limit_set) r.set_pids_limit(o.pids_limit);
  for (const std::string& u : o.ulimits) {
    // name=soft[:hard]
    size_t eq = u.find('=');
    berth::v1::Ulimit* ul = r.add_ulimits();
    int64_t soft = 0, hard = 0;
    bool ok = eq != std::string::npos && eq > 0;
    if (ok) {
      ul->set_name(u.substr(0, eq));
      std::vector<std::string> lim = absl::StrSplit(u.substr(eq + 1), ':');
      ok = (lim.size() == 1 || lim.size() == 2) && absl::SimpleAtoi(lim[0], &soft);
      hard = soft;
      if (ok && lim.size() == 2) ok = absl::SimpleAtoi(lim[1], &hard);
      if (ok && soft > hard) {
        return FlagError(u, "--ulimit",
                         absl::StrCat("ulimit soft limit must be less than or equal "
                                      "to hard limit: ", soft, " > ", hard));
      }
    }
    if (!ok) return FlagError(u, "--ulimit", absl::StrCat("invalid ulimit argument: ", u));
    ul->set_soft(soft);
    ul->set_hard(hard);
  }
  if (!o.shm_size.empty()) {
    auto m = ParseMemory(o.shm_size);
    if (!m.ok()) return FlagError(o.shm_size, "--shm-size", m.status().message());
    h.set_shm_size(*m);
  }

  // Security.
  h.set_privileged(o.privileged);
  h.set_read_only(o.read_only);
  h.set_init(o.init);
  h.set_auto_remove(o.rm);
  for (const std::string& cap : o.cap_add) h.add_cap_add(cap);
  for (const std::string& cap : o.cap_drop) h.add_cap_drop(cap);
  for (const std::string& opt : o.security_opt) {
    absl::string_view value = opt;
    if (absl::ConsumePrefix(&value, "seccomp=") || absl::ConsumePrefix(&value, "seccomp:")) {
      if (value == "unconfined") {
        h.add_security_opt("seccomp=unconfined");
        continue;
      }
      auto profile = read_file(std::string(value));
      if (!profile.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "opening seccomp profile (", value, ") failed: ", profile.status().message()));
      }
      h.add_security_opt(absl::StrCat("seccomp=", *profile));
      continue;
    }
    if (!absl::StrContains(opt, '=') && !absl::StrContains(opt, ':') &&
        opt != "no-new-privileges") {
      return absl::InvalidArgumentError(
          absl::StrCat("Invalid --security-opt: \"", opt, "\""));
    }
    h.add_security_opt(opt);
  }
  for (const std::string& g : o.group_add) h.add_group_add(g);

  // Network and logs.
  h.set_network_mode(o.network);
  for (const std::string& d : o.dns) h.add_dns(d);
  for (const std::string& x : o.add_hosts) {
    if (!absl::StrContains(x, ':')) {
      return FlagError(x, "--add-host", absl::StrCat("bad format for add-host: \"", x, "\""));
    }
    h.add_extra_hosts(x);
  }
  if (!o.log_driver.empty() || !o.log_opts.empty()) {
    berth::v1::LogConfig* lc = h.mutable_log_config();
    lc->set_type(o.log_driver);
    for (const std::string& kv : o.log_opts) {
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid key value pair format in log-opt: ", kv));
      }
      (*lc->mutable_config())[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }

  if (o.pull != "missing" && o.pull != "always" && o.pull != "never") {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid pull option: '", o.pull,
        "': must be one of \"always\", \"missing\" or \"never\""));
  }
  if (!o.platform.empty()) {
    std::vector<std::string> parts = absl::StrSplit(o.platform, '/');
    if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid platform \"", o.platform, "\": expected os/arch[/variant]"));
    }
    req.mutable_platform()->set_os(parts[0]);
    req.mutable_platform()->set_architecture(parts[1]);
    if (parts.size() == 3) req.mutable_platform()->set_variant(parts[2]);
  }
  if (!o.detach_keys.empty()) RETURN_IF_ERROR(ParseDetachKeys(o.detach_keys).status());
  return req;
}

absl::StatusOr<berth::v1::ExecCreateRequest> BuildExecRequest(
    const ExecOptions& o, const std::vector<std::string>& args, const GetEnvFn& getenv,
    const ReadFileFn& read_file) {
  if (args.size() < 2) return absl::InvalidArgumentError("a command is required");
  berth::v1::ExecCreateRequest req;
  req.set_container_id(args[0]);
  for (size_t i = 1; i < args.size(); ++i) req.add_cmd(args[i]);
  ASSIGN_OR_RETURN(std::vector<std::string> env,
                   BuildEnv(o.env_file, o.env, getenv, read_file));
  for (auto& e : env) req.add_env(std::move(e));
  req.set_user(o.user);
  req.set_working_dir(o.workdir);
  req.set_tty(o.tty);
  req.set_privileged(o.privileged);
  req.set_attach_stdin(o.interactive && !o.detach);
  req.set_attach_stdout(!o.detach);
  req.set_attach_stderr(!o.detach);
  if (!o.detach_keys.empty()) {
    RETURN_IF_ERROR(ParseDetachKeys(o.detach_keys).status());
    req.set_detach_keys(o.detach_keys);
  }
  return req;
}

absl::StatusOr<std::string> ParseDetachKeys(absl::string_view keys) {
  auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid detach keys (", keys, ") provided"));
  };
  std::string out;
  for (absl::string_view key : absl::StrSplit(keys, ',')) {
    if (key.size() == 1) {
      out.push_back(key[0]);
      continue;
    }
    absl::string_view rest = key;
    if (!absl::ConsumePrefix(&rest, "ctrl-") || rest.size() != 1) return invalid();
    char c = rest[0];
    if (c >= 'a' && c <= 'z') {
      out.push_back(static_cast<char>(c - 'a' + 1));
    } else if (c == '@' || c == '[' || c == '\\' || c == ']' || c == '^' || c == '_') {
      out.push_back(static_cast<char>(c - '@'));  // @=0, [=27, \=28, ]=29, ^=30, _=31
    } else {
      return invalid();
    }
  }
  if (out.empty()) return invalid();
  return out;
}

}  // namespace cli
