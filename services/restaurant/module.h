#ifndef MISC_SERVICES_RESTAURANT_MODULE_H_
#define MISC_SERVICES_RESTAURANT_MODULE_H_

#include "src/server/service_module.h"

namespace misc::restaurant {

// Returns the module that hosts misc.restaurant.v1.RestaurantService on a server. This is
// the library's only public header.
server::ServiceModule Module();

}  // namespace misc::restaurant

#endif  // MISC_SERVICES_RESTAURANT_MODULE_H_
