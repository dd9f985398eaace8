#include "cli/image_format.h"

#include "gtest/gtest.h"

namespace cli {
namespace {

using berth::v1::Image;

constexpr char kId[] =
    "sha256:05455a08881ea9cf0e752bc48e61bbd71a34c029bb13df01e40e3e70e0d007bd";

Image Alpine(absl::Time now) {
  Image img;
  img.set_id(kId);
  img.add_repo_tags("alpine:latest");
  img.add_repo_tags("alpine:3.19");
  img.add_repo_digests("alpine@sha256:c5b1261d");
  img.mutable_created()->set_seconds(absl::ToUnixSeconds(now - absl::Hours(24 * 15)));
  img.set_size(7377000);
  return img;
}

TEST(ImageFormat, Helpers) {
  EXPECT_EQ(TruncateId(kId), "05455a08881e");
  EXPECT_EQ(Ellipsis("short", 45), "short");
  EXPECT_EQ(Ellipsis("abcdef", 4), "abc…");
  google::protobuf::Timestamp ts;
  ts.set_seconds(1714557600);
  EXPECT_EQ(Rfc3339Nano(ts), "2024-05-01T10:00:00Z");
  ts.set_nanos(500000000);
  EXPECT_EQ(Rfc3339Nano(ts), "2024-05-01T10:00:00.5Z");
  EXPECT_EQ(GoJsonObject({{"b", "<none>"}, {"a", "x&y"}}),
            R"({"a":"x\u0026y","b":"\u003cnone\u003e"})");
}

TEST(ImageFormat, DefaultTableOneRowPerTagAndDangling) {
  absl::Time now = absl::FromUnixSeconds(1714557600);
  Image dangling;
  dangling.set_id("sha256:aaaaaaaaaaaaaaaaaaaa");
  dangling.set_size(1000);
  auto text = FormatImages({Alpine(now), dangling}, ImagesOptions{}, now);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text,
            "REPOSITORY   TAG       IMAGE ID       CREATED       SIZE\n"
            "alpine       latest    05455a08881e   2 weeks ago   7.38MB\n"
            "alpine       3.19      05455a08881e   2 weeks ago   7.38MB\n"
            "<none>       <none>    aaaaaaaaaaaa   N/A           1kB\n");
}

TEST(ImageFormat, DigestsQuietAndNoTrunc) {
  absl::Time now = absl::FromUnixSeconds(1714557600);
  ImagesOptions opts;
  opts.digests = true;
  auto text = FormatImages({Alpine(now)}, opts, now);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text,
            "REPOSITORY   TAG       DIGEST            IMAGE ID       CREATED    "
            "   SIZE\n"
            "alpine       latest    sha256:c5b1261d   05455a08881e   2 weeks ago "
            "  7.38MB\n"
            "alpine       3.19      sha256:c5b1261d   05455a08881e   2 weeks ago "
            "  7.38MB\n");

  ImagesOptions quiet;
  quiet.quiet = true;
  EXPECT_EQ(*FormatImages({Alpine(now), Alpine(now)}, quiet, now),
            "05455a08881e\n");
  quiet.no_trunc = true;
  EXPECT_EQ(*FormatImages({Alpine(now)}, quiet, now), std::string(kId) + "\n");
}

