#include "gateway/streams/exec_json.h"

#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace gateway {
namespace {

rapidjson::Document Parse(const char* text) {
  rapidjson::Document d;
  d.Parse(text);
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

TEST(ParseExecConfigTest, CliBody) {
  auto doc = Parse(
      R"({"User":"0","Privileged":false,"Tty":true,"ConsoleSize":[30,90],)"
      R"("AttachStdin":true,"AttachStderr":true,"AttachStdout":true,"Detach":false,)"
      R"("DetachKeys":"ctrl-x","Env":["A=1"],"WorkingDir":"/tmp","Cmd":["sh","-c","echo $A"]})");
  auto c = ParseExecConfig(doc, "d1");
  ASSERT_TRUE(c.ok()) << c.status();
  const auto& r = c->request;
  EXPECT_EQ(r.container_id(), "d1");
  EXPECT_EQ(r.user(), "0");
  EXPECT_TRUE(r.tty());
  EXPECT_TRUE(r.attach_stdin());
  EXPECT_TRUE(r.attach_stdout());
  EXPECT_TRUE(r.attach_stderr());
  EXPECT_FALSE(r.privileged());
  EXPECT_EQ(r.detach_keys(), "ctrl-x");
  ASSERT_EQ(r.env_size(), 1);
  EXPECT_EQ(r.env(0), "A=1");
  EXPECT_EQ(r.working_dir(), "/tmp");
  ASSERT_EQ(r.cmd_size(), 3);
  EXPECT_EQ(r.cmd(2), "echo $A");
  EXPECT_EQ(c->extras.console.height, 30u);
  EXPECT_EQ(c->extras.console.width, 90u);
  EXPECT_EQ(c->extras.detach_keys, "ctrl-x");
}

TEST(ParseExecConfigTest, NullsAndAbsentKeysAndStringCmd) {
  auto doc = Parse(R"({"Env":null,"Cmd":"true","ConsoleSize":null,"Container":"x"})");
  auto c = ParseExecConfig(doc, "x");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->request.cmd_size(), 1);
  EXPECT_EQ(c->request.cmd(0), "true");
  EXPECT_EQ(c->request.env_size(), 0);
  EXPECT_TRUE(c->extras.console.empty());
  EXPECT_FALSE(c->extras.open_stdout);
}

TEST(ParseExecConfigTest, WrongTypes) {
  for (const char* bad : {R"({"Tty":"yes"})", R"({"Cmd":[1]})", R"({"Env":"A=1"})",
                          R"({"ConsoleSize":[1]})", R"({"User":0})"}) {
    auto doc = Parse(bad);
    auto c = ParseExecConfig(doc, "x");
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ParseExecStartConfigTest, Bodies) {
  auto doc = Parse(R"({"Detach":false,"Tty":true,"ConsoleSize":[40,100]})");
  auto c = ParseExecStartConfig(doc);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->detach);
  EXPECT_TRUE(c->tty);
  EXPECT_EQ(c->console.height, 40u);
  EXPECT_EQ(c->console.width, 100u);
  doc = Parse(R"({"Detach":true})");
  c = ParseExecStartConfig(doc);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->detach);
  doc = Parse(R"({"Detach":1})");
  EXPECT_FALSE(ParseExecStartConfig(doc).ok());
}

TEST(ExecInspectJsonTest, RunningHasNullExitCode) {
  berth::v1::ExecInfo info;
  info.set_id("e1");
  info.set_container_id("c1");
  info.set_running(true);
  info.set_pid(42);
  info.add_cmd("sh");
  info.add_cmd("-c");
  info.add_cmd("exit 5");
  ExecExtras extras;
  EXPECT_EQ(ExecInspectJson(info, extras),
            R"({"ID":"e1","Running":true,"ExitCode":null,"ProcessConfig":{"tty":false,)"
            R"("entrypoint":"sh","arguments":["-c","exit 5"],"privileged":false},)"
            R"("OpenStdin":false,"OpenStderr":true,"OpenStdout":true,"CanRemove":false,)"
            R"("ContainerID":"c1","DetachKeys":"","Pid":42})");
}

TEST(ExecInspectJsonTest, EndedHasExitCodeAndUser) {
  berth::v1::ExecInfo info;
  info.set_id("e1");
  info.set_has_exit_code(true);
  info.set_exit_code(5);
  info.set_user("1000");
  info.add_cmd("true");
  ExecExtras extras;
  std::string json = ExecInspectJson(info, extras);
  EXPECT_NE(json.find(R"("ExitCode":5,)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("arguments":[],"privileged":false,"user":"1000"})"), std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("Pid":0})"), std::string::npos) << json;
  extras.start_failed = true;
  info.set_exit_code(127);
  json = ExecInspectJson(info, extras);
  EXPECT_NE(json.find(R"("ExitCode":126,)"), std::string::npos) << json;
}

TEST(DockerExecCreateErrorTest, NotRunningIsLowerCased) {
  absl::Status s = DockerExecCreateError(
      absl::FailedPreconditionError("Container abc is not running"));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "container abc is not running");
  s = DockerExecCreateError(absl::NotFoundError("No such container: x"));
  EXPECT_EQ(s.message(), "No such container: x");
}

}  // namespace
}  // namespace gateway
