// The Ceph module (durabench-ceph.so): the rados and rbd engines, and rados:// and rbd://
// targets prepared and probed through librados and librbd; also the pool facts of CephFS mounts.
//
// Safety (DESIGN.md "Targets and safety", backend/backend.h):
//  - rados://POOL: durabench writes only objects it names itself (durabench-<pid>-<job>.<n>)
//    and removes them afterwards unless --keep.
//  - rbd://POOL/IMAGE: an image that does not exist is created (jobs x size, 4 MiB objects) and
//    removed afterwards unless --keep. An existing image is someone's disk: it is written only
//    with --destroy-data naming the same URI, and refused while any client watches it.
#include <rados/librados.h>
#include <rbd/librbd.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backend/ceph/ceph.h"
#include "backend/ceph/ceph_engines.h"
#include "backend/module.h"

namespace durabench {
namespace {

// RADOS objects (and RBD image objects) are 4 MiB, as RBD's default; a write must fall within
// one object (the rados engine refuses one that would cross).
constexpr uint64_t kObjectBytes = 4ull << 20;
constexpr int kRbdOrder = 22;  // 2^22 bytes = 4 MiB objects

void FillCephFacts(const CephCluster& cluster, const std::string& pool, ReplicationFacts* r) {
  r->system = ProbeFact::Known("ceph");
  r->volume = ProbeFact::Known(pool);
  r->cluster_id = cluster.fsid().empty() ? ProbeFact::Unknown("rados_cluster_fsid failed")
                                         : ProbeFact::Known(cluster.fsid());
  Result<PoolReplication> facts = cluster.PoolFacts(pool);
  if (!facts.ok()) {
    r->volume_type = r->replica_count = r->min_size = ProbeFact::Unknown(facts.status().message());
    return;
  }
  // An erasure-coded pool reports size k+m: not whole copies.
  nlohmann::json cmd = {{"prefix", "osd pool get"},
                        {"pool", pool},
                        {"var", "erasure_code_profile"},
                        {"format", "json"}};
  const bool erasure = cluster.MonCommand(cmd.dump()).ok();
  r->volume_type = ProbeFact::Known(erasure ? "erasure" : "replicated");
  r->replica_count = erasure ? ProbeFact::Unknown("erasure-coded pool: no whole copies")
                             : ProbeFact::Known(std::to_string(facts->size));
  r->min_size = ProbeFact::Known(std::to_string(facts->min_size));
}

// The data pool behind a CephFS path: the layout xattr of the path or its nearest ancestor that
// has one, else the only data pool of the only filesystem.
Result<std::string> CephFsDataPool(const std::string& path, const CephCluster& cluster) {
  std::string p = path;
  for (;;) {
    for (const char* name : {"ceph.file.layout.pool", "ceph.dir.layout.pool"}) {
      char buf[256];
      const ssize_t n = ::getxattr(p.c_str(), name, buf, sizeof(buf));
      if (n > 0) return std::string(buf, static_cast<size_t>(n));
    }
    const size_t slash = p.find_last_of('/');
    if (slash == std::string::npos || p == "/") break;
    p = slash == 0 ? "/" : p.substr(0, slash);
  }
  Result<std::string> out = cluster.MonCommand(R"({"prefix":"fs ls","format":"json"})");
  if (!out.ok()) return out.status();
  const nlohmann::json fs = nlohmann::json::parse(*out, nullptr, false);
  if (!fs.is_array() || fs.size() != 1 || !fs[0].contains("data_pools") ||
      fs[0]["data_pools"].size() != 1) {
    return Status::NotFound("no layout xattr on " + path +
                            " and the cluster has not exactly one filesystem with one data pool");
  }
  return fs[0]["data_pools"][0].get<std::string>();
}

// The connection of a rados:// or rbd:// target: the cluster, and an I/O context on its pool.
Result<std::shared_ptr<CephConnection>> ConnectPool(const TargetUri& uri,
                                                    const BackendOptions& options) {
  Result<std::shared_ptr<CephCluster>> cluster = CephCluster::Connect(options);
  if (!cluster.ok()) return cluster.status();
  Result<rados_ioctx_t> io = (*cluster)->OpenPool(uri.pool);
  if (!io.ok()) return io.status();
  return std::make_shared<CephConnection>(*cluster, *io, uri.scheme == UriScheme::kRbd,
                                          kObjectBytes);
}

Result<PreparedTarget> PrepareRados(const TargetUri& uri, const TargetOptions& target,
                                    const LayoutRequest& layout, const BackendOptions& options) {
  if (layout.block_size_bytes > kObjectBytes || kObjectBytes % layout.block_size_bytes != 0) {
    return Status::InvalidArgument("rados target: block size " +
                                   std::to_string(layout.block_size_bytes) +
                                   " must divide the 4 MiB object size");
  }
  Result<std::shared_ptr<CephConnection>> connected = ConnectPool(uri, options);
  if (!connected.ok()) return connected.status();
  std::shared_ptr<CephConnection> conn = std::move(connected).value();
  const uint64_t objects = (layout.size_bytes + kObjectBytes - 1) / kObjectBytes;
  std::vector<JobFile> jobs;
  std::vector<char> zeros(target.layout_fill ? kObjectBytes : 0, '\0');
  for (uint32_t j = 0; j < layout.jobs; ++j) {
    JobFile job;
    job.path = UriJobName(j);
    job.size_bytes = objects * kObjectBytes;
    conn->AddCreatedObjects(job.path, objects);  // removed even if the fill fails half-way
    for (uint64_t i = 0; i < objects && target.layout_fill; ++i) {
      const std::string name = CephConnection::ObjectName(job.path, i);
      const int r = rados_write_full(conn->ioctx(), name.c_str(), zeros.data(), zeros.size());
      if (r < 0) {
        conn->RemoveCreated(false);
        return Status::IoError("ceph: laying out object " + name + " in pool '" + uri.pool +
                               "' failed: " + CephErrorText(r));
      }
    }
    jobs.push_back(std::move(job));
  }
  return PreparedTarget::ForBackend(TargetKind::kRadosPool, uri.text, std::move(jobs),
                                    std::move(conn), target.keep);
}

// Refuses an existing image someone else has open (a watcher: rbd map, qemu, rbd-nbd).
// Sets *exists; an image that does not exist is not an error.
Status CheckImageUnwatched(rados_ioctx_t io, const TargetUri& uri, bool* exists, uint64_t* size) {
  rbd_image_t image = nullptr;
  int r = rbd_open_read_only(io, uri.image.c_str(), &image, nullptr);
  *exists = r != -ENOENT;
  if (r == -ENOENT) return Status::Ok();
  if (r < 0) return Status::IoError("rbd: cannot open " + uri.text + ": " + CephErrorText(r));
  rbd_get_size(image, size);
  rbd_image_watcher_t watchers[8];
  size_t n = 8;
  r = rbd_watchers_list(image, watchers, &n);
  std::string who;
  if (r == 0) {
    for (size_t i = 0; i < n; ++i) who += (who.empty() ? "" : ", ") + std::string(watchers[i].addr);
    rbd_watchers_list_cleanup(watchers, n);
  }
  rbd_close(image);
  if (r == -ERANGE || (r == 0 && n > 0)) {
    return Status::Refused("refusing to write " + uri.text + ": the image is in use (watched by " +
                           (who.empty() ? std::string("many clients") : who) +
                           "); unmap it or stop its VM first");
  }
  if (r < 0)
    return Status::IoError("rbd: cannot list watchers of " + uri.text + ": " + CephErrorText(r));
  return Status::Ok();
}

// The image metadata key that marks an image durabench created (and so may remove later, as
// `audit --verify` does); an image without it is someone's disk.
constexpr char kCreatedKey[] = "durabench.created";

Status MarkImageCreated(rados_ioctx_t io, const TargetUri& uri) {
  rbd_image_t image = nullptr;
  int r = rbd_open(io, uri.image.c_str(), &image, nullptr);
  if (r == 0) {
    r = rbd_metadata_set(image, kCreatedKey, "1");
    rbd_close(image);
  }
  if (r < 0) {
    return Status::IoError("rbd: cannot mark " + uri.text + " as durabench's: " + CephErrorText(r));
  }
  return Status::Ok();
}

bool ImageMarkedCreated(rbd_image_t image) {
  char value[8];
  size_t len = sizeof(value);
  return rbd_metadata_get(image, kCreatedKey, value, &len) == 0;
}

Status FillImage(rados_ioctx_t io, const TargetUri& uri, uint64_t bytes) {
  rbd_image_t image = nullptr;
  int r = rbd_open(io, uri.image.c_str(), &image, nullptr);
  if (r < 0) return Status::IoError("rbd: cannot open " + uri.text + ": " + CephErrorText(r));
  std::vector<char> zeros(kObjectBytes, '\0');
  for (uint64_t off = 0; off < bytes && r >= 0; off += zeros.size()) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), bytes - off));
    const ssize_t w = rbd_write(image, off, n, zeros.data());
    if (w < 0) r = static_cast<int>(w);
  }
  if (r >= 0) r = rbd_flush(image);
  rbd_close(image);
  if (r < 0) return Status::IoError("rbd: laying out " + uri.text + " failed: " + CephErrorText(r));
  return Status::Ok();
}