TEST(ImageFormat, JsonLinesAndTemplates) {
  absl::Time now = absl::FromUnixSeconds(1714557600);
  Image img = Alpine(now);
  img.clear_repo_tags();
  img.add_repo_tags("alpine:latest");
  ImagesOptions opts;
  opts.format = "json";
  auto text = FormatImages({img}, opts, now);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find(R"("Containers":"N/A","CreatedAt":")"), std::string::npos)
      << *text;
  EXPECT_NE(text->find(R"("CreatedSince":"2 weeks ago","Digest":"\u003cnone\u003e",)"
                       R"("ID":"05455a08881e","Repository":"alpine",)"
                       R"("SharedSize":"N/A","Size":"7.38MB","Tag":"latest",)"
                       R"("UniqueSize":"N/A","VirtualSize":"7.377MB"})"
                       "\n"),
            std::string::npos)
      << *text;

  opts.format = "{{.Repository}}:{{.Tag}}";
  EXPECT_EQ(*FormatImages({img}, opts, now), "alpine:latest\n");
  opts.format = "table {{.ID}}\\t{{.Size}}";
  EXPECT_EQ(*FormatImages({img}, opts, now),
            "IMAGE ID       SIZE\n05455a08881e   7.38MB\n");
  opts.format = "{{.Nope}}";
  EXPECT_EQ(FormatImages({img}, opts, now).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ImageFormat, InspectDocument) {
  Image img;
  img.set_id(kId);
  img.add_repo_tags("alpine:latest");
  img.mutable_created()->set_seconds(1714557600);
  img.set_architecture("amd64");
  img.set_os("linux");
  img.set_size(42);
  img.add_layers("sha256:l1");
  img.mutable_config()->add_env("PATH=/bin");
  img.mutable_config()->add_cmd("/bin/sh");
  img.mutable_config()->add_exposed_ports("80/tcp");
  (*img.mutable_config()->mutable_labels())["a"] = "b";
  std::string json = InspectJson({img});
  EXPECT_EQ(json.substr(0, 12), "[\n    {\n    ");
  for (const char* want : {
           "        \"Id\": \"sha256:05455a08881e",
           "        \"RepoTags\": [\n            \"alpine:latest\"\n        ],",
           "        \"RepoDigests\": [],",
           "        \"Parent\": \"\",",
           "        \"Created\": \"2024-05-01T10:00:00Z\",",
           "            \"ExposedPorts\": {\n                \"80/tcp\": {}\n",
           "            \"Env\": [\n                \"PATH=/bin\"\n            ],",
           "            \"Entrypoint\": null,",
           "            \"Labels\": {\n                \"a\": \"b\"\n            }",
           "        \"Architecture\": \"amd64\",\n        \"Os\": \"linux\",",
           "        \"Size\": 42,",
           "            \"Name\": \"overlayfs\"",
           "            \"Type\": \"layers\",\n            \"Layers\": [\n"
           "                \"sha256:l1\"",
           "            \"LastTagTime\": \"0001-01-01T00:00:00Z\"",
       }) {
    EXPECT_NE(json.find(want), std::string::npos) << want << "\n" << json;
  }
  EXPECT_EQ(json.find("Variant"), std::string::npos);
  EXPECT_EQ(InspectJson({}), "[]");
}

TEST(ImageFormat, History) {
  absl::Time now = absl::FromUnixSeconds(1714557600);
  berth::v1::ImageHistoryResponse h;
  auto* top = h.add_entries();
  top->set_id(kId);
  top->mutable_created()->set_seconds(1714557600 - 3600);
  top->set_created_by("/bin/sh -c #(nop)  CMD [\"/bin/sh\"]");
  top->set_empty_layer(true);
  auto* base = h.add_entries();
  base->set_id("<missing>");
  base->mutable_created()->set_seconds(1714557600 - 3600);
  base->set_created_by(
      "/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef in / ");
  base->set_size(7377000);
  auto text = FormatHistory(h, HistoryOptions{}, now);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text,
            "IMAGE          CREATED             CREATED BY                   "
            "                   SIZE      COMMENT\n"
            "05455a08881e   About an hour ago   /bin/sh -c #(nop)  CMD [\"/bin/sh\"]  "
            "            0B        \n"
            "<missing>      About an hour ago   /bin/sh -c #(nop) ADD file:0123456789"
            "abcdef0…   7.38MB    \n");
  HistoryOptions q;
  q.quiet = true;
  EXPECT_EQ(*FormatHistory(h, q, now), "05455a08881e\n<missing>\n");
}

}  // namespace
}  // namespace cli
