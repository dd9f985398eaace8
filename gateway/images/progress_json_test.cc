#include "gateway/images/progress_json.h"

#include <string>

#include "gtest/gtest.h"

namespace gateway {
namespace {

using berth::v1::LayerProgress;

berth::v1::PullProgress Layer(const std::string& id, berth::v1::LayerPhase phase,
                              int64_t current = 0, int64_t total = 0) {
  berth::v1::PullProgress p;
  LayerProgress* l = p.mutable_layer();
  l->set_id(id);
  l->set_phase(phase);
  l->set_current(current);
  l->set_total(total);
  return p;
}

TEST(ProgressStringTest, BarAndNumbers) {
  EXPECT_EQ(ProgressString(0, 0), "");
  EXPECT_EQ(ProgressString(1024, 2048),
            "[=========================>                         ]  1.024kB/2.048kB");
  EXPECT_EQ(ProgressString(0, 2048),
            "[>                                                  ]       0B/2.048kB");
  EXPECT_EQ(ProgressString(2048, 2048),
            "[==================================================>]  2.048kB/2.048kB");
  EXPECT_EQ(ProgressString(500, 0), "    500B");
  EXPECT_EQ(ProgressString(4096, 2048),
            "[==================================================>]  4.096kB");
}

TEST(PullJsonFormatterTest, DockerSequence) {
  PullJsonFormatter f;
  berth::v1::PullProgress started;
  started.mutable_started()->set_reference("docker.io/library/busybox:latest");
  started.mutable_started()->set_repository("library/busybox");
  started.mutable_started()->set_tag("latest");
  EXPECT_EQ(f.Format(started),
            "{\"status\":\"Pulling from library/busybox\",\"id\":\"latest\"}\r\n");
  EXPECT_EQ(f.Format(Layer("e6590344b1a5", berth::v1::LAYER_PHASE_WAITING)),
            "{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"e6590344b1a5\"}\r\n"
            "{\"status\":\"Waiting\",\"progressDetail\":{},\"id\":\"e6590344b1a5\"}\r\n");
  EXPECT_EQ(f.Format(Layer("e6590344b1a5", berth::v1::LAYER_PHASE_DOWNLOADING, 1024, 2048)),
            "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":1024,\"total\":2048},"
            "\"progress\":\"[=========================>                         ]  "
            "1.024kB/2.048kB\",\"id\":\"e6590344b1a5\"}\r\n");
  EXPECT_EQ(f.Format(Layer("e6590344b1a5", berth::v1::LAYER_PHASE_VERIFYING)),
            "{\"status\":\"Verifying Checksum\",\"progressDetail\":{},"
            "\"id\":\"e6590344b1a5\"}\r\n");
  // Byte counts belong to the counting phases only.
  EXPECT_EQ(f.Format(Layer("e6590344b1a5", berth::v1::LAYER_PHASE_PULL_COMPLETE, 5, 5)),
            "{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"e6590344b1a5\"}\r\n");
  berth::v1::PullProgress done;
  done.mutable_done()->set_digest("sha256:abc");
  done.mutable_done()->set_reference("busybox:latest");
  EXPECT_EQ(f.Format(done),
            "{\"status\":\"Digest: sha256:abc\"}\r\n"
            "{\"status\":\"Status: Downloaded newer image for busybox:latest\"}\r\n");
  done.mutable_done()->set_up_to_date(true);
  EXPECT_EQ(f.Format(done),
            "{\"status\":\"Digest: sha256:abc\"}\r\n"
            "{\"status\":\"Status: Image is up to date for busybox:latest\"}\r\n");
}

TEST(PullJsonFormatterTest, AlreadyExistsIsNotAnnounced) {
  PullJsonFormatter f;
  EXPECT_EQ(f.Format(Layer("aaaaaaaaaaaa", berth::v1::LAYER_PHASE_ALREADY_EXISTS)),
            "{\"status\":\"Already exists\",\"progressDetail\":{},\"id\":\"aaaaaaaaaaaa\"}\r\n");
}

TEST(PullJsonFormatterTest, DigestPullUsesDigestAsId) {
  PullJsonFormatter f;
  berth::v1::PullProgress started;
  started.mutable_started()->set_reference("docker.io/library/busybox@sha256:ff");
  started.mutable_started()->set_repository("library/busybox");
  EXPECT_EQ(f.Format(started),
            "{\"status\":\"Pulling from library/busybox\",\"id\":\"sha256:ff\"}\r\n");
}

TEST(PushJsonFormatterTest, DockerSequence) {
  PushJsonFormatter f;
  berth::v1::PushProgress repo;
  repo.set_repository("127.0.0.1:5000/team/app");
  EXPECT_EQ(f.Format(repo),
            "{\"status\":\"The push refers to repository [127.0.0.1:5000/team/app]\"}\r\n");
  berth::v1::PushProgress layer;
  layer.mutable_layer()->set_id("e6590344b1a5");
  layer.mutable_layer()->set_phase(berth::v1::LAYER_PHASE_PREPARING);
  EXPECT_EQ(f.Format(layer),
            "{\"status\":\"Preparing\",\"progressDetail\":{},\"id\":\"e6590344b1a5\"}\r\n");
  layer.mutable_layer()->set_phase(berth::v1::LAYER_PHASE_ALREADY_EXISTS);
  EXPECT_EQ(f.Format(layer),
            "{\"status\":\"Layer already exists\",\"progressDetail\":{},"
            "\"id\":\"e6590344b1a5\"}\r\n");
  layer.mutable_layer()->set_phase(berth::v1::LAYER_PHASE_MOUNTED);
  layer.mutable_layer()->set_detail("library/busybox");
  EXPECT_EQ(f.Format(layer),
            "{\"status\":\"Mounted from library/busybox\",\"progressDetail\":{},"
            "\"id\":\"e6590344b1a5\"}\r\n");
  berth::v1::PushProgress done;
  done.mutable_done()->set_tag("v1");
  done.mutable_done()->set_digest("sha256:abc");
  done.mutable_done()->set_size(528);
  EXPECT_EQ(f.Format(done),
            "{\"status\":\"v1: digest: sha256:abc size: 528\"}\r\n"
            "{\"progressDetail\":{},\"aux\":{\"Tag\":\"v1\",\"Digest\":\"sha256:abc\","
            "\"Size\":528}}\r\n");
}

TEST(StreamErrorLineTest, ErrorDetailAndError) {
  EXPECT_EQ(StreamErrorLine("manifest unknown: \"x\""),
            "{\"errorDetail\":{\"message\":\"manifest unknown: \\\"x\\\"\"},"
            "\"error\":\"manifest unknown: \\\"x\\\"\"}\r\n");
}

}  // namespace
}  // namespace gateway
