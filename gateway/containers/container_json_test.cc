#include "gateway/containers/container_json.h"

#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace gateway {
namespace {

rapidjson::Document Parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

TEST(ParseFilters, MapAndListForms) {
  absl::StatusOr<std::vector<berth::v1::Filter>> f =
      ParseFilters(R"({"status":{"exited":true},"name":{"web":true}})");
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ(f->size(), 2u);
  EXPECT_EQ((*f)[0].key(), "name");
  EXPECT_EQ((*f)[0].value(), "web");
  EXPECT_EQ((*f)[1].key(), "status");
  EXPECT_EQ((*f)[1].value(), "exited");

  f = ParseFilters(R"({"label":["com.docker.compose.project=x","a"]})");
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->size(), 2u);
  EXPECT_EQ((*f)[0].value(), "com.docker.compose.project=x");
  EXPECT_EQ((*f)[1].value(), "a");

  EXPECT_TRUE(ParseFilters("")->empty());
  EXPECT_TRUE(ParseFilters("{}")->empty());
  EXPECT_TRUE(absl::IsInvalidArgument(ParseFilters("{").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseFilters("[]").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseFilters(R"({"status":"x"})").status()));
}

TEST(SummaryCommand, Unquotes) {
  EXPECT_EQ(SummaryCommand("\"sleep 300\""), "sleep 300");
  EXPECT_EQ(SummaryCommand("/hello"), "/hello");
  EXPECT_EQ(SummaryCommand(""), "");
}

TEST(ContainersJson, SummaryShape) {
  berth::v1::ListContainersResponse list;
  berth::v1::ContainerSummary* c = list.add_containers();
  c->set_id("abc");
  c->add_names("/d1");
  c->set_image("busybox");
  c->set_image_id("sha256:1234");
  c->set_command("\"sleep 300\"");
  c->mutable_created()->set_seconds(1764310000);
  c->set_state("running");
  c->set_status("Up 5 seconds");
  (*c->mutable_labels())["k"] = "v";
  c->set_network_mode("default");
  berth::v1::MountPoint* m = c->add_mounts();
  m->set_type("bind");
  m->set_source("/tmp");
  m->set_destination("/data");
  m->set_mode("ro");
  m->set_propagation("rprivate");
  rapidjson::Document d = Parse(ContainersJson(list, false));
  ASSERT_TRUE(d.IsArray());
  const rapidjson::Value& s = d[0];
  EXPECT_STREQ(s["Id"].GetString(), "abc");
  EXPECT_STREQ(s["Names"][0].GetString(), "/d1");
  EXPECT_STREQ(s["Image"].GetString(), "busybox");
  EXPECT_STREQ(s["ImageID"].GetString(), "sha256:1234");
  EXPECT_STREQ(s["Command"].GetString(), "sleep 300");
  EXPECT_TRUE(s["Created"].IsInt64());
  EXPECT_EQ(s["Created"].GetInt64(), 1764310000);
  EXPECT_TRUE(s["Ports"].IsArray());
  EXPECT_STREQ(s["Labels"]["k"].GetString(), "v");
  EXPECT_STREQ(s["State"].GetString(), "running");
  EXPECT_STREQ(s["Status"].GetString(), "Up 5 seconds");
  EXPECT_STREQ(s["HostConfig"]["NetworkMode"].GetString(), "default");
  EXPECT_TRUE(s["NetworkSettings"]["Networks"].IsObject());
  EXPECT_STREQ(s["Mounts"][0]["Destination"].GetString(), "/data");
  EXPECT_FALSE(s["Mounts"][0]["RW"].GetBool());
  EXPECT_FALSE(s.HasMember("SizeRw"));

  c->set_image_id("1234");
  c->set_size_rw(10);
  d = Parse(ContainersJson(list, true));
  EXPECT_STREQ(d[0]["ImageID"].GetString(), "sha256:1234");
  EXPECT_EQ(d[0]["SizeRw"].GetInt64(), 10);
  EXPECT_TRUE(d[0]["SizeRootFs"].IsInt64());
}

