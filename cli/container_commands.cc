// ps, logs, stop, kill, restart, rm, inspect, wait, top, stats, pause,
// unpause, rename, container prune and events.

#include "cli/container_commands.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "cli/container_format.h"
#include "cli/image_commands.h"
#include "cli/image_format.h"
#include "cli/output/units.h"
#include "engine/base/status_macros.h"
#include "sdk/status.h"

namespace cli {
namespace {

// Runs `fn` for every argument as Docker's multi-container commands do: the
// argument is printed on success; errors are printed together at the end
// (exit 1). A connection error stops at once.
absl::Status ForEach(Context* ctx, bool print,
                     const std::function<absl::Status(const std::string&)>& fn) {
  std::vector<std::string> errors;
  for (const std::string& id : ctx->inv().args) {
    absl::Status s = fn(id);
    if (s.ok()) {
      if (print) ctx->out() << id << "\n";
      continue;
    }
    if (sdk::IsConnectionError(s)) return s;
    errors.push_back(DaemonErrorText(s));
  }
  if (errors.empty()) return absl::OkStatus();
  return absl::UnknownError(absl::StrJoin(errors, "\n"));
}

absl::StatusOr<google::protobuf::Timestamp> TimeArg(absl::string_view value) {
  ASSIGN_OR_RETURN(absl::Time t, ParseTimeArg(value, absl::Now()));
  return ToTimestamp(t);
}

}  // namespace

absl::Status RunPs(Context* ctx) {
  const PsOptions& o = ctx->inv().ps;
  berth::v1::ListContainersRequest req;
  req.set_all(o.all);
  if (o.last > 0) req.set_limit(o.last);
  req.set_latest(o.latest);
  req.set_size(o.size);
  RETURN_IF_ERROR(ParseFilters(o.filters, req.mutable_filters()));
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  ASSIGN_OR_RETURN(auto resp, client->ListContainers(req));
  std::vector<berth::v1::ContainerSummary> list(resp.containers().begin(),
                                                resp.containers().end());
  ASSIGN_OR_RETURN(std::string text, FormatPs(list, o, absl::Now()));
  ctx->out() << text;
  return absl::OkStatus();
}

absl::Status RunLogs(Context* ctx) {
  const LogsOptions& o = ctx->inv().logs;
  berth::v1::LogsRequest req;
  req.set_id(ctx->inv().args[0]);
  req.set_follow(o.follow);
  req.set_stdout(true);
  req.set_stderr(true);
  req.set_timestamps(o.timestamps);
  req.set_tail(o.tail);
  if (!o.since.empty()) {
    ASSIGN_OR_RETURN(*req.mutable_since(), TimeArg(o.since));
  }
  if (!o.until.empty()) {
    ASSIGN_OR_RETURN(*req.mutable_until(), TimeArg(o.until));
  }
  if (o.tail != "all") {
    int64_t n;
    if (!absl::SimpleAtoi(o.tail, &n)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid value for \"tail\": \"", o.tail, "\""));
    }
  }
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  return client->Logs(req, [&](const berth::v1::LogEntry& e) {
    std::ostream& out = e.stream() == berth::v1::STD_STREAM_STDERR ? ctx->err() : ctx->out();
    if (o.timestamps) out << Rfc3339NanoFixed(ToAbslTime(e.time())) << " ";
    out.write(e.data().data(), static_cast<std::streamsize>(e.data().size()));
    out.flush();
  });
}

absl::Status RunStop(Context* ctx) {
  const StopOptions& o = ctx->inv().stop;
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  return ForEach(ctx, true, [&](const std::string& id) {
    berth::v1::StopContainerRequest req;
    req.set_id(id);
    req.set_timeout(o.timeout);
    req.set_has_timeout(o.timeout_set);
    req.set_signal(o.signal);
    return client->StopContainer(req);
  });
}

absl::Status RunRestart(Context* ctx) {
  const StopOptions& o = ctx->inv().stop;
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  return ForEach(ctx, true, [&](const std::string& id) {
    berth::v1::RestartContainerRequest req;
    req.set_id(id);
    req.set_timeout(o.timeout);
    req.set_has_timeout(o.timeout_set);
    req.set_signal(o.signal);
    return client->RestartContainer(req);
  });
}

absl::Status RunKill(Context* ctx) {
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  return ForEach(ctx, true, [&](const std::string& id) {
    return client->KillContainer(id, ctx->inv().kill.signal);
  });
}

