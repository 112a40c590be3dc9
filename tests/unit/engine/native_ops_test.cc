// The hand-over of completions from a client library's callback thread to the job's thread
// (native_ops.h), without a cluster: the callback thread here stands in for librados/libgfapi's.
#include "engine/native_ops.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

namespace durabench {
namespace {

TEST(NativeOpPool, CompletionsFromAnotherThreadAreTakenInOrder) {
  NativeOpPool pool;
  pool.Init(4, nullptr);
  std::vector<NativeOp*> ops;
  for (int i = 0; i < 4; ++i) ops.push_back(pool.Get());
  EXPECT_EQ(pool.Get(), nullptr);
  EXPECT_EQ(pool.in_flight(), 4u);
  std::thread callbacks([&] {
    for (NativeOp* op : ops) pool.Done(op);
  });
  NativeOp* got[4] = {};
  uint32_t n = 0;
  while (n < 4) n += pool.TakeDone(true, 4 - n, got + n);
  callbacks.join();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(got[i], ops[static_cast<size_t>(i)]);
    pool.Put(got[i]);
  }
  EXPECT_EQ(pool.in_flight(), 0u);
}

// An engine's Close() drains the pool, and the engine (with its pool) is destroyed right after
// the last completion was taken, while the library's thread may still be returning from the
// callback. The callback must not touch the pool once the job thread can see its operation:
// a notify after the unlock used the condition variable of a destroyed pool (ThreadSanitizer
// reports it in the TSan build; scripts/test.sh runs this test there).
TEST(NativeOpPool, PoolMayBeDestroyedAsSoonAsTheLastCompletionIsTaken) {
  for (int round = 0; round < 200; ++round) {
    auto pool = std::make_unique<NativeOpPool>();
    pool->Init(1, nullptr);
    NativeOp* op = pool->Get();
    NativeOpPool* raw = pool.get();
    std::thread callback([raw, op] { raw->Done(op); });
    NativeOp* got = nullptr;
    ASSERT_EQ(pool->TakeDone(true, 1, &got), 1u);
    pool->Put(got);
    pool.reset();
    callback.join();
  }
}

}  // namespace
}  // namespace durabench
