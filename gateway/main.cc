// berth-gateway: serves the Docker Engine API and translates it to Berth's
// gRPC API through the SDK, so the docker CLI and docker-py work unchanged.
//
//   berth-gateway -H unix:///run/berth/docker.sock --engine unix:///run/berth/berth.sock
//       [--group docker] [-H tcp://0.0.0.0:2376 --tlsverify --tlscacert ca.pem
//        --tlscert cert.pem --tlskey key.pem] [--log-level info]
//
// Runs until SIGTERM or SIGINT, then removes its Unix sockets and exits 0.

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/base/log.h"
#include "gateway/containers/routes.h"
#include "gateway/http/listener.h"
#include "gateway/http/router.h"
#include "gateway/http/server.h"
#include "gateway/images/routes.h"
#include "gateway/streams/routes.h"
#include "gateway/system/routes.h"
#include "sdk/client.h"

namespace {

constexpr char kUsage[] =
    "Usage:\tberth-gateway [OPTIONS]\n\n"
    "Serves the Docker Engine API (1.24 to 1.50) for a Berth daemon.\n\n"
    "Options:\n"
    "  -H, --host list        Address to listen on, unix:///path or tcp://host:port\n"
    "                         (default unix:///run/berth/docker.sock); repeatable\n"
    "      --engine string    The Berth daemon to serve (default unix:///run/berth/berth.sock)\n"
    "  -G, --group string     Group owning the unix socket (default \"docker\", else root)\n"
    "      --tlsverify        Require client certificates signed by --tlscacert (needed for tcp)\n"
    "      --tlscacert string CA certificate for client certificates\n"
    "      --tlscert string   Server certificate\n"
    "      --tlskey string    Server key\n"
    "  -l, --log-level string Log level: debug, info, warn, error (default info)\n"
    "      --header-timeout seconds  Time a client has to send a request head (default 30)\n"
    "  -h, --help             Print usage\n";

struct Flags {
  std::vector<std::string> hosts;
  std::string engine = sdk::kDefaultHost;
  std::string group = "docker";
  bool group_explicit = false;
  bool tls_verify = false;
  std::string tls_ca, tls_cert, tls_key;
  std::string log_level = "info";
  int header_timeout_seconds = 30;
  bool help = false;
};

int Fail(absl::string_view message) {
  std::fprintf(stderr, "berth-gateway: %.*s\n", static_cast<int>(message.size()),
               message.data());
  return 1;
}

absl::StatusOr<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (absl::StartsWith(arg, "--") && arg.find('=') != std::string::npos) {
      value = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
      has_value = true;
    }
    auto take = [&](std::string* out) -> absl::Status {
      if (has_value) {
        *out = value;
      } else if (i + 1 < argc) {
        *out = argv[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("flag needs an argument: ", arg));
      }
      return absl::OkStatus();
    };
    absl::Status s;
    if (arg == "-H" || arg == "--host") {
      std::string host;
      s = take(&host);
      flags.hosts.push_back(host);
    } else if (arg == "--engine") {
      s = take(&flags.engine);
    } else if (arg == "-G" || arg == "--group") {
      s = take(&flags.group);
      flags.group_explicit = true;
    } else if (arg == "--tlsverify") {
      flags.tls_verify = !has_value || value == "true" || value == "1";
    } else if (arg == "--tlscacert") {
      s = take(&flags.tls_ca);
    } else if (arg == "--tlscert") {
      s = take(&flags.tls_cert);
    } else if (arg == "--tlskey") {
      s = take(&flags.tls_key);
    } else if (arg == "-l" || arg == "--log-level") {
      s = take(&flags.log_level);
    } else if (arg == "--header-timeout") {
      std::string seconds;
      s = take(&seconds);
      if (s.ok() && (!absl::SimpleAtoi(seconds, &flags.header_timeout_seconds) ||
                     flags.header_timeout_seconds <= 0)) {
        s = absl::InvalidArgumentError(
            absl::StrCat("invalid --header-timeout: ", seconds));
      }
    } else if (arg == "-h" || arg == "--help") {
      flags.help = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag: ", arg));
    }
    if (!s.ok()) return s;
  }
  if (flags.hosts.empty()) flags.hosts.push_back("unix:///run/berth/docker.sock");
  return flags;
}

