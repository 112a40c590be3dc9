#include "backend/gluster/gluster.h"

#include <glusterfs/api/glfs.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>

#include "util/errno_status.h"

namespace durabench {
namespace {

std::mutex g_volumes_mu;
std::map<std::string, glfs_t*>* g_volumes = nullptr;  // never freed: see gluster.h

// glfs_new .. glfs_init; the handle, or -errno.
std::pair<glfs_t*, int> ConnectVolume(const std::string& host, uint16_t port,
                                      const std::string& volume) {
  glfs_t* fs = glfs_new(volume.c_str());
  if (fs == nullptr) return {nullptr, errno != 0 ? errno : ENOMEM};
  if (glfs_set_volfile_server(fs, "tcp", host.c_str(), port) != 0) {
    const int e = errno;
    glfs_fini(fs);
    return {nullptr, e != 0 ? e : EINVAL};
  }
  // gfapi writes its own log; DURABENCH_GFAPI_LOG keeps it (at debug level) for diagnosis.
  const char* log = std::getenv("DURABENCH_GFAPI_LOG");
  glfs_set_logging(fs, log != nullptr ? log : "/dev/null", log != nullptr ? 9 : 0);
  if (glfs_init(fs) != 0) {
    const int e = errno != 0 ? errno : EIO;
    // The handle is left, not finalised: glfs_fini after a failed init can block for seconds.
    return {nullptr, e};
  }
  return {fs, 0};
}

}  // namespace

Result<glfs_t*> GlusterVolume(const std::string& host, uint16_t port, const std::string& volume,
                              const BackendOptions& options) {
  const std::string key = host + ":" + std::to_string(port) + "/" + volume;
  std::lock_guard<std::mutex> lock(g_volumes_mu);
  if (g_volumes == nullptr) g_volumes = new std::map<std::string, glfs_t*>();
  auto it = g_volumes->find(key);
  if (it != g_volumes->end()) return it->second;

  // glfs_init has no timeout of its own: an address that drops packets would hold it for
  // minutes. It runs on a thread of its own; on timeout the thread is left behind.
  auto task = std::make_shared<std::packaged_task<std::pair<glfs_t*, int>()>>(
      [host, port, volume] { return ConnectVolume(host, port, volume); });
  std::future<std::pair<glfs_t*, int>> done = task->get_future();
  std::thread([task] { (*task)(); }).detach();
  const std::string where =
      "gluster volume '" + volume + "' at " + host + ":" + std::to_string(port);
  if (done.wait_for(std::chrono::seconds(options.connect_timeout_s)) != std::future_status::ready) {
    return Status::IoError("cannot connect to " + where + ": no answer within " +
                           std::to_string(options.connect_timeout_s) + " s (--connect-timeout)");
  }
  const auto [fs, err] = done.get();
  if (fs == nullptr) {
    std::string hint;
    if (err == ENOENT) hint = " (no such volume? `gluster volume list` lists them)";
    if (err == ENOTCONN || err == ECONNREFUSED) hint = " (is glusterd running on that port?)";
    return Status::IoError("cannot connect to " + where + ": " + ErrnoString(err) + hint);
  }
  g_volumes->emplace(key, fs);
  return fs;
}

void GlusterConnection::RemoveCreated(bool keep) {
  if (std::exchange(removed_, true) || keep) return;
  for (const std::string& path : created_) {
    if (glfs_unlink(fs_, path.c_str()) != 0 && errno != ENOENT) {
      std::fprintf(stderr, "durabench: warning: could not remove %s from the volume: %s\n",
                   path.c_str(), ErrnoString(errno).c_str());
    }
  }
}

ReplicationFacts GlusterReplicationFacts(glfs_t* fs, const std::string& volume) {
  // Asked with no room first, so it answers -size: gfapi 10.3 copies `len` bytes, not the
  // volfile's size, so the buffer must be exactly that long (ASan caught the over-read).
  ssize_t n = glfs_get_volfile(fs, nullptr, 0);
  std::string volfile;
  if (n < 0) {
    volfile.resize(static_cast<size_t>(-n));
    n = glfs_get_volfile(fs, volfile.data(), volfile.size());
  }
  if (n <= 0) {
    ReplicationFacts r;
    r.system = ProbeFact::Known("glusterfs");
    r.volume = ProbeFact::Known(volume);
    const std::string why = "glfs_get_volfile failed: " + ErrnoString(errno);
    r.volume_type = ProbeFact::Unknown(why);
    r.replica_count = ProbeFact::Unknown(why);
    return r;
  }
  volfile.resize(static_cast<size_t>(n));
  return internal::ReplicationFromVolfile(volfile, volume);
}

namespace internal {

ReplicationFacts ReplicationFromVolfile(const std::string& volfile, const std::string& volume) {
  ReplicationFacts r;
  r.system = ProbeFact::Known("glusterfs");
  r.volume = ProbeFact::Known(volume);
  r.min_size = ProbeFact::NotApplicable("Gluster volumes have no min_size (quorum is an option)");
  r.cluster_id = ProbeFact::NotApplicable("Gluster volumes are named by host and volume");
  GlusterGraphShape shape;
  std::istringstream in(volfile);
  std::string line, type;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string word;
    if (!(words >> word)) continue;
    if (word == "volume") {
      type.clear();
    } else if (word == "type") {
      words >> type;
      if (type == "cluster/disperse") shape.AddDisperseNode();
    } else if (word == "subvolumes" && type == "cluster/replicate") {
      size_t n = 0;
      while (words >> word) ++n;
      shape.AddReplicateNode(n);
    }
  }
  shape.Describe("the volfile", &r);
  return r;
}

}  // namespace internal
}  // namespace durabench
