// libgfapi: one glfs_t per volume and process, shared by the jobs' engines.
//
// glfs_fini() takes about 10 s on this project's test machines (it waits for gluster's timer and
// event threads), so a connection is kept for the life of the process and reused by later runs
// of the same process (plp, eval, several phases); it is never finalised: the process exits
// right after, and every file durabench created was unlinked synchronously before.
// Part of the Gluster module (backend/gluster/gluster_module.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/uri.h"
#include "engine/connection.h"
#include "target/probe.h"
#include "util/status.h"

struct glfs;

namespace durabench {

// The process-wide handle of HOST:PORT/VOLUME, connected (glfs_init) within
// options.connect_timeout_s or an error naming the host, port and volume.
Result<struct glfs*> GlusterVolume(const std::string& host, uint16_t port,
                                   const std::string& volume, const BackendOptions& options);

// A gluster:// target's connection: the volume and the files durabench created on it.
class GlusterConnection final : public BackendConnection {
 public:
  explicit GlusterConnection(struct glfs* fs) : fs_(fs) {}
  const char* engine_name() const override { return "gfapi"; }
  void RemoveCreated(bool keep) override;
  struct glfs* fs() const {
    return fs_;
  }
  void AddCreatedFile(const std::string& path) { created_.push_back(path); }

 private:
  struct glfs* fs_;
  std::vector<std::string> created_;
  bool removed_ = false;
};

// The volume's type and replica count, from its client volfile (glfs_get_volfile).
ReplicationFacts GlusterReplicationFacts(struct glfs* fs, const std::string& volume);

namespace internal {
// Parses a client volfile ("volume NAME / type cluster/replicate / subvolumes A B C /
// end-volume" stanzas); exposed for tests.
ReplicationFacts ReplicationFromVolfile(const std::string& volfile, const std::string& volume);
}  // namespace internal

}  // namespace durabench
