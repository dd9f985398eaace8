#include "cli/image_format.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/output/table.h"
#include "cli/output/units.h"
#include "rapidjson/prettywriter.h"
#include "rapidjson/stringbuffer.h"

namespace cli {
namespace {

using berth::v1::Image;

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// Splits "name:tag" (the tag follows the last ':' after the last '/').
std::pair<std::string, std::string> SplitTag(absl::string_view ref) {
  size_t slash = ref.rfind('/');
  size_t colon = ref.rfind(':');
  if (colon == absl::string_view::npos ||
      (slash != absl::string_view::npos && colon < slash)) {
    return {std::string(ref), ""};
  }
  return {std::string(ref.substr(0, colon)), std::string(ref.substr(colon + 1))};
}

struct Row {
  std::string repo, tag, digest;
  const Image* image;
};

// Docker's imageFormatTaggedAndDigest(), in a stable order.
std::vector<Row> ImageRows(const Image& img, bool need_digest, bool digests_flag) {
  if (img.repo_tags().empty() && img.repo_digests().empty()) {
    return {{"<none>", "<none>", "<none>", &img}};
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> tags;
  std::map<std::string, std::vector<std::string>> digests;
  std::vector<std::string> digest_order;
  for (const std::string& t : img.repo_tags()) {
    auto [repo, tag] = SplitTag(t);
    if (tag.empty()) continue;
    auto it = std::find_if(tags.begin(), tags.end(),
                           [&](const auto& p) { return p.first == repo; });
    if (it == tags.end()) {
      tags.push_back({repo, {tag}});
    } else {
      it->second.push_back(tag);
    }
  }
  for (const std::string& d : img.repo_digests()) {
    size_t at = d.find('@');
    if (at == std::string::npos) continue;
    std::string repo = d.substr(0, at);
    if (!digests.count(repo)) digest_order.push_back(repo);
    digests[repo].push_back(d.substr(at + 1));
  }
  std::vector<Row> rows;
  for (const auto& [repo, repo_tags] : tags) {
    std::vector<std::string> ds;
    if (auto it = digests.find(repo); it != digests.end()) {
      ds = it->second;
      digests.erase(it);
    }
    if (!need_digest) ds.clear();
    for (const std::string& tag : repo_tags) {
      if (ds.empty()) {
        rows.push_back({repo, tag, "<none>", &img});
        continue;
      }
      for (const std::string& d : ds) rows.push_back({repo, tag, d, &img});
    }
  }
  for (const std::string& repo : digest_order) {
    auto it = digests.find(repo);
    if (it == digests.end()) continue;
    if (digests_flag) {
      for (const std::string& d : it->second) rows.push_back({repo, "<none>", d, &img});
    } else {
      rows.push_back({repo, "<none>", "", &img});
    }
  }
  return rows;
}

std::string CreatedSince(const Image& img, absl::Time now) {
  if (!img.has_created()) return "";
  return HumanDuration(now - ToTime(img.created())) + " ago";
}

std::string GoTimeString(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %z %Z", ToTime(ts),
                          absl::LocalTimeZone());
}

Fields RowFields(const Row& r, bool no_trunc, absl::Time now) {
  const Image& img = *r.image;
  double size = static_cast<double>(img.size());
  return {
      {"Containers", "N/A"},
      {"CreatedAt", img.has_created() ? GoTimeString(img.created()) : ""},
      {"CreatedSince", CreatedSince(img, now)},
      {"Digest", r.digest},
      {"ID", no_trunc ? img.id() : TruncateId(img.id())},
      {"Repository", r.repo},
      {"SharedSize", "N/A"},
      {"Size", HumanSizeWithPrecision(size, 3)},
      {"Tag", r.tag},
      {"UniqueSize", "N/A"},
      {"VirtualSize", HumanSize(size)},
  };
}

const Fields kImageHeaders = {
    {"Containers", "CONTAINERS"}, {"CreatedAt", "CREATED AT"},
    {"CreatedSince", "CREATED"},  {"Digest", "DIGEST"},
    {"ID", "IMAGE ID"},           {"Repository", "REPOSITORY"},
    {"SharedSize", "SHARED SIZE"}, {"Size", "SIZE"},
    {"Tag", "TAG"},               {"UniqueSize", "UNIQUE SIZE"},
    {"VirtualSize", "SIZE"},
};

const Fields kHistoryHeaders = {
    {"ID", "IMAGE"},          {"CreatedSince", "CREATED"},
    {"CreatedAt", "CREATED AT"}, {"CreatedBy", "CREATED BY"},
    {"Size", "SIZE"},         {"Comment", "COMMENT"},
};

const std::string* Lookup(const Fields& fields, absl::string_view name) {
  for (const auto& [k, v] : fields) {
    if (k == name) return &v;
  }
  return nullptr;
}

// Expands the {{...}} actions of `tmpl` for one row.
absl::StatusOr<std::string> Expand(absl::string_view tmpl, const Fields& row) {
  std::string out;
  while (!tmpl.empty()) {
    size_t open = tmpl.find("{{");
    if (open == absl::string_view::npos) {
      absl::StrAppend(&out, tmpl);
      break;
    }
    absl::StrAppend(&out, tmpl.substr(0, open));
    size_t close = tmpl.find("}}", open);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("template: unclosed action");
    }
    absl::string_view action =
        absl::StripAsciiWhitespace(tmpl.substr(open + 2, close - open - 2));
    if (action == "json .") {
      absl::StrAppend(&out, GoJsonObject(row));
    } else if (absl::ConsumePrefix(&action, ".")) {
      const std::string* v = Lookup(row, action);
      if (v == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            "template: can't evaluate field ", action));
      }
      absl::StrAppend(&out, *v);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("template: unsupported action {{", action, "}}"));
    }
    tmpl.remove_prefix(close + 2);
  }
  return out;
}

