// InspectJson(): the `image inspect` document (declared in image_format.h).

#include <string>
#include <vector>

#include "cli/image_format.h"
#include "sdk/docker_json.h"

namespace cli {

std::string InspectJson(const std::vector<berth::v1::Image>& images) {
  std::vector<std::string> objects;
  for (const auto& img : images) objects.push_back(sdk::DockerImageJson(img));
  return sdk::PrettyJsonArray(objects);
}

}  // namespace cli
