#include "cli/output/table.h"

#include "gtest/gtest.h"

namespace cli {
namespace {

TEST(Table, AlignsLikeDockerImages) {
  Table t({"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
  t.AddRow({"alpine", "latest", "05455a08881e", "2 weeks ago", "7.38MB"});
  t.AddRow({"127.0.0.1:5000/busybox", "1.36", "a416a98b71e2", "3 months ago",
            "4.26MB"});
  EXPECT_EQ(t.Render(),
            "REPOSITORY               TAG       IMAGE ID       CREATED        SIZE\n"
            "alpine                   latest    05455a08881e   2 weeks ago    7.38MB\n"
            "127.0.0.1:5000/busybox   1.36      a416a98b71e2   3 months ago   4.26MB\n");
}

TEST(Table, HeaderOnlyUsesMinimumWidth) {
  Table t({"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
  EXPECT_EQ(t.Render(), "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n");
}

TEST(Table, ShortRowsAndUtf8) {
  Table t({"A", "B", "C"});
  t.AddRow({"é", "x"});
  EXPECT_EQ(t.Render(),
            "A         B         C\n"
            "é         x         \n");
}

TEST(Table, NoHeader) {
  Table t({});
  t.AddRow({"x", "y"});
  EXPECT_EQ(t.Render(), "x         y\n");
}

}  // namespace
}  // namespace cli
