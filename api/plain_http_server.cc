#include "api/plain_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace kasane::api {
namespace {

int ToMillis(time_t sec, time_t usec) {
  const int64_t ms = static_cast<int64_t>(sec) * 1000 + static_cast<int64_t>(usec) / 1000;
  return static_cast<int>(std::clamp<int64_t>(ms, 0, 24 * 3600 * 1000));
}

// poll(2) for one event, retried on EINTR. > 0 ready, 0 timed out, < 0 error.
int PollOne(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  while (true) {
    int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0 && (p.revents & (POLLERR | POLLNVAL)) != 0 && (p.revents & events) == 0) return -1;
    return n;
  }
}

void Address(const sockaddr_storage& addr, std::string& ip, int& port) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof(buf));
    port = ntohs(a->sin6_port);
  } else {
    port = 0;
  }
  ip = buf;
}

// Whether `block` is a whole HTTP/1.1 header block that announces a Content-Length: the body,
// if any, follows at once (httplib writes it right after), so the block may wait for it.
bool IsFixedLengthHeaderBlock(std::string_view block) {
  if (!block.starts_with("HTTP/1.") || !block.ends_with("\r\n\r\n")) return false;
  constexpr std::string_view kName = "\r\ncontent-length:";
  for (size_t i = 0; i + kName.size() <= block.size(); ++i) {
    bool match = true;
    for (size_t j = 0; j < kName.size() && match; ++j) {
      match = std::tolower(static_cast<unsigned char>(block[i + j])) == kName[j];
    }
    if (match) return true;
  }
  return false;
}

