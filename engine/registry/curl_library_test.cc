#include "engine/registry/curl_library.h"

#include "engine/registry/fake_http_server.h"
#include "engine/registry/http_client.h"
#include "gtest/gtest.h"

namespace engine {
namespace registry {
namespace {

TEST(CurlLibraryTest, LoadedWhileHeldAndUnloadedAfter) {
  EXPECT_FALSE(CurlLoaded());
  {
    auto api = AcquireCurl();
    ASSERT_TRUE(api.ok()) << api.status();
    EXPECT_TRUE(CurlLoaded());
    auto again = AcquireCurl();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(api->get(), again->get());
    CURL* h = (*api)->curl_easy_init();
    ASSERT_NE(h, nullptr);
    EXPECT_STREQ((*api)->curl_easy_strerror(CURLE_OK), "No error");
    (*api)->curl_easy_cleanup(h);
  }
  EXPECT_FALSE(CurlLoaded());
  // And loads again.
  auto api = AcquireCurl();
  ASSERT_TRUE(api.ok());
  EXPECT_TRUE(CurlLoaded());
}

TEST(CurlLibraryTest, HttpClientHoldsLibcurlOnlyWhileNeeded) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse r;
    r.body = "ok";
    return r;
  });
  HttpClient client;
  HttpRequest request;
  request.url = server.origin() + "/v2/";
  HttpResponse response;
  ASSERT_TRUE(client.Perform(request, &response).ok());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ok");
  EXPECT_FALSE(CurlLoaded());
  {
    std::shared_ptr<void> session = client.KeepLoaded();
    ASSERT_TRUE(client.Perform(request, &response).ok());
    EXPECT_TRUE(CurlLoaded());
    ASSERT_TRUE(client.Perform(request, &response).ok());
    EXPECT_EQ(response.body, "ok");
  }
  EXPECT_FALSE(CurlLoaded());
}

}  // namespace
}  // namespace registry
}  // namespace engine
