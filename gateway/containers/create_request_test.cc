#include "gateway/containers/create_request.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace gateway {
namespace {

absl::StatusOr<DockerCreate> Translate(const std::string& body, absl::string_view name = "",
                                       absl::string_view platform = "") {
  rapidjson::Document d;
  d.Parse(body.c_str());
  EXPECT_FALSE(d.HasParseError()) << body;
  return TranslateCreate(d, name, platform);
}

std::vector<std::string> Vec(const google::protobuf::RepeatedPtrField<std::string>& r) {
  return std::vector<std::string>(r.begin(), r.end());
}

TEST(TranslateCreate, DockerRunHelloWorldBody) {
  std::ifstream in("gateway/containers/testdata/create_body_docker_run_hello.json");
  ASSERT_TRUE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  absl::StatusOr<DockerCreate> c = Translate(ss.str());
  ASSERT_TRUE(c.ok()) << c.status();
  const berth::v1::CreateContainerRequest& r = c->request;
  EXPECT_EQ(r.config().image(), "hello-world");
  EXPECT_TRUE(r.config().cmd().empty());
  EXPECT_FALSE(r.config().has_entrypoint());
  EXPECT_TRUE(r.config().attach_stdout());
  EXPECT_TRUE(r.config().attach_stderr());
  EXPECT_FALSE(r.config().attach_stdin());
  EXPECT_EQ(r.host_config().network_mode(), "");  // "default": the engine's own
  EXPECT_TRUE(r.host_config().mounts().empty());
  EXPECT_FALSE(r.host_config().has_log_config());
  EXPECT_EQ(r.host_config().resources().pids_limit(), 0);
  EXPECT_TRUE(c->warnings.empty());
  EXPECT_FALSE(c->use_image_cmd);
}

TEST(TranslateCreate, DockerPyMinimalBody) {
  absl::StatusOr<DockerCreate> c = Translate(
      R"({"Tty":false,"OpenStdin":false,"StdinOnce":false,"AttachStdin":false,)"
      R"("AttachStdout":true,"AttachStderr":true,"Cmd":["echo","hi"],"Image":"alpine",)"
      R"("NetworkDisabled":false,"HostConfig":{"NetworkMode":"default"}})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(Vec(c->request.config().cmd()), (std::vector<std::string>{"echo", "hi"}));
  EXPECT_EQ(c->request.config().image(), "alpine");
}

TEST(TranslateCreate, RunFlagsTrace) {
  // docker run --rm -e FOO=bar -w /tmp -u 1000:1000 --name t1 -v /tmp:/data:ro
  //   --entrypoint sh hello-world -c '...' (without -p, which Berth refuses).
  absl::StatusOr<DockerCreate> c = Translate(
      R"({"User": "1000:1000", "AttachStdout": true, "AttachStderr": true, "Env": ["FOO=bar"],)"
      R"( "Cmd": ["-c", "echo $FOO"], "Image": "hello-world", "WorkingDir": "/tmp",)"
      R"( "Entrypoint": ["sh"], "HostConfig": {"Binds": ["/tmp:/data:ro"], "NetworkMode":)"
      R"( "default", "PortBindings": {}, "RestartPolicy": {"Name": "no"}, "AutoRemove": true,)"
      R"( "MemorySwappiness": -1}})",
      "t1");
  ASSERT_TRUE(c.ok()) << c.status();
  const berth::v1::CreateContainerRequest& r = c->request;
  EXPECT_EQ(r.name(), "t1");
  EXPECT_EQ(r.config().user(), "1000:1000");
  EXPECT_EQ(Vec(r.config().env()), std::vector<std::string>{"FOO=bar"});
  EXPECT_EQ(r.config().working_dir(), "/tmp");
  EXPECT_EQ(Vec(r.config().entrypoint().values()), std::vector<std::string>{"sh"});
  EXPECT_EQ(Vec(r.config().cmd()), (std::vector<std::string>{"-c", "echo $FOO"}));
  ASSERT_EQ(r.host_config().mounts_size(), 1);
  EXPECT_EQ(r.host_config().mounts(0).type(), "bind");
  EXPECT_EQ(r.host_config().mounts(0).source(), "/tmp");
  EXPECT_EQ(r.host_config().mounts(0).target(), "/data");
  EXPECT_TRUE(r.host_config().mounts(0).read_only());
  EXPECT_TRUE(r.host_config().auto_remove());
}

TEST(TranslateCreate, EntrypointNullEmptyAndBlank) {
  absl::StatusOr<DockerCreate> c = Translate(R"({"Image":"x","Entrypoint":null})");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->request.config().has_entrypoint());

  c = Translate(R"({"Image":"x","Entrypoint":[""],"Cmd":["ls"]})");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->request.config().has_entrypoint());
  EXPECT_TRUE(c->request.config().entrypoint().values().empty());
  EXPECT_FALSE(c->use_image_cmd);

