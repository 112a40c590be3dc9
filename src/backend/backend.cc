#include "backend/backend.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "durabench/config.h"
#include "util/errno_status.h"
#if DURABENCH_HAVE_RADOS
#include "backend/ceph.h"
#endif
#if DURABENCH_HAVE_RBD
#include <rbd/librbd.h>
#endif
#if DURABENCH_HAVE_GFAPI
#include <glusterfs/api/glfs.h>

#include "backend/gluster.h"
#endif

namespace durabench {
namespace {

#if DURABENCH_HAVE_RADOS || DURABENCH_HAVE_RBD
// RADOS objects (and RBD image objects) are 4 MiB, as RBD's default; a write must fall within
// one object (the rados engine refuses one that would cross).
constexpr uint64_t kObjectBytes = 4ull << 20;
#endif
#if DURABENCH_HAVE_RBD
constexpr int kRbdOrder = 22;  // 2^22 bytes = 4 MiB objects
#endif

Status NotCompiled(UriScheme scheme) {
  const char* lib = scheme == UriScheme::kGluster ? "libgfapi (libglusterfs-dev)"
                    : scheme == UriScheme::kRbd   ? "librbd (librbd-dev)"
                                                  : "librados (librados-dev)";
  return Status::NotSupported(std::string("this durabench was built without ") + lib +
                              "; install it and rebuild to use " + NativeEngineFor(scheme) +
                              " targets");
}

#if DURABENCH_HAVE_RADOS || DURABENCH_HAVE_GFAPI
std::string JobName(uint32_t job) {
  return "durabench-" + std::to_string(::getpid()) + "-" + std::to_string(job);
}
#endif

ProbeResult UriProbeShell(const std::string& uri, const std::string& backend_kind) {
  ProbeResult r;
  r.path = uri;
  r.resolved_path = uri;
  r.backend_kind = backend_kind;
  for (const FilesystemFactField& f : FilesystemFactFields()) {
    r.filesystem.*f.member = ProbeFact::NotApplicable("the target is a URI, not a path");
  }
  return r;
}

#if DURABENCH_HAVE_RADOS
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

Result<PreparedTarget> PrepareRados(const TargetUri& uri, const TargetOptions& target,
                                    const LayoutRequest& layout, const BackendOptions& options) {
  if (layout.block_size_bytes > kObjectBytes || kObjectBytes % layout.block_size_bytes != 0) {
    return Status::InvalidArgument("rados target: block size " +
                                   std::to_string(layout.block_size_bytes) +
                                   " must divide the 4 MiB object size");
  }
  Result<std::shared_ptr<CephCluster>> cluster = CephCluster::Connect(options);
  if (!cluster.ok()) return cluster.status();
  Result<rados_ioctx_t> io = (*cluster)->OpenPool(uri.pool);
  if (!io.ok()) return io.status();
  auto conn = std::make_shared<CephConnection>(*cluster, *io, false, kObjectBytes);
  const uint64_t objects = (layout.size_bytes + kObjectBytes - 1) / kObjectBytes;
  std::vector<JobFile> jobs;
  std::vector<char> zeros(target.layout_fill ? kObjectBytes : 0, '\0');
  for (uint32_t j = 0; j < layout.jobs; ++j) {
    JobFile job;
    job.path = JobName(j);
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
#endif  // DURABENCH_HAVE_RADOS

#if DURABENCH_HAVE_RBD
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

Result<PreparedTarget> PrepareRbd(const TargetUri& uri, const TargetOptions& target,
                                  const LayoutRequest& layout, const BackendOptions& options) {
  Result<uint64_t> total = TotalBytes(layout);
  if (!total.ok()) return total.status();
  Result<std::shared_ptr<CephCluster>> cluster = CephCluster::Connect(options);
  if (!cluster.ok()) return cluster.status();
  Result<rados_ioctx_t> io = (*cluster)->OpenPool(uri.pool);
  if (!io.ok()) return io.status();
  auto conn = std::make_shared<CephConnection>(*cluster, *io, true, kObjectBytes);

  uint64_t size = 0;
  bool exists = false;
  Status st = CheckImageUnwatched(*io, uri, &exists, &size);
  if (!st.ok()) return st;
  if (exists) {
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
    const int r = rbd_create(*io, uri.image.c_str(), *total, &order);
    if (r < 0) return Status::IoError("rbd: cannot create " + uri.text + ": " + CephErrorText(r));
    conn->SetCreatedImage(uri.image);
    if (target.layout_fill) {
      st = FillImage(*io, uri, *total);
      if (!st.ok()) {
        conn->RemoveCreated(false);
        return st;
      }
    }
  }
  std::vector<JobFile> jobs;
  for (uint32_t j = 0; j < layout.jobs; ++j) {
    JobFile job;
    job.path = uri.image;
    job.offset_bytes = static_cast<uint64_t>(j) * layout.size_bytes;
    job.size_bytes = layout.size_bytes;
    jobs.push_back(std::move(job));
  }
  return PreparedTarget::ForBackend(TargetKind::kRbdImage, uri.text, std::move(jobs),
                                    std::move(conn), target.keep);
}
#endif  // DURABENCH_HAVE_RBD

#if DURABENCH_HAVE_GFAPI
Result<glfs_t*> GlusterFor(const TargetUri& uri, const BackendOptions& options) {
  return GlusterVolume(uri.host, uri.port != 0 ? uri.port : options.gluster_port, uri.volume,
                       options);
}

Status CreateVolumeFile(GlusterConnection* conn, const std::string& path, uint64_t bytes,
                        bool fill) {
  glfs_fd_t* fd = glfs_creat(conn->fs(), path.c_str(), O_CREAT | O_EXCL | O_RDWR, 0644);
  if (fd == nullptr) return ErrnoStatus("create on the volume", path, errno);
  conn->AddCreatedFile(path);
  int r = glfs_ftruncate(fd, static_cast<off_t>(bytes), nullptr, nullptr);
  std::vector<char> zeros(fill ? 1u << 20 : 0, '\0');
  for (uint64_t off = 0; fill && r == 0 && off < bytes; off += zeros.size()) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), bytes - off));
    if (glfs_pwrite(fd, zeros.data(), n, static_cast<off_t>(off), 0, nullptr, nullptr) !=
        static_cast<ssize_t>(n)) {
      r = -1;
    }
  }
  if (r == 0) r = glfs_fsync(fd, nullptr, nullptr);
  const int err = errno;
  glfs_close(fd);
  if (r != 0) return ErrnoStatus("lay out on the volume", path, err);
  return Status::Ok();
}

