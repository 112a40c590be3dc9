// Targets given as URIs: Ceph pools and RBD images through librados/librbd, files on a Gluster
// volume through libgfapi. A URI target selects its native engine (rados, rbd, gfapi).
//
//   rados://POOL                        objects in POOL, written with librados aio
//   rbd://POOL/IMAGE                    an RBD image (created and removed by durabench if it
//                                       does not exist; an existing one needs --destroy-data)
//   gluster://HOST[:PORT]/VOLUME[/DIR]  files durabench creates in DIR (default /) of VOLUME
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace durabench {

enum class UriScheme { kRados, kRbd, kGluster };

struct TargetUri {
  UriScheme scheme = UriScheme::kRados;
  std::string text;        // as given
  std::string pool;        // rados, rbd
  std::string image;       // rbd
  std::string host;        // gluster
  uint16_t port = 0;       // gluster: 0 when the URI names none (BackendOptions decides)
  std::string volume;      // gluster
  std::string path = "/";  // gluster: absolute, normalised directory on the volume
};

// How to reach the clusters; the CLI fills it from --ceph-conf etc.
struct BackendOptions {
  std::string ceph_conf;            // empty: $CEPH_CONF, else librados's default search path
  std::string ceph_keyring;         // empty: as the configuration says
  std::string ceph_id = "admin";    // the client's name, without "client."
  uint16_t gluster_port = 24007;    // glusterd's port when the URI names none
  uint32_t connect_timeout_s = 10;  // monitor handshake / volfile fetch
  uint32_t op_timeout_s = 30;       // librados: an OSD operation fails with ETIMEDOUT after this
};

// True when `target` is meant as a URI (it contains "://"), valid or not.
bool LooksLikeTargetUri(std::string_view target);
// The URI's parts, or InvalidArgument saying what a valid one looks like.
Result<TargetUri> ParseTargetUri(std::string_view text);
// The name of job `job`'s objects or file on a URI target: "durabench-<tag>-<job>" (the pid, and
// the rank under mpirun: util/process_tag.h), so that a run writes only names it made itself
// (backend.h, "Safety").
std::string UriJobName(uint32_t job);
// Whether `path` is a name the runs of `uri` make for a job (an object prefix UriJobName(J) in
// the pool, the image itself, a UriJobName(J).dat file in the volume's directory): InvalidArgument
// otherwise, saying the audit that wrote it was another target's. Checked before any module is
// loaded or any cluster contacted (audit --verify).
Status CheckUriJobPath(const TargetUri& uri, const std::string& path);
// The native engine a URI selects: "rados", "rbd" or "gfapi".
const char* NativeEngineFor(UriScheme scheme);

}  // namespace durabench
