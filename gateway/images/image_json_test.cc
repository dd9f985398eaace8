#include "gateway/images/image_json.h"

#include <string>

#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace gateway {
namespace {

rapidjson::Document Parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  EXPECT_FALSE(doc.HasParseError()) << json;
  return doc;
}

std::string Terms(const google::protobuf::RepeatedPtrField<berth::v1::Filter>& f) {
  std::string out;
  for (const auto& t : f) out += t.key() + "=" + t.value() + ";";
  return out;
}

TEST(ParseFiltersTest, MapForm) {
  google::protobuf::RepeatedPtrField<berth::v1::Filter> f;
  ASSERT_TRUE(
      ParseFilters(R"({"reference":{"myrepo/app":true},"dangling":{"true":true}})", &f).ok());
  EXPECT_EQ(Terms(f), "reference=myrepo/app;dangling=true;");
}

TEST(ParseFiltersTest, ListFormAndFalseEntries) {
  google::protobuf::RepeatedPtrField<berth::v1::Filter> f;
  ASSERT_TRUE(ParseFilters(R"({"label":["a=b","c"],"before":{"x":false}})", &f).ok());
  EXPECT_EQ(Terms(f), "label=a=b;label=c;");
}

TEST(ParseFiltersTest, EmptyAndErrors) {
  google::protobuf::RepeatedPtrField<berth::v1::Filter> f;
  EXPECT_TRUE(ParseFilters("", &f).ok());
  EXPECT_TRUE(ParseFilters("{}", &f).ok());
  EXPECT_EQ(f.size(), 0);
  absl::Status s = ParseFilters("{\"label\":", &f);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().substr(0, 15), "invalid filter:");
  EXPECT_EQ(ParseFilters("[]", &f).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseFilters(R"({"label":"x"})", &f).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseFilters(R"({"label":{"x":"yes"}})", &f).code(),
            absl::StatusCode::kInvalidArgument);
}

berth::v1::ListImagesResponse TwoImages() {
  berth::v1::ListImagesResponse list;
  auto* a = list.add_images();
  a->set_id("sha256:" + std::string(64, 'a'));
  a->add_repo_tags("alpine:latest");
  a->add_repo_digests("alpine@sha256:" + std::string(64, 'd'));
  a->mutable_created()->set_seconds(1700000000);
  a->mutable_created()->set_nanos(5);
  a->set_size(12345);
  (*a->mutable_config()->mutable_labels())["z"] = "1";
  (*a->mutable_config()->mutable_labels())["a"] = "2";
  auto* b = list.add_images();
  b->set_id("sha256:" + std::string(64, 'b'));
  b->set_size(7);
  return list;
}

TEST(ImageSummariesJsonTest, CurrentApi) {
  rapidjson::Document doc = Parse(ImageSummariesJson(TwoImages(), ApiVersion{1, 50}));
  ASSERT_TRUE(doc.IsArray());
  ASSERT_EQ(doc.Size(), 2u);
  const auto& a = doc[0];
  EXPECT_EQ(a["Id"].GetString(), "sha256:" + std::string(64, 'a'));
  EXPECT_EQ(a["ParentId"].GetString(), std::string());
  EXPECT_TRUE(a["Created"].IsInt64());
  EXPECT_EQ(a["Created"].GetInt64(), 1700000000);
  EXPECT_EQ(a["Size"].GetInt64(), 12345);
  EXPECT_EQ(a["SharedSize"].GetInt64(), -1);
  EXPECT_EQ(a["Containers"].GetInt64(), -1);
  EXPECT_EQ(a["RepoTags"][0].GetString(), std::string("alpine:latest"));
  EXPECT_EQ(a["Labels"]["a"].GetString(), std::string("2"));
  EXPECT_FALSE(a.HasMember("VirtualSize"));
  const auto& b = doc[1];
  ASSERT_TRUE(b["RepoTags"].IsArray());
  EXPECT_EQ(b["RepoTags"].Size(), 0u);
  ASSERT_TRUE(b["RepoDigests"].IsArray());
  EXPECT_EQ(b["RepoDigests"].Size(), 0u);
  EXPECT_TRUE(b["Labels"].IsObject());
}

TEST(ImageSummariesJsonTest, OldApisShowNoneAndVirtualSize) {
  rapidjson::Document doc = Parse(ImageSummariesJson(TwoImages(), ApiVersion{1, 41}));
  EXPECT_EQ(doc[1]["RepoTags"][0].GetString(), std::string("<none>:<none>"));
  EXPECT_EQ(doc[1]["RepoDigests"][0].GetString(), std::string("<none>@<none>"));
  EXPECT_EQ(doc[1]["VirtualSize"].GetInt64(), 7);
  EXPECT_EQ(doc[0]["RepoTags"][0].GetString(), std::string("alpine:latest"));
  rapidjson::Document d43 = Parse(ImageSummariesJson(TwoImages(), ApiVersion{1, 43}));
  EXPECT_EQ(d43[1]["RepoTags"].Size(), 0u);
  EXPECT_TRUE(d43[1].HasMember("VirtualSize"));
}