// The daemon may still be starting: retry for a few seconds.
absl::StatusOr<std::unique_ptr<sdk::Client>> ConnectEngine(const std::string& host) {
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  for (;;) {
    absl::StatusOr<std::unique_ptr<sdk::Client>> client = sdk::Client::Connect(host);
    if (client.ok() || absl::Now() >= deadline ||
        client.status().code() != absl::StatusCode::kUnavailable) {
      return client;
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists, so every thread inherits the mask; the main
  // thread takes the termination signals with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  absl::StatusOr<Flags> flags = ParseFlags(argc, argv);
  if (!flags.ok()) return Fail(absl::StrCat(flags.status().message(), "\n\n", kUsage));
  if (flags->help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  base::LogLevel level;
  if (!base::ParseLogLevel(flags->log_level, &level)) {
    return Fail(absl::StrCat("invalid log level: ", flags->log_level));
  }
  base::SetLogLevel(level);

  std::vector<gateway::ListenAddress> addresses;
  bool any_tcp = false;
  for (const std::string& host : flags->hosts) {
    absl::StatusOr<gateway::ListenAddress> a = gateway::ParseListenAddress(host);
    if (!a.ok()) return Fail(a.status().message());
    any_tcp |= a->kind == gateway::ListenAddress::Kind::kTcp;
    addresses.push_back(*a);
  }
  std::shared_ptr<const gateway::TlsContext> tls;
  if (any_tcp) {
    if (!flags->tls_verify || flags->tls_ca.empty() || flags->tls_cert.empty() ||
        flags->tls_key.empty()) {
      return Fail(
          "refusing to listen on TCP without mutual TLS: pass --tlsverify "
          "--tlscacert, --tlscert and --tlskey (anyone who reaches the API "
          "controls the host)");
    }
    absl::StatusOr<std::unique_ptr<gateway::TlsContext>> ctx =
        gateway::TlsContext::Create(flags->tls_ca, flags->tls_cert, flags->tls_key);
    if (!ctx.ok()) return Fail(ctx.status().message());
    tls = std::move(*ctx);
  }

  gid_t gid = 0;
  {
    absl::StatusOr<gid_t> g = gateway::LookupGroup(flags->group);
    if (g.ok()) {
      gid = *g;
    } else if (flags->group_explicit) {
      return Fail(g.status().message());
    }
  }

  absl::StatusOr<std::unique_ptr<sdk::Client>> client = ConnectEngine(flags->engine);
  if (!client.ok()) return Fail(client.status().message());
  absl::StatusOr<berth::v1::VersionResponse> version = (*client)->Version();
  if (!version.ok()) return Fail(version.status().message());

  gateway::Router router;
  gateway::RegisterSystemRoutes(client->get(), &router);
  gateway::RegisterImagesRoutes(client->get(), &router);
  gateway::RegisterContainersRoutes(client->get(), &router);
  gateway::RegisterStreamsRoutes(client->get(), &router);

  gateway::ServerOptions options;
  options.connection.engine_version = version->version();
  options.connection.header_timeout = absl::Seconds(flags->header_timeout_seconds);
  gateway::Server server(&router, options);
  std::vector<gateway::UnixSocketFile> sockets;
  for (const gateway::ListenAddress& a : addresses) {
    if (a.kind == gateway::ListenAddress::Kind::kUnix) {
      absl::StatusOr<gateway::UnixSocketFile> sock =
          gateway::UnixSocketFile::Create(a.path, gid);
      if (!sock.ok()) {
        for (gateway::UnixSocketFile& s : sockets) s.Remove();
        return Fail(sock.status().message());
      }
      server.AddListener(sock->TakeFd(), nullptr);
      sockets.push_back(std::move(*sock));
      LOG_INFO("API listen on", {{"address", a.path}});
    } else {
      absl::StatusOr<base::UniqueFd> fd = gateway::ListenTcp(a.host, a.port);
      if (!fd.ok()) {
        for (gateway::UnixSocketFile& s : sockets) s.Remove();
        return Fail(fd.status().message());
      }
      server.AddListener(std::move(*fd), tls);
      std::string where = absl::StrCat(a.host, ":", a.port);
      LOG_INFO("API listen on (mutual TLS)", {{"address", where}});
    }
  }
  if (absl::Status s = server.Start(); !s.ok()) {
    for (gateway::UnixSocketFile& sock : sockets) sock.Remove();
    return Fail(s.message());
  }
  LOG_INFO("berth-gateway started", {{"engine", flags->engine},
                                     {"version", version->version()}});

  int sig = 0;
  while (sigwait(&stop_signals, &sig) != 0) {
  }
  LOG_INFO("shutting down", {{"signal", sig == SIGINT ? "interrupt" : "terminated"}});
  for (gateway::UnixSocketFile& sock : sockets) sock.Remove();
  server.Stop();
  // Hijacked sessions and streams may still run on their threads; they end
  // with the process rather than racing static destructors.
  std::_Exit(0);
}