std::string JsonEscape(absl::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

}  // namespace

std::string TruncateId(absl::string_view id) {
  absl::ConsumePrefix(&id, "sha256:");
  return std::string(id.substr(0, 12));
}

std::string Ellipsis(absl::string_view s, int max_width) {
  std::vector<std::string> points;
  for (size_t i = 0; i < s.size();) {
    size_t n = 1;
    while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
    points.emplace_back(s.substr(i, n));
    i += n;
  }
  if (static_cast<int>(points.size()) <= max_width) return std::string(s);
  if (max_width <= 0) return "";
  std::string out;
  for (int i = 0; i < max_width - 1; ++i) out += points[i];
  return out + "…";
}

std::string GoJsonObject(const Fields& fields) {
  Fields sorted = fields;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> parts;
  for (const auto& [k, v] : sorted) {
    parts.push_back(absl::StrCat("\"", JsonEscape(k), "\":\"", JsonEscape(v), "\""));
  }
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

absl::StatusOr<std::string> RenderRows(absl::string_view format,
                                       const std::vector<Fields>& rows,
                                       const Fields& headers) {
  std::string tmpl = absl::StrReplaceAll(format, {{"\\t", "\t"}, {"\\n", "\n"}});
  if (tmpl == "json") tmpl = "{{json .}}";
  absl::string_view t = tmpl;
  if (absl::ConsumePrefix(&t, "table")) {
    t = absl::StripLeadingAsciiWhitespace(t);
    if (t.empty()) return absl::InvalidArgumentError("template: empty table format");
    std::vector<std::string> columns = absl::StrSplit(t, '\t');
    std::vector<std::string> header_cells;
    for (const std::string& col : columns) {
      Fields names;
      for (const auto& [k, v] : headers) names.push_back({k, v});
      auto h = Expand(col, names);
      if (!h.ok()) return h.status();
      header_cells.push_back(*h);
    }
    Table table(header_cells);
    for (const Fields& row : rows) {
      std::vector<std::string> cells;
      for (const std::string& col : columns) {
        auto c = Expand(col, row);
        if (!c.ok()) return c.status();
        cells.push_back(*c);
      }
      table.AddRow(std::move(cells));
    }
    return table.Render();
  }
  std::string out;
  for (const Fields& row : rows) {
    auto line = Expand(t, row);
    if (!line.ok()) return line.status();
    absl::StrAppend(&out, *line, "\n");
  }
  return out;
}

absl::StatusOr<std::string> FormatImages(const std::vector<Image>& images,
                                         const ImagesOptions& options,
                                         absl::Time now) {
  if (options.quiet) {
    std::string out;
    std::set<std::string> seen;
    for (const Image& img : images) {
      std::string id = options.no_trunc ? img.id() : TruncateId(img.id());
      if (seen.insert(id).second) absl::StrAppend(&out, id, "\n");
    }
    return out;
  }
  std::string format = options.format;
  if (format.empty() || format == "table") {
    format = options.digests
                 ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t"
                   "{{.CreatedSince}}\t{{.Size}}"
                 : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t"
                   "{{.CreatedSince}}\t{{.Size}}";
  }
  bool need_digest = options.digests || absl::StrContains(format, "{{.Digest}}");
  bool default_table = options.format.empty() || options.format == "table";
  std::vector<Fields> rows;
  for (const Image& img : images) {
    for (const Row& r : ImageRows(img, need_digest, options.digests)) {
      Fields f = RowFields(r, options.no_trunc, now);
      if (default_table) {
        for (auto& [k, v] : f) {
          if (k == "CreatedSince" && v.empty()) v = "N/A";
        }
      }
      rows.push_back(std::move(f));
    }
  }
  return RenderRows(format, rows, kImageHeaders);
}

absl::StatusOr<std::string> FormatHistory(
    const berth::v1::ImageHistoryResponse& history,
    const HistoryOptions& options, absl::Time now) {
  std::vector<Fields> rows;
  for (const auto& e : history.entries()) {
    std::string id = e.id();
    if (!options.no_trunc && id != "<missing>") id = TruncateId(id);
    if (options.quiet) {
      rows.push_back({{"ID", id}});
      continue;
    }
    std::string created_by = absl::StrReplaceAll(e.created_by(), {{"\t", " "}});
    if (!options.no_trunc) created_by = Ellipsis(created_by, 45);
    std::string since;
    if (e.has_created()) {
      since = options.human ? HumanDuration(now - ToTime(e.created())) + " ago"
                            : Rfc3339Nano(e.created());
    }
    rows.push_back({
        {"ID", id},
        {"CreatedSince", since},
        {"CreatedAt", e.has_created() ? Rfc3339Nano(e.created()) : ""},
        {"CreatedBy", created_by},
        {"Size", options.human
                     ? HumanSizeWithPrecision(static_cast<double>(e.size()), 3)
                     : absl::StrCat(e.size())},
        {"Comment", e.comment()},
    });
  }
  std::string format = options.format;
  if (options.quiet) {
    format = "{{.ID}}";
  } else if (format.empty() || format == "table") {
    format = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
  }
  return RenderRows(format, rows, kHistoryHeaders);
}

}  // namespace cli
