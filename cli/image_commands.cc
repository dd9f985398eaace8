#include "cli/image_commands.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cli/image_format.h"
#include "cli/output/progress.h"
#include "cli/output/units.h"
#include "engine/base/status_macros.h"
#include "sdk/auth_config.h"
#include "sdk/status.h"

namespace cli {
namespace {

}  // namespace

absl::StatusOr<berth::v1::RegistryAuth> AuthFor(Context* ctx,
                                                absl::string_view reference) {
  berth::v1::RegistryAuth auth;
  ASSIGN_OR_RETURN(auto file,
                   sdk::AuthConfigFile::Load(ctx->inv().global.config_dir));
  std::string domain = sdk::RegistryDomain(reference);
  auth.set_server_address(domain);
  if (auto entry = file.Get(domain); entry.has_value()) {
    auth.set_username(entry->username);
    auth.set_password(entry->password);
    auth.set_identity_token(entry->identity_token);
  }
  return auth;
}

absl::Status ParseFilters(const std::vector<std::string>& in,
                          google::protobuf::RepeatedPtrField<berth::v1::Filter>* out) {
  for (const std::string& f : in) {
    size_t eq = f.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError("bad format of filter (expected name=value)");
    }
    auto* filter = out->Add();
    filter->set_key(absl::AsciiStrToLower(absl::StripAsciiWhitespace(f.substr(0, eq))));
    filter->set_value(f.substr(eq + 1));
  }
  return absl::OkStatus();
}

namespace {

void PrintDeleteItems(Context* ctx,
                      const google::protobuf::RepeatedPtrField<berth::v1::ImageDeleteItem>& items,
                      bool lower_case) {
  for (const auto& item : items) {
    if (!item.untagged().empty()) {
      ctx->out() << (lower_case ? "untagged: " : "Untagged: ") << item.untagged() << "\n";
    }
    if (!item.deleted().empty()) {
      ctx->out() << (lower_case ? "deleted: " : "Deleted: ") << item.deleted() << "\n";
    }
  }
}

}  // namespace

bool HasTagOrDigest(absl::string_view reference) {
  if (absl::StrContains(reference, '@')) return true;
  size_t slash = reference.rfind('/');
  absl::string_view last =
      slash == absl::string_view::npos ? reference : reference.substr(slash + 1);
  return absl::StrContains(last, ':');
}

absl::Status RunPull(Context* ctx) {
  const Invocation& inv = ctx->inv();
  const std::string& ref = inv.args[0];
  berth::v1::PullRequest req;
  req.set_reference(ref);
  if (!inv.pull.platform.empty()) {
    std::vector<std::string> parts = absl::StrSplit(inv.pull.platform, '/');
    if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid platform \"", inv.pull.platform,
          "\": expected os/arch[/variant]"));
    }
    req.mutable_platform()->set_os(parts[0]);
    req.mutable_platform()->set_architecture(parts[1]);
    if (parts.size() == 3) req.mutable_platform()->set_variant(parts[2]);
  }
  ASSIGN_OR_RETURN(*req.mutable_auth(), AuthFor(ctx, ref));
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());

  if (!HasTagOrDigest(ref) && !inv.pull.quiet) {
    ctx->out() << "Using default tag: latest\n";
  }
  ProgressPrinter printer(&ctx->out(), ctx->out_is_tty, ctx->out_width);
  PullRenderer renderer(&printer);
  std::string full_reference;
  auto done = client->Pull(req, [&](const berth::v1::PullProgress& p) {
    if (p.has_started()) full_reference = p.started().reference();
    if (!inv.pull.quiet) renderer.Render(p);
  });
  if (!done.ok()) return done.status();
  if (full_reference.empty()) full_reference = done->reference();
  ctx->out() << full_reference << "\n";
  return absl::OkStatus();
}

absl::Status RunPush(Context* ctx) {
  const Invocation& inv = ctx->inv();
  const std::string& ref = inv.args[0];
  berth::v1::PushRequest req;
  req.set_reference(ref);
  ASSIGN_OR_RETURN(*req.mutable_auth(), AuthFor(ctx, ref));
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  ProgressPrinter printer(&ctx->out(), ctx->out_is_tty, ctx->out_width);
  PushRenderer renderer(&printer);
  auto done = client->Push(req, [&](const berth::v1::PushProgress& p) {
    if (!inv.push.quiet) renderer.Render(p);
  });
  if (!done.ok()) return done.status();
  if (inv.push.quiet) ctx->out() << ref << "\n";
  return absl::OkStatus();
}

