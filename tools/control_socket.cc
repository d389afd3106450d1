#include "tools/control_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kasane::tools {
namespace {

using nlohmann::json;

constexpr char kSocketName[] = "control.sock";
// A request is one short JSON line; anything longer is not a client of ours.
constexpr size_t kMaxRequestBytes = 64 * 1024;
// How long the server waits for a connected client to send its request line.
constexpr int kRequestTimeoutMs = 10000;

Status Errno(const std::string& what) { return IoError(what + ": " + std::strerror(errno)); }

Result<sockaddr_un> Address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return InvalidArgument(
        "the control socket path " + path + " is " + std::to_string(path.size()) +
        " bytes, more than a Unix socket allows (" + std::to_string(sizeof(addr.sun_path) - 1) +
        "): use a shorter --data path");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// Writes all of `text`; false when the peer is gone (MSG_NOSIGNAL: never a SIGPIPE).
bool SendAll(int fd, const std::string& text) {
  size_t sent = 0;
  while (sent < text.size()) {
    ssize_t n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

StatusCode CodeFromName(const std::string& name) {
  for (int c = static_cast<int>(StatusCode::kInvalidArgument);
       c <= static_cast<int>(StatusCode::kIoError); ++c) {
    if (StatusCodeName(static_cast<StatusCode>(c)) == name) return static_cast<StatusCode>(c);
  }
  return StatusCode::kInternal;
}

json ErrorAnswer(const Status& s) {
  return json{{"ok", false}, {"code", StatusCodeName(s.code())}, {"error", s.message()}};
}

}  // namespace

std::string ControlSocketPath(const std::string& data_dir) {
  return data_dir + (data_dir.empty() || data_dir.back() == '/' ? "" : "/") + kSocketName;
}

Result<std::unique_ptr<ControlServer>> ControlServer::Start(const std::string& data_dir,
                                                            Handler handler) {
  const std::string path = ControlSocketPath(data_dir);
  KASANE_ASSIGN_OR_RETURN(sockaddr_un addr, Address(path));
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    // Left by a server that did not stop cleanly. The caller holds the data folder's database
    // lock, so no live server owns it. Anything but a socket is not ours to delete.
    if (!S_ISSOCK(st.st_mode)) {
      return InvalidArgument(path + " exists and is not a socket; move it away");
    }
    if (::unlink(path.c_str()) != 0) return Errno("cannot remove the stale " + path);
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("cannot create the control socket");
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    Status s = Errno("cannot bind the control socket " + path);
    ::close(fd);
    return s;
  }
  // Owner only. (Between bind and chmod the umask's mode applies; the peer check below holds
  // in that moment too.)
  if (::chmod(path.c_str(), 0600) != 0 || ::listen(fd, 8) != 0) {
    Status s = Errno("cannot set up the control socket " + path);
    ::close(fd);
    ::unlink(path.c_str());
    return s;
  }
  int wake[2];
  if (::pipe2(wake, O_CLOEXEC) != 0) {
    Status s = Errno("cannot create the control socket's pipe");
    ::close(fd);
    ::unlink(path.c_str());
    return s;
  }
  std::unique_ptr<ControlServer> server(
      new ControlServer(path, fd, wake[0], wake[1], std::move(handler)));
  server->thread_ = std::thread([s = server.get()] { s->Loop(); });
  return server;
}

ControlServer::ControlServer(std::string path, int listen_fd, int wake_read, int wake_write,
                             Handler handler)
    : path_(std::move(path)),
      listen_fd_(listen_fd),
      wake_read_(wake_read),
      wake_write_(wake_write),
      handler_(std::move(handler)) {}

ControlServer::~ControlServer() {
  const char byte = 0;
  while (::write(wake_write_, &byte, 1) < 0 && errno == EINTR) {
  }
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  ::close(wake_read_);
  ::close(wake_write_);
  ::unlink(path_.c_str());
}

void ControlServer::Loop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_read_, POLLIN, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    Serve(fd);
    ::close(fd);
  }
}

void ControlServer::Serve(int fd) {
  ucred peer{};
  socklen_t len = sizeof(peer);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 || peer.uid != ::geteuid()) {
    SendAll(fd, ErrorAnswer(PermissionDenied("only the user kasane serve runs as may use its "
                                             "control socket"))
                        .dump() +
                    "\n");
    return;
  }
  // One line, read within kRequestTimeoutMs: a client that connects and says nothing must not
  // hold the channel.
  std::string line;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kRequestTimeoutMs) <= 0) return;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    line.append(buf, static_cast<size_t>(n));
    if (line.find('\n') != std::string::npos) break;
    if (line.size() > kMaxRequestBytes) {
      SendAll(fd,
              ErrorAnswer(InvalidArgument("the request is longer than a request may be")).dump() +
                  "\n");
      return;
    }
  }
  line.resize(line.find('\n'));
  json request = json::parse(line, nullptr, false);
  json answer;
  if (!request.is_object() || !request.contains("command") || !request["command"].is_string()) {
    answer = ErrorAnswer(
        InvalidArgument("a request is one JSON object with a \"command\" string, on one line"));
  } else {
    Result<json> result = handler_(request);
    if (!result.ok()) {
      answer = ErrorAnswer(result.status());
    } else {
      answer = result->is_object() ? *result : json::object();
      answer["ok"] = true;
    }
  }
  SendAll(fd, answer.dump() + "\n");
}

Result<json> CallControl(const std::string& data_dir, const json& request) {
  const std::string path = ControlSocketPath(data_dir);
  KASANE_ASSIGN_OR_RETURN(sockaddr_un addr, Address(path));
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("cannot create a socket");
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == ENOENT || err == ECONNREFUSED) {
      return Unavailable("no kasane serve is listening on " + path);
    }
    errno = err;
    return Errno("cannot connect to " + path);
  }
  if (!SendAll(fd, request.dump() + "\n")) {
    Status s = Errno("cannot send the request to " + path);
    ::close(fd);
    return s;
  }
  std::string line;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
    if (line.find('\n') != std::string::npos) break;
  }
  ::close(fd);
  const size_t nl = line.find('\n');
  if (nl == std::string::npos) {
    return IoError("kasane serve closed the control connection without an answer (did it stop?)");
  }
  json answer = json::parse(line.substr(0, nl), nullptr, false);
  if (!answer.is_object() || !answer.contains("ok") || !answer["ok"].is_boolean()) {
    return Internal("kasane serve gave a malformed control answer");
  }
  if (!answer["ok"].get<bool>()) {
    const std::string code = answer.contains("code") && answer["code"].is_string()
                                 ? answer["code"].get<std::string>()
                                 : "internal";
    const std::string message = answer.contains("error") && answer["error"].is_string()
                                    ? answer["error"].get<std::string>()
                                    : "(no message)";
    return Status(CodeFromName(code), message);
  }
  answer.erase("ok");
  return answer;
}

}  // namespace kasane::tools
