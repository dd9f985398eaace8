#include "engine/registry/manifest.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace engine {
namespace registry {
namespace {

std::string D(char c) { return "sha256:" + std::string(64, c); }

const char kDockerManifest[] = R"({
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
   "config": {
      "mediaType": "application/vnd.docker.container.image.v1+json",
      "size": 1469,
      "digest": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
   },
   "layers": [
      {
         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
         "size": 2479,
         "digest": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
      },
      {
         "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
         "size": 100,
         "digest": "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
         "urls": ["https://example.com/layer"]
      }
   ]
})";

const char kOciManifest[] = R"({"schemaVersion":2,
  "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","size":7},
  "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","size":5,
             "annotations":{"org.opencontainers.image.title":"l1"}}]})";

const char kIndex[] = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
  "manifests":[
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":10,
     "platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222","size":11,
     "platform":{"architecture":"amd64","os":"linux"}},
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:3333333333333333333333333333333333333333333333333333333333333333","size":12,
     "platform":{"architecture":"amd64","os":"windows","os.version":"10.0.17763.1"}}
  ]})";

TEST(ManifestTest, ParsesDockerV2Schema2) {
  absl::StatusOr<ImageManifest> m = ParseImageManifest(kDockerManifest);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->media_type, kMediaTypeDockerManifest);
  EXPECT_EQ(m->config.media_type, kMediaTypeDockerConfig);
  EXPECT_EQ(m->config.size, 1469);
  EXPECT_EQ(m->config.digest.str(), D('a'));
  ASSERT_EQ(m->layers.size(), 2u);
  EXPECT_EQ(m->layers[0].digest.str(), D('b'));
  EXPECT_EQ(m->layers[1].urls, std::vector<std::string>{"https://example.com/layer"});
  EXPECT_EQ(ClassifyManifest(kMediaTypeDockerManifest, ""), ManifestKind::kImageManifest);
  EXPECT_EQ(ClassifyManifest("", kDockerManifest), ManifestKind::kImageManifest);
}

TEST(ManifestTest, ParsesOciWithoutMediaTypeAndRoundTrips) {
  absl::StatusOr<ImageManifest> m = ParseImageManifest(kOciManifest);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->media_type, "");
  EXPECT_EQ(m->layers[0].annotations.at("org.opencontainers.image.title"), "l1");
  EXPECT_EQ(ClassifyManifest("application/json", kOciManifest), ManifestKind::kImageManifest);
  m->media_type = std::string(kMediaTypeOciManifest);
  std::string body = SerializeImageManifest(*m);
  absl::StatusOr<ImageManifest> again = ParseImageManifest(body);
  ASSERT_TRUE(again.ok()) << again.status() << body;
  EXPECT_EQ(again->media_type, kMediaTypeOciManifest);
  EXPECT_EQ(again->config.digest, m->config.digest);
  EXPECT_EQ(again->layers[0].annotations, m->layers[0].annotations);
  EXPECT_EQ(SerializeImageManifest(*again), body);
}

