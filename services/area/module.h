#ifndef MISC_SERVICES_AREA_MODULE_H_
#define MISC_SERVICES_AREA_MODULE_H_

#include "src/server/service_module.h"

namespace misc::area {

// Returns the module that hosts misc.area.v1.AreaService on a server and registers the
// reload of its in-memory catalog with the server's refresher. This is the library's only
// public header.
server::ServiceModule Module();

}  // namespace misc::area

#endif  // MISC_SERVICES_AREA_MODULE_H_
