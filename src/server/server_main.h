#ifndef MISC_SRC_SERVER_SERVER_MAIN_H_
#define MISC_SRC_SERVER_SERVER_MAIN_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/server/front.h"
#include "src/server/service_module.h"

namespace misc::server {

// The whole main() of a server binary, which only says what it hosts:
//
//   int main(int argc, char** argv) {
//     return misc::server::ServerMain(argc, argv, "misc-restaurant",
//                                     {misc::restaurant::Module()});
//   }
//
// Blocks the termination signals (before any thread starts), parses the flags (and their
// MISC_<FLAG> variables), sets up logging and runs `modules` on one gRPC server until SIGTERM.
// Returns the process's exit code: 0 after a drain, 2 for bad flags, 1 when it cannot start.
int ServerMain(int argc, char** argv, absl::string_view name,
               const std::vector<ServiceModule>& modules);

// Makes a binary's front from its flags, once they are parsed; INVALID_ARGUMENT (naming the bad
// flags) ends the process with code 2.
using FrontFromFlags = std::function<absl::StatusOr<std::unique_ptr<Front>>()>;

// ServerMain for a binary whose callers reach the services through a front instead of gRPC
// (see RunServer): misc-rest's main is rest::RestMain, which calls this.
int ServerMain(int argc, char** argv, absl::string_view name,
               const std::vector<ServiceModule>& modules, absl::string_view usage,
               const FrontFromFlags& front_from_flags);

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_SERVER_MAIN_H_
