// Every `kasane` command's --help, discovered by walking the command tree the binary itself
// prints (the "Subcommands:" section of `kasane --help`, then of `kasane <sub> --help`, ...), so
// that commands added later are checked without being listed here:
//   - every command's help exits 0 and names its usage;
//   - every leaf command (and every group) ends with an "Examples:" section of `kasane ...` lines;
//   - every command that takes --data shows its default, ./data.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/tools/shell.h"

namespace kasane::tools {
namespace {

using testing::kKasane;
using testing::Outcome;
using testing::Sh;

// The subcommand names a help text lists: the lines indented by exactly two spaces (a
// description that does not fit continues on a line indented further) in "Subcommands:" or any
// other section that is not about options, positionals or examples (CLI11 titles a subcommand
// group set with ->group("Admin") "Admin:").
std::vector<std::string> Subcommands(const std::string& help) {
  static const std::regex kSection(R"(^([A-Z][^:]*):$)");
  static const std::regex kEntry(R"(^  ([a-z][a-z0-9-]*)( .*)?$)");
  std::vector<std::string> names;
  std::istringstream lines(help);
  std::string line, section;
  std::smatch m;
  while (std::getline(lines, line)) {
    if (std::regex_match(line, m, kSection)) {
      section = m[1];
      continue;
    }
    if (line.empty() || section.empty() || section == "Options" || section == "Positionals" ||
        section == "Examples") {
      continue;
    }
    if (std::regex_match(line, m, kEntry) && m[1] != "kasane") names.push_back(m[1]);
  }
  return names;
}

// The help text before the "Examples:" section, and the section itself ("" if absent).
std::pair<std::string, std::string> SplitExamples(const std::string& help) {
  size_t at = help.find("\nExamples:\n");
  if (at == std::string::npos) return {help, ""};
  return {help.substr(0, at), help.substr(at + 1)};
}

struct Command {
  std::string path;  // "log append"
  std::string help;
  bool leaf = true;
};

// Walks the tree from `kasane --help`, depth first.
std::vector<Command> WalkCommandTree() {
  std::vector<Command> out;
  std::vector<std::string> todo = {""};
  std::set<std::string> seen;
  while (!todo.empty()) {
    std::string path = todo.back();
    todo.pop_back();
    if (!seen.insert(path).second) continue;
    Outcome r = Sh(kKasane + (path.empty() ? "" : " " + path) + " --help");
    EXPECT_EQ(r.exit_code, 0) << "kasane " << path << " --help\n" << r.err;
    EXPECT_EQ(r.err, "") << "kasane " << path << " --help";
    Command c{path, r.out};
    for (const std::string& sub : Subcommands(r.out)) {
      c.leaf = false;
      todo.push_back(path.empty() ? sub : path + " " + sub);
    }
    out.push_back(std::move(c));
  }
  return out;
}

class HelpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { commands_ = new std::vector<Command>(WalkCommandTree()); }
  static void TearDownTestSuite() {
    delete commands_;
    commands_ = nullptr;
  }
  static std::vector<Command>* commands_;
};
std::vector<Command>* HelpTest::commands_ = nullptr;

TEST_F(HelpTest, TheWalkFindsTheKnownCommands) {
  std::set<std::string> paths;
  for (const Command& c : *commands_) paths.insert(c.path);
  // A sample, so that a broken parser (which would find nothing) cannot pass the tests below.
  for (const char* known : {"log", "log append", "log read", "verify", "audit-bundle",
                            "verify-bundle", "erase", "backup", "restore", "bench append",
                            "rebuild", "projections status", "token issue", "openapi"}) {
    EXPECT_TRUE(paths.count(known)) << known << " not found by walking --help";
  }
  EXPECT_GT(paths.size(), 20u);
}

TEST_F(HelpTest, EveryCommandHasExamples) {
  for (const Command& c : *commands_) {
    if (c.path.empty()) continue;  // `kasane --help` itself lists the commands
    auto [body, examples] = SplitExamples(c.help);
    EXPECT_FALSE(examples.empty()) << "`kasane " << c.path
                                   << " --help` has no \"Examples:\" section (CLI11 footer; "
                                      "see SetExamples in tools/cli.h)\n"
                                   << c.help;
    if (examples.empty()) continue;
    // At least one example runs the command itself.
    EXPECT_NE(examples.find("kasane " + c.path), std::string::npos)
        << "the examples of `kasane " << c.path << "` never run it:\n"
        << examples;
    EXPECT_NE(body.find("Usage:"), std::string::npos) << c.help;
  }
}

TEST_F(HelpTest, EveryDataFlagDefaultsToDotSlashData) {
  // An option line: indented, then --data (possibly after a short name).
  const std::regex data_option(R"(^\s+(-\w, )?--data\b.*)");
  int with_data = 0;
  for (const Command& c : *commands_) {
    auto [options, examples] = SplitExamples(c.help);
    std::istringstream lines(options);
    std::string line;
    while (std::getline(lines, line)) {
      if (!std::regex_match(line, data_option)) continue;
      ++with_data;
      EXPECT_TRUE(line.find("=./data") != std::string::npos ||
                  line.find("[./data]") != std::string::npos)
          << "`kasane " << c.path << "`: --data must default to ./data (AddDataFlags): " << line;
    }
  }
  EXPECT_GT(with_data, 10);  // log *, verify, erase, backup, restore, rebuild, token *, ...
}

}  // namespace
}  // namespace kasane::tools