// A process joining an image the first process of the run prepared (TargetOptions::share_index
// > 0): it must be there, durabench's (created by that process) or named by --destroy-data as
// for the first, and large enough. Its watchers are the other processes: not checked.
Status JoinSharedImage(rados_ioctx_t io, const TargetUri& uri, const TargetOptions& target,
                       uint64_t total) {
  rbd_image_t image = nullptr;
  int r = rbd_open_read_only(io, uri.image.c_str(), &image, nullptr);
  if (r == -ENOENT) {
    return Status::NotFound("shared image " + uri.text +
                            " does not exist, though the first process prepared it");
  }
  if (r < 0) return Status::IoError("rbd: cannot open " + uri.text + ": " + CephErrorText(r));
  uint64_t size = 0;
  r = rbd_get_size(image, &size);
  const bool ours = ImageMarkedCreated(image);
  rbd_close(image);
  if (r < 0) return Status::IoError("rbd: cannot read the size of " + uri.text);
  if (!ours && target.destroy_data != uri.text) {
    return Status::Refused("refusing to write " + uri.text +
                           ": a shared image not created by durabench (pass --destroy-data=" +
                           uri.text + " if it holds nothing you need)");
  }
  if (size < total) {
    return Status::InvalidArgument("shared image " + uri.text + " holds " + std::to_string(size) +
                                   " bytes, not the " + std::to_string(total) + " needed");
  }
  return Status::Ok();
}

