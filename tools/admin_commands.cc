// Administration of the directory (機関・職員名簿): `kasane init`, `kasane agency add`,
// `kasane staff add`, `kasane staff deactivate` (docs/operations.md).
//
// Every change is an admin event (agency.registered, staff.registered, staff.deactivated)
// recorded through the API's own command path, in process: api::ApiServer::Open (no listening)
// and ApiServer::Call as the acting staff member. So the CLI cannot record what the API would
// refuse: the same body checks, the same rule (domain::DecideAdmin: only active secretariat staff
// maintain the directory, except while none exists: the bootstrap `init` uses), the same
// idempotency by event id, and a refusal recorded as the API records it (`command.refused` in the
// stream `refusals`).
//
// The acting principal (`--as STAFF`) is read from the directory the command service decides with
// (ApiServer::cases().Directory(), the admin stream folded by domain::EvolveDirectory); its role
// is secretariat when the staff member holds it. Without --as: the only active secretariat staff
// member, when exactly one exists.
//
// Exit codes: 0 recorded (or an idempotent retry of a recorded event); 1 refused by a rule (403
// `role`/`actor`, 422 `immutable`/`state`, recorded in `refusals`) or the acting staff member is
// deactivated (401); 2 bad input (malformed flags, an unknown agency kind, role, agency or staff,
// a malformed body: nothing written) or an error.
//
// Output: one JSON line on stdout, {"eventId", "position", "replayed"} (init: both events and the
// token); ids and positions only, never a name. The data folder is locked by whoever has it open:
// run these while the server is stopped.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "api/case_store.h"
#include "api/server.h"
#include "api/tokens.h"
#include "domain/enum_names.h"
#include "domain/ids.h"
#include "domain/vocabulary.h"
#include "tools/cli.h"

