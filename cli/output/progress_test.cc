#include "cli/output/progress.h"

#include <sstream>

#include "gtest/gtest.h"

namespace cli {
namespace {

using berth::v1::PullProgress;
using berth::v1::PushProgress;

PullProgress Layer(const std::string& id, berth::v1::LayerPhase phase,
                   int64_t current = 0, int64_t total = 0) {
  PullProgress p;
  p.mutable_layer()->set_id(id);
  p.mutable_layer()->set_phase(phase);
  p.mutable_layer()->set_current(current);
  p.mutable_layer()->set_total(total);
  return p;
}

TEST(ProgressBar, DockerShape) {
  absl::Time now = absl::FromUnixSeconds(1000);
  EXPECT_EQ(ProgressBar(0, 0, absl::InfinitePast(), now, 200), "");
  EXPECT_EQ(ProgressBar(1200000, 0, absl::InfinitePast(), now, 200), "   1.2MB");
  EXPECT_EQ(ProgressBar(1200000, 3400000, absl::InfinitePast(), now, 200),
            "[=================>                                 ]    "
            "1.2MB/3.4MB");
  // Narrow terminal: no bar.
  EXPECT_EQ(ProgressBar(1200000, 3400000, absl::InfinitePast(), now, 80),
            "   1.2MB/3.4MB");
  // Time left: 1.2MB in 6s, 2.2MB to go -> 11s.
  EXPECT_EQ(ProgressBar(1200000, 3400000, now - absl::Seconds(6), now, 80),
            "   1.2MB/3.4MB 11s");
  // Complete bar, no time left; current beyond total drops the total.
  EXPECT_EQ(ProgressBar(100, 100, now - absl::Seconds(6), now, 200),
            "[==================================================>] "
            "    100B/100B");
  EXPECT_EQ(ProgressBar(200, 100, absl::InfinitePast(), now, 80), "    200B");
}

TEST(PullRenderer, PlainLinesLikeDockerWithoutTty) {
  std::ostringstream out;
  ProgressPrinter printer(&out, /*terminal=*/false);
  PullRenderer r(&printer);
  PullProgress started;
  started.mutable_started()->set_reference("docker.io/library/alpine:latest");
  started.mutable_started()->set_repository("library/alpine");
  started.mutable_started()->set_tag("latest");
  r.Render(started);
  r.Render(Layer("aaaaaaaaaaaa", berth::v1::LAYER_PHASE_ALREADY_EXISTS));
  r.Render(Layer("bbbbbbbbbbbb", berth::v1::LAYER_PHASE_WAITING));
  r.Render(Layer("bbbbbbbbbbbb", berth::v1::LAYER_PHASE_DOWNLOADING, 10, 100));
  r.Render(Layer("bbbbbbbbbbbb", berth::v1::LAYER_PHASE_VERIFYING));
  r.Render(Layer("bbbbbbbbbbbb", berth::v1::LAYER_PHASE_DOWNLOAD_COMPLETE));
  r.Render(Layer("bbbbbbbbbbbb", berth::v1::LAYER_PHASE_EXTRACTING, 50, 100));
  r.Render(Layer("bbbbbbbbbbbb", berth::v1::LAYER_PHASE_PULL_COMPLETE));
  PullProgress done;
  done.mutable_done()->set_digest("sha256:abc");
  done.mutable_done()->set_reference("alpine:latest");
  r.Render(done);
  EXPECT_EQ(out.str(),
            "latest: Pulling from library/alpine\n"
            "aaaaaaaaaaaa: Already exists\n"
            "bbbbbbbbbbbb: Pulling fs layer\n"
            "bbbbbbbbbbbb: Waiting\n"
            "bbbbbbbbbbbb: Verifying Checksum\n"
            "bbbbbbbbbbbb: Download complete\n"
            "bbbbbbbbbbbb: Pull complete\n"
            "Digest: sha256:abc\n"
            "Status: Downloaded newer image for alpine:latest\n");
  EXPECT_EQ(out.str().find('\x1b'), std::string::npos);
}

TEST(PullRenderer, UpToDate) {
  std::ostringstream out;
  ProgressPrinter printer(&out, false);
  PullRenderer r(&printer);
  PullProgress done;
  done.mutable_done()->set_digest("sha256:abc");
  done.mutable_done()->set_reference("alpine:latest");
  done.mutable_done()->set_up_to_date(true);
  r.Render(done);
  EXPECT_EQ(out.str(),
            "Digest: sha256:abc\nStatus: Image is up to date for alpine:latest\n");
}

TEST(ProgressPrinter, TerminalRewritesEachLayerInPlace) {
  std::ostringstream out;
  ProgressPrinter printer(&out, /*terminal=*/true, 80);
  printer.Message("latest", "Pulling from library/x");
  printer.Layer("a", "Waiting", 0, 0, absl::InfinitePast());
  printer.Layer("b", "Waiting", 0, 0, absl::InfinitePast());
  printer.Layer("a", "Downloading", 1000, 2000, absl::InfinitePast());
  EXPECT_EQ(out.str(),
            "latest: Pulling from library/x\n"
            "\n\x1b[1A\x1b[1K\x1b[K\ra: Waiting \r\x1b[1B"
            "\n\x1b[1A\x1b[1K\x1b[K\rb: Waiting \r\x1b[1B"
            "\x1b[2A\x1b[1K\x1b[K\ra: Downloading      1kB/2kB\r\x1b[2B");
}

TEST(PushRenderer, PlainLines) {
  std::ostringstream out;
  ProgressPrinter printer(&out, false);
  PushRenderer r(&printer);
  PushProgress repo;
  repo.set_repository("127.0.0.1:5000/x");
  r.Render(repo);
  auto layer = [](const std::string& id, berth::v1::LayerPhase phase,
                  const std::string& detail = "") {
    PushProgress p;
    p.mutable_layer()->set_id(id);
    p.mutable_layer()->set_phase(phase);
    p.mutable_layer()->set_detail(detail);
    if (phase == berth::v1::LAYER_PHASE_PUSHING) {
      p.mutable_layer()->set_current(5);
      p.mutable_layer()->set_total(10);
    }
    return p;
  };
  r.Render(layer("aaaaaaaaaaaa", berth::v1::LAYER_PHASE_PREPARING));
  r.Render(layer("bbbbbbbbbbbb", berth::v1::LAYER_PHASE_PREPARING));
  r.Render(layer("cccccccccccc", berth::v1::LAYER_PHASE_PREPARING));
  r.Render(layer("aaaaaaaaaaaa", berth::v1::LAYER_PHASE_PUSHING));
  r.Render(layer("aaaaaaaaaaaa", berth::v1::LAYER_PHASE_PUSHED));
  r.Render(layer("bbbbbbbbbbbb", berth::v1::LAYER_PHASE_ALREADY_EXISTS));
  r.Render(layer("cccccccccccc", berth::v1::LAYER_PHASE_MOUNTED, "library/y"));
  PushProgress done;
  done.mutable_done()->set_tag("latest");
  done.mutable_done()->set_digest("sha256:def");
  done.mutable_done()->set_size(527);
  r.Render(done);
  EXPECT_EQ(out.str(),
            "The push refers to repository [127.0.0.1:5000/x]\n"
            "aaaaaaaaaaaa: Preparing\n"
            "bbbbbbbbbbbb: Preparing\n"
            "cccccccccccc: Preparing\n"
            "aaaaaaaaaaaa: Pushed\n"
            "bbbbbbbbbbbb: Layer already exists\n"
            "cccccccccccc: Mounted from library/y\n"
            "latest: digest: sha256:def size: 527\n");
}

}  // namespace
}  // namespace cli
