#include "engine/containers/etc_files.h"

#include <string>

#include "gtest/gtest.h"

namespace engine {
namespace containers {
namespace {

constexpr char kLocalhost[] =
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\n"
    "ff00::0\tip6-mcastprefix\n"
    "ff02::1\tip6-allnodes\n"
    "ff02::2\tip6-allrouters\n";

TEST(EtcFilesTest, Hostname) { EXPECT_EQ(HostnameFileContent("abc123"), "abc123\n"); }

TEST(EtcFilesTest, HostsWithoutAddressHasOnlyLocalhost) {
  HostsOptions o;
  o.hostname = "abc";
  EXPECT_EQ(*HostsFileContent(o), kLocalhost);
}

TEST(EtcFilesTest, HostsWithAddressAndExtras) {
  HostsOptions o;
  o.hostname = "abc";
  o.domainname = "example.com";
  o.ip = "172.17.0.2";
  o.extra_hosts = {"db:10.0.0.5", "v6:2001:db8::1"};
  EXPECT_EQ(*HostsFileContent(o), std::string(kLocalhost) +
                                      "172.17.0.2\tabc.example.com abc\n"
                                      "10.0.0.5\tdb\n"
                                      "2001:db8::1\tv6\n");
  for (const char* bad : {"nocolon", ":1.2.3.4", "x:", "a b:1.2.3.4"}) {
    o.extra_hosts = {bad};
    EXPECT_EQ(HostsFileContent(o).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(EtcFilesTest, ResolvConfDropsLoopbackServers) {
  ResolvConf r = ResolvConfContent(
      "# generated\nnameserver 127.0.0.53\nnameserver 10.0.0.1\nnameserver ::1\n"
      "search corp.example\noptions edns0\n",
      false, {});
  EXPECT_EQ(r.content,
            "# generated\nnameserver 10.0.0.1\nsearch corp.example\noptions edns0\n");
  EXPECT_FALSE(r.used_fallback);
}

TEST(EtcFilesTest, ResolvConfFallsBackToPublicServers) {
  ResolvConf r = ResolvConfContent("nameserver 127.0.0.1\nsearch lan\n", false, {});
  EXPECT_EQ(r.content, "search lan\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n");
  EXPECT_TRUE(r.used_fallback);
  EXPECT_TRUE(ResolvConfContent("", false, {}).used_fallback);
}

TEST(EtcFilesTest, ResolvConfHostNetworkAndDnsOverride) {
  EXPECT_EQ(ResolvConfContent("nameserver 127.0.0.53", true, {}).content,
            "nameserver 127.0.0.53\n");
  ResolvConf r =
      ResolvConfContent("nameserver 10.0.0.1\nsearch lan\n", false, {"1.1.1.1", "9.9.9.9"});
  EXPECT_EQ(r.content, "search lan\nnameserver 1.1.1.1\nnameserver 9.9.9.9\n");
  EXPECT_FALSE(r.used_fallback);
}

TEST(EtcFilesTest, HostResolvConfPathExists) {
  std::string path = HostResolvConfPath();
  EXPECT_TRUE(path == "/etc/resolv.conf" || path == "/run/systemd/resolve/resolv.conf") << path;
}

}  // namespace
}  // namespace containers
}  // namespace engine
