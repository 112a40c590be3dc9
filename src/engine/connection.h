// A connection to a storage cluster, shared by the jobs of a run whose target is a URI
// (rados://, rbd://, gluster://). The PreparedTarget owns it; each job's native engine receives
// it through EngineOpenOptions::connection and opens its own object, image or file through it.
//
// Connecting (monitor handshake, volfile fetch) and disconnecting (glfs_fini) happen when the
// target is prepared and released, so they never fall into a measured interval.
#pragma once

#include <string>
#include <vector>

namespace durabench {

class BackendConnection {
 public:
  virtual ~BackendConnection() = default;
  // The native engine this connection serves: "rados", "rbd" or "gfapi".
  virtual const char* engine_name() const = 0;
  // Removes what durabench created on the cluster for this run (objects, files, an image),
  // unless `keep`; reports what it could not remove on stderr. Idempotent.
  virtual void RemoveCreated(bool keep) = 0;
};

}  // namespace durabench
