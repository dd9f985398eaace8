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

// `filters` is the JSON of the filters parameter (escaped here).
absl::StatusOr<EventsQuery> Query(const std::string& params) {
  Request r;
  absl::Status s = ParseTarget("/events?" + params, &r);
  if (!s.ok()) return s;
  return ParseEventsQuery(r);
}

TEST(ParseEventsQueryTest, TranslatesQuery) {
  absl::StatusOr<EventsQuery> q = Query(
      "since=10&until=20.5&filters=%7B%22type%22%3A%7B%22container%22%3Atrue%7D%7D");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_FALSE(q->matches_nothing);
  EXPECT_EQ(q->request.since().seconds(), 10);
  EXPECT_EQ(q->request.until().seconds(), 20);
  EXPECT_EQ(q->request.until().nanos(), 500000000);
  ASSERT_EQ(q->request.filters_size(), 1);
  EXPECT_EQ(q->request.filters(0).key(), "type");
  EXPECT_TRUE(q->labels.empty());
}

TEST(ParseEventsQueryTest, ObjectsBerthHasNoEventsForMatchNothing) {
  // {"type":["network"]}
  absl::StatusOr<EventsQuery> q = Query("filters=%7B%22type%22%3A%5B%22network%22%5D%7D");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->matches_nothing);
  EXPECT_EQ(q->request.filters_size(), 0);
  // {"volume":["v"]}
  q = Query("filters=%7B%22volume%22%3A%5B%22v%22%5D%7D");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->matches_nothing);
  // {"scope":["swarm"]} and {"scope":["local"]}
  q = Query("filters=%7B%22scope%22%3A%5B%22swarm%22%5D%7D");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->matches_nothing);
  q = Query("filters=%7B%22scope%22%3A%5B%22local%22%5D%7D");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->matches_nothing);
}

TEST(ParseEventsQueryTest, LabelsAreFilteredByTheGateway) {
  // {"label":["com.docker.compose.project=x","tier"]}
  absl::StatusOr<EventsQuery> q = Query(
      "filters=%7B%22label%22%3A%5B%22com.docker.compose.project%3Dx%22%2C%22tier%22%5D%7D");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->request.filters_size(), 0);
  ASSERT_EQ(q->labels.size(), 2u);

  berth::v1::Event e;
  (*e.mutable_attributes())["com.docker.compose.project"] = "x";
  EXPECT_FALSE(MatchesLabels(e, q->labels));  // no "tier"
  (*e.mutable_attributes())["tier"] = "web";
  EXPECT_TRUE(MatchesLabels(e, q->labels));
  (*e.mutable_attributes())["com.docker.compose.project"] = "y";
  EXPECT_FALSE(MatchesLabels(e, q->labels));
  EXPECT_TRUE(MatchesLabels(e, {}));
}

TEST(ParseEventsQueryTest, RejectsMalformedInput) {
  absl::StatusOr<EventsQuery> q = Query("filters=%7B%22foo%22%3A%5B%22a%22%5D%7D");
  EXPECT_EQ(q.status().message(), "invalid filter 'foo'");
  EXPECT_TRUE(absl::IsInvalidArgument(Query("since=yesterday").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Query("filters=%7B").status()));
}

}  // namespace
}  // namespace gateway
