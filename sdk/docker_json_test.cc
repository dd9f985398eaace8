#include "sdk/docker_json.h"

#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace sdk {
namespace {

rapidjson::Document Parse(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  EXPECT_FALSE(d.HasParseError()) << json;
  return d;
}

TEST(DockerJsonTest, Rfc3339NanoDropsTrailingZeros) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(1714557600);
  EXPECT_EQ(Rfc3339Nano(ts), "2024-05-01T10:00:00Z");
  ts.set_nanos(500000000);
  EXPECT_EQ(Rfc3339Nano(ts), "2024-05-01T10:00:00.5Z");
}

TEST(DockerJsonTest, ContainerUnsetListsAreNull) {
  berth::v1::ContainerInfo info;
  info.set_id("abc");
  info.set_name("/web");
  info.mutable_state()->set_status("exited");
  info.mutable_state()->set_exit_code(3);
  info.mutable_config()->add_cmd("sh");
  rapidjson::Document d = Parse(DockerContainerJson(info));
  EXPECT_STREQ(d["Id"].GetString(), "abc");
  EXPECT_STREQ(d["Name"].GetString(), "/web");
  EXPECT_EQ(d["State"]["ExitCode"].GetInt(), 3);
  EXPECT_STREQ(d["State"]["StartedAt"].GetString(), "0001-01-01T00:00:00Z");
  EXPECT_TRUE(d["Config"]["Entrypoint"].IsNull());
  EXPECT_STREQ(d["Config"]["Cmd"][0].GetString(), "sh");
  EXPECT_TRUE(d["HostConfig"]["Binds"].IsNull());
  EXPECT_TRUE(d["Mounts"].IsArray());
}

TEST(DockerJsonTest, ImageKeepsLayersAndEmptyTagLists) {
  berth::v1::Image img;
  img.set_id("sha256:aa");
  img.add_layers("sha256:l1");
  img.mutable_config()->add_env("PATH=/bin");
  rapidjson::Document d = Parse(DockerImageJson(img));
  EXPECT_STREQ(d["Id"].GetString(), "sha256:aa");
  EXPECT_TRUE(d["RepoTags"].IsArray());
  EXPECT_EQ(d["RepoTags"].Size(), 0u);
  EXPECT_STREQ(d["RootFS"]["Layers"][0].GetString(), "sha256:l1");
  EXPECT_TRUE(d["Config"]["Cmd"].IsNull());
  EXPECT_STREQ(d["Config"]["Env"][0].GetString(), "PATH=/bin");
}

TEST(DockerJsonTest, PrettyArrayIndentsByFour) {
  EXPECT_EQ(PrettyJsonArray({}), "[]");
  EXPECT_EQ(PrettyJsonArray({"{\"a\":1}"}), "[\n    {\n        \"a\": 1\n    }\n]");
}

}  // namespace
}  // namespace sdk
