// Tests of the connection loop (over a socketpair), the listen address
// parser and the Unix socket file.

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/http/connection.h"
#include "gateway/http/listener.h"
#include "gateway/http/router.h"
#include "gateway/http/transport.h"
#include "gtest/gtest.h"

namespace gateway {
namespace {

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/_ping", [](const Request&, ResponseWriter* w) {
      return w->Send(200, "text/plain; charset=utf-8", "OK");
    });
    router_.Add("GET", "/fail", [](const Request&, ResponseWriter*) {
      return absl::NotFoundError("No such container: x");
    });
    router_.Add("GET", "/silent", [](const Request&, ResponseWriter*) {
      return absl::OkStatus();
    });
    router_.Add("GET", "/stream", [](const Request&, ResponseWriter* w) {
      absl::Status s = w->StartStream(200, "application/json");
      if (s.ok()) s = w->Write("a");
      if (s.ok()) s = w->Write("");
      if (s.ok()) s = w->Write("bc");
      return s;  // the server ends the stream
    });
    router_.Add("POST", "/echo", [](const Request& r, ResponseWriter* w) {
      return w->Send(200, "text/plain", r.body);
    });
    router_.Add("POST", "/hijack", [](const Request&, ResponseWriter* w) {
      auto raw = w->Hijack("application/vnd.docker.raw-stream");
      if (!raw.ok()) return raw.status();
      char buf[64];
      std::string got;
      while (got.size() < 5) {
        absl::StatusOr<size_t> n = (*raw)->Read(buf, sizeof(buf));
        if (!n.ok() || *n == 0) break;
        got.append(buf, *n);
      }
      return (*raw)->Write(absl::StrCat("got:", got));
    });
  }

  // Sends `input` (the client half-closes after it) and returns everything
  // the server wrote until it closed the connection.
  std::string Exchange(const std::string& input) {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    std::shared_ptr<Transport> transport = NewPlainTransport(fds[0]);
    std::thread server([&] { ServeConnection(transport, router_, options_); });
    EXPECT_EQ(write(fds[1], input.data(), input.size()),
              static_cast<ssize_t>(input.size()));
    shutdown(fds[1], SHUT_WR);
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = read(fds[1], buf, sizeof(buf));
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    server.join();
    transport.reset();
    close(fds[1]);
    return out;
  }

  Router router_;
  ConnectionOptions options_;
};

TEST_F(ConnectionTest, AnswersWithDockersHeadersAndKeepsAlive) {
  std::string out = Exchange(
      "GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /v1.41/_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 200 OK\r\n")) << out;
  EXPECT_NE(out.find("Api-Version: 1.50\r\n"), std::string::npos);
  EXPECT_NE(out.find("Ostype: linux\r\n"), std::string::npos);
  EXPECT_NE(out.find("Docker-Experimental: false\r\n"), std::string::npos);
  EXPECT_NE(out.find("Server: Docker/dev (linux)\r\n"), std::string::npos);
  EXPECT_NE(out.find("Content-Length: 2\r\n\r\nOK"), std::string::npos);
  // Both requests answered on the one connection; only the second closes it.
  EXPECT_EQ(out.find("HTTP/1.1 200 OK", 1), out.rfind("HTTP/1.1 200 OK"));
  EXPECT_NE(out.find("HTTP/1.1 200 OK", 1), std::string::npos);
  EXPECT_EQ(out.find("Connection: close"), out.rfind("Connection: close"));
}

TEST_F(ConnectionTest, HeadSendsNoBody) {
  router_.Add("HEAD", "/_ping", [](const Request&, ResponseWriter* w) {
    return w->Send(200, "text/plain", "OK");
  });
  std::string out = Exchange("HEAD /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(absl::EndsWith(out, "Content-Length: 2\r\nConnection: close\r\n\r\n") ||
              absl::EndsWith(out, "\r\n\r\n"))
      << out;
  EXPECT_FALSE(absl::EndsWith(out, "OK")) << out;
}

