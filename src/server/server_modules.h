#ifndef MISC_SRC_SERVER_SERVER_MODULES_H_
#define MISC_SRC_SERVER_SERVER_MODULES_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "src/server/service_module.h"

namespace misc::server {

// Implemented by the file misc_add_server() generates for each server binary
// (cmake/MiscServer.cmake): the binary's name and the services it hosts, in that order.
absl::string_view ServerName();
std::vector<ServiceModule> HostedModules();

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_SERVER_MODULES_H_
