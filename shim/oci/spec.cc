#include "shim/oci/spec.h"

#include <sys/mount.h>
#include <sys/resource.h>

#include <climits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "shim/oci/capabilities.h"

namespace shim::oci {
namespace {

using rapidjson::Value;

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("invalid runtime spec: ", what));
}

const Value* Member(const Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

absl::Status GetString(const Value& obj, const char* name, std::string* out) {
  const Value* v = Member(obj, name);
  if (v == nullptr) return absl::OkStatus();
  if (!v->IsString()) return Invalid(absl::StrCat(name, " is not a string"));
  out->assign(v->GetString(), v->GetStringLength());
  return absl::OkStatus();
}

absl::Status GetStrings(const Value& obj, const char* name,
                        std::vector<std::string>* out) {
  const Value* v = Member(obj, name);
  if (v == nullptr) return absl::OkStatus();
  if (!v->IsArray()) return Invalid(absl::StrCat(name, " is not an array"));
  for (const Value& e : v->GetArray()) {
    if (!e.IsString()) return Invalid(absl::StrCat(name, " holds a non-string"));
    out->emplace_back(e.GetString(), e.GetStringLength());
  }
  return absl::OkStatus();
}

// An id that must fit in int32 (Docker refuses larger ones too).
absl::Status GetId(const Value& v, const char* what, uint32_t* out) {
  if (!v.IsUint64() || v.GetUint64() > static_cast<uint64_t>(INT32_MAX)) {
    return Invalid(absl::StrCat(what, " is out of range (0 to ", INT32_MAX, ")"));
  }
  *out = static_cast<uint32_t>(v.GetUint64());
  return absl::OkStatus();
}

absl::Status GetInt64(const Value& obj, const char* name, std::optional<int64_t>* out) {
  const Value* v = Member(obj, name);
  if (v == nullptr) return absl::OkStatus();
  if (!v->IsInt64()) return Invalid(absl::StrCat(name, " is not an integer"));
  *out = v->GetInt64();
  return absl::OkStatus();
}

absl::Status GetUint64(const Value& obj, const char* name, std::optional<uint64_t>* out) {
  const Value* v = Member(obj, name);
  if (v == nullptr) return absl::OkStatus();
  if (!v->IsUint64()) return Invalid(absl::StrCat(name, " is not an unsigned integer"));
  *out = v->GetUint64();
  return absl::OkStatus();
}

int RlimitFromName(absl::string_view name) {
  static const std::pair<const char*, int> kTable[] = {
      {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},
      {"RLIMIT_CPU", RLIMIT_CPU},       {"RLIMIT_DATA", RLIMIT_DATA},
      {"RLIMIT_FSIZE", RLIMIT_FSIZE},   {"RLIMIT_LOCKS", RLIMIT_LOCKS},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
      {"RLIMIT_NICE", RLIMIT_NICE},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_NPROC", RLIMIT_NPROC},   {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},
      {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
  };
  for (const auto& [n, r] : kTable) {
    if (name == n) return r;
  }
  return -1;
}

absl::Status ParseCapList(const Value& caps, const char* name, uint64_t* mask) {
  std::vector<std::string> names;
  if (absl::Status s = GetStrings(caps, name, &names); !s.ok()) return s;
  for (const std::string& n : names) {
    int cap = CapabilityFromName(n);
    if (cap < 0) return Invalid(absl::StrCat("unknown capability \"", n, "\""));
    *mask |= uint64_t{1} << cap;
  }
  return absl::OkStatus();
}

// A working directory must be absolute and must not go through a process's
// fd table (CVE-2024-21626: WORKDIR /proc/self/fd/7 leaked a host cwd).
absl::Status CheckCwd(absl::string_view cwd) {
  if (!absl::StartsWith(cwd, "/")) {
    return Invalid(absl::StrCat("cwd \"", cwd, "\" is not an absolute path"));
  }
  std::vector<absl::string_view> parts =
      absl::StrSplit(cwd, '/', absl::SkipEmpty());
  if (parts.size() >= 3 && parts[0] == "proc" &&
      (parts[2] == "fd" || parts[2] == "cwd" || parts[2] == "root" ||
       parts[2] == "exe")) {
    return Invalid(absl::StrCat("cwd \"", cwd,
                                "\" resolves through /proc and is refused"));
  }
  if (parts.size() >= 2 && parts[0] == "dev" && parts[1] == "fd") {
    return Invalid(absl::StrCat("cwd \"", cwd, "\" resolves through /dev/fd and is refused"));
  }
  return absl::OkStatus();
}

absl::Status ParseProcessValue(const Value& p, ProcessSpec* out) {
  if (!p.IsObject()) return Invalid("process is not an object");
  if (const Value* t = Member(p, "terminal")) {
    if (!t->IsBool()) return Invalid("process.terminal is not a boolean");
    out->terminal = t->GetBool();
  }
  if (const Value* size = Member(p, "consoleSize")) {
    const Value* h = size->IsObject() ? Member(*size, "height") : nullptr;
    const Value* w = size->IsObject() ? Member(*size, "width") : nullptr;
    if (h == nullptr || w == nullptr || !h->IsUint() || !w->IsUint() || h->GetUint() > 65535 ||
        w->GetUint() > 65535) {
      return Invalid("process.consoleSize needs height and width from 0 to 65535");
    }
    out->console_height = static_cast<uint16_t>(h->GetUint());
    out->console_width = static_cast<uint16_t>(w->GetUint());
  }
  if (absl::Status s = GetStrings(p, "args", &out->args); !s.ok()) return s;
  if (out->args.empty() || out->args[0].empty()) return Invalid("process.args is empty");
  if (absl::Status s = GetStrings(p, "env", &out->env); !s.ok()) return s;
  if (absl::Status s = GetString(p, "cwd", &out->cwd); !s.ok()) return s;
  if (out->cwd.empty()) out->cwd = "/";
  if (absl::Status s = CheckCwd(out->cwd); !s.ok()) return s;
  if (const Value* u = Member(p, "user")) {
    if (const Value* v = Member(*u, "uid")) {
      if (absl::Status s = GetId(*v, "process.user.uid", &out->uid); !s.ok()) return s;
    }
    if (const Value* v = Member(*u, "gid")) {
      if (absl::Status s = GetId(*v, "process.user.gid", &out->gid); !s.ok()) return s;
    }
    if (const Value* v = Member(*u, "umask")) {
      if (!v->IsUint() || v->GetUint() > 0777) return Invalid("process.user.umask");
      out->umask = v->GetUint();
    }
    if (const Value* v = Member(*u, "additionalGids")) {
      if (!v->IsArray()) return Invalid("process.user.additionalGids is not an array");
      for (const Value& g : v->GetArray()) {
        uint32_t gid = 0;
        if (absl::Status s = GetId(g, "process.user.additionalGids", &gid); !s.ok()) {
          return s;
        }
        out->additional_gids.push_back(gid);
      }
    }
    std::string username;
    if (absl::Status s = GetString(*u, "username", &username); !s.ok()) return s;
  }
  if (const Value* c = Member(p, "capabilities")) {
    if (absl::Status s = ParseCapList(*c, "bounding", &out->caps.bounding); !s.ok()) return s;
    if (absl::Status s = ParseCapList(*c, "effective", &out->caps.effective); !s.ok()) return s;
    if (absl::Status s = ParseCapList(*c, "permitted", &out->caps.permitted); !s.ok()) return s;
    if (absl::Status s = ParseCapList(*c, "inheritable", &out->caps.inheritable); !s.ok()) {
      return s;
    }
    if (absl::Status s = ParseCapList(*c, "ambient", &out->caps.ambient); !s.ok()) return s;
  }
  if (const Value* r = Member(p, "rlimits")) {
    if (!r->IsArray()) return Invalid("process.rlimits is not an array");
    for (const Value& e : r->GetArray()) {
      std::string type;
      if (absl::Status s = GetString(e, "type", &type); !s.ok()) return s;
      int res = RlimitFromName(type);
      if (res < 0) return Invalid(absl::StrCat("unknown rlimit \"", type, "\""));
      std::optional<uint64_t> soft, hard;
      if (absl::Status s = GetUint64(e, "soft", &soft); !s.ok()) return s;
      if (absl::Status s = GetUint64(e, "hard", &hard); !s.ok()) return s;
      out->rlimits.push_back({res, soft.value_or(0), hard.value_or(0)});
    }
  }
  if (const Value* n = Member(p, "noNewPrivileges")) {
    if (!n->IsBool()) return Invalid("process.noNewPrivileges is not a boolean");
    out->no_new_privileges = n->GetBool();
  }
  if (const Value* o = Member(p, "oomScoreAdj")) {
    if (!o->IsInt() || o->GetInt() < -1000 || o->GetInt() > 1000) {
      return Invalid("process.oomScoreAdj is out of range");
    }
    out->oom_score_adj = o->GetInt();
  }
  if (Member(p, "apparmorProfile") || Member(p, "selinuxLabel")) {
    // LSMs are not supported on this host configuration; ignoring them would
    // silently weaken a container, so refuse an explicit request.
    std::string a, l;
    (void)GetString(p, "apparmorProfile", &a);
    (void)GetString(p, "selinuxLabel", &l);
    if (!a.empty() && a != "unconfined") return Invalid("apparmorProfile is not supported");
    if (!l.empty()) return Invalid("selinuxLabel is not supported");
  }
  return absl::OkStatus();
}

absl::Status ParseMount(const Value& v, MountSpec* m) {
  if (absl::Status s = GetString(v, "destination", &m->destination); !s.ok()) return s;
  if (!absl::StartsWith(m->destination, "/")) {
    return Invalid(absl::StrCat("mount destination \"", m->destination,
                                "\" is not absolute"));
  }
  if (absl::Status s = GetString(v, "type", &m->type); !s.ok()) return s;
  if (absl::Status s = GetString(v, "source", &m->source); !s.ok()) return s;
  std::vector<std::string> options;
  if (absl::Status s = GetStrings(v, "options", &options); !s.ok()) return s;
  ParseMountOptions(options, m);
  if (m->type == "bind") m->bind = true;
  if (m->bind) m->type = "bind";
  if (m->type.empty()) return Invalid(absl::StrCat("mount ", m->destination, " has no type"));
  return absl::OkStatus();
}

// Namespaced sysctls (runc's validation): ipc ones, net.* with a private
// network namespace, and kernel.hostname/domainname.
absl::Status CheckSysctl(const Spec& spec, const std::string& key,
                         const std::string& value) {
  if (key.find_first_of("/\n") != std::string::npos || absl::StrContains(key, "..") ||
      value.find_first_of("\n") != std::string::npos) {
    return Invalid(absl::StrCat("sysctl \"", key, "\" is malformed"));
  }
  static const char* kIpc[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                               "kernel.sem",    "kernel.shmall", "kernel.shmmax",
                               "kernel.shmmni", "kernel.shm_rmid_forced"};
  for (const char* k : kIpc) {
    if (key == k && spec.HasNamespace("ipc")) return absl::OkStatus();
  }
  if (absl::StartsWith(key, "fs.mqueue.") && spec.HasNamespace("ipc")) {
    return absl::OkStatus();
  }
  if (absl::StartsWith(key, "net.") && spec.HasNamespace("network")) {
    return absl::OkStatus();
  }
  return Invalid(absl::StrCat("sysctl \"", key,
                              "\" is not namespaced in this container and is refused"));
}

absl::Status ParseSeccomp(const Value& v, SeccompSpec* out) {
  if (absl::Status s = GetString(v, "defaultAction", &out->default_action); !s.ok()) return s;
  std::optional<uint64_t> ret;
  if (absl::Status s = GetUint64(v, "defaultErrnoRet", &ret); !s.ok()) return s;
  if (ret) out->default_errno_ret = static_cast<unsigned>(*ret);
  if (absl::Status s = GetStrings(v, "architectures", &out->architectures); !s.ok()) return s;
  if (absl::Status s = GetStrings(v, "flags", &out->flags); !s.ok()) return s;
  if (const Value* sc = Member(v, "syscalls")) {
    if (!sc->IsArray()) return Invalid("linux.seccomp.syscalls is not an array");
    for (const Value& r : sc->GetArray()) {
      SeccompRule rule;
      if (absl::Status s = GetStrings(r, "names", &rule.names); !s.ok()) return s;
      if (absl::Status s = GetString(r, "action", &rule.action); !s.ok()) return s;
      std::optional<uint64_t> eret;
      if (absl::Status s = GetUint64(r, "errnoRet", &eret); !s.ok()) return s;
      if (eret) rule.errno_ret = static_cast<unsigned>(*eret);
      if (const Value* args = Member(r, "args")) {
        if (!args->IsArray()) return Invalid("seccomp args is not an array");
        for (const Value& a : args->GetArray()) {
          SeccompArg arg;
          std::optional<uint64_t> index, value, value_two;
          if (absl::Status s = GetUint64(a, "index", &index); !s.ok()) return s;
          if (absl::Status s = GetUint64(a, "value", &value); !s.ok()) return s;
          if (absl::Status s = GetUint64(a, "valueTwo", &value_two); !s.ok()) return s;
          if (absl::Status s = GetString(a, "op", &arg.op); !s.ok()) return s;
          if (!index || *index > 5) return Invalid("seccomp arg index out of range");
          arg.index = static_cast<unsigned>(*index);
          arg.value = value.value_or(0);
          arg.value_two = value_two.value_or(0);
          rule.args.push_back(arg);
        }
      }
      out->syscalls.push_back(std::move(rule));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseResources(const Value& r, Resources* out) {
  if (const Value* m = Member(r, "memory")) {
    if (absl::Status s = GetInt64(*m, "limit", &out->memory_limit); !s.ok()) return s;
    if (absl::Status s = GetInt64(*m, "swap", &out->memory_swap); !s.ok()) return s;
    if (absl::Status s = GetInt64(*m, "reservation", &out->memory_reservation); !s.ok()) {
      return s;
    }
    if (const Value* d = Member(*m, "disableOOMKiller")) {
      out->disable_oom_killer = d->IsBool() && d->GetBool();
    }
  }
  if (const Value* c = Member(r, "cpu")) {
    if (absl::Status s = GetUint64(*c, "shares", &out->cpu_shares); !s.ok()) return s;
    if (absl::Status s = GetInt64(*c, "quota", &out->cpu_quota); !s.ok()) return s;
    if (absl::Status s = GetUint64(*c, "period", &out->cpu_period); !s.ok()) return s;
    if (absl::Status s = GetString(*c, "cpus", &out->cpuset_cpus); !s.ok()) return s;
    if (absl::Status s = GetString(*c, "mems", &out->cpuset_mems); !s.ok()) return s;
  }
  if (const Value* p = Member(r, "pids")) {
    if (absl::Status s = GetInt64(*p, "limit", &out->pids_limit); !s.ok()) return s;
  }
  if (const Value* d = Member(r, "devices")) {
    if (!d->IsArray()) return Invalid("linux.resources.devices is not an array");
    for (const Value& e : d->GetArray()) {
      DeviceRule rule;
      const Value* allow = Member(e, "allow");
      rule.allow = allow != nullptr && allow->IsBool() && allow->GetBool();
      std::string type;
      if (absl::Status s = GetString(e, "type", &type); !s.ok()) return s;
      rule.type = type.empty() ? 'a' : type[0];
      std::optional<int64_t> major, minor;
      if (absl::Status s = GetInt64(e, "major", &major); !s.ok()) return s;
      if (absl::Status s = GetInt64(e, "minor", &minor); !s.ok()) return s;
      rule.major = major.value_or(-1);
      rule.minor = minor.value_or(-1);
      if (absl::Status s = GetString(e, "access", &rule.access); !s.ok()) return s;
      if (rule.access.empty()) rule.access = "rwm";
      if (rule.access.find_first_not_of("rwm") != std::string::npos ||
          (rule.type != 'a' && rule.type != 'c' && rule.type != 'b')) {
        return Invalid("malformed device rule");
      }
      out->devices.push_back(rule);
    }
  }
  return absl::OkStatus();
}

absl::Status ParseLinux(const Value& l, Spec* spec) {
  if (const Value* ns = Member(l, "namespaces")) {
    if (!ns->IsArray()) return Invalid("linux.namespaces is not an array");
    for (const Value& e : ns->GetArray()) {
      NamespaceSpec n;
      if (absl::Status s = GetString(e, "type", &n.type); !s.ok()) return s;
      if (absl::Status s = GetString(e, "path", &n.path); !s.ok()) return s;
      if (n.type == "user") return Invalid("user namespaces are not supported");
      if (n.type == "time") return Invalid("time namespaces are not supported");
      if (n.type != "pid" && n.type != "network" && n.type != "mount" &&
          n.type != "ipc" && n.type != "uts" && n.type != "cgroup") {
        return Invalid(absl::StrCat("unknown namespace \"", n.type, "\""));
      }
      if (!n.path.empty() && (n.type == "pid" || n.type == "mount")) {
        return Invalid(absl::StrCat("joining an existing ", n.type,
                                    " namespace is not supported"));
      }
      spec->namespaces.push_back(std::move(n));
    }
  }
  if (const Value* u = Member(l, "uidMappings"); u && u->IsArray() && !u->Empty()) {
    return Invalid("uid mappings are not supported");
  }
  if (absl::Status s = GetString(l, "cgroupsPath", &spec->cgroups_path); !s.ok()) return s;
  if (const Value* r = Member(l, "resources")) {
    if (absl::Status s = ParseResources(*r, &spec->resources); !s.ok()) return s;
  }
  if (const Value* d = Member(l, "devices")) {
    if (!d->IsArray()) return Invalid("linux.devices is not an array");
    for (const Value& e : d->GetArray()) {
      DeviceNode n;
      std::string type;
      if (absl::Status s = GetString(e, "path", &n.path); !s.ok()) return s;
      if (absl::Status s = GetString(e, "type", &type); !s.ok()) return s;
      if (!absl::StartsWith(n.path, "/dev/") || absl::StrContains(n.path, "..") ||
          (type != "c" && type != "b" && type != "u" && type != "p")) {
        return Invalid(absl::StrCat("device \"", n.path, "\" is malformed"));
      }
      n.type = type[0] == 'u' ? 'c' : type[0];
      std::optional<int64_t> major, minor;
      std::optional<uint64_t> mode, uid, gid;
      if (absl::Status s = GetInt64(e, "major", &major); !s.ok()) return s;
      if (absl::Status s = GetInt64(e, "minor", &minor); !s.ok()) return s;
      if (absl::Status s = GetUint64(e, "fileMode", &mode); !s.ok()) return s;
      if (absl::Status s = GetUint64(e, "uid", &uid); !s.ok()) return s;
      if (absl::Status s = GetUint64(e, "gid", &gid); !s.ok()) return s;
      n.major = major.value_or(0);
      n.minor = minor.value_or(0);
      n.mode = static_cast<mode_t>(mode.value_or(0666) & 07777);
      n.uid = static_cast<uid_t>(uid.value_or(0));
      n.gid = static_cast<gid_t>(gid.value_or(0));
      spec->devices.push_back(n);
    }
  }
  if (absl::Status s = GetStrings(l, "maskedPaths", &spec->masked_paths); !s.ok()) return s;
  if (absl::Status s = GetStrings(l, "readonlyPaths", &spec->readonly_paths); !s.ok()) {
    return s;
  }
  if (absl::Status s = GetString(l, "rootfsPropagation", &spec->rootfs_propagation);
      !s.ok()) {
    return s;
  }
  if (const Value* sc = Member(l, "seccomp")) {
    SeccompSpec seccomp;
    if (absl::Status s = ParseSeccomp(*sc, &seccomp); !s.ok()) return s;
    spec->seccomp = std::move(seccomp);
  }
  if (const Value* sy = Member(l, "sysctl")) {
    if (!sy->IsObject()) return Invalid("linux.sysctl is not an object");
    for (const auto& m : sy->GetObject()) {
      if (!m.value.IsString()) return Invalid("linux.sysctl holds a non-string");
      spec->sysctl[m.name.GetString()] = m.value.GetString();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<rapidjson::Document> ParseJson(absl::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return Invalid(absl::StrCat("JSON error at offset ", doc.GetErrorOffset(), ": ",
                                rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) return Invalid("not a JSON object");
  return doc;
}

}  // namespace

bool Spec::HasNamespace(absl::string_view type) const {
  for (const NamespaceSpec& n : namespaces) {
    if (n.type == type) return true;
  }
  return false;
}

bool Spec::HasDevTmpfs() const {
  for (const MountSpec& m : mounts) {
    if (m.destination == "/dev" && m.type == "tmpfs") return true;
  }
  return false;
}

bool Spec::WantsInit() const {
  auto it = annotations.find("berth.init");
  return it != annotations.end() && (it->second == "true" || it->second == "1");
}

absl::StatusOr<ProcessSpec> ParseProcess(absl::string_view json) {
  auto doc = ParseJson(json);
  if (!doc.ok()) return doc.status();
  ProcessSpec p;
  if (absl::Status s = ParseProcessValue(*doc, &p); !s.ok()) return s;
  return p;
}

absl::StatusOr<Spec> ParseSpec(absl::string_view json, absl::string_view bundle) {
  auto doc_or = ParseJson(json);
  if (!doc_or.ok()) return doc_or.status();
  const rapidjson::Document& doc = *doc_or;
  Spec spec;
  const Value* root = Member(doc, "root");
  if (root == nullptr) return Invalid("root is missing");
  std::string path;
  if (absl::Status s = GetString(*root, "path", &path); !s.ok()) return s;
  if (path.empty()) return Invalid("root.path is empty");
  spec.root_path = absl::StartsWith(path, "/") ? path : absl::StrCat(bundle, "/", path);
  if (const Value* ro = Member(*root, "readonly")) spec.root_readonly = ro->IsBool() && ro->GetBool();
  const Value* process = Member(doc, "process");
  if (process == nullptr) return Invalid("process is missing");
  if (absl::Status s = ParseProcessValue(*process, &spec.process); !s.ok()) return s;
  if (absl::Status s = GetString(doc, "hostname", &spec.hostname); !s.ok()) return s;
  if (absl::Status s = GetString(doc, "domainname", &spec.domainname); !s.ok()) return s;
  if (const Value* mounts = Member(doc, "mounts")) {
    if (!mounts->IsArray()) return Invalid("mounts is not an array");
    for (const Value& m : mounts->GetArray()) {
      MountSpec ms;
      if (absl::Status s = ParseMount(m, &ms); !s.ok()) return s;
      spec.mounts.push_back(std::move(ms));
    }
  }
  if (const Value* a = Member(doc, "annotations")) {
    if (!a->IsObject()) return Invalid("annotations is not an object");
    for (const auto& m : a->GetObject()) {
      if (m.value.IsString()) spec.annotations[m.name.GetString()] = m.value.GetString();
    }
  }
  if (const Value* l = Member(doc, "linux")) {
    if (absl::Status s = ParseLinux(*l, &spec); !s.ok()) return s;
  }
  if (!spec.HasNamespace("mount")) return Invalid("a mount namespace is required");
  if ((!spec.hostname.empty() || !spec.domainname.empty()) && !spec.HasNamespace("uts")) {
    return Invalid("hostname and domainname need a private UTS namespace");
  }
  for (const auto& [key, value] : spec.sysctl) {
    if (absl::Status s = CheckSysctl(spec, key, value); !s.ok()) return s;
  }
  return spec;
}

}  // namespace shim::oci