absl::Status RunRm(Context* ctx) {
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  return ForEach(ctx, true, [&](const std::string& id) {
    berth::v1::RemoveContainerRequest req;
    req.set_id(id);
    req.set_force(ctx->inv().rm.force);
    req.set_volumes(ctx->inv().rm.volumes);
    return client->RemoveContainer(req);
  });
}

absl::Status RunPause(Context* ctx) {
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  return ForEach(ctx, true, [&](const std::string& id) { return client->PauseContainer(id); });
}

absl::Status RunUnpause(Context* ctx) {
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  return ForEach(ctx, true,
                 [&](const std::string& id) { return client->UnpauseContainer(id); });
}

absl::Status RunRename(Context* ctx) {
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  return client->RenameContainer(ctx->inv().args[0], ctx->inv().args[1]);
}

absl::Status RunWait(Context* ctx) {
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  return ForEach(ctx, false, [&](const std::string& id) -> absl::Status {
    ASSIGN_OR_RETURN(auto resp,
                     client->WaitContainer(id, berth::v1::WAIT_CONDITION_NOT_RUNNING));
    ctx->out() << resp.status_code() << "\n";
    ctx->out().flush();
    return absl::OkStatus();
  });
}

absl::Status RunTop(Context* ctx) {
  const auto& args = ctx->inv().args;
  std::vector<std::string> ps_args(args.begin() + 1, args.end());
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  ASSIGN_OR_RETURN(auto top, client->Top(args[0], absl::StrJoin(ps_args, " ")));
  ctx->out() << FormatTop(top);
  return absl::OkStatus();
}

absl::Status RunInspect(Context* ctx) {
  const Invocation& inv = ctx->inv();
  const InspectOptions& o = inv.inspect;
  bool containers_only = inv.command == CommandId::kContainerInspect || o.type == "container";
  bool images_only = o.type == "image";
  if (!o.type.empty() && !containers_only && !images_only) {
    return absl::InvalidArgumentError(absl::StrCat("\"", o.type, "\" is not a valid value for --type"));
  }
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  std::vector<std::string> objects;  // one JSON array of one object each
  std::vector<std::string> errors;
  for (const std::string& ref : inv.args) {
    if (!images_only) {
      auto c = client->InspectContainer(ref, o.size);
      if (c.ok()) {
        objects.push_back(ContainerInspectJson({*c}));
        continue;
      }
      if (sdk::IsConnectionError(c.status())) return c.status();
      if (c.status().code() != absl::StatusCode::kNotFound &&
          c.status().code() != absl::StatusCode::kUnimplemented) {
        return c.status();
      }
      if (containers_only) {
        errors.push_back(absl::StrCat("Error: No such container: ", ref));
        continue;
      }
    }
    auto img = client->GetImage(ref);
    if (img.ok()) {
      objects.push_back(InspectJson({*img}));
    } else if (img.status().code() == absl::StatusCode::kNotFound) {
      errors.push_back(absl::StrCat(images_only ? "Error: No such image: " : "Error: No such object: ",
                                    ref));
    } else {
      return img.status();
    }
  }
  if (o.format.empty() || o.format == "json") {
    ctx->out() << JoinJsonArrays(objects) << "\n";
  } else {
    for (const std::string& doc : objects) {
      ASSIGN_OR_RETURN(std::string line, ExpandInspectTemplate(doc, o.format));
      ctx->out() << line << "\n";
    }
  }
  if (errors.empty()) return absl::OkStatus();
  return absl::NotFoundError(absl::StrJoin(errors, "\n"));
}

