# shellcheck shell=bash disable=SC2034  # variables used by the scripts that source this
# Shared by scripts/ceph-up.sh and scripts/ceph-down.sh (sourced, not run).
#
# One throwaway Ceph cluster lives entirely under one state directory DIR:
#   DIR/ceph.conf                 the only config file (nothing is read from /etc/ceph)
#   DIR/ceph.client.admin.keyring client.admin, used by the CLI, librados, ceph-fuse
#   DIR/{mon,mgr,osd,mds}/ceph-ID daemon data (each with its own keyring; osd.N/block is the
#                                 sparse BlueStore file)
#   DIR/run/NAME.pid              one pid file per process we started (mon.a, mgr.x, osd.N,
#                                 mds.a, ceph-fuse); admin sockets live here too
#   DIR/log/                      daemon logs, the cluster log, each daemon's stdout/stderr
#   DIR/mnt/cephfs                the ceph-fuse mount
#   DIR/cluster.env               KEY=VALUE facts for tests
#   DIR/ports.env                 the ports chosen at the first ceph-up.sh (see CephSetPorts)
#   DIR/.bootstrap-complete       written once the cluster was fully built; without it a
#                                 non-empty DIR is a half-built cluster (see ceph-up.sh)

# Daemon names, in start order. ceph-down.sh stops them in the reverse-ish order it needs.
CEPH_MON_ID=a
CEPH_MGR_ID=x
CEPH_MDS_ID=a
CEPH_OSD_IDS=(0 1 2)
CEPH_FS_NAME=cephfs
# /usr/bin/python3 on purpose: it has the rados bindings the ceph CLI uses; a pyenv shim may not.
CEPH_PY=/usr/bin/python3

# CephInitPaths DIR: sets the path variables for an absolute state directory.
CephInitPaths() {
  CEPH_DIR=$1
  CEPH_CONF_PATH=$CEPH_DIR/ceph.conf
  CEPH_ADMIN_KEYRING=$CEPH_DIR/ceph.client.admin.keyring
  CEPH_RUN_DIR=$CEPH_DIR/run
  CEPH_LOG_DIR=$CEPH_DIR/log
  CEPH_MNT=$CEPH_DIR/mnt/cephfs
  CEPH_ENV_FILE=$CEPH_DIR/cluster.env
  CEPH_PIDS_FILE=$CEPH_DIR/daemons.pids
  CEPH_DONE_MARK=$CEPH_DIR/.bootstrap-complete
  CEPH_PORTS_FILE=$CEPH_DIR/ports.env
}

# CephSetPorts BASE: sets the mon's ports and the daemons' bind range. Empty BASE: Ceph's
# defaults (mon 3300 v2 / 6789 v1, daemons 6800-7300). Otherwise mon v2 BASE, v1 BASE+1, and
# the OSDs, mgr and MDS bind in BASE+2..BASE+99 (each OSD takes 8 ports — public, cluster and
# two heartbeat messengers, v2 and v1 each —, mgr and MDS 2 each: 28 for this cluster).
CephSetPorts() {
  CEPH_PORT_BASE=$1
  if [[ -z $CEPH_PORT_BASE ]]; then
    CEPH_MON_V2_PORT=3300 CEPH_MON_V1_PORT=6789 CEPH_BIND_PORT_MIN=6800 CEPH_BIND_PORT_MAX=7300
  else
    CEPH_MON_V2_PORT=$CEPH_PORT_BASE CEPH_MON_V1_PORT=$((CEPH_PORT_BASE + 1))
    CEPH_BIND_PORT_MIN=$((CEPH_PORT_BASE + 2)) CEPH_BIND_PORT_MAX=$((CEPH_PORT_BASE + 99))
  fi
  CEPH_MON_ADDRS="[v2:127.0.0.1:$CEPH_MON_V2_PORT,v1:127.0.0.1:$CEPH_MON_V1_PORT]"
}

