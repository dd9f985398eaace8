// -----------------------------------------------------------------------------
// File: images_service.h
// -----------------------------------------------------------------------------
//
// The berth.v1.Images gRPC service: a thin adapter over
// engine::images::ImageService. It converts statuses at this boundary and
// streams pull/push progress; it holds no logic of its own.

#ifndef ENGINE_SERVICES_IMAGES_SERVICE_H_
#define ENGINE_SERVICES_IMAGES_SERVICE_H_

#include "engine/images/image_service.h"
#include "proto/berth/v1/images.grpc.pb.h"

namespace engine::services {

class ImagesService final : public berth::v1::Images::Service {
 public:
  // Does not take ownership; `images` must outlive the service.
  explicit ImagesService(images::ImageService* images) : images_(images) {}

  grpc::Status Pull(grpc::ServerContext* context, const berth::v1::PullRequest* request,
                    grpc::ServerWriter<berth::v1::PullProgress>* writer) override;
  grpc::Status Push(grpc::ServerContext* context, const berth::v1::PushRequest* request,
                    grpc::ServerWriter<berth::v1::PushProgress>* writer) override;
  grpc::Status List(grpc::ServerContext* context, const berth::v1::ListImagesRequest* request,
                    berth::v1::ListImagesResponse* response) override;
  grpc::Status Get(grpc::ServerContext* context, const berth::v1::GetImageRequest* request,
                   berth::v1::Image* response) override;
  grpc::Status Remove(grpc::ServerContext* context, const berth::v1::RemoveImageRequest* request,
                      berth::v1::RemoveImageResponse* response) override;
  grpc::Status Tag(grpc::ServerContext* context, const berth::v1::TagImageRequest* request,
                   berth::v1::TagImageResponse* response) override;
  grpc::Status Prune(grpc::ServerContext* context, const berth::v1::PruneImagesRequest* request,
                     berth::v1::PruneImagesResponse* response) override;
  grpc::Status History(grpc::ServerContext* context,
                       const berth::v1::ImageHistoryRequest* request,
                       berth::v1::ImageHistoryResponse* response) override;

 private:
  images::ImageService* images_;
};

}  // namespace engine::services

#endif  // ENGINE_SERVICES_IMAGES_SERVICE_H_
