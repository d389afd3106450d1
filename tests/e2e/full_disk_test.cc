// A full disk under a real server (issue 8, "Full disk").
//
// Path "tmpfs" (the machine lets the test mount; we run as root in CI): the data folder lives on
// a size-limited tmpfs mounted here and unmounted in teardown, and `kasane serve` (the real
// binary) serves it. Path "fault-fs" (mount not permitted): the same story in process, the
// server's log on a fault-injecting RocksDB file system (tests/eventstore/fault_fs.h) with a
// fake free-space probe. The path that ran is printed; neither is skipped.
//
// Phase 1, the reserve (--min-free-space 32M): a filler file takes the free space below the
// reserve; commands answer 507 problem+json and write nothing; the case, its timeline, a signed
// checkpoint and proofs are still served (access records use the emergency reserve); health
// says degraded; the filler is deleted and commands succeed again without a restart.
// Phase 2, no reserve (--min-free-space 0): the file system fills until RocksDB itself fails;
// the server answers 503/507, keeps serving health and proofs, and stops cleanly; space is
// freed, `kasane verify` passes, every command that got a 2xx is in the log, and the restarted
// server takes commands again.
//
// Prints `[full-disk] path=... acked=N refused_507=M ...` for the record.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/server.h"
#include "eventstore/event_log.h"
#include "tests/eventstore/fault_fs.h"
#include "tests/eventstore/test_util.h"
#include "tests/tools/serve_process.h"
#include "tests/tools/shell.h"

namespace kasane {
namespace {

using eventstore::testing::FaultFs;
using eventstore::testing::TempDir;
using nlohmann::json;
using tools::testing::kKasane;
using tools::testing::OpenExistingLog;
using tools::testing::ServeProcess;
using tools::testing::Sh;

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kReserve = 32 * kMiB;  // phase 1; the emergency reserve is a quarter of it
constexpr char kTmpfsSize[] = "256m";     // above RocksDB's WAL preallocation (~70 MiB per DB)

struct Reply {
  int status = 0;  // 0: no answer
  std::string content_type;
  std::string body;
  json Json() const { return json::parse(body, nullptr, false); }
};

// A tmpfs mounted at `dir` for the test's lifetime (when permitted).
class TmpfsMount {
 public:
  explicit TmpfsMount(const std::string& dir) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    if (const char* no = getenv("KASANE_TEST_NO_MOUNT"); no != nullptr && *no != '\0') {
      why_ = "KASANE_TEST_NO_MOUNT is set";  // runs the fault-fs path where mounting works
      return;
    }
    auto o =
        Sh("mount -t tmpfs -o size=" + std::string(kTmpfsSize) + ",mode=0700 tmpfs '" + dir_ + "'");
    mounted_ = o.exit_code == 0;
    why_ = o.err;
  }
  ~TmpfsMount() {
    if (mounted_) Sh("umount '" + dir_ + "' || umount -l '" + dir_ + "'").exit_code;
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string why_;
};

class FullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_ = std::make_unique<TmpfsMount>(tmp_.Sub("mnt"));
    tmpfs_ = mount_->mounted();
    root_ = tmpfs_ ? tmp_.Sub("mnt") : tmp_.Sub("plain");
    std::filesystem::create_directories(root_);
    std::cout << "[full-disk] path=" << (tmpfs_ ? "tmpfs" : "fault-fs")
              << (tmpfs_ ? "" : " (mount not permitted: " + mount_->why() + ")") << std::endl;
    // `kasane init`: agency city, secretariat sec-1 and its token (secretariats open cases too).
    auto o = Sh(kKasane + " init --data '" + Data() +
                "' --agency city --agency-name City --agency-kind municipal_division "
                "--staff sec-1");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    token_ = json::parse(o.out, nullptr, false).value("token", "");
    ASSERT_FALSE(token_.empty());
  }
  void TearDown() override {
    StopServer();
    std::error_code ec;
    std::filesystem::remove(Filler(), ec);
    process_.reset();
    mount_.reset();  // unmounts, also after a failed assertion
  }

  std::string Data() const { return root_ + "/data"; }
  std::string Filler() const { return root_ + "/filler"; }

  // --- the server: the real binary on tmpfs, or in process over the fault file system ---

