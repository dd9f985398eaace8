#include "gateway/containers/docker_errors.h"

#include "gtest/gtest.h"

namespace gateway {
namespace {

TEST(DockerErrors, KillOfAStoppedContainer) {
  absl::Status s = KillError(absl::FailedPreconditionError("Container abc is not running"), "L2");
  EXPECT_TRUE(absl::IsFailedPrecondition(s));
  EXPECT_EQ(s.message(), "cannot kill container: L2: container abc is not running");
  absl::Status other = absl::NotFoundError("No such container: x");
  EXPECT_EQ(KillError(other, "x"), other);
}

TEST(DockerErrors, RemoveOfARunningContainer) {
  absl::Status s = RemoveError(
      absl::FailedPreconditionError("You cannot remove a running container abc. Stop the "
                                    "container before attempting removal or force remove"),
      "/L3");
  EXPECT_TRUE(absl::IsFailedPrecondition(s));
  EXPECT_EQ(s.message(),
            "cannot remove container \"/L3\": container is running: stop the container "
            "before removing or force remove");
  s = RemoveError(absl::FailedPreconditionError("You cannot remove a paused container abc."),
                  "p");
  EXPECT_EQ(s.message(),
            "cannot remove container \"/p\": container is paused: stop the container "
            "before removing or force remove");
  absl::Status other = absl::FailedPreconditionError("something else");
  EXPECT_EQ(RemoveError(other, "x"), other);
}

TEST(DockerErrors, MissingImageNamesItsTag) {
  EXPECT_EQ(CreateError(absl::NotFoundError("No such image: nosuch/img")).message(),
            "No such image: nosuch/img:latest");
  EXPECT_TRUE(absl::IsNotFound(CreateError(absl::NotFoundError("No such image: busybox"))));
  EXPECT_EQ(CreateError(absl::NotFoundError("No such image: busybox:1.0")).message(),
            "No such image: busybox:1.0");
  EXPECT_EQ(CreateError(absl::NotFoundError("No such image: localhost:5000/x")).message(),
            "No such image: localhost:5000/x:latest");
  EXPECT_EQ(CreateError(absl::NotFoundError("No such image: x@sha256:ab")).message(),
            "No such image: x@sha256:ab");
  absl::Status other = absl::NotFoundError("No such container: x");
  EXPECT_EQ(CreateError(other), other);
}

TEST(DockerErrors, AlreadyRunning) {
  EXPECT_TRUE(IsAlreadyRunning(absl::FailedPreconditionError("container abc is already running")));
  EXPECT_FALSE(IsAlreadyRunning(
      absl::FailedPreconditionError("cannot start a paused container, try unpause instead")));
  EXPECT_FALSE(IsAlreadyRunning(absl::OkStatus()));
}

}  // namespace
}  // namespace gateway