Result<PreparedTarget> PrepareGluster(const TargetUri& uri, const TargetOptions& target,
                                      const LayoutRequest& layout, const BackendOptions& options) {
  Result<glfs_t*> fs = GlusterFor(uri, options);
  if (!fs.ok()) return fs.status();
  struct stat st;
  if (glfs_stat(*fs, uri.path.c_str(), &st) != 0) {
    return ErrnoStatus("stat on volume '" + uri.volume + "'", uri.path, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("target " + uri.text + ": " + uri.path +
                                   " is not a directory on the volume (durabench creates its "
                                   "files in a directory)");
  }
  auto conn = std::make_shared<GlusterConnection>(*fs);
  std::vector<JobFile> jobs;
  for (uint32_t j = 0; j < layout.jobs; ++j) {
    JobFile job;
    job.path = (uri.path == "/" ? "" : uri.path) + "/" + JobName(j) + ".dat";
    job.size_bytes = layout.size_bytes;
    Status s = CreateVolumeFile(conn.get(), job.path, layout.size_bytes, target.layout_fill);
    if (!s.ok()) {
      conn->RemoveCreated(false);
      return s;
    }
    jobs.push_back(std::move(job));
  }
  return PreparedTarget::ForBackend(TargetKind::kGlusterDirectory, uri.text, std::move(jobs),
                                    std::move(conn), target.keep);
}
#endif  // DURABENCH_HAVE_GFAPI

}  // namespace

bool BackendCompiledIn(UriScheme scheme) {
  switch (scheme) {
    case UriScheme::kRados:
      return DURABENCH_HAVE_RADOS != 0;
    case UriScheme::kRbd:
      return DURABENCH_HAVE_RBD != 0;
    case UriScheme::kGluster:
      return DURABENCH_HAVE_GFAPI != 0;
  }
  return false;
}

