// `kasane demo --data DIR`: a data folder to explore the API with (docs/import.md, "The demo").
//
//   1. imports the embedded dataset tools/demo/demo.jsonl (the three worked examples of
//      DOMAIN.md in the fictional Kasane City) through the importer (tools/importer.h);
//   2. issues one bearer token per tour principal (kDemoPrincipals: the secretariat, the
//      coordinator, caseworkers at several agencies, the auditor, an app) with api::TokenStore
//      and writes them to DIR/demo-tokens.env (mode 0600; `export KASANE_TOKEN_<NAME>=ksn_...`);
//   3. prints where the data is, each token's variable (with its principal and public token
//      id, never the token text) and curl commands for 127.0.0.1:8080.
//
// Idempotent: a second run imports nothing (every line replays) and issues no token when
// DIR/demo-tokens.env names every tour principal with a token that still authenticates as that
// principal; a missing or revoked one is issued again and the file rewritten. The data folder is
// locked while a server runs: stop `kasane serve` first.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "api/tokens.h"
#include "domain/enum_names.h"
#include "tools/cli.h"
#include "tools/importer.h"

namespace kasane::tools {
namespace {

#include "tools/demo_dataset.inc"

struct DemoPrincipal {
  const char* name;  // KASANE_TOKEN_<name>
  const char* staff;
  const char* agency;
  domain::Role role;
  const char* who;  // printed beside the variable
};

// The tour's principals (the dataset's directory, tools/demo/demo.jsonl).
constexpr DemoPrincipal kDemoPrincipals[] = {
    {"SEC", "st-sec", "ag-fukushi", domain::Role::kSecretariat,
     "secretariat (事務局), welfare policy division"},
    {"COORD", "st-coord", "ag-takikan", domain::Role::kCoordinator,
     "coordinator (多機関協働), social welfare council"},
    {"CM", "st-cm", "ag-kyotaku", domain::Role::kCaseworker,
     "care manager (ケアマネジャー), intake of c-8050"},
    {"HELPER", "st-helper", "ag-homehelp", domain::Role::kCaseworker,
     "home helper (訪問介護), c-8050"},
    {"MSW", "st-msw", "ag-hospital", domain::Role::kCaseworker,
     "hospital social worker (MSW), c-8050 and late member of the 支援会議"},
    {"TEACHER", "st-teacher", "ag-school", domain::Role::kCaseworker,
     "teacher (中学校), intake of c-yonin"},
    {"TAX", "st-tax", "ag-tax", domain::Role::kCaseworker,
     "tax division (税務課), member of the 支援会議 of c-shienkaigi"},
    {"AUDIT", "st-audit", "ag-audit", domain::Role::kAuditor, "auditor (監査), metadata only"},
    {"APP", "", "ag-fukushi", domain::Role::kApp,
     "app: a plan dashboard (kinds plan, care; metadata only)"},
};

constexpr char kTokensFile[] = "demo-tokens.env";

domain::Principal PrincipalOf(const DemoPrincipal& d) {
  domain::Principal p;
  p.staff = domain::StaffId(d.staff);
  p.agency = domain::AgencyId(d.agency);
  p.role = d.role;
  if (d.role == domain::Role::kApp) {
    domain::AppScope scope;
    scope.kinds.Insert(domain::InformationKind::kPlan);
    scope.kinds.Insert(domain::InformationKind::kCare);
    scope.content = false;
    p.app_scope = std::move(scope);
  }
  return p;
}

// The tokens named in an existing demo-tokens.env: NAME -> token text.
std::map<std::string, std::string> ReadTokensFile(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  const std::string prefix = "export KASANE_TOKEN_";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    out[line.substr(prefix.size(), eq - prefix.size())] = line.substr(eq + 1);
  }
  return out;
}

// Writes `text` to `path` with mode 0600 (a temporary file renamed over it).
Status WritePrivateFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot create " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return IoError("cannot write " + tmp + ": " + why);
    }
    done += static_cast<size_t>(n);
  }
  if (::fchmod(fd, 0600) != 0 || ::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return IoError("cannot write " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return IoError("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

// A shell-quoted path (single quotes) when it needs quoting.
std::string ShellPath(const std::string& p) {
  bool plain = !p.empty();
  for (char c : p) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '_' ||
          c == '-')) {
      plain = false;
    }
  }
  if (plain) return p;
  std::string out = "'";
  for (char c : p) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void AddDemo(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand(
      "demo", "create a demo data folder: the worked examples of DOMAIN.md and one token per role");
  auto data = std::make_shared<DataFlags>();
  AddDataFlags(cmd, *data);
  cmd->footer(
      "Imports the embedded demo dataset (three cases: c-8050, c-yonin, c-shienkaigi, in the\n"
      "fictional Kasane City), issues a token per role into DIR/demo-tokens.env (mode 0600) and\n"
      "prints curl commands. Running it again changes nothing. Stop the server first.\n"
      "Examples:\n"
      "  kasane demo --data ./data && kasane serve --data ./data\n"
      "  source ./data/demo-tokens.env\n"
      "  curl -s -H \"Authorization: Bearer $KASANE_TOKEN_CM\" "
      "http://127.0.0.1:8080/v1/cases/c-8050/timeline");
  cmd->callback([&ctx, data] {
    auto server = OpenForImport(ctx, *data);
    if (!server.ok()) return Fail(ctx, server.status());
    std::istringstream dataset{std::string(kDemoDataset)};
    ImportOptions options;
    options.clock = ctx.clock;
    options.progress = &std::cerr;
    auto total = CheckCommandLines(dataset);
    if (!total.ok()) return Fail(ctx, total.status());  // the embedded dataset is malformed
    options.total = *total;
    options.label = "demo";
    auto summary = ImportJsonLines(**server, dataset, options);
    if (!summary.ok()) return Fail(ctx, summary.status());
    if (summary->stop) {
      std::cerr << "kasane: demo: the dataset did not import: " << summary->stop->message
                << " (a folder made by another version of the demo, or other data with the "
                   "demo's ids? use a new --data folder)\n";
      ctx.exit_code = 2;
      return;
    }

    // Tokens: keep those of an existing file that still authenticate as their principal.
    api::TokenStore& tokens = (*server)->tokens();
    const std::string file = (std::filesystem::path(data->dir) / kTokensFile).string();
    std::map<std::string, std::string> known = ReadTokensFile(file);
    std::map<std::string, std::string> use;
    std::map<std::string, std::string> ids;
    bool changed = !std::filesystem::exists(file);
    int issued_count = 0;
    for (const DemoPrincipal& d : kDemoPrincipals) {
      const domain::Principal want = PrincipalOf(d);
      if (auto it = known.find(d.name); it != known.end()) {
        std::optional<api::TokenInfo> who = tokens.Authenticate(it->second);
        if (who && who->principal == want) {
          use[d.name] = it->second;
          ids[d.name] = who->id;
          continue;
        }
      }
      auto issued = tokens.Issue(want, std::string("kasane demo: ") + d.name, ctx.clock->Now());
      if (!issued.ok()) return Fail(ctx, issued.status());
      use[d.name] = issued->token;
      ids[d.name] = issued->info.id;
      changed = true;
      ++issued_count;
    }
    if (changed) {
      std::string text =
          "# kasane demo tokens (bearer tokens of the HTTP API; keep this file private).\n"
          "# Load them with: source " +
          file + "\n";
      for (const DemoPrincipal& d : kDemoPrincipals) {
        text += "# " + std::string(d.name) + ": " +
                (d.staff[0] != '\0' ? std::string(d.staff) + " " : std::string()) + "(" +
                std::string(domain::EnumName(d.role)) + ", " + d.agency + ") " + d.who + "\n";
        text += "export KASANE_TOKEN_" + std::string(d.name) + "=" + use[d.name] + "\n";
      }
      Status written = WritePrivateFile(file, text);
      if (!written.ok()) return Fail(ctx, written);
    }
    std::cerr << "kasane: demo: "
              << (issued_count == 0 ? std::string("no token issued (")
                                    : std::to_string(issued_count) + " token(s) issued (")
              << file << ")\n";

    // What to do next.
    const std::string dir = ShellPath(data->dir);
    const std::string env = ShellPath(file);
    std::ostream& out = std::cout;
    out << "The demo data is in " << data->dir
        << ": three cases of the fictional Kasane City (かさね市):\n"
           "  c-8050        the 8050 household (father 79, son 51, withdrawn)\n"
           "  c-yonin       the four-person household (daughter 14 stopped going to school)\n"
           "  c-shienkaigi  a 支援会議 about a resident who refuses contact (a tax disclosure "
           "refused)\n\n"
           "Tokens (in "
        << file << ", mode 0600):\n";
    for (const DemoPrincipal& d : kDemoPrincipals) {
      std::string var = "$KASANE_TOKEN_" + std::string(d.name);
      out << "  " << var << std::string(var.size() < 22 ? 22 - var.size() : 1, ' ')
          << (d.staff[0] != '\0' ? std::string(d.staff) + ", " : std::string())
          << domain::EnumName(d.role) << " at " << d.agency << " (token id " << ids[d.name]
          << "): " << d.who << "\n";
    }
    const std::string base = "http://127.0.0.1:8080";
    auto curl = [&](const char* var, const std::string& path) {
      return "  curl -s -H \"Authorization: Bearer $KASANE_TOKEN_" + std::string(var) + "\" " +
             base + path + "\n";
    };
    out << "\nStart the server, then in another shell:\n"
        << "  kasane serve --data " << dir << "\n"
        << "  source " << env << "\n\n"
        << "The same case, seen by different staff (守秘義務: each sees what the policy grants):\n"
        << curl("CM", "/v1/cases/c-8050/timeline") << curl("HELPER", "/v1/cases/c-8050/timeline")
        << curl("COORD", "/v1/cases/c-yonin/timeline")
        << "The case view (ケースの現況; the intake agency sees its structure):\n"
        << curl("CM", "/v1/cases/c-8050")
        << "The refused tax disclosure and the late member of the 支援会議:\n"
        << curl("TAX", "/v1/cases/c-shienkaigi/timeline")
        << curl("MSW", "/v1/cases/c-shienkaigi/timeline")
        << "Registers, access records (閲覧記録), statistics:\n"
        << curl("TEACHER", "/v1/persons/p-yonin-daughter/consents")
        << curl("SEC", "/v1/persons/p-yonin-son/disclosures")
        << curl("AUDIT", "/v1/cases/c-8050/accesses") << curl("APP", "/v1/statistics");
  });
}

}  // namespace

void AddDemoCommand(CLI::App& app, CliContext& ctx) { AddDemo(app, ctx); }

}  // namespace kasane::tools
