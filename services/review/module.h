#ifndef MISC_SERVICES_REVIEW_MODULE_H_
#define MISC_SERVICES_REVIEW_MODULE_H_

#include "src/server/service_module.h"

namespace misc::review {

// Returns the module that hosts misc.review.v1.ReviewService on a server. This is the
// library's only public header.
server::ServiceModule Module();

}  // namespace misc::review

#endif  // MISC_SERVICES_REVIEW_MODULE_H_
