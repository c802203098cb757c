// What only the SQLite backend promises: file modes, schema versioning, survival across a
// close and reopen.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "store/sqlite_binding_store.h"
#include "../support/test_telemetry.h"
#include "store/sqlite_db.h"
#include "store/sqlite_subscriber_store.h"
#include "store/state.h"
#include "temp_dir.h"

namespace imsguard::store {
namespace {

using testing::TempDir;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 07777;
  return st.st_mode & 07777;
}

// Restores the process umask when a test changed it.
class UmaskGuard {
 public:
  explicit UmaskGuard(mode_t mask) : old_(::umask(mask)) {}
  ~UmaskGuard() { ::umask(old_); }

 private:
  mode_t old_;
};

Subscriber aka_user() {
  Subscriber s;
  s.impi = "bob@ims.local";
  s.impus = {"sip:bob@ims.local"};
  s.realm = "ims.local";
  s.scheme = AuthScheme::kAka;
  s.k.fill(0x11);
  s.opc.fill(0x22);
  return s;
}

TEST(SqliteStoreTest, DatabaseAndWalFilesAreCreated0600EvenWithPermissiveUmask) {
  test::Telemetry telemetry;  // the Redis client of a redis:// state reports into it
  TempDir dir;
  UmaskGuard umask_guard(0);  // SQLite alone would create 0644 & ~umask = 0644 here
  std::string data_dir = dir.file("data");
  auto state = open_state("sqlite", data_dir, telemetry.metrics, telemetry.events);
  ASSERT_TRUE(state.ok()) << state.message();
  ASSERT_TRUE(state->subscribers->add(aka_user()).ok());  // forces the WAL file into existence
  EXPECT_EQ(mode_of(data_dir), 0700u);
  EXPECT_EQ(mode_of(data_dir + "/imsguard.db"), 0600u);
  EXPECT_EQ(mode_of(data_dir + "/imsguard.db-wal"), 0600u);
  EXPECT_EQ(mode_of(data_dir + "/imsguard.db-shm"), 0600u);
}

TEST(SqliteStoreTest, ExistingLooseFileIsTightened) {
  TempDir dir;
  std::string path = dir.file("imsguard.db");
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto store = SqliteSubscriberStore::open(path);
  ASSERT_TRUE(store.ok()) << store.message();
  EXPECT_EQ(mode_of(path), 0600u);
}

TEST(SqliteStoreTest, ExistingDataDirectoryIsKept) {
  TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0750), 0);
  ASSERT_TRUE(ensure_private_dir(dir.path()).ok());
  EXPECT_EQ(mode_of(dir.path()), 0750u);
  std::string nested = dir.file("a/b/c");
  ASSERT_TRUE(ensure_private_dir(nested).ok());
  EXPECT_EQ(mode_of(nested), 0700u);
}

TEST(SqliteStoreTest, DataDirThatIsAFileIsAnError) {
  test::Telemetry telemetry;  // the Redis client of a redis:// state reports into it
  TempDir dir;
  std::string path = dir.file("plain");
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  auto state = open_state("sqlite", path, telemetry.metrics, telemetry.events);
  ASSERT_FALSE(state.ok());
  EXPECT_NE(state.message().find("not a directory"), std::string::npos) << state.message();
}

TEST(SqliteStoreTest, UnknownBackendIsInvalid) {
  test::Telemetry telemetry;  // the Redis client of a redis:// state reports into it
  TempDir dir;
  auto state = open_state("etcd", dir.path(), telemetry.metrics, telemetry.events);
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.code(), StoreErrc::kInvalid);
}

