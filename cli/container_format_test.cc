#include "cli/container_format.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace cli {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1714557600);  // 2024-05-01T10:00:00Z

google::protobuf::Timestamp Ago(absl::Duration d) { return ToTimestamp(kNow - d); }

TEST(ContainerFormat, StatusStrings) {
  berth::v1::ContainerState s;
  EXPECT_EQ(FormatContainerStatus(s, kNow), "Created");
  s.set_running(true);
  *s.mutable_started_at() = Ago(absl::Seconds(2));
  EXPECT_EQ(FormatContainerStatus(s, kNow), "Up 2 seconds");
  s.set_paused(true);
  *s.mutable_started_at() = Ago(absl::Minutes(5));
  EXPECT_EQ(FormatContainerStatus(s, kNow), "Up 5 minutes (Paused)");
  s = {};
  *s.mutable_started_at() = Ago(absl::Hours(1));
  *s.mutable_finished_at() = Ago(absl::Minutes(3));
  EXPECT_EQ(FormatContainerStatus(s, kNow), "Exited (0) 3 minutes ago");
  s.set_exit_code(137);
  *s.mutable_finished_at() = Ago(absl::Seconds(40));
  EXPECT_EQ(FormatContainerStatus(s, kNow), "Exited (137) 40 seconds ago");
  s.set_dead(true);
  EXPECT_EQ(FormatContainerStatus(s, kNow), "Dead");
  s.set_status("removing");
  EXPECT_EQ(FormatContainerStatus(s, kNow), "Removal In Progress");
}

std::vector<berth::v1::ContainerSummary> Sample() {
  berth::v1::ContainerSummary c;
  c.set_id("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  c.add_names("/web");
  c.set_image("busybox@sha256:aaaa");
  c.set_command("sh -c 'while true; do sleep 1; done'");
  *c.mutable_created() = Ago(absl::Minutes(2));
  c.set_state("running");
  c.set_status("Up 2 minutes");
  (*c.mutable_labels())["b"] = "2";
  (*c.mutable_labels())["a"] = "1";
  berth::v1::ContainerSummary d;
  d.set_id("fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210");
  d.add_names("/hello");
  d.set_image("hello-world");
  d.set_command("\"/hello\"");
  *d.mutable_created() = Ago(absl::Hours(3));
  d.set_state("exited");
  d.set_status("Exited (0) 3 hours ago");
  return {c, d};
}

TEST(ContainerFormat, PsTable) {
  auto text = FormatPs(Sample(), PsOptions{}, kNow);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text,
            "CONTAINER ID   IMAGE         COMMAND                  CREATED         "
            "STATUS                   PORTS     NAMES\n"
            "0123456789ab   busybox       \"sh -c 'while true; …\"   2 minutes ago   "
            "Up 2 minutes                       web\n"
            "fedcba987654   hello-world   \"/hello\"                 3 hours ago     "
            "Exited (0) 3 hours ago             hello\n");
}

TEST(ContainerFormat, PsQuietNoTruncAndJson) {
  PsOptions q;
  q.quiet = true;
  EXPECT_EQ(*FormatPs(Sample(), q, kNow), "0123456789ab\nfedcba987654\n");
  q.no_trunc = true;
  EXPECT_TRUE(absl::StartsWith(*FormatPs(Sample(), q, kNow),
                               "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"));
  PsOptions j;
  j.format = "json";
  auto text = FormatPs(Sample(), j, kNow);
  ASSERT_TRUE(text.ok());
  std::string first = text->substr(0, text->find('\n'));
  rapidjson::Document doc;
  ASSERT_FALSE(doc.Parse(first.c_str()).HasParseError()) << first;
  EXPECT_STREQ(doc["ID"].GetString(), "0123456789ab");
  EXPECT_STREQ(doc["Names"].GetString(), "web");
  EXPECT_STREQ(doc["Labels"].GetString(), "a=1,b=2");
  EXPECT_STREQ(doc["State"].GetString(), "running");
  EXPECT_STREQ(doc["RunningFor"].GetString(), "2 minutes ago");
  PsOptions t;
  t.format = "{{.Names}}: {{.Status}}";
  EXPECT_EQ(*FormatPs(Sample(), t, kNow), "web: Up 2 minutes\nhello: Exited (0) 3 hours ago\n");
}

