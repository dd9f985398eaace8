#include "cli/output/units.h"

#include <cstdio>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cli {
namespace {


}  // namespace

std::string HumanDuration(absl::Duration d) {
  int64_t seconds = absl::ToInt64Seconds(d);
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return absl::StrCat(seconds, " seconds");
  int64_t minutes = absl::ToInt64Minutes(d);
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return absl::StrCat(minutes, " minutes");
  // Go's d.Round(time.Hour): halves round away from zero.
  int64_t hours = absl::ToInt64Hours(d + absl::Minutes(30));
  if (hours == 1) return "About an hour";
  if (hours < 48) return absl::StrCat(hours, " hours");
  if (hours < 24 * 7 * 2) return absl::StrCat(hours / 24, " days");
  if (hours < 24 * 30 * 2) return absl::StrCat(hours / 24 / 7, " weeks");
  if (hours < 24 * 365 * 2) return absl::StrCat(hours / 24 / 30, " months");
  return absl::StrCat(absl::ToInt64Hours(d) / 24 / 365, " years");
}

std::string GoDurationString(absl::Duration d) {
  int64_t total = absl::ToInt64Seconds(d);
  if (total <= 0) return "0s";
  int64_t h = total / 3600;
  int64_t m = (total % 3600) / 60;
  int64_t s = total % 60;
  if (h > 0) return absl::StrFormat("%dh%dm%ds", h, m, s);
  if (m > 0) return absl::StrFormat("%dm%ds", m, s);
  return absl::StrFormat("%ds", s);
}

}  // namespace cli