Result<PreparedTarget> PrepareRbd(const TargetUri& uri, const TargetOptions& target,
                                  const LayoutRequest& layout, const BackendOptions& options) {
  Result<uint64_t> mine = TotalBytes(layout);
  if (!mine.ok()) return mine.status();
  // Every sharing process's regions (TargetOptions::share_count).
  Result<uint64_t> total = SharedBytes(target, *mine);
  if (!total.ok()) return total.status();
  Result<std::shared_ptr<CephConnection>> connected = ConnectPool(uri, options);
  if (!connected.ok()) return connected.status();
  std::shared_ptr<CephConnection> conn = std::move(connected).value();

  uint64_t size = 0;
  bool exists = false;
  Status st = target.joins_shared() ? JoinSharedImage(conn->ioctx(), uri, target, *total)
                                    : CheckImageUnwatched(conn->ioctx(), uri, &exists, &size);
  if (!st.ok()) return st;
  if (target.joins_shared()) {
    // Prepared by the first process, which removes it.
  } else if (exists) {
    if (target.destroy_data != uri.text) {
      return Status::Refused("refusing to write " + uri.text +
                             ": the image exists and its data would be destroyed; pass "
                             "--destroy-data=" +
                             uri.text +
                             " if it holds nothing you need, or name an image that does not "
                             "exist (durabench then creates and removes it)");
    }
    if (*total > size) {
      return Status::InvalidArgument("image " + uri.text + " holds " + std::to_string(size) +
                                     " bytes; " + std::to_string(layout.jobs) + " jobs x " +
                                     std::to_string(layout.size_bytes) + " bytes need " +
                                     std::to_string(*total));
    }
  } else {
    int order = kRbdOrder;
    // An image several clients write at once gets no exclusive lock (nor what needs one: object
    // map, fast diff): with it the lock moves to each writer in turn, and a shared run measured
    // 75 IOPS at 29 ms commit p50 on the test cluster, against 531 at 1.8 ms for one client.
    const int r =
        target.share_count > 1
            ? rbd_create2(conn->ioctx(), uri.image.c_str(), *total, RBD_FEATURE_LAYERING, &order)
            : rbd_create(conn->ioctx(), uri.image.c_str(), *total, &order);
    if (r < 0) return Status::IoError("rbd: cannot create " + uri.text + ": " + CephErrorText(r));
    conn->SetCreatedImage(uri.image);
    st = MarkImageCreated(conn->ioctx(), uri);
    if (st.ok() && target.layout_fill) st = FillImage(conn->ioctx(), uri, *total);
    if (!st.ok()) {
      conn->RemoveCreated(false);
      return st;
    }
  }
  return PreparedTarget::ForBackend(TargetKind::kRbdImage, uri.text,
                                    RegionJobs(uri.image, layout, target), std::move(conn),
                                    target.keep);
}

// An audit's jobs on rados://POOL (object-name prefixes, checked by CheckUriJobPath): at least
// one object of each must still be there.
Result<std::shared_ptr<BackendConnection>> ReopenRados(const TargetUri& uri,
                                                       const std::vector<JobFile>& jobs,
                                                       const BackendOptions& options) {
  Result<std::shared_ptr<CephConnection>> connected = ConnectPool(uri, options);
  if (!connected.ok()) return connected.status();
  std::shared_ptr<CephConnection> conn = std::move(connected).value();
  for (const JobFile& job : jobs) {
    const uint64_t objects = (job.offset_bytes + job.size_bytes + kObjectBytes - 1) / kObjectBytes;
    bool any = false;
    for (uint64_t i = 0; i < objects && !any; ++i) {
      uint64_t size = 0;
      time_t mtime = 0;
      any = rados_stat(conn->ioctx(), CephConnection::ObjectName(job.path, i).c_str(), &size,
                       &mtime) == 0;
    }
    if (!any) {
      return Status::NotFound("no object " + job.path + ".* is left in pool '" + uri.pool +
                              "' (verified and removed already, or another target's audit?)");
    }
    conn->AddCreatedObjects(job.path, objects);
  }
  return std::shared_ptr<BackendConnection>(std::move(conn));
}

