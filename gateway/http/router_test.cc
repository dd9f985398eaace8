#include "gateway/http/router.h"

#include "gtest/gtest.h"

namespace gateway {
namespace {

Handler Named(std::string* hit, std::string name) {
  return [hit, name](const Request&, ResponseWriter*) {
    *hit = name;
    return absl::OkStatus();
  };
}

absl::Status Call(const Router& router, const std::string& method,
                  const std::string& path, Request* r) {
  r->method = method;
  r->path = path;
  auto h = router.Match(r);
  if (!h.ok()) return h.status();
  return (**h)(*r, nullptr);
}

TEST(RouterTest, LiteralBeatsParameterAndImageNamesSpanSegments) {
  Router router;
  std::string hit;
  router.Add("GET", "/containers/{id}/json", Named(&hit, "inspect"));
  router.Add("GET", "/containers/json", Named(&hit, "list"));
  router.Add("GET", "/images/{name:.*}/json", Named(&hit, "image"));
  router.Add("DELETE", "/images/{name:.*}", Named(&hit, "rmi"));
  Request r;
  ASSERT_TRUE(Call(router, "GET", "/containers/json", &r).ok());
  EXPECT_EQ(hit, "list");
  ASSERT_TRUE(Call(router, "GET", "/containers/abc/json", &r).ok());
  EXPECT_EQ(hit, "inspect");
  EXPECT_EQ(r.Param("id"), "abc");
  ASSERT_TRUE(Call(router, "GET", "/images/localhost:5000/team/app:1/json", &r).ok());
  EXPECT_EQ(hit, "image");
  EXPECT_EQ(r.Param("name"), "localhost:5000/team/app:1");
  ASSERT_TRUE(Call(router, "DELETE", "/images/a/b", &r).ok());
  EXPECT_EQ(r.Param("name"), "a/b");
  EXPECT_EQ(Call(router, "POST", "/containers/json", &r).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Call(router, "GET", "/nothing", &r).message(), "page not found");
}

}  // namespace
}  // namespace gateway
