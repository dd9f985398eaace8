#include "cli/container_commands.h"

#include <stdlib.h>

#include <sstream>

#include "cli/container_format.h"
#include "gtest/gtest.h"
#include "sdk/status.h"

namespace cli {
namespace {

TEST(ContainerCommands, ExitCodeForStartError) {
  struct Case {
    absl::Status status;
    int code;
  } cases[] = {
      {absl::NotFoundError("exec: \"nope\": executable file not found in $PATH"), 127},
      {absl::PermissionDeniedError("exec: \"/etc\": permission denied"), 126},
      {absl::InvalidArgumentError("exec: \"nope\": executable file not found in $PATH"), 127},
      {absl::InvalidArgumentError("exec /x: no such file or directory"), 127},
      {absl::InvalidArgumentError("exec /etc/passwd: permission denied"), 126},
      {absl::InvalidArgumentError("exec /etc: is a directory"), 126},
      {absl::FailedPreconditionError("container is already running"), 125},
      {absl::InternalError("mount failed"), 125},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ExitCodeForStartError(c.status), c.code) << c.status;
  }
}

TEST(ContainerCommands, DaemonErrorText) {
  EXPECT_EQ(DaemonErrorText(absl::InvalidArgumentError("bad")), "bad");
  EXPECT_EQ(DaemonErrorText(sdk::ConnectionError("unix:///x")),
            "Cannot connect to the Berth daemon at unix:///x: is the daemon running?");
}

TEST(ContainerCommands, InspectTemplate) {
  berth::v1::ContainerInfo info;
  info.set_id("abc");
  info.mutable_state()->set_running(true);
  info.mutable_state()->set_exit_code(3);
  info.mutable_config()->add_cmd("sh");
  info.mutable_config()->add_cmd("-c");
  (*info.mutable_config()->mutable_labels())["k"] = "v";
  std::string doc = ContainerInspectJson({info});
  EXPECT_EQ(*ExpandInspectTemplate(doc, "{{.State.Running}} {{.State.ExitCode}}"), "true 3");
  EXPECT_EQ(*ExpandInspectTemplate(doc, "{{.Config.Cmd}}"), "[sh -c]");
  EXPECT_EQ(*ExpandInspectTemplate(doc, "{{json .Config.Cmd}}"), "[\"sh\",\"-c\"]");
  EXPECT_EQ(*ExpandInspectTemplate(doc, "{{.Config.Labels}}"), "map[k:v]");
  EXPECT_EQ(*ExpandInspectTemplate(doc, "id={{.Id}}"), "id=abc");
  EXPECT_FALSE(ExpandInspectTemplate(doc, "{{.Nope}}").ok());
  EXPECT_FALSE(ExpandInspectTemplate(doc, "{{range .X}}").ok());
}

// Without a daemon, run reports Docker's engine error with exit 125 and
// other commands the connection error with exit 1.
TEST(ContainerCommands, NoDaemon) {
  char tmpl[] = "/tmp/berth-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  Invocation inv;
  inv.global.host = std::string("unix://") + tmpl + "/none.sock";
  inv.global.config_dir = std::string(tmpl) + "/cfg";
  inv.command_path = "berth run";
  inv.args = {"busybox"};
  std::ostringstream out, err;
  std::istringstream in;
  Context ctx(&inv, &out, &err, &in);
  EXPECT_TRUE(RunRun(&ctx).ok());
  EXPECT_EQ(ctx.exit_code, 125);
  EXPECT_EQ(err.str(), std::string("berth: Cannot connect to the Berth daemon at unix://") +
                           tmpl + "/none.sock: is the daemon running?.\n"
                           "See 'berth run --help'.\n");

  // A bad flag value is refused before connecting, also with 125.
  err.str("");
  inv.create.memory = "lots";
  Context bad(&inv, &out, &err, &in);
  EXPECT_TRUE(RunRun(&bad).ok());
  EXPECT_EQ(bad.exit_code, 125);
  EXPECT_EQ(err.str(),
            "berth: invalid argument \"lots\" for \"-m, --memory\" flag: invalid size: "
            "'lots'.\nSee 'berth run --help'.\n");

  inv.args = {"c1"};
  Context ps(&inv, &out, &err, &in);
  absl::Status s = RunPs(&ps);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ps.exit_code, -1);

  // Prune without -f asks first.
  std::istringstream no("n\n");
  out.str("");
  Context prune(&inv, &out, &err, &no);
  EXPECT_TRUE(RunContainerPrune(&prune).ok());
  EXPECT_EQ(out.str(),
            "WARNING! This will remove all stopped containers.\n"
            "Are you sure you want to continue? [y/N] ");
  system((std::string("rm -rf ") + tmpl).c_str());
}

// -it needs a terminal on stdin only when run attaches; -d -it does not.
TEST(ContainerCommands, RunTtyCheckOnlyWhenAttached) {
  Invocation inv;
  inv.global.host = "unix:///nonexistent/berth-test/none.sock";
  inv.global.config_dir = "/nonexistent/berth-test/cfg";
  inv.command_path = "berth run";
  inv.args = {"busybox", "sh"};
  inv.create.interactive = true;
  inv.create.tty = true;
  std::ostringstream out, err;
  std::istringstream in;
  Context attached(&inv, &out, &err, &in);
  attached.in_is_tty = false;
  EXPECT_TRUE(RunRun(&attached).ok());
  EXPECT_EQ(attached.exit_code, 1);
  EXPECT_EQ(err.str(), "berth: the input device is not a TTY.\nSee 'berth run --help'.\n");

  err.str("");
  inv.create.detach = true;
  Context detached(&inv, &out, &err, &in);
  detached.in_is_tty = false;
  EXPECT_TRUE(RunRun(&detached).ok());
  // It went on to reach the daemon.
  EXPECT_EQ(detached.exit_code, 125);
  EXPECT_NE(err.str().find("Cannot connect to the Berth daemon"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace cli
