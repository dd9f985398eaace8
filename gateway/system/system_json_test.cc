#include "gateway/system/system_json.h"

#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace gateway {
namespace {

rapidjson::Document Parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

TEST(VersionJsonTest, AdvertisesTheGatewayApiRange) {
  berth::v1::VersionResponse v;
  v.set_version("0.1.0");
  v.set_api_version("berth.v1");
  v.set_os("linux");
  v.set_arch("amd64");
  v.set_compiler("gcc 12.2.0");
  rapidjson::Document doc = Parse(VersionJson(v));
  EXPECT_STREQ(doc["ApiVersion"].GetString(), "1.50");
  EXPECT_STREQ(doc["MinAPIVersion"].GetString(), "1.24");
  EXPECT_STREQ(doc["Version"].GetString(), "0.1.0");
  EXPECT_STREQ(doc["Os"].GetString(), "linux");
  const rapidjson::Value& engine = doc["Components"][0];
  EXPECT_STREQ(engine["Name"].GetString(), "Engine");
  EXPECT_STREQ(engine["Details"]["ApiVersion"].GetString(), "1.50");
  EXPECT_STREQ(engine["Details"]["MinAPIVersion"].GetString(), "1.24");
}

TEST(InfoJsonTest, ShapesTheClientsDecode) {
  berth::v1::InfoResponse info;
  info.set_name("host");
  info.set_ncpu(4);
  info.set_mem_total(1 << 30);
  info.add_insecure_registries("127.0.0.0/8");
  info.add_insecure_registries("localhost:5000");
  info.add_registry_mirrors("http://127.0.0.1:5001");
  ContainerCounts counts{3, 1, 0, 2};
  rapidjson::Document doc = Parse(InfoJson(info, &counts));
  EXPECT_EQ(doc["Containers"].GetInt64(), 3);
  EXPECT_EQ(doc["ContainersRunning"].GetInt64(), 1);
  EXPECT_EQ(doc["ContainersStopped"].GetInt64(), 2);
  EXPECT_TRUE(doc["DriverStatus"].IsArray());
  EXPECT_STREQ(doc["Swarm"]["LocalNodeState"].GetString(), "inactive");
  EXPECT_STREQ(doc["OSType"].GetString(), "linux");
  // Only CIDRs go to InsecureRegistryCIDRs (Go decodes them as networks).
  const rapidjson::Value& reg = doc["RegistryConfig"];
  ASSERT_EQ(reg["InsecureRegistryCIDRs"].Size(), 1u);
  EXPECT_STREQ(reg["InsecureRegistryCIDRs"][0].GetString(), "127.0.0.0/8");
  EXPECT_FALSE(reg["IndexConfigs"]["localhost:5000"]["Secure"].GetBool());
  EXPECT_STREQ(reg["Mirrors"][0].GetString(), "http://127.0.0.1:5001");
}

TEST(CountContainersTest, ByState) {
  berth::v1::ListContainersResponse list;
  for (const char* state : {"running", "paused", "exited", "created", "running"}) {
    list.add_containers()->set_state(state);
  }
  ContainerCounts c = CountContainers(list);
  EXPECT_EQ(c.total, 5);
  EXPECT_EQ(c.running, 2);
  EXPECT_EQ(c.paused, 1);
  EXPECT_EQ(c.stopped, 2);
}

TEST(DiskUsageJsonTest, ImagesContainersAndEmptyLists) {
  berth::v1::ListImagesResponse images;
  berth::v1::Image* image = images.add_images();
  image->set_id("sha256:aa");
  image->set_size(100);
  image->add_repo_tags("busybox:latest");
  berth::v1::ListContainersResponse containers;
  berth::v1::ContainerSummary* c = containers.add_containers();
  c->set_id("c1");
  c->set_image_id("sha256:aa");
  c->add_names("/n");
  c->set_state("exited");
  rapidjson::Document doc = Parse(DiskUsageJson(images, containers));
  EXPECT_EQ(doc["LayersSize"].GetInt64(), 100);
  EXPECT_EQ(doc["Images"][0]["Containers"].GetInt64(), 1);
  EXPECT_STREQ(doc["Containers"][0]["Names"][0].GetString(), "/n");
  EXPECT_TRUE(doc["Volumes"].IsArray());
  EXPECT_TRUE(doc["BuildCache"].IsArray());
}

}  // namespace
}  // namespace gateway
