#include "engine/server/config.h"

#include <stdlib.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "engine/base/file_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace engine {
namespace server {
namespace {

using ::testing::HasSubstr;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    missing_ = dir_ + "/missing.json";
  }
  void TearDown() override { (void)base::RemoveAll(dir_); }

  std::string WriteJson(const std::string& text) {
    std::string path = dir_ + "/daemon.json";
    EXPECT_TRUE(base::WriteFileAtomic(path, text).ok());
    return path;
  }

  // Parses with a config file that is absent unless `json` is given.
  absl::StatusOr<CommandLine> Parse(std::vector<std::string> args,
                                    const std::string& json = "") {
    args.insert(args.begin(), "berthd");
    args.push_back("--config-file");
    args.push_back(json.empty() ? missing_ : WriteJson(json));
    return ParseCommandLine(args);
  }

  std::string dir_;
  std::string missing_;
};

TEST_F(ConfigTest, DefaultsWithoutFlagsOrFile) {
  // The default config file need not exist; an explicit missing one is an error.
  absl::StatusOr<CommandLine> cl = Parse({});
  EXPECT_TRUE(absl::IsNotFound(cl.status())) << cl.status();
  DaemonConfig c;
  EXPECT_EQ(c.hosts, std::vector<std::string>{"unix:///run/berth/berth.sock"});
  EXPECT_EQ(c.data_root, "/var/lib/berth");
  EXPECT_EQ(c.exec_root, "/run/berth");
  EXPECT_EQ(c.pidfile, "/run/berth/berthd.pid");
  EXPECT_EQ(c.group, "berth");
  EXPECT_FALSE(c.group_explicit);
  EXPECT_EQ(c.max_concurrent_downloads, 3);
  EXPECT_EQ(c.max_concurrent_uploads, 5);
  EXPECT_EQ(c.log_level, "info");
  EXPECT_TRUE(ValidateConfig(c).ok());
}

TEST_F(ConfigTest, FlagsInBothForms) {
  absl::StatusOr<CommandLine> cl = Parse(
      {"-H", "unix:///tmp/a.sock", "--host=unix:///tmp/b.sock", "--data-root",
       "/srv/berth", "--exec-root=/run/x", "--group", "staff", "-p",
       "/run/x.pid", "--insecure-registry", "127.0.0.1:5000",
       "--insecure-registry=10.0.0.0/8", "--registry-mirror",
       "https://mirror.example.com/", "--max-concurrent-downloads", "7",
       "--max-concurrent-uploads=2", "--log-level", "debug", "-D"},
      "{}");
  ASSERT_TRUE(cl.ok()) << cl.status();
  const DaemonConfig& c = cl->config;
  EXPECT_EQ(cl->action, CommandLine::Action::kRun);
  EXPECT_EQ(c.hosts, (std::vector<std::string>{"unix:///tmp/a.sock",
                                               "unix:///tmp/b.sock"}));
  EXPECT_EQ(c.data_root, "/srv/berth");
  EXPECT_EQ(c.exec_root, "/run/x");
  EXPECT_EQ(c.group, "staff");
  EXPECT_TRUE(c.group_explicit);
  EXPECT_EQ(c.pidfile, "/run/x.pid");
  EXPECT_EQ(c.insecure_registries,
            (std::vector<std::string>{"127.0.0.1:5000", "10.0.0.0/8"}));
  EXPECT_EQ(c.registry_mirrors,
            std::vector<std::string>{"https://mirror.example.com"});
  EXPECT_EQ(c.max_concurrent_downloads, 7);
  EXPECT_EQ(c.max_concurrent_uploads, 2);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_TRUE(c.debug);
}

TEST_F(ConfigTest, DaemonJsonKeys) {
  absl::StatusOr<CommandLine> cl = Parse({}, R"({
    "hosts": ["unix:///tmp/j.sock"],
    "data-root": "/srv/j",
    "exec-root": "/run/j",
    "group": "adm",
    "pidfile": "/run/j.pid",
    "insecure-registries": ["myreg:5000"],
    "registry-mirrors": ["https://m1.example", "http://m2.example:8080/"],
    "max-concurrent-downloads": 10,
    "max-concurrent-uploads": 1,
    "log-level": "warn",
    "debug": true
  })");
  ASSERT_TRUE(cl.ok()) << cl.status();
  const DaemonConfig& c = cl->config;
  EXPECT_EQ(c.hosts, std::vector<std::string>{"unix:///tmp/j.sock"});
  EXPECT_EQ(c.data_root, "/srv/j");
  EXPECT_EQ(c.exec_root, "/run/j");
  EXPECT_EQ(c.group, "adm");
  EXPECT_TRUE(c.group_explicit);
  EXPECT_EQ(c.pidfile, "/run/j.pid");
  EXPECT_EQ(c.insecure_registries, std::vector<std::string>{"myreg:5000"});
  EXPECT_EQ(c.registry_mirrors,
            (std::vector<std::string>{"https://m1.example",
                                      "http://m2.example:8080"}));
  EXPECT_EQ(c.max_concurrent_downloads, 10);
  EXPECT_EQ(c.max_concurrent_uploads, 1);
  EXPECT_EQ(c.log_level, "warn");
  EXPECT_TRUE(c.debug);
}

