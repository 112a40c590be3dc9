// The interface of a durabench module: a shared object, loaded at run time, that adds engines
// and, for URI targets, prepares and probes them. The Ceph engines (rados, rbd) and the Gluster
// one (gfapi) are modules, so that the durabench binary itself links no cluster library and runs
// on a box that has none (the drive under evaluation needs only the core package); fio loads its
// external engines the same way.
//
// A module is one folder (backend/ceph/, backend/gluster/, or one of the tests' own): its sources
// and a CMakeLists.txt calling durabench_add_module(NAME ...) (cmake/modules.cmake), which builds
// durabench-NAME.so where the binary looks for it (backend/modules.h). In one source file:
//
//   class ExampleModule final : public Module {
//    public:
//     std::vector<EngineInfo> Engines() const override { return {{"example", "...", caps, New}}; }
//   };
//   DURABENCH_MODULE(ExampleModule)
//
// The C++ interface below is the ABI: a module is loaded only by a binary of the same version
// built by the same compiler (DURABENCH_MODULE_ABI), so the two agree on every type they share.
// A module links its own copy of the core libraries it uses (hidden inside it), calls nothing
// back in the binary, and is never unloaded, so what it hands out (engine factories, the
// connections of prepared targets) stays valid for the life of the process.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend/group.h"
#include "backend/uri.h"
#include "durabench/config.h"
#include "engine/registry.h"
#include "target/probe.h"
#include "target/target.h"
#include "util/status.h"

namespace durabench {

class Module {
 public:
  virtual ~Module() = default;

  // The engines this module adds (registered when it is loaded; names must be new).
  virtual std::vector<EngineInfo> Engines() const = 0;

  // Whether the module prepares and probes URI targets of `scheme`.
  virtual bool Serves(UriScheme scheme) const {
    (void)scheme;
    return false;
  }
  // Prepares a URI target this module serves (backend.h PrepareBackendTarget: the layout is
  // checked before this is called).
  virtual Result<PreparedTarget> Prepare(const TargetUri& uri, const TargetOptions& target,
                                         const LayoutRequest& layout,
                                         const BackendOptions& options) {
    (void)target, (void)layout, (void)options;
    return Status::NotSupported("no module prepares " + uri.text);
  }
  // Fills what the cluster says about a URI target this module serves: r->replication,
  // r->backend_detail, and notes on what could not be read.
  virtual void Probe(const TargetUri& uri, const BackendOptions& options, ProbeResult* r) {
    (void)uri, (void)options, (void)r;
  }
  // Reopens, for `durabench audit --verify`, what an audit left on a URI target this module
  // serves: `jobs` as the audit's jobs named them (JobFile::path: an object-name prefix, the
  // image, a file on the volume; offset_bytes and size_bytes: the job's region). The returned
  // connection serves the module's engine, opened read-only on each job's path, and its
  // RemoveCreated(false) removes what the audit created: the objects and files it named itself,
  // the image only when durabench created it. The paths are those CheckUriJobPath (uri.h)
  // accepted; NotFound when nothing of a job's is left.
  virtual Result<std::shared_ptr<BackendConnection>> Reopen(const TargetUri& uri,
                                                            const std::vector<JobFile>& jobs,
                                                            const BackendOptions& options) {
    (void)jobs, (void)options;
    return Status::NotSupported("no module reopens " + uri.text);
  }
  // Adds what only this module can read about a mounted path that ProbeTarget() found (a CephFS
  // mount's pool facts); leaves `r` as it is for other paths.
  virtual void ProbeMount(const std::string& path, const BackendOptions& options, ProbeResult* r) {
    (void)path, (void)options, (void)r;
  }
  // Joins the group of processes that a launcher (mpirun) started this one in (group.h); called
  // at most once, by the main thread, before any other thread runs I/O.
  virtual Result<std::unique_ptr<ProcessGroup>> JoinGroup() {
    return Status::NotSupported("this module starts no group of processes");
  }
};

}  // namespace durabench

// What a module and the binary that loads it must agree on: the version and the compiler.
#define DURABENCH_MODULE_ABI "durabench-module-1 " DURABENCH_VERSION " " __VERSION__

// Defines a module's two entry points: its ABI string and the function returning its one
// instance of MODULE_CLASS (a Module).
#define DURABENCH_MODULE(MODULE_CLASS)                                                        \
  extern "C" __attribute__((visibility("default"))) const char durabench_module_abi[] =       \
      DURABENCH_MODULE_ABI;                                                                   \
  extern "C" __attribute__((visibility("default"))) ::durabench::Module* durabench_module() { \
    static MODULE_CLASS instance;                                                             \
    return &instance;                                                                         \
  }
