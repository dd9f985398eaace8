// -----------------------------------------------------------------------------
// File: registry_commands.h
// -----------------------------------------------------------------------------
//
// login and logout. Credentials live in <config dir>/config.json
// (sdk/auth_config.h); the daemon only validates them (Login) and forgets its
// cached tokens (Logout).

#ifndef CLI_REGISTRY_COMMANDS_H_
#define CLI_REGISTRY_COMMANDS_H_

#include "absl/status/status.h"
#include "cli/context.h"

namespace cli {

// `berth login [-u USER] [-p PASS | --password-stdin] [SERVER]`. Prompts for
// a missing user name or password when stdin is a terminal (the password
// without echo); otherwise a missing one is an error.
absl::Status RunLogin(Context* ctx);

// `berth logout [SERVER]`.
absl::Status RunLogout(Context* ctx);

}  // namespace cli

#endif  // CLI_REGISTRY_COMMANDS_H_
