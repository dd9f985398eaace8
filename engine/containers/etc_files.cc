#include "engine/containers/etc_files.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/base/file_util.h"

namespace engine {
namespace containers {
namespace {

// The address of a "nameserver <addr>" line, or "" for other lines.
absl::string_view Nameserver(absl::string_view line) {
  line = absl::StripLeadingAsciiWhitespace(line);
  if (!absl::ConsumePrefix(&line, "nameserver")) return "";
  if (line.empty() || (line[0] != ' ' && line[0] != '\t')) return "";
  std::vector<absl::string_view> fields =
      absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  return fields.empty() ? absl::string_view() : fields[0];
}

bool IsLoopback(absl::string_view addr) {
  return absl::StartsWith(addr, "127.") || addr == "::1" || addr == "0:0:0:0:0:0:0:1";
}

}  // namespace

std::string HostnameFileContent(absl::string_view hostname) {
  return absl::StrCat(hostname, "\n");
}

absl::StatusOr<std::string> HostsFileContent(const HostsOptions& options) {
  std::string out =
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "ff00::0\tip6-mcastprefix\n"
      "ff02::1\tip6-allnodes\n"
      "ff02::2\tip6-allrouters\n";
  if (!options.ip.empty() && !options.hostname.empty()) {
    if (options.domainname.empty()) {
      absl::StrAppend(&out, options.ip, "\t", options.hostname, "\n");
    } else {
      absl::StrAppend(&out, options.ip, "\t", options.hostname, ".", options.domainname, " ",
                      options.hostname, "\n");
    }
  }
  for (const std::string& extra : options.extra_hosts) {
    size_t colon = extra.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == extra.size() ||
        extra.find_first_of(" \t\n") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid argument \"", extra, "\" for \"--add-host\" flag"));
    }
    // The address may be IPv6 (it contains colons); the name never does.
    absl::StrAppend(&out, extra.substr(colon + 1), "\t", extra.substr(0, colon), "\n");
  }
  return out;
}

ResolvConf ResolvConfContent(absl::string_view host, bool host_network,
                             const std::vector<std::string>& dns) {
  ResolvConf out;
  if (host_network && dns.empty()) {
    out.content = std::string(host);
    if (!out.content.empty() && out.content.back() != '\n') out.content.push_back('\n');
    return out;
  }
  bool any = false;
  for (absl::string_view line : absl::StrSplit(host, '\n', absl::SkipEmpty())) {
    absl::string_view ns = Nameserver(line);
    if (!ns.empty()) {
      if (!dns.empty() || (!host_network && IsLoopback(ns))) continue;
      any = true;
    }
    absl::StrAppend(&out.content, line, "\n");
  }
  for (const std::string& server : dns) {
    absl::StrAppend(&out.content, "nameserver ", server, "\n");
    any = true;
  }
  if (!any) {
    absl::StrAppend(&out.content, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
    out.used_fallback = true;
  }
  return out;
}

std::string HostResolvConfPath() {
  constexpr char kDefault[] = "/etc/resolv.conf";
  constexpr char kResolved[] = "/run/systemd/resolve/resolv.conf";
  absl::StatusOr<std::string> content = base::ReadFile(kDefault);
  if (!content.ok()) return kDefault;
  bool only_stub = false;
  for (absl::string_view line : absl::StrSplit(*content, '\n')) {
    absl::string_view ns = Nameserver(line);
    if (ns.empty()) continue;
    if (ns != "127.0.0.53") return kDefault;
    only_stub = true;
  }
  if (only_stub && base::PathExists(kResolved)) return kResolved;
  return kDefault;
}

}  // namespace containers
}  // namespace engine