# CephLoadPorts: sets the ports from DIR/ports.env; a DIR built before that file existed used
# the defaults. Returns 1 (ports unset) when DIR holds no cluster yet.
CephLoadPorts() {
  if [[ -f $CEPH_PORTS_FILE ]]; then
    CephSetPorts "$(sed -n 's/^CEPH_PORT_BASE=//p' "$CEPH_PORTS_FILE")"
  elif [[ -e $CEPH_DONE_MARK || -e $CEPH_CONF_PATH ]]; then
    CephSetPorts ""
  else
    return 1
  fi
}

# CephSavePorts: records the current ports in DIR/ports.env.
CephSavePorts() {
  printf '%s\n' "CEPH_PORT_BASE=$CEPH_PORT_BASE" "CEPH_MON_V2_PORT=$CEPH_MON_V2_PORT" \
    "CEPH_MON_V1_PORT=$CEPH_MON_V1_PORT" "CEPH_BIND_PORT_MIN=$CEPH_BIND_PORT_MIN" \
    "CEPH_BIND_PORT_MAX=$CEPH_BIND_PORT_MAX" >"$CEPH_PORTS_FILE"
}

# CephAbsDir PATH: prints PATH made absolute (it need not exist yet).
CephAbsDir() {
  local d=$1
  [[ $d == /* ]] || d=$PWD/$d
  realpath -m -- "$d"
}

# CephPidOf NAME: prints the PID recorded for NAME (e.g. osd.1) or nothing.
CephPidOf() {
  local f=$CEPH_RUN_DIR/$1.pid
  [[ -s $f ]] && tr -dc '0-9' <"$f"
  return 0
}

# CephPidAlive PID: true when PID runs and is one of ours (its command line names this
# cluster's ceph.conf or mount point), so a recycled PID is never taken for a daemon. A zombie
# (exited, not yet reaped: PID 1 here may reap late) counts as dead.
CephPidAlive() {
  local pid=$1 state cmd
  [[ -n $pid && -r /proc/$pid/stat ]] || return 1
  state=$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ $state != Z && $state != X ]] || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *"$CEPH_CONF_PATH"* || $cmd == *"$CEPH_MNT"* ]]
}

# CephNameAlive NAME: true when NAME's recorded process is alive (see CephPidAlive).
CephNameAlive() {
  CephPidAlive "$(CephPidOf "$1")"
}

# CephCli ARGS...: the ceph CLI against this cluster, with a bounded wait for the mon.
CephCli() {
  timeout 60 ceph -c "$CEPH_CONF_PATH" --connect-timeout 15 "$@"
}

# CephWriteConf FSID: writes DIR/ceph.conf. The settings come from shared/BACKENDS.md:
# loopback only, replicas across OSDs of one host, memory-limited daemons, HEALTH_OK on a
# single-host cluster with a size-1 pool. scripts/lab-up.sh (several hosts in network
# namespaces) overrides: CEPH_MON_MEMBERS (mon_initial_members), CEPH_NETWORK (public and
# cluster network), CEPH_CHOOSELEAF_TYPE (1: replicas on different hosts),
# CEPH_REPORTER_SUBTREE (host), CEPH_MIN_DOWN_REPORTERS, CEPH_HEARTBEAT_INTERVAL_S,
# CEPH_HEARTBEAT_GRACE_S, and CEPH_CONF_EXTRA (sections appended at the end, e.g. each OSD's
# crush_location).
CephWriteConf() {
  local fsid=$1 d=$CEPH_DIR
  cat >"$CEPH_CONF_PATH" <<EOF
# Generated by scripts/ceph-up.sh. Throwaway single-host test cluster; everything under $d.
[global]
fsid = $fsid
mon_initial_members = ${CEPH_MON_MEMBERS:-$CEPH_MON_ID}
mon_host = $CEPH_MON_ADDRS
# Daemons bind here (scripts/ceph-up.sh --port-base; Ceph's 6800-7300 by default).
ms_bind_port_min = $CEPH_BIND_PORT_MIN
ms_bind_port_max = $CEPH_BIND_PORT_MAX
public_network = ${CEPH_NETWORK:-127.0.0.0/8}
cluster_network = ${CEPH_NETWORK:-127.0.0.0/8}
ms_bind_ipv4 = true
ms_bind_ipv6 = false
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
auth_allow_insecure_global_id_reclaim = false

run_dir = $d/run
crash_dir = $d/crash
log_file = $d/log/\$name.log
mon_cluster_log_file = $d/log/ceph.log
admin_socket = $d/run/\$cluster-\$name.\$pid.asok

# Must be set before the mon is created: replicas go to different OSDs of this one host.
osd_crush_chooseleaf_type = ${CEPH_CHOOSELEAF_TYPE:-0}
osd_pool_default_size = 3
osd_pool_default_min_size = 2
osd_pool_default_pg_num = 16
osd_pool_default_pgp_num = 16
osd_pool_default_pg_autoscale_mode = off
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
# The root disk of a test machine is often under 30 % free (the default warning level).
mon_data_avail_warn = 5
# A killed OSD must be marked down in seconds, or client I/O to its PGs stalls (tests kill one).
# The mon counts failure reports per CRUSH subtree of the reporters (default level "host") and
# wants 2 of them (mon_osd_min_down_reporters): on one host every reporter is in the same
# subtree, so a silent OSD would stay "up" until mon_osd_report_timeout (900 s). Count reporters
# per OSD and take one. A SIGKILLed OSD's ports refuse connections at once, and with
# osd_fast_fail_on_connection_refused (default true, set for clarity) its peers report it as an
# immediate failure, which the mon applies at once (≈ 1-2 s here). The heartbeat settings cover
# an OSD that hangs without closing its ports (SIGSTOP, a stuck disk): pings every 2 s, down
# after 10 s of silence (defaults 6 s and 20 s), with no grace stretching for "laggy" history
# so the time stays predictable; still long enough that a loaded 2-core machine does not flap.
mon_osd_reporter_subtree_level = ${CEPH_REPORTER_SUBTREE:-osd}
mon_osd_min_down_reporters = ${CEPH_MIN_DOWN_REPORTERS:-1}
osd_fast_fail_on_connection_refused = true
osd_heartbeat_interval = ${CEPH_HEARTBEAT_INTERVAL_S:-2}
osd_heartbeat_grace = ${CEPH_HEARTBEAT_GRACE_S:-10}
mon_osd_adjust_heartbeat_grace = false
# restful (a default) needs python modules we do not install; iostat is enough.
mgr_initial_modules = iostat

[mon]
mon_data = $d/mon/\$cluster-\$id
keyring = $d/mon/\$cluster-\$id/keyring
pid_file = $d/run/\$name.pid
admin_socket = $d/run/\$cluster-\$name.asok
mon_memory_target = 268435456

[mgr]
mgr_data = $d/mgr/\$cluster-\$id
keyring = $d/mgr/\$cluster-\$id/keyring
pid_file = $d/run/\$name.pid
admin_socket = $d/run/\$cluster-\$name.asok

[osd]
osd_data = $d/osd/\$cluster-\$id
keyring = $d/osd/\$cluster-\$id/keyring
pid_file = $d/run/\$name.pid
admin_socket = $d/run/\$cluster-\$name.asok
osd_objectstore = bluestore
# A sparse file per OSD (osd.N/block), created by ceph-up.sh.
bluestore_block_size = 8589934592
bluestore_block_create = true
# 896 MiB is the floor; a smaller target is silently replaced by 4 GiB.
osd_memory_target = 939524096
bluestore_cache_autotune = false
bluestore_cache_size = 134217728
bluestore_rocksdb_options = compression=kNoCompression,max_write_buffer_number=2,min_write_buffer_number_to_merge=1,recycle_log_file_num=4,write_buffer_size=33554432,writable_file_max_buffer_size=0,compaction_readahead_size=2097152,max_background_compactions=2,max_total_wal_size=268435456

[mds]
mds_data = $d/mds/\$cluster-\$id
keyring = $d/mds/\$cluster-\$id/keyring
pid_file = $d/run/\$name.pid
admin_socket = $d/run/\$cluster-\$name.asok
mds_cache_memory_limit = 134217728

[client]
keyring = $CEPH_ADMIN_KEYRING
${CEPH_CONF_EXTRA:-}
EOF
}

# CephWait WHAT TIMEOUT_S: polls the cluster over one librados connection (cheaper than a ceph
# CLI process per poll) until it is ready, printing each change of state. WHAT is
#   osds  all OSDs up and in, all PGs active+clean (enough to create RBD images)
#   all   also HEALTH_OK (or only the checks named in CEPH_UP_ALLOW_WARN, comma-separated),
#         mgr available, the MDS up:active, and CEPH_MNT a ceph-fuse mount.
#   mds   the MDS up:active (the CephFS can be mounted)
# Returns 0 when ready, 1 on timeout (after printing the last state).
CephWait() {
  "$CEPH_PY" - "$CEPH_CONF_PATH" "$1" "$2" "$CEPH_MNT" "${#CEPH_OSD_IDS[@]}" \
    "${CEPH_UP_ALLOW_WARN:-}" <<'EOF'
import json, os, sys, time
import rados

conf, what, timeout_s, mnt, want_osds, allow = sys.argv[1:7]


def leave(code):
    # Without the interpreter's teardown: librados' own at exit once died of SIGSEGV right after
    # "ready", which failed a cluster that was up ("no active MDS").
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

deadline = time.monotonic() + float(timeout_s)
allowed = {a for a in allow.split(",") if a}


def mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(l.split()[4] == path and "fuse" in l.split(" - ")[1] for l in f)


cluster = None
last = None
while time.monotonic() < deadline:
    try:
        if cluster is None:
            cluster = rados.Rados(conffile=conf, conf={"client_mount_timeout": "10",
                                                       "rados_mon_op_timeout": "10"})
            cluster.connect(timeout=10)
        ret, out, err = cluster.mon_command(json.dumps({"prefix": "status", "format": "json"}),
                                            b"", timeout=10)
        if ret != 0:
            raise RuntimeError(err)
        s = json.loads(out)
    except Exception as e:  # mon not up yet, or restarting
        state = "no answer from the mon: %s" % e
        cluster = None
    else:
        o = s["osdmap"]
        pg = s["pgmap"]
        clean = sum(x["count"] for x in pg.get("pgs_by_state", [])
                    if x["state_name"] == "active+clean")
        checks = sorted(s["health"]["checks"].keys())
        mds = [r["status"] for r in s.get("fsmap", {}).get("by_rank", [])]
        ready = {
            "osds": o["num_osds"] == int(want_osds) and o["num_up_osds"] == o["num_osds"]
            and o["num_in_osds"] == o["num_osds"],
            "pgs": pg["num_pgs"] > 0 and clean == pg["num_pgs"],
        }
        if what != "osds":
            ready["mds"] = "up:active" in mds
        if what == "mds":
            ready = {"mds": ready["mds"]}
        if what == "all":
            ready["health"] = s["health"]["status"] == "HEALTH_OK" or (
                checks and set(checks) <= allowed)
            ready["mgr"] = s["mgrmap"]["available"]
            ready["mount"] = mounted(mnt)
        state = "%s %s; osds %d/%d up; pgs %d/%d active+clean; mds %s; mount %s" % (
            s["health"]["status"], ",".join(checks) or "-", o["num_up_osds"], o["num_osds"],
            clean, pg["num_pgs"], ",".join(mds) or "-",
            "yes" if mounted(mnt) else "no")
        if all(ready.values()):
            print("  ready: " + state, flush=True)
            leave(0)
    if state != last:
        print("  waiting: " + state, flush=True)
        last = state
    time.sleep(0.5)
print("  timed out after %s s; last state: %s" % (timeout_s, last), file=sys.stderr)
leave(1)
EOF
}

# CephMonCmds: runs the mon commands given on stdin, one JSON object a line, over one librados
# connection (a ceph CLI process costs ≈ 1 s here; this ≈ 0.2 s in all). A key "_inbuf"
# (any JSON value) is sent, as JSON, as the command's input (`ceph ... -i FILE`). Prints each command's output on a line; on the
# first failure prints the command and the mon's message and returns 1.
CephMonCmds() {
  "$CEPH_PY" -c '
import json, sys, rados
c = rados.Rados(conffile=sys.argv[1], conf={"client_mount_timeout": "30",
                                             "rados_mon_op_timeout": "30"})
c.connect(timeout=30)
for line in sys.stdin:
    if not line.strip():
        continue
    cmd = json.loads(line)
    inbuf = json.dumps(cmd.pop("_inbuf")).encode() if "_inbuf" in cmd else b""
    ret, out, err = c.mon_command(json.dumps(cmd), inbuf, timeout=30)
    if ret != 0:
        print("ceph %s: %s (%d)" % (json.dumps(cmd), err, ret), file=sys.stderr)
        sys.exit(1)
    print(out.decode().strip())
' "$CEPH_CONF_PATH"
}

# CephRbdCreate POOL...: a 1 GiB image "img" in each POOL (skips one that exists). Needs the
# pools' PGs active and the rbd application enabled. No `rbd pool init`: it adds only a pool
# validation (a self-managed snapshot, ≈ 3 s per pool here) to the application enable.
CephRbdCreate() {
  "$CEPH_PY" -c '
import sys, rados, rbd
c = rados.Rados(conffile=sys.argv[1], conf={"client_mount_timeout": "30",
                                             "rados_osd_op_timeout": "60"})
c.connect(timeout=30)
for pool in sys.argv[2:]:
    with c.open_ioctx(pool) as io:
        if "img" not in rbd.RBD().list(io):
            rbd.RBD().create(io, "img", 1 << 30)
' "$CEPH_CONF_PATH" "$@"
}

# CephVerify: checks what ceph-up.sh promises beyond health: rep1 size 1/min_size 1, rep3 and
# cephfs_data size 3/min_size 2, rep1 and rep3 with the rbd application and an image "img". Prints what is wrong
# and returns 1 if anything is.
CephVerify() {
  "$CEPH_PY" -c '
import json, sys, rados, rbd
c = rados.Rados(conffile=sys.argv[1], conf={"client_mount_timeout": "30",
                                             "rados_mon_op_timeout": "30",
                                             "rados_osd_op_timeout": "30"})
c.connect(timeout=30)
bad = []
# cephfs_data too: the fault tests kill an OSD under the ceph-fuse mount, which only keeps
# writing with 3 replicas and min_size 2.
for pool, size, min_size, rbd_pool in (("rep1", 1, 1, True), ("rep3", 3, 2, True),
                                       ("cephfs_data", 3, 2, False)):
    for var, want in (("size", size), ("min_size", min_size)):
        ret, out, err = c.mon_command(json.dumps({"prefix": "osd pool get", "pool": pool,
                                                  "var": var, "format": "json"}), b"")
        got = json.loads(out)[var] if ret == 0 else err
        if got != want:
            bad.append("%s %s is %s, expected %s" % (pool, var, got, want))
    if ret != 0 or not rbd_pool:
        continue
    ret, out, err = c.mon_command(json.dumps({"prefix": "osd pool application get",
                                              "pool": pool, "format": "json"}), b"")
    if ret != 0 or "rbd" not in json.loads(out):
        bad.append("%s has no rbd application" % pool)
    with c.open_ioctx(pool) as io:
        if "img" not in rbd.RBD().list(io):
            bad.append("%s has no image img" % pool)
for b in bad:
    print("ceph-up.sh: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
' "$CEPH_CONF_PATH"
}

# CephMakeKeyrings MON_KEYRING: creates the client.admin, mgr and MDS keyrings and MON_KEYRING
# (mon. plus all of them imported, for `ceph-mon --mkfs --keyring`). The mgr and MDS data
# directories must exist.
CephMakeKeyrings() {
  local f
  ceph-authtool --create-keyring "$1" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring "$CEPH_ADMIN_KEYRING" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool --create-keyring "$CEPH_DIR/mgr/ceph-$CEPH_MGR_ID/keyring" --gen-key \
    -n "mgr.$CEPH_MGR_ID" --cap mon 'allow profile mgr' --cap osd 'allow *' \
    --cap mds 'allow *' >/dev/null
  ceph-authtool --create-keyring "$CEPH_DIR/mds/ceph-$CEPH_MDS_ID/keyring" --gen-key \
    -n "mds.$CEPH_MDS_ID" --cap mon 'allow profile mds' --cap osd 'allow rwx' \
    --cap mds 'allow' --cap mgr 'allow profile mds' >/dev/null
  for f in "$CEPH_ADMIN_KEYRING" "$CEPH_DIR/mgr/ceph-$CEPH_MGR_ID/keyring" \
    "$CEPH_DIR/mds/ceph-$CEPH_MDS_ID/keyring"; do
    ceph-authtool "$1" --import-keyring "$f" >/dev/null
  done
}

# CephOsdNewCmds: for each id of CEPH_OSD_IDS, prepares the OSD's directory under CEPH_DIR (its
# keyring with a fresh cephx secret, an 8 GiB sparse BlueStore block file, the uuid for
# `ceph-osd --mkfs`) and prints the mon command (CephMonCmds input) that registers it. Returns 1
# at the first step that fails.
CephOsdNewCmds() {
  local id uuid secret od
  for id in "${CEPH_OSD_IDS[@]}"; do
    # Run in a command substitution, where set -e does not reach: each step says when it failed.
    uuid=$(uuidgen) || return 1
    secret=$(ceph-authtool --gen-print-key) || return 1
    od=$CEPH_DIR/osd/ceph-$id
    mkdir -p "$od" || return 1
    ceph-authtool --create-keyring "$od/keyring" --name "osd.$id" --add-key "$secret" >/dev/null ||
      return 1
    truncate -s 8G "$od/block" || return 1
    echo "$uuid" >"$od/osd-uuid.init" || return 1
    printf '{"prefix": "osd new", "uuid": "%s", "id": %s, "_inbuf": {"cephx_secret": "%s"}}\n' \
      "$uuid" "$id" "$secret"
  done
}

# CephPoolCmds: prints the mon commands (CephMonCmds input) that create pools rep1 (size 1),
# rep3 (size 3, min_size 2), both for RBD, and the CephFS CEPH_FS_NAME on two more pools.
CephPoolCmds() {
  cat <<EOF
{"prefix": "osd pool create", "pool": "rep1", "pg_num": 16, "pgp_num": 16, "pool_type": "replicated"}
{"prefix": "osd pool set", "pool": "rep1", "var": "size", "val": "1", "yes_i_really_mean_it": true}
{"prefix": "osd pool set", "pool": "rep1", "var": "min_size", "val": "1"}
{"prefix": "osd pool application enable", "pool": "rep1", "app": "rbd"}
{"prefix": "osd pool create", "pool": "rep3", "pg_num": 16, "pgp_num": 16, "pool_type": "replicated"}
{"prefix": "osd pool set", "pool": "rep3", "var": "size", "val": "3"}
{"prefix": "osd pool set", "pool": "rep3", "var": "min_size", "val": "2"}
{"prefix": "osd pool application enable", "pool": "rep3", "app": "rbd"}
{"prefix": "osd pool create", "pool": "cephfs_metadata", "pg_num": 8, "pgp_num": 8, "pool_type": "replicated"}
{"prefix": "osd pool create", "pool": "cephfs_data", "pg_num": 16, "pgp_num": 16, "pool_type": "replicated"}
{"prefix": "fs new", "fs_name": "$CEPH_FS_NAME", "metadata": "cephfs_metadata", "data": "cephfs_data"}
EOF
}
