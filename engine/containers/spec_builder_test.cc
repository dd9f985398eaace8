#include "engine/containers/spec_builder.h"

#include <stdlib.h>
#include <unistd.h>

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/base/file_util.h"
#include "engine/containers/rootfs_files.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace engine {
namespace containers {
namespace {

using StrVec = std::vector<std::string>;

const std::string kId(64, 'c');

class SpecBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    paths_.rootfs = dir_ + "/rootfs";
    paths_.hostname_file = dir_ + "/hostname";
    paths_.hosts_file = dir_ + "/hosts";
    paths_.resolv_conf_file = dir_ + "/resolv.conf";
    ASSERT_TRUE(base::MakeDirs(paths_.rootfs + "/etc").ok());
    ASSERT_TRUE(base::MakeDirs(paths_.rootfs + "/srv").ok());
    ASSERT_TRUE(base::WriteFileAtomic(paths_.rootfs + "/etc/passwd",
                                      "root:x:0:0:root:/root:/bin/sh\n"
                                      "app:x:1000:1000::/home/app:/bin/sh\n")
                    .ok());
    ASSERT_TRUE(
        base::WriteFileAtomic(paths_.rootfs + "/etc/group", "root:x:0:\nstaff:x:50:app\n").ok());
    record_.set_id(kId);
    record_.set_name("web");
    image_.config.cmd = {"/bin/sh"};
    image_.config.env = {"PATH=/opt/bin:/usr/bin", "LANG=C.UTF-8"};
  }
  void TearDown() override { ASSERT_TRUE(base::RemoveAll(dir_).ok()); }

  // Builds and parses the spec; fails the test on error.
  void Build(rapidjson::Document* doc) {
    auto spec = BuildSpec(record_, image_, paths_);
    ASSERT_TRUE(spec.ok()) << spec.status();
    doc->Parse(spec->c_str());
    ASSERT_FALSE(doc->HasParseError()) << *spec;
    ASSERT_TRUE(doc->IsObject());
  }
  absl::Status BuildError() { return BuildSpec(record_, image_, paths_).status(); }

  std::string dir_;
  SpecPaths paths_;
  ContainerRecord record_;
  registry::ImageConfig image_;
};

StrVec Strings(const rapidjson::Value& v) {
  StrVec out;
  for (const auto& s : v.GetArray()) out.push_back(s.GetString());
  return out;
}

const rapidjson::Value* FindMount(const rapidjson::Document& doc, const std::string& dest) {
  for (const auto& m : doc["mounts"].GetArray()) {
    if (dest == m["destination"].GetString()) return &m;
  }
  return nullptr;
}

struct MergeCase {
  const char* name;
  StrVec image_entrypoint, image_cmd;
  bool has_entrypoint;
  StrVec entrypoint, cmd;
  StrVec want;  // empty: "No command specified"
};

