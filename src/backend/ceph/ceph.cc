#include "backend/ceph/ceph.h"

#include <rbd/librbd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

namespace durabench {
namespace {

std::string ConfGet(rados_t cluster, const char* key) {
  char buf[512] = {};
  if (rados_conf_get(cluster, key, buf, sizeof(buf)) != 0) return "";
  return buf;
}

}  // namespace

std::string CephErrorText(int err) {
  const int e = err < 0 ? -err : err;
  std::string text = std::strerror(e);
  switch (e) {
    case ETIMEDOUT:
      return text + " (is the cluster up and its monitors reachable?)";
    case EACCES:
    case EPERM:
      return text + " (authentication failed: wrong key or client name, or missing caps)";
    case ENOENT:
      return text + " (no config or keyring found? use --ceph-conf / --ceph-keyring)";
    default:
      return text;
  }
}

Result<std::shared_ptr<CephCluster>> CephCluster::Connect(const BackendOptions& options) {
  std::shared_ptr<CephCluster> c(new CephCluster());
  int r = rados_create(&c->cluster_, options.ceph_id.c_str());
  if (r < 0) {
    c->cluster_ = nullptr;
    return Status::IoError("ceph: cannot create client." + options.ceph_id + ": " +
                           CephErrorText(r));
  }
  // Precedence: --ceph-conf, then $CEPH_CONF, then librados's search path (/etc/ceph/...).
  std::string conf = options.ceph_conf;
  if (conf.empty()) {
    const char* env = std::getenv("CEPH_CONF");
    if (env != nullptr) conf = env;
  }
  r = rados_conf_read_file(c->cluster_, conf.empty() ? nullptr : conf.c_str());
  if (r < 0) {
    return Status::IoError(
        "ceph: cannot read the config " +
        (conf.empty() ? std::string("(searched /etc/ceph/ceph.conf, ~/.ceph)") : conf) + ": " +
        std::strerror(-r) + " (use --ceph-conf or CEPH_CONF)");
  }
  rados_conf_parse_env(c->cluster_, nullptr);  // CEPH_ARGS, as the ceph tools honour it
  if (!options.ceph_keyring.empty()) {
    rados_conf_set(c->cluster_, "keyring", options.ceph_keyring.c_str());
  }
  const std::string connect_s = std::to_string(options.connect_timeout_s);
  rados_conf_set(c->cluster_, "client_mount_timeout", connect_s.c_str());
  rados_conf_set(c->cluster_, "rados_mon_op_timeout", connect_s.c_str());
  if (options.op_timeout_s > 0) {
    const std::string op_s = std::to_string(options.op_timeout_s);
    rados_conf_set(c->cluster_, "rados_osd_op_timeout", op_s.c_str());
  }
  // librados logs to stderr by default; the run's own error lines say what went wrong.
  rados_conf_set(c->cluster_, "log_to_stderr", "false");
  rados_conf_set(c->cluster_, "err_to_stderr", "false");
  c->where_ = "client." + options.ceph_id + " at mon_host " + ConfGet(c->cluster_, "mon_host") +
              " (config " + (conf.empty() ? std::string("default") : conf) + ")";
  r = rados_connect(c->cluster_);
  if (r < 0) {
    std::string why = CephErrorText(r);
    if (r == -ETIMEDOUT) why += ", waited " + connect_s + " s (--connect-timeout)";
    return Status::IoError("ceph: cannot connect " + c->where_ + ": " + why);
  }
  char fsid[64] = {};
  r = rados_cluster_fsid(c->cluster_, fsid, sizeof(fsid));
  if (r >= 0) c->fsid_.assign(fsid, static_cast<size_t>(r));
  return c;
}

CephCluster::~CephCluster() {
  if (cluster_ != nullptr) rados_shutdown(cluster_);
}

Result<rados_ioctx_t> CephCluster::OpenPool(const std::string& pool) const {
  rados_ioctx_t io = nullptr;
  const int r = rados_ioctx_create(cluster_, pool.c_str(), &io);
  if (r == -ENOENT) {
    return Status::NotFound("ceph: pool '" + pool + "' does not exist on " + where_ +
                            " (`ceph osd pool ls` lists the pools)");
  }
  if (r < 0) return Status::IoError("ceph: cannot open pool '" + pool + "': " + CephErrorText(r));
  return io;
}

Result<std::string> CephCluster::MonCommand(const std::string& json) const {
  const char* cmd[] = {json.c_str()};
  char* out = nullptr;
  size_t out_len = 0;
  char* status = nullptr;
  size_t status_len = 0;
  const int r = rados_mon_command(cluster_, cmd, 1, "", 0, &out, &out_len, &status, &status_len);
  std::string result(out != nullptr ? out : "", out_len);
  std::string why(status != nullptr ? status : "", status_len);
  rados_buffer_free(out);
  rados_buffer_free(status);
  if (r < 0) {
    return Status::IoError("ceph: monitor command " + json + " failed: " + CephErrorText(r) +
                           (why.empty() ? "" : ": " + why));
  }
  return result;
}

Result<PoolReplication> CephCluster::PoolFacts(const std::string& pool) const {
  PoolReplication facts;
  for (const char* var : {"size", "min_size"}) {
    nlohmann::json cmd = {
        {"prefix", "osd pool get"}, {"pool", pool}, {"var", var}, {"format", "json"}};
    Result<std::string> out = MonCommand(cmd.dump());
    if (!out.ok()) return out.status();
    const nlohmann::json j = nlohmann::json::parse(*out, nullptr, false);
    if (!j.is_object() || !j.contains(var) || !j[var].is_number_integer()) {
      return Status::IoError("ceph: unexpected answer to 'osd pool get " + pool + " " + var +
                             "': " + *out);
    }
    (std::strcmp(var, "size") == 0 ? facts.size : facts.min_size) = j[var].get<int>();
  }
  return facts;
}

CephConnection::CephConnection(std::shared_ptr<CephCluster> cluster, rados_ioctx_t ioctx, bool rbd,
                               uint64_t object_size)
    : cluster_(std::move(cluster)), ioctx_(ioctx), rbd_(rbd), object_size_(object_size) {}

CephConnection::~CephConnection() {
  if (image_ != nullptr) rbd_close(static_cast<rbd_image_t>(image_));
  if (ioctx_ != nullptr) {
    rados_aio_flush(ioctx_);  // nothing of ours may be in flight when the context goes
    rados_ioctx_destroy(ioctx_);
  }
}

std::string CephConnection::ObjectName(const std::string& prefix, uint64_t index) {
  char suffix[24];
  std::snprintf(suffix, sizeof(suffix), ".%08" PRIx64, index);
  return prefix + suffix;
}

Result<void*> CephConnection::AcquireImage(const std::string& name, bool cache) {
  if (image_ != nullptr && image_cache_ != cache && image_users_ == 0) {
    rbd_close(static_cast<rbd_image_t>(image_));
    image_ = nullptr;
  }
  if (image_ != nullptr && image_cache_ != cache) {
    return Status::Internal("rbd image " + name + " is open with rbd_cache=" +
                            (image_cache_ ? "true" : "false") + " by a job still running");
  }
  if (image_ == nullptr) {
    // librbd reads rbd_cache from the cluster handle's config when the image is opened.
    rados_conf_set(cluster_->handle(), "rbd_cache", cache ? "true" : "false");
    rbd_image_t image = nullptr;
    const int r = rbd_open(ioctx_, name.c_str(), &image, nullptr);
    if (r < 0) return Status::IoError("rbd: cannot open image " + name + ": " + CephErrorText(r));
    image_ = image;
    image_cache_ = cache;
  }
  ++image_users_;
  return image_;
}

void CephConnection::ReleaseImage() {
  if (image_users_ > 0) --image_users_;
}

void CephConnection::AddCreatedObjects(const std::string& prefix, uint64_t count) {
  created_objects_.emplace_back(prefix, count);
}

void CephConnection::RemoveCreated(bool keep) {
  if (std::exchange(removed_, true) || keep) return;
  for (const auto& [prefix, count] : created_objects_) {
    for (uint64_t i = 0; i < count; ++i) {
      const std::string name = ObjectName(prefix, i);
      const int r = rados_remove(ioctx_, name.c_str());
      if (r < 0 && r != -ENOENT) {
        std::fprintf(stderr, "durabench: warning: could not remove object %s: %s\n", name.c_str(),
                     CephErrorText(r).c_str());
      }
    }
  }
  if (image_ != nullptr) {
    rbd_close(static_cast<rbd_image_t>(image_));
    image_ = nullptr;
  }
  if (!created_image_.empty()) {
    const int r = rbd_remove(ioctx_, created_image_.c_str());
    if (r < 0 && r != -ENOENT) {
      std::fprintf(stderr, "durabench: warning: could not remove image %s: %s\n",
                   created_image_.c_str(), CephErrorText(r).c_str());
    }
  }
}

}  // namespace durabench
