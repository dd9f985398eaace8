#include "engine/containers/seccomp_profile.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/base/status_macros.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace engine {
namespace containers {
namespace {

constexpr const char* kActions[] = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",        "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",
};
constexpr const char* kOps[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

template <size_t N>
bool OneOf(const char* const (&set)[N], absl::string_view s) {
  return std::find(std::begin(set), std::end(set), s) != std::end(set);
}

bool Contains(const std::vector<std::string>& v, absl::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

absl::Status Bad(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("seccomp profile: ", what));
}

absl::StatusOr<std::vector<std::string>> Strings(const rapidjson::Value& obj, const char* key) {
  std::vector<std::string> out;
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull()) return out;
  if (!it->value.IsArray()) return Bad(absl::StrCat(key, " must be an array of strings"));
  for (const auto& v : it->value.GetArray()) {
    if (!v.IsString()) return Bad(absl::StrCat(key, " must be an array of strings"));
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

absl::StatusOr<std::string> String(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull()) return std::string();
  if (!it->value.IsString()) return Bad(absl::StrCat(key, " must be a string"));
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

absl::StatusOr<std::optional<uint32_t>> OptionalUint32(const rapidjson::Value& obj,
                                                       const char* key) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull()) return std::optional<uint32_t>();
  if (!it->value.IsUint()) return Bad(absl::StrCat(key, " must be a 32-bit unsigned number"));
  return std::optional<uint32_t>(it->value.GetUint());
}

absl::StatusOr<SeccompFilter> ParseFilter(const rapidjson::Value& rule, const char* key) {
  SeccompFilter f;
  auto it = rule.FindMember(key);
  if (it == rule.MemberEnd() || it->value.IsNull()) return f;
  if (!it->value.IsObject()) return Bad(absl::StrCat(key, " must be an object"));
  ASSIGN_OR_RETURN(f.caps, Strings(it->value, "caps"));
  ASSIGN_OR_RETURN(f.arches, Strings(it->value, "arches"));
  ASSIGN_OR_RETURN(f.min_kernel, String(it->value, "minKernel"));
  return f;
}

absl::StatusOr<SeccompRule> ParseRule(const rapidjson::Value& v) {
  if (!v.IsObject()) return Bad("syscalls entries must be objects");
  SeccompRule r;
  ASSIGN_OR_RETURN(r.names, Strings(v, "names"));
  ASSIGN_OR_RETURN(std::string name, String(v, "name"));  // legacy single name
  if (!name.empty()) r.names.push_back(name);
  if (r.names.empty()) return Bad("a syscalls entry has no names");
  ASSIGN_OR_RETURN(r.action, String(v, "action"));
  if (!OneOf(kActions, r.action)) return Bad(absl::StrCat("unknown action \"", r.action, "\""));
  ASSIGN_OR_RETURN(r.errno_ret, OptionalUint32(v, "errnoRet"));
  auto args = v.FindMember("args");
  if (args != v.MemberEnd() && !args->value.IsNull()) {
    if (!args->value.IsArray()) return Bad("args must be an array");
    for (const auto& a : args->value.GetArray()) {
      if (!a.IsObject()) return Bad("args entries must be objects");
      SeccompArg arg;
      auto index = a.FindMember("index");
      if (index == a.MemberEnd() || !index->value.IsUint() || index->value.GetUint() > 5) {
        return Bad("an argument index must be 0 to 5");
      }
      arg.index = index->value.GetUint();
      for (auto [key, out] : {std::make_pair("value", &arg.value),
                              std::make_pair("valueTwo", &arg.value_two)}) {
        auto m = a.FindMember(key);
        if (m == a.MemberEnd() || m->value.IsNull()) continue;
        if (!m->value.IsUint64()) return Bad(absl::StrCat(key, " must be an unsigned number"));
        *out = m->value.GetUint64();
      }
      ASSIGN_OR_RETURN(arg.op, String(a, "op"));
      if (!OneOf(kOps, arg.op)) return Bad(absl::StrCat("unknown operator \"", arg.op, "\""));
      r.args.push_back(std::move(arg));
    }
  }
  ASSIGN_OR_RETURN(r.includes, ParseFilter(v, "includes"));
  ASSIGN_OR_RETURN(r.excludes, ParseFilter(v, "excludes"));
  return r;
}

// Go's GOARCH name for this machine, which profiles' `arches` use.
std::string GoArch(absl::string_view machine) {
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (machine == "i386" || machine == "i686") return "386";
  if (machine == "ppc64le") return "ppc64le";
  if (machine == "s390x") return "s390x";
  if (machine == "riscv64") return "riscv64";
  if (machine == "loongarch64") return "loong64";
  if (absl::StartsWith(machine, "arm")) return "arm";
  return std::string(machine);
}

// The SCMP_ARCH_ name of a Go arch (the key in archMap).
std::string NativeScmpArch(absl::string_view go_arch) {
  if (go_arch == "amd64") return "SCMP_ARCH_X86_64";
  if (go_arch == "386") return "SCMP_ARCH_X86";
  if (go_arch == "arm64") return "SCMP_ARCH_AARCH64";
  if (go_arch == "arm") return "SCMP_ARCH_ARM";
  if (go_arch == "ppc64le") return "SCMP_ARCH_PPC64LE";
  if (go_arch == "s390x") return "SCMP_ARCH_S390X";
  if (go_arch == "riscv64") return "SCMP_ARCH_RISCV64";
  if (go_arch == "loong64") return "SCMP_ARCH_LOONGARCH64";
  return "";
}

bool KernelAtLeast(const SeccompContext& c, absl::string_view min) {
  std::vector<absl::string_view> parts = absl::StrSplit(min, '.');
  int major = 0, minor = 0;
  if (parts.empty() || !absl::SimpleAtoi(parts[0], &major)) return true;
  if (parts.size() > 1 && !absl::SimpleAtoi(parts[1], &minor)) minor = 0;
  return c.kernel_major > major || (c.kernel_major == major && c.kernel_minor >= minor);
}

bool Applies(const SeccompRule& r, const SeccompContext& c) {
  if (Contains(r.excludes.arches, c.arch)) return false;
  for (const std::string& cap : r.excludes.caps) {
    if (Contains(c.capabilities, cap)) return false;
  }
  if (!r.excludes.min_kernel.empty() && KernelAtLeast(c, r.excludes.min_kernel)) return false;
  if (!r.includes.arches.empty() && !Contains(r.includes.arches, c.arch)) return false;
  for (const std::string& cap : r.includes.caps) {
    if (!Contains(c.capabilities, cap)) return false;
  }
  if (!r.includes.min_kernel.empty() && !KernelAtLeast(c, r.includes.min_kernel)) return false;
  return true;
}

void WriteStrings(rapidjson::Writer<rapidjson::StringBuffer>* w,
                  const std::vector<std::string>& v) {
  w->StartArray();
  for (const std::string& s : v) w->String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  w->EndArray();
}

}  // namespace

