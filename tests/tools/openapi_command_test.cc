// `kasane openapi`: the document on stdout or in --out FILE (the same text), and its bad input.
// (tests/api/openapi_test.cc checks the document itself against the committed api/openapi.json.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/eventstore/test_util.h"
#include "tests/tools/shell.h"

namespace kasane::tools {
namespace {

using eventstore::testing::TempDir;
using testing::kKasane;
using testing::Outcome;
using testing::Sh;

TEST(OpenApiCommandTest, PrintsTheDocumentOrWritesItToAFile) {
  TempDir tmp;
  Outcome printed = Sh(kKasane + " openapi");
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_EQ(printed.err, "");
  auto doc = nlohmann::json::parse(printed.out);
  EXPECT_EQ(doc["openapi"].get<std::string>().rfind("3.1", 0), 0u) << doc["openapi"];
  EXPECT_TRUE(doc.contains("paths"));
  EXPECT_EQ(printed.out.back(), '\n');

  const std::string file = tmp.Sub("openapi.json");
  Outcome written = Sh(kKasane + " openapi --out '" + file + "'");
  ASSERT_EQ(written.exit_code, 0) << written.err;
  EXPECT_EQ(written.out, "");
  EXPECT_NE(written.err.find("openapi: wrote " + file), std::string::npos) << written.err;
  std::stringstream text;
  text << std::ifstream(file).rdbuf();
  EXPECT_EQ(text.str(), printed.out);
}

TEST(OpenApiCommandTest, BadInputExitsTwoAndWritesNothing) {
  TempDir tmp;
  struct Case {
    std::string args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"openapi --out '" + tmp.Sub("no/such/dir/openapi.json") + "'", "could not write"},
      {"openapi --out '" + tmp.path() + "'", "could not write"},  // a folder
      {"openapi --out", "--out"},
      {"openapi --yaml", "--yaml"},
      {"openapi extra", "extra"},
  };
  for (const Case& c : cases) {
    Outcome r = Sh(kKasane + " " + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));
}

}  // namespace
}  // namespace kasane::tools
