// Sealed payloads and erasure (crypto-shredding) through a real RocksDB in temporary folders,
// checked down to the bytes of every file in the data folder.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "eventstore/audit_bundle.h"
#include "eventstore/event_log.h"
#include "eventstore/file_util.h"
#include "tests/eventstore/raw_db.h"
#include "tests/eventstore/test_util.h"

namespace kasane::eventstore {
namespace {

using testing::IdFrom;
using testing::MakeEvent;
using testing::TempDir;

namespace fs = std::filesystem;

std::string Hex(std::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const uint8_t*>(bytes.data()),
                 bytes.size());
  out.pop_back();
  return out;
}

class SealingTest : public ::testing::Test {
 protected:
  SealingTest() {
    for (size_t i = 0; i < master_.size(); ++i) master_[i] = static_cast<uint8_t>(0xa0 + i);
  }

  std::unique_ptr<EventLog> Open(const std::string& dir, bool with_master = true) {
    EventLogOptions options;
    options.dir = dir;
    options.clock = &clock_;
    options.random = &random_;
    if (with_master) options.master_key = master_;
    auto log = EventLog::Open(options);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  std::unique_ptr<EventLog> Open() { return Open(dir_.path()); }

  // Appends event `n` to `stream` with one part sealed for each of `subjects`.
  SealedPart AppendSealed(EventLog& log, uint64_t n, const std::vector<std::string>& subjects,
                          const std::string& plaintext, const std::string& stream = "case-1") {
    NewEvent e = MakeEvent(n);
    SealedPart first;
    for (const auto& subject : subjects) {
      auto part = log.Seal(e.id, subject, "person.name", plaintext);
      EXPECT_TRUE(part.ok()) << part.status().ToString();
      if (!part.ok()) return {};
      if (first.subject.empty()) first = *part;
      e.sealed.push_back(*part);
    }
    auto r = log.Append(stream, ExpectedVersion::Any(), {e});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return first;
  }

  // The subject's data key, unwrapped from its stored record with the master key.
  std::string UnwrappedKey(const std::string& wrapped, const std::string& subject) {
    EXPECT_EQ(wrapped.size(), 1u + 24 + 32 + 16);
    std::string ad = "kasane-subject-key/1" + subject;
    std::string key(32, '\0');
    unsigned long long len = 0;
    int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
        reinterpret_cast<uint8_t*>(key.data()), &len, nullptr,
        reinterpret_cast<const uint8_t*>(wrapped.data()) + 25, 48,
        reinterpret_cast<const uint8_t*>(ad.data()), ad.size(),
        reinterpret_cast<const uint8_t*>(wrapped.data()) + 1, master_.data());
    EXPECT_EQ(rc, 0);
    return key;
  }

  TempDir dir_;
  FakeClock clock_;
  SeededRandom random_{11};
  std::array<uint8_t, 32> master_{};
};

TEST_F(SealingTest, SealedPartRoundTripsAndSurvivesReopen) {
  SealedPart part;
  {
    auto log = Open();
    part = AppendSealed(*log, 1, {"person-1"}, "山田 花子");
    EXPECT_EQ(part.subject, "person-1");
    EXPECT_EQ(part.path, "person.name");
    EXPECT_EQ(part.nonce.size(), 24u);
    EXPECT_EQ(part.ciphertext.find("山田"), std::string::npos);
    auto read = log->ReadAt(0);
    ASSERT_TRUE(read.ok());
    ASSERT_EQ(read->sealed.size(), 1u);
    EXPECT_EQ(read->sealed[0], part);
    auto plain = log->Unseal(read->id, read->sealed[0]);
    ASSERT_TRUE(plain.ok()) << plain.status().ToString();
    ASSERT_TRUE(plain->has_value());
    EXPECT_EQ(**plain, "山田 花子");
  }
  auto log = Open();  // the key comes back from the database, unwrapped by the master key
  auto plain = log->Unseal(IdFrom(1), part);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->value_or(""), "山田 花子");
}