  void StartServer(uint64_t min_free) {
    if (tmpfs_) {
      process_ = std::make_unique<ServeProcess>(
          std::vector<std::string>{"serve", "--data", Data(), "--listen", "127.0.0.1:0",
                                   "--min-free-space", std::to_string(min_free)},
          std::map<std::string, std::string>{}, tmp_.path());
      ASSERT_TRUE(process_->started());
      auto port = process_->WaitListening();
      ASSERT_TRUE(port.has_value()) << process_->Err();
      port_ = *port;
      return;
    }
    api::ServerOptions o;
    o.data_dir = Data();
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 8;
    o.min_free_bytes = min_free;
    o.priority_min_free_bytes = min_free / 4;
    o.TEST_log_options = [this](eventstore::EventLogOptions& lo) {
      lo.TEST_env = FaultFs::EnvOver(fs_);
      lo.TEST_free_bytes = [this]() -> Result<uint64_t> { return fake_free_.load(); };
    };
    auto server = api::ApiServer::Open(o);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
  }
  // Stops the server gracefully; its exit code (0 in process).
  int StopServer() {
    if (process_) {
      int code = process_->Stop();
      process_.reset();
      return code;
    }
    server_.reset();
    return 0;
  }

  // --- the disk ---

  uint64_t FreeBytes() const {
    if (!tmpfs_) return fake_free_.load();
    struct statvfs st {};
    if (statvfs(root_.c_str(), &st) != 0) return 0;
    return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  }
  // Appends to the filler until at most `target` bytes are free (0: until ENOSPC).
  void FillTo(uint64_t target) {
    if (!tmpfs_) {
      fake_free_ = target;
      return;
    }
    int fd = ::open(Filler().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    std::string chunk(kMiB, 'f');
    for (size_t size = kMiB; size > 0 && FreeBytes() > target;) {
      const size_t want = std::min<uint64_t>(size, FreeBytes() - target);
      if (::write(fd, chunk.data(), std::max<size_t>(want, 1)) < 0) {
        if (errno != ENOSPC) break;
        size /= 2;  // the last pages: smaller writes until not one byte fits
      }
    }
    ::close(fd);
  }
  void FreeSpace() {
    if (!tmpfs_) {
      fake_free_ = uint64_t{1} << 40;
      fs_->Set(FaultFs::Fault::kNone);
      return;
    }
    std::filesystem::remove(Filler());
  }

  // --- HTTP ---

  Reply Call(const std::string& method, const std::string& path, const std::string& body = "") {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    httplib::Headers h{{"Authorization", "Bearer " + token_}};
    auto r = method == "GET" ? c.Get(path.c_str(), h)
                             : c.Post(path.c_str(), h, body, "application/json");
    Reply out;
    if (!r) return out;
    out.status = r->status;
    out.content_type = r->get_header_value("Content-Type");
    out.body = r->body;
    return out;
  }
  static json Profile() {
    return {{"fullName", "Test Person"},
            {"nameKana", ""},
            {"birthDate", "1950-01-01"},
            {"address", ""},
            {"description", ""}};
  }
  Reply OpenCase() {
    json body = {{"caseId", "c-1"},
                 {"intakeAgency", "city"},
                 {"route", "walk_in"},
                 {"fields", json::array()},
                 {"mainPerson", "p-0"},
                 {"members",
                  json::array({{{"person", "p-0"}, {"relation", "self"}, {"profile", Profile()}}})},
                 {"summary", ""}};
    return Track(Call("POST", "/v1/cases", body.dump()));
  }
  // One command: a new household member (a new data subject: a key and a sealed profile).
  Reply AddMember() {
    json body = {{"member",
                  {{"person", "p-" + std::to_string(++members_)},
                   {"relation", "other"},
                   {"profile", Profile()}}}};
    return Track(Call("POST", "/v1/cases/c-1/household/members", body.dump()));
  }
  // Remembers the event id of every 2xx command; counts 507s.
  Reply Track(Reply r) {
    if (r.status / 100 == 2) acked_.push_back(r.Json().value("eventId", ""));
    if (r.status == 507) ++refused_507_;
    return r;
  }
  static void ExpectProblem(const Reply& r, std::vector<int> statuses) {
    EXPECT_NE(std::find(statuses.begin(), statuses.end(), r.status), statuses.end())
        << r.status << " " << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json") << r.body;
  }

  TempDir tmp_;
  std::unique_ptr<TmpfsMount> mount_;
  bool tmpfs_ = false;
  std::string root_;
  std::string token_;
  std::unique_ptr<ServeProcess> process_;
  std::unique_ptr<api::ApiServer> server_;
  std::shared_ptr<FaultFs> fs_ = std::make_shared<FaultFs>();
  std::atomic<uint64_t> fake_free_{uint64_t{1} << 40};
  int port_ = 0;
  int members_ = 0;
  std::vector<std::string> acked_;
  int refused_507_ = 0;
};

TEST_F(FullDiskTest, CommandsAreRefusedReadsGoOnAndNothingAcknowledgedIsLost) {
  // --- Phase 1: the reserve ---
  ASSERT_NO_FATAL_FAILURE(StartServer(kReserve));
  ASSERT_EQ(OpenCase().status, 201);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(AddMember().status, 201);
  const size_t acked_before_fill = acked_.size();

  // Between the emergency reserve (8 MiB) and the ordinary one (32 MiB).
  ASSERT_NO_FATAL_FAILURE(FillTo(16 * kMiB));
  const uint64_t free_when_full = FreeBytes();
  ASSERT_LT(free_when_full, kReserve);
  ASSERT_GT(free_when_full, kReserve / 4);
  for (int i = 0; i < 5; ++i) {
    Reply r = AddMember();
    ExpectProblem(r, {507});
    EXPECT_EQ(r.Json().value("type", ""), "urn:kasane:problem:storage-full") << r.body;
  }
  EXPECT_EQ(acked_.size(), acked_before_fill);

  // Reads go on: their access records fit the emergency reserve.
  int reads_ok = 0;
  Reply view = Call("GET", "/v1/cases/c-1");
  EXPECT_EQ(view.status, 200) << view.body;
  EXPECT_NE(view.body.find("p-5"), std::string::npos) << "the case view lacks its members";
  reads_ok += view.status == 200;
  Reply timeline = Call("GET", "/v1/cases/c-1/timeline");
  EXPECT_EQ(timeline.status, 200) << timeline.body;
  EXPECT_FALSE(timeline.Json().value("entries", json::array()).empty()) << timeline.body;
  reads_ok += timeline.status == 200;
  Reply checkpoint = Call("GET", "/v1/log/checkpoint");
  EXPECT_EQ(checkpoint.status, 200) << checkpoint.body;
  reads_ok += checkpoint.status == 200;
  Reply inclusion = Call("GET", "/v1/log/inclusion?position=0");
  EXPECT_EQ(inclusion.status, 200) << inclusion.body;
  reads_ok += inclusion.status == 200;
  Reply consistency = Call("GET", "/v1/log/consistency?from=1");
  EXPECT_EQ(consistency.status, 200) << consistency.body;
  reads_ok += consistency.status == 200;
  Reply health = Call("GET", "/v1/health");
  EXPECT_EQ(health.status, 503) << health.body;
  EXPECT_TRUE(health.Json()["storage"].value("belowReserve", false)) << health.body;
  EXPECT_TRUE(health.Json()["storage"].value("writable", false)) << health.body;
  Reply metrics = Call("GET", "/v1/metrics");
  EXPECT_NE(metrics.body.find("kasane_log_writes_refused_for_space_total{kind=\"ordinary\"} 5"),
            std::string::npos)
      << "the refusals are counted";

  // Space comes back: commands succeed again, no restart.
  FreeSpace();
  ASSERT_EQ(AddMember().status, 201);
  ASSERT_EQ(AddMember().status, 201);
  EXPECT_EQ(Call("GET", "/v1/health").status, 200);
  const size_t acked_phase1 = acked_.size();

  // --- Phase 2: no reserve; RocksDB itself meets the full disk ---
  ASSERT_EQ(StopServer(), 0);
  ASSERT_NO_FATAL_FAILURE(StartServer(0));
  ASSERT_EQ(Call("GET", "/v1/health").status, 200);
  // Leave a little room (less than the WAL's preallocation, so the WAL grows page by page), or
  // in process let some commands through before the disk "fills".
  if (tmpfs_) {
    ASSERT_NO_FATAL_FAILURE(FillTo(512 << 10));
  }
  Reply failure;
  int phase2_acked = 0;
  for (int i = 0; i < 5000; ++i) {
    if (!tmpfs_ && i == 20) fs_->Set(FaultFs::Fault::kNoSpace);
    Reply r = AddMember();
    if (r.status / 100 != 2) {
      failure = r;
      break;
    }
    ++phase2_acked;
  }
  ASSERT_NE(failure.status, 0) << "no answer: the server died? "
                               << (process_ ? process_->Err() : std::string());
  ExpectProblem(failure, {503, 507});
  if (tmpfs_) {
    // The rest of the disk, to the last byte.
    ASSERT_NO_FATAL_FAILURE(FillTo(0));
  }
  for (int i = 0; i < 3; ++i) ExpectProblem(AddMember(), {503, 507});
  // The server stays up: health says why, proofs are served; a case read either fits (200) or
  // is refused whole because its access record cannot be committed (fail closed).
  Reply health2 = Call("GET", "/v1/health");
  EXPECT_EQ(health2.status, 503) << health2.body;
  Reply proof2 = Call("GET", "/v1/log/inclusion?position=0");
  EXPECT_EQ(proof2.status, 200) << proof2.body;
  Reply read2 = Call("GET", "/v1/cases/c-1");
  if (read2.status != 200) {
    ExpectProblem(read2, {503, 507});
  }
  EXPECT_EQ(read2.body.find("Test Person") != std::string::npos, read2.status == 200)
      << "content without its access record";
  const int stop_code = StopServer();
  EXPECT_EQ(stop_code, 0);

  // Free the space; the log verifies and holds every acknowledged command.
  FreeSpace();
  auto verify = Sh(kKasane + " verify --data '" + Data() + "'");
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  size_t present = 0;
  {
    auto log = OpenExistingLog(Data());
    ASSERT_NE(log, nullptr);
    for (const std::string& hex : acked_) {
      auto id = eventstore::EventId::Parse(hex);
      ASSERT_TRUE(id.ok()) << hex;
      auto e = log->ReadById(*id);
      EXPECT_TRUE(e.ok()) << "acknowledged command " << hex << " is lost";
      present += e.ok();
    }
  }
  const size_t acked = acked_.size();
  // And it writes again.
  ASSERT_NO_FATAL_FAILURE(StartServer(kReserve));
  EXPECT_EQ(AddMember().status, 201);
  EXPECT_EQ(StopServer(), 0);

  std::cout << "[full-disk] path=" << (tmpfs_ ? "tmpfs" : "fault-fs") << " acked=" << acked
            << " present_after_restart=" << present << " refused_507=" << refused_507_
            << " phase1_acked=" << acked_phase1 << " phase1_free_when_full=" << free_when_full
            << " phase1_reads_ok=" << reads_ok << " phase2_acked=" << phase2_acked
            << " phase2_first_failure=" << failure.status << " phase2_case_read=" << read2.status
            << " stop_exit=" << stop_code << " verify_exit=" << verify.exit_code << std::endl;
}

// The reserve's setting: flag > KASANE_MIN_FREE_SPACE > config file > 64M, sizes with suffixes,
// a bad size refused (exit 2).
TEST(FullDiskSettingTest, MinFreeSpaceFollowsTheSettingsPrecedence) {
  TempDir tmp;
  const std::string config = tmp.Sub("kasane.toml");
  std::ofstream(config) << "[serve]\nmin-free-space = \"3M\"\n";
  auto check = [&](const std::string& env, const std::string& args) -> json {
    auto o = Sh("env -u KASANE_MIN_FREE_SPACE -u KASANE_CONFIG " + env + " " + kKasane +
                " serve --check-config --data '" + tmp.Sub("data") + "' " + args);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return json::parse(o.out, nullptr, false);
  };
  EXPECT_EQ(check("", "")["minFreeSpace"], 64 * kMiB);
  EXPECT_EQ(check("", "--config '" + config + "'")["minFreeSpace"], 3 * kMiB);
  EXPECT_EQ(check("KASANE_MIN_FREE_SPACE=2G", "--config '" + config + "'")["minFreeSpace"],
            2 * 1024 * kMiB);
  EXPECT_EQ(check("KASANE_MIN_FREE_SPACE=2G", "--min-free-space 512K")["minFreeSpace"], 512 * 1024);
  EXPECT_EQ(check("", "--min-free-space 0")["minFreeSpace"], 0);
  EXPECT_EQ(check("", "--min-free-space 100MiB")["minFreeSpace"], 100 * kMiB);
  auto bad =
      Sh("env -u KASANE_MIN_FREE_SPACE " + kKasane + " serve --check-config --min-free-space 12X");
  EXPECT_EQ(bad.exit_code, 2) << bad.out;
  EXPECT_NE(bad.err.find("min-free-space"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace kasane
