// `rbd`: the job's region of an RBD image, through librbd's aio calls. See ceph_engines.h for
// the client cache and O_SYNC.
#include <rbd/librbd.h>

#include <cerrno>
#include <string>

#include "backend/ceph/ceph.h"
#include "backend/ceph/ceph_engines.h"
#include "engine/native_ops.h"

namespace durabench {
namespace {

constexpr uint32_t kMaxDepth = 256;

class RbdEngine final : public NativeEngineBase {
 public:
  ~RbdEngine() override { Close(); }
  const EngineCaps& caps() const override { return caps_; }

  Status Open(const std::string& path, const EngineOpenOptions& options) override {
    conn_ = dynamic_cast<CephConnection*>(options.connection);
    if (conn_ == nullptr || std::string(conn_->engine_name()) != "rbd") {
      conn_ = nullptr;
      return Status::InvalidArgument("engine rbd writes to an rbd://POOL/IMAGE target only");
    }
    Result<void*> image = conn_->AcquireImage(path, !options.direct);
    if (!image.ok()) {
      conn_ = nullptr;
      return image.status();
    }
    image_ = static_cast<rbd_image_t>(*image);
    sync_writes_ = options.sync == SyncMethod::kOsync || options.sync == SyncMethod::kOdsync;
    pool_.Init(options.iodepth + 1, this);
    return Status::Ok();
  }

  int Submit(IoRequest* req) override {
    NativeOp* op = pool_.Get();
    if (op == nullptr) return -EAGAIN;
    op->req = req;
    op->flush_after = req->type == IoType::kWrite && (sync_writes_ || req->rw_flags != 0);
    const int r = Issue(op, req->type);
    if (r < 0) {
      pool_.Put(op);
      return r;
    }
    ++pending_commit_;
    return kQueued;
  }

  void Close() override {
    Drain();
    if (conn_ != nullptr) conn_->ReleaseImage();
    conn_ = nullptr;
    image_ = nullptr;
  }

 private:
  static void OnComplete(rbd_completion_t, void* arg) {
    NativeOp* op = static_cast<NativeOp*>(arg);
    static_cast<RbdEngine*>(op->owner)->pool_.Done(op);
  }

  int Issue(NativeOp* op, IoType type) {
    rbd_completion_t c = nullptr;
    int r = rbd_aio_create_completion(op, &RbdEngine::OnComplete, &c);
    if (r < 0) return r;
    op->completion = c;
    op->stage = type;
    IoRequest* req = op->req;
    char* buf = static_cast<char*>(req->buf);
    switch (type) {
      case IoType::kWrite:
        r = rbd_aio_write(image_, req->offset, req->length, buf, c);
        break;
      case IoType::kRead:
        r = rbd_aio_read(image_, req->offset, req->length, buf, c);
        break;
      case IoType::kFlush:
        r = rbd_aio_flush(image_, c);
        break;
    }
    if (r < 0) {
      rbd_aio_release(c);
      op->completion = nullptr;
    }
    return r;
  }

  int64_t Finish(NativeOp* op) override {
    auto c = static_cast<rbd_completion_t>(op->completion);
    int64_t r = rbd_aio_get_return_value(c);
    rbd_aio_release(c);
    op->completion = nullptr;
    if (r >= 0 && op->stage == IoType::kWrite) r = op->req->length;  // 0 or bytes: normalised
    return r;
  }

  int IssueFlush(NativeOp* op) override { return Issue(op, IoType::kFlush); }

  EngineCaps caps_ = RbdEngineCaps();
  CephConnection* conn_ = nullptr;
  rbd_image_t image_ = nullptr;
  bool sync_writes_ = false;
};

}  // namespace

EngineCaps RbdEngineCaps() {
  EngineCaps caps;
  caps.inline_completion = false;
  caps.max_iodepth = kMaxDepth;
  caps.supports_direct = true;  // direct: the phase runs with rbd_cache off
  caps.linked_flush = false;
  caps.sync_methods = SyncMethodBit(SyncMethod::kNone) | SyncMethodBit(SyncMethod::kFsync) |
                      SyncMethodBit(SyncMethod::kFdatasync) | SyncMethodBit(SyncMethod::kOsync) |
                      SyncMethodBit(SyncMethod::kOdsync) | SyncMethodBit(SyncMethod::kRwfDsync) |
                      SyncMethodBit(SyncMethod::kRwfSync);
  return caps;
}

std::unique_ptr<Engine> NewRbdEngine() { return std::make_unique<RbdEngine>(); }

}  // namespace durabench
