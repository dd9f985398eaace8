// -----------------------------------------------------------------------------
// File: wait_stats.h
// -----------------------------------------------------------------------------
//
// The two long-running container routes, which answer over a chunked
// stream: `POST /containers/{id}/wait` and `GET /containers/{id}/stats`.
// Both stop (and release the engine call) when the client goes away, which
// `docker run -d` always does with its /wait.

#ifndef GATEWAY_CONTAINERS_WAIT_STATS_H_
#define GATEWAY_CONTAINERS_WAIT_STATS_H_

#include "absl/status/status.h"
#include "gateway/http/request.h"
#include "gateway/http/response_writer.h"
#include "sdk/client.h"

namespace gateway {

// HandleWait()
//
// ?condition=not-running|next-exit|removed. Unknown containers and bad
// conditions are plain HTTP errors; otherwise the 200 head is sent at once
// (the docker CLI starts the container only after it arrives) and
// {"StatusCode":N,"Error":null} follows when the condition holds.
absl::Status HandleWait(const sdk::Client* client, const Request& request,
                        ResponseWriter* writer);

// HandleStats()
//
// ?stream= (default true) &one-shot=. Streaming: one document about every
// second, each with the previous sample as precpu_stats. stream=0: two
// samples a second apart, so `docker stats --no-stream` shows a CPU
// percentage; with one-shot=1 a single sample. A stopped container gives
// one all-zero document, as dockerd's.
absl::Status HandleStats(const sdk::Client* client, const Request& request,
                         ResponseWriter* writer);

}  // namespace gateway

#endif  // GATEWAY_CONTAINERS_WAIT_STATS_H_