TEST(ContainerFormat, InspectShape) {
  berth::v1::ContainerInfo info;
  info.set_id(std::string(64, 'a'));
  info.set_name("/web");
  info.set_path("sh");
  info.add_args("-c");
  info.set_image("sha256:" + std::string(64, 'b'));
  info.mutable_state()->set_status("exited");
  info.mutable_state()->set_exit_code(3);
  *info.mutable_state()->mutable_started_at() = Ago(absl::Seconds(5));
  info.mutable_config()->set_tty(true);
  info.mutable_config()->add_env("PATH=/bin");
  info.mutable_config()->mutable_entrypoint();
  info.mutable_host_config()->set_network_mode("none");
  info.mutable_host_config()->mutable_resources()->set_memory(1 << 20);
  auto* m = info.add_mounts();
  m->set_type("bind");
  m->set_source("/h");
  m->set_destination("/c");
  m->set_rw(false);
  std::string json = ContainerInspectJson({info});
  rapidjson::Document doc;
  ASSERT_FALSE(doc.Parse(json.c_str()).HasParseError()) << json;
  ASSERT_TRUE(doc.IsArray());
  const auto& c = doc[0];
  EXPECT_STREQ(c["Id"].GetString(), std::string(64, 'a').c_str());
  EXPECT_STREQ(c["Name"].GetString(), "/web");
  EXPECT_STREQ(c["Path"].GetString(), "sh");
  EXPECT_EQ(c["State"]["ExitCode"].GetInt(), 3);
  EXPECT_FALSE(c["State"]["Running"].GetBool());
  EXPECT_STREQ(c["State"]["FinishedAt"].GetString(), "0001-01-01T00:00:00Z");
  EXPECT_STREQ(c["State"]["StartedAt"].GetString(), "2024-05-01T09:59:55Z");
  for (const char* key : {"Created", "ResolvConfPath", "HostnamePath", "HostsPath", "LogPath",
                          "RestartCount", "Driver", "Platform", "GraphDriver"}) {
    EXPECT_TRUE(c.HasMember(key)) << key;
  }
  EXPECT_STREQ(c["HostConfig"]["NetworkMode"].GetString(), "none");
  EXPECT_EQ(c["HostConfig"]["Memory"].GetInt(), 1 << 20);
  EXPECT_TRUE(c["HostConfig"]["PidsLimit"].IsNull());
  EXPECT_TRUE(c["Config"]["Tty"].GetBool());
  EXPECT_TRUE(c["Config"]["Entrypoint"].IsNull());
  EXPECT_STREQ(c["Config"]["Env"][0].GetString(), "PATH=/bin");
  EXPECT_STREQ(c["Mounts"][0]["Destination"].GetString(), "/c");
  EXPECT_FALSE(c["Mounts"][0]["RW"].GetBool());
  EXPECT_TRUE(c["NetworkSettings"]["Networks"].HasMember("none"));
  // Indented with 4 spaces, like Docker.
  EXPECT_TRUE(absl::StartsWith(json, "[\n    {\n        \"Id\""));
}

TEST(ContainerFormat, JoinJsonArrays) {
  EXPECT_EQ(JoinJsonArrays({"[\n    {\n        \"a\": 1\n    }\n]", "[]",
                            "[\n    {\n        \"b\": 2\n    }\n]"}),
            "[\n    {\n        \"a\": 1\n    },\n    {\n        \"b\": 2\n    }\n]");
  EXPECT_EQ(JoinJsonArrays({"[]"}), "[]");
}