TEST(MergedArgsTest, DockerRules) {
  std::vector<MergeCase> cases = {
      {"image cmd", {}, {"sh"}, false, {}, {}, {"sh"}},
      {"image entrypoint+cmd", {"/ep"}, {"a"}, false, {}, {}, {"/ep", "a"}},
      {"user cmd replaces image cmd", {"/ep"}, {"a"}, false, {}, {"b", "c"}, {"/ep", "b", "c"}},
      {"user entrypoint drops image cmd", {"/ep"}, {"a"}, true, {"/x"}, {}, {"/x"}},
      {"user entrypoint and cmd", {"/ep"}, {"a"}, true, {"/x"}, {"y"}, {"/x", "y"}},
      {"empty entrypoint clears", {"/ep"}, {"a"}, true, {}, {"ls"}, {"ls"}},
      {"docker cli empty entrypoint", {"/ep"}, {"a"}, true, {""}, {"ls"}, {"ls"}},
      {"nothing at all", {}, {}, false, {}, {}, {}},
      {"empty entrypoint, no cmd", {"/ep"}, {"a"}, true, {}, {}, {}},
  };
  for (const MergeCase& c : cases) {
    berth::v1::ContainerConfig config;
    if (c.has_entrypoint) {
      config.mutable_entrypoint();
      for (const auto& e : c.entrypoint) config.mutable_entrypoint()->add_values(e);
    }
    for (const auto& a : c.cmd) config.add_cmd(a);
    registry::ImageConfig image;
    image.config.entrypoint = c.image_entrypoint;
    image.config.cmd = c.image_cmd;
    auto args = MergedArgs(config, image);
    if (c.want.empty()) {
      EXPECT_EQ(args.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
      EXPECT_EQ(args.status().message(), "No command specified") << c.name;
    } else {
      ASSERT_TRUE(args.ok()) << c.name << ": " << args.status();
      EXPECT_EQ(*args, c.want) << c.name;
    }
  }
}

TEST(MergedEnvTest, DefaultsImageThenUser) {
  berth::v1::ContainerConfig config;
  config.set_tty(true);
  config.add_env("LANG=en_US.UTF-8");
  config.add_env("EXTRA=1");
  config.add_env("REMOVED");
  registry::ImageConfig image;
  image.config.env = {"LANG=C", "REMOVED=x", "IMG=2"};
  EXPECT_EQ(MergedEnv(config, image, "host1"),
            (StrVec{kDefaultPathEnv, "HOSTNAME=host1", "TERM=xterm", "LANG=en_US.UTF-8", "IMG=2",
                    "EXTRA=1"}));
  // An image PATH replaces the default in place.
  image.config.env = {"PATH=/bin"};
  EXPECT_EQ(MergedEnv(berth::v1::ContainerConfig(), image, "h"),
            (StrVec{"PATH=/bin", "HOSTNAME=h"}));
}

TEST(AddDefaultHomeTest, OnlyWhenUnset) {
  StrVec env = {"PATH=/bin"};
  AddDefaultHome(&env, "/nonexistent");
  EXPECT_EQ(env, (StrVec{"PATH=/bin", "HOME=/nonexistent"}));
  env = {"HOME=/mine", "PATH=/bin"};
  AddDefaultHome(&env, "/root");
  EXPECT_EQ(env, (StrVec{"HOME=/mine", "PATH=/bin"}));
}

TEST_F(SpecBuilderTest, UnknownUserGetsSlashHome) {
  record_.mutable_config()->set_user("4321");
  rapidjson::Document doc;
  Build(&doc);
  EXPECT_EQ(Strings(doc["process"]["env"]).back(), "HOME=/");
}

TEST_F(SpecBuilderTest, DefaultSpec) {
  rapidjson::Document doc;
  Build(&doc);
  EXPECT_STREQ(doc["ociVersion"].GetString(), "1.0.2");
  const auto& process = doc["process"];
  EXPECT_FALSE(process["terminal"].GetBool());
  EXPECT_FALSE(process.HasMember("consoleSize"));
  EXPECT_EQ(Strings(process["args"]), StrVec{"/bin/sh"});
  EXPECT_EQ(Strings(process["env"]),
            (StrVec{"PATH=/opt/bin:/usr/bin", "HOSTNAME=cccccccccccc", "LANG=C.UTF-8",
                    "HOME=/root"}));
  EXPECT_STREQ(process["cwd"].GetString(), "/");
  EXPECT_EQ(process["user"]["uid"].GetUint(), 0u);
  EXPECT_EQ(process["user"]["gid"].GetUint(), 0u);
  EXPECT_EQ(Strings(process["capabilities"]["bounding"]).size(), 14u);
  EXPECT_EQ(Strings(process["capabilities"]["effective"]).size(), 14u);
  EXPECT_FALSE(process["capabilities"].HasMember("inheritable"));
  EXPECT_FALSE(process["capabilities"].HasMember("ambient"));
  EXPECT_FALSE(process["noNewPrivileges"].GetBool());
  EXPECT_EQ(process["oomScoreAdj"].GetInt(), 0);
  // No --ulimit: the process inherits the shim's limits.
  EXPECT_TRUE(!process.HasMember("rlimits") || process["rlimits"].Size() == 0u);

  EXPECT_EQ(doc["root"]["path"].GetString(), paths_.rootfs);
  EXPECT_FALSE(doc["root"]["readonly"].GetBool());
  EXPECT_STREQ(doc["hostname"].GetString(), "cccccccccccc");
  EXPECT_EQ(doc["annotations"].MemberCount(), 0u);

  StrVec dests;
  for (const auto& m : doc["mounts"].GetArray()) dests.push_back(m["destination"].GetString());
  EXPECT_EQ(dests, (StrVec{"/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue",
                           "/dev/shm", "/etc/resolv.conf", "/etc/hostname", "/etc/hosts"}));
  EXPECT_EQ(Strings((*FindMount(doc, "/dev/shm"))["options"]),
            (StrVec{"nosuid", "noexec", "nodev", "mode=1777", "size=67108864"}));
  EXPECT_EQ((*FindMount(doc, "/etc/hosts"))["source"].GetString(), paths_.hosts_file);
  EXPECT_EQ(Strings((*FindMount(doc, "/sys"))["options"]).back(), "ro");

  const auto& linux = doc["linux"];
  EXPECT_EQ(linux["cgroupsPath"].GetString(), "/berth/" + kId);
  StrVec ns;
  for (const auto& n : linux["namespaces"].GetArray()) ns.push_back(n["type"].GetString());
  EXPECT_EQ(ns, (StrVec{"pid", "ipc", "uts", "mount", "cgroup", "network"}));
  StrVec masked = Strings(linux["maskedPaths"]);
  for (const char* p : {"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore",
                        "/proc/keys", "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi",
                        "/proc/timer_list", "/proc/timer_stats", "/sys/devices/virtual/powercap",
                        "/sys/firmware"}) {
    EXPECT_NE(std::find(masked.begin(), masked.end(), p), masked.end()) << p;
  }
  EXPECT_EQ(Strings(linux["readonlyPaths"]),
            (StrVec{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}));
  ASSERT_TRUE(linux.HasMember("seccomp"));
  EXPECT_STREQ(linux["seccomp"]["defaultAction"].GetString(), "SCMP_ACT_ERRNO");
  EXPECT_FALSE(linux["resources"].HasMember("memory"));
  EXPECT_FALSE(linux["resources"]["devices"][0]["allow"].GetBool());
}

TEST_F(SpecBuilderTest, UserOptions) {
  auto* c = record_.mutable_config();
  c->set_tty(true);
  c->set_user("app");
  c->set_working_dir("/srv/./app/");
  c->set_hostname("myhost");
  auto* h = record_.mutable_host_config();
  h->set_init(true);
  h->set_read_only(true);
  h->add_group_add("root");
  h->add_security_opt("no-new-privileges");
  h->add_cap_add("sys_admin");
  h->add_cap_drop("CAP_CHOWN");
  h->set_shm_size(1 << 20);
  auto* r = h->mutable_resources();
  r->set_memory(64 << 20);
  r->set_nano_cpus(1500000000);
  r->set_pids_limit(100);
  r->set_cpu_shares(512);
  auto* u = r->add_ulimits();
  u->set_name("nofile");
  u->set_soft(1024);
  u->set_hard(2048);
  auto* bind = h->add_mounts();
  bind->set_type("bind");
  bind->set_source("/var/data");
  bind->set_target("/data");
  bind->set_read_only(true);
  auto* tmp = h->add_mounts();
  tmp->set_type("tmpfs");
  tmp->set_target("/run");
  tmp->add_options("size=64m");
  tmp->add_options("exec");

  h->set_console_height(33);
  h->set_console_width(120);

  rapidjson::Document doc;
  Build(&doc);
  const auto& process = doc["process"];
  EXPECT_TRUE(process["terminal"].GetBool());
  EXPECT_EQ(process["consoleSize"]["height"].GetUint(), 33u);
  EXPECT_EQ(process["consoleSize"]["width"].GetUint(), 120u);
  EXPECT_EQ(process["user"]["uid"].GetUint(), 1000u);
  EXPECT_EQ(process["user"]["gid"].GetUint(), 1000u);
  std::vector<uint32_t> gids;
  for (const auto& g : process["user"]["additionalGids"].GetArray()) gids.push_back(g.GetUint());
  EXPECT_EQ(gids, (std::vector<uint32_t>{50, 0}));
  EXPECT_STREQ(process["cwd"].GetString(), "/srv/app");
  StrVec env = Strings(process["env"]);
  EXPECT_NE(std::find(env.begin(), env.end(), "TERM=xterm"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "HOSTNAME=myhost"), env.end());
  EXPECT_EQ(env.back(), "HOME=/home/app");
  EXPECT_TRUE(process["noNewPrivileges"].GetBool());
  StrVec caps = Strings(process["capabilities"]["bounding"]);
  EXPECT_NE(std::find(caps.begin(), caps.end(), "CAP_SYS_ADMIN"), caps.end());
  EXPECT_EQ(std::find(caps.begin(), caps.end(), "CAP_CHOWN"), caps.end());
  EXPECT_EQ(process["rlimits"][0]["soft"].GetUint64(), 1024u);
  EXPECT_EQ(process["rlimits"][0]["hard"].GetUint64(), 2048u);

  EXPECT_TRUE(doc["root"]["readonly"].GetBool());
  EXPECT_STREQ(doc["hostname"].GetString(), "myhost");
  EXPECT_STREQ(doc["annotations"]["berth.init"].GetString(), "true");

  const auto* data = FindMount(doc, "/data");
  ASSERT_NE(data, nullptr);
  EXPECT_STREQ((*data)["type"].GetString(), "bind");
  EXPECT_STREQ((*data)["source"].GetString(), "/var/data");
  EXPECT_EQ(Strings((*data)["options"]), (StrVec{"rbind", "rprivate", "ro"}));
  const auto* run = FindMount(doc, "/run");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(Strings((*run)["options"]), (StrVec{"nosuid", "nodev", "size=64m"}));
  EXPECT_EQ(Strings((*FindMount(doc, "/etc/hosts"))["options"]).back(), "ro");
  EXPECT_EQ(Strings((*FindMount(doc, "/dev/shm"))["options"]).back(), "size=1048576");

  const auto& res = doc["linux"]["resources"];
  EXPECT_EQ(res["memory"]["limit"].GetInt64(), 64 << 20);
  EXPECT_EQ(res["memory"]["swap"].GetInt64(), 128 << 20);
  EXPECT_EQ(res["cpu"]["quota"].GetInt64(), 150000);
  EXPECT_EQ(res["cpu"]["period"].GetUint64(), 100000u);
  EXPECT_EQ(res["cpu"]["shares"].GetUint64(), 512u);
  EXPECT_EQ(res["pids"]["limit"].GetInt64(), 100);
  // CAP_SYS_ADMIN unlocks mount in the seccomp profile.
  bool mount_allowed = false;
  for (const auto& rule : doc["linux"]["seccomp"]["syscalls"].GetArray()) {
    for (const auto& n : rule["names"].GetArray()) {
      if (std::string(n.GetString()) == "mount") mount_allowed = true;
    }
  }
  EXPECT_TRUE(mount_allowed);
}

TEST_F(SpecBuilderTest, PrivilegedAndHostNetwork) {
  record_.mutable_host_config()->set_privileged(true);
  record_.mutable_host_config()->set_network_mode("host");
  rapidjson::Document doc;
  Build(&doc);
  EXPECT_GE(doc["process"]["capabilities"]["bounding"].Size(), 38u);
  EXPECT_FALSE(doc["linux"].HasMember("maskedPaths"));
  EXPECT_FALSE(doc["linux"].HasMember("readonlyPaths"));
  EXPECT_FALSE(doc["linux"].HasMember("seccomp"));
  EXPECT_FALSE(doc["linux"].HasMember("sysctl"));
  for (const auto& n : doc["linux"]["namespaces"].GetArray()) {
    EXPECT_STRNE(n["type"].GetString(), "network");
  }
  EXPECT_EQ(Strings((*FindMount(doc, "/sys"))["options"]),
            (StrVec{"nosuid", "noexec", "nodev"}));
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof(host) - 1), 0);
  EXPECT_STREQ(doc["hostname"].GetString(), host);
  EXPECT_TRUE(doc["linux"]["resources"]["devices"][0]["allow"].GetBool());
}

