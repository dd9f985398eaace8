#include "engine/containers/user_lookup.h"

#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/base/status_macros.h"
#include "engine/containers/rootfs_files.h"

namespace engine {
namespace containers {
namespace {

constexpr int64_t kMaxId = 2147483647;

struct PasswdEntry {
  std::string name, home;
  std::optional<int64_t> uid, gid;  // nullopt: not a number
};

struct GroupEntry {
  std::string name;
  std::optional<int64_t> gid;
  std::vector<std::string> members;
};

std::optional<int64_t> ParseNumber(absl::string_view s) {
  int64_t v = 0;
  if (s.empty() || !absl::SimpleAtoi(s, &v)) return std::nullopt;
  return v;
}

// Splits `content` into lines of colon-separated fields, skipping blank and
// comment lines.
std::vector<std::vector<std::string>> Records(absl::string_view content) {
  std::vector<std::vector<std::string>> out;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    out.push_back(absl::StrSplit(line, ':'));
  }
  return out;
}

std::vector<PasswdEntry> ParsePasswd(absl::string_view content) {
  std::vector<PasswdEntry> out;
  for (auto& f : Records(content)) {
    f.resize(7);
    out.push_back(PasswdEntry{f[0], f[5], ParseNumber(f[2]), ParseNumber(f[3])});
  }
  return out;
}

std::vector<GroupEntry> ParseGroup(absl::string_view content) {
  std::vector<GroupEntry> out;
  for (auto& f : Records(content)) {
    f.resize(4);
    GroupEntry g{f[0], ParseNumber(f[2]), {}};
    for (absl::string_view m : absl::StrSplit(f[3], ',', absl::SkipEmpty())) {
      g.members.emplace_back(absl::StripAsciiWhitespace(m));
    }
    out.push_back(std::move(g));
  }
  return out;
}

absl::Status RangeError() {
  return absl::InvalidArgumentError("uids and gids must be in range 0-2147483647");
}

absl::StatusOr<uint32_t> CheckId(std::optional<int64_t> id) {
  if (!id.has_value() || *id < 0 || *id > kMaxId) return RangeError();
  return static_cast<uint32_t>(*id);
}

// A group given by name or number; `what` names the source in errors.
absl::StatusOr<uint32_t> LookupGroup(const std::vector<GroupEntry>& groups, absl::string_view arg) {
  std::optional<int64_t> number = ParseNumber(arg);
  for (const GroupEntry& g : groups) {
    if (g.name == arg || (number.has_value() && g.gid == number)) return CheckId(g.gid);
  }
  if (!number.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unable to find group ", arg, ": no matching entries in group file"));
  }
  return CheckId(number);
}

}  // namespace

absl::StatusOr<ExecUser> ResolveUserFromFiles(absl::string_view passwd, absl::string_view group,
                                              absl::string_view user,
                                              const std::vector<std::string>& group_add) {
  std::vector<PasswdEntry> users = ParsePasswd(passwd);
  std::vector<GroupEntry> groups = ParseGroup(group);

  absl::string_view user_arg = user, group_arg;
  if (size_t colon = user.find(':'); colon != absl::string_view::npos) {
    user_arg = user.substr(0, colon);
    group_arg = user.substr(colon + 1);
  }
  // Docker's default user is uid 0.
  if (user_arg.empty()) user_arg = "0";

  ExecUser out;
  std::optional<int64_t> uid_arg = ParseNumber(user_arg);
  const PasswdEntry* entry = nullptr;
  for (const PasswdEntry& u : users) {
    if (u.name == user_arg || (uid_arg.has_value() && u.uid == uid_arg)) {
      entry = &u;
      break;
    }
  }
  if (entry != nullptr) {
    ASSIGN_OR_RETURN(out.uid, CheckId(entry->uid));
    ASSIGN_OR_RETURN(out.gid, CheckId(entry->gid));
    out.name = entry->name;
    if (!entry->home.empty()) out.home = entry->home;
  } else if (uid_arg.has_value()) {
    ASSIGN_OR_RETURN(out.uid, CheckId(uid_arg));
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unable to find user ", user_arg, ": no matching entries in passwd file"));
  }

  if (!group_arg.empty()) {
    ASSIGN_OR_RETURN(out.gid, LookupGroup(groups, group_arg));
  } else if (!out.name.empty()) {
    for (const GroupEntry& g : groups) {
      for (const std::string& m : g.members) {
        if (m != out.name) continue;
        ASSIGN_OR_RETURN(uint32_t gid, CheckId(g.gid));
        out.additional_gids.push_back(gid);
        break;
      }
    }
  }
  for (const std::string& extra : group_add) {
    ASSIGN_OR_RETURN(uint32_t gid, LookupGroup(groups, extra));
    out.additional_gids.push_back(gid);
  }
  return out;
}

absl::StatusOr<ExecUser> ResolveUser(absl::string_view rootfs, absl::string_view user,
                                     const std::vector<std::string>& group_add) {
  ASSIGN_OR_RETURN(std::optional<std::string> passwd, ReadFileInRoot(rootfs, "/etc/passwd"));
  ASSIGN_OR_RETURN(std::optional<std::string> group, ReadFileInRoot(rootfs, "/etc/group"));
  return ResolveUserFromFiles(passwd.value_or(""), group.value_or(""), user, group_add);
}

}  // namespace containers
}  // namespace engine
