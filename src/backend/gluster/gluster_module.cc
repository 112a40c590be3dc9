// The Gluster module (durabench-gluster.so): the gfapi engine, and gluster:// targets prepared
// and probed through libgfapi.
//
// Safety (DESIGN.md "Targets and safety", backend/backend.h): gluster://HOST/VOLUME/DIR: DIR
// must exist; durabench creates its own files there (O_EXCL) and removes them afterwards unless
// --keep. Shared by the ranks of a multi-client run (TargetOptions::share_count, --shared-target),
// gluster://HOST/VOLUME/PATH names one file instead, each rank using regions of its own: as a
// local file, a new one (--create) is created by the first rank, laid out for all and removed
// afterwards; an existing one is written only with --allow-overwrite and never removed.
#include <fcntl.h>
#include <glusterfs/api/glfs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "backend/gluster/gfapi_engine.h"
#include "backend/gluster/gluster.h"
#include "backend/module.h"
#include "util/errno_status.h"

namespace durabench {
namespace {

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

// A file on the volume that share_count processes share (TargetOptions), each in regions of its
// own: process 0 creates it (--create) or checks an existing one (--allow-overwrite), sized for
// all; the others find it so. Files a process did not create here are never removed by it.
Result<PreparedTarget> PrepareSharedGlusterFile(glfs_t* fs, const TargetUri& uri,
                                                const TargetOptions& target,
                                                const LayoutRequest& layout) {
  Result<uint64_t> mine = TotalBytes(layout);
  if (!mine.ok()) return mine.status();
  Result<uint64_t> total = SharedBytes(target, *mine);
  if (!total.ok()) return total.status();
  auto conn = std::make_shared<GlusterConnection>(fs);
  struct stat st;
  const bool exists = glfs_stat(fs, uri.path.c_str(), &st) == 0;
  if (!exists && errno != ENOENT) {
    return ErrnoStatus("stat on volume '" + uri.volume + "'", uri.path, errno);
  }
  if (exists && !S_ISREG(st.st_mode)) {
    return Status::InvalidArgument("shared target " + uri.text + ": " + uri.path +
                                   " is not a regular file on the volume (the ranks share one "
                                   "file; a directory gives each rank files of its own)");
  }
  if (!target.joins_shared()) {
    if (!exists && !target.create) {
      return Status::NotFound("shared target " + uri.text +
                              " does not exist; name a new file with --create");
    }
    if (exists && !target.allow_overwrite) {
      return Status::Refused("refusing to write " + uri.text +
                             ": existing file on the volume (pass --allow-overwrite to use it)");
    }
    if (!exists) {
      Status s = CreateVolumeFile(conn.get(), uri.path, *total, target.layout_fill);
      if (!s.ok()) {
        conn->RemoveCreated(false);
        return s;
      }
    } else if (static_cast<uint64_t>(st.st_size) < *total) {
      return Status::InvalidArgument("file " + uri.text + " holds " + std::to_string(st.st_size) +
                                     " bytes; the ranks' regions need " + std::to_string(*total));
    }
  } else {
    // Created by the first process under --create, or allowed by --allow-overwrite as there.
    if (!exists) {
      return Status::NotFound("shared file " + uri.text +
                              " does not exist, though the first process prepared it");
    }
    if (!target.create && !target.allow_overwrite) {
      return Status::Refused("refusing to write " + uri.text +
                             ": existing file on the volume (pass --allow-overwrite to use it)");
    }
    if (static_cast<uint64_t>(st.st_size) < *total) {
      return Status::InvalidArgument("shared file " + uri.text + " holds " +
                                     std::to_string(st.st_size) + " bytes, not the " +
                                     std::to_string(*total) + " its first process laid out");
    }
  }
  return PreparedTarget::ForBackend(TargetKind::kGlusterFile, uri.text,
                                    RegionJobs(uri.path, layout, target), std::move(conn),
                                    target.keep);
}

Result<PreparedTarget> PrepareGluster(const TargetUri& uri, const TargetOptions& target,
                                      const LayoutRequest& layout, const BackendOptions& options) {
  Result<glfs_t*> fs = GlusterFor(uri, options);
  if (!fs.ok()) return fs.status();
  if (target.share_count > 1) return PrepareSharedGlusterFile(*fs, uri, target, layout);
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
    job.path = (uri.path == "/" ? "" : uri.path) + "/" + UriJobName(j) + ".dat";
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

// An audit's jobs on gluster://HOST/VOLUME/DIR (files in DIR, checked by CheckUriJobPath): each
// must still be there.
Result<std::shared_ptr<BackendConnection>> ReopenGluster(const TargetUri& uri,
                                                         const std::vector<JobFile>& jobs,
                                                         const BackendOptions& options) {
  Result<glfs_t*> fs = GlusterFor(uri, options);
  if (!fs.ok()) return fs.status();
  auto conn = std::make_shared<GlusterConnection>(*fs);
  for (const JobFile& job : jobs) {
    struct stat st;
    if (glfs_stat(*fs, job.path.c_str(), &st) != 0) {
      if (errno == ENOENT) {
        return Status::NotFound(job.path + " does not exist on volume '" + uri.volume +
                                "' (verified and removed already?)");
      }
      return ErrnoStatus("stat on volume '" + uri.volume + "'", job.path, errno);
    }
    conn->AddCreatedFile(job.path);
  }
  return std::shared_ptr<BackendConnection>(std::move(conn));
}

class GlusterModule final : public Module {
 public:
  std::vector<EngineInfo> Engines() const override {
    return {{"gfapi", "libgfapi file on a Gluster volume (gluster://HOST/VOLUME/DIR), no FUSE",
             GfapiEngineCaps(), NewGfapiEngine}};
  }

  bool Serves(UriScheme scheme) const override { return scheme == UriScheme::kGluster; }

  Result<PreparedTarget> Prepare(const TargetUri& uri, const TargetOptions& target,
                                 const LayoutRequest& layout,
                                 const BackendOptions& options) override {
    return PrepareGluster(uri, target, layout, options);
  }

  Result<std::shared_ptr<BackendConnection>> Reopen(const TargetUri& uri,
                                                    const std::vector<JobFile>& jobs,
                                                    const BackendOptions& options) override {
    return ReopenGluster(uri, jobs, options);
  }

  void Probe(const TargetUri& uri, const BackendOptions& options, ProbeResult* r) override {
    Result<glfs_t*> fs = GlusterFor(uri, options);
    const uint16_t port = uri.port != 0 ? uri.port : options.gluster_port;
    r->backend_detail = "volume " + uri.volume + " at " + uri.host + ":" + std::to_string(port) +
                        ", directory " + uri.path;
    if (!fs.ok()) {
      r->replication.SetAll(ProbeFact::Unknown(fs.status().message()));
      r->replication.system = ProbeFact::Known("glusterfs");
      r->notes.push_back(fs.status().message());
      return;
    }
    r->replication = GlusterReplicationFacts(*fs, uri.volume);
  }
};

}  // namespace
}  // namespace durabench

DURABENCH_MODULE(durabench::GlusterModule)
