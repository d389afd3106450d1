// The control socket (tools/control_socket.h) in-process: a request and its answer, errors with
// their status codes, the file's mode and lifetime, a stale socket, and what is refused.
#include "tools/control_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/eventstore/test_util.h"

namespace kasane::tools {
namespace {

using eventstore::testing::TempDir;
using nlohmann::json;

ControlServer::Handler Echo(std::atomic<int>* calls) {
  return [calls](const json& request) -> Result<json> {
    ++*calls;
    if (request["command"] == "fail") return FailedPrecondition("refused on purpose");
    return json{{"echo", request}};
  };
}

TEST(ControlSocketTest, AnswersARequestAndPassesErrorsWithTheirCode) {
  TempDir dir;
  std::atomic<int> calls{0};
  auto server = ControlServer::Start(dir.path(), Echo(&calls));
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  EXPECT_EQ((*server)->path(), dir.path() + "/control.sock");

  auto answer = CallControl(dir.path(), {{"command", "backup"}, {"to", "/x"}});
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ((*answer)["echo"]["to"], "/x");
  EXPECT_FALSE(answer->contains("ok"));  // the envelope's flag is not part of the result

  auto failed = CallControl(dir.path(), {{"command", "fail"}});
  EXPECT_EQ(failed.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(failed.status().message(), "refused on purpose");

  // A request without a command never reaches the handler.
  auto malformed = CallControl(dir.path(), {{"to", "/x"}});
  EXPECT_EQ(malformed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(calls.load(), 2);
}

TEST(ControlSocketTest, TheSocketIsOwnerOnlyAndRemovedOnStop) {
  TempDir dir;
  std::atomic<int> calls{0};
  const std::string path = dir.path() + "/control.sock";
  {
    auto server = ControlServer::Start(dir.path(), Echo(&calls));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    struct stat st {};
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  auto none = CallControl(dir.path(), {{"command", "backup"}});
  EXPECT_EQ(none.status().code(), StatusCode::kUnavailable) << none.status().ToString();
}

TEST(ControlSocketTest, AStaleSocketIsUnavailableAndReplacedByTheNextServer) {
  TempDir dir;
  const std::string path = dir.path() + "/control.sock";
  // A socket file nobody listens on, as a SIGKILLed server leaves it.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);
  ASSERT_TRUE(std::filesystem::exists(path));
  auto stale = CallControl(dir.path(), {{"command", "backup"}});
  EXPECT_EQ(stale.status().code(), StatusCode::kUnavailable) << stale.status().ToString();

  std::atomic<int> calls{0};
  auto server = ControlServer::Start(dir.path(), Echo(&calls));
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  EXPECT_TRUE(CallControl(dir.path(), {{"command", "backup"}}).ok());
}

TEST(ControlSocketTest, RefusesAFileInTheWayAndAPathTooLong) {
  TempDir dir;
  std::atomic<int> calls{0};
  std::ofstream(dir.path() + "/control.sock") << "not a socket";
  auto blocked = ControlServer::Start(dir.path(), Echo(&calls));
  EXPECT_EQ(blocked.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(blocked.status().message().find("is not a socket"), std::string::npos);
  std::ifstream kept(dir.path() + "/control.sock");
  std::string text;
  std::getline(kept, text);
  EXPECT_EQ(text, "not a socket");  // left as it was

  const std::string deep = dir.path() + "/" + std::string(120, 'd');
  std::filesystem::create_directories(deep);
  auto too_long = ControlServer::Start(deep, Echo(&calls));
  EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_long.status().message().find("shorter --data path"), std::string::npos);
  EXPECT_EQ(CallControl(deep, {{"command", "backup"}}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ControlSocketTest, AClientThatSaysNothingDoesNotBlockTheNextOne) {
  TempDir dir;
  std::atomic<int> calls{0};
  auto server = ControlServer::Start(dir.path(), Echo(&calls));
  ASSERT_TRUE(server.ok());
  // Connects and sends half a line, then closes: the server drops it and goes on.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", (*server)->path().c_str());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::send(fd, "{\"command\":", 11, 0), 11);
  ::close(fd);
  auto answer = CallControl(dir.path(), {{"command", "next"}});
  EXPECT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace kasane::tools