TEST(ContainerFormat, Top) {
  berth::v1::TopResponse top;
  top.add_titles("UID");
  top.add_titles("PID");
  top.add_titles("CMD");
  auto* row = top.add_processes();
  row->add_values("root");
  row->add_values("4242");
  row->add_values("sleep 100");
  EXPECT_EQ(FormatTop(top),
            "UID                 PID                 CMD\n"
            "root                4242                sleep 100\n");
}

TEST(ContainerFormat, Stats) {
  berth::v1::ContainerStats a, b;
  a.set_id(std::string(64, 'c'));
  a.set_name("/web");
  a.set_cpu_total_usage(1000);
  a.set_system_cpu_usage(10000);
  a.set_online_cpus(2);
  b = a;
  b.set_cpu_total_usage(2000);
  b.set_system_cpu_usage(20000);
  b.set_memory_usage(3 << 20);
  b.set_memory_cache(1 << 20);
  b.set_memory_limit(8LL << 30);
  b.set_pids_current(3);
  b.set_net_rx_bytes(1500);
  StatsRow row = ComputeStatsRow(&a, b);
  EXPECT_DOUBLE_EQ(row.cpu_percent, 20.0);
  EXPECT_EQ(row.memory_usage, 2u << 20);
  EXPECT_EQ(ComputeStatsRow(nullptr, b).cpu_percent, 0.0);
  auto text = FormatStats({row}, StatsOptions{});
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text,
            "CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O      "
            "BLOCK I/O   PIDS\n"
            "cccccccccccc   web       20.00%    2MiB / 8GiB         0.02%     1.5kB / 0B   "
            "0B / 0B     3\n");
}

TEST(ContainerFormat, Events) {
  berth::v1::Event e;
  e.set_type("container");
  e.set_action("start");
  e.set_actor_id("abc");
  (*e.mutable_attributes())["name"] = "web";
  (*e.mutable_attributes())["image"] = "busybox";
  *e.mutable_time() = ToTimestamp(kNow + absl::Milliseconds(5));
  EXPECT_EQ(*FormatEvent(e, ""),
            "2024-05-01T10:00:00.005000000Z container start abc (image=busybox, name=web)\n");
  auto json = FormatEvent(e, "json");
  ASSERT_TRUE(json.ok());
  rapidjson::Document doc;
  ASSERT_FALSE(doc.Parse(json->c_str()).HasParseError()) << *json;
  EXPECT_STREQ(doc["status"].GetString(), "start");
  EXPECT_STREQ(doc["from"].GetString(), "busybox");
  EXPECT_STREQ(doc["Actor"]["Attributes"]["name"].GetString(), "web");
  EXPECT_EQ(doc["time"].GetInt64(), 1714557600);
  EXPECT_FALSE(FormatEvent(e, "{{.Bogus}}").ok());
}

TEST(ContainerFormat, TimeArguments) {
  EXPECT_EQ(*ParseTimeArg("10m", kNow), kNow - absl::Minutes(10));
  EXPECT_EQ(*ParseTimeArg("1h30m", kNow), kNow - absl::Minutes(90));
  EXPECT_EQ(*ParseTimeArg("1714557600", kNow), kNow);
  EXPECT_EQ(*ParseTimeArg("1714557600.5", kNow), kNow + absl::Milliseconds(500));
  EXPECT_EQ(*ParseTimeArg("2024-05-01T10:00:00Z", kNow), kNow);
  EXPECT_EQ(*ParseTimeArg("2024-05-01T12:00:00+02:00", kNow), kNow);
  EXPECT_TRUE(ParseTimeArg("2024-05-01", kNow).ok());
  EXPECT_FALSE(ParseTimeArg("yesterday", kNow).ok());
  EXPECT_EQ(Rfc3339NanoFixed(kNow), "2024-05-01T10:00:00.000000000Z");
}

}  // namespace
}  // namespace cli
