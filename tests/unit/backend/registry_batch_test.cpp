// registry_file::Batch (issue 16.8): one write per registry for a whole compile, its lock held from the first
// allocation to the commit, nothing written when the batch ends without commit().
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>

#include "backend/common/idmap_registry.h"
#include "backend/common/registry_file.h"

namespace ward {
namespace {

namespace bc = backend::common;
namespace rf = backend::common::registry_file;
namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "ward-batch-XXXXXX").string();
    path = ::mkdtemp(t.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

// Whether another open file description can take the lock now (what a concurrent compile would do).
bool lockIsFree(const fs::path& lock) {
  const int fd = ::open(lock.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return true;
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);
  return free;
}

bc::IdRegistryOptions opts(const fs::path& dir) {
  bc::IdRegistryOptions o;
  o.stateDir = dir.string();
  o.pool = bc::idPool("", "");
  return o;
}

TEST(RegistryBatch, WritesOnceAtCommitAndHoldsTheLock) {
  TempDir t;
  const fs::path registry = t.path / "idmap.registry";
  {
    rf::Batch batch;
    auto a = bc::allocateIdRange(opts(t.path), "a");
    auto b = bc::allocateIdRange(opts(t.path), "b");
    ASSERT_TRUE(a.ok() && b.ok()) << a.error << b.error;
    EXPECT_NE(a.range->uid, b.range->uid);
    EXPECT_FALSE(fs::exists(registry));                       // not written yet
    EXPECT_EQ(bc::lookupIdRange(t.path.string(), "a").range, a.range);   // but seen by this thread
    EXPECT_EQ(bc::allocateIdRange(opts(t.path), "a").range, a.range);    // stable within the batch
    EXPECT_FALSE(lockIsFree(bc::idLockPath(t.path.string())));
    // Every registry lock of the directory, taken in one order (no two compiles wait for each other).
    EXPECT_FALSE(lockIsFree(t.path / "mcs.lock"));
    EXPECT_EQ(batch.pendingWrites(), 1u);
    std::string error;
    ASSERT_TRUE(batch.commit(error)) << error;
    EXPECT_TRUE(fs::exists(registry));
  }
  EXPECT_TRUE(lockIsFree(bc::idLockPath(t.path.string())));
  EXPECT_TRUE(lockIsFree(t.path / "mcs.lock"));
  EXPECT_TRUE(bc::lookupIdRange(t.path.string(), "a").range.has_value());
  EXPECT_TRUE(bc::lookupIdRange(t.path.string(), "b").range.has_value());
}

TEST(RegistryBatch, WithoutCommitNothingIsRegistered) {
  TempDir t;
  ASSERT_TRUE(bc::allocateIdRange(opts(t.path), "kept").ok());   // outside a batch: written at once
  const std::string before = [&] {
    std::string text, error;
    EXPECT_EQ(rf::readAll((t.path / "idmap.registry").string(), "r", text, error), rf::ReadStatus::Ok);
    return text;
  }();
  {
    rf::Batch batch;
    ASSERT_TRUE(bc::allocateIdRange(opts(t.path), "dropped").ok());
  }
  EXPECT_FALSE(bc::lookupIdRange(t.path.string(), "dropped").range.has_value());
  EXPECT_TRUE(bc::lookupIdRange(t.path.string(), "kept").range.has_value());
  std::string text, error;
  ASSERT_EQ(rf::readAll((t.path / "idmap.registry").string(), "r", text, error), rf::ReadStatus::Ok);
  EXPECT_EQ(text, before);
}

TEST(RegistryBatch, AnInnerBatchIsInert) {
  TempDir t;
  rf::Batch outer;
  {
    rf::Batch inner;
    ASSERT_TRUE(bc::allocateIdRange(opts(t.path), "x").ok());
    std::string error;
    EXPECT_TRUE(inner.commit(error));
  }
  EXPECT_FALSE(fs::exists(t.path / "idmap.registry"));   // the outer batch decides
  EXPECT_EQ(outer.pendingWrites(), 1u);
  std::string error;
  ASSERT_TRUE(outer.commit(error)) << error;
  EXPECT_TRUE(fs::exists(t.path / "idmap.registry"));
}

}  // namespace
}  // namespace ward
