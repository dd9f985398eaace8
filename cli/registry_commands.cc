#include "cli/registry_commands.h"

#include <termios.h>
#include <unistd.h>

#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/base/status_macros.h"
#include "sdk/auth_config.h"
#include "sdk/status.h"

namespace cli {
namespace {

std::string ReadLine(std::istream& in) {
  std::string line;
  std::getline(in, line);
  absl::string_view v = line;
  absl::ConsumeSuffix(&v, "\r");
  return std::string(v);
}

// Reads a line from the terminal on stdin with echo turned off.
std::string ReadSecret(Context* ctx) {
  termios old_state{};
  bool restore = ::tcgetattr(STDIN_FILENO, &old_state) == 0;
  if (restore) {
    termios quiet = old_state;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string secret = ReadLine(ctx->in());
  if (restore) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old_state);
  ctx->out() << "\n";
  return secret;
}

// What `berth login` and `logout` print for a server: Docker Hub's
// index URL, else host[:port].
std::string DisplayName(absl::string_view server) {
  return sdk::CredentialKey(server);
}

}  // namespace

absl::Status RunLogin(Context* ctx) {
  const Invocation& inv = ctx->inv();
  LoginOptions opts = inv.login;
  std::string server = inv.args.empty() ? "" : inv.args[0];

  if (!opts.password.empty()) {
    ctx->err() << "WARNING! Using --password via the CLI is insecure. Use "
                  "--password-stdin.\n";
    if (opts.password_stdin) {
      return absl::InvalidArgumentError(
          "--password and --password-stdin are mutually exclusive");
    }
  }
  if (opts.password_stdin) {
    if (opts.username.empty()) {
      return absl::InvalidArgumentError(
          "Must provide --username with --password-stdin");
    }
    std::string all((std::istreambuf_iterator<char>(ctx->in())),
                    std::istreambuf_iterator<char>());
    absl::string_view v = all;
    absl::ConsumeSuffix(&v, "\n");
    absl::ConsumeSuffix(&v, "\r");
    opts.password = std::string(v);
  }

  ASSIGN_OR_RETURN(auto file, sdk::AuthConfigFile::Load(inv.global.config_dir));
  auto stored = file.Get(server.empty() ? "docker.io" : server);

  // With neither -u nor -p, try the stored credentials first (as Docker).
  if (opts.username.empty() && opts.password.empty() && stored.has_value() &&
      !stored->username.empty() &&
      (!stored->password.empty() || !stored->identity_token.empty())) {
    opts.username = stored->username;
    opts.password = stored->password;
    ctx->out() << "Authenticating with existing credentials... [Username: "
               << stored->username << "]\n";
  }

  if (opts.username.empty() || (opts.password.empty() &&
                                !(stored.has_value() &&
                                  opts.username == stored->username &&
                                  !stored->identity_token.empty()))) {
    if (!ctx->in_is_tty) {
      return absl::InvalidArgumentError(
          "Error: Cannot perform an interactive login from a non TTY device");
    }
    if (opts.username.empty()) {
      std::string def = stored.has_value() ? stored->username : "";
      ctx->out() << "Username" << (def.empty() ? "" : absl::StrCat(" (", def, ")"))
                 << ": ";
      ctx->out().flush();
      opts.username = ReadLine(ctx->in());
      if (opts.username.empty()) opts.username = def;
      if (opts.username.empty()) {
        return absl::InvalidArgumentError("Error: Non-null Username Required");
      }
    }
    if (opts.password.empty()) {
      ctx->out() << "Password: ";
      ctx->out().flush();
      opts.password = ReadSecret(ctx);
      if (opts.password.empty()) {
        return absl::InvalidArgumentError("Error: Password Required");
      }
    }
  }

  berth::v1::LoginRequest req;
  req.set_server_address(server.empty() ? "docker.io" : server);
  req.mutable_auth()->set_username(opts.username);
  req.mutable_auth()->set_password(opts.password);
  if (opts.password.empty() && stored.has_value()) {
    req.mutable_auth()->set_identity_token(stored->identity_token);
  }
  req.mutable_auth()->set_server_address(req.server_address());
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  ASSIGN_OR_RETURN(auto resp, client->Login(req));

  sdk::AuthEntry entry{opts.username, opts.password, ""};
  if (!resp.identity_token().empty()) {
    entry.password.clear();
    entry.identity_token = resp.identity_token();
  }
  file.Set(req.server_address(), entry);
  RETURN_IF_ERROR(file.Save());
  ctx->out() << (resp.status().empty() ? "Login Succeeded" : resp.status()) << "\n";
  return absl::OkStatus();
}

absl::Status RunLogout(Context* ctx) {
  const Invocation& inv = ctx->inv();
  std::string server = inv.args.empty() ? "docker.io" : inv.args[0];
  std::string name = DisplayName(server);
  ASSIGN_OR_RETURN(auto file, sdk::AuthConfigFile::Load(inv.global.config_dir));
  if (!file.Erase(server)) {
    ctx->out() << "Not logged in to " << name << "\n";
  } else {
    ctx->out() << "Removing login credentials for " << name << "\n";
    RETURN_IF_ERROR(file.Save());
  }
  // Let the daemon drop its cached tokens; credentials are already gone
  // locally, so an unreachable daemon is not an error here.
  auto client = ctx->client();
  if (client.ok()) {
    absl::Status s = (*client)->Logout(server);
    if (!s.ok() && !sdk::IsConnectionError(s)) {
      ctx->err() << "WARNING: could not log out in the daemon: " << s.message()
                 << "\n";
    }
  }
  return absl::OkStatus();
}

}  // namespace cli
