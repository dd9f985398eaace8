#include "gateway/system/events_json.h"

#include <string>
#include <utility>
#include <vector>

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

}  // namespace
}  // namespace gateway