  c = Translate(R"({"Image":"x","Entrypoint":[""]})");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->use_image_cmd);  // [""] does not inherit the image's Cmd

  c = Translate(R"({"Image":"x","Entrypoint":[]})");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->request.config().has_entrypoint());
  EXPECT_TRUE(c->use_image_cmd);

  c = Translate(R"({"Image":"x","Entrypoint":"sh","Cmd":"echo hi"})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Vec(c->request.config().entrypoint().values()), std::vector<std::string>{"sh"});
  EXPECT_EQ(Vec(c->request.config().cmd()), std::vector<std::string>{"echo hi"});
}

TEST(TranslateCreate, ConfigFields) {
  absl::StatusOr<DockerCreate> c = Translate(
      R"({"Image":"x","Tty":true,"OpenStdin":true,"StdinOnce":true,"AttachStdin":true,)"
      R"("Labels":{"a":"1","b":""},"Hostname":"h","Domainname":"d","StopSignal":"SIGINT",)"
      R"("StopTimeout":3,"Volumes":{"/v1":{},"/v2":{}}})");
  ASSERT_TRUE(c.ok()) << c.status();
  const berth::v1::ContainerConfig& k = c->request.config();
  EXPECT_TRUE(k.tty() && k.open_stdin() && k.stdin_once() && k.attach_stdin());
  EXPECT_EQ(k.labels().at("a"), "1");
  EXPECT_EQ(k.labels().at("b"), "");
  EXPECT_EQ(k.hostname(), "h");
  EXPECT_EQ(k.domainname(), "d");
  EXPECT_EQ(k.stop_signal(), "SIGINT");
  EXPECT_TRUE(k.has_stop_timeout());
  EXPECT_EQ(k.stop_timeout(), 3);
  EXPECT_EQ(Vec(k.volumes()), (std::vector<std::string>{"/v1", "/v2"}));

  c = Translate(R"({"Image":"x","StopTimeout":null})");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->request.config().has_stop_timeout());
}

TEST(TranslateCreate, HostConfigResourcesAndSecurity) {
  absl::StatusOr<DockerCreate> c = Translate(
      R"({"Image":"x","HostConfig":{"Memory":67108864,"MemorySwap":-1,"NanoCpus":1500000000,)"
      R"("CpuShares":512,"CpuQuota":50000,"CpuPeriod":100000,"CpusetCpus":"0","PidsLimit":42,)"
      R"("Ulimits":[{"Name":"nofile","Soft":1024,"Hard":2048}],"CapAdd":["NET_ADMIN"],)"
      R"("CapDrop":["ALL"],"Privileged":true,"ReadonlyRootfs":true,)"
      R"("SecurityOpt":["no-new-privileges"],"Init":true,"ShmSize":1048576,)"
      R"("Dns":["1.1.1.1"],"ExtraHosts":["h:1.2.3.4"],"GroupAdd":["wheel"],)"
      R"("OomKillDisable":true,"LogConfig":{"Type":"json-file","Config":{"max-size":"1m"}}}})");
  ASSERT_TRUE(c.ok()) << c.status();
  const berth::v1::HostConfig& h = c->request.host_config();
  const berth::v1::Resources& r = h.resources();
  EXPECT_EQ(r.memory(), 67108864);
  EXPECT_EQ(r.memory_swap(), -1);
  EXPECT_EQ(r.nano_cpus(), 1500000000);
  EXPECT_EQ(r.cpu_shares(), 512);
  EXPECT_EQ(r.cpu_quota(), 50000);
  EXPECT_EQ(r.cpu_period(), 100000);
  EXPECT_EQ(r.cpuset_cpus(), "0");
  EXPECT_EQ(r.pids_limit(), 42);
  EXPECT_TRUE(r.oom_kill_disable());
  ASSERT_EQ(r.ulimits_size(), 1);
  EXPECT_EQ(r.ulimits(0).name(), "nofile");
  EXPECT_EQ(r.ulimits(0).soft(), 1024);
  EXPECT_EQ(r.ulimits(0).hard(), 2048);
  EXPECT_EQ(Vec(h.cap_add()), std::vector<std::string>{"NET_ADMIN"});
  EXPECT_EQ(Vec(h.cap_drop()), std::vector<std::string>{"ALL"});
  EXPECT_TRUE(h.privileged() && h.read_only() && h.init());
  EXPECT_EQ(Vec(h.security_opt()), std::vector<std::string>{"no-new-privileges"});
  EXPECT_EQ(h.shm_size(), 1048576);
  EXPECT_EQ(Vec(h.dns()), std::vector<std::string>{"1.1.1.1"});
  EXPECT_EQ(Vec(h.extra_hosts()), std::vector<std::string>{"h:1.2.3.4"});
  EXPECT_EQ(Vec(h.group_add()), std::vector<std::string>{"wheel"});
  EXPECT_EQ(h.log_config().type(), "json-file");
  EXPECT_EQ(h.log_config().config().at("max-size"), "1m");
}

