// Measures the pull hot path without the network: gzip (or zstd) layer ->
// decompressor -> extractor, plus decompression alone.
// Usage: extract_bench [MiB=200] [gzip|zstd]. Needs root.

#include <zlib.h>
#include <zstd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/archive/decompress.h"
#include "engine/archive/layer_extractor.h"
#include "engine/archive/tar_builder.h"
#include "engine/base/file_util.h"

namespace {

std::string Gzip(const std::string& data) {
  z_stream zs = {};
  deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = data.size();
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = out.size();
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3));
  return out;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  const size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200;
  const bool zstd = argc > 2 && std::string(argv[2]) == "zstd";
  std::mt19937 rng(1);
  engine::archive::TarBuilder b;
  std::string chunk;
  for (size_t i = 0; i < mib; ++i) {
    chunk.clear();
    while (chunk.size() < (1 << 20)) {
      if (rng() % 3 == 0) {
        for (int j = 0; j < 256; ++j) chunk.push_back(static_cast<char>(rng()));
      } else {
        chunk += "lorem ipsum dolor sit amet, consectetur adipiscing elit ";
      }
    }
    chunk.resize(1 << 20);
    b.File(absl::StrCat("dir", i % 10, "/file", i), chunk);
  }
  const std::string tar = b.Build();
  const std::string blob = zstd ? Zstd(tar) : Gzip(tar);
  const auto c = zstd ? engine::archive::Compression::kZstd : engine::archive::Compression::kGzip;
  std::printf("tar %zu MiB, %s %zu MiB\n", tar.size() >> 20, zstd ? "zstd" : "gzip", blob.size() >> 20);

  auto t0 = std::chrono::steady_clock::now();
  {
    base::StringSource src(blob);
    auto d = engine::archive::NewDecompressor(&src, c, 1ull << 40).value();
    std::string buf(1 << 20, '\0');
    while (d->Read(buf.data(), buf.size()).value() > 0) {
    }
  }
  double dec = Seconds(t0);
  std::printf("decompress: %.3f s, %.0f MiB/s (uncompressed)\n", dec, (tar.size() >> 20) / dec);

  char tmpl[] = "/tmp/berth-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 1;
  t0 = std::chrono::steady_clock::now();
  base::StringSource src(blob);
  auto d = engine::archive::NewDecompressor(&src, c, 1ull << 40).value();
  auto r = engine::archive::ExtractLayer(d.get(), tmpl);
  double ext = Seconds(t0);
  if (!r.ok()) {
    std::printf("extract failed: %s\n", r.status().ToString().c_str());
    return 1;
  }
  std::printf("decompress+extract: %.3f s, %.0f MiB/s (uncompressed)\n", ext, (tar.size() >> 20) / ext);
  (void)base::RemoveAll(tmpl);
  return 0;
}
