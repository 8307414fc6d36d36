#ifndef MISC_SERVICES_ROLLOUT_MODULE_H_
#define MISC_SERVICES_ROLLOUT_MODULE_H_

#include "src/server/service_module.h"

namespace misc::rollout {

// Returns the module that hosts misc.rollout.v1.RolloutService on a server and registers the
// reload of its in-memory target set with the server's refresher. This is the library's only
// public header.
server::ServiceModule Module();

}  // namespace misc::rollout

#endif  // MISC_SERVICES_ROLLOUT_MODULE_H_
