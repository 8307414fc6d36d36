#ifndef MISC_SERVICES_GENRE_MODULE_H_
#define MISC_SERVICES_GENRE_MODULE_H_

#include "src/server/service_module.h"

namespace misc::genre {

// Returns the module that hosts misc.genre.v1.GenreService on a server and registers the
// reload of its in-memory catalog with the server's refresher. This is the library's only
// public header.
server::ServiceModule Module();

}  // namespace misc::genre

#endif  // MISC_SERVICES_GENRE_MODULE_H_
