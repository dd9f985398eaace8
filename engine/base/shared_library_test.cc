#include "engine/base/shared_library.h"

#include <cstring>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace base {
namespace {

// Whether `soname` is mapped into this process.
bool Mapped(const std::string& soname) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find(soname) != std::string::npos) return true;
  }
  return false;
}

struct Bz2Api {
  std::unique_ptr<DlLibrary> lib;
  const char* (*version)() = nullptr;
};

TEST(SharedLibraryTest, ResolvesAndReportsMissingSymbols) {
  auto lib = DlLibrary::Open("libbz2.so.1.0");
  ASSERT_TRUE(lib.ok()) << lib.status();
  const char* (*version)() = nullptr;
  ASSERT_TRUE((*lib)->Resolve("BZ2_bzlibVersion", &version).ok());
  EXPECT_NE(std::strlen(version()), 0u);
  void (*nope)() = nullptr;
  absl::Status s = (*lib)->Resolve("no_such_symbol", &nope);
  EXPECT_EQ(s.message(), "libbz2.so.1.0 has no no_such_symbol");
  auto missing = DlLibrary::Open("libberth-no-such.so.9");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("load libberth-no-such.so.9: "), std::string::npos);
}

TEST(SharedLibraryTest, LoaderKeepsOneInstanceWhileHeldAndUnloadsAfter) {
  int loads = 0;
  SharedLoader<Bz2Api> loader([&loads]() -> absl::StatusOr<std::unique_ptr<Bz2Api>> {
    ++loads;
    auto api = std::make_unique<Bz2Api>();
    auto lib = DlLibrary::Open("libbz2.so.1.0");
    if (!lib.ok()) return lib.status();
    api->lib = *std::move(lib);
    if (absl::Status s = api->lib->Resolve("BZ2_bzlibVersion", &api->version); !s.ok()) return s;
    return api;
  });
  ASSERT_FALSE(Mapped("libbz2.so"));
  {
    auto a = loader.Acquire();
    ASSERT_TRUE(a.ok());
    auto b = loader.Acquire();
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(a->get(), b->get());
    EXPECT_EQ(loads, 1);
    EXPECT_TRUE(loader.loaded());
    EXPECT_TRUE(Mapped("libbz2.so"));
  }
  EXPECT_FALSE(loader.loaded());
  EXPECT_FALSE(Mapped("libbz2.so"));
  ASSERT_TRUE(loader.Acquire().ok());
  EXPECT_EQ(loads, 2);
}

}  // namespace
}  // namespace base
