// misc-server: every service of misc in one process.
#include "services/area/module.h"
#include "services/genre/module.h"
#include "services/restaurant/module.h"
#include "services/review/module.h"
#include "services/rollout/module.h"
#include "src/server/server_main.h"

int main(int argc, char** argv) {
  return misc::server::ServerMain(argc, argv, "misc-server",
                                  {
                                      misc::restaurant::Module(),
                                      misc::review::Module(),
                                      misc::area::Module(),
                                      misc::genre::Module(),
                                      misc::rollout::Module(),
                                  });
}
