#include "gateway/system/routes.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gateway/system/events_json.h"
#include "gateway/system/system_json.h"

namespace gateway {
namespace {

constexpr char kJson[] = "application/json";

// GET and HEAD /_ping, with the headers the clients negotiate from.
absl::Status Ping(const Request& request, ResponseWriter* w) {
  w->SetHeader("Builder-Version", "1");
  w->SetHeader("Swarm", "inactive");
  w->SetHeader("Cache-Control", "no-cache, no-store, must-revalidate");
  w->SetHeader("Pragma", "no-cache");
  return w->Send(200, "text/plain; charset=utf-8",
                 request.method == "HEAD" ? "" : "OK");
}

// Calls `poll` every 200 ms on a helper thread until Stop(); for handlers
// blocked in an SDK stream that must notice a client that went away.
class Watchdog {
 public:
  explicit Watchdog(std::function<void()> poll)
      : thread_([this, poll = std::move(poll)] {
          while (!stop_.WaitForNotificationWithTimeout(absl::Milliseconds(200))) poll();
        }) {}
  ~Watchdog() {
    stop_.Notify();
    thread_.join();
  }

 private:
  absl::Notification stop_;
  std::thread thread_;
};

absl::Status Events(const sdk::Client* client, const Request& request,
                    ResponseWriter* w) {
  absl::StatusOr<EventsQuery> query = ParseEventsQuery(request);
  if (!query.ok()) return query.status();
  const berth::v1::EventsRequest& req = query->request;
  absl::Status started = w->StartStream(200, kJson);
  if (!started.ok()) return started;

  sdk::CancelToken cancel;
  std::atomic<bool> gone{false};
  Watchdog watchdog([&] {
    if (w->ClientGone()) {
      gone = true;
      cancel.Cancel();
    }
  });
  if (query->matches_nothing) {
    absl::Time until = req.has_until()
                           ? absl::FromUnixSeconds(req.until().seconds())
                           : absl::InfiniteFuture();
    while (!gone && absl::Now() < until) absl::SleepFor(absl::Milliseconds(100));
    return absl::OkStatus();
  }
  absl::Status status = client->Events(
      req,
      [&](const berth::v1::Event& event) {
        if (!MatchesLabels(event, query->labels)) return;
        if (!w->Write(EventJson(event) + "\n").ok()) cancel.Cancel();
      },
      &cancel);
  if (gone || absl::IsCancelled(status)) return absl::OkStatus();
  return status;
}

}  // namespace

void RegisterSystemRoutes(const sdk::Client* client, Router* router) {
  router->Add("GET", "/_ping", Ping);
  router->Add("HEAD", "/_ping", Ping);

  router->Add("GET", "/version", [client](const Request&, ResponseWriter* w) {
    absl::StatusOr<berth::v1::VersionResponse> v = client->Version();
    if (!v.ok()) return v.status();
    return w->Send(200, kJson, VersionJson(*v));
  });

  router->Add("GET", "/info", [client](const Request&, ResponseWriter* w) {
    absl::StatusOr<berth::v1::InfoResponse> info = client->Info();
    if (!info.ok()) return info.status();
    berth::v1::ListContainersRequest list;
    list.set_all(true);
    absl::StatusOr<berth::v1::ListContainersResponse> containers =
        client->ListContainers(list);
    if (!containers.ok()) return containers.status();
    ContainerCounts counts = CountContainers(*containers);
    return w->Send(200, kJson, InfoJson(*info, &counts));
  });

  router->Add("GET", "/events", [client](const Request& r, ResponseWriter* w) {
    return Events(client, r, w);
  });

  router->Add("GET", "/system/df", [client](const Request&, ResponseWriter* w) {
    absl::StatusOr<berth::v1::ListImagesResponse> images =
        client->ListImages(berth::v1::ListImagesRequest());
    if (!images.ok()) return images.status();
    berth::v1::ListContainersRequest list;
    list.set_all(true);
    list.set_size(true);
    absl::StatusOr<berth::v1::ListContainersResponse> containers =
        client->ListContainers(list);
    if (!containers.ok()) return containers.status();
    return w->Send(200, kJson, DiskUsageJson(*images, *containers));
  });
}

}  // namespace gateway
