#include "backend/uri.h"

#include <gtest/gtest.h>

namespace durabench {
namespace {

TEST(TargetUri, RadosPool) {
  Result<TargetUri> u = ParseTargetUri("rados://rep3");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->scheme, UriScheme::kRados);
  EXPECT_EQ(u->pool, "rep3");
  EXPECT_EQ(u->text, "rados://rep3");
  EXPECT_STREQ(NativeEngineFor(u->scheme), "rados");
}

TEST(TargetUri, RbdPoolAndImage) {
  Result<TargetUri> u = ParseTargetUri("rbd://rep1/img");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->scheme, UriScheme::kRbd);
  EXPECT_EQ(u->pool, "rep1");
  EXPECT_EQ(u->image, "img");
  EXPECT_STREQ(NativeEngineFor(u->scheme), "rbd");
}

TEST(TargetUri, GlusterHostPortVolumeDirectory) {
  Result<TargetUri> u = ParseTargetUri("gluster://127.0.0.1:24017/dbrep3/a//b/./c/");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->scheme, UriScheme::kGluster);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 24017);
  EXPECT_EQ(u->volume, "dbrep3");
  EXPECT_EQ(u->path, "/a/b/c");
  EXPECT_STREQ(NativeEngineFor(u->scheme), "gfapi");
}

TEST(TargetUri, GlusterDefaultsToTheRootAndNoPort) {
  Result<TargetUri> u = ParseTargetUri("gluster://server/vol");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->port, 0);  // BackendOptions::gluster_port decides
  EXPECT_EQ(u->path, "/");
}

// An IPv6 address goes in brackets, as in URLs; gfapi gets it without them.
TEST(TargetUri, GlusterBracketedIpv6) {
  Result<TargetUri> u = ParseTargetUri("gluster://[::1]:24007/vol0/d");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 24007);
  EXPECT_EQ(u->volume, "vol0");
  EXPECT_EQ(u->path, "/d");
  u = ParseTargetUri("gluster://[fe80::2]/vol0");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->host, "fe80::2");
  EXPECT_EQ(u->port, 0);
}

// Every malformed URI is refused with a message that names the target and the valid forms.
TEST(TargetUri, MalformedAreRefusedWithTheValidForms) {
  const struct {
    const char* text;
    const char* says;
  } cases[] = {
      {"rados://", "pool name is empty"},
      {"rados://a/b", "expected rados://POOL"},
      {"rbd://pool", "expected rbd://POOL/IMAGE"},
      {"rbd://pool/", "image name is empty"},
      {"rbd://pool/img@snap", "snapshot"},
      {"rbd://pool/img/extra", "expected rbd://POOL/IMAGE"},
      {"gluster://host", "expected gluster://"},
      {"gluster://host/", "expected gluster://"},
      {"gluster://:24007/vol", "host is empty"},
      {"gluster://host:99999/vol", "port '99999'"},
      {"gluster://host:x/vol", "port 'x'"},
      {"gluster://host/vol/../etc", "'..'"},
      {"gluster://::1:24007/vol", "IPv6 address goes in brackets"},
      {"gluster://[::1/vol", "'[' without ']'"},
      {"gluster://[::1]x/vol", "expected :PORT after ']'"},
      {"gluster://[]:24007/vol", "host is empty"},
      {"gluster://[::1]:0/vol", "port '0'"},
      {"nfs://server/export", "unknown scheme 'nfs://'"},
  };
  for (const auto& c : cases) {
    Result<TargetUri> u = ParseTargetUri(c.text);
    ASSERT_FALSE(u.ok()) << c.text;
    EXPECT_EQ(u.status().code(), Status::Code::kInvalidArgument) << c.text;
    EXPECT_NE(u.status().message().find(c.says), std::string::npos)
        << c.text << ": " << u.status().message();
    EXPECT_NE(u.status().message().find(std::string("'") + c.text + "'"), std::string::npos)
        << u.status().message();
    EXPECT_NE(u.status().message().find("rbd://POOL/IMAGE"), std::string::npos);
  }
}

TEST(TargetUri, LooksLikeUri) {
  EXPECT_TRUE(LooksLikeTargetUri("rbd://p/i"));
  EXPECT_TRUE(LooksLikeTargetUri("bogus://"));
  EXPECT_FALSE(LooksLikeTargetUri("/mnt/ceph/dir"));
  EXPECT_FALSE(LooksLikeTargetUri("./scratch"));
}

// The names an audit's witness log may give for a URI target: those its runs make.
TEST(TargetUri, AuditJobPathsAreTheTargetsOwn) {
  const auto ok = [](const char* uri, const char* path) {
    Result<TargetUri> u = ParseTargetUri(uri);
    EXPECT_TRUE(u.ok()) << uri;
    return u.ok() && CheckUriJobPath(*u, path).ok();
  };
  EXPECT_TRUE(ok("rados://rep1", "durabench-123-0"));
  EXPECT_FALSE(ok("rados://rep1", "/dev/shm/x/durabench-123-0.dat"));
  EXPECT_FALSE(ok("rados://rep1", "rbd_data.1"));
  EXPECT_TRUE(ok("rbd://rep3/img", "img"));
  EXPECT_FALSE(ok("rbd://rep3/img", "other"));
  EXPECT_TRUE(ok("gluster://h/vol", "/durabench-1-0.dat"));
  EXPECT_TRUE(ok("gluster://h/vol/a/b", "/a/b/durabench-1-0.dat"));
  EXPECT_FALSE(ok("gluster://h/vol/a/b", "/a/durabench-1-0.dat"));
  EXPECT_FALSE(ok("gluster://h/vol/a", "/a/b/durabench-1-0.dat"));
  EXPECT_FALSE(ok("gluster://h/vol/a", "/a/users.db"));
  Result<TargetUri> u = ParseTargetUri("rbd://rep3/img");
  ASSERT_TRUE(u.ok());
  const Status st = CheckUriJobPath(*u, "other");
  EXPECT_EQ(st.ExitCode(), 2);
  EXPECT_NE(st.message().find("another target's audit"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace durabench
