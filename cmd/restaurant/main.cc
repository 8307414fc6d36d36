// misc-restaurant: RestaurantService alone, split off from misc-server by relinking
// (docs/splitting-a-service.md).
#include "services/restaurant/module.h"
#include "src/server/server_main.h"

int main(int argc, char** argv) {
  return misc::server::ServerMain(argc, argv, "misc-restaurant", {misc::restaurant::Module()});
}
