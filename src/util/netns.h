// Moving this process's calling thread into another network namespace: how a rank of a
// multi-client run (docs/scale-out.md) becomes a client on one of the lab's nodes
// (docs/lab.md), after its launcher's connections are made.
#pragma once

#include <string>

#include "util/status.h"

namespace durabench {

// Enters the network namespace `name` (ip-netns(8)'s /run/netns/NAME) or the one the path
// `name` (starting with '/': /proc/PID/ns/net, a bind mount) refers to, for the calling thread;
// threads it starts after this inherit it. Sockets already open stay where they were made, so
// an MPI rank keeps its launcher's connections and makes its storage connections from the
// namespace. Needs CAP_SYS_ADMIN. NotFound for a namespace that does not exist; Refused
// without the privilege.
Status EnterNetworkNamespace(const std::string& name);

}  // namespace durabench
