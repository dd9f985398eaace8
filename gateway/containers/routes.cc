#include "gateway/containers/routes.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/containers/container_json.h"
#include "gateway/containers/create_request.h"
#include "gateway/containers/docker_errors.h"
#include "gateway/containers/wait_stats.h"
#include "gateway/http/json_body.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "sdk/docker_json.h"

namespace gateway {
namespace {

constexpr char kJson[] = "application/json";

absl::Status NoContent(ResponseWriter* writer, const absl::Status& status) {
  if (!status.ok()) return status;
  return writer->Send(204, "", "");
}

// An optional integer query parameter such as stop's `t`.
absl::StatusOr<std::optional<int64_t>> OptionalQueryInt(const Request& request,
                                                        absl::string_view name) {
  if (request.Query(name).empty()) return std::optional<int64_t>();
  absl::StatusOr<int64_t> v = request.QueryInt(name, 0);
  if (!v.ok()) return v.status();
  return std::optional<int64_t>(*v);
}

std::string CreatedJson(absl::string_view id, const std::vector<std::string>& warnings) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("Id");
  w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
  w.Key("Warnings");
  w.StartArray();
  for (const std::string& s : warnings) w.String(s.c_str());
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

absl::Status Create(const sdk::Client* client, const Request& request,
                    ResponseWriter* writer) {
  if (absl::Status s = CheckJsonContentType(request.Header("content-type"),
                                            !request.body.empty());
      !s.ok()) {
    return s;
  }
  absl::StatusOr<rapidjson::Document> body = ParseJsonBody(request);
  if (!body.ok()) return body.status();
  absl::StatusOr<DockerCreate> create =
      TranslateCreate(*body, request.Query("name"), request.Query("platform"));
  if (!create.ok()) return create.status();
  berth::v1::CreateContainerRequest& req = create->request;
  if (create->use_image_cmd) {
    absl::StatusOr<berth::v1::Image> image = client->GetImage(req.config().image());
    if (!image.ok()) return image.status();
    for (const std::string& arg : image->config().cmd()) req.mutable_config()->add_cmd(arg);
  }
  absl::StatusOr<berth::v1::CreateContainerResponse> created = client->CreateContainer(req);
  if (!created.ok()) return CreateError(created.status());
  std::vector<std::string> warnings(created->warnings().begin(), created->warnings().end());
  warnings.insert(warnings.end(), create->warnings.begin(), create->warnings.end());
  return writer->Send(201, kJson, CreatedJson(created->id(), warnings));
}

absl::Status List(const sdk::Client* client, const Request& request,
                  ResponseWriter* writer) {
  berth::v1::ListContainersRequest req;
  req.set_all(request.QueryBool("all"));
  absl::StatusOr<int64_t> limit = request.QueryInt("limit", 0);
  if (!limit.ok()) return limit.status();
  if (*limit > 0) req.set_limit(static_cast<int32_t>(*limit));
  req.set_size(request.QueryBool("size"));
  absl::StatusOr<std::vector<berth::v1::Filter>> filters =
      ParseFilters(request.Query("filters"));
  if (!filters.ok()) return filters.status();
  for (berth::v1::Filter& f : *filters) *req.add_filters() = std::move(f);
  // The query parameters of API < 1.22 that became filters.
  for (const char* key : {"before", "since"}) {
    if (!request.Query(key).empty()) {
      berth::v1::Filter* f = req.add_filters();
      f->set_key(key);
      f->set_value(request.Query(key));
    }
  }
  absl::StatusOr<berth::v1::ListContainersResponse> list = client->ListContainers(req);
  if (!list.ok()) return list.status();
  return writer->Send(200, kJson, ContainersJson(*list, req.size()));
}

absl::Status Inspect(const sdk::Client* client, const Request& request,
                     ResponseWriter* writer) {
  absl::StatusOr<berth::v1::ContainerInfo> info =
      client->InspectContainer(request.Param("id"), request.QueryBool("size"));
  if (!info.ok()) return info.status();
  return writer->Send(200, kJson, sdk::DockerContainerJson(*info));
}

absl::Status Start(const sdk::Client* client, const Request& request,
                   ResponseWriter* writer) {
  absl::Status s = client->StartContainer(request.Param("id"));
  if (IsAlreadyRunning(s)) return writer->Send(304, "", "");
  return NoContent(writer, s);
}

absl::Status Stop(const sdk::Client* client, const Request& request,
                  ResponseWriter* writer) {
  absl::StatusOr<std::optional<int64_t>> t = OptionalQueryInt(request, "t");
  if (!t.ok()) return t.status();
  absl::StatusOr<berth::v1::ContainerInfo> info =
      client->InspectContainer(request.Param("id"));
  if (!info.ok()) return info.status();
  const std::string& status = info->state().status();
  if (status != "running" && status != "paused") return writer->Send(304, "", "");
  berth::v1::StopContainerRequest req;
  req.set_id(info->id());
  if (t->has_value()) {
    req.set_timeout(static_cast<int32_t>(**t));
    req.set_has_timeout(true);
  }
  req.set_signal(request.Query("signal"));
  return NoContent(writer, client->StopContainer(req));
}

absl::Status Restart(const sdk::Client* client, const Request& request,
                     ResponseWriter* writer) {
  absl::StatusOr<std::optional<int64_t>> t = OptionalQueryInt(request, "t");
  if (!t.ok()) return t.status();
  berth::v1::RestartContainerRequest req;
  req.set_id(request.Param("id"));
  if (t->has_value()) {
    req.set_timeout(static_cast<int32_t>(**t));
    req.set_has_timeout(true);
  }
  req.set_signal(request.Query("signal"));
  return NoContent(writer, client->RestartContainer(req));
}

absl::Status Kill(const sdk::Client* client, const Request& request,
                  ResponseWriter* writer) {
  const std::string ref = request.Param("id");
  return NoContent(writer,
                   KillError(client->KillContainer(ref, request.Query("signal")), ref));
}

absl::Status Remove(const sdk::Client* client, const Request& request,
                    ResponseWriter* writer) {
  berth::v1::RemoveContainerRequest req;
  req.set_id(request.Param("id"));
  req.set_force(request.QueryBool("force"));
  req.set_volumes(request.QueryBool("v"));
  absl::Status s = client->RemoveContainer(req);
  if (absl::IsFailedPrecondition(s)) {
    absl::StatusOr<berth::v1::ContainerInfo> info = client->InspectContainer(req.id());
    if (info.ok()) s = RemoveError(s, info->name());
  }
  return NoContent(writer, s);
}

absl::Status Rename(const sdk::Client* client, const Request& request,
                    ResponseWriter* writer) {
  std::string name = request.Query("name");
  if (name.empty()) {
    return absl::InvalidArgumentError("Neither old nor new names may be empty");
  }
  return NoContent(writer, client->RenameContainer(request.Param("id"), name));
}

absl::Status Top(const sdk::Client* client, const Request& request,
                 ResponseWriter* writer) {
  absl::StatusOr<berth::v1::TopResponse> top =
      client->Top(request.Param("id"), request.Query("ps_args"));
  if (!top.ok()) return top.status();
  return writer->Send(200, kJson, TopJson(*top));
}

absl::Status Resize(const sdk::Client* client, const Request& request,
                    ResponseWriter* writer) {
  absl::StatusOr<int64_t> h = request.QueryInt("h", 0);
  if (!h.ok()) return h.status();
  absl::StatusOr<int64_t> w = request.QueryInt("w", 0);
  if (!w.ok()) return w.status();
  if (*h < 0 || *w < 0 || *h > 65535 || *w > 65535) {
    return absl::InvalidArgumentError("invalid terminal size: h and w must be 0 to 65535");
  }
  absl::Status s = client->ResizeContainer(request.Param("id"), static_cast<uint32_t>(*h),
                                           static_cast<uint32_t>(*w));
  if (!s.ok()) return s;
  return writer->Send(200, "", "");
}

absl::Status Prune(const sdk::Client* client, const Request& request,
                   ResponseWriter* writer) {
  absl::StatusOr<std::vector<berth::v1::Filter>> filters =
      ParseFilters(request.Query("filters"));
  if (!filters.ok()) return filters.status();
  berth::v1::PruneContainersRequest req;
  for (berth::v1::Filter& f : *filters) *req.add_filters() = std::move(f);
  absl::StatusOr<berth::v1::PruneContainersResponse> pruned = client->PruneContainers(req);
  if (!pruned.ok()) return pruned.status();
  return writer->Send(200, kJson, PruneJson(*pruned));
}

}  // namespace

void RegisterContainersRoutes(const sdk::Client* client, Router* router) {
  auto bind = [client](absl::Status (*handler)(const sdk::Client*, const Request&,
                                               ResponseWriter*)) -> Handler {
    return [client, handler](const Request& request, ResponseWriter* writer) {
      return handler(client, request, writer);
    };
  };
  router->Add("POST", "/containers/create", bind(Create));
  router->Add("GET", "/containers/json", bind(List));
  router->Add("POST", "/containers/prune", bind(Prune));
  router->Add("GET", "/containers/{id}/json", bind(Inspect));
  router->Add("POST", "/containers/{id}/start", bind(Start));
  router->Add("POST", "/containers/{id}/stop", bind(Stop));
  router->Add("POST", "/containers/{id}/restart", bind(Restart));
  router->Add("POST", "/containers/{id}/kill", bind(Kill));
  router->Add("POST", "/containers/{id}/wait", bind(HandleWait));
  router->Add("DELETE", "/containers/{id}", bind(Remove));
  router->Add("POST", "/containers/{id}/rename", bind(Rename));
  router->Add("POST", "/containers/{id}/pause", bind([](const sdk::Client* c, const Request& r,
                                                         ResponseWriter* w) {
                return NoContent(w, c->PauseContainer(r.Param("id")));
              }));
  router->Add("POST", "/containers/{id}/unpause",
              bind([](const sdk::Client* c, const Request& r, ResponseWriter* w) {
                return NoContent(w, c->UnpauseContainer(r.Param("id")));
              }));
  router->Add("GET", "/containers/{id}/top", bind(Top));
  router->Add("GET", "/containers/{id}/stats", bind(HandleStats));
  router->Add("POST", "/containers/{id}/resize", bind(Resize));
}

}  // namespace gateway
