#include "engine/containers/container_store.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/base/digest.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"

namespace engine {
namespace containers {
namespace {

// Berth's own word lists: moods and navigators.
constexpr const char* kAdjectives[] = {
    "agile",    "amber",    "brave",    "breezy",   "bright",   "calm",     "candid",
    "clever",   "cosmic",   "crisp",    "daring",   "dazzling", "eager",    "earnest",
    "fearless", "fluent",   "gentle",   "glad",     "golden",   "hardy",    "hearty",
    "humble",   "jolly",    "keen",     "kind",     "lively",   "loyal",    "lucid",
    "merry",    "mellow",   "nimble",   "noble",    "patient",  "placid",   "plucky",
    "proud",    "quiet",    "radiant",  "rapid",    "serene",   "sharp",    "silent",
    "snappy",   "steady",   "sturdy",   "sunny",    "swift",    "tidy",     "upbeat",
    "vivid",    "witty",    "zealous",
};
constexpr const char* kSurnames[] = {
    "amundsen", "baffin",   "balboa",    "barents",  "bering",   "bougainville", "cabot",
    "cabral",   "cartier",  "champlain", "cook",     "dampier",  "dias",         "drake",
    "flinders", "franklin", "frobisher", "gama",     "hudson",   "humboldt",     "ibnbattuta",
    "jansz",    "kupe",     "laperouse", "magellan", "malaspina", "mawson",      "nansen",
    "nordenskiold", "orellana", "peary", "pinzon",   "polo",     "raleigh",      "ross",
    "scott",    "shackleton", "tasman",  "torres",   "vancouver", "vespucci",    "wilkes",
    "zheng",    "bellingshausen", "bass", "gosnold", "hearne",   "heyerdahl",    "quiros",
    "mendana",  "anson",    "byron",
};

absl::Status RandomBytes(void* buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t got = ::getrandom(static_cast<char*>(buf) + done, n - done, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return base::ErrnoError(errno, "getrandom");
    }
    done += static_cast<size_t>(got);
  }
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> RandomUint32() {
  uint32_t v = 0;
  RETURN_IF_ERROR(RandomBytes(&v, sizeof(v)));
  return v;
}

absl::string_view StripSlash(absl::string_view name) {
  if (absl::StartsWith(name, "/")) name.remove_prefix(1);
  return name;
}

absl::Status NoSuchContainer(absl::string_view ref) {
  return absl::NotFoundError(absl::StrCat("No such container: ", ref));
}

int64_t CreatedNanos(const ContainerRecord& r) {
  return r.created().seconds() * 1000000000 + r.created().nanos();
}

}  // namespace

std::string ShortId(absl::string_view id) { return std::string(id.substr(0, 12)); }

absl::Status ContainerStore::ValidateName(absl::string_view name) {
  absl::string_view n = StripSlash(name);
  bool ok = n.size() >= 2 && absl::ascii_isalnum(static_cast<unsigned char>(n[0]));
  for (size_t i = 1; ok && i < n.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(n[i]);
    ok = absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-';
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "Invalid container name (", name, "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"));
}

absl::StatusOr<std::string> ContainerStore::NewId() {
  for (;;) {
    unsigned char bytes[32];
    RETURN_IF_ERROR(RandomBytes(bytes, sizeof(bytes)));
    std::string id = absl::BytesToHexString(
        absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
    std::string short_id = ShortId(id);
    if (!std::all_of(short_id.begin(), short_id.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return id;
    }
  }
}

absl::StatusOr<ContainerRecord> ContainerStore::Parse(const metadata::ContainerRow& row) {
  ContainerRecord record;
  if (!record.ParseFromString(row.record)) {
    return absl::DataLossError(absl::StrCat("container ", row.id, ": corrupt record"));
  }
  // The indexed columns are authoritative (a rename updates both at once).
  record.set_id(row.id);
  record.set_name(row.name);
  return record;
}

absl::StatusOr<metadata::ContainerRow> ContainerStore::ToRow(const ContainerRecord& record) {
  if (record.id().empty()) return absl::InvalidArgumentError("container record without an ID");
  RETURN_IF_ERROR(ValidateName(record.name()));
  absl::StatusOr<base::Digest> image_id = base::Digest::Parse(record.image_id());
  if (!image_id.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("container ", record.id(), ": bad image ID \"",
                                                   record.image_id(), "\""));
  }
  if (record.snapshot_key().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("container ", record.id(), ": no snapshot key"));
  }
  ContainerRecord normalized = record;
  normalized.set_name(std::string(StripSlash(record.name())));
  metadata::ContainerRow row;
  row.id = normalized.id();
  row.name = normalized.name();
  row.image_id = *std::move(image_id);
  row.snapshot = normalized.snapshot_key();
  if (!normalized.SerializeToString(&row.record)) {
    return absl::InternalError(absl::StrCat("container ", record.id(), ": cannot serialize"));
  }
  return row;
}

absl::Status ContainerStore::Create(const ContainerRecord& record) {
  ASSIGN_OR_RETURN(metadata::ContainerRow row, ToRow(record));
  return metadata_->CreateContainer(row);
}

absl::StatusOr<ContainerRecord> ContainerStore::Get(absl::string_view id) {
  absl::StatusOr<metadata::ContainerRow> row = metadata_->GetContainer(id);
  if (absl::IsNotFound(row.status())) return NoSuchContainer(id);
  if (!row.ok()) return row.status();
  return Parse(*row);
}

absl::StatusOr<std::vector<ContainerRecord>> ContainerStore::List() {
  ASSIGN_OR_RETURN(std::vector<metadata::ContainerRow> rows, metadata_->ListContainers());
  std::vector<ContainerRecord> records;
  records.reserve(rows.size());
  for (const metadata::ContainerRow& row : rows) {
    ASSIGN_OR_RETURN(ContainerRecord record, Parse(row));
    records.push_back(std::move(record));
  }
  std::stable_sort(records.begin(), records.end(),
                   [](const ContainerRecord& a, const ContainerRecord& b) {
                     return CreatedNanos(a) > CreatedNanos(b);
                   });
  return records;
}

absl::Status ContainerStore::Update(const ContainerRecord& record) {
  ASSIGN_OR_RETURN(metadata::ContainerRow row, ToRow(record));
  absl::MutexLock lock(&write_mu_);
  absl::StatusOr<metadata::ContainerRow> existing = metadata_->GetContainer(record.id());
  if (absl::IsNotFound(existing.status())) return NoSuchContainer(record.id());
  RETURN_IF_ERROR(existing.status());
  return metadata_->PutContainer(row);
}

absl::Status ContainerStore::Remove(absl::string_view id) {
  absl::MutexLock lock(&write_mu_);
  absl::Status s = metadata_->DeleteContainer(id);
  if (absl::IsNotFound(s)) return NoSuchContainer(id);
  return s;
}

absl::Status ContainerStore::Rename(absl::string_view id, absl::string_view new_name) {
  RETURN_IF_ERROR(ValidateName(new_name));
  absl::string_view name = StripSlash(new_name);
  absl::MutexLock lock(&write_mu_);
  absl::StatusOr<metadata::ContainerRow> row = metadata_->GetContainer(id);
  if (absl::IsNotFound(row.status())) return NoSuchContainer(id);
  RETURN_IF_ERROR(row.status());
  if (row->name == name) {
    return absl::InvalidArgumentError("Renaming a container with the same name as its current name");
  }
  ASSIGN_OR_RETURN(ContainerRecord record, Parse(*row));
  record.set_name(std::string(name));
  ASSIGN_OR_RETURN(metadata::ContainerRow updated, ToRow(record));
  // One transaction: the index and the record change together.
  return metadata_->PutContainer(updated);
}

absl::StatusOr<ContainerRecord> ContainerStore::Resolve(absl::string_view ref) {
  if (ref.empty()) return absl::InvalidArgumentError("No container name or ID supplied");
  // 1. The exact full ID.
  absl::StatusOr<metadata::ContainerRow> exact = metadata_->GetContainer(ref);
  if (exact.ok()) return Parse(*exact);
  if (!absl::IsNotFound(exact.status())) return exact.status();

  ASSIGN_OR_RETURN(std::vector<metadata::ContainerRow> rows, metadata_->ListContainers());
  // 2. The exact name.
  absl::string_view name = StripSlash(ref);
  for (const metadata::ContainerRow& row : rows) {
    if (row.name == name) return Parse(row);
  }
  // 3. A unique ID prefix.
  const metadata::ContainerRow* match = nullptr;
  for (const metadata::ContainerRow& row : rows) {
    if (!absl::StartsWith(row.id, ref)) continue;
    if (match != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("multiple IDs found with provided prefix: ", ref));
    }
    match = &row;
  }
  if (match == nullptr) return NoSuchContainer(ref);
  return Parse(*match);
}

absl::StatusOr<std::string> ContainerStore::GenerateName() {
  ASSIGN_OR_RETURN(std::vector<metadata::ContainerRow> rows, metadata_->ListContainers());
  std::set<std::string> taken;
  for (const metadata::ContainerRow& row : rows) taken.insert(row.name);
  constexpr size_t kAdj = sizeof(kAdjectives) / sizeof(kAdjectives[0]);
  constexpr size_t kSur = sizeof(kSurnames) / sizeof(kSurnames[0]);
  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(uint32_t r, RandomUint32());
    std::string name = absl::StrCat(kAdjectives[r % kAdj], "_", kSurnames[(r / kAdj) % kSur]);
    // After a few collisions, widen the space with a number (as Docker does).
    if (attempt >= 10) {
      ASSIGN_OR_RETURN(uint32_t n, RandomUint32());
      absl::StrAppend(&name, n % (attempt >= 100 ? 100000 : 10));
    }
    if (taken.count(name) == 0) return name;
    if (attempt > 1000) {
      return absl::ResourceExhaustedError("cannot generate a unique container name");
    }
  }
}

}  // namespace containers
}  // namespace engine