Result<PreparedTarget> PrepareBackendTarget(const TargetOptions& target,
                                            const LayoutRequest& layout,
                                            [[maybe_unused]] const BackendOptions& options) {
  Result<TargetUri> uri = ParseTargetUri(target.path);
  if (!uri.ok()) return uri.status();
  if (!BackendCompiledIn(uri->scheme)) return NotCompiled(uri->scheme);
  if (layout.jobs == 0 || layout.size_bytes == 0 || layout.block_size_bytes == 0) {
    return Status::InvalidArgument("layout needs jobs, size and block size > 0");
  }
  switch (uri->scheme) {
#if DURABENCH_HAVE_RADOS
    case UriScheme::kRados:
      return PrepareRados(*uri, target, layout, options);
#endif
#if DURABENCH_HAVE_RBD
    case UriScheme::kRbd:
      return PrepareRbd(*uri, target, layout, options);
#endif
#if DURABENCH_HAVE_GFAPI
    case UriScheme::kGluster:
      return PrepareGluster(*uri, target, layout, options);
#endif
    default:
      return NotCompiled(uri->scheme);
  }
}

ProbeResult ProbeBackendTarget(const std::string& text, const BackendOptions& options) {
  Result<TargetUri> uri = ParseTargetUri(text);
  if (!uri.ok()) {
    ProbeResult r = UriProbeShell(text, "unknown");
    r.replication.SetAll(ProbeFact::Unknown(uri.status().message()));
    r.notes.push_back(uri.status().message());
    return r;
  }
  ProbeResult r = UriProbeShell(text, NativeEngineFor(uri->scheme));
  r.replication.SetAll(ProbeFact::Unknown(NotCompiled(uri->scheme).message()));
  if (!BackendCompiledIn(uri->scheme)) {
    r.notes.push_back(NotCompiled(uri->scheme).message());
    return r;
  }
#if DURABENCH_HAVE_RADOS
  if (uri->scheme == UriScheme::kRados || uri->scheme == UriScheme::kRbd) {
    r.replication.system = ProbeFact::Known("ceph");
    Result<std::shared_ptr<CephCluster>> cluster = CephCluster::Connect(options);
    if (!cluster.ok()) {
      r.replication.SetAll(ProbeFact::Unknown(cluster.status().message()));
      r.replication.system = ProbeFact::Known("ceph");
      r.notes.push_back(cluster.status().message());
      return r;
    }
    FillCephFacts(**cluster, uri->pool, &r.replication);
    r.backend_detail = (uri->scheme == UriScheme::kRbd ? "image " + uri->image + " in " : "") +
                       std::string("pool ") + uri->pool + " of Ceph cluster " + (*cluster)->fsid();
    return r;
  }
#endif
#if DURABENCH_HAVE_GFAPI
  if (uri->scheme == UriScheme::kGluster) {
    Result<glfs_t*> fs = GlusterFor(*uri, options);
    const uint16_t port = uri->port != 0 ? uri->port : options.gluster_port;
    r.backend_detail = "volume " + uri->volume + " at " + uri->host + ":" + std::to_string(port) +
                       ", directory " + uri->path;
    if (!fs.ok()) {
      r.replication.SetAll(ProbeFact::Unknown(fs.status().message()));
      r.replication.system = ProbeFact::Known("glusterfs");
      r.notes.push_back(fs.status().message());
      return r;
    }
    r.replication = GlusterReplicationFacts(*fs, uri->volume);
    return r;
  }
#endif
  (void)options;
  return r;
}

ProbeResult ProbeAnyTarget(const std::string& target, const BackendOptions& options) {
  if (LooksLikeTargetUri(target)) return ProbeBackendTarget(target, options);
  ProbeResult r = ProbeTarget(target);
  if (r.backend_kind != "ceph-fuse" && r.backend_kind != "cephfs-kernel") return r;
#if DURABENCH_HAVE_RADOS
  Result<std::shared_ptr<CephCluster>> cluster = CephCluster::Connect(options);
  if (!cluster.ok()) {
    r.notes.push_back("Ceph pool facts not read: " + cluster.status().message());
    return r;
  }
  const std::string& where = r.resolved_path.empty() ? target : r.resolved_path;
  Result<std::string> pool = CephFsDataPool(where, **cluster);
  if (!pool.ok()) {
    r.notes.push_back("Ceph pool facts not read: " + pool.status().message());
    return r;
  }
  FillCephFacts(**cluster, *pool, &r.replication);
#else
  (void)options;
#endif
  return r;
}

}  // namespace durabench