TEST(SqliteStoreTest, SchemaVersionIsRecordedAndNewerIsRefused) {
  TempDir dir;
  std::string path = dir.file("imsguard.db");
  {
    auto db = SqliteDb::open(path, SqliteDb::Sync::kFull);
    ASSERT_TRUE(db.ok()) << db.message();
    EXPECT_EQ(db.value()->schema_version(), SqliteDb::latest_schema_version());
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT MAX(version), COUNT(*) FROM schema_migrations", -1, &q, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(q, 0), SqliteDb::latest_schema_version());
  EXPECT_EQ(sqlite3_column_int(q, 1), SqliteDb::latest_schema_version());
  sqlite3_finalize(q);
  ASSERT_EQ(sqlite3_exec(raw, "INSERT INTO schema_migrations VALUES (999, 0)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);

  auto again = SqliteDb::open(path, SqliteDb::Sync::kFull);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.message().find("newer"), std::string::npos) << again.message();
}

TEST(SqliteStoreTest, ReopeningTwiceDoesNotReapplyMigrations) {
  TempDir dir;
  std::string path = dir.file("imsguard.db");
  for (int i = 0; i < 3; ++i) {
    auto db = SqliteDb::open(path, SqliteDb::Sync::kNormal);
    ASSERT_TRUE(db.ok()) << "open " << i << ": " << db.message();
  }
}

TEST(SqliteStoreTest, SubscribersAndBindingsSurviveRestart) {
  test::Telemetry telemetry;  // the Redis client of a redis:// state reports into it
  TempDir dir;
  Binding b;
  b.aor = "sip:bob@ims.local";
  b.contact = "sip:bob@127.0.0.1:5070;transport=tcp";
  b.impi = "bob@ims.local";
  b.transport = "tcp";
  b.source = "127.0.0.1:5070";
  b.flow_id = "conn-1";
  b.call_id = "abc";
  b.cseq = 2;
  b.expires_at = 2'000'000'000;
  {
    auto state = open_state("sqlite", dir.path(), telemetry.metrics, telemetry.events);
    ASSERT_TRUE(state.ok()) << state.message();
    ASSERT_TRUE(state->subscribers->add(aka_user()).ok());
    ASSERT_TRUE(state->subscribers->set_barred("bob@ims.local", true).ok());
    ASSERT_TRUE(state->subscribers->reserve_sqn("bob@ims.local", [](uint64_t c) { return c + 32; }).ok());
    ASSERT_TRUE(state->bindings->upsert(b).ok());
  }
  auto state = open_state("sqlite", dir.path(), telemetry.metrics, telemetry.events);
  ASSERT_TRUE(state.ok()) << state.message();
  auto bob = state->subscribers->find("bob@ims.local");
  ASSERT_TRUE(bob.ok());
  ASSERT_TRUE(bob.value().has_value());
  EXPECT_TRUE(bob.value()->barred);
  EXPECT_EQ(bob.value()->sqn, 32u);
  EXPECT_EQ(bob.value()->k, aka_user().k);
  auto bindings = state->bindings->lookup("sip:bob@ims.local", 1'900'000'000);
  ASSERT_TRUE(bindings.ok());
  ASSERT_EQ(bindings.value().size(), 1u);
  EXPECT_EQ(bindings.value()[0], b);
}

TEST(SqliteStoreTest, TwoConnectionsSeeEachOther) {
  // The CLI provisions while the server runs: both open the same file.
  TempDir dir;
  std::string path = dir.file("imsguard.db");
  auto a = SqliteSubscriberStore::open(path);
  auto b = SqliteSubscriberStore::open(path);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(a.value()->add(aka_user()).ok());
  auto seen = b.value()->find("bob@ims.local");
  ASSERT_TRUE(seen.ok());
  EXPECT_TRUE(seen.value().has_value());
  auto r1 = a.value()->reserve_sqn("bob@ims.local", [](uint64_t c) { return c + 1; });
  auto r2 = b.value()->reserve_sqn("bob@ims.local", [](uint64_t c) { return c + 1; });
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(r1.value(), 1u);
  EXPECT_EQ(r2.value(), 2u);
}

TEST(SqliteStoreTest, ChangeStampMovesWithEveryWriterButNotWithSqn) {
  // The registration path caches records until this stamp moves, so a change made by another
  // connection (the CLI in another process) must move it, and an SQN reservation must not.
  TempDir dir;
  std::string path = dir.file("imsguard.db");
  auto server = SqliteSubscriberStore::open(path);
  auto cli = SqliteSubscriberStore::open(path);
  ASSERT_TRUE(server.ok() && cli.ok());
  auto stamp = [&] {
    auto s = server.value()->change_stamp();
    EXPECT_TRUE(s.ok()) << s.message();
    return s.ok() ? s.value() : 0;
  };
  uint64_t before = stamp();
  ASSERT_TRUE(cli.value()->add(aka_user()).ok());
  uint64_t added = stamp();
  EXPECT_GT(added, before);
  ASSERT_TRUE(server.value()->reserve_sqn("bob@ims.local", [](uint64_t c) { return c + 32; }).ok());
  ASSERT_TRUE(cli.value()->set_sqn("bob@ims.local", 7).ok());
  EXPECT_EQ(stamp(), added) << "SQN moves must not empty the cache";
  ASSERT_TRUE(cli.value()->set_barred("bob@ims.local", true).ok());
  uint64_t barred = stamp();
  EXPECT_GT(barred, added);
  Subscriber changed = aka_user();
  changed.impus = {"sip:bob@ims.local", "tel:+15550100"};
  ASSERT_TRUE(cli.value()->update(changed).ok());
  uint64_t updated = stamp();
  EXPECT_GT(updated, barred);
  ASSERT_TRUE(cli.value()->remove("bob@ims.local").ok());
  EXPECT_GT(stamp(), updated);
}

}  // namespace
TEST(SqliteStoreTest, SecretIsCreatedPrivateOnceAndReadBack) {
  TempDir dir;
  std::string path = dir.file("flow.key");
  auto made = load_or_create_secret(path, 32);
  ASSERT_TRUE(made.ok()) << made.message();
  EXPECT_EQ(made.value().size(), 32u);
  EXPECT_EQ(mode_of(path), 0600u);
  auto again = load_or_create_secret(path, 32);
  ASSERT_TRUE(again.ok()) << again.message();
  EXPECT_EQ(again.value(), made.value());
  // A file of the wrong size is refused with the fix in the message, not silently replaced.
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("short", f);
  std::fclose(f);
  auto broken = load_or_create_secret(path, 32);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.message().find("remove it"), std::string::npos) << broken.message();
}

}  // namespace imsguard::store
