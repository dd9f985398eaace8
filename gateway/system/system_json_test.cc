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

TEST(EventJsonTest, ContainerEventCarriesLegacyFields) {
  berth::v1::Event e;
  e.set_type("container");
  e.set_action("die");
  e.set_actor_id("abc");
  (*e.mutable_attributes())["name"] = "ev1";
  (*e.mutable_attributes())["image"] = "hello-world";
  (*e.mutable_attributes())["exitCode"] = "0";
  e.mutable_time()->set_seconds(1795849926);
  e.mutable_time()->set_nanos(830217216);
  EXPECT_EQ(EventJson(e),
            "{\"status\":\"die\",\"id\":\"abc\",\"from\":\"hello-world\","
            "\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"abc\","
            "\"Attributes\":{\"exitCode\":\"0\",\"image\":\"hello-world\","
            "\"name\":\"ev1\"}},\"scope\":\"local\",\"time\":1795849926,"
            "\"timeNano\":1795849926830217216}");
}

TEST(EventJsonTest, ImageEventHasNoFrom) {
  berth::v1::Event e;
  e.set_type("image");
  e.set_action("pull");
  e.set_actor_id("hello-world:latest");
  rapidjson::Document doc = Parse(EventJson(e));
  EXPECT_STREQ(doc["status"].GetString(), "pull");
  EXPECT_FALSE(doc.HasMember("from"));
  EXPECT_STREQ(doc["Actor"]["ID"].GetString(), "hello-world:latest");
}

TEST(ParseFiltersTest, MapAndListForms) {
  std::vector<std::pair<std::string, std::string>> f;
  ASSERT_TRUE(ParseFilters(R"({"type":{"container":true},"event":["die","start"]})", &f).ok());
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0], std::make_pair(std::string("type"), std::string("container")));
  EXPECT_EQ(f[1].second, "die");
  EXPECT_EQ(f[2].second, "start");
  EXPECT_TRUE(ParseFilters("", &f).ok());
  EXPECT_TRUE(f.empty());
  EXPECT_TRUE(absl::IsInvalidArgument(ParseFilters("{", &f)));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseFilters("[1]", &f)));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseFilters(R"({"a":1})", &f)));
}

TEST(ParseUnixTimeTest, SecondsAndFractions) {
  EXPECT_EQ(*ParseUnixTime("1700000000"), absl::FromUnixSeconds(1700000000));
  EXPECT_EQ(*ParseUnixTime("1700000000.5"),
            absl::FromUnixSeconds(1700000000) + absl::Milliseconds(500));
  EXPECT_EQ(*ParseUnixTime("0.000000001"), absl::FromUnixNanos(1));
  EXPECT_FALSE(ParseUnixTime("").ok());
  EXPECT_FALSE(ParseUnixTime("10m").ok());
  EXPECT_FALSE(ParseUnixTime("1.2.3").ok());
  EXPECT_FALSE(ParseUnixTime("1.").ok());
  EXPECT_FALSE(ParseUnixTime("1.0000000001").ok());
}

TEST(EventsRequestFromQueryTest, TranslatesQuery) {
  Request r;
  ASSERT_TRUE(ParseTarget(
      "/events?since=10&until=20.5&filters=%7B%22type%22%3A%7B%22container%22%3Atrue%7D%7D",
      &r).ok());
  berth::v1::EventsRequest req;
  bool none = true;
  ASSERT_TRUE(EventsRequestFromQuery(r, &req, &none).ok());
  EXPECT_FALSE(none);
  EXPECT_EQ(req.since().seconds(), 10);
  EXPECT_EQ(req.until().seconds(), 20);
  EXPECT_EQ(req.until().nanos(), 500000000);
  ASSERT_EQ(req.filters_size(), 1);
  EXPECT_EQ(req.filters(0).key(), "type");
}

TEST(EventsRequestFromQueryTest, TypesBerthNeverEmitsMatchNothing) {
  Request r;
  ASSERT_TRUE(ParseTarget("/events?filters=%7B%22type%22%3A%5B%22network%22%5D%7D", &r).ok());
  berth::v1::EventsRequest req;
  bool none = false;
  ASSERT_TRUE(EventsRequestFromQuery(r, &req, &none).ok());
  EXPECT_TRUE(none);
  EXPECT_EQ(req.filters_size(), 0);
}

TEST(EventsRequestFromQueryTest, RejectsWhatTheEngineCannotFilter) {
  Request r;
  ASSERT_TRUE(ParseTarget("/events?filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D", &r).ok());
  berth::v1::EventsRequest req;
  bool none = false;
  EXPECT_TRUE(absl::IsInvalidArgument(EventsRequestFromQuery(r, &req, &none)));
  Request bad;
  ASSERT_TRUE(ParseTarget("/events?since=yesterday", &bad).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(EventsRequestFromQuery(bad, &req, &none)));
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
