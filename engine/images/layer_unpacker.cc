#include "engine/images/layer_unpacker.h"

#include <fcntl.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/archive/decompress.h"
#include "engine/archive/layer_extractor.h"
#include "engine/base/byte_source.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/base/worker_thread.h"

namespace engine::images {
namespace {

using berth::v1::LAYER_PHASE_DOWNLOAD_COMPLETE;
using berth::v1::LAYER_PHASE_DOWNLOADING;
using berth::v1::LAYER_PHASE_EXTRACTING;
using berth::v1::LAYER_PHASE_VERIFYING;

constexpr uint64_t kMinBombLimit = 1ull << 30;
constexpr uint64_t kBombRatio = 100;

// Reads the first bytes of `src` to detect the compression, then returns a
// decompressing source over the whole stream.
class SniffedStream {
 public:
  absl::StatusOr<base::ByteSource*> Open(base::ByteSource* src, uint64_t max_output) {
    std::string head(4, '\0');
    size_t got = 0;
    while (got < head.size()) {
      ASSIGN_OR_RETURN(size_t n, src->Read(&head[got], head.size() - got));
      if (n == 0) break;
      got += n;
    }
    head.resize(got);
    archive::Compression c = archive::SniffCompression(head);
    prefixed_ = std::make_unique<base::PrefixedSource>(std::move(head), src);
    ASSIGN_OR_RETURN(decompressor_, archive::NewDecompressor(prefixed_.get(), c, max_output));
    return decompressor_.get();
  }

 private:
  std::unique_ptr<base::PrefixedSource> prefixed_;
  std::unique_ptr<base::ByteSource> decompressor_;
};

}  // namespace

uint64_t MaxUncompressedSize(int64_t compressed_size) {
  uint64_t size = compressed_size > 0 ? static_cast<uint64_t>(compressed_size) : 0;
  return std::max(kMinBombLimit, size * kBombRatio);
}

absl::StatusOr<uint64_t> LayerUnpacker::Extract(base::ByteSource* blob,
                                                const LayerTask& task,
                                                absl::string_view dir) {
  SniffedStream stream;
  ASSIGN_OR_RETURN(base::ByteSource* tar,
                   stream.Open(blob, MaxUncompressedSize(task.blob.size)));
  archive::ExtractOptions options;
  options.max_total_bytes = MaxUncompressedSize(task.blob.size);
  ASSIGN_OR_RETURN(archive::ExtractResult result,
                   archive::ExtractLayer(tar, dir, options));
  if (result.diff_id != task.diff_id) {
    return absl::DataLossError(absl::StrCat(
        "layer ", task.blob.digest.str(), ": diff ID mismatch: config says ",
        task.diff_id.str(), ", layer content is ", result.diff_id.str()));
  }
  return result.content_bytes;
}

absl::Status LayerUnpacker::Download(const registry::Reference& repo,
                                     const registry::Credentials& creds,
                                     const LayerTask& task, base::BytePipe* tee,
                                     ProgressReporter* progress) {
  const std::string id = task.blob.digest.Short();
  auto writer_or = content_->OpenWriter(task.blob.digest, task.blob.size);
  if (absl::IsAlreadyExists(writer_or.status())) {
    // Another pull committed it while we waited: stream the local copy.
    if (tee == nullptr) return absl::OkStatus();
    ASSIGN_OR_RETURN(base::UniqueFd fd, content_->OpenBlob(task.blob.digest));
    base::FdSource local(fd.get());
    char buf[1 << 16];
    for (;;) {
      ASSIGN_OR_RETURN(size_t n, local.Read(buf, sizeof buf));
      if (n == 0) return absl::OkStatus();
      RETURN_IF_ERROR(tee->Write(absl::string_view(buf, n)));
    }
  }
  RETURN_IF_ERROR(writer_or.status());
  std::unique_ptr<content::ContentStore::Writer> writer = std::move(writer_or).value();
  // A partial ingest can resume only when nothing downstream needs the
  // whole stream.
  uint64_t offset = writer->offset();
  if (tee != nullptr && offset > 0) {
    RETURN_IF_ERROR(writer->Truncate(0));
    offset = 0;
  }
  uint64_t received = offset;
  const int64_t total = task.blob.size;
  RETURN_IF_ERROR(client_->FetchBlob(
      repo, task.blob.digest, offset, creds,
      [&](absl::string_view chunk) -> absl::Status {
        received += chunk.size();
        if (total >= 0 && received > static_cast<uint64_t>(total)) {
          return absl::DataLossError(absl::StrCat(
              "blob ", task.blob.digest.str(), ": registry sent more than the ",
              total, " bytes the manifest declares"));
        }
        RETURN_IF_ERROR(writer->Write(chunk));
        if (tee != nullptr) RETURN_IF_ERROR(tee->Write(chunk));
        progress->Bytes(id, LAYER_PHASE_DOWNLOADING, static_cast<int64_t>(received), total);
        return absl::OkStatus();
      }));
  progress->Phase(id, LAYER_PHASE_VERIFYING);
  RETURN_IF_ERROR(writer->Commit());
  progress->Phase(id, LAYER_PHASE_DOWNLOAD_COMPLETE);
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> LayerUnpacker::Unpack(const registry::Reference& repo,
                                               const registry::Credentials& creds,
                                               const LayerTask& task,
                                               absl::string_view active_key,
                                               ProgressReporter* progress) {
  const std::string id = task.blob.digest.Short();
  if (!task.need_snapshot) {
    RETURN_IF_ERROR(Download(repo, creds, task, nullptr, progress));
    return 0;
  }
  ASSIGN_OR_RETURN(snapshots::SnapshotInfo active, snapshotter_->Prepare(active_key, ""));
  absl::StatusOr<uint64_t> extracted;
  if (!task.need_blob) {
    progress->Phase(id, LAYER_PHASE_EXTRACTING, 0, task.blob.size);
    auto fd = content_->OpenBlob(task.blob.digest);
    if (fd.ok()) {
      base::FdSource local(fd->get());
      extracted = Extract(&local, task, active.upper_dir);
    } else {
      extracted = fd.status();
    }
  } else {
    base::BytePipe pipe(8 << 20);
    base::WorkerThread extractor([&] {
      extracted = Extract(&pipe, task, active.upper_dir);
      // Stop the download early if the layer is refused; else let the
      // download finish (the extractor drained the stream to its end).
      pipe.CloseRead(extracted.ok() ? absl::OkStatus() : extracted.status());
    });
    absl::Status downloaded = Download(repo, creds, task, &pipe, progress);
    pipe.CloseWrite(downloaded);
    extractor.Join();
    // A refused layer explains a cancelled download; otherwise the download
    // error (digest mismatch, registry gone) is the cause.
    if (!extracted.ok() && (downloaded.ok() || absl::IsCancelled(downloaded))) {
      downloaded = extracted.status();
    }
    if (!downloaded.ok()) extracted = downloaded;
    if (extracted.ok()) progress->Phase(id, LAYER_PHASE_EXTRACTING, task.blob.size, task.blob.size);
  }
  if (!extracted.ok()) {
    absl::Status removed = snapshotter_->Remove(active_key);
    (void)removed;  // GC reclaims it if this failed too.
    return base::Annotate(extracted.status(), absl::StrCat("layer ", id));
  }
  return extracted;
}

}  // namespace engine::images