absl::Status RunStats(Context* ctx) {
  const StatsOptions& o = ctx->inv().stats;
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  std::vector<std::string> ids = ctx->inv().args;
  if (ids.empty()) {
    berth::v1::ListContainersRequest req;
    req.set_all(o.all);
    ASSIGN_OR_RETURN(auto list, client->ListContainers(req));
    for (const auto& c : list.containers()) ids.push_back(c.id());
  }
  struct Stream {
    std::string id;
    absl::Mutex mu;
    std::unique_ptr<berth::v1::ContainerStats> prev, cur;
    int samples = 0;
    bool ended = false;
    absl::Status status;
    sdk::CancelToken cancel;
    std::thread thread;
  };
  std::vector<std::unique_ptr<Stream>> streams;
  for (const std::string& id : ids) {
    auto s = std::make_unique<Stream>();
    s->id = id;
    Stream* raw = s.get();
    s->thread = std::thread([client, raw] {
      berth::v1::StatsRequest req;
      req.set_id(raw->id);
      req.set_stream(true);
      absl::Status st = client->Stats(
          req,
          [raw](const berth::v1::ContainerStats& sample) {
            absl::MutexLock lock(&raw->mu);
            raw->prev = std::move(raw->cur);
            raw->cur = std::make_unique<berth::v1::ContainerStats>(sample);
            ++raw->samples;
          },
          &raw->cancel);
      absl::MutexLock lock(&raw->mu);
      raw->ended = true;
      raw->status = st;
    });
    streams.push_back(std::move(s));
  }
  auto render = [&]() -> absl::StatusOr<std::string> {
    std::vector<StatsRow> rows;
    for (auto& s : streams) {
      absl::MutexLock lock(&s->mu);
      if (s->cur == nullptr) {
        StatsRow r;
        r.id = s->id;
        rows.push_back(r);
        continue;
      }
      rows.push_back(ComputeStatsRow(s->prev.get(), *s->cur));
    }
    return FormatStats(rows, o);
  };
  auto stop_all = [&] {
    for (auto& s : streams) s->cancel.Cancel();
    for (auto& s : streams) s->thread.join();
  };

  if (o.no_stream) {
    // Two samples give the CPU percentage, as Docker's one-shot stats.
    absl::Time deadline = absl::Now() + absl::Seconds(3);
    while (absl::Now() < deadline) {
      bool ready = true;
      for (auto& s : streams) {
        absl::MutexLock lock(&s->mu);
        ready = ready && (s->samples >= 2 || s->ended);
      }
      if (ready) break;
      absl::SleepFor(absl::Milliseconds(20));
    }
    auto text = render();
    stop_all();
    for (auto& s : streams) {
      if (!s->status.ok() && s->samples == 0) return s->status;
    }
    if (!text.ok()) return text.status();
    ctx->out() << *text;
    return absl::OkStatus();
  }
  while (true) {
    auto text = render();
    if (!text.ok()) {
      stop_all();
      return text.status();
    }
    if (ctx->out_is_tty) ctx->out() << "\033[2J\033[H";
    ctx->out() << *text;
    ctx->out().flush();
    bool all_ended = !streams.empty();
    for (auto& s : streams) {
      absl::MutexLock lock(&s->mu);
      all_ended = all_ended && s->ended;
    }
    if (all_ended || streams.empty()) break;
    absl::SleepFor(absl::Seconds(1));
  }
  stop_all();
  return absl::OkStatus();
}

absl::Status RunContainerPrune(Context* ctx) {
  const ContainerPruneOptions& o = ctx->inv().container_prune;
  berth::v1::PruneContainersRequest req;
  RETURN_IF_ERROR(ParseFilters(o.filters, req.mutable_filters()));
  if (!o.force && !ctx->Confirm("WARNING! This will remove all stopped containers.\n")) {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  ASSIGN_OR_RETURN(auto resp, client->PruneContainers(req));
  if (!resp.deleted().empty()) {
    ctx->out() << "Deleted Containers:\n";
    for (const auto& id : resp.deleted()) ctx->out() << id << "\n";
    ctx->out() << "\n";
  }
  ctx->out() << "Total reclaimed space: "
             << HumanSize(static_cast<double>(resp.space_reclaimed())) << "\n";
  return absl::OkStatus();
}

absl::Status RunEvents(Context* ctx) {
  const EventsOptions& o = ctx->inv().events;
  berth::v1::EventsRequest req;
  if (!o.since.empty()) {
    ASSIGN_OR_RETURN(*req.mutable_since(), TimeArg(o.since));
  }
  if (!o.until.empty()) {
    ASSIGN_OR_RETURN(*req.mutable_until(), TimeArg(o.until));
  }
  RETURN_IF_ERROR(ParseFilters(o.filters, req.mutable_filters()));
  // Check the format before waiting for the first event.
  RETURN_IF_ERROR(FormatEvent(berth::v1::Event(), o.format).status());
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  return client->Events(req, [&](const berth::v1::Event& e) {
    auto line = FormatEvent(e, o.format);
    if (line.ok()) ctx->out() << *line;
    ctx->out().flush();
  });
}

}  // namespace cli