TEST_F(SealingTest, EachSealUsesAFreshNonceAndOneKeyPerSubject) {
  auto log = Open();
  auto a = log->Seal(IdFrom(1), "person-1", "p", "same");
  auto b = log->Seal(IdFrom(1), "person-1", "p", "same");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->nonce, b->nonce);
  EXPECT_NE(a->ciphertext, b->ciphertext);
  auto k1 = log->TEST_StoredSubjectKey("person-1");
  auto k2 = log->TEST_StoredSubjectKey("person-2");
  ASSERT_TRUE(k1.ok() && k2.ok());
  EXPECT_TRUE(k1->has_value());
  EXPECT_FALSE(k2->has_value());  // created on first use only
}

TEST_F(SealingTest, NoncesStayDistinctAcrossManyRefillsOfTheNoncePool) {
  // The per-thread pool yields about 170 nonces per block: 2,000 seals cross a dozen refills
  // (each rekeying the generator), and no nonce may repeat, within a thread or across threads.
  auto log = Open();
  std::set<std::string> nonces;
  std::mutex mu;
  auto seal_many = [&](uint32_t first) {
    for (uint32_t i = 0; i < 1000; ++i) {
      auto part = log->Seal(IdFrom(first + i), "person-1", "note", "x");
      ASSERT_TRUE(part.ok());
      ASSERT_EQ(part->nonce.size(), 24u);
      std::lock_guard<std::mutex> lock(mu);
      EXPECT_TRUE(nonces.insert(part->nonce).second) << "nonce repeated at seal " << first + i;
    }
  };
  std::thread other(seal_many, 100000);
  seal_many(1);
  other.join();
  EXPECT_EQ(nonces.size(), 2000u);
  // A seal made after the first one for a subject (the cached key's fast path) still binds its
  // event: it opens under its own id only.
  auto part = log->Seal(IdFrom(7), "person-1", "note", "late");
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(log->Unseal(IdFrom(7), *part)->value_or(""), "late");
  EXPECT_EQ(log->Unseal(IdFrom(8), *part).status().code(), StatusCode::kDataLoss);
}

TEST_F(SealingTest, MovingAPartToAnotherEventSubjectOrPathIsDataLoss) {
  auto log = Open();
  auto part = log->Seal(IdFrom(1), "person-1", "person.name", "secret");
  ASSERT_TRUE(part.ok());
  ASSERT_TRUE(log->Seal(IdFrom(1), "person-2", "x", "creates person-2's key").ok());
  EXPECT_EQ(log->Unseal(IdFrom(2), *part).status().code(), StatusCode::kDataLoss);
  SealedPart other_subject = *part;
  other_subject.subject = "person-2";
  EXPECT_EQ(log->Unseal(IdFrom(1), other_subject).status().code(), StatusCode::kDataLoss);
  SealedPart other_path = *part;
  other_path.path = "person.address";
  EXPECT_EQ(log->Unseal(IdFrom(1), other_path).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(log->Unseal(IdFrom(1), *part)->value_or(""), "secret");
}

TEST_F(SealingTest, TamperedCiphertextOrNonceIsDataLoss) {
  auto log = Open();
  auto part = log->Seal(IdFrom(1), "person-1", "person.name", "secret");
  ASSERT_TRUE(part.ok());
  SealedPart flipped = *part;
  flipped.ciphertext[0] ^= 0x01;
  EXPECT_EQ(log->Unseal(IdFrom(1), flipped).status().code(), StatusCode::kDataLoss);
  SealedPart nonce = *part;
  nonce.nonce[3] ^= 0x80;
  EXPECT_EQ(log->Unseal(IdFrom(1), nonce).status().code(), StatusCode::kDataLoss);
  SealedPart cut = *part;
  cut.ciphertext.resize(5);
  EXPECT_EQ(log->Unseal(IdFrom(1), cut).status().code(), StatusCode::kDataLoss);
}

TEST_F(SealingTest, AForkedChildNeverReusesItsParentsNonces) {
  auto log = Open();
  // The parent draws from its nonce pool, so the pool holds unused bytes when it forks.
  ASSERT_TRUE(log->Seal(IdFrom(1), "person-a", "note", "x").ok());
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto part = log->Seal(IdFrom(2), "person-a", "note", "x");
    std::string nonce = part.ok() ? part->nonce : std::string(24, '\0');
    _exit(write(fds[1], nonce.data(), nonce.size()) == 24 ? 0 : 1);
  }
  close(fds[1]);
  std::string child(24, '\0');
  ASSERT_EQ(read(fds[0], child.data(), child.size()), 24);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  auto parent = log->Seal(IdFrom(2), "person-a", "note", "x");
  ASSERT_TRUE(parent.ok());
  EXPECT_NE(parent->nonce, child);
}

