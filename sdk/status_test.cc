#include "sdk/status.h"

#include "grpcpp/support/status.h"
#include "gtest/gtest.h"

namespace sdk {
namespace {

constexpr char kHost[] = "unix:///run/berth/berth.sock";

TEST(FromGrpcStatus, OkStaysOk) {
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK, kHost).ok());
}

TEST(FromGrpcStatus, EveryCodeKeepsItsNumberAndMessage) {
  for (int code = 1; code <= 16; ++code) {
    grpc::Status in(static_cast<grpc::StatusCode>(code), "manifest unknown");
    absl::Status out = FromGrpcStatus(in, kHost);
    EXPECT_EQ(static_cast<int>(out.code()), code);
    EXPECT_EQ(out.message(), "manifest unknown");
    EXPECT_TRUE(IsDaemonError(out));
    EXPECT_FALSE(IsConnectionError(out));
  }
}

TEST(FromGrpcStatus, NamedCodesMatch) {
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "x"), kHost)
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "x"),
                           kHost)
                .code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(
      FromGrpcStatus(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "x"),
                     kHost)
          .code(),
      absl::StatusCode::kFailedPrecondition);
}

TEST(FromGrpcStatus, DaemonUnavailableStaysDaemonError) {
  // The registry being unreachable is the daemon's answer, not ours.
  absl::Status out = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::UNAVAILABLE,
                   "Get \"https://127.0.0.1:1/v2/\": connection timed out"),
      kHost);
  EXPECT_TRUE(IsDaemonError(out));
}

TEST(FromGrpcStatus, TransportFailureIsConnectionError) {
  absl::Status out = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::UNAVAILABLE,
                   "failed to connect to all addresses; last error: UNKNOWN"),
      kHost);
  EXPECT_TRUE(IsConnectionError(out));
  EXPECT_FALSE(IsDaemonError(out));
  EXPECT_EQ(out.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(out.message(),
            "Cannot connect to the Berth daemon at "
            "unix:///run/berth/berth.sock: is the daemon running?");
}

TEST(Marks, PlainStatusHasNone) {
  absl::Status s = absl::NotFoundError("x");
  EXPECT_FALSE(IsDaemonError(s));
  EXPECT_FALSE(IsConnectionError(s));
  EXPECT_FALSE(IsDaemonError(absl::OkStatus()));
}

}  // namespace
}  // namespace sdk
