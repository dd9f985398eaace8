// -----------------------------------------------------------------------------
// File: system_commands.h
// -----------------------------------------------------------------------------
//
// version and info, laid out as docker's (Client: and Server: sections).

#ifndef CLI_SYSTEM_COMMANDS_H_
#define CLI_SYSTEM_COMMANDS_H_

#include <string>

#include "absl/status/status.h"
#include "cli/context.h"

namespace cli {

// The client's version, as `berth -v` prints it.
inline constexpr char kClientVersion[] = "0.1.0";
inline constexpr char kApiVersion[] = "berth.v1";

// "Berth version 0.1.0, build <commit>".
std::string VersionLine();

// Prints the Client section, then the Server section; a daemon error comes
// back after the Client section is printed (as docker does).
absl::Status RunVersion(Context* ctx);
absl::Status RunInfo(Context* ctx);

// BytesSize()
//
// Binary units with 4 significant digits ("7.763GiB"), as docker info's
// Total Memory.
std::string BytesSize(double size);

}  // namespace cli

#endif  // CLI_SYSTEM_COMMANDS_H_
