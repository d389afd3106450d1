// `kasane token issue|revoke|list`: the bearer tokens of the HTTP API (api/tokens.h,
// docs/api.md "Authentication: bearer tokens"). The token text is printed once, by `issue`, and
// never again: `list` shows ids, principals and labels, never a token or its hash.
//
// The data folder is locked by whoever has it open: run these while the server is stopped.
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include "api/tokens.h"
#include "domain/enum_names.h"
#include "domain/kinds.h"
#include "domain/vocabulary.h"
#include "tools/cli.h"

namespace kasane::tools {
namespace {

using api::TokenInfo;
using api::TokenStore;

struct IssueFlags {
  std::string staff;
  std::string agency;
  std::string role;
  std::string label;
  std::vector<std::string> app_cases;
  std::vector<std::string> app_kinds;
  bool app_content = false;
  bool json = false;
};

std::string KnownRoles() {
  std::string out;
  for (const auto& [role, name] : domain::EnumTraits<domain::Role>::kNames) {
    out += (out.empty() ? "" : ", ") + std::string(name);
  }
  return out;
}

// The principal the flags describe; kInvalidArgument (with the flag to fix) when they do not
// describe a valid one.
Result<domain::Principal> PrincipalFromFlags(const IssueFlags& f) {
  domain::Principal p;
  auto role = domain::ParseEnum<domain::Role>(f.role);
  if (!role.ok()) {
    return InvalidArgument("unknown role '" + f.role + "' (known: " + KnownRoles() + ")");
  }
  p.role = *role;
  p.agency = domain::AgencyId(f.agency);
  p.staff = domain::StaffId(f.staff);
  const bool any_app_flag = !f.app_cases.empty() || !f.app_kinds.empty() || f.app_content;
  if (p.role == domain::Role::kApp) {
    if (!f.staff.empty()) {
      return InvalidArgument("an app token has no --staff (name the app with --label)");
    }
    if (f.app_kinds.empty()) {
      return InvalidArgument(
          "an app token needs a scope: --app-kinds k1,k2 (and optionally --app-case C ..., "
          "--app-content)");
    }
    domain::AppScope scope;
    for (const std::string& c : f.app_cases) scope.cases.insert(domain::CaseId(c));
    for (const std::string& k : f.app_kinds) {
      KASANE_ASSIGN_OR_RETURN(domain::InformationKind kind, domain::ParseKind(k));
      scope.kinds.Insert(kind);
    }
    scope.content = f.app_content;
    p.app_scope = std::move(scope);
  } else {
    if (any_app_flag) {
      return InvalidArgument("--app-case, --app-kinds and --app-content apply only to --role app");
    }
    if (f.staff.empty()) {
      return InvalidArgument("a " + f.role + " token needs --staff (the staff member's id)");
    }
  }
  KASANE_RETURN_IF_ERROR(api::ValidateTokenPrincipal(p));
  return p;
}

// RFC 3339 in UTC, to the second.
std::string FormatTime(UnixNanos t) {
  std::time_t secs = static_cast<std::time_t>(t / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// One line of `token list`.
std::string Line(const TokenInfo& t) {
  const domain::Principal& p = t.principal;
  std::string out = t.id + "  " + std::string(domain::EnumName(p.role));
  if (!p.staff.empty()) out += "  staff=" + p.staff.value;
  out += "  agency=" + p.agency.value;
  if (p.app_scope) {
    out += "  kinds=" + p.app_scope->kinds.ToString();
    std::string cases;
    for (const domain::CaseId& c : p.app_scope->cases)
      cases += (cases.empty() ? "" : ",") + c.value;
    out += "  cases=" + (cases.empty() ? std::string("all") : cases);
    out += p.app_scope->content ? "  content" : "  metadata-only";
  }
  out += "  issued=" + FormatTime(t.issued_at);
  out += t.revoked ? "  revoked=" + FormatTime(t.revoked_at) : std::string("  active");
  if (!t.label.empty()) out += "  label=" + nlohmann::json(t.label).dump();
  return out;
}

void AddIssue(CLI::App& token, CliContext& ctx) {
  auto* cmd = token.add_subcommand(
      "issue", "issue a bearer token bound to a principal; prints the token once");
  auto data = std::make_shared<DataFlags>();
  auto f = std::make_shared<IssueFlags>();
  AddDataFlags(cmd, *data);
  cmd->add_option("--staff", f->staff, "the staff member's id (every role but app)");
  cmd->add_option("--agency", f->agency, "the agency's id")->required();
  cmd->add_option("--role", f->role, "caseworker, coordinator, secretariat, auditor or app")
      ->required();
  cmd->add_option("--label", f->label,
                  "a note naming the device or app (never personal content; at most 200 bytes)");
  cmd->add_option("--app-case", f->app_cases,
                  "app scope: a case the app may see (repeatable; default: every case)");
  cmd->add_option("--app-kinds", f->app_kinds,
                  "app scope: the kinds of information it may see, comma-separated")
      ->delimiter(',');
  cmd->add_flag("--app-content", f->app_content,
                "app scope: the content itself (default: metadata only)");
  cmd->add_flag("--json", f->json, "print {id, token, principal, label, issued_at} as JSON");
  SetExamples(cmd, {"# stop the server first (the data folder is locked while it runs)",
                    "kasane token issue --data ./data --staff st-0001 --agency ag-city "
                    "--role caseworker --label 'front desk tablet'",
                    "kasane token issue --data ./data --agency ag-stats --role app \\",
                    "    --app-kinds health,care --app-case c-0042 --label 'statistics app'"});
  cmd->callback([&ctx, data, f] {
    auto principal = PrincipalFromFlags(*f);
    if (!principal.ok()) return Fail(ctx, principal.status());
    auto log = OpenLog(ctx, *data, true);
    if (!log.ok()) return Fail(ctx, log.status());
    auto store = TokenStore::Open(**log);
    if (!store.ok()) return Fail(ctx, store.status());
    auto issued = (*store)->Issue(*principal, f->label, ctx.clock->Now());
    if (!issued.ok()) return Fail(ctx, issued.status());
    if (f->json) {
      std::cout << nlohmann::json{{"id", issued->info.id},
                                  {"token", issued->token},
                                  {"principal", api::PrincipalJson(issued->info.principal)},
                                  {"label", issued->info.label},
                                  {"issued_at", issued->info.issued_at}}
                       .dump()
                << "\n";
    } else {
      std::cout << issued->token << "\n";
    }
    std::cerr << "kasane: token " << issued->info.id << " issued ("
              << domain::EnumName(issued->info.principal.role)
              << "); it is shown only now: keep it secret, revoke it with `kasane token revoke "
              << issued->info.id << "`\n";
  });
}

void AddRevoke(CLI::App& token, CliContext& ctx) {
  auto* cmd = token.add_subcommand("revoke", "revoke a token (by its id); idempotent");
  auto data = std::make_shared<DataFlags>();
  auto id = std::make_shared<std::string>();
  AddDataFlags(cmd, *data);
  cmd->add_option("id", *id, "the token's id (12 hex digits, as `token list` shows)")->required();
  SetExamples(cmd, {"kasane token revoke --data ./data 3f9a0c12b7e4"});
  cmd->callback([&ctx, data, id] {
    auto log = OpenLog(ctx, *data, false);
    if (!log.ok()) return Fail(ctx, log.status());
    auto store = TokenStore::Open(**log);
    if (!store.ok()) return Fail(ctx, store.status());
    std::optional<TokenInfo> before = (*store)->Find(*id);
    if (!before) return Fail(ctx, NotFound("no token has id '" + *id + "'"));
    Status s = (*store)->Revoke(*id, ctx.clock->Now());
    if (!s.ok()) return Fail(ctx, s);
    std::optional<TokenInfo> after = (*store)->Find(*id);
    std::cout << nlohmann::json{{"id", *id},
                                {"revoked_at", after ? after->revoked_at : 0},
                                {"already_revoked", before->revoked}}
                     .dump()
              << "\n";
  });
}

void AddList(CLI::App& token, CliContext& ctx) {
  auto* cmd = token.add_subcommand("list", "list tokens (ids, principals, labels; never secrets)");
  auto data = std::make_shared<DataFlags>();
  auto json = std::make_shared<bool>(false);
  AddDataFlags(cmd, *data);
  cmd->add_flag("--json", *json, "print a JSON array");
  SetExamples(cmd, {"kasane token list --data ./data", "kasane token list --data ./data --json"});
  cmd->callback([&ctx, data, json] {
    auto log = OpenLog(ctx, *data, false);
    if (!log.ok()) return Fail(ctx, log.status());
    auto store = TokenStore::Open(**log);
    if (!store.ok()) return Fail(ctx, store.status());
    std::vector<TokenInfo> tokens = (*store)->List();
    if (*json) {
      nlohmann::json out = nlohmann::json::array();
      for (const TokenInfo& t : tokens) out.push_back(api::TokenInfoJson(t));
      std::cout << out.dump() << "\n";
      return;
    }
    for (const TokenInfo& t : tokens) std::cout << Line(t) << "\n";
    if (tokens.empty()) std::cerr << "kasane: no tokens\n";
  });
}

}  // namespace

void AddTokenCommands(CLI::App& app, CliContext& ctx) {
  auto* token = app.add_subcommand("token", "bearer tokens of the HTTP API: issue, revoke, list");
  token->require_subcommand(1);
  SetExamples(token, {"kasane token list --data ./data"});
  AddIssue(*token, ctx);
  AddRevoke(*token, ctx);
  AddList(*token, ctx);
}

}  // namespace kasane::tools
