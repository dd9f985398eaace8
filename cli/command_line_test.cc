#include "cli/command_line.h"

#include <CLI/CLI.hpp>

#include <stdlib.h>

#include <vector>

#include "gtest/gtest.h"

namespace cli {
namespace {

void ParseArgs(CommandLine* cl, std::vector<const char*> args) {
  args.insert(args.begin(), "berth");
  cl->Parse(static_cast<int>(args.size()), args.data());
}

TEST(CommandLine, PullWithFlagsAnywhere) {
  CommandLine cl;
  ParseArgs(&cl, {"-H", "unix:///tmp/b.sock", "pull", "alpine", "-q",
                  "--platform", "linux/arm64"});
  const Invocation& inv = cl.invocation();
  EXPECT_EQ(inv.command, CommandId::kPull);
  EXPECT_EQ(inv.command_path, "berth pull");
  EXPECT_EQ(inv.global.host, "unix:///tmp/b.sock");
  EXPECT_TRUE(inv.pull.quiet);
  EXPECT_EQ(inv.pull.platform, "linux/arm64");
  EXPECT_EQ(inv.args, std::vector<std::string>{"alpine"});
  EXPECT_TRUE(cl.Validate().ok());
}

TEST(CommandLine, DefaultsAndEnvironment) {
  setenv("BERTH_HOST", "unix:///env.sock", 1);
  setenv("BERTH_CONFIG", "/tmp/cfg", 1);
  CommandLine cl;
  ParseArgs(&cl, {"version"});
  EXPECT_EQ(cl.invocation().global.host, "unix:///env.sock");
  EXPECT_EQ(cl.invocation().global.config_dir, "/tmp/cfg");
  EXPECT_EQ(cl.invocation().command, CommandId::kVersion);
  unsetenv("BERTH_HOST");
  unsetenv("BERTH_CONFIG");

  CommandLine plain;
  ParseArgs(&plain, {"info"});
  EXPECT_EQ(plain.invocation().global.host, "unix:///run/berth/berth.sock");
}

TEST(CommandLine, ImageLsAliasesAndRepeatedFilters) {
  for (auto* form : {"images", "ls", "list"}) {
    CommandLine cl;
    if (std::string(form) == "images") {
      ParseArgs(&cl, {"images", "--filter", "dangling=true", "-f", "label=a",
                      "--digests", "--format", "json", "alpine"});
    } else {
      ParseArgs(&cl, {"image", form, "--filter", "dangling=true", "-f",
                      "label=a", "--digests", "--format", "json", "alpine"});
    }
    const Invocation& inv = cl.invocation();
    EXPECT_EQ(inv.command, CommandId::kImages) << form;
    EXPECT_EQ(inv.images.filters,
              (std::vector<std::string>{"dangling=true", "label=a"}));
    EXPECT_TRUE(inv.images.digests);
    EXPECT_EQ(inv.images.format, "json");
    EXPECT_EQ(inv.args, std::vector<std::string>{"alpine"});
  }
}

TEST(CommandLine, RmiAndPruneAndLogin) {
  {
    CommandLine cl;
    ParseArgs(&cl, {"image", "rm", "-f", "a", "b"});
    EXPECT_EQ(cl.invocation().command, CommandId::kRmi);
    EXPECT_TRUE(cl.invocation().rmi.force);
    EXPECT_EQ(cl.invocation().args.size(), 2u);
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"image", "prune", "-a", "-f"});
    EXPECT_EQ(cl.invocation().command, CommandId::kImagePrune);
    EXPECT_TRUE(cl.invocation().prune.all);
    EXPECT_TRUE(cl.invocation().prune.force);
    EXPECT_TRUE(cl.Validate().ok());
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"--config", "/tmp/c", "login", "-u", "bob",
                    "--password-stdin", "127.0.0.1:5000"});
    const Invocation& inv = cl.invocation();
    EXPECT_EQ(inv.command, CommandId::kLogin);
    EXPECT_EQ(inv.global.config_dir, "/tmp/c");
    EXPECT_EQ(inv.login.username, "bob");
    EXPECT_TRUE(inv.login.password_stdin);
    EXPECT_EQ(inv.args, std::vector<std::string>{"127.0.0.1:5000"});
  }
}

TEST(CommandLine, ArgumentCountErrorsReadLikeDocker) {
  {
    CommandLine cl;
    ParseArgs(&cl, {"pull"});
    absl::Status s = cl.Validate();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(),
              "\"berth pull\" requires exactly 1 argument.\n"
              "See 'berth pull --help'.\n\n"
              "Usage:  berth pull [OPTIONS] NAME[:TAG|@DIGEST]\n\n"
              "Download an image from a registry");
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"tag", "a"});
    EXPECT_NE(cl.Validate().message().find(
                  "\"berth tag\" requires exactly 2 arguments."),
              absl::string_view::npos);
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"image", "inspect"});
    EXPECT_NE(cl.Validate().message().find(
                  "\"berth image inspect\" requires at least 1 argument."),
              absl::string_view::npos);
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"logout", "a", "b"});
    EXPECT_NE(cl.Validate().message().find(
                  "\"berth logout\" requires at most 1 argument."),
              absl::string_view::npos);
  }
}

TEST(CommandLine, UnknownFlagThrowsForMain) {
  CommandLine cl;
  EXPECT_THROW(ParseArgs(&cl, {"pull", "--bogus", "x"}), CLI::ParseError);
  EXPECT_EQ(cl.FlagError("The following argument was not expected: --bogus"),
            "unknown flag: --bogus\nSee 'berth pull --help'.");
}

TEST(CommandLine, HelpThrowsCallForHelp) {
  CommandLine cl;
  EXPECT_THROW(ParseArgs(&cl, {"images", "--help"}), CLI::CallForHelp);
}

}  // namespace
}  // namespace cli