// An audit's jobs on rbd://POOL/IMAGE (regions of the image, checked by CheckUriJobPath): the
// image must still exist.
Result<std::shared_ptr<BackendConnection>> ReopenRbd(const TargetUri& uri,
                                                     const BackendOptions& options) {
  Result<std::shared_ptr<CephConnection>> connected = ConnectPool(uri, options);
  if (!connected.ok()) return connected.status();
  std::shared_ptr<CephConnection> conn = std::move(connected).value();
  rbd_image_t image = nullptr;
  const int r = rbd_open_read_only(conn->ioctx(), uri.image.c_str(), &image, nullptr);
  if (r == -ENOENT) {
    return Status::NotFound("image " + uri.text +
                            " does not exist (verified and removed already?)");
  }
  if (r < 0) return Status::IoError("rbd: cannot open " + uri.text + ": " + CephErrorText(r));
  if (ImageMarkedCreated(image)) conn->SetCreatedImage(uri.image);
  rbd_close(image);
  return std::shared_ptr<BackendConnection>(std::move(conn));
}

class CephModule final : public Module {
 public:
  std::vector<EngineInfo> Engines() const override {
    return {
        {"rados",
         "librados objects in a pool (rados://POOL): aio writes, acknowledged when durable",
         RadosEngineCaps(), NewRadosEngine},
        {"rbd", "librbd image (rbd://POOL/IMAGE): aio writes, rbd_aio_flush as the flush",
         RbdEngineCaps(), NewRbdEngine},
    };
  }

  bool Serves(UriScheme scheme) const override {
    return scheme == UriScheme::kRados || scheme == UriScheme::kRbd;
  }

  Result<PreparedTarget> Prepare(const TargetUri& uri, const TargetOptions& target,
                                 const LayoutRequest& layout,
                                 const BackendOptions& options) override {
    return uri.scheme == UriScheme::kRbd ? PrepareRbd(uri, target, layout, options)
                                         : PrepareRados(uri, target, layout, options);
  }

  Result<std::shared_ptr<BackendConnection>> Reopen(const TargetUri& uri,
                                                    const std::vector<JobFile>& jobs,
                                                    const BackendOptions& options) override {
    return uri.scheme == UriScheme::kRbd ? ReopenRbd(uri, options)
                                         : ReopenRados(uri, jobs, options);
  }

  void Probe(const TargetUri& uri, const BackendOptions& options, ProbeResult* r) override {
    r->replication.system = ProbeFact::Known("ceph");
    Result<std::shared_ptr<CephCluster>> cluster = CephCluster::Connect(options);
    if (!cluster.ok()) {
      r->replication.SetAll(ProbeFact::Unknown(cluster.status().message()));
      r->replication.system = ProbeFact::Known("ceph");
      r->notes.push_back(cluster.status().message());
      return;
    }
    FillCephFacts(**cluster, uri.pool, &r->replication);
    r->backend_detail = (uri.scheme == UriScheme::kRbd ? "image " + uri.image + " in " : "") +
                        std::string("pool ") + uri.pool + " of Ceph cluster " + (*cluster)->fsid();
  }

  // A CephFS mount (ceph-fuse or kernel): its data pool's size and min_size and the cluster's
  // fsid, through librados with `options` (the mount's cluster must be the one CEPH_CONF /
  // --ceph-conf names).
  void ProbeMount(const std::string& path, const BackendOptions& options, ProbeResult* r) override {
    if (r->backend_kind != "ceph-fuse" && r->backend_kind != "cephfs-kernel") return;
    Result<std::shared_ptr<CephCluster>> cluster = CephCluster::Connect(options);
    if (!cluster.ok()) {
      r->notes.push_back("Ceph pool facts not read: " + cluster.status().message());
      return;
    }
    const std::string& where = r->resolved_path.empty() ? path : r->resolved_path;
    Result<std::string> pool = CephFsDataPool(where, **cluster);
    if (!pool.ok()) {
      r->notes.push_back("Ceph pool facts not read: " + pool.status().message());
      return;
    }
    FillCephFacts(**cluster, *pool, &r->replication);
  }
};

}  // namespace
}  // namespace durabench

DURABENCH_MODULE(durabench::CephModule)