TEST(ManifestTest, IndexWithPlatforms) {
  absl::StatusOr<Index> index = ParseIndex(kIndex);
  ASSERT_TRUE(index.ok()) << index.status();
  ASSERT_EQ(index->manifests.size(), 3u);
  EXPECT_EQ(ClassifyManifest("", kIndex), ManifestKind::kIndex);
  EXPECT_EQ(ClassifyManifest(kMediaTypeDockerManifestList, "{}"), ManifestKind::kIndex);

  absl::StatusOr<Descriptor> amd = SelectPlatform(*index, Platform{});
  ASSERT_TRUE(amd.ok()) << amd.status();
  EXPECT_EQ(amd->digest.str(), D('2'));
  absl::StatusOr<Descriptor> arm = SelectPlatform(*index, Platform{"linux", "arm64", "", ""});
  ASSERT_TRUE(arm.ok());
  EXPECT_EQ(arm->digest.str(), D('1'));
  arm = SelectPlatform(*index, Platform{"linux", "arm64", "v8", ""});
  ASSERT_TRUE(arm.ok());
  EXPECT_EQ(arm->digest.str(), D('1'));
  absl::StatusOr<Descriptor> win = SelectPlatform(*index, Platform{"windows", "amd64", "", ""});
  ASSERT_TRUE(win.ok());
  EXPECT_EQ(win->platform->os_version, "10.0.17763.1");

  absl::StatusOr<Descriptor> none = SelectPlatform(*index, Platform{"linux", "s390x", "", ""});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(none.status().message(),
            "no matching manifest for linux/s390x in the manifest list entries");
  Index only_arm;
  only_arm.manifests.push_back(index->manifests[0]);
  EXPECT_EQ(SelectPlatform(only_arm, Platform{}).status().message(),
            "no matching manifest for linux/amd64 in the manifest list entries");

  std::string body = SerializeIndex(*index);
  absl::StatusOr<Index> again = ParseIndex(body);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->manifests.size(), 3u);
  EXPECT_EQ(again->manifests[2].platform->os_version, "10.0.17763.1");
  EXPECT_EQ(SerializeIndex(*again), body);
}

TEST(ManifestTest, RejectsSchema1) {
  const char schema1[] = R"({"schemaVersion":1,"name":"x","tag":"latest","architecture":"amd64",
      "fsLayers":[{"blobSum":"sha256:aaaa"}],"history":[]})";
  absl::StatusOr<ImageManifest> m = ParseImageManifest(schema1);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(m.status().message().find("schema 1"), absl::string_view::npos);
  EXPECT_EQ(ClassifyManifest("", schema1), ManifestKind::kUnknown);
  EXPECT_EQ(ClassifyManifest(kMediaTypeDockerSchema1SignedManifest, schema1),
            ManifestKind::kUnknown);
}

