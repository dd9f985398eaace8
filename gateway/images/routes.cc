// The images and registry routes: each handler parses the Docker request,
// makes one SDK call and writes Docker's answer. The translations live in
// reference.h, registry_auth.h, image_json.h and progress_json.h.

#include "gateway/images/routes.h"

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gateway/http/json_body.h"
#include "gateway/images/image_json.h"
#include "gateway/images/progress_json.h"
#include "gateway/images/reference.h"
#include "gateway/images/registry_auth.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "sdk/docker_json.h"

namespace gateway {
namespace {

constexpr char kJson[] = "application/json";

// dockerd words a failed lookup with the familiar, tagged reference
// ("No such image: nosuch:latest"); the engine names what it was given.
absl::Status WordNotFound(absl::Status status, absl::string_view ref) {
  if (status.code() == absl::StatusCode::kNotFound &&
      absl::StartsWith(status.message(), "No such image: ")) {
    return absl::NotFoundError(absl::StrCat("No such image: ", NotFoundName(ref)));
  }
  return status;
}

// A pull or push progress stream. The response starts with the first
// line, so that an error before it is still a plain HTTP error (as dockerd:
// "if !output.Flushed() return err"); an error after it becomes an
// errorDetail line. A client that goes away cancels the SDK call.
class ProgressStream {
 public:
  ProgressStream(ResponseWriter* writer, sdk::CancelToken* cancel)
      : writer_(writer), cancel_(cancel) {}

  void Write(const std::string& lines) {
    if (lines.empty() || !write_status_.ok()) return;
    if (!writer_->started()) write_status_ = writer_->StartStream(200, kJson);
    if (write_status_.ok()) write_status_ = writer_->Write(lines);
    if (!write_status_.ok()) cancel_->Cancel();
  }

  // Ends the response for the call's `result`.
  absl::Status End(const absl::Status& result) {
    if (!result.ok() && !writer_->started()) return result;
    if (!write_status_.ok()) return write_status_;
    if (!writer_->started()) {
      absl::Status started = writer_->StartStream(200, kJson);
      if (!started.ok()) return started;
    }
    if (!result.ok()) {
      absl::Status written = writer_->Write(StreamErrorLine(result.message()));
      if (!written.ok()) return written;
    }
    return writer_->Finish();
  }