TEST_F(SealingTest, AnErasureInterruptedBeforeItsPurgeIsFinishedAtTheNextOpen) {
  SealedPart part;
  std::string wrapped;
  {
    auto log = Open();
    part = AppendSealed(*log, 1, {"person-a"}, "A's address");
    wrapped = **log->TEST_StoredSubjectKey("person-a");
  }
  {
    // As if `EraseSubject` died after its ledger line and its delete but before the purge: the
    // key is in an SST file, deleted only in the memtable, and named in the ledger.
    testing::RawDb raw(dir_.path());
    ASSERT_TRUE(raw.db()->Flush(rocksdb::FlushOptions(), raw.cf("subject_keys")).ok());
    ASSERT_TRUE(raw.db()->Delete(rocksdb::WriteOptions(), raw.cf("subject_keys"), "person-a").ok());
    std::ofstream(fs::path(dir_.path()) / "erasure.ledger", std::ios::app) << "person-a\n";
  }
  ASSERT_FALSE(testing::FilesContaining(dir_.path(), wrapped).empty());
  {
    auto log = Open();
    EXPECT_TRUE(log->IsErased("person-a"));
    EXPECT_FALSE(log->Unseal(IdFrom(1), part)->has_value());
    EXPECT_EQ(testing::FilesContaining(dir_.path(), wrapped), std::vector<std::string>());
  }
  EXPECT_EQ(testing::FilesContaining(dir_.path(), wrapped), std::vector<std::string>());
}

TEST_F(SealingTest, ALedgerHandedToRestoreCountsItsLastLineWithoutANewline) {
  std::string live = dir_.Sub("live"), backup = dir_.Sub("backup"), restored = dir_.Sub("r");
  SealedPart part_b;
  {
    auto log = Open(live);
    AppendSealed(*log, 1, {"person-a"}, "A");
    part_b = AppendSealed(*log, 2, {"person-b"}, "B");
    ASSERT_TRUE(log->Backup(backup).ok());
  }
  std::string hand_made = dir_.Sub("hand-made.ledger");
  std::ofstream(hand_made) << "person-a\nperson-b";  // written by hand: no final newline
  ASSERT_TRUE(EventLog::RestoreBackup(backup, restored, {hand_made}).ok());
  auto log = Open(restored);
  EXPECT_TRUE(log->IsErased("person-a"));
  EXPECT_TRUE(log->IsErased("person-b"));
  EXPECT_FALSE(log->Unseal(IdFrom(2), part_b)->has_value());
}