TEST(ManifestTest, RejectsMalformed) {
  const char* bad[] = {
      "",
      "[]",
      "{",
      R"({"schemaVersion":2})",
      R"({"schemaVersion":3,"config":{},"layers":[]})",
      R"({"schemaVersion":2,"config":{"digest":"sha256:abc","size":1},"layers":[]})",
      R"({"schemaVersion":2,"config":{"digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","size":-1},"layers":[]})",
      R"({"schemaVersion":2,"config":{"digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","size":"1"},"layers":[]})",
      R"({"schemaVersion":2,"config":{"digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","size":1},"layers":{}})",
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","config":{"digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","size":1},"layers":[]})",
  };
  for (const char* body : bad) {
    SCOPED_TRACE(body);
    EXPECT_EQ(ParseImageManifest(body).status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(ParseIndex(R"({"schemaVersion":2,"manifests":[{"size":1}]})").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseIndex(kDockerManifest).status().code(), absl::StatusCode::kInvalidArgument);
  // Deep nesting must not crash (iterative parser).
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  EXPECT_FALSE(ParseImageManifest(deep).ok());
}

TEST(ManifestTest, SizeCaps) {
  std::string big = absl::StrCat(R"({"schemaVersion":2,"pad":")", std::string(kMaxManifestBytes, 'x'),
                                 R"("})");
  EXPECT_EQ(ParseImageManifest(big).status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ParseIndex(big).status().code(), absl::StatusCode::kResourceExhausted);
  // A 5 MiB config is fine; 9 MiB is not.
  std::string config5 = absl::StrCat(R"({"architecture":"amd64","pad":")",
                                     std::string(5 << 20, 'x'), R"("})");
  EXPECT_TRUE(ParseImageConfig(config5).ok());
  std::string config9 = absl::StrCat(R"({"pad":")", std::string(9 << 20, 'x'), R"("})");
  EXPECT_EQ(ParseImageConfig(config9).status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(ManifestTest, ParsesImageConfig) {
  const char config[] = R"({
    "architecture":"amd64","os":"linux","created":"2023-05-02T16:49:27.18Z","author":"me",
    "config":{"User":"1000:1000","WorkingDir":"/app","StopSignal":"SIGQUIT",
      "Env":["PATH=/usr/bin","A=b"],"Entrypoint":["/bin/sh","-c"],"Cmd":null,
      "ExposedPorts":{"80/tcp":{},"53/udp":{}},"Volumes":{"/data":{}},
      "Labels":{"maintainer":"x"},"ArgsEscaped":true,"Shell":["/bin/bash","-c"]},
    "rootfs":{"type":"layers","diff_ids":["sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                         "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"]},
    "history":[{"created":"2023-05-02T16:49:27Z","created_by":"/bin/sh -c #(nop) ADD file"},
               {"created_by":"CMD [\"sh\"]","empty_layer":true,"comment":"c"}]})";
  absl::StatusOr<ImageConfig> c = ParseImageConfig(config);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->architecture, "amd64");
  EXPECT_EQ(c->os, "linux");
  EXPECT_EQ(c->created, "2023-05-02T16:49:27.18Z");
  EXPECT_EQ(c->author, "me");
  EXPECT_EQ(c->config.user, "1000:1000");
  EXPECT_EQ(c->config.working_dir, "/app");
  EXPECT_EQ(c->config.stop_signal, "SIGQUIT");
  EXPECT_EQ(c->config.env, (std::vector<std::string>{"PATH=/usr/bin", "A=b"}));
  EXPECT_EQ(c->config.entrypoint, (std::vector<std::string>{"/bin/sh", "-c"}));
  EXPECT_TRUE(c->config.cmd.empty());
  EXPECT_EQ(c->config.exposed_ports, (std::vector<std::string>{"80/tcp", "53/udp"}));
  EXPECT_EQ(c->config.volumes, std::vector<std::string>{"/data"});
  EXPECT_EQ(c->config.labels.at("maintainer"), "x");
  EXPECT_TRUE(c->config.args_escaped);
  EXPECT_EQ(c->config.shell, (std::vector<std::string>{"/bin/bash", "-c"}));
  ASSERT_EQ(c->diff_ids.size(), 2u);
  EXPECT_EQ(c->diff_ids[1].str(), D('b'));
  ASSERT_EQ(c->history.size(), 2u);
  EXPECT_FALSE(c->history[0].empty_layer);
  EXPECT_TRUE(c->history[1].empty_layer);
  EXPECT_EQ(c->history[1].comment, "c");

  EXPECT_FALSE(ParseImageConfig(R"({"rootfs":{"type":"other","diff_ids":[]}})").ok());
  EXPECT_FALSE(ParseImageConfig(R"({"rootfs":{"type":"layers","diff_ids":["x"]}})").ok());
  EXPECT_FALSE(ParseImageConfig(R"({"config":{"Env":"x","Cmd":[1]}})").ok());
  EXPECT_TRUE(ParseImageConfig("{}").ok());
}

TEST(ManifestTest, LayerCompression) {
  EXPECT_EQ(*LayerCompression(kMediaTypeDockerLayerGzip), Compression::kGzip);
  EXPECT_EQ(*LayerCompression(kMediaTypeDockerForeignLayerGzip), Compression::kGzip);
  EXPECT_EQ(*LayerCompression(kMediaTypeOciLayer), Compression::kNone);
  EXPECT_EQ(*LayerCompression(kMediaTypeOciLayerGzip), Compression::kGzip);
  EXPECT_EQ(*LayerCompression(kMediaTypeOciLayerZstd), Compression::kZstd);
  EXPECT_EQ(*LayerCompression(kMediaTypeOciLayerNondistributableGzip), Compression::kGzip);
  absl::StatusOr<Compression> bad = LayerCompression("application/vnd.oci.image.layer.v1.tar+lz4");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "unsupported layer media type: application/vnd.oci.image.layer.v1.tar+lz4");
}

}  // namespace
}  // namespace registry
}  // namespace engine