 private:
  ResponseWriter* writer_;
  sdk::CancelToken* cancel_;
  absl::Status write_status_;
};

absl::Status SendJson(ResponseWriter* w, int status, const std::string& body) {
  return w->Send(status, kJson, body);
}

absl::Status Unsupported(absl::string_view what) {
  return absl::UnimplementedError(what);
}

// POST /images/create?fromImage=&tag=&platform= (pull); fromSrc (import)
// is not supported.
absl::Status PostImagesCreate(const sdk::Client* client, const Request& req,
                              ResponseWriter* w) {
  std::string from_image = req.Query("fromImage");
  if (from_image.empty()) {
    return Unsupported(
        "importing images (docker import, fromSrc) is not supported by Berth");
  }
  berth::v1::PullRequest pull;
  pull.set_reference(WithTagOrDigest(from_image, req.Query("tag")));
  *pull.mutable_auth() = DecodeAuthHeader(req.Header("X-Registry-Auth"));
  std::string platform = req.Query("platform");
  if (!platform.empty()) {
    auto parsed = ParsePlatform(platform);
    if (!parsed.ok()) return parsed.status();
    *pull.mutable_platform() = *std::move(parsed);
  }
  sdk::CancelToken cancel;
  ProgressStream stream(w, &cancel);
  PullJsonFormatter formatter;
  auto done = client->Pull(
      pull,
      [&](const berth::v1::PullProgress& p) { stream.Write(formatter.Format(p)); },
      &cancel);
  return stream.End(done.status());
}

// POST /images/{name}/push?tag=
absl::Status PostImagesPush(const sdk::Client* client, const Request& req,
                            ResponseWriter* w) {
  berth::v1::PushRequest push;
  std::string name = req.Param("name");
  push.set_reference(WithTagOrDigest(name, req.Query("tag")));
  std::string header = req.Header("X-Registry-Auth");
  if (!header.empty()) {
    *push.mutable_auth() = DecodeAuthHeader(header);
  } else if (!absl::StripAsciiWhitespace(req.body).empty()) {
    // The API's old form: the AuthConfig as the body.
    auto body = ParseJsonBody(req);
    if (!body.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad parameters and missing X-Registry-Auth: ", body.status().message()));
    }
    auto auth = AuthFromJson(*body);
    if (!auth.ok()) return auth.status();
    *push.mutable_auth() = *std::move(auth);
  }
  sdk::CancelToken cancel;
  ProgressStream stream(w, &cancel);
  PushJsonFormatter formatter;
  auto done = client->Push(
      push,
      [&](const berth::v1::PushProgress& p) { stream.Write(formatter.Format(p)); },
      &cancel);
  absl::Status result = done.status();
  if (result.code() == absl::StatusCode::kNotFound &&
      absl::StartsWith(result.message(), "No such image: ")) {
    // dockerd's wording for a push of a name with no local image.
    ReferenceParts parts = SplitReference(push.reference());
    parts.tag.clear();
    parts.digest.clear();
    result = absl::NotFoundError(absl::StrCat(
        "An image does not exist locally with the tag: ", FamiliarString(parts)));
  }
  return stream.End(result);
}

// GET /images/json?all=&filters=
absl::Status GetImagesJson(const sdk::Client* client, const Request& req,
                           ResponseWriter* w) {
  berth::v1::ListImagesRequest list;
  list.set_all(req.QueryBool("all"));
  absl::Status parsed = ParseFilters(req.Query("filters"), list.mutable_filters());
  if (!parsed.ok()) return parsed;
  if (!req.version.AtLeast(1, 41) && !req.Query("filter").empty()) {
    auto* f = list.add_filters();
    f->set_key("reference");
    f->set_value(req.Query("filter"));
  }
  auto images = client->ListImages(list);
  if (!images.ok()) return images.status();
  KeepMatchingReferences(list.filters(), &*images);
  return SendJson(w, 200, ImageSummariesJson(*images, req.version));
}

// GET /images/{name}/json
absl::Status GetImageInspect(const sdk::Client* client, const Request& req,
                             ResponseWriter* w) {
  std::string name = req.Param("name");
  auto image = client->GetImage(name);
  if (!image.ok()) return WordNotFound(image.status(), name);
  return SendJson(w, 200, sdk::DockerImageJson(*image));
}

// GET /images/{name}/history
absl::Status GetImageHistory(const sdk::Client* client, const Request& req,
                             ResponseWriter* w) {
  std::string name = req.Param("name");
  auto history = client->History(name);
  if (!history.ok()) return WordNotFound(history.status(), name);
  return SendJson(w, 200, HistoryJson(*history));
}

// POST /images/{name}/tag?repo=&tag=
absl::Status PostImageTag(const sdk::Client* client, const Request& req,
                          ResponseWriter* w) {
  std::string name = req.Param("name");
  std::string repo = req.Query("repo");
  if (repo.empty()) {
    return absl::InvalidArgumentError(
        "invalid reference format: repository name must have at least one component");
  }
  absl::Status tagged = client->TagImage(name, WithTagOrDigest(repo, req.Query("tag")));
  if (!tagged.ok()) return WordNotFound(tagged, name);
  return w->Send(201, "", "");
}

// DELETE /images/{name}?force=&noprune=
absl::Status DeleteImage(const sdk::Client* client, const Request& req,
                         ResponseWriter* w) {
  std::string name = req.Param("name");
  if (absl::StripAsciiWhitespace(name).empty()) {
    return absl::InvalidArgumentError("image name cannot be blank");
  }
  berth::v1::RemoveImageRequest remove;
  remove.set_reference(name);
  remove.set_force(req.QueryBool("force"));
  remove.set_no_prune(req.QueryBool("noprune"));
  auto removed = client->RemoveImage(remove);
  if (!removed.ok()) return WordNotFound(removed.status(), name);
  return SendJson(w, 200, DeleteItemsJson(removed->items()));
}

// POST /images/prune?filters=
absl::Status PostImagesPrune(const sdk::Client* client, const Request& req,
                             ResponseWriter* w) {
  auto prune = PruneRequestFromFilters(req.Query("filters"));
  if (!prune.ok()) return prune.status();
  auto report = client->PruneImages(*prune);
  if (!report.ok()) return report.status();
  return SendJson(w, 200, PruneReportJson(*report));
}

// POST /auth: checks credentials with the registry (docker login).
absl::Status PostAuth(const sdk::Client* client, const Request& req,
                      ResponseWriter* w) {
  auto body = ParseJsonBody(req);
  if (!body.ok()) return body.status();
  auto auth = AuthFromJson(*body);
  if (!auth.ok()) return auth.status();
  berth::v1::LoginRequest login;
  login.set_server_address(auth->server_address());
  *login.mutable_auth() = *std::move(auth);
  auto response = client->Login(login);
  if (!response.ok()) return response.status();

  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> json(buf);
  json.StartObject();
  json.Key("IdentityToken");
  json.String(response->identity_token().c_str(),
              static_cast<rapidjson::SizeType>(response->identity_token().size()));
  std::string status =
      response->status().empty() ? "Login Succeeded" : response->status();
  json.Key("Status");
  json.String(status.c_str(), static_cast<rapidjson::SizeType>(status.size()));
  json.EndObject();
  return SendJson(w, 200, std::string(buf.GetString(), buf.GetSize()));
}

// A route the engine cannot serve: 501 with `message`.
Handler NotSupported(std::string message) {
  return [message = std::move(message)](const Request&, ResponseWriter*) {
    return Unsupported(message);
  };
}

}  // namespace

void RegisterImagesRoutes(const sdk::Client* client, Router* router) {
  auto bind = [client](absl::Status (*handler)(const sdk::Client*, const Request&,
                                                ResponseWriter*)) -> Handler {
    return [client, handler](const Request& req, ResponseWriter* w) {
      return handler(client, req, w);
    };
  };
  router->Add("POST", "/images/create", bind(PostImagesCreate));
  router->Add("GET", "/images/json", bind(GetImagesJson));
  router->Add("POST", "/images/prune", bind(PostImagesPrune));
  router->Add("GET", "/images/{name:.*}/json", bind(GetImageInspect));
  router->Add("GET", "/images/{name:.*}/history", bind(GetImageHistory));
  router->Add("POST", "/images/{name:.*}/tag", bind(PostImageTag));
  router->Add("POST", "/images/{name:.*}/push", bind(PostImagesPush));
  router->Add("DELETE", "/images/{name:.*}", bind(DeleteImage));
  router->Add("POST", "/auth", bind(PostAuth));

  const char kNoSave[] =
      "saving images to a tar archive (docker save) is not supported by Berth: "
      "the engine has no image export";
  router->Add("GET", "/images/get", NotSupported(kNoSave));
  router->Add("GET", "/images/{name:.*}/get", NotSupported(kNoSave));
  router->Add("POST", "/images/load",
              NotSupported("loading images from a tar archive (docker load) is not "
                           "supported by Berth: the engine has no image import"));
  router->Add("GET", "/images/search",
              NotSupported("searching registries (docker search) is not supported by "
                           "Berth"));
}

}  // namespace gateway