// Whether answering `req` can leave bytes of it unread on the connection, which would then be
// parsed as the next request: a body httplib does not read (it reads bodies for POST, PUT,
// PATCH, DELETE and PRI only), a body longer than `max_body` (httplib skips it, but a client
// that stops sending would leave the rest), or a chunked one (which httplib may stop reading
// half-way). The connection is closed after such a request instead, as after one whose request
// line or headers did not parse.
bool LeavesBytesUnread(const httplib::Request& req, size_t max_body) {
  if (req.has_header("Transfer-Encoding")) return true;
  const std::string length = req.get_header_value("Content-Length");
  if (length.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long n = std::strtoull(length.c_str(), &end, 10);
  if (errno != 0 || end == length.c_str() || *end != '\0') return true;
  if (n == 0) return false;
  const std::string& m = req.method;
  const bool body_read = m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE" || m == "PRI";
  return !body_read || n > max_body;
}

class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int sock, int read_timeout_ms, int write_timeout_ms)
      : sock_(sock), read_timeout_ms_(read_timeout_ms), write_timeout_ms_(write_timeout_ms) {
    // SO_SNDTIMEO 0 would mean "never time out"; httplib's 0 means "give up at once".
    const int send_ms = std::max(write_timeout_ms, 1);
    timeval tv{send_ms / 1000, (send_ms % 1000) * 1000};
    ::setsockopt(sock_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      Address(addr, remote_ip_, remote_port_);
    }
    len = sizeof(addr);
    if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      Address(addr, local_ip_, local_port_);
    }
  }

  // Waits up to `keep_alive_ms` for the next request (bytes, or the peer closing), in slices
  // that let a stopping server (`listening` false) end an idle connection.
  template <typename Listening>
  bool WaitForRequest(int keep_alive_ms, Listening listening) {
    if (off_ < size_) return true;
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(keep_alive_ms);
    bool first = true;
    while (listening()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0 && !first) return false;
      first = false;  // a zero keep-alive timeout still looks once, as httplib does
      int n = PollOne(sock_, POLLIN, static_cast<int>(std::clamp<int64_t>(left, 0, 100)));
      if (n < 0) return false;
      if (n > 0) return true;  // a request, or the peer's close (read() then sees 0)
    }
    return false;
  }

  // Sends what write() held back. False when it could not be sent.
  bool Flush() {
    if (held_.empty()) return true;
    const bool ok = SendAll(held_.data(), held_.size(), nullptr, 0);
    held_.clear();
    return ok;
  }

  bool is_readable() const override {
    return off_ < size_ || PollOne(sock_, POLLIN, read_timeout_ms_) > 0;
  }

  // As httplib 0.11.4's SocketStream: ready to write within the write timeout. (A peer that
  // went away is noticed when a write fails.)
  bool is_writable() const override { return PollOne(sock_, POLLOUT, write_timeout_ms_) > 0; }

  ssize_t read(char* ptr, size_t size) override {
    if (off_ < size_) {
      const size_t n = std::min(size, size_ - off_);
      std::memcpy(ptr, buf_.data() + off_, n);
      off_ += n;
      return static_cast<ssize_t>(n);
    }
    if (PollOne(sock_, POLLIN, read_timeout_ms_) <= 0) return -1;
    if (size >= buf_.size()) return Recv(ptr, size);
    const ssize_t n = Recv(buf_.data(), buf_.size());
    if (n <= 0) return n;
    size_ = static_cast<size_t>(n);
    off_ = std::min(size, size_);
    std::memcpy(ptr, buf_.data(), off_);
    return static_cast<ssize_t>(off_);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (held_.empty() && IsFixedLengthHeaderBlock(std::string_view(ptr, size))) {
      held_.assign(ptr, size);
      return static_cast<ssize_t>(size);
    }
    bool ok;
    if (!held_.empty()) {
      ok = SendAll(held_.data(), held_.size(), ptr, size);
      held_.clear();
    } else {
      ok = SendAll(ptr, size, nullptr, 0);
    }
    return ok ? static_cast<ssize_t>(size) : -1;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = remote_ip_;
    port = remote_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = local_ip_;
    port = local_port_;
  }
  socket_t socket() const override { return sock_; }

 private:
  ssize_t Recv(char* ptr, size_t size) {
    while (true) {
      ssize_t n = ::recv(sock_, ptr, size, 0);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  // Sends a then b in full (one sendmsg when the socket takes it all); false on an error or
  // when the write timeout (SO_SNDTIMEO) passes.
  bool SendAll(const char* a, size_t a_len, const char* b, size_t b_len) {
    iovec iov[2] = {{const_cast<char*>(a), a_len}, {const_cast<char*>(b), b_len}};
    int count = b_len > 0 ? 2 : 1;
    iovec* next = iov;
    while (count > 0) {
      msghdr msg{};
      msg.msg_iov = next;
      msg.msg_iovlen = static_cast<size_t>(count);
      ssize_t n = ::sendmsg(sock_, &msg, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;  // EAGAIN here is the write timeout
      }
      size_t sent = static_cast<size_t>(n);
      while (count > 0 && sent >= next->iov_len) {
        sent -= next->iov_len;
        ++next;
        --count;
      }
      if (count > 0) {
        next->iov_base = static_cast<char*>(next->iov_base) + sent;
        next->iov_len -= sent;
      }
    }
    return true;
  }

  const int sock_;
  const int read_timeout_ms_;
  const int write_timeout_ms_;
  std::array<char, 4096> buf_;
  size_t off_ = 0;
  size_t size_ = 0;
  std::string held_;  // a fixed-length answer's header block, waiting for its body
  std::string remote_ip_, local_ip_;
  int remote_port_ = 0, local_port_ = 0;
};

}  // namespace

bool PlainHttpServer::process_and_close_socket(socket_t sock) {
  bool ret = false;
  {
    ConnectionStream strm(sock, ToMillis(read_timeout_sec_, read_timeout_usec_),
                          ToMillis(write_timeout_sec_, write_timeout_usec_));
    const int keep_alive_ms = ToMillis(keep_alive_timeout_sec_, 0);
    auto listening = [this] { return svr_sock_ != INVALID_SOCKET; };
    size_t count = keep_alive_max_count_;
    while (count > 0 && strm.WaitForRequest(keep_alive_ms, listening)) {
      const bool close_connection = count == 1;
      bool connection_closed = false;
      // Called once the request line and headers parsed: a 400 or 414 for a request that did not
      // is not followed by another on this connection (its rest was not read).
      bool parsed = false;
      bool unread = false;
      ret = process_request(strm, close_connection, connection_closed, [&](httplib::Request& req) {
        parsed = true;
        unread = LeavesBytesUnread(req, payload_max_length_);
      });
      if (!strm.Flush()) ret = false;
      if (!ret || connection_closed || !parsed || unread) break;
      --count;
    }
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ret;
}

}  // namespace kasane::api
