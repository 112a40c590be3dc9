// URI targets end to end: preparing one for a run (connect, check, lay out), probing it, and the
// cluster facts of CephFS mounts that only a librados connection can read. The work is done by
// the module that serves the URI's scheme (backend/modules.h: durabench-ceph for rados:// and
// rbd://, durabench-gluster for gluster://), loaded here when first needed.
//
// Safety (DESIGN.md "Targets and safety"), as for local targets:
//  - rados://POOL: durabench writes only objects it names itself (durabench-<pid>-<job>.<n>)
//    and removes them afterwards unless --keep.
//  - rbd://POOL/IMAGE: an image that does not exist is created (jobs x size, 4 MiB objects) and
//    removed afterwards unless --keep. An existing image is someone's disk: it is written only
//    with --destroy-data naming the same URI, and refused while any client watches it (mapped,
//    or opened by a VM).
//  - gluster://HOST/VOLUME/DIR: DIR must exist; durabench creates its own files there
//    (O_EXCL) and removes them afterwards unless --keep.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend/uri.h"
#include "target/probe.h"
#include "target/target.h"
#include "util/status.h"

namespace durabench {

// Prepares target.path (a URI) for `layout`. Errors are one line naming the cluster, or the
// module and its package when that is not installed (NotSupported).
Result<PreparedTarget> PrepareBackendTarget(const TargetOptions& target,
                                            const LayoutRequest& layout,
                                            const BackendOptions& options);

// What an audit left on the URI `uri`, reopened for verifying and removal (Module::Reopen).
Result<std::shared_ptr<BackendConnection>> ReopenBackendTarget(const std::string& uri,
                                                               const std::vector<JobFile>& jobs,
                                                               const BackendOptions& options);

// The probe of a URI target: its pool's or volume's replication facts and the cluster's id.
ProbeResult ProbeBackendTarget(const std::string& uri, const BackendOptions& options);

// ProbeTarget, plus what needs a cluster connection: for a URI the facts above; for a CephFS
// mount (ceph-fuse or kernel) the data pool's size and min_size and the cluster's fsid, through
// librados with `options` (the mount's cluster must be the one CEPH_CONF / --ceph-conf names).
ProbeResult ProbeAnyTarget(const std::string& target, const BackendOptions& options);

}  // namespace durabench
