#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli/command_line.h"
#include "gtest/gtest.h"

namespace cli {
namespace {

using Args = std::vector<std::string>;

void ParseArgs(CommandLine* cl, std::vector<const char*> args) {
  args.insert(args.begin(), "berth");
  cl->Parse(static_cast<int>(args.size()), args.data());
}

TEST(ContainerCommandLine, RunStopsAtTheImage) {
  CommandLine cl;
  ParseArgs(&cl, {"run", "-it", "--rm", "-e", "A=1", "-e", "B", "--name", "web",
                  "-v", "/h:/c:ro", "-h", "box", "-m", "512m", "--cpus", "1.5",
                  "--pids-limit", "10", "--entrypoint", "", "--network", "none",
                  "busybox", "ls", "-la", "--rm", "-e", "X"});
  const Invocation& inv = cl.invocation();
  EXPECT_EQ(inv.command, CommandId::kRun);
  EXPECT_TRUE(cl.Validate().ok());
  EXPECT_TRUE(inv.create.interactive);
  EXPECT_TRUE(inv.create.tty);
  EXPECT_TRUE(inv.create.rm);
  EXPECT_EQ(inv.create.env, (Args{"A=1", "B"}));
  EXPECT_EQ(inv.create.name, "web");
  EXPECT_EQ(inv.create.volumes, Args{"/h:/c:ro"});
  EXPECT_EQ(inv.create.hostname, "box");
  EXPECT_EQ(inv.create.memory, "512m");
  EXPECT_EQ(inv.create.cpus, "1.5");
  EXPECT_TRUE(inv.create.pids_limit_set);
  EXPECT_EQ(inv.create.pids_limit, 10);
  EXPECT_TRUE(inv.create.entrypoint_set);
  EXPECT_EQ(inv.create.entrypoint, "");
  EXPECT_EQ(inv.create.network, "none");
  // Everything after the image belongs to the container's command.
  EXPECT_EQ(inv.args, (Args{"busybox", "ls", "-la", "--rm", "-e", "X"}));
}

TEST(ContainerCommandLine, RunDefaultsAndBooleanValues) {
  CommandLine cl;
  ParseArgs(&cl, {"run", "--sig-proxy=false", "-d", "hello-world"});
  const Invocation& inv = cl.invocation();
  EXPECT_FALSE(inv.create.sig_proxy);
  EXPECT_TRUE(inv.create.detach);
  EXPECT_FALSE(inv.create.entrypoint_set);
  EXPECT_FALSE(inv.create.pids_limit_set);
  EXPECT_EQ(inv.create.pull, "missing");
  EXPECT_EQ(inv.args, Args{"hello-world"});
}

TEST(ContainerCommandLine, RunWithoutImageAndUnknownFlag) {
  {
    CommandLine cl;
    ParseArgs(&cl, {"run"});
    EXPECT_NE(cl.Validate().message().find("\"berth run\" requires at least 1 argument."),
              absl::string_view::npos);
  }
  {
    CommandLine cl;
    EXPECT_THROW(ParseArgs(&cl, {"run", "--bogus", "busybox"}), CLI::ParseError);
  }
}

TEST(ContainerCommandLine, ExecAndTopKeepTheirFlags) {
  {
    CommandLine cl;
    ParseArgs(&cl, {"exec", "-it", "-u", "1000", "-w", "/tmp", "-e", "A=1", "c1",
                    "sh", "-c", "echo hi"});
    const Invocation& inv = cl.invocation();
    EXPECT_EQ(inv.command, CommandId::kExec);
    EXPECT_TRUE(inv.exec.interactive);
    EXPECT_TRUE(inv.exec.tty);
    EXPECT_EQ(inv.exec.user, "1000");
    EXPECT_EQ(inv.exec.workdir, "/tmp");
    EXPECT_EQ(inv.args, (Args{"c1", "sh", "-c", "echo hi"}));
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"exec", "c1"});
    EXPECT_NE(cl.Validate().message().find("requires at least 2 arguments"),
              absl::string_view::npos);
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"top", "c1", "-ef"});
    EXPECT_EQ(cl.invocation().command, CommandId::kTop);
    EXPECT_EQ(cl.invocation().args, (Args{"c1", "-ef"}));
  }
}

TEST(ContainerCommandLine, PsLogsStopKillRm) {
  {
    CommandLine cl;
    ParseArgs(&cl, {"ps", "-a", "-q", "--no-trunc", "-n", "3", "--filter",
                    "status=exited", "--format", "json"});
    const PsOptions& o = cl.invocation().ps;
    EXPECT_EQ(cl.invocation().command, CommandId::kPs);
    EXPECT_TRUE(o.all && o.quiet && o.no_trunc);
    EXPECT_EQ(o.last, 3);
    EXPECT_EQ(o.filters, Args{"status=exited"});
    EXPECT_EQ(o.format, "json");
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"logs", "-f", "--tail", "5", "--since", "10m", "-t", "c1"});
    const LogsOptions& o = cl.invocation().logs;
    EXPECT_TRUE(o.follow && o.timestamps);
    EXPECT_EQ(o.tail, "5");
    EXPECT_EQ(o.since, "10m");
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"stop", "-t", "0", "a", "b"});
    EXPECT_TRUE(cl.invocation().stop.timeout_set);
    EXPECT_EQ(cl.invocation().stop.timeout, 0);
    EXPECT_EQ(cl.invocation().args, (Args{"a", "b"}));
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"restart", "a"});
    EXPECT_EQ(cl.invocation().command, CommandId::kRestart);
    EXPECT_FALSE(cl.invocation().stop.timeout_set);
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"kill", "-s", "HUP", "a"});
    EXPECT_EQ(cl.invocation().kill.signal, "HUP");
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"rm", "-fv", "a"});
    EXPECT_TRUE(cl.invocation().rm.force);
    EXPECT_TRUE(cl.invocation().rm.volumes);
  }
}

TEST(ContainerCommandLine, ContainerAliases) {
  for (const char* ls : {"ls", "list", "ps"}) {
    CommandLine cl;
    ParseArgs(&cl, {"container", ls, "-a"});
    EXPECT_EQ(cl.invocation().command, CommandId::kPs) << ls;
    EXPECT_EQ(cl.invocation().command_path, "berth container ls");
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"container", "rm", "-f", "x"});
    EXPECT_EQ(cl.invocation().command, CommandId::kRm);
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"container", "run", "busybox", "ps"});
    EXPECT_EQ(cl.invocation().command, CommandId::kRun);
    EXPECT_EQ(cl.invocation().args, (Args{"busybox", "ps"}));
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"container", "prune", "-f"});
    EXPECT_EQ(cl.invocation().command, CommandId::kContainerPrune);
    EXPECT_TRUE(cl.invocation().container_prune.force);
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"inspect", "--type", "container", "x"});
    EXPECT_EQ(cl.invocation().command, CommandId::kInspect);
    EXPECT_EQ(cl.invocation().inspect.type, "container");
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"events", "--since", "1h", "--filter", "type=container",
                    "--format", "json"});
    EXPECT_EQ(cl.invocation().command, CommandId::kEvents);
    EXPECT_EQ(cl.invocation().events.filters, Args{"type=container"});
  }
  {
    CommandLine cl;
    ParseArgs(&cl, {"start", "-ai", "x"});
    EXPECT_TRUE(cl.invocation().start.attach);
    EXPECT_TRUE(cl.invocation().start.interactive);
  }
}

}  // namespace
}  // namespace cli
