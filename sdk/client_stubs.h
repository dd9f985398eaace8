// Private to //sdk:client: the generated stubs a Client holds, shared by the
// files that implement Client's methods (client.cc, containers.cc).

#ifndef SDK_CLIENT_STUBS_H_
#define SDK_CLIENT_STUBS_H_

#include <memory>

#include "proto/berth/v1/containers.grpc.pb.h"
#include "proto/berth/v1/images.grpc.pb.h"
#include "proto/berth/v1/registries.grpc.pb.h"
#include "proto/berth/v1/system.grpc.pb.h"
#include "sdk/client.h"

namespace sdk {

struct Client::Stubs {
  std::unique_ptr<berth::v1::Images::Stub> images;
  std::unique_ptr<berth::v1::Registries::Stub> registries;
  std::unique_ptr<berth::v1::System::Stub> system;
  std::unique_ptr<berth::v1::Containers::Stub> containers;
};

}  // namespace sdk

#endif  // SDK_CLIENT_STUBS_H_