TEST(StatsJson, CpuAndMemoryFieldsTheCliReads) {
  berth::v1::ContainerStats prev, cur;
  prev.set_cpu_total_usage(1000);
  prev.set_system_cpu_usage(100000);
  prev.mutable_read()->set_seconds(1700000000);
  cur.set_id("abc");
  cur.set_name("/d1");
  cur.mutable_read()->set_seconds(1700000001);
  cur.set_cpu_total_usage(6000);
  cur.set_system_cpu_usage(200000);
  cur.set_online_cpus(2);
  cur.set_memory_usage(1 << 20);
  cur.set_memory_limit(1 << 30);
  cur.set_pids_current(3);
  cur.set_block_read_bytes(7);
  cur.set_block_write_bytes(8);
  rapidjson::Document d = Parse(StatsJson(cur, &prev));
  EXPECT_STREQ(d["id"].GetString(), "abc");
  EXPECT_STREQ(d["name"].GetString(), "/d1");
  EXPECT_STREQ(d["read"].GetString(), "2023-11-14T22:13:21Z");
  EXPECT_STREQ(d["preread"].GetString(), "2023-11-14T22:13:20Z");
  EXPECT_EQ(d["cpu_stats"]["cpu_usage"]["total_usage"].GetUint64(), 6000u);
  EXPECT_EQ(d["cpu_stats"]["system_cpu_usage"].GetUint64(), 200000u);
  EXPECT_EQ(d["cpu_stats"]["online_cpus"].GetUint(), 2u);
  EXPECT_EQ(d["precpu_stats"]["cpu_usage"]["total_usage"].GetUint64(), 1000u);
  EXPECT_EQ(d["precpu_stats"]["system_cpu_usage"].GetUint64(), 100000u);
  EXPECT_EQ(d["memory_stats"]["usage"].GetUint64(), 1u << 20);
  EXPECT_EQ(d["memory_stats"]["limit"].GetUint64(), 1u << 30);
  EXPECT_FALSE(d["memory_stats"]["stats"].HasMember("inactive_file"));
  EXPECT_EQ(d["pids_stats"]["current"].GetUint64(), 3u);
  const rapidjson::Value& io = d["blkio_stats"]["io_service_bytes_recursive"];
  EXPECT_STREQ(io[0]["op"].GetString(), "read");
  EXPECT_EQ(io[0]["value"].GetUint64(), 7u);
  EXPECT_EQ(io[1]["value"].GetUint64(), 8u);
  EXPECT_FALSE(d.HasMember("networks"));

  d = Parse(StatsJson(cur, nullptr));
  EXPECT_STREQ(d["preread"].GetString(), "0001-01-01T00:00:00Z");
  EXPECT_EQ(d["precpu_stats"]["cpu_usage"]["total_usage"].GetUint64(), 0u);
  EXPECT_FALSE(d["precpu_stats"].HasMember("system_cpu_usage"));
}

TEST(TopJson, Shape) {
  berth::v1::TopResponse top;
  top.add_titles("UID");
  top.add_titles("PID");
  berth::v1::TopRow* row = top.add_processes();
  row->add_values("root");
  row->add_values("1");
  rapidjson::Document d = Parse(TopJson(top));
  EXPECT_STREQ(d["Titles"][1].GetString(), "PID");
  EXPECT_STREQ(d["Processes"][0][0].GetString(), "root");
}

TEST(WaitAndPrune, Shapes) {
  EXPECT_EQ(WaitJson(143), "{\"StatusCode\":143,\"Error\":null}\n");
  rapidjson::Document d = Parse(WaitErrorJson(-1, "x \"y\""));
  EXPECT_STREQ(d["Error"]["Message"].GetString(), "x \"y\"");
  berth::v1::PruneContainersResponse p;
  EXPECT_EQ(PruneJson(p), "{\"ContainersDeleted\":null,\"SpaceReclaimed\":0}");
  p.add_deleted("a");
  p.set_space_reclaimed(5);
  EXPECT_EQ(PruneJson(p), "{\"ContainersDeleted\":[\"a\"],\"SpaceReclaimed\":5}");
}

TEST(ParseWaitCondition, Values) {
  EXPECT_EQ(*ParseWaitCondition(""), berth::v1::WAIT_CONDITION_NOT_RUNNING);
  EXPECT_EQ(*ParseWaitCondition("not-running"), berth::v1::WAIT_CONDITION_NOT_RUNNING);
  EXPECT_EQ(*ParseWaitCondition("next-exit"), berth::v1::WAIT_CONDITION_NEXT_EXIT);
  EXPECT_EQ(*ParseWaitCondition("removed"), berth::v1::WAIT_CONDITION_REMOVED);
  absl::Status s = ParseWaitCondition("x").status();
  EXPECT_EQ(s.message(), "invalid condition: \"x\"");
}

}  // namespace
}  // namespace gateway
