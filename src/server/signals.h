#ifndef MISC_SRC_SERVER_SIGNALS_H_
#define MISC_SRC_SERVER_SIGNALS_H_

namespace misc::server {

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts later.
// Call first thing in main, before any thread exists, so those signals are only ever
// received by WaitForTerminationSignal and never interrupt a worker.
void BlockTerminationSignals();

// Waits, on the calling thread, for SIGTERM or SIGINT and returns its number.
int WaitForTerminationSignal();

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_SIGNALS_H_
