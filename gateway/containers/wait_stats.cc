#include "gateway/containers/wait_stats.h"

#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/containers/container_json.h"

namespace gateway {
namespace {

constexpr char kJson[] = "application/json";

// How often a pending wait checks whether its client is still there.
constexpr absl::Duration kClientCheck = absl::Milliseconds(200);

bool Running(const berth::v1::ContainerInfo& info) {
  return info.state().status() == "running" || info.state().status() == "paused";
}

// The result of an engine Wait that runs on its own thread, so the handler
// thread can watch the client meanwhile.
struct PendingWait {
  absl::Mutex mu;
  bool done ABSL_GUARDED_BY(mu) = false;
  absl::StatusOr<berth::v1::WaitContainerResponse> result ABSL_GUARDED_BY(mu) =
      absl::UnknownError("not waited");
};

}  // namespace

absl::Status HandleWait(const sdk::Client* client, const Request& request,
                        ResponseWriter* writer) {
  absl::StatusOr<berth::v1::WaitCondition> condition =
      ParseWaitCondition(request.Query("condition"));
  if (!condition.ok()) return condition.status();
  absl::StatusOr<berth::v1::ContainerInfo> info =
      client->InspectContainer(request.Param("id"));
  if (!info.ok()) return info.status();
  const std::string id = info->id();

  // The engine call is made before the head goes out, so a next-exit wait
  // is registered before the client can send /start.
  auto pending = std::make_shared<PendingWait>();
  auto cancel = std::make_shared<sdk::CancelToken>();
  std::thread waiter([client, id, condition = *condition, pending, cancel] {
    absl::StatusOr<berth::v1::WaitContainerResponse> r =
        client->WaitContainer(id, condition, cancel.get());
    absl::MutexLock lock(&pending->mu);
    pending->result = std::move(r);
    pending->done = true;
  });
  auto finish_waiter = [&] {
    cancel->Cancel();
    waiter.join();
  };

  if (absl::Status s = writer->StartStream(200, kJson); !s.ok()) {
    finish_waiter();
    return s;
  }
  absl::StatusOr<berth::v1::WaitContainerResponse> result;
  for (;;) {
    {
      absl::MutexLock lock(&pending->mu);
      auto done = [&pending]() ABSL_SHARED_LOCKS_REQUIRED(pending->mu) {
        return pending->done;
      };
      pending->mu.AwaitWithTimeout(absl::Condition(&done), kClientCheck);
      if (pending->done) {
        result = pending->result;
        break;
      }
    }
    if (writer->ClientGone()) {
      finish_waiter();
      return absl::OkStatus();
    }
  }
  waiter.join();

  std::string body;
  if (result.ok()) {
    body = WaitJson(result->status_code());
  } else if (absl::IsNotFound(result.status()) &&
             *condition == berth::v1::WAIT_CONDITION_REMOVED) {
    // Removed before the engine saw the wait: the condition holds.
    body = WaitJson(info->state().exit_code());
  } else {
    body = WaitErrorJson(-1, result.status().message());
  }
  if (absl::Status s = writer->Write(body); !s.ok()) return absl::OkStatus();
  return writer->Finish();
}

absl::Status HandleStats(const sdk::Client* client, const Request& request,
                         ResponseWriter* writer) {
  bool stream = !request.HasQuery("stream") || request.QueryBool("stream");
  bool one_shot = request.QueryBool("one-shot");
  if (one_shot && stream) {
    return absl::InvalidArgumentError("cannot have stream=true and one-shot=true");
  }
  absl::StatusOr<berth::v1::ContainerInfo> info =
      client->InspectContainer(request.Param("id"));
  if (!info.ok()) return info.status();

  if (!Running(*info)) {
    // dockerd answers a stopped container with one zeroed sample.
    berth::v1::ContainerStats zero;
    zero.set_id(info->id());
    zero.set_name(info->name());
    if (!stream) return writer->Send(200, kJson, StatsJson(zero, nullptr) + "\n");
    if (absl::Status s = writer->StartStream(200, kJson); !s.ok()) return s;
    (void)writer->Write(StatsJson(zero, nullptr) + "\n");
    return writer->Finish();
  }

  berth::v1::StatsRequest stats_request;
  stats_request.set_id(info->id());
  stats_request.set_stream(!one_shot);
  sdk::CancelToken cancel;
  std::optional<berth::v1::ContainerStats> prev;
  std::optional<berth::v1::ContainerStats> last;
  int samples = 0;
  absl::Status write_error;
  absl::Status s = client->Stats(
      stats_request,
      [&](const berth::v1::ContainerStats& sample) {
        ++samples;
        if (!stream) {
          // Non-streaming: keep the first sample as precpu of the second.
          if (last) prev = std::move(last);
          last = sample;
          if (one_shot || samples >= 2) cancel.Cancel();
          return;
        }
        if (!writer->started()) write_error = writer->StartStream(200, kJson);
        if (write_error.ok()) {
          write_error = writer->Write(StatsJson(sample, prev ? &*prev : nullptr) + "\n");
        }
        prev = sample;
        if (!write_error.ok()) cancel.Cancel();
      },
      &cancel);
  if (stream) {
    if (!writer->started()) {
      if (!s.ok()) return s;
      if (absl::Status st = writer->StartStream(200, kJson); !st.ok()) return st;
    }
    if (!write_error.ok()) return absl::OkStatus();
    return writer->Finish();
  }
  if (!last) {
    if (!s.ok()) return s;
    return absl::InternalError(
        absl::StrCat("no stats sample for container ", info->id()));
  }
  return writer->Send(200, kJson, StatsJson(*last, prev ? &*prev : nullptr) + "\n");
}

}  // namespace gateway