TEST(TranslateCreate, MountsTmpfsAndBinds) {
  absl::StatusOr<DockerCreate> c = Translate(
      R"({"Image":"x","HostConfig":{"Binds":["/h:/c:rw,rshared","vol:/v","/anon"],)"
      R"("Mounts":[)"
      R"({"Type":"bind","Source":"/s","Target":"/t","ReadOnly":true,)"
      R"("BindOptions":{"Propagation":"rslave"}},)"
      R"({"Type":"tmpfs","Target":"/tmp","TmpfsOptions":{"SizeBytes":65536,"Mode":1023}},)"
      R"({"Type":"volume","Source":"data","Target":"/data"}]}})");
  ASSERT_TRUE(c.ok()) << c.status();
  const auto& m = c->request.host_config().mounts();
  ASSERT_EQ(m.size(), 5);
  EXPECT_EQ(m[0].type(), "bind");
  EXPECT_FALSE(m[0].read_only());
  EXPECT_EQ(Vec(m[0].options()), std::vector<std::string>{"rshared"});
  EXPECT_EQ(m[1].type(), "volume");
  EXPECT_EQ(m[1].source(), "vol");
  EXPECT_EQ(m[2].type(), "bind");
  EXPECT_TRUE(m[2].read_only());
  EXPECT_EQ(Vec(m[2].options()), std::vector<std::string>{"rslave"});
  EXPECT_EQ(m[3].type(), "tmpfs");
  EXPECT_EQ(Vec(m[3].options()), (std::vector<std::string>{"size=65536", "mode=1777"}));
  EXPECT_EQ(m[4].type(), "volume");
  EXPECT_EQ(m[4].source(), "data");
  EXPECT_EQ(Vec(c->request.config().volumes()), std::vector<std::string>{"/anon"});
}

TEST(TranslateCreate, TmpfsMap) {
  absl::StatusOr<DockerCreate> c =
      Translate(R"({"Image":"x","HostConfig":{"Tmpfs":{"/run":"size=1m,ro"}}})");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->request.host_config().mounts_size(), 1);
  const berth::v1::Mount& m = c->request.host_config().mounts(0);
  EXPECT_EQ(m.type(), "tmpfs");
  EXPECT_EQ(m.target(), "/run");
  EXPECT_TRUE(m.read_only());
  EXPECT_EQ(Vec(m.options()), (std::vector<std::string>{"size=1m", "ro"}));
}

TEST(TranslateCreate, BadMounts) {
  auto msg = [](const std::string& body) {
    absl::StatusOr<DockerCreate> c = Translate(body);
    EXPECT_TRUE(absl::IsInvalidArgument(c.status())) << body;
    return std::string(c.status().message());
  };
  EXPECT_EQ(msg(R"({"HostConfig":{"Mounts":[{"Type":"bind","Target":"/t"}]}})"),
            "invalid mount config for type \"bind\": field Source must not be empty");
  EXPECT_EQ(msg(R"({"HostConfig":{"Mounts":[{"Type":"bind","Source":"/s"}]}})"),
            "invalid mount config for type \"bind\": field Target must not be empty");
  EXPECT_EQ(msg(R"({"HostConfig":{"Mounts":[{"Type":"npipe","Target":"/t"}]}})"),
            "invalid mount config: mount type unknown: \"npipe\"");
  EXPECT_EQ(msg(R"({"HostConfig":{"Binds":["/a:/b:/c:/d"]}})"),
            "invalid volume specification: '/a:/b:/c:/d'");
  EXPECT_EQ(msg(R"({"HostConfig":{"Binds":["/a:/b:bogus"]}})"), "invalid mode: bogus");
}

