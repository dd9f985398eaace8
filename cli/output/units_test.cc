#include "cli/output/units.h"

#include "gtest/gtest.h"

namespace cli {
namespace {

TEST(HumanSize, ImagesColumnPrecision3) {
  EXPECT_EQ(HumanSizeWithPrecision(0, 3), "0B");
  EXPECT_EQ(HumanSizeWithPrecision(999, 3), "999B");
  EXPECT_EQ(HumanSizeWithPrecision(1000, 3), "1kB");
  EXPECT_EQ(HumanSizeWithPrecision(13256, 3), "13.3kB");
  EXPECT_EQ(HumanSizeWithPrecision(1234567, 3), "1.23MB");
  EXPECT_EQ(HumanSizeWithPrecision(7800000, 3), "7.8MB");
  EXPECT_EQ(HumanSizeWithPrecision(77800000, 3), "77.8MB");
  EXPECT_EQ(HumanSizeWithPrecision(1.2e9, 3), "1.2GB");
  EXPECT_EQ(HumanSizeWithPrecision(123456789012.0, 3), "123GB");
}

TEST(HumanSize, ProgressPrecision4) {
  EXPECT_EQ(HumanSize(0), "0B");
  EXPECT_EQ(HumanSize(1024), "1.024kB");
  EXPECT_EQ(HumanSize(2746000), "2.746MB");
  EXPECT_EQ(HumanSize(796000), "796kB");
  EXPECT_EQ(HumanSize(3400000), "3.4MB");
}

TEST(HumanDuration, MatchesGoUnits) {
  const absl::Duration day = absl::Hours(24);
  const absl::Duration week = 7 * day;
  const absl::Duration month = 30 * day;
  const absl::Duration year = 365 * day;
  EXPECT_EQ(HumanDuration(absl::Milliseconds(450)), "Less than a second");
  EXPECT_EQ(HumanDuration(absl::Seconds(1)), "1 second");
  EXPECT_EQ(HumanDuration(absl::Seconds(45)), "45 seconds");
  EXPECT_EQ(HumanDuration(absl::Seconds(59)), "59 seconds");
  EXPECT_EQ(HumanDuration(absl::Seconds(60)), "About a minute");
  EXPECT_EQ(HumanDuration(absl::Minutes(3)), "3 minutes");
  EXPECT_EQ(HumanDuration(absl::Minutes(35) + absl::Seconds(40)), "35 minutes");
  EXPECT_EQ(HumanDuration(absl::Minutes(59)), "59 minutes");
  EXPECT_EQ(HumanDuration(absl::Hours(1)), "About an hour");
  EXPECT_EQ(HumanDuration(absl::Hours(1) + absl::Minutes(29)), "About an hour");
  EXPECT_EQ(HumanDuration(absl::Hours(1) + absl::Minutes(31)), "2 hours");
  EXPECT_EQ(HumanDuration(absl::Hours(3) + absl::Minutes(29)), "3 hours");
  EXPECT_EQ(HumanDuration(absl::Hours(3) + absl::Minutes(31)), "4 hours");
  EXPECT_EQ(HumanDuration(absl::Hours(24)), "24 hours");
  EXPECT_EQ(HumanDuration(day + absl::Hours(12)), "36 hours");
  EXPECT_EQ(HumanDuration(2 * day), "2 days");
  EXPECT_EQ(HumanDuration(13 * day + absl::Hours(5)), "13 days");
  EXPECT_EQ(HumanDuration(2 * week), "2 weeks");
  EXPECT_EQ(HumanDuration(2 * week + 4 * day), "2 weeks");
  EXPECT_EQ(HumanDuration(month), "4 weeks");
  EXPECT_EQ(HumanDuration(month + 2 * week), "6 weeks");
  EXPECT_EQ(HumanDuration(2 * month), "2 months");
  EXPECT_EQ(HumanDuration(5 * month + 2 * week), "5 months");
  EXPECT_EQ(HumanDuration(24 * month), "24 months");
  EXPECT_EQ(HumanDuration(24 * month + 2 * week), "2 years");
  EXPECT_EQ(HumanDuration(3 * year + 2 * month), "3 years");
}

TEST(GoDurationString, WholeSeconds) {
  EXPECT_EQ(GoDurationString(absl::ZeroDuration()), "0s");
  EXPECT_EQ(GoDurationString(absl::Seconds(45)), "45s");
  EXPECT_EQ(GoDurationString(absl::Seconds(90)), "1m30s");
  EXPECT_EQ(GoDurationString(absl::Seconds(7205)), "2h0m5s");
}

}  // namespace
}  // namespace cli