absl::Status RunImages(Context* ctx) {
  const Invocation& inv = ctx->inv();
  berth::v1::ListImagesRequest req;
  req.set_all(inv.images.all);
  RETURN_IF_ERROR(ParseFilters(inv.images.filters, req.mutable_filters()));
  if (!inv.args.empty()) {
    auto* f = req.add_filters();
    f->set_key("reference");
    f->set_value(inv.args[0]);
  }
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  ASSIGN_OR_RETURN(auto resp, client->ListImages(req));
  std::vector<berth::v1::Image> images(resp.images().begin(), resp.images().end());
  ASSIGN_OR_RETURN(std::string text, FormatImages(images, inv.images, absl::Now()));
  ctx->out() << text;
  return absl::OkStatus();
}

absl::Status RunImageInspect(Context* ctx) {
  const Invocation& inv = ctx->inv();
  if (!inv.inspect.format.empty() && inv.inspect.format != "json") {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported format \"", inv.inspect.format, "\": only json"));
  }
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  std::vector<berth::v1::Image> found;
  std::vector<std::string> errors;
  for (const std::string& ref : inv.args) {
    auto img = client->GetImage(ref);
    if (img.ok()) {
      found.push_back(*std::move(img));
    } else if (img.status().code() == absl::StatusCode::kNotFound) {
      errors.push_back(absl::StrCat("Error: No such image: ", ref));
    } else {
      return img.status();
    }
  }
  ctx->out() << InspectJson(found) << "\n";
  if (errors.empty()) return absl::OkStatus();
  return absl::NotFoundError(absl::StrJoin(errors, "\n"));
}

absl::Status RunTag(Context* ctx) {
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  return client->TagImage(ctx->inv().args[0], ctx->inv().args[1]);
}

absl::Status RunRmi(Context* ctx) {
  const Invocation& inv = ctx->inv();
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  std::vector<std::string> errors;
  for (const std::string& ref : inv.args) {
    berth::v1::RemoveImageRequest req;
    req.set_reference(ref);
    req.set_force(inv.rmi.force);
    req.set_no_prune(inv.rmi.no_prune);
    auto resp = client->RemoveImage(req);
    if (!resp.ok()) {
      if (sdk::IsConnectionError(resp.status())) return resp.status();
      errors.push_back(sdk::IsDaemonError(resp.status())
                           ? absl::StrCat("Error response from daemon: ",
                                          resp.status().message())
                           : std::string(resp.status().message()));
      continue;
    }
    PrintDeleteItems(ctx, resp->items(), /*lower_case=*/false);
  }
  if (errors.empty()) return absl::OkStatus();
  // Already worded; main() prints the message as is.
  return absl::UnknownError(absl::StrJoin(errors, "\n"));
}

absl::Status RunImagePrune(Context* ctx) {
  const Invocation& inv = ctx->inv();
  berth::v1::PruneImagesRequest req;
  req.set_all(inv.prune.all);
  RETURN_IF_ERROR(ParseFilters(inv.prune.filters, req.mutable_filters()));
  if (!inv.prune.force &&
      !ctx->Confirm(inv.prune.all ? "WARNING! This will remove all images without at least "
                                    "one container associated to them.\n"
                                  : "WARNING! This will remove all dangling images.\n")) {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  ASSIGN_OR_RETURN(auto resp, client->PruneImages(req));
  if (!resp.deleted().empty()) {
    ctx->out() << "Deleted Images:\n";
    PrintDeleteItems(ctx, resp.deleted(), /*lower_case=*/true);
    ctx->out() << "\n";
  }
  ctx->out() << "Total reclaimed space: "
             << HumanSize(static_cast<double>(resp.space_reclaimed())) << "\n";
  return absl::OkStatus();
}

absl::Status RunImageHistory(Context* ctx) {
  ASSIGN_OR_RETURN(sdk::Client * client, ctx->client());
  ASSIGN_OR_RETURN(auto resp, client->History(ctx->inv().args[0]));
  ASSIGN_OR_RETURN(std::string text,
                   FormatHistory(resp, ctx->inv().history, absl::Now()));
  ctx->out() << text;
  return absl::OkStatus();
}

}  // namespace cli