TEST(TranslateCreate, NetworkModes) {
  for (const char* mode : {"", "default", "bridge"}) {
    absl::StatusOr<DockerCreate> c = Translate(
        absl::StrCat(R"({"HostConfig":{"NetworkMode":")", mode, R"("}})"));
    ASSERT_TRUE(c.ok()) << mode;
    EXPECT_EQ(c->request.host_config().network_mode(), "");
  }
  for (const char* mode : {"host", "none"}) {
    absl::StatusOr<DockerCreate> c = Translate(
        absl::StrCat(R"({"HostConfig":{"NetworkMode":")", mode, R"("}})"));
    ASSERT_TRUE(c.ok()) << mode;
    EXPECT_EQ(c->request.host_config().network_mode(), mode);
  }
  absl::StatusOr<DockerCreate> c = Translate(R"({"NetworkDisabled":true})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->request.host_config().network_mode(), "none");
  EXPECT_TRUE(absl::IsUnimplemented(
      Translate(R"({"HostConfig":{"NetworkMode":"mynet"}})").status()));
  EXPECT_TRUE(absl::IsUnimplemented(
      Translate(R"({"HostConfig":{"NetworkMode":"container:abc"}})").status()));
}

TEST(TranslateCreate, UnsupportedFeaturesAreRefused) {
  absl::StatusOr<DockerCreate> c = Translate(
      R"({"HostConfig":{"PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]}}})");
  EXPECT_TRUE(absl::IsUnimplemented(c.status()));
  EXPECT_EQ(c.status().message(), "port publishing is not supported by Berth yet (ports 80/tcp)");
  c = Translate(R"({"HostConfig":{"RestartPolicy":{"Name":"always"}}})");
  EXPECT_TRUE(absl::IsUnimplemented(c.status()));
  c = Translate(R"({"HostConfig":{"RestartPolicy":{"Name":"sometimes"}}})");
  EXPECT_TRUE(absl::IsInvalidArgument(c.status()));
  c = Translate(R"({"HostConfig":{"LogConfig":{"Type":"syslog"}}})");
  EXPECT_EQ(c.status().message(), "logger: no log driver named 'syslog' is registered");
  // -P without exposed ports publishes nothing.
  EXPECT_TRUE(Translate(R"({"HostConfig":{"PublishAllPorts":true}})").ok());
  EXPECT_TRUE(absl::IsUnimplemented(
      Translate(R"({"ExposedPorts":{"80/tcp":{}},"HostConfig":{"PublishAllPorts":true}})")
          .status()));
}

TEST(TranslateCreate, IgnoredSettingsWarn) {
  absl::StatusOr<DockerCreate> c = Translate(
      R"({"Healthcheck":{"Test":["CMD","true"]},"HostConfig":{"Devices":[{"PathOnHost":"/dev/x"}]}})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->warnings.size(), 2u);
  c = Translate(R"({"Healthcheck":{"Test":["NONE"]}})");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->warnings.empty());
}

TEST(TranslateCreate, NameAndPlatform) {
  absl::StatusOr<DockerCreate> c = Translate(R"({"Image":"x"})", "/web", "linux/arm64/v8");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->request.name(), "web");
  EXPECT_EQ(c->request.platform().os(), "linux");
  EXPECT_EQ(c->request.platform().architecture(), "arm64");
  EXPECT_EQ(c->request.platform().variant(), "v8");
  EXPECT_TRUE(absl::IsInvalidArgument(Translate(R"({})", "", "linux").status()));
}

TEST(TranslateCreate, TypeErrors) {
  absl::StatusOr<DockerCreate> c = Translate(R"({"Cmd":5})");
  EXPECT_TRUE(absl::IsInvalidArgument(c.status()));
  c = Translate(R"({"HostConfig":{"Memory":"1g"}})");
  EXPECT_EQ(c.status().message(),
            "invalid JSON: json: cannot unmarshal string into Go struct field "
            "HostConfig.Memory of type int64");
  c = Translate(R"({"HostConfig":"x"})");
  EXPECT_TRUE(absl::IsInvalidArgument(c.status()));
}

TEST(CheckJsonContentType, Rules) {
  EXPECT_TRUE(CheckJsonContentType("application/json", true).ok());
  EXPECT_TRUE(CheckJsonContentType("application/json; charset=utf-8", true).ok());
  EXPECT_TRUE(CheckJsonContentType("", false).ok());
  absl::Status s = CheckJsonContentType("text/plain", true);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_EQ(s.message(),
            "unsupported Content-Type header (text/plain): must be 'application/json'");
  EXPECT_FALSE(CheckJsonContentType("", true).ok());
}

}  // namespace
}  // namespace gateway
