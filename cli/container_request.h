// -----------------------------------------------------------------------------
// File: container_request.h
// -----------------------------------------------------------------------------
//
// Conversion of `run`/`create`/`exec` flags into Containers requests, with
// Docker's parsing rules and error messages. Pure functions: the process
// environment and file reads are passed in, so every rule is unit-tested.

#ifndef CLI_CONTAINER_REQUEST_H_
#define CLI_CONTAINER_REQUEST_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/container_options.h"
#include "proto/berth/v1/containers.pb.h"

namespace cli {

// Looks up a variable of the client's environment; nullptr when unset.
using GetEnvFn = std::function<const char*(const char*)>;
// Reads a whole file (for --env-file and --security-opt seccomp=FILE).
using ReadFileFn = std::function<absl::StatusOr<std::string>(const std::string&)>;

// ParseMemory()
//
// Docker's RAMInBytes: "512m", "1g", "1.5GiB", "1024" (bytes); binary units.
// InvalidArgument "invalid size: '<s>'".
absl::StatusOr<int64_t> ParseMemory(absl::string_view s);

// ParseNanoCpus()
//
// "1.5" -> 1500000000. InvalidArgument "failed to parse <s> as a rational
// number" or "value is too precise".
absl::StatusOr<int64_t> ParseNanoCpus(absl::string_view s);

// ParseTmpfs()
//
// `--tmpfs /x[:size=1m,mode=1777,...]`.
absl::StatusOr<berth::v1::Mount> ParseTmpfs(absl::string_view spec);

// ResolveEnv()
//
// "KEY=value" as is; "KEY" takes the client's value ("KEY=value") when set,
// else stays "KEY" (the daemon then unsets it, as Docker's).
std::string ResolveEnv(absl::string_view entry, const GetEnvFn& getenv);

// ParseEnvFile()
//
// An --env-file's content: one KEY=value per line, '#' comments and blank
// lines skipped, "KEY" lines resolved with ResolveEnv. InvalidArgument
// "poorly formatted environment: variable '<k>' contains whitespaces".
absl::StatusOr<std::vector<std::string>> ParseEnvFile(absl::string_view content,
                                                      const GetEnvFn& getenv);

// BuildEnv()
//
// Env files (in order) then -e values, as Docker merges them.
absl::StatusOr<std::vector<std::string>> BuildEnv(
    const std::vector<std::string>& env_files, const std::vector<std::string>& env,
    const GetEnvFn& getenv, const ReadFileFn& read_file);

// BuildCreateRequest()
//
// The Create request for `run` (`run` true) or `create` with `args` =
// IMAGE [COMMAND [ARG...]]. Attach flags follow Docker: -d attaches
// nothing; -a picks streams; otherwise stdout and stderr, plus stdin with
// -i (which also sets stdin_once). `--security-opt seccomp=FILE` sends the
// file's JSON. InvalidArgument with Docker's wording for bad values.
absl::StatusOr<berth::v1::CreateContainerRequest> BuildCreateRequest(
    const ContainerCreateOptions& options, const std::vector<std::string>& args,
    bool run, const GetEnvFn& getenv, const ReadFileFn& read_file);

// BuildExecRequest()
//
// The ExecCreate request for `exec` with `args` = CONTAINER COMMAND [ARG...].
absl::StatusOr<berth::v1::ExecCreateRequest> BuildExecRequest(
    const ExecOptions& options, const std::vector<std::string>& args,
    const GetEnvFn& getenv, const ReadFileFn& read_file);

// ParseDetachKeys()
//
// Docker's detach key syntax: comma-separated keys, each a single
// character or "ctrl-<x>" with x in a-z, @, [, \, ], ^, _. Returns the
// bytes. InvalidArgument "Invalid detach keys (<keys>) provided".
absl::StatusOr<std::string> ParseDetachKeys(absl::string_view keys);

}  // namespace cli

#endif  // CLI_CONTAINER_REQUEST_H_