TEST_F(SpecBuilderTest, SeccompOptions) {
  record_.mutable_host_config()->add_security_opt("seccomp=unconfined");
  rapidjson::Document doc;
  Build(&doc);
  EXPECT_FALSE(doc["linux"].HasMember("seccomp"));

  record_.mutable_host_config()->clear_security_opt();
  record_.mutable_host_config()->add_security_opt(
      R"(seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["chmod"],)"
      R"("action":"SCMP_ACT_ERRNO"}]})");
  rapidjson::Document custom;
  Build(&custom);
  EXPECT_STREQ(custom["linux"]["seccomp"]["defaultAction"].GetString(), "SCMP_ACT_ALLOW");
  EXPECT_EQ(custom["linux"]["seccomp"]["syscalls"].Size(), 1u);

  record_.mutable_host_config()->clear_security_opt();
  record_.mutable_host_config()->add_security_opt("apparmor=unconfined");
  record_.mutable_host_config()->add_security_opt("bogus=1");
  EXPECT_EQ(BuildError().message(), "invalid --security-opt 2: \"bogus=1\"");
  record_.mutable_host_config()->clear_security_opt();
  record_.mutable_host_config()->add_security_opt("seccomp={broken");
  EXPECT_EQ(BuildError().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SpecBuilderTest, HostileImageConfigsAreRefused) {
  // A working dir through /proc/self/fd (CVE-2024-21626).
  image_.config.working_dir = "/proc/self/fd/7";
  absl::Status s = BuildError();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("/proc"), absl::string_view::npos) << s;
  // The same through a symlink in the image, and through "..".
  ASSERT_EQ(::symlink("/proc/self/fd/7", (paths_.rootfs + "/work").c_str()), 0);
  image_.config.working_dir = "/work";
  EXPECT_EQ(BuildError().code(), absl::StatusCode::kInvalidArgument);
  image_.config.working_dir = "/srv/../proc/1/cwd";
  EXPECT_EQ(BuildError().code(), absl::StatusCode::kInvalidArgument);
  image_.config.working_dir = "relative/dir";
  EXPECT_EQ(BuildError().message(),
            "the working directory 'relative/dir' is invalid, it needs to be an absolute path");
  image_.config.working_dir = "";

  // A user id beyond int32.
  image_.config.user = "4294967296";
  EXPECT_EQ(BuildError().message(), "uids and gids must be in range 0-2147483647");
  image_.config.user = "ghost";
  EXPECT_EQ(BuildError().message(),
            "unable to find user ghost: no matching entries in passwd file");
  image_.config.user = "";

  // A huge /etc/passwd.
  ASSERT_TRUE(base::WriteFileAtomic(paths_.rootfs + "/etc/passwd",
                                    std::string(kMaxRootfsFileBytes + 10, '#'))
                  .ok());
  EXPECT_EQ(BuildError().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SpecBuilderTest, InvalidUserOptions) {
  auto* h = record_.mutable_host_config();
  h->add_cap_add("CAP_NOPE");
  EXPECT_EQ(BuildError().message(), "unknown capability: \"CAP_NOPE\"");
  h->clear_cap_add();
  h->mutable_resources()->set_memory(1024);
  EXPECT_EQ(BuildError().message(), "Minimum memory limit allowed is 6MB");
  h->mutable_resources()->set_memory(0);
  h->mutable_resources()->set_nano_cpus(1000000000);
  h->mutable_resources()->set_cpu_quota(5000);
  EXPECT_EQ(BuildError().code(), absl::StatusCode::kInvalidArgument);
  h->mutable_resources()->Clear();
  h->mutable_resources()->add_ulimits()->set_name("bogus");
  EXPECT_EQ(BuildError().message(), "invalid ulimit type: bogus");
  h->mutable_resources()->Clear();
  auto* m = h->add_mounts();
  m->set_type("bind");
  m->set_source("/x");
  m->set_target("relative");
  EXPECT_EQ(BuildError().code(), absl::StatusCode::kInvalidArgument);
  h->clear_mounts();
  image_.config.cmd.clear();
  EXPECT_EQ(BuildError().message(), "No command specified");
}

TEST_F(SpecBuilderTest, UserMountReplacesDefault) {
  auto* m = record_.mutable_host_config()->add_mounts();
  m->set_type("tmpfs");
  m->set_target("/dev/shm");
  m->add_options("size=1g");
  auto* deep = record_.mutable_host_config()->add_mounts();
  deep->set_type("bind");
  deep->set_source("/a");
  deep->set_target("/srv/a/b");
  auto* shallow = record_.mutable_host_config()->add_mounts();
  shallow->set_type("bind");
  shallow->set_source("/b");
  shallow->set_target("/srv");
  rapidjson::Document doc;
  Build(&doc);
  int shm = 0;
  StrVec dests;
  for (const auto& mount : doc["mounts"].GetArray()) {
    dests.push_back(mount["destination"].GetString());
    if (dests.back() == "/dev/shm") ++shm;
  }
  EXPECT_EQ(shm, 1);
  EXPECT_EQ(Strings((*FindMount(doc, "/dev/shm"))["options"]).back(), "size=1g");
  // Parents are mounted before their children.
  EXPECT_LT(std::find(dests.begin(), dests.end(), "/srv"),
            std::find(dests.begin(), dests.end(), "/srv/a/b"));
}

TEST_F(SpecBuilderTest, ExecProcess) {
  record_.mutable_config()->set_user("app");
  record_.mutable_config()->add_env("A=1");
  berth::v1::ExecCreateRequest exec;
  exec.add_cmd("ps");
  exec.add_env("B=2");
  exec.set_tty(true);
  auto json = BuildExecProcess(record_, image_, exec, paths_.rootfs);
  ASSERT_TRUE(json.ok()) << json.status();
  rapidjson::Document doc;
  doc.Parse(json->c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_EQ(Strings(doc["args"]), StrVec{"ps"});
  EXPECT_EQ(doc["user"]["uid"].GetUint(), 1000u);
  EXPECT_TRUE(doc["terminal"].GetBool());
  StrVec env = Strings(doc["env"]);
  for (const char* want : {"A=1", "B=2", "TERM=xterm", "LANG=C.UTF-8"}) {
    EXPECT_NE(std::find(env.begin(), env.end(), want), env.end()) << want;
  }
  EXPECT_EQ(doc["capabilities"]["bounding"].Size(), 14u);

  exec.set_user("root");
  exec.set_privileged(true);
  exec.set_working_dir("/srv");
  json = BuildExecProcess(record_, image_, exec, paths_.rootfs);
  ASSERT_TRUE(json.ok()) << json.status();
  doc.Parse(json->c_str());
  EXPECT_EQ(doc["user"]["uid"].GetUint(), 0u);
  EXPECT_EQ(Strings(doc["env"]).back(), "HOME=/root");
  EXPECT_STREQ(doc["cwd"].GetString(), "/srv");
  EXPECT_GE(doc["capabilities"]["bounding"].Size(), 38u);

  exec.clear_cmd();
  EXPECT_EQ(BuildExecProcess(record_, image_, exec, paths_.rootfs).status().message(),
            "No exec command specified");
  exec.add_cmd("ls");
  exec.set_working_dir("/proc/self/fd/3");
  EXPECT_EQ(BuildExecProcess(record_, image_, exec, paths_.rootfs).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace containers
}  // namespace engine

namespace engine {
namespace containers {
namespace {

TEST(BuildEtcFilesTest, DefaultAndHostNetwork) {
  ContainerRecord record;
  record.set_id(kId);
  record.mutable_host_config()->add_extra_hosts("db:10.1.2.3");
  std::vector<std::string> warnings;
  auto files = BuildEtcFiles(record, &warnings);
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->hostname, "cccccccccccc\n");
  EXPECT_EQ(files->hosts.rfind("127.0.0.1\tlocalhost\n", 0), 0u);
  EXPECT_NE(files->hosts.find("10.1.2.3\tdb\n"), std::string::npos);
  EXPECT_NE(files->resolv_conf.find("nameserver "), std::string::npos);
  // No loopback server survives outside the host network.
  EXPECT_EQ(files->resolv_conf.find("nameserver 127."), std::string::npos);

  record.mutable_host_config()->set_network_mode("host");
  files = BuildEtcFiles(record, &warnings);
  ASSERT_TRUE(files.ok()) << files.status();
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof(host) - 1), 0);
  EXPECT_EQ(files->hostname, absl::StrCat(host, "\n"));
  EXPECT_NE(files->hosts.find("10.1.2.3\tdb\n"), std::string::npos);

  record.mutable_host_config()->clear_extra_hosts();
  record.mutable_host_config()->add_extra_hosts("broken");
  EXPECT_EQ(BuildEtcFiles(record, nullptr).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace containers
}  // namespace engine
