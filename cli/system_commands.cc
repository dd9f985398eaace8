#include "cli/system_commands.h"

#include <sys/utsname.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"
#include "sdk/client.h"

#ifndef BERTH_GIT_COMMIT
#define BERTH_GIT_COMMIT "unknown"
#endif

namespace cli {
namespace {

std::string Arch() {
  utsname u{};
  if (::uname(&u) != 0) return "unknown";
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  return m;
}

void Field(std::ostream& out, absl::string_view indent, absl::string_view name,
           absl::string_view value, int width) {
  std::string label = absl::StrCat(name, ":");
  out << indent << label;
  int pad = width - static_cast<int>(label.size());
  out << std::string(pad > 0 ? pad : 1, ' ') << value << "\n";
}

}  // namespace

std::string VersionLine() {
  return absl::StrCat("Berth version ", kClientVersion, ", build ",
                      BERTH_GIT_COMMIT);
}

std::string BytesSize(double size) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB",
                                 "PiB", "EiB", "ZiB", "YiB"};
  int unit = 0;
  while (size >= 1024.0 && unit < 8) {
    size /= 1024.0;
    ++unit;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4g%s", size, kUnits[unit]);
  return buf;
}

absl::Status RunVersion(Context* ctx) {
  std::ostream& out = ctx->out();
  out << "Client:\n";
  Field(out, " ", "Version", kClientVersion, 19);
  Field(out, " ", "API version", kApiVersion, 19);
  Field(out, " ", "Compiler", absl::StrCat("gcc ", __VERSION__), 19);
  Field(out, " ", "Git commit", BERTH_GIT_COMMIT, 19);
  Field(out, " ", "OS/Arch", absl::StrCat("linux/", Arch()), 19);
  out.flush();

  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  ASSIGN_OR_RETURN(auto v, client->Version());
  out << "\nServer: Berth Engine\n";
  out << " Engine:\n";
  Field(out, "  ", "Version", v.version(), 18);
  Field(out, "  ", "API version", v.api_version(), 18);
  Field(out, "  ", "Compiler", v.compiler(), 18);
  Field(out, "  ", "Git commit", v.git_commit(), 18);
  Field(out, "  ", "Built", v.build_time(), 18);
  Field(out, "  ", "OS/Arch", absl::StrCat(v.os(), "/", v.arch()), 18);
  Field(out, "  ", "Kernel Version", v.kernel_version(), 18);
  return absl::OkStatus();
}

absl::Status RunInfo(Context* ctx) {
  std::ostream& out = ctx->out();
  out << "Client:\n";
  out << " Version:    " << kClientVersion << "\n";
  out << " Debug Mode: " << (ctx->inv().global.debug ? "true" : "false") << "\n";
  out << "\n";
  out.flush();

  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  ASSIGN_OR_RETURN(auto i, client->Info());
  out << "Server:\n";
  out << " Containers: " << i.containers() << "\n";
  out << "  Running: " << i.containers_running() << "\n";
  out << "  Paused: " << i.containers_paused() << "\n";
  out << "  Stopped: " << i.containers_stopped() << "\n";
  out << " Images: " << i.images() << "\n";
  out << " Server Version: " << i.server_version() << "\n";
  out << " Storage Driver: " << i.storage_driver() << "\n";
  if (!i.logging_driver().empty()) {
    out << " Logging Driver: " << i.logging_driver() << "\n";
  }
  if (!i.cgroup_driver().empty()) {
    out << " Cgroup Driver: " << i.cgroup_driver() << "\n";
  }
  if (!i.cgroup_version().empty()) {
    out << " Cgroup Version: " << i.cgroup_version() << "\n";
  }
  if (!i.default_runtime().empty()) {
    out << " Default Runtime: " << i.default_runtime() << "\n";
  }
  if (!i.security_options().empty()) {
    out << " Security Options:\n";
    for (const auto& s : i.security_options()) out << "  " << s << "\n";
  }
  out << " Kernel Version: " << i.kernel_version() << "\n";
  out << " Operating System: " << i.operating_system() << "\n";
  out << " OSType: " << i.os_type() << "\n";
  out << " Architecture: " << i.architecture() << "\n";
  out << " CPUs: " << i.ncpu() << "\n";
  out << " Total Memory: " << BytesSize(static_cast<double>(i.mem_total())) << "\n";
  out << " Name: " << i.name() << "\n";
  out << " ID: " << i.id() << "\n";
  out << " Berth Root Dir: " << i.data_root() << "\n";
  if (!i.exec_root().empty()) out << " Berth Exec Root: " << i.exec_root() << "\n";
  out << " Debug Mode: " << (i.debug() ? "true" : "false") << "\n";
  if (i.max_concurrent_downloads() > 0) {
    out << " Max Concurrent Downloads: " << i.max_concurrent_downloads() << "\n";
  }
  if (!i.insecure_registries().empty()) {
    out << " Insecure Registries:\n";
    for (const auto& r : i.insecure_registries()) out << "  " << r << "\n";
  }
  if (!i.registry_mirrors().empty()) {
    out << " Registry Mirrors:\n";
    for (const auto& m : i.registry_mirrors()) out << "  " << m << "\n";
  }
  return absl::OkStatus();
}

}  // namespace cli
