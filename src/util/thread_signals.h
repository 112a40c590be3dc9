// Which signals the threads that do I/O take.
//
// The process's stop handler (cli/terminal.h) runs on the main thread. Every other thread (a
// job's, an audit's witness thread) blocks the asynchronous signals, so the handler never lands
// on it and its blocking calls never see EINTR from it.
#pragma once

namespace durabench {

// Blocks every asynchronous signal in the calling thread. Faults (SIGSEGV, SIGBUS, SIGFPE,
// SIGILL, SIGTRAP, SIGSYS) and SIGABRT stay unblocked: blocking them is undefined.
void BlockAsyncSignals();

}  // namespace durabench
