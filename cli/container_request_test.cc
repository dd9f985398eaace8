#include "cli/container_request.h"

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cli {
namespace {

const char* FakeEnv(const char* key) {
  static const std::map<std::string, std::string> env = {{"HOME", "/root"},
                                                         {"TERM", "xterm"}};
  auto it = env.find(key);
  return it == env.end() ? nullptr : it->second.c_str();
}

absl::StatusOr<std::string> FakeRead(const std::string& path) {
  if (path == "/env.list") return std::string("# comment\n\nA=1\n  B=x y\nHOME\nUNSET\n");
  if (path == "/bad.list") return std::string("BAD KEY=1\n");
  if (path == "/seccomp.json") return std::string("{\"defaultAction\":\"SCMP_ACT_ERRNO\"}");
  return absl::NotFoundError("open " + path + ": no such file or directory");
}

TEST(ContainerRequest, Memory) {
  struct Case {
    const char* in;
    int64_t want;
  } cases[] = {{"512m", 512LL << 20}, {"1g", 1LL << 30}, {"1024", 1024},
               {"64k", 64 << 10},    {"1.5GiB", 3LL << 29}, {"2MB", 2LL << 20}};
  for (const auto& c : cases) {
    auto v = ParseMemory(c.in);
    ASSERT_TRUE(v.ok()) << c.in;
    EXPECT_EQ(*v, c.want) << c.in;
  }
  EXPECT_EQ(ParseMemory("lots").status().message(), "invalid size: 'lots'");
  EXPECT_FALSE(ParseMemory("5x").ok());
}

TEST(ContainerRequest, NanoCpus) {
  EXPECT_EQ(*ParseNanoCpus("1.5"), 1500000000);
  EXPECT_EQ(*ParseNanoCpus("2"), 2000000000);
  EXPECT_EQ(*ParseNanoCpus("0.001"), 1000000);
  EXPECT_EQ(ParseNanoCpus("abc").status().message(),
            "failed to parse abc as a rational number");
  EXPECT_EQ(ParseNanoCpus("0.0000000001").status().message(), "value is too precise");
}

TEST(ContainerRequest, Tmpfs) {
  auto m = ParseTmpfs("/x:size=1m,mode=1777");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type(), "tmpfs");
  EXPECT_EQ(m->target(), "/x");
  ASSERT_EQ(m->options_size(), 2);
  EXPECT_EQ(m->options(0), "size=1m");
  EXPECT_TRUE(ParseTmpfs("/run").ok());
  EXPECT_FALSE(ParseTmpfs("run").ok());
}

TEST(ContainerRequest, EnvFromFlagsFilesAndClient) {
  auto env = BuildEnv({"/env.list"}, {"C=3", "TERM", "NOPE"}, FakeEnv, FakeRead);
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(*env, (std::vector<std::string>{"A=1", "B=x y", "HOME=/root", "UNSET", "C=3",
                                            "TERM=xterm", "NOPE"}));
  EXPECT_EQ(BuildEnv({"/bad.list"}, {}, FakeEnv, FakeRead).status().message(),
            "poorly formatted environment: variable 'BAD KEY' contains whitespaces");
  EXPECT_EQ(BuildEnv({"/missing"}, {}, FakeEnv, FakeRead).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ContainerRequest, RunRequestTable) {
  ContainerCreateOptions o;
  o.interactive = true;
  o.tty = true;
  o.rm = true;
  o.name = "web";
  o.memory = "512m";
  o.cpus = "1.5";
  o.pids_limit = 10;
  o.pids_limit_set = true;
  o.volumes = {"/h:/c:ro", "/anon"};
  o.tmpfs = {"/t:size=1m"};
  o.network = "none";
  o.entrypoint_set = true;
  o.security_opt = {"seccomp=/seccomp.json", "no-new-privileges"};
  o.labels = {"a=b", "flag"};
  o.cap_add = {"NET_ADMIN"};
  o.ulimits = {"nofile=1024:2048"};
  auto req = BuildCreateRequest(o, {"busybox", "sh", "-c", "x"}, true, FakeEnv, FakeRead);
  ASSERT_TRUE(req.ok()) << req.status();
  const auto& c = req->config();
  const auto& h = req->host_config();
  EXPECT_EQ(req->name(), "web");
  EXPECT_EQ(c.image(), "busybox");
  EXPECT_EQ(c.cmd_size(), 3);
  EXPECT_TRUE(c.has_entrypoint());
  EXPECT_EQ(c.entrypoint().values_size(), 0);
  EXPECT_TRUE(c.tty() && c.open_stdin() && c.stdin_once());
  EXPECT_TRUE(c.attach_stdin() && c.attach_stdout() && c.attach_stderr());
  EXPECT_EQ(c.volumes_size(), 1);
  EXPECT_EQ(c.volumes(0), "/anon");
  EXPECT_EQ(c.labels().at("flag"), "");
  ASSERT_EQ(h.mounts_size(), 2);
  EXPECT_EQ(h.mounts(0).type(), "bind");
  EXPECT_TRUE(h.mounts(0).read_only());
  EXPECT_EQ(h.mounts(1).type(), "tmpfs");
  EXPECT_EQ(h.resources().memory(), 512LL << 20);
  EXPECT_EQ(h.resources().nano_cpus(), 1500000000);
  EXPECT_EQ(h.resources().pids_limit(), 10);
  EXPECT_EQ(h.resources().ulimits(0).hard(), 2048);
  EXPECT_EQ(h.network_mode(), "none");
  EXPECT_TRUE(h.auto_remove());
  ASSERT_EQ(h.security_opt_size(), 2);
  EXPECT_EQ(h.security_opt(0), "seccomp={\"defaultAction\":\"SCMP_ACT_ERRNO\"}");
  EXPECT_EQ(h.security_opt(1), "no-new-privileges");
  EXPECT_EQ(h.cap_add(0), "NET_ADMIN");
}

TEST(ContainerRequest, AttachRules) {
  ContainerCreateOptions o;
  auto plain = BuildCreateRequest(o, {"x"}, true, FakeEnv, FakeRead);
  EXPECT_FALSE(plain->config().attach_stdin());
  EXPECT_TRUE(plain->config().attach_stdout());
  EXPECT_FALSE(plain->config().has_entrypoint());
  EXPECT_FALSE(plain->config().stdin_once());

  o.detach = true;
  o.interactive = true;
  auto detached = BuildCreateRequest(o, {"x"}, true, FakeEnv, FakeRead);
  EXPECT_FALSE(detached->config().attach_stdout());
  EXPECT_FALSE(detached->config().attach_stdin());
  EXPECT_TRUE(detached->config().open_stdin());

  o.attach = {"stdout"};
  EXPECT_EQ(BuildCreateRequest(o, {"x"}, true, FakeEnv, FakeRead).status().message(),
            "Conflicting options: -a and -d");
  o.detach = false;
  o.attach = {"STDERR"};
  auto err_only = BuildCreateRequest(o, {"x"}, true, FakeEnv, FakeRead);
  EXPECT_TRUE(err_only->config().attach_stderr());
  EXPECT_FALSE(err_only->config().attach_stdout());
  o.attach = {"bogus"};
  EXPECT_EQ(BuildCreateRequest(o, {"x"}, true, FakeEnv, FakeRead).status().message(),
            "invalid argument \"bogus\" for \"-a, --attach\" flag: valid streams are "
            "STDIN, STDOUT and STDERR");
}

TEST(ContainerRequest, BadValuesReadLikeDocker) {
  ContainerCreateOptions o;
  o.memory = "huge";
  EXPECT_EQ(BuildCreateRequest(o, {"x"}, true, FakeEnv, FakeRead).status().message(),
            "invalid argument \"huge\" for \"-m, --memory\" flag: invalid size: 'huge'");
  o = {};
  o.pull = "sometimes";
  EXPECT_EQ(BuildCreateRequest(o, {"x"}, true, FakeEnv, FakeRead).status().message(),
            "invalid pull option: 'sometimes': must be one of \"always\", \"missing\" "
            "or \"never\"");
  o = {};
  o.security_opt = {"seccomp=/nope.json"};
  EXPECT_EQ(BuildCreateRequest(o, {"x"}, true, FakeEnv, FakeRead).status().message(),
            "opening seccomp profile (/nope.json) failed: open /nope.json: no such file "
            "or directory");
  o.security_opt = {"seccomp=unconfined"};
  EXPECT_EQ(BuildCreateRequest(o, {"x"}, true, FakeEnv, FakeRead)
                ->host_config()
                .security_opt(0),
            "seccomp=unconfined");
}

TEST(ContainerRequest, Exec) {
  ExecOptions o;
  o.interactive = true;
  o.tty = true;
  o.env = {"A=1"};
  o.user = "nobody";
  auto req = BuildExecRequest(o, {"c1", "sh", "-l"}, FakeEnv, FakeRead);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->container_id(), "c1");
  EXPECT_EQ(req->cmd_size(), 2);
  EXPECT_TRUE(req->attach_stdin() && req->attach_stdout() && req->tty());
  o.detach = true;
  auto d = BuildExecRequest(o, {"c1", "true"}, FakeEnv, FakeRead);
  EXPECT_FALSE(d->attach_stdin() || d->attach_stdout() || d->attach_stderr());
}

TEST(ContainerRequest, DetachKeys) {
  EXPECT_EQ(*ParseDetachKeys("ctrl-p,ctrl-q"), std::string("\x10\x11"));
  EXPECT_EQ(*ParseDetachKeys("a,ctrl-@"), std::string("a\0", 2));
  EXPECT_EQ(*ParseDetachKeys("ctrl-["), "\x1b");
  EXPECT_EQ(ParseDetachKeys("ctrl-1").status().message(),
            "Invalid detach keys (ctrl-1) provided");
  EXPECT_FALSE(ParseDetachKeys("abc").ok());
  EXPECT_FALSE(ParseDetachKeys("").ok());
}

}  // namespace
}  // namespace cli