TEST_F(SealingTest, ARestoreThatStoppedHalfWayCanBeRunAgain) {
  std::string live = dir_.Sub("live"), backup = dir_.Sub("backup"), restored = dir_.Sub("r");
  {
    auto log = Open(live);
    AppendSealed(*log, 1, {"person-a"}, "A");
    ASSERT_TRUE(log->Backup(backup).ok());
  }
  // What a restore that died while copying the database leaves behind.
  fs::create_directories(fs::path(restored) / "log.partial");
  std::ofstream(fs::path(restored) / "log.partial" / "000001.sst") << "half";
  std::ofstream(fs::path(restored) / "erasure.ledger") << "person-z\n";
  ASSERT_TRUE(EventLog::RestoreBackup(backup, restored, {}).ok());
  EXPECT_FALSE(fs::exists(fs::path(restored) / "log.partial"));
  auto log = Open(restored);
  EXPECT_EQ(log->Size(), 1u);
  EXPECT_TRUE(log->IsErased("person-z"));  // the folder's own ledger was kept
  EXPECT_TRUE(log->Verify(nullptr)->ok());
}

TEST(FileUtilTest, AnAppendAfterALeftoverFragmentStartsAFreshLine) {
  testing::TempDir dir;
  fs::path ledger = fs::path(dir.path()) / "ledger";
  std::ofstream(ledger) << "person-a\nperso";  // a fragment no one cut back
  ASSERT_TRUE(AppendLineDurably(ledger, "person-b", 0600).ok());
  std::ifstream in(ledger);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "person-a\nperso\nperson-b\n");
}