namespace kasane::tools {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// "a, b, c": the accepted identifiers of an enumeration.
template <typename E>
std::string Known(bool (*keep)(E) = nullptr) {
  std::string out;
  for (const auto& [value, name] : domain::EnumTraits<E>::kNames) {
    if (keep != nullptr && !keep(value)) continue;
    out += (out.empty() ? "" : ", ") + std::string(name);
  }
  return out;
}

bool IsStaffRole(domain::Role r) { return r != domain::Role::kApp; }

// Parses every value of `values` as an E; InvalidArgument naming `flag` and the accepted values.
template <typename E>
Result<std::vector<std::string>> CheckEnums(const std::string& flag,
                                            const std::vector<std::string>& values,
                                            bool (*keep)(E) = nullptr) {
  for (const std::string& v : values) {
    auto parsed = domain::ParseEnum<E>(v);
    if (!parsed.ok() || (keep != nullptr && !keep(*parsed))) {
      return InvalidArgument(flag + ": unknown " + std::string(domain::EnumTraits<E>::kWhat) +
                             " '" + v + "' (accepted: " + Known<E>(keep) + ")");
    }
  }
  return values;
}

// The agency.registered body's fields, checked.
struct AgencyFlags {
  std::string id;
  std::string name;
  std::string kind;
  std::vector<std::string> fields;
  std::vector<std::string> programme_parts;
};

void AddAgencyOptions(CLI::App* cmd, AgencyFlags& f, const std::string& prefix) {
  const std::string p = prefix.empty() ? "--" : "--" + prefix + "-";
  cmd->add_option(prefix.empty() ? "--id" : "--" + prefix, f.id,
                  "the agency's id (1-64 of A-Z a-z 0-9 . _ -; never personal)")
      ->required();
  cmd->add_option(p + "name", f.name, "the agency's name (an organisation's name, not personal)")
      ->required();
  cmd->add_option(p + "kind", f.kind,
                  "the kind of agency (accepted: " + Known<domain::AgencyKind>() + ")")
      ->required();
  cmd->add_option(p + "field", f.fields,
                  "a field of support (repeatable; accepted: " + Known<domain::Field>() + ")");
  cmd->add_option(p + "programme-part", f.programme_parts,
                  "a part of the 重層的支援体制 programme it serves (repeatable; accepted: " +
                      Known<domain::ProgrammePart>() + ")");
}

// The agency.registered body, or kInvalidArgument naming the flag to fix.
Result<json> AgencyBody(const AgencyFlags& f, const std::string& prefix) {
  const std::string p = prefix.empty() ? "--" : "--" + prefix + "-";
  KASANE_RETURN_IF_ERROR(domain::ValidateId(prefix.empty() ? "--id" : "--" + prefix, f.id));
  if (f.name.empty()) return InvalidArgument(p + "name must not be empty");
  KASANE_RETURN_IF_ERROR(CheckEnums<domain::AgencyKind>(p + "kind", {f.kind}).status());
  KASANE_RETURN_IF_ERROR(CheckEnums<domain::Field>(p + "field", f.fields).status());
  KASANE_RETURN_IF_ERROR(
      CheckEnums<domain::ProgrammePart>(p + "programme-part", f.programme_parts).status());
  return json{{"agency", f.id},
              {"name", f.name},
              {"kind", f.kind},
              {"fields", f.fields},
              {"programmeParts", f.programme_parts}};
}

// The staff.registered body.
Result<json> StaffBody(const std::string& id, const std::string& agency,
                       const std::vector<std::string>& roles) {
  KASANE_RETURN_IF_ERROR(domain::ValidateId("--id", id));
  KASANE_RETURN_IF_ERROR(domain::ValidateId("--agency", agency));
  if (roles.empty()) return InvalidArgument("--role: staff have at least one role");
  KASANE_RETURN_IF_ERROR(CheckEnums<domain::Role>("--role", roles, &IsStaffRole).status());
  std::vector<std::string> unique;
  for (const std::string& r : roles) {
    if (std::find(unique.begin(), unique.end(), r) == unique.end()) unique.push_back(r);
  }
  return json{{"staff", id}, {"agency", agency}, {"roles", unique}};
}

// Adds "eventId" to `body` from --event-id (32 hex digits) when given.
Status WithEventId(json& body, const std::string& event_id) {
  if (event_id.empty()) return Status::Ok();
  auto parsed = domain::EventId::FromHex(event_id);
  if (!parsed.ok() || parsed->IsZero()) {
    return InvalidArgument("--event-id must be 32 hex digits (not all zero)");
  }
  body["eventId"] = parsed->ToHex();
  return Status::Ok();
}

// Opens the data folder for in-process calls (no listening).
Result<std::unique_ptr<api::ApiServer>> OpenServer(const CliContext& ctx, const DataFlags& data) {
  api::ServerOptions options;
  options.data_dir = data.dir;
  options.origin = data.origin;
  KASANE_ASSIGN_OR_RETURN(options.master_key, ResolveMasterKey(data.master_key_file));
  options.clock = ctx.clock;
  options.threads = 1;
  auto server = api::ApiServer::Open(options);
  if (options.master_key) options.master_key->fill(0);
  return server;
}

// The acting principal: --as, else the only active secretariat staff member.
Result<domain::Principal> ResolvePrincipal(api::ApiServer& server, const std::string& as) {
  KASANE_ASSIGN_OR_RETURN(auto snapshot, server.cases().Directory());
  const domain::Directory& dir = snapshot->directory;
  const domain::StaffInfo* staff = nullptr;
  if (as.empty()) {
    std::vector<const domain::StaffInfo*> secretariat;
    for (const auto& [id, info] : dir.staff) {
      if (info.active && info.roles.contains(domain::Role::kSecretariat)) {
        secretariat.push_back(&info);
      }
    }
    if (secretariat.empty()) {
      return InvalidArgument(
          "no active secretariat staff member is registered: initialize the folder with "
          "`kasane init`, or name the acting staff member with --as");
    }
    if (secretariat.size() > 1) {
      std::string ids;
      for (const domain::StaffInfo* s : secretariat) {
        ids += (ids.empty() ? "" : ", ") + s->id.value;
      }
      return InvalidArgument("several active secretariat staff members (" + ids +
                             "): name the acting one with --as");
    }
    staff = secretariat.front();
  } else {
    staff = dir.FindStaff(domain::StaffId(as));
    if (staff == nullptr) return InvalidArgument("--as: no staff member has id '" + as + "'");
  }
  domain::Principal p;
  p.staff = staff->id;
  p.agency = staff->agency;
  p.role = staff->roles.contains(domain::Role::kSecretariat) || staff->roles.empty()
               ? domain::Role::kSecretariat
               : *staff->roles.begin();
  return p;
}

// What a command answered.
struct Answer {
  int exit_code = 0;  // 0 recorded, 1 refused, 2 bad input or error
  json result;        // on success: {eventId, position, replayed}
  std::string message;
};

Answer Post(api::ApiServer& server, const domain::Principal& principal, const std::string& target,
            const json& body) {
  api::LocalRequest request;
  request.channel = "kasane admin";
  request.principal = principal;
  request.method = "POST";
  request.target = target;
  request.body = body.dump();
  api::LocalResponse response = server.Call(request);
  json answer = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  Answer out;
  if (response.status == 200 || response.status == 201) {
    out.result = {{"eventId", answer.value("eventId", "")},
                  {"position", answer.value("position", uint64_t{0})},
                  {"replayed", answer.value("replayed", false)}};
    return out;
  }
  const std::string detail = answer.is_object() ? answer.value("detail", "") : response.body;
  if (answer.is_object() && answer.contains("rule")) {
    out.exit_code = 1;
    out.message = "refused by rule '" + answer["rule"].get<std::string>() + "' (HTTP " +
                  std::to_string(response.status) + "): " + detail +
                  "; the refusal is recorded (stream refusals)";
  } else if (response.status == 401 || response.status == 403) {
    out.exit_code = 1;
    out.message = "refused (HTTP " + std::to_string(response.status) + "): " + detail;
  } else {
    out.exit_code = 2;
    out.message = "not recorded (HTTP " + std::to_string(response.status) + "): " + detail;
  }
  return out;
}

// Prints a command's answer and sets the exit code.
void Report(CliContext& ctx, const std::string& what, const Answer& a) {
  if (a.exit_code == 0) {
    std::cout << a.result.dump() << "\n";
    return;
  }
  std::cerr << "kasane: " << what << ": " << a.message << "\n";
  ctx.exit_code = a.exit_code;
}

// The data folder must already hold a log (these commands never create one).
Status RequireDataFolder(const DataFlags& data) {
  std::error_code ec;
  if (!fs::is_directory(data.dir, ec) || fs::is_empty(data.dir, ec)) {
    return InvalidArgument("no data folder at " + data.dir +
                           " (create one with `kasane init`, or pass --data)");
  }
  return Status::Ok();
}

struct AdminFlags {
  DataFlags data;
  std::string as;
  std::string event_id;
};

void AddAdminFlags(CLI::App* cmd, AdminFlags& f) {
  AddDataFlags(cmd, f.data);
  cmd->add_option("--as", f.as,
                  "the acting staff member (a secretariat); default: the only active secretariat "
                  "staff member");
  cmd->add_option("--event-id", f.event_id,
                  "the event's id (32 hex digits), its idempotency key: a retry with the same id "
                  "and content records nothing new; default: random");
}

// Opens the folder, resolves the principal and posts `body` to `target`.
void RunAdmin(CliContext& ctx, const std::string& what, const AdminFlags& f,
              const std::string& target, json body) {
  if (Status s = WithEventId(body, f.event_id); !s.ok()) return Fail(ctx, s);
  if (Status s = RequireDataFolder(f.data); !s.ok()) return Fail(ctx, s);
  auto server = OpenServer(ctx, f.data);
  if (!server.ok()) return Fail(ctx, server.status());
  auto principal = ResolvePrincipal(**server, f.as);
  if (!principal.ok()) return Fail(ctx, principal.status());
  Report(ctx, what, Post(**server, *principal, target, body));
}

// --- kasane init ---------------------------------------------------------------------------

struct InitFlags {
  DataFlags data;
  AgencyFlags agency;
  std::string staff;
  std::string token_label = "kasane init";
};

// Removes what init created in `dir` (it was missing or empty before).
void Rollback(const std::string& dir, bool existed) {
  std::error_code ec;
  if (existed) {
    for (const auto& entry : fs::directory_iterator(dir, ec)) fs::remove_all(entry.path(), ec);
  } else {
    fs::remove_all(dir, ec);
  }
}

void AddInit(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand(
      "init",
      "create a data folder: the first agency, its secretariat staff member, and their token");
  auto f = std::make_shared<InitFlags>();
  AddDataFlags(cmd, f->data);
  AddAgencyOptions(cmd, f->agency, "agency");
  cmd->add_option("--staff", f->staff,
                  "the first secretariat staff member's id (事務局; never a name)")
      ->required();
  cmd->add_option("--token-label", f->token_label,
                  "a note naming the token's device (never personal; at most 200 bytes)")
      ->capture_default_str();
  cmd->footer(
      "Prints {agency, staff, tokenId, token} as JSON; the token is shown only now.\n"
      "Examples:\n"
      "  kasane init --data ./data --agency city-hall \\\n"
      "      --agency-name 'Example City welfare division' --agency-kind municipal_division \\\n"
      "      --staff sec-1\n"
      "  kasane init --data /var/lib/kasane --agency city --agency-name City \\\n"
      "      --agency-kind municipal_division --staff sec-1 --token-label 'secretariat laptop' \\\n"
      "      | jq -r .token");
  cmd->callback([&ctx, f] {
    auto agency_body = AgencyBody(f->agency, "agency");
    if (!agency_body.ok()) return Fail(ctx, agency_body.status());
    auto staff_body = StaffBody(f->staff, f->agency.id, {"secretariat"});
    if (!staff_body.ok()) return Fail(ctx, staff_body.status());
    if (f->token_label.size() > api::kMaxTokenLabelBytes) {
      return Fail(ctx, InvalidArgument("--token-label: at most 200 bytes"));
    }
    std::error_code ec;
    const bool existed = fs::exists(f->data.dir, ec);
    if (existed) {
      if (!fs::is_directory(f->data.dir, ec)) {
        return Fail(ctx, InvalidArgument(f->data.dir + " exists and is not a folder"));
      }
      if (!fs::is_empty(f->data.dir, ec)) {
        const bool kasane_folder = fs::exists(fs::path(f->data.dir) / "master.key", ec) ||
                                   fs::exists(fs::path(f->data.dir) / "log", ec);
        return Fail(
            ctx,
            InvalidArgument(kasane_folder
                                ? f->data.dir + " is already initialized; nothing was changed (add "
                                                "agencies and staff with `kasane agency add` and "
                                                "`kasane staff add`)"
                                : f->data.dir + " is not empty; init creates a new data folder "
                                                "(nothing was changed)"));
      }
    }
    domain::Principal principal;
    principal.staff = domain::StaffId(f->staff);
    principal.agency = domain::AgencyId(f->agency.id);
    principal.role = domain::Role::kSecretariat;
    json out;
    {
      auto server = OpenServer(ctx, f->data);
      if (!server.ok()) {
        Rollback(f->data.dir, existed);
        return Fail(ctx, server.status());
      }
      // The directory is empty, so DecideAdmin's bootstrap admits the first agency and
      // secretariat (no active secretariat exists yet); from then on only they maintain it.
      Answer agency = Post(**server, principal, "/v1/agencies", *agency_body);
      Answer staff;
      if (agency.exit_code == 0) staff = Post(**server, principal, "/v1/staff", *staff_body);
      const Answer& failed = agency.exit_code != 0 ? agency : staff;
      Result<api::IssuedToken> issued = InvalidArgument("not issued");
      if (failed.exit_code == 0) {
        issued = (*server)->tokens().Issue(principal, f->token_label, ctx.clock->Now());
      }
      if (failed.exit_code != 0 || !issued.ok()) {
        server->reset();
        Rollback(f->data.dir, existed);
        std::cerr << "kasane: init: "
                  << (failed.exit_code != 0 ? failed.message : issued.status().ToString())
                  << "; nothing was kept\n";
        ctx.exit_code = 2;
        return;
      }
      out = {{"agency", agency.result},
             {"staff", staff.result},
             {"tokenId", issued->info.id},
             {"token", issued->token}};
    }
    std::cout << out.dump() << "\n";
    std::cerr << "kasane: initialized " << f->data.dir << ": agency " << f->agency.id
              << ", secretariat " << f->staff << ", token " << out["tokenId"].get<std::string>()
              << " (shown only now: keep it secret). Back up the master key with the folder "
                 "(docs/operations.md).\n";
  });
}

// --- kasane agency / staff -------------------------------------------------------------------

void AddAgency(CLI::App& app, CliContext& ctx) {
  auto* agency = app.add_subcommand("agency", "the directory's support agencies (支援機関)");
  agency->require_subcommand(1);
  SetExamples(agency,
              {"kasane agency add --data ./data --id ag-tax --name '税務課' --kind tax_division"});
  auto* cmd = agency->add_subcommand("add", "register a support agency (agency.registered)");
  auto f = std::make_shared<AdminFlags>();
  auto a = std::make_shared<AgencyFlags>();
  AddAdminFlags(cmd, *f);
  AddAgencyOptions(cmd, *a, "");
  cmd->footer(
      "Prints {eventId, position, replayed}. Exit 1: refused by a rule (recorded).\n"
      "Examples:\n"
      "  kasane agency add --data ./data --id csw-council --name 'Social welfare council' \\\n"
      "      --kind social_welfare_council --field poverty --programme-part "
      "participation_support\n"
      "  kasane agency add --data ./data --as sec-1 --id tax --name 'Tax division' --kind "
      "tax_division");
  cmd->callback([&ctx, f, a] {
    auto body = AgencyBody(*a, "");
    if (!body.ok()) return Fail(ctx, body.status());
    RunAdmin(ctx, "agency add", *f, "/v1/agencies", *body);
  });
}

void AddStaff(CLI::App& app, CliContext& ctx) {
  auto* staff = app.add_subcommand("staff", "the directory's staff members (職員)");
  staff->require_subcommand(1);
  SetExamples(staff,
              {"kasane staff add --data ./data --id st-cm --agency ag-kyotaku --role caseworker",
               "kasane staff deactivate --data ./data --id st-cm"});
  {
    auto* cmd =
        staff->add_subcommand("add", "register a staff member with roles (staff.registered)");
    auto f = std::make_shared<AdminFlags>();
    auto id = std::make_shared<std::string>();
    auto agency = std::make_shared<std::string>();
    auto roles = std::make_shared<std::vector<std::string>>();
    AddAdminFlags(cmd, *f);
    cmd->add_option("--id", *id, "the staff member's id (never a name)")->required();
    cmd->add_option("--agency", *agency, "the agency they work for (registered)")->required();
    cmd->add_option("--role", *roles,
                    "a role (repeatable; accepted: " + Known<domain::Role>(&IsStaffRole) + ")")
        ->required();
    cmd->footer(
        "Prints {eventId, position, replayed}. Exit 1: refused by a rule (recorded).\n"
        "Examples:\n"
        "  kasane staff add --data ./data --id cw-7 --agency csw-council --role caseworker\n"
        "  kasane staff add --data ./data --as sec-1 --id lead-2 --agency city --role coordinator "
        "--role caseworker");
    cmd->callback([&ctx, f, id, agency, roles] {
      auto body = StaffBody(*id, *agency, *roles);
      if (!body.ok()) return Fail(ctx, body.status());
      RunAdmin(ctx, "staff add", *f, "/v1/staff", *body);
    });
  }
  {
    auto* cmd = staff->add_subcommand(
        "deactivate", "deactivate a staff member (staff.deactivated; their tokens stop working)");
    auto f = std::make_shared<AdminFlags>();
    auto id = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    AddAdminFlags(cmd, *f);
    cmd->add_option("--id", *id, "the staff member's id")->required();
    cmd->add_option("--reason", *reason,
                    "an administrative reason, e.g. 'transferred' (never personal content)");
    cmd->footer(
        "Prints {eventId, position, replayed}. Exit 1: refused by a rule (recorded), e.g. "
        "already deactivated.\n"
        "Examples:\n"
        "  kasane staff deactivate --data ./data --id cw-7 --reason transferred\n"
        "  kasane staff deactivate --data ./data --as sec-1 --id cw-7");
    cmd->callback([&ctx, f, id, reason] {
      if (Status s = domain::ValidateId("--id", *id); !s.ok()) return Fail(ctx, s);
      RunAdmin(ctx, "staff deactivate", *f, "/v1/staff/" + *id + "/deactivation",
               json{{"reason", *reason}});
    });
  }
}

}  // namespace

void AddAdminCommands(CLI::App& app, CliContext& ctx) {
  AddInit(app, ctx);
  AddAgency(app, ctx);
  AddStaff(app, ctx);
}

}  // namespace kasane::tools
