// librados / librbd: one connected cluster handle per run, shared by the jobs' engines.
// Part of the Ceph module (backend/ceph/ceph_module.cc).
#pragma once

#include <rados/librados.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/uri.h"
#include "engine/connection.h"
#include "util/status.h"

namespace durabench {

struct PoolReplication {
  int size = 0;      // copies of every object
  int min_size = 0;  // copies a write needs before it is acknowledged
};

// A connected librados handle. Every call that talks to the cluster is bounded by the
// timeouts of BackendOptions, so an unreachable cluster is an error, never a hang.
class CephCluster {
 public:
  // Connects as client.<ceph_id>; errors name the config, the monitors and the likely cause.
  static Result<std::shared_ptr<CephCluster>> Connect(const BackendOptions& options);
  ~CephCluster();
  CephCluster(const CephCluster&) = delete;
  CephCluster& operator=(const CephCluster&) = delete;

  rados_t handle() const { return cluster_; }
  const std::string& fsid() const { return fsid_; }
  // An I/O context on `pool` (NotFound when the pool does not exist); rados_ioctx_destroy it.
  Result<rados_ioctx_t> OpenPool(const std::string& pool) const;
  Result<PoolReplication> PoolFacts(const std::string& pool) const;
  // A monitor command (JSON in, JSON out).
  Result<std::string> MonCommand(const std::string& json) const;

 private:
  CephCluster() = default;
  rados_t cluster_ = nullptr;
  std::string fsid_;
  std::string where_;  // "client.admin at MON_HOST (config FILE)", for error messages
};

// A rados:// or rbd:// target's connection: the cluster, an I/O context on the pool, and what
// durabench created there (objects of rados jobs, or the image).
class CephConnection final : public BackendConnection {
 public:
  // Objects of a rados job: PREFIX.<index as 8 hex digits>, each `object_size` bytes at most.
  CephConnection(std::shared_ptr<CephCluster> cluster, rados_ioctx_t ioctx, bool rbd,
                 uint64_t object_size);
  ~CephConnection() override;

  const char* engine_name() const override { return rbd_ ? "rbd" : "rados"; }
  void RemoveCreated(bool keep) override;

  CephCluster& cluster() const { return *cluster_; }
  rados_ioctx_t ioctx() const { return ioctx_; }
  uint64_t object_size() const { return object_size_; }
  static std::string ObjectName(const std::string& prefix, uint64_t index);

  // rbd targets: the image, opened once and shared by every job of a phase (several handles on
  // one image would pass its exclusive lock back and forth on every write). `cache` sets
  // rbd_cache for the handle; a phase with another setting reopens it once the last job of the
  // previous phase released it. Called from the runner's thread only.
  Result<void*> AcquireImage(const std::string& name, bool cache);
  void ReleaseImage();

  // Remembers a rados job's objects [0, count) under `prefix`, or an image durabench created.
  void AddCreatedObjects(const std::string& prefix, uint64_t count);
  void SetCreatedImage(const std::string& image) { created_image_ = image; }

 private:
  std::shared_ptr<CephCluster> cluster_;
  rados_ioctx_t ioctx_;
  bool rbd_;
  uint64_t object_size_;
  std::vector<std::pair<std::string, uint64_t>> created_objects_;
  std::string created_image_;
  bool removed_ = false;
  void* image_ = nullptr;  // rbd_image_t
  bool image_cache_ = false;
  int image_users_ = 0;
};

// librados error text with what to check for the common cases (auth, missing pool, timeout).
std::string CephErrorText(int err);

}  // namespace durabench
