#include "engine/runtime/container_filters.h"

#include "gtest/gtest.h"

namespace engine::runtime {
namespace {

berth::v1::ContainerSummary Summary(const std::string& id, const std::string& name,
                                    const std::string& state, int64_t created) {
  berth::v1::ContainerSummary s;
  s.set_id(id);
  s.add_names("/" + name);
  s.set_state(state);
  s.set_image("busybox");
  s.set_image_id("sha256:abcdef0123");
  s.mutable_created()->set_seconds(created);
  (*s.mutable_labels())["app"] = "web";
  return s;
}

absl::StatusOr<ContainerFilter> Parse(std::vector<std::pair<std::string, std::string>> terms,
                                      FilterResolvers resolvers = {}) {
  google::protobuf::RepeatedPtrField<berth::v1::Filter> filters;
  for (auto& [k, v] : terms) {
    auto* f = filters.Add();
    f->set_key(k);
    f->set_value(v);
  }
  return ContainerFilter::Parse(filters, resolvers);
}

bool Match(const ContainerFilter& f, const berth::v1::ContainerSummary& s, int64_t code = 0) {
  return f.Matches(FilterSubject{&s, code});
}

TEST(ContainerFilterTest, Keys) {
  auto a = Summary("aaaa1111", "web_one", "running", 100);
  auto b = Summary("bbbb2222", "db", "exited", 200);
  (*b.mutable_labels())["app"] = "db";

  EXPECT_TRUE(Match(*Parse({{"id", "aaa"}}), a));
  EXPECT_FALSE(Match(*Parse({{"id", "aaa"}}), b));
  EXPECT_TRUE(Match(*Parse({{"name", "web"}}), a));
  EXPECT_TRUE(Match(*Parse({{"name", "/web_one"}}), a));
  EXPECT_FALSE(Match(*Parse({{"name", "web"}}), b));
  EXPECT_TRUE(Match(*Parse({{"label", "app"}}), b));
  EXPECT_TRUE(Match(*Parse({{"label", "app=web"}}), a));
  EXPECT_FALSE(Match(*Parse({{"label", "app=web"}}), b));
  EXPECT_TRUE(Match(*Parse({{"status", "exited"}}), b));
  EXPECT_FALSE(Match(*Parse({{"status", "exited"}}), a));
  // Same key ORs, different keys AND.
  EXPECT_TRUE(Match(*Parse({{"status", "exited"}, {"status", "running"}}), a));
  EXPECT_FALSE(Match(*Parse({{"status", "running"}, {"name", "db"}}), a));
  EXPECT_TRUE(Match(*Parse({{"exited", "3"}}), b, 3));
  EXPECT_FALSE(Match(*Parse({{"exited", "3"}}), b, 0));
  EXPECT_FALSE(Match(*Parse({{"exited", "0"}}), a, 0));  // running, not exited
  EXPECT_TRUE(Match(*Parse({{"ancestor", "busybox"}}), a));
  EXPECT_TRUE(Match(*Parse({{"ancestor", "abcdef"}}), a));

  FilterResolvers r;
  r.container_created = [](absl::string_view ref) -> absl::StatusOr<absl::Time> {
    if (ref == "a") return absl::FromUnixSeconds(100);
    return absl::NotFoundError("No such container: x");
  };
  r.image_id = [](absl::string_view ref) -> absl::StatusOr<std::string> {
    if (ref == "other:1") return std::string("sha256:abcdef0123");
    return absl::NotFoundError("No such image");
  };
  EXPECT_TRUE(Match(*Parse({{"since", "a"}}, r), b));
  EXPECT_FALSE(Match(*Parse({{"since", "a"}}, r), a));
  EXPECT_FALSE(Match(*Parse({{"before", "a"}}, r), b));
  EXPECT_TRUE(Match(*Parse({{"ancestor", "other:1"}}, r), a));
  EXPECT_TRUE(absl::IsNotFound(Parse({{"before", "x"}}, r).status()));
}

TEST(ContainerFilterTest, BadFilters) {
  EXPECT_EQ(Parse({{"nosuch", "1"}}).status().message(), "invalid filter 'nosuch'");
  EXPECT_EQ(Parse({{"status", "sleeping"}}).status().message(),
            "invalid filter 'status=sleeping'");
  EXPECT_TRUE(absl::IsInvalidArgument(Parse({{"exited", "x"}}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Parse({{"until", "yesterday"}}).status()));
  EXPECT_TRUE(Parse({{"until", "2026-01-01T00:00:00Z"}}).ok());
  EXPECT_TRUE(Parse({{"until", "1700000000"}}).ok());
}

TEST(StatusTextTest, DockerShapes) {
  absl::Time now = absl::FromUnixSeconds(1000000);
  EXPECT_EQ(StatusText("created", 0, absl::UnixEpoch(), absl::UnixEpoch(), now), "Created");
  EXPECT_EQ(StatusText("running", 0, now - absl::Seconds(3), absl::UnixEpoch(), now),
            "Up 3 seconds");
  EXPECT_EQ(StatusText("paused", 0, now - absl::Seconds(90), absl::UnixEpoch(), now),
            "Up About a minute (Paused)");
  EXPECT_EQ(StatusText("exited", 137, now - absl::Hours(3), now - absl::Minutes(2), now),
            "Exited (137) 2 minutes ago");
  EXPECT_EQ(StatusText("removing", 0, now, now, now), "Removal In Progress");
  EXPECT_EQ(StatusText("dead", 0, now, now, now), "Dead");
}

TEST(HumanDurationTest, GoUnits) {
  EXPECT_EQ(HumanDuration(absl::Milliseconds(200)), "Less than a second");
  EXPECT_EQ(HumanDuration(absl::Seconds(1)), "1 second");
  EXPECT_EQ(HumanDuration(absl::Seconds(59)), "59 seconds");
  EXPECT_EQ(HumanDuration(absl::Seconds(61)), "About a minute");
  EXPECT_EQ(HumanDuration(absl::Minutes(5)), "5 minutes");
  EXPECT_EQ(HumanDuration(absl::Minutes(61)), "About an hour");
  EXPECT_EQ(HumanDuration(absl::Hours(5)), "5 hours");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 3)), "3 days");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 20)), "2 weeks");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 90)), "3 months");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 365 * 3)), "3 years");
}

TEST(CommandTextTest, Quoted) {
  EXPECT_EQ(CommandText({"/hello"}), "\"/hello\"");
  EXPECT_EQ(CommandText({"sh", "-c", "echo hi"}), "\"sh -c echo hi\"");
}

}  // namespace
}  // namespace engine::runtime
