#include "engine/metadata/gc.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "engine/base/log.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"

namespace engine {
namespace metadata {
namespace {

// Snapshots to remove: all but the roots and their ancestors, deepest first
// so that children go before their parents.
std::vector<std::string> SnapshotsToRemove(
    const std::vector<std::pair<std::string, std::string>>& all,
    const std::set<std::string>& roots) {
  std::map<std::string, std::string> parent(all.begin(), all.end());
  std::set<std::string> keep;
  for (const std::string& root : roots) {
    // Walk up the chain; the bound guards against a corrupt (cyclic) catalog.
    std::string name = root;
    for (size_t steps = 0; !name.empty() && steps <= parent.size(); ++steps) {
      if (!keep.insert(name).second) break;  // the rest is kept already
      auto it = parent.find(name);
      if (it == parent.end()) break;
      name = it->second;
    }
  }
  std::vector<std::pair<size_t, std::string>> doomed;  // (depth, name)
  for (const auto& [name, unused] : parent) {
    if (keep.count(name) != 0) continue;
    size_t depth = 0;
    for (auto it = parent.find(name); it != parent.end() && !it->second.empty() &&
                                      depth <= parent.size();
         it = parent.find(it->second)) {
      ++depth;
    }
    doomed.emplace_back(depth, name);
  }
  std::sort(doomed.begin(), doomed.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> names;
  for (auto& [depth, name] : doomed) names.push_back(std::move(name));
  return names;
}

}  // namespace

absl::StatusOr<GcResult> CollectGarbage(MetadataStore* metadata,
                                        content::ContentStore* content,
                                        SnapshotCatalog* snapshots,
                                        absl::Duration stale_ingest_age) {
  GcResult result;
  ASSIGN_OR_RETURN(MetadataStore::Roots roots, metadata->CollectRoots());

  // Snapshots first: a snapshot is the costlier thing to leave behind, and
  // removing it does not depend on the blobs.
  if (snapshots != nullptr) {
    ASSIGN_OR_RETURN(auto all, snapshots->ListSnapshots());
    for (const std::string& name : SnapshotsToRemove(all, roots.snapshots)) {
      absl::Status s = snapshots->RemoveSnapshot(name);
      if (absl::IsNotFound(s)) continue;
      if (!s.ok()) return base::Annotate(s, absl::StrCat("gc: remove snapshot ", name));
      ++result.snapshots_removed;
    }
  }

  std::vector<std::pair<base::Digest, int64_t>> unreferenced;
  RETURN_IF_ERROR(content->Walk([&](const base::Digest& digest, int64_t size) {
    if (roots.blobs.count(digest.str()) == 0) unreferenced.emplace_back(digest, size);
  }));
  for (const auto& [digest, size] : unreferenced) {
    absl::Status s = content->Delete(digest);
    if (absl::IsNotFound(s)) continue;
    if (!s.ok()) return base::Annotate(s, "gc");
    ++result.blobs_removed;
    result.bytes_reclaimed += size;
  }

  RETURN_IF_ERROR(
      base::Annotate(content->CleanIngests(stale_ingest_age, &result.ingests_removed), "gc"));

  LOG_INFO("garbage collected",
           {{"blobs", absl::StrCat(result.blobs_removed)},
            {"snapshots", absl::StrCat(result.snapshots_removed)},
            {"ingests", absl::StrCat(result.ingests_removed)},
            {"bytes", absl::StrCat(result.bytes_reclaimed)}});
  return result;
}

}  // namespace metadata
}  // namespace engine
