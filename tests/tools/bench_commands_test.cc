// `kasane bench append|rebuild|http`: their bad input, refused before anything runs (the
// benchmarks themselves take minutes; tests/tools/cli_test.cc and projection_commands_test.cc
// make one tiny run of `bench append` and `bench rebuild`, tests/api the HTTP benchmark's).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/eventstore/test_util.h"
#include "tests/tools/shell.h"

namespace kasane::tools {
namespace {

using eventstore::testing::TempDir;
using testing::kKasane;
using testing::Outcome;
using testing::Sh;

struct Case {
  std::string args;
  std::string message;
};

void ExpectRefused(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    Outcome r = Sh(kKasane + " " + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
}

TEST(BenchCommandsTest, BenchAloneListsTheBenchmarks) {
  ExpectRefused({
      {"bench", "kasane bench: a command is required (one of: append, "},
      {"bench disk", "kasane bench: unknown command 'disk'"},
  });
  Outcome help = Sh(kKasane + " bench --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* name : {"append", "rebuild", "http"}) {
    EXPECT_NE(help.out.find("  " + std::string(name) + " "), std::string::npos) << help.out;
  }
}

TEST(BenchCommandsTest, BenchAppendRefusesBadSizesBeforeRunning) {
  TempDir tmp;
  const std::string bench = "bench append --tmp '" + tmp.path() + "' ";
  ExpectRefused({
      {bench + "--rounds 0", "--rounds: Value 0 not in range 1 to 100"},
      {bench + "--rounds many", "--rounds"},
      {bench + "--seconds 0", "--seconds: Value 0 not in range"},
      {bench + "--seconds -1", "--seconds"},
      {bench + "--payload-bytes 0", "--payload-bytes: Value 0 not in range"},
      {bench + "--payload-bytes 100000000", "--payload-bytes"},
      {bench + "--only append_c1,append_c2", "--only: unknown mode 'append_c2'"},
      {bench + "--json --csv", "--csv"},
      {"bench append --tmp '" + tmp.Sub("nowhere") + "'", "Directory does not exist"},
  });
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));
}

TEST(BenchCommandsTest, BenchHttpRefusesBadSizesBeforeRunning) {
  TempDir tmp;
  const std::string bench = "bench http --tmp '" + tmp.path() + "' ";
  ExpectRefused({
      {bench + "--seconds 0", "--seconds: Value 0 not in range"},
      {bench + "--warmup -1", "--warmup"},
      {bench + "--rounds 0", "--rounds: Value 0 not in range"},
      {bench + "--server-threads 8", "--server-threads: Value 8 not in range 33 to"},
      {bench + "--connections 8", "--connections"},
      {"bench http --tmp '" + tmp.Sub("nowhere") + "'", "Directory does not exist"},
  });
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));
}

}  // namespace
}  // namespace kasane::tools