TEST_F(ConnectionTest, ErrorsAreDockerJson) {
  std::string out = Exchange("GET /fail HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 404 Not Found\r\n")) << out;
  EXPECT_NE(out.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_TRUE(absl::EndsWith(out, "{\"message\":\"No such container: x\"}")) << out;

  out = Exchange("GET /v1.50/nosuch HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(absl::EndsWith(out, "{\"message\":\"page not found\"}")) << out;

  out = Exchange("GET /v1.23/_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 400 Bad Request\r\n")) << out;
  EXPECT_NE(out.find("client version 1.23 is too old"), std::string::npos);

  out = Exchange("GET /silent HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 500 ")) << out;
}

TEST_F(ConnectionTest, StreamsChunks) {
  std::string out = Exchange("GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << out;
  EXPECT_TRUE(absl::EndsWith(out, "\r\n\r\n1\r\na\r\n2\r\nbc\r\n0\r\n\r\n")) << out;
}

TEST_F(ConnectionTest, ReadsBodiesAndRefusesLargeOnes) {
  std::string out = Exchange(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  EXPECT_NE(out.find("\r\n\r\nhello"), std::string::npos) << out;
  EXPECT_TRUE(absl::EndsWith(out, "\r\n\r\nabc")) << out;

  options_.max_body_bytes = 4;
  out = Exchange("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 413 ")) << out;
  EXPECT_NE(out.find("request body too large"), std::string::npos);
  out = Exchange(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 413 ")) << out;
}

TEST_F(ConnectionTest, MalformedRequestsAre400) {
  std::string out = Exchange("BLAH\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 400 ")) << out;
  EXPECT_NE(out.find("Connection: close"), std::string::npos);
}

TEST_F(ConnectionTest, TruncatedRequestGetsNoAnswer) {
  EXPECT_EQ(Exchange("GET /_ping HTTP/1.1\r\nHo"), "");
  EXPECT_EQ(Exchange("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nabc"), "");
}

TEST_F(ConnectionTest, StalledHeadTimesOut) {
  options_.header_timeout = absl::Milliseconds(200);
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  std::shared_ptr<Transport> transport = NewPlainTransport(fds[0]);
  std::thread server([&] { ServeConnection(transport, router_, options_); });
  ASSERT_EQ(write(fds[1], "GET /_ping HTTP/1.1\r\n", 21), 21);
  absl::Time start = absl::Now();
  char c;
  EXPECT_EQ(read(fds[1], &c, 1), 0);  // closed without an answer
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  server.join();
  close(fds[1]);
}

TEST_F(ConnectionTest, HijackUpgradesAndDeliversBufferedBytesFirst) {
  // "hello" arrives in the same write as the request head.
  std::string out = Exchange(
      "POST /hijack HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
      "Content-Length: 0\r\n\r\nhello");
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 101 UPGRADED\r\n")) << out;
  EXPECT_NE(out.find("Content-Type: application/vnd.docker.raw-stream\r\n"),
            std::string::npos);
  EXPECT_NE(out.find("Connection: Upgrade\r\nUpgrade: tcp\r\n"), std::string::npos);
  EXPECT_TRUE(absl::EndsWith(out, "\r\n\r\ngot:hello")) << out;

  out = Exchange("POST /hijack HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nhello");
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 200 OK\r\n")) << out;
  EXPECT_TRUE(absl::EndsWith(out, "got:hello")) << out;
}

TEST(ParseListenAddressTest, UnixAndTcp) {
  auto a = ParseListenAddress("unix:///run/berth/docker.sock");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->kind, ListenAddress::Kind::kUnix);
  EXPECT_EQ(a->path, "/run/berth/docker.sock");
  a = ParseListenAddress("/tmp/d.sock");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->path, "/tmp/d.sock");
  a = ParseListenAddress("tcp://127.0.0.1:2376");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->kind, ListenAddress::Kind::kTcp);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, "2376");
  a = ParseListenAddress("tcp://[::1]:2376");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "::1");
  a = ParseListenAddress("tcp://:2376");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "");
  EXPECT_FALSE(ParseListenAddress("tcp://host").ok());
  EXPECT_FALSE(ParseListenAddress("tcp://host:99999").ok());
  EXPECT_FALSE(ParseListenAddress("unix://relative").ok());
  EXPECT_FALSE(ParseListenAddress("http://x:1").ok());
}

}  // namespace
}  // namespace gateway
