// `gfapi`: a file on a Gluster volume through libgfapi's asynchronous calls, no FUSE in between.
#include "backend/gluster/gfapi_engine.h"

#include <fcntl.h>
#include <glusterfs/api/glfs.h>

#include <cerrno>
#include <string>

#include "backend/gluster/gluster.h"
#include "engine/native_ops.h"
#include "util/errno_status.h"

namespace durabench {
namespace {

constexpr uint32_t kMaxDepth = 256;

class GfapiEngine final : public NativeEngineBase {
 public:
  ~GfapiEngine() override { Close(); }
  const EngineCaps& caps() const override { return caps_; }

  Status Open(const std::string& path, const EngineOpenOptions& options) override {
    auto* conn = dynamic_cast<GlusterConnection*>(options.connection);
    if (conn == nullptr) {
      return Status::InvalidArgument(
          "engine gfapi writes to a gluster://HOST/VOLUME/DIR target only");
    }
    int flags = options.writes ? O_RDWR : O_RDONLY;
    if (options.direct) flags |= O_DIRECT;
    if (options.sync == SyncMethod::kOsync) flags |= O_SYNC;
    if (options.sync == SyncMethod::kOdsync) flags |= O_DSYNC;
    fd_ = glfs_open(conn->fs(), path.c_str(), flags);
    if (fd_ == nullptr) return ErrnoStatus("glfs_open", path, errno);
    pool_.Init(options.iodepth + 1, this);
    return Status::Ok();
  }

  int Submit(IoRequest* req) override {
    NativeOp* op = pool_.Get();
    if (op == nullptr) return -EAGAIN;
    op->req = req;
    op->stage = req->type;
    int r = 0;
    switch (req->type) {
      case IoType::kWrite:
        r = glfs_pwrite_async(fd_, req->buf, static_cast<int>(req->length),
                              static_cast<off_t>(req->offset), 0, &GfapiEngine::OnComplete, op);
        break;
      case IoType::kRead:
        r = glfs_pread_async(fd_, req->buf, req->length, static_cast<off_t>(req->offset), 0,
                             &GfapiEngine::OnComplete, op);
        break;
      case IoType::kFlush:
        r = req->flush_kind == FlushKind::kFsync
                ? glfs_fsync_async(fd_, &GfapiEngine::OnComplete, op)
                : glfs_fdatasync_async(fd_, &GfapiEngine::OnComplete, op);
        break;
    }
    if (r != 0) {
      const int err = errno != 0 ? errno : EIO;
      pool_.Put(op);
      return -err;
    }
    ++pending_commit_;
    return kQueued;
  }

  void Close() override {
    Drain();
    if (fd_ != nullptr) glfs_close(fd_);
    fd_ = nullptr;
  }

 private:
  // gfapi calls this on one of its own threads, with errno set for a failure.
  static void OnComplete(glfs_fd_t*, ssize_t ret, struct glfs_stat*, struct glfs_stat*,
                         void* data) {
    NativeOp* op = static_cast<NativeOp*>(data);
    op->result = ret >= 0 ? ret : -(errno != 0 ? errno : EIO);
    static_cast<GfapiEngine*>(op->owner)->pool_.Done(op);
  }

  int64_t Finish(NativeOp* op) override { return op->result; }
  int IssueFlush(NativeOp*) override { return -EOPNOTSUPP; }  // never asked: O_SYNC is a flag

  EngineCaps caps_ = GfapiEngineCaps();
  glfs_fd_t* fd_ = nullptr;
};

}  // namespace

EngineCaps GfapiEngineCaps() {
  EngineCaps caps;
  caps.inline_completion = false;
  caps.max_iodepth = kMaxDepth;
  caps.supports_direct = true;
  caps.linked_flush = false;
  caps.sync_methods = SyncMethodBit(SyncMethod::kNone) | SyncMethodBit(SyncMethod::kFsync) |
                      SyncMethodBit(SyncMethod::kFdatasync) | SyncMethodBit(SyncMethod::kOsync) |
                      SyncMethodBit(SyncMethod::kOdsync);
  return caps;
}

std::unique_ptr<Engine> NewGfapiEngine() { return std::make_unique<GfapiEngine>(); }

}  // namespace durabench
