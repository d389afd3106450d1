// Runs the real `kasane` binary (or any command) from a test, as a user would from a shell.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "eventstore/event_log.h"
#include "tests/eventstore/test_util.h"

namespace kasane::tools::testing {

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `command` through /bin/sh with `input` on stdin; captures stdout and stderr.
inline Outcome Sh(const std::string& command, const std::string& input = "") {
  eventstore::testing::TempDir io;
  std::string in = io.Sub("in"), out = io.Sub("out"), err = io.Sub("err");
  std::ofstream(in) << input;
  std::string full = command + " < '" + in + "' > '" + out + "' 2> '" + err + "'";
  int status = std::system(full.c_str());
  Outcome r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::stringstream so, se;
  so << std::ifstream(out).rdbuf();
  se << std::ifstream(err).rdbuf();
  r.out = so.str();
  r.err = se.str();
  return r;
}

// The log of an existing data folder `dir`, opened after the binary exited (never created);
// null, with a test failure, when it cannot be opened.
inline std::unique_ptr<eventstore::EventLog> OpenExistingLog(const std::string& dir) {
  eventstore::EventLogOptions options;
  options.dir = dir;
  options.create_if_missing = false;
  auto log = eventstore::EventLog::Open(options);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(log).value() : nullptr;
}

// The binary under test.
inline const std::string kKasane = std::string(KASANE_BINARY_DIR) + "/tools/kasane";

}  // namespace kasane::tools::testing
