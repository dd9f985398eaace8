#include "engine/registry/auth.h"

#include "engine/registry/challenge.h"
#include "engine/registry/http_client.h"
#include "engine/registry/insecure.h"
#include "engine/registry/registry_error.h"
#include "gtest/gtest.h"

namespace engine {
namespace registry {
namespace {

TEST(ChallengeTest, ParsesBearerWithQuotedCommas) {
  std::vector<Challenge> cs = ParseChallenges(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",)"
      R"(scope="repository:library/a:pull,push repository:b:pull")");
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].scheme, "bearer");
  EXPECT_EQ(cs[0].Param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(cs[0].Param("service"), "registry.docker.io");
  EXPECT_EQ(cs[0].Param("scope"), "repository:library/a:pull,push repository:b:pull");
}

TEST(ChallengeTest, ParsesBasicAndSeveralChallenges) {
  std::vector<Challenge> cs = ParseChallenges(R"(Basic realm="Registry Realm")");
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].scheme, "basic");
  EXPECT_EQ(cs[0].Param("realm"), "Registry Realm");

  cs = ParseChallenges(
      R"(Newauth realm="apps", type=1, title="Login to \"apps\"", BASIC Realm=simple , )"
      R"(Bearer error="insufficient_scope")");
  ASSERT_EQ(cs.size(), 3u);
  EXPECT_EQ(cs[0].scheme, "newauth");
  EXPECT_EQ(cs[0].Param("type"), "1");
  EXPECT_EQ(cs[0].Param("title"), R"(Login to "apps")");
  EXPECT_EQ(cs[1].scheme, "basic");
  EXPECT_EQ(cs[1].Param("realm"), "simple");
  EXPECT_EQ(cs[2].Param("error"), "insufficient_scope");
}

TEST(ChallengeTest, ToleratesJunk) {
  EXPECT_TRUE(ParseChallenges("").empty());
  EXPECT_TRUE(ParseChallenges(" , ,").empty());
  EXPECT_EQ(ParseChallenges(R"(Bearer realm="unterminated)")[0].Param("realm"), "unterminated");
  EXPECT_EQ(ParseChallenges("Bearer \"x\" y=z").size(), 1u);
  EXPECT_EQ(ParseChallenges("Negotiate abc==").size(), 1u);
}

TEST(RegistryErrorTest, DockerTexts) {
  HttpResponse r;
  r.status = 404;
  r.body = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]})";
  EXPECT_EQ(ErrorsText(ParseRegistryErrors(r)), "manifest unknown: manifest unknown");
  EXPECT_EQ(ResponseStatus(r).code(), absl::StatusCode::kNotFound);

  r.status = 401;
  r.body = R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})";
  EXPECT_EQ(ResponseStatus(r).message(), "unauthorized: authentication required");
  EXPECT_EQ(ResponseStatus(r).code(), absl::StatusCode::kUnauthenticated);

  r.body = R"({"details":"incorrect username or password"})";
  EXPECT_EQ(ResponseStatus(r).message(), "unauthorized: incorrect username or password");

  r.body = "";
  r.headers = {{"www-authenticate",
                R"(Bearer realm="x",error="insufficient_scope",scope="repository:a:pull")"}};
  std::vector<RegistryError> errs = ParseRegistryErrors(r);
  EXPECT_EQ(errs.front().code, "DENIED");
  EXPECT_EQ(errs.front().Text(), "denied: requested access to the resource is denied");

  r = HttpResponse();
  r.status = 503;
  r.body = "<html>busy</html>";
  EXPECT_EQ(ResponseStatus(r).message(), "received unexpected HTTP status: 503 Service Unavailable");
  EXPECT_EQ(ResponseStatus(r).code(), absl::StatusCode::kUnavailable);

  r.status = 400;
  r.body = R"({"errors":[{"code":"WEIRD_THING","message":"m"},{"code":"DIGEST_INVALID"}]})";
  EXPECT_EQ(ResponseStatus(r).message(),
            "errors:\nunknown: m\ndigest invalid: provided digest did not match uploaded content\n");
}

TEST(TokenCacheTest, ExpiresAndSeparatesIdentities) {
  TokenCache cache;
  Credentials alice{"alice", "pw", ""};
  Credentials anon;
  std::string k1 = TokenCache::Key("reg", alice, {"repository:a:pull"});
  std::string k2 = TokenCache::Key("reg", anon, {"repository:a:pull"});
  EXPECT_NE(k1, k2);
  absl::Time now = absl::Now();
  cache.Put(k1, BearerToken{"t1", now + absl::Seconds(60)});
  EXPECT_EQ(cache.Get(k1, now).value_or(""), "t1");
  EXPECT_FALSE(cache.Get(k2, now).has_value());
  EXPECT_FALSE(cache.Get(k1, now + absl::Seconds(56)).has_value());  // within slack
  cache.Put(k1, BearerToken{"t2", now + absl::Seconds(600)});
  cache.Put(TokenCache::Key("other", alice, {}), BearerToken{"t3", now + absl::Seconds(600)});
  cache.ForgetRegistry("reg");
  EXPECT_FALSE(cache.Get(k1, now).has_value());
  EXPECT_TRUE(cache.Get(TokenCache::Key("other", alice, {}), now).has_value());
}

TEST(AuthTest, BasicHeader) {
  EXPECT_EQ(BasicAuthorization(Credentials{"user", "pass", ""}), "Basic dXNlcjpwYXNz");
}

TEST(InsecureTest, MatchesHostsAndCidrs) {
  std::vector<std::string> entries = {"reg.local:5000", "10.0.0.0/8", "fd00::/8", "http://plain"};
  EXPECT_TRUE(MatchesInsecureRegistry(entries, "reg.local:5000"));
  EXPECT_FALSE(MatchesInsecureRegistry(entries, "reg.local:5001"));
  EXPECT_TRUE(MatchesInsecureRegistry(entries, "10.1.2.3:5000"));
  EXPECT_FALSE(MatchesInsecureRegistry(entries, "11.1.2.3:5000"));
  EXPECT_TRUE(MatchesInsecureRegistry(entries, "[fd12::1]:5000"));
  EXPECT_TRUE(MatchesInsecureRegistry(entries, "plain"));
  EXPECT_FALSE(MatchesInsecureRegistry({"bogus/99"}, "10.0.0.1"));
}

TEST(UrlTest, OriginsAndResolution) {
  EXPECT_EQ(UrlOrigin("https://Reg.example.com/v2/"), "https://reg.example.com:443");
  EXPECT_EQ(UrlOrigin("http://127.0.0.1:5000/v2/x?y"), "http://127.0.0.1:5000");
  EXPECT_EQ(UrlOrigin("http://u:p@h:80/"), "http://h:80");
  EXPECT_EQ(UrlOrigin("ftp://h/"), "");
  EXPECT_EQ(ResolveUrl("http://h:1/v2/a/blobs/uploads/", "/v2/a/blobs/uploads/u?s=1"),
            "http://h:1/v2/a/blobs/uploads/u?s=1");
  EXPECT_EQ(ResolveUrl("http://h:1/v2/a/", "https://o/x"), "https://o/x");
  EXPECT_EQ(ResolveUrl("http://h:1/v2/a/b?q", "c"), "http://h:1/v2/a/c");
  EXPECT_EQ(UrlEncode("sha256:ab/c d"), "sha256%3Aab%2Fc%20d");
}

}  // namespace
}  // namespace registry
}  // namespace engine
