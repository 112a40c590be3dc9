// Gluster FUSE mounts: how many copies the volume keeps, from the client's translator graph.
//
// The glusterfs client exposes its running configuration under the virtual directory MOUNT/.meta
// (not listed by readdir, reachable by path). graphs/active/ holds one directory per translator
// of the active graph, each with a `type` file ("cluster/replicate", "cluster/distribute",
// "protocol/client", ...) and a `subvolumes` directory naming its children 0, 1, .... A
// replica-3 volume has a "VOL-replicate-0" node with three subvolumes; a distributed-replicate
// volume has several such nodes; a plain distribute volume has none (one copy per file).
#include <cstring>
#include <string>
#include <vector>

#include "target/probe_internal.h"

namespace durabench::internal {

ReplicationFacts ProbeGlusterReplication(const std::string& mount_point,
                                         const std::string& source) {
  ReplicationFacts r;
  r.system = ProbeFact::Known("glusterfs");
  r.min_size = ProbeFact::NotApplicable("Gluster volumes have no min_size (quorum is an option)");
  r.cluster_id = ProbeFact::NotApplicable("Gluster volumes are named by host and volume");
  const size_t colon = source.rfind(':');
  std::string volume = colon == std::string::npos ? "" : source.substr(colon + 1);
  while (!volume.empty() && volume.front() == '/') volume.erase(0, 1);
  r.volume = volume.empty() ? ProbeFact::Unknown("mount source '" + source + "' is not HOST:VOLUME")
                            : ProbeFact::Known(volume);

  const std::string graph = mount_point + "/.meta/graphs/active";
  int err = 0;
  const std::vector<std::string> nodes = ListDir(graph, &err);
  if (err != 0 || nodes.empty()) {
    const std::string why =
        "cannot read " + graph + (err != 0 ? std::string(": ") + std::strerror(err) : ": empty");
    r.volume_type = ProbeFact::Unknown(why);
    r.replica_count = ProbeFact::Unknown(why);
    return r;
  }
  GlusterGraphShape shape;
  for (const std::string& node : nodes) {
    const ProbeFact type = ReadFact(graph + "/" + node + "/type");
    if (!type.known()) continue;
    if (type.value == "cluster/disperse") shape.AddDisperseNode();
    if (type.value != "cluster/replicate") continue;
    const std::vector<std::string> subvolumes = ListDir(graph + "/" + node + "/subvolumes", &err);
    if (err == 0) shape.AddReplicateNode(subvolumes.size());
  }
  shape.Describe(graph, &r);
  return r;
}

}  // namespace durabench::internal

namespace durabench {

void GlusterGraphShape::Describe(const std::string& where, ReplicationFacts* r) const {
  if (disperse_) {
    r->volume_type = ProbeFact::Known("disperse");
    r->replica_count = ProbeFact::Unknown("erasure-coded (disperse) volume: no whole copies");
  } else if (replicate_nodes_ == 0) {
    r->volume_type = ProbeFact::Known("distribute");
    r->replica_count = ProbeFact::Known("1");
  } else if (copies_differ_) {
    r->volume_type = ProbeFact::Known("distributed-replicate");
    r->replica_count = ProbeFact::Unknown("replica sets of different sizes in " + where);
  } else {
    r->volume_type = ProbeFact::Known(replicate_nodes_ > 1 ? "distributed-replicate" : "replicate");
    r->replica_count = ProbeFact::Known(std::to_string(copies_));
  }
}

}  // namespace durabench
