// Standalone driver for libFuzzer entry points. Usage: target [files...]
// Runs every file given (seed corpus, crash reproducers), then
// BERTH_FUZZ_RUNS (default 20000) inputs mutated from them with a fixed seed.
//
// Under `--config=fuzz` (which defines BERTH_LIBFUZZER and links with
// -fsanitize=fuzzer) libFuzzer supplies main(), so this file compiles to nothing.

#ifndef BERTH_LIBFUZZER

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::string Mutate(const std::string& in, std::mt19937* rng) {
  std::string s = in;
  int edits = 1 + static_cast<int>((*rng)() % 8);
  for (int i = 0; i < edits; ++i) {
    uint32_t op = (*rng)() % 4;
    size_t pos = s.empty() ? 0 : (*rng)() % s.size();
    char byte = static_cast<char>((*rng)() & 0xff);
    if (op == 0 && !s.empty()) s[pos] = byte;
    if (op == 1) s.insert(s.begin() + static_cast<long>(pos), byte);
    if (op == 2 && !s.empty()) s.erase(pos, 1 + (*rng)() % 16);
    if (op == 3 && !s.empty()) s.resize(pos);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> corpus = {""};
  for (int i = 1; i < argc; ++i) {
    std::ifstream f(argv[i], std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "cannot open %s\n", argv[i]);
      return 2;
    }
    corpus.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  for (const std::string& input : corpus) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  }
  const char* env = std::getenv("BERTH_FUZZ_RUNS");
  long runs = env ? std::atol(env) : 20000;
  std::mt19937 rng(42);
  for (long i = 0; i < runs; ++i) {
    std::string input = Mutate(corpus[rng() % corpus.size()], &rng);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  }
  std::printf("%zu seeds, %ld mutated inputs: no crash\n", corpus.size(), runs);
  return 0;
}

#endif  // BERTH_LIBFUZZER