TEST_F(ConfigTest, FlagAndFileConflict) {
  absl::StatusOr<CommandLine> cl =
      Parse({"--data-root", "/a", "--insecure-registry", "r:1"},
            R"({"data-root": "/b", "insecure-registries": ["r:2"], "debug": false})");
  ASSERT_TRUE(absl::IsInvalidArgument(cl.status())) << cl.status();
  std::string msg(cl.status().message());
  EXPECT_THAT(msg, HasSubstr("the following directives are specified both as "
                             "a flag and in the configuration file: "));
  EXPECT_THAT(msg, HasSubstr("data-root: (from flag: /a, from file: /b)"));
  EXPECT_THAT(msg, HasSubstr(
                       "insecure-registries: (from flag: [r:1], from file: [r:2])"));
  EXPECT_FALSE(absl::StrContains(msg, "debug"));
}

TEST_F(ConfigTest, UnknownKeysAreErrors) {
  absl::StatusOr<CommandLine> cl =
      Parse({}, R"({"storage-drivr": "x", "data-root": "/b", "bogus": 1})");
  ASSERT_TRUE(absl::IsInvalidArgument(cl.status()));
  EXPECT_THAT(std::string(cl.status().message()),
              HasSubstr("the following directives don't match any "
                        "configuration option: bogus, storage-drivr"));
}

TEST_F(ConfigTest, BadJsonAndWrongTypes) {
  EXPECT_TRUE(absl::IsInvalidArgument(Parse({}, "{not json").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Parse({}, "[]").status()));
  absl::StatusOr<CommandLine> cl = Parse({}, R"({"max-concurrent-downloads": "3"})");
  ASSERT_TRUE(absl::IsInvalidArgument(cl.status()));
  EXPECT_THAT(std::string(cl.status().message()),
              HasSubstr("\"max-concurrent-downloads\" must be an integer"));
  EXPECT_TRUE(absl::IsInvalidArgument(
      Parse({}, R"({"insecure-registries": "r:5000"})").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Parse({}, R"({"debug": "yes"})").status()));
}

TEST_F(ConfigTest, BadFlags) {
  EXPECT_TRUE(absl::IsInvalidArgument(Parse({"--frobnicate"}, "{}").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Parse({"stray"}, "{}").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      ParseCommandLine({"berthd", "--data-root"}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      Parse({"--max-concurrent-downloads", "lots"}, "{}").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      Parse({"--max-concurrent-downloads", "0"}, "{}").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Parse({"--log-level", "loud"}, "{}").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Parse({"-H", "tcp://0.0.0.0:2375"}, "{}").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Parse({"--data-root", "rel"}, "{}").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      Parse({"--insecure-registry", "http://r:5000"}, "{}").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      Parse({"--registry-mirror", "ftp://m"}, "{}").status()));
}

TEST_F(ConfigTest, HelpAndVersionSkipTheFile) {
  absl::StatusOr<CommandLine> cl = ParseCommandLine({"berthd", "--version"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->action, CommandLine::Action::kVersion);
  cl = ParseCommandLine({"berthd", "-h"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->action, CommandLine::Action::kHelp);
  EXPECT_TRUE(absl::StartsWith(VersionText(), "Berth version 0.1.0, build "));
  for (const char* flag : {"--host", "--data-root", "--exec-root", "--group",
                           "--pidfile", "--config-file", "--insecure-registry",
                           "--registry-mirror", "--max-concurrent-downloads",
                           "--log-level", "--debug", "--version"}) {
    EXPECT_THAT(UsageText(), HasSubstr(flag));
  }
}

TEST(UnixSocketPathTest, Forms) {
  EXPECT_EQ(*UnixSocketPath("unix:///run/x.sock"), "/run/x.sock");
  EXPECT_EQ(*UnixSocketPath("unix://"), "/run/berth/berth.sock");
  EXPECT_FALSE(UnixSocketPath("unix://rel.sock").ok());
  EXPECT_FALSE(UnixSocketPath("/run/x.sock").ok());
}

TEST(ResolveSocketGroupTest, DefaultFallsBackToRootExplicitMustExist) {
  DaemonConfig c;
  c.group = "no-such-group-berth-test";
  absl::StatusOr<gid_t> gid = ResolveSocketGroup(c);
  ASSERT_TRUE(gid.ok());
  EXPECT_EQ(*gid, 0u);
  c.group_explicit = true;
  EXPECT_TRUE(absl::IsNotFound(ResolveSocketGroup(c).status()));
  c.group = "root";
  EXPECT_EQ(*ResolveSocketGroup(c), 0u);
  c.group = "1234";
  EXPECT_EQ(*ResolveSocketGroup(c), 1234u);
}

}  // namespace
}  // namespace server
}  // namespace engine
