#include "backend/backend.h"

#include <string>

#include "backend/module.h"
#include "backend/modules.h"

namespace durabench {
namespace {

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

}  // namespace

Result<PreparedTarget> PrepareBackendTarget(const TargetOptions& target,
                                            const LayoutRequest& layout,
                                            const BackendOptions& options) {
  Result<TargetUri> uri = ParseTargetUri(target.path);
  if (!uri.ok()) return uri.status();
  Result<Module*> module = ModuleForScheme(uri->scheme);
  if (!module.ok()) return module.status().WithContext("target " + uri->text);
  if (layout.jobs == 0 || layout.size_bytes == 0 || layout.block_size_bytes == 0) {
    return Status::InvalidArgument("layout needs jobs, size and block size > 0");
  }
  if (target.share_count > 1 && uri->scheme == UriScheme::kRados) {
    return Status::InvalidArgument(uri->text +
                                   " is no shared target: each process gets objects of its own "
                                   "there; share an rbd:// image or a gluster:// file");
  }
  return (*module)->Prepare(*uri, target, layout, options);
}

Result<std::shared_ptr<BackendConnection>> ReopenBackendTarget(const std::string& text,
                                                               const std::vector<JobFile>& jobs,
                                                               const BackendOptions& options) {
  Result<TargetUri> uri = ParseTargetUri(text);
  if (!uri.ok()) return uri.status();
  for (const JobFile& job : jobs) DURABENCH_RETURN_IF_ERROR(CheckUriJobPath(*uri, job.path));
  Result<Module*> module = ModuleForScheme(uri->scheme);
  if (!module.ok()) return module.status().WithContext("target " + uri->text);
  return (*module)->Reopen(*uri, jobs, options);
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
  Result<Module*> module = ModuleForScheme(uri->scheme);
  if (!module.ok()) {
    r.replication.SetAll(ProbeFact::Unknown(module.status().message()));
    r.notes.push_back(module.status().message());
    return r;
  }
  (*module)->Probe(*uri, options, &r);
  return r;
}

ProbeResult ProbeAnyTarget(const std::string& target, const BackendOptions& options) {
  if (LooksLikeTargetUri(target)) return ProbeBackendTarget(target, options);
  ProbeResult r = ProbeTarget(target);
  if (r.backend_kind != "ceph-fuse" && r.backend_kind != "cephfs-kernel") return r;
  Result<Module*> ceph = ModuleForScheme(UriScheme::kRados);
  if (!ceph.ok()) {
    r.notes.push_back("Ceph pool facts not read: " + ceph.status().message());
    return r;
  }
  (*ceph)->ProbeMount(target, options, &r);
  return r;
}

}  // namespace durabench