TEST_F(SealingTest, BadSubjectOrPathIsRefused) {
  auto log = Open();
  EXPECT_EQ(log->Seal(IdFrom(1), "", "p", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Seal(IdFrom(1), "a\nb", "p", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Seal(IdFrom(1), "person-1", "", "x").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(log->EraseSubject("").code(), StatusCode::kInvalidArgument);
}

TEST_F(SealingTest, NoFileInTheDataFolderHoldsSealedPlaintext) {
  const std::string marker = "MARKER-7f3c9a1e-sealed-plaintext";
  const std::string control = "CONTROL-2b8d4e6f-plain-payload";
  {
    auto log = Open();
    for (uint64_t i = 0; i < 300; ++i) {
      NewEvent e = MakeEvent(i, "{\"note\":\"" + control + "\"}");
      for (int s = 0; s < 3; ++s) {
        auto part = log->Seal(e.id, "person-" + std::to_string((i + s) % 7), "person.note",
                              marker + " " + std::to_string(i));
        ASSERT_TRUE(part.ok());
        e.sealed.push_back(*part);
      }
      ASSERT_TRUE(log->Append("case-" + std::to_string(i % 5), ExpectedVersion::Any(), {e}).ok());
    }
    // While open (WAL, memtable not yet flushed) ...
    EXPECT_FALSE(testing::FilesContaining(dir_.path(), control).empty())
        << "the scan must see the data";
    EXPECT_EQ(testing::FilesContaining(dir_.path(), marker), std::vector<std::string>());
  }
  // ... and after close, and after a reopen that replays and flushes.
  EXPECT_FALSE(testing::FilesContaining(dir_.path(), control).empty());
  EXPECT_EQ(testing::FilesContaining(dir_.path(), marker), std::vector<std::string>());
  {
    auto log = Open();
    ASSERT_TRUE(log->Verify(nullptr)->ok());
  }
  EXPECT_EQ(testing::FilesContaining(dir_.path(), marker), std::vector<std::string>());
}

TEST_F(SealingTest, AfterErasureTheKeyIsInNoFileAndTheContentIsGone) {
  auto log = Open();
  std::vector<SealedPart> parts_a, parts_b;
  for (uint64_t i = 0; i < 50; ++i) {
    NewEvent e = MakeEvent(i);
    auto a = log->Seal(e.id, "person-a", "person.name", "A's name " + std::to_string(i));
    auto b = log->Seal(e.id, "person-b", "person.name", "B's name " + std::to_string(i));
    ASSERT_TRUE(a.ok() && b.ok());
    e.sealed = {*a, *b};
    parts_a.push_back(*a);
    parts_b.push_back(*b);
    ASSERT_TRUE(log->Append("case-1", ExpectedVersion::Any(), {e}).ok());
  }
  ASSERT_TRUE(log->Checkpoint().ok());
  auto stored_a = log->TEST_StoredSubjectKey("person-a");
  auto stored_b = log->TEST_StoredSubjectKey("person-b");
  ASSERT_TRUE(stored_a.ok() && stored_a->has_value());
  ASSERT_TRUE(stored_b.ok() && stored_b->has_value());
  std::string wrapped_a = **stored_a, wrapped_b = **stored_b;
  std::string key_a = UnwrappedKey(wrapped_a, "person-a");
  // The scan can find the wrapped key (the WAL holds it) before the erasure: it is not vacuous.
  ASSERT_FALSE(testing::FilesContaining(dir_.path(), wrapped_a).empty());
  EXPECT_EQ(testing::FilesContaining(dir_.path(), key_a),
            std::vector<std::string>());  // never unwrapped
  EXPECT_EQ(testing::FilesContaining(dir_.path(), Hex(key_a)), std::vector<std::string>());

  ASSERT_TRUE(log->EraseSubject("person-a").ok());
  EXPECT_TRUE(log->IsErased("person-a"));
  EXPECT_FALSE(log->IsErased("person-b"));
  // No SST, WAL, MANIFEST or other file of the open store holds the key any more.
  EXPECT_EQ(testing::FilesContaining(dir_.path(), wrapped_a), std::vector<std::string>());
  EXPECT_EQ(testing::FilesContaining(dir_.path(), wrapped_a.substr(25)),
            std::vector<std::string>());
  EXPECT_EQ(testing::FilesContaining(dir_.path(), key_a), std::vector<std::string>());
  EXPECT_FALSE(testing::FilesContaining(dir_.path(), wrapped_b).empty());  // others keep theirs
  EXPECT_EQ(testing::ReadFile(fs::path(dir_.path()) / "erasure.ledger"), "person-a\n");

  for (size_t i = 0; i < parts_a.size(); ++i) {
    auto gone = log->Unseal(IdFrom(i), parts_a[i]);
    ASSERT_TRUE(gone.ok()) << gone.status().ToString();
    EXPECT_FALSE(gone->has_value());
    auto kept = log->Unseal(IdFrom(i), parts_b[i]);
    ASSERT_TRUE(kept.ok());
    EXPECT_EQ(kept->value_or(""), "B's name " + std::to_string(i));
  }
  EXPECT_EQ(log->Seal(IdFrom(99), "person-a", "person.name", "x").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(log->Seal(IdFrom(99), "person-b", "person.name", "x").ok());
  EXPECT_TRUE(log->EraseSubject("person-a").ok());  // idempotent
  EXPECT_EQ(testing::ReadFile(fs::path(dir_.path()) / "erasure.ledger"), "person-a\n");

  // The log, its tree, earlier checkpoints and audit bundles still verify.
  ASSERT_TRUE(log->Append("case-1", ExpectedVersion::Any(), {MakeEvent(100)}).ok());
  auto report = log->Verify(nullptr);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << (report->problems.empty() ? "" : report->problems[0]);
  EXPECT_EQ(report->checkpoints_checked, 1u);
  auto bundle = BuildAuditBundle(*log, std::string("case-1"));
  ASSERT_TRUE(bundle.ok());
  auto summary = VerifyAuditBundle(*bundle, log->VerifierKey());
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->events_verified, 51u);

  // After a reopen the erasure still holds, and still no file holds the key.
  log.reset();
  EXPECT_EQ(testing::FilesContaining(dir_.path(), wrapped_a), std::vector<std::string>());
  log = Open();
  EXPECT_TRUE(log->IsErased("person-a"));
  EXPECT_FALSE(log->Unseal(IdFrom(0), parts_a[0])->has_value());
  EXPECT_EQ(log->Unseal(IdFrom(0), parts_b[0])->value_or(""), "B's name 0");
}

TEST_F(SealingTest, MasterKeyFileIsCreatedPrivateAndRequiredAfterwards) {
  std::string dir = dir_.Sub("own-key");
  SealedPart part;
  {
    auto log = Open(dir, /*with_master=*/false);
    part = AppendSealed(*log, 1, {"person-1"}, "secret");
  }
  fs::path key_file = fs::path(dir) / "master.key";
  struct stat st {};
  ASSERT_EQ(::stat(key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string text = testing::ReadFile(key_file);
  ASSERT_EQ(text.size(), 65u);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find_first_not_of("0123456789abcdef"), 64u);
  {
    auto log = Open(dir, /*with_master=*/false);
    EXPECT_EQ(log->Unseal(IdFrom(1), part)->value_or(""), "secret");
  }
  // Another master key is refused at open, not discovered at the first Unseal.
  EventLogOptions wrong;
  wrong.dir = dir;
  wrong.clock = &clock_;
  wrong.master_key = master_;
  EXPECT_EQ(EventLog::Open(wrong).status().code(), StatusCode::kInvalidArgument);
  // A missing master.key is not silently replaced.
  fs::remove(key_file);
  EventLogOptions missing;
  missing.dir = dir;
  missing.clock = &clock_;
  EXPECT_EQ(EventLog::Open(missing).status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(fs::exists(key_file));
}

TEST_F(SealingTest, ATornLastLedgerLineIsCutAndNotErased) {
  {
    auto log = Open();
    AppendSealed(*log, 1, {"person-1", "person-12"}, "x");
    ASSERT_TRUE(log->EraseSubject("person-1").ok());
  }
  { std::ofstream(fs::path(dir_.path()) / "erasure.ledger", std::ios::app) << "person-1"; }
  auto log = Open();
  EXPECT_TRUE(log->IsErased("person-1"));
  EXPECT_FALSE(log->IsErased("person-12"));
  EXPECT_EQ(testing::ReadFile(fs::path(dir_.path()) / "erasure.ledger"), "person-1\n");
  ASSERT_TRUE(log->EraseSubject("person-12").ok());
  EXPECT_EQ(testing::ReadFile(fs::path(dir_.path()) / "erasure.ledger"), "person-1\nperson-12\n");
}

TEST_F(SealingTest, RestoringABackupTakenBeforeAnErasureKeepsTheContentErased) {
  std::string live = dir_.Sub("live"), backup = dir_.Sub("backup"), restored = dir_.Sub("restored");
  SealedPart part_a, part_b;
  std::string wrapped_a;
  {
    auto log = Open(live);
    part_a = AppendSealed(*log, 1, {"person-a"}, "A's address");
    part_b = AppendSealed(*log, 2, {"person-b"}, "B's address");
    ASSERT_TRUE(log->Checkpoint().ok());
    wrapped_a = **log->TEST_StoredSubjectKey("person-a");
    ASSERT_TRUE(log->Backup(backup).ok());
    EXPECT_EQ(log->Backup(backup).code(), StatusCode::kInvalidArgument);  // not empty
    ASSERT_TRUE(log->EraseSubject("person-a").ok());
    AppendSealed(*log, 3, {"person-b"}, "after the backup");
  }
  EXPECT_TRUE(fs::exists(fs::path(backup) / "signing.key"));
  EXPECT_FALSE(
      testing::FilesContaining(backup, wrapped_a).empty());  // the old backup still holds it

  std::string live_ledger = (fs::path(live) / "erasure.ledger").string();
  ASSERT_TRUE(EventLog::RestoreBackup(backup, restored, {live_ledger}).ok());
  EXPECT_EQ(EventLog::RestoreBackup(backup, restored, {}).code(), StatusCode::kInvalidArgument);
  {
    auto log = Open(restored);
    EXPECT_TRUE(log->IsErased("person-a"));
    auto gone = log->Unseal(IdFrom(1), part_a);
    ASSERT_TRUE(gone.ok());
    EXPECT_FALSE(gone->has_value());
    EXPECT_EQ(log->Unseal(IdFrom(2), part_b)->value_or(""), "B's address");
    EXPECT_EQ(log->Size(), 2u);
    auto report = log->Verify(nullptr);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok());
    EXPECT_EQ(testing::FilesContaining(restored, wrapped_a), std::vector<std::string>());
  }
  EXPECT_EQ(testing::FilesContaining(restored, wrapped_a), std::vector<std::string>());

  // Without the later ledger the backup alone cannot know of the erasure: that is why restore
  // takes the operator's ledger (docs/erasure.md).
  std::string unaware = dir_.Sub("unaware");
  ASSERT_TRUE(EventLog::RestoreBackup(backup, unaware, {}).ok());
  auto log = Open(unaware);
  EXPECT_FALSE(log->IsErased("person-a"));
}

TEST_F(SealingTest, RestoringIntoTheFolderKeepsItsLedgerSoLaterErasuresStay) {
  std::string live = dir_.Sub("live"), backup = dir_.Sub("backup");
  SealedPart part_a, part_b;
  {
    auto log = Open(live);
    part_a = AppendSealed(*log, 1, {"person-a"}, "A's address");
    part_b = AppendSealed(*log, 2, {"person-b"}, "B's address");
    ASSERT_TRUE(log->Backup(backup).ok());
    ASSERT_TRUE(log->EraseSubject("person-a").ok());  // after the backup
  }
  // The live database is lost; its ledger (and key files) remain beside it.
  fs::remove_all(fs::path(live) / "log");
  // Restoring over a folder that still holds a database is refused.
  {
    std::string occupied = dir_.Sub("occupied");
    fs::create_directories(fs::path(occupied) / "log");
    EXPECT_EQ(EventLog::RestoreBackup(backup, occupied, {}).code(), StatusCode::kInvalidArgument);
  }
  // No --ledger needed: the folder's own ledger is kept and merged.
  ASSERT_TRUE(EventLog::RestoreBackup(backup, live, {}).ok());
  auto log = Open(live);
  EXPECT_TRUE(log->IsErased("person-a"));
  EXPECT_FALSE(log->Unseal(IdFrom(1), part_a)->has_value());
  EXPECT_EQ(log->Unseal(IdFrom(2), part_b)->value_or(""), "B's address");
  EXPECT_TRUE(log->Verify(nullptr)->ok());
}

TEST_F(SealingTest, ABackupTakenAfterAnErasureCarriesTheLedger) {
  std::string live = dir_.Sub("live"), backup = dir_.Sub("backup"), restored = dir_.Sub("restored");
  SealedPart part_a;
  {
    auto log = Open(live);
    part_a = AppendSealed(*log, 1, {"person-a"}, "A's address");
    ASSERT_TRUE(log->EraseSubject("person-a").ok());
    ASSERT_TRUE(log->Backup(backup).ok());
  }
  EXPECT_EQ(testing::ReadFile(fs::path(backup) / "erasure.ledger"), "person-a\n");
  EXPECT_TRUE(fs::exists(fs::path(backup) / "master.key") == false);  // given in options here
  ASSERT_TRUE(EventLog::RestoreBackup(backup, restored, {}).ok());
  auto log = Open(restored);
  EXPECT_FALSE(log->Unseal(IdFrom(1), part_a)->has_value());
  EXPECT_TRUE(log->Verify(nullptr)->ok());
}

TEST_F(SealingTest, RestoreRefusesSomethingThatIsNotABackup) {
  EXPECT_EQ(EventLog::RestoreBackup(dir_.Sub("nothing"), dir_.Sub("to"), {}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(dir_.Sub("to")));
}

}  // namespace
}  // namespace kasane::eventstore
