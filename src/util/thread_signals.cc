#include "util/thread_signals.h"

#include <pthread.h>
#include <signal.h>

#include <initializer_list>

namespace durabench {

void BlockAsyncSignals() {
  sigset_t set;
  sigfillset(&set);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT}) sigdelset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace durabench
