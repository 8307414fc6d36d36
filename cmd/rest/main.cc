// misc-rest: every service of misc over HTTP/1.1 and JSON, for callers that do not speak gRPC
// (docs/rest.md). The same service libraries as misc-server, in a process of its own.
#include "services/area/module.h"
#include "services/genre/module.h"
#include "services/restaurant/module.h"
#include "services/review/module.h"
#include "services/rollout/module.h"
#include "src/rest/rest_main.h"

int main(int argc, char** argv) {
  return misc::rest::RestMain(argc, argv, "misc-rest",
                              {
                                  misc::restaurant::Module(),
                                  misc::review::Module(),
                                  misc::area::Module(),
                                  misc::genre::Module(),
                                  misc::rollout::Module(),
                              });
}
