#include "engine/services/images_service.h"

#include "engine/services/status_convert.h"

namespace engine::services {

grpc::Status ImagesService::Pull(grpc::ServerContext* context,
                                 const berth::v1::PullRequest* request,
                                 grpc::ServerWriter<berth::v1::PullProgress>* writer) {
  // A client that went away stops receiving progress; the pull itself
  // finishes so that its work is not wasted.
  auto result = images_->Pull(*request, [&](const berth::v1::PullProgress& event) {
    if (!context->IsCancelled()) writer->Write(event);
  });
  return ToGrpcStatus(result.status());
}

grpc::Status ImagesService::Push(grpc::ServerContext* context,
                                 const berth::v1::PushRequest* request,
                                 grpc::ServerWriter<berth::v1::PushProgress>* writer) {
  auto result = images_->Push(*request, [&](const berth::v1::PushProgress& event) {
    if (!context->IsCancelled()) writer->Write(event);
  });
  return ToGrpcStatus(result.status());
}

grpc::Status ImagesService::List(grpc::ServerContext*, const berth::v1::ListImagesRequest* request,
                                 berth::v1::ListImagesResponse* response) {
  auto result = images_->List(*request);
  if (result.ok()) *response = std::move(*result);
  return ToGrpcStatus(result.status());
}

grpc::Status ImagesService::Get(grpc::ServerContext*, const berth::v1::GetImageRequest* request,
                                berth::v1::Image* response) {
  auto result = images_->Get(request->reference());
  if (result.ok()) *response = std::move(*result);
  return ToGrpcStatus(result.status());
}

grpc::Status ImagesService::Remove(grpc::ServerContext*,
                                   const berth::v1::RemoveImageRequest* request,
                                   berth::v1::RemoveImageResponse* response) {
  auto result = images_->Remove(*request);
  if (result.ok()) *response = std::move(*result);
  return ToGrpcStatus(result.status());
}

grpc::Status ImagesService::Tag(grpc::ServerContext*, const berth::v1::TagImageRequest* request,
                                berth::v1::TagImageResponse*) {
  return ToGrpcStatus(images_->Tag(request->source(), request->target()));
}

grpc::Status ImagesService::Prune(grpc::ServerContext*,
                                  const berth::v1::PruneImagesRequest* request,
                                  berth::v1::PruneImagesResponse* response) {
  auto result = images_->Prune(*request);
  if (result.ok()) *response = std::move(*result);
  return ToGrpcStatus(result.status());
}

grpc::Status ImagesService::History(grpc::ServerContext*,
                                    const berth::v1::ImageHistoryRequest* request,
                                    berth::v1::ImageHistoryResponse* response) {
  auto result = images_->History(request->reference());
  if (result.ok()) *response = std::move(*result);
  return ToGrpcStatus(result.status());
}

}  // namespace engine::services