TEST(HistoryJsonTest, Entries) {
  berth::v1::ImageHistoryResponse h;
  auto* top = h.add_entries();
  top->set_id("sha256:" + std::string(64, 'a'));
  top->mutable_created()->set_seconds(1600000000);
  top->set_created_by("/bin/sh -c #(nop)  CMD [\"sh\"]");
  top->add_tags("busybox:latest");
  auto* base = h.add_entries();
  base->set_id("<missing>");
  base->set_size(4096);
  base->set_comment("c");
  rapidjson::Document doc = Parse(HistoryJson(h));
  ASSERT_EQ(doc.Size(), 2u);
  EXPECT_EQ(doc[0]["Created"].GetInt64(), 1600000000);
  EXPECT_EQ(doc[0]["Tags"][0].GetString(), std::string("busybox:latest"));
  EXPECT_EQ(doc[0]["Size"].GetInt64(), 0);
  EXPECT_TRUE(doc[1]["Tags"].IsNull());
  EXPECT_EQ(doc[1]["Id"].GetString(), std::string("<missing>"));
  EXPECT_EQ(doc[1]["Size"].GetInt64(), 4096);
  EXPECT_EQ(doc[1]["Comment"].GetString(), std::string("c"));
}

TEST(DeleteItemsJsonTest, UntaggedThenDeleted) {
  berth::v1::RemoveImageResponse r;
  r.add_items()->set_untagged("alpine:3.19");
  r.add_items()->set_deleted("sha256:ab");
  EXPECT_EQ(DeleteItemsJson(r.items()),
            R"([{"Untagged":"alpine:3.19"},{"Deleted":"sha256:ab"}])");
  EXPECT_EQ(DeleteItemsJson({}), "[]");
}

TEST(PruneTest, DanglingSelectsAll) {
  auto req = PruneRequestFromFilters(R"({"dangling":{"true":true}})");
  ASSERT_TRUE(req.ok());
  EXPECT_FALSE(req->all());
  EXPECT_EQ(req->filters_size(), 0);

  req = PruneRequestFromFilters(R"({"dangling":{"false":true},"label":{"a=b":true}})");
  ASSERT_TRUE(req.ok());
  EXPECT_TRUE(req->all());
  ASSERT_EQ(req->filters_size(), 1);
  EXPECT_EQ(req->filters(0).key(), "label");

  req = PruneRequestFromFilters("");
  ASSERT_TRUE(req.ok());
  EXPECT_FALSE(req->all());

  req = PruneRequestFromFilters(R"({"dangling":["maybe"]})");
  EXPECT_EQ(req.status().message(), "invalid filter 'dangling=maybe'");
}

TEST(PruneReportJsonTest, NullWhenNothingDeleted) {
  berth::v1::PruneImagesResponse r;
  EXPECT_EQ(PruneReportJson(r), R"({"ImagesDeleted":null,"SpaceReclaimed":0})");
  r.add_deleted()->set_untagged("x:1");
  r.add_deleted()->set_deleted("sha256:cd");
  r.set_space_reclaimed(1234);
  EXPECT_EQ(PruneReportJson(r),
            R"({"ImagesDeleted":[{"Untagged":"x:1"},{"Deleted":"sha256:cd"}],)"
            R"("SpaceReclaimed":1234})");
}

}  // namespace
}  // namespace gateway

namespace gateway {
namespace {

TEST(KeepMatchingReferencesTest, ListsOnlyTheSelectedReferences) {
  berth::v1::ListImagesResponse list;
  auto* img = list.add_images();
  img->add_repo_tags("busybox:latest");
  img->add_repo_tags("myrepo/app:v1");
  img->add_repo_tags("localhost:5000/myrepo/app");
  img->add_repo_digests("busybox@sha256:aa");
  img->add_repo_digests("myrepo/app@sha256:aa");
  google::protobuf::RepeatedPtrField<berth::v1::Filter> filters;
  auto* f = filters.Add();
  f->set_key("reference");
  f->set_value("myrepo/app");

  berth::v1::ListImagesResponse copy = list;
  KeepMatchingReferences(filters, &copy);
  ASSERT_EQ(copy.images(0).repo_tags_size(), 1);
  EXPECT_EQ(copy.images(0).repo_tags(0), "myrepo/app:v1");
  ASSERT_EQ(copy.images(0).repo_digests_size(), 1);
  EXPECT_EQ(copy.images(0).repo_digests(0), "myrepo/app@sha256:aa");

  f->set_value("*:latest");
  copy = list;
  KeepMatchingReferences(filters, &copy);
  ASSERT_EQ(copy.images(0).repo_tags_size(), 1);
  EXPECT_EQ(copy.images(0).repo_tags(0), "busybox:latest");

  // '*' does not cross '/'.
  f->set_value("*");
  copy = list;
  KeepMatchingReferences(filters, &copy);
  ASSERT_EQ(copy.images(0).repo_tags_size(), 1);
  EXPECT_EQ(copy.images(0).repo_tags(0), "busybox:latest");

  f->set_key("label");
  copy = list;
  KeepMatchingReferences(filters, &copy);
  EXPECT_EQ(copy.images(0).repo_tags_size(), 3);
}

}  // namespace
}  // namespace gateway