absl::StatusOr<SeccompProfile> ParseSeccompProfile(absl::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return Bad(absl::StrCat("invalid JSON at offset ", doc.GetErrorOffset(), ": ",
                            rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) return Bad("not a JSON object");
  SeccompProfile p;
  ASSIGN_OR_RETURN(p.default_action, String(doc, "defaultAction"));
  if (!OneOf(kActions, p.default_action)) {
    return Bad(absl::StrCat("unknown defaultAction \"", p.default_action, "\""));
  }
  ASSIGN_OR_RETURN(p.default_errno_ret, OptionalUint32(doc, "defaultErrnoRet"));
  ASSIGN_OR_RETURN(p.architectures, Strings(doc, "architectures"));
  auto arch_map = doc.FindMember("archMap");
  if (arch_map != doc.MemberEnd() && !arch_map->value.IsNull()) {
    if (!arch_map->value.IsArray()) return Bad("archMap must be an array");
    for (const auto& entry : arch_map->value.GetArray()) {
      if (!entry.IsObject()) return Bad("archMap entries must be objects");
      ASSIGN_OR_RETURN(std::string arch, String(entry, "architecture"));
      ASSIGN_OR_RETURN(std::vector<std::string> subs, Strings(entry, "subArchitectures"));
      p.arch_map.emplace_back(std::move(arch), std::move(subs));
    }
  }
  if (!p.architectures.empty() && !p.arch_map.empty()) {
    return Bad("use either 'architectures' or 'archMap'");
  }
  auto syscalls = doc.FindMember("syscalls");
  if (syscalls != doc.MemberEnd() && !syscalls->value.IsNull()) {
    if (!syscalls->value.IsArray()) return Bad("syscalls must be an array");
    for (const auto& v : syscalls->value.GetArray()) {
      ASSIGN_OR_RETURN(SeccompRule r, ParseRule(v));
      p.syscalls.push_back(std::move(r));
    }
  }
  return p;
}

SeccompContext HostSeccompContext(std::vector<std::string> caps) {
  SeccompContext c;
  c.capabilities = std::move(caps);
  struct utsname u;
  if (::uname(&u) == 0) {
    c.arch = GoArch(u.machine);
    std::sscanf(u.release, "%d.%d", &c.kernel_major, &c.kernel_minor);
  }
  return c;
}

std::string ToOciSeccomp(const SeccompProfile& p, const SeccompContext& c) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("defaultAction");
  w.String(p.default_action.c_str());
  if (p.default_errno_ret.has_value()) {
    w.Key("defaultErrnoRet");
    w.Uint(*p.default_errno_ret);
  }
  std::vector<std::string> arches = p.architectures;
  std::string native = NativeScmpArch(c.arch);
  for (const auto& [arch, subs] : p.arch_map) {
    if (arch != native) continue;
    arches.push_back(arch);
    arches.insert(arches.end(), subs.begin(), subs.end());
  }
  w.Key("architectures");
  WriteStrings(&w, arches);
  w.Key("syscalls");
  w.StartArray();
  for (const SeccompRule& r : p.syscalls) {
    if (!Applies(r, c)) continue;
    w.StartObject();
    w.Key("names");
    WriteStrings(&w, r.names);
    w.Key("action");
    w.String(r.action.c_str());
    if (r.errno_ret.has_value()) {
      w.Key("errnoRet");
      w.Uint(*r.errno_ret);
    }
    if (!r.args.empty()) {
      w.Key("args");
      w.StartArray();
      for (const SeccompArg& a : r.args) {
        w.StartObject();
        w.Key("index");
        w.Uint(a.index);
        w.Key("value");
        w.Uint64(a.value);
        w.Key("valueTwo");
        w.Uint64(a.value_two);
        w.Key("op");
        w.String(a.op.c_str());
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace containers
}  // namespace engine
