// The local control channel of a running `kasane serve` (docs/operations.md, "Backups while
// the server runs").
//
// `kasane serve` holds the data folder's RocksDB lock, so no second process can open the log
// while it runs. A command that needs the open log then (today: `kasane backup`) asks the
// server through a Unix-domain socket in the data folder, `<data>/control.sock`:
// - Who may ask: the socket file has mode 0600 (its owner only), and the server also checks
//   the connecting process's user id (SO_PEERCRED) against its own, refusing anyone else. The
//   HTTP API has no such route on purpose: a bearer token never makes the server write files.
// - Protocol: the client sends one JSON object on one line, e.g.
//   `{"command": "backup", "to": "/abs/folder"}`, and reads one JSON object on one line:
//   `{"ok": true, ...the result's fields}` or
//   `{"ok": false, "code": "<status code name>", "error": "<message>"}`. One request per
//   connection; the server answers requests one at a time.
// - Lifetime: created once the server has the log open (a stale file left by a crashed server
//   is replaced: the database lock proves no other server owns it), removed when it stops.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "base/status.h"

namespace kasane::tools {

// `<data_dir>/control.sock`.
std::string ControlSocketPath(const std::string& data_dir);

class ControlServer {
 public:
  // Gets the request's JSON object; returns the result's fields (an object), or an error.
  using Handler = std::function<Result<nlohmann::json>(const nlohmann::json& request)>;

  // Listens on ControlSocketPath(data_dir). kInvalidArgument when the path is too long for a
  // Unix socket (108 bytes) or a non-socket file is in the way; kIoError when the OS refuses.
  static Result<std::unique_ptr<ControlServer>> Start(const std::string& data_dir, Handler handler);
  // Stops accepting, waits for the request in progress, removes the socket file.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  const std::string& path() const { return path_; }

 private:
  ControlServer(std::string path, int listen_fd, int wake_read, int wake_write, Handler handler);
  void Loop();
  void Serve(int fd);

  std::string path_;
  int listen_fd_;
  int wake_read_, wake_write_;  // a pipe: a byte written wakes Loop to stop
  Handler handler_;
  std::thread thread_;
};

// Sends `request` to the server listening on ControlSocketPath(data_dir) and waits for its
// answer (no time limit: a backup of a large store takes a while). Returns the result's fields,
// or the server's error with its status code. kUnavailable when no server listens there: no
// socket file, or a stale one (a server that crashed).
Result<nlohmann::json> CallControl(const std::string& data_dir, const nlohmann::json& request);

}  // namespace kasane::tools
