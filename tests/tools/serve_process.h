// Runs `kasane serve` (the real binary) as a child process: started with extra environment
// variables, its stdout and stderr in files, its port read from the `listening HOST:PORT` line,
// stopped with a signal (or killed with SIGKILL, as a crash) and its exit status collected.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/eventstore/test_util.h"
#include "tests/tools/shell.h"

extern char** environ;

namespace kasane::tools::testing {

class ServeProcess {
 public:
  // Starts `kasane <args...>` with `env` added to (and overriding) the test's environment; every
  // KASANE_* variable of the test's own environment is left out.
  ServeProcess(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
               const std::string& io_dir)
      : out_(io_dir + "/serve.out"), err_(io_dir + "/serve.err") {
    std::vector<std::string> argv_s = {kKasane};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string(*e).rfind("KASANE_", 0) != 0) env_s.push_back(*e);
    }
    for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
    std::vector<char*> argv, envp;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (auto& s : env_s) envp.push_back(s.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~ServeProcess() {
    if (pid_ > 0 && !exit_code_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  bool started() const { return pid_ > 0; }

  // The port from `listening HOST:PORT`, or nullopt when the process exited first (or did not
  // say it listens within `limit`, a bound for a wedged test, not a timing assertion).
  std::optional<int> WaitListening(std::chrono::seconds limit = std::chrono::seconds(120)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string out = Out();
      const size_t at = out.find("listening ");
      const size_t nl = at == std::string::npos ? std::string::npos : out.find('\n', at);
      if (nl != std::string::npos) {
        const std::string line = out.substr(at, nl - at);
        return std::stoi(line.substr(line.rfind(':') + 1));
      }
      if (Exited()) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  }

  // Sends `sig` and waits for the process to end; its exit code (-1: killed by a signal).
  int Stop(int sig = SIGTERM) {
    if (!exit_code_) kill(pid_, sig);
    return Wait();
  }
  int Wait() {
    if (!exit_code_) {
      int status = 0;
      waitpid(pid_, &status, 0);
      Collect(status);
    }
    return *exit_code_;
  }
  // SIGKILL, as a crash would end it: no handler runs, nothing is flushed or closed. True when
  // this SIGKILL ended the process; false when it had already ended by itself (a crash of its
  // own, or an exit), which `exit_code()` and `Err()` then tell.
  bool Kill() {
    if (exit_code_) return false;
    kill(pid_, SIGKILL);
    Wait();
    return term_signal_ == SIGKILL;
  }
  // The exit code once ended (-1: ended by a signal), else nullopt.
  std::optional<int> exit_code() const { return exit_code_; }
  pid_t pid() const { return pid_; }

  std::string Out() const { return Read(out_); }
  std::string Err() const { return Read(err_); }

 private:
  bool Exited() {
    int status = 0;
    if (exit_code_) return true;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      Collect(status);
      return true;
    }
    return false;
  }
  void Collect(int status) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    term_signal_ = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  static std::string Read(const std::string& path) {
    std::stringstream s;
    s << std::ifstream(path).rdbuf();
    return s.str();
  }

  std::string out_, err_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  int term_signal_ = 0;  // the signal that ended the process, 0 when it exited
};

}  // namespace kasane::tools::testing
