// `kasane export`: a case timeline (経過記録) as JSON, CSV or a printable HTML report
// (docs/export.md).
//
// 守秘義務 decides the design: an export is a read by the staff member named with `--as`, made
// through exactly the code the HTTP API runs (api::ApiServer::Call: routing, the scope policy,
// access records). Entries the policy withholds from that staff member stay redacted with their
// reason; a case they have no relation to is "case not found", as the API's 404, whether it
// exists or not; reading content writes the access record (閲覧記録) to the stream
// access-<agency>, committed before the content leaves, exactly as a GET would.
//
// Order (each step fails with exit 2 and a clear message; nothing is written before the read):
//   1. flags (format, case id) are checked without touching the data folder;
//   2. the folder must already hold a log (it is never created here);
//   3. `--as` is resolved from the directory: an unknown or deactivated staff member is refused;
//      a staff member with several roles names one with `--role`;
//   4. the output file (`--out`) is reserved as a temporary file with mode 0600 beside it;
//   5. the timeline is read as of the log's head (or `--as-of N`), page by page (each page is a
//      read and is recorded as one); then a checkpoint is signed (GET /v1/log/checkpoint): its
//      tree holds every entry read, and the export's own access records;
//   6. the document is written and renamed into place (or sent to stdout).
// Nothing is logged: the output is the only place the content goes.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "api/case_store.h"
#include "api/server.h"
#include "domain/enum_names.h"
#include "domain/ids.h"
#include "tools/cli.h"
#include "tools/export.h"

namespace kasane::tools {
namespace {

using nlohmann::json;

struct ExportFlags {
  DataFlags data;
  std::string case_id;
  std::string as;
  std::string role;
  std::string format = "json";
  std::optional<uint64_t> as_of;
  std::string out;
};

// The timeline is read in pages of the API's largest limit.
constexpr size_t kPageSize = 10000;

// The problem+json detail of a failed call (or its status when there is none).
std::string ProblemDetail(const api::LocalResponse& r) {
  json p = json::parse(r.body, nullptr, false);
  if (p.is_object() && p.contains("detail") && p["detail"].is_string()) {
    return p["detail"].get<std::string>();
  }
  return "the API answered " + std::to_string(r.status);
}

// The principal `--as` names, from the directory as the log has it now.
Result<domain::Principal> ResolvePrincipal(api::ApiServer& server, const ExportFlags& f) {
  api::CaseStore store(server.log());
  KASANE_ASSIGN_OR_RETURN(std::shared_ptr<const api::DirectorySnapshot> dir, store.Directory());
  const domain::StaffInfo* staff = dir->directory.FindStaff(domain::StaffId(f.as));
  if (staff == nullptr) {
    return InvalidArgument("--as: no staff member '" + f.as + "' is registered in " + f.data.dir);
  }
  if (!staff->active) {
    return InvalidArgument("--as: staff member '" + f.as +
                           "' is deactivated; an export is made on behalf of an active staff "
                           "member");
  }
  std::string held;
  for (domain::Role r : staff->roles)
    held += (held.empty() ? "" : ", ") + std::string(domain::EnumName(r));
  domain::Principal p;
  p.staff = staff->id;
  p.agency = staff->agency;
  if (!f.role.empty()) {
    auto role = domain::ParseEnum<domain::Role>(f.role);
    if (!role.ok() || !staff->roles.contains(*role)) {
      return InvalidArgument("--role: staff member '" + f.as + "' does not hold role '" + f.role +
                             "' (holds: " + held + ")");
    }
    p.role = *role;
  } else if (staff->roles.size() == 1) {
    p.role = *staff->roles.begin();
  } else {
    return InvalidArgument("--as: staff member '" + f.as + "' holds several roles (" + held +
                           "); name the one the export is made in with --role");
  }
  return p;
}

// A file created with mode 0600 beside `path`, renamed onto it by Commit; removed if never
// committed. The content is personal: it never exists world-readable, not even partially.
class PrivateOutput {
 public:
  ~PrivateOutput() {
    if (fd_ >= 0) close(fd_);
    if (!temp_.empty()) unlink(temp_.c_str());
  }
  Status Reserve(const std::string& path) {
    path_ = path;
    std::filesystem::path p(path);
    if (std::filesystem::is_directory(p)) return InvalidArgument("--out: " + path + " is a folder");
    const std::filesystem::path parent = p.has_parent_path() ? p.parent_path() : ".";
    std::string tmpl = (parent / ("." + p.filename().string() + ".XXXXXX")).string();
    fd_ = mkstemp(tmpl.data());  // mode 0600
    if (fd_ < 0) {
      return InvalidArgument("--out: cannot create a file in " + parent.string() + ": " +
                             std::strerror(errno));
    }
    temp_ = tmpl;
    return Status::Ok();
  }
  Status Commit(std::string_view bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Internal("--out: writing " + path_ + ": " + std::strerror(errno));
      done += static_cast<size_t>(n);
    }
    if (fsync(fd_) != 0) return Internal("--out: syncing " + path_ + ": " + std::strerror(errno));
    close(fd_);
    fd_ = -1;
    if (rename(temp_.c_str(), path_.c_str()) != 0) {
      return Internal("--out: renaming onto " + path_ + ": " + std::strerror(errno));
    }
    temp_.clear();
    return Status::Ok();
  }

 private:
  std::string path_;
  std::string temp_;
  int fd_ = -1;
};

// Reads the checkpoint, verifier key and timeline for `principal`.
Result<CaseExport> Read(api::ApiServer& server, const domain::Principal& principal,
                        const ExportFlags& f, UnixNanos now) {
  auto call = [&](const std::string& target) {
    api::LocalRequest r;
    r.principal = principal;
    r.method = "GET";
    r.target = target;
    r.channel = "kasane export";  // the access record says who read on the staff member's behalf
    return server.Call(r);
  };
  CaseExport x;
  x.case_id = f.case_id;
  x.staff = principal.staff.value;
  x.agency = principal.agency.value;
  x.role = std::string(domain::EnumName(principal.role));
  x.exported_at = now;

  // The data folder is locked by this process: nothing but this export's own access records
  // is appended while it runs, so the head is the record as it stands.
  const uint64_t head = server.log().Size();
  if (f.as_of && *f.as_of > head) {
    return InvalidArgument("--as-of " + std::to_string(*f.as_of) + " is past the log's head (" +
                           std::to_string(head) + " events)");
  }
  x.as_of_position = f.as_of.value_or(head);

  // The timeline as of the head (or earlier), once the projection has applied it.
  std::string base = "/v1/cases/" + f.case_id +
                     "/timeline?as_of_position=" + std::to_string(x.as_of_position) +
                     "&limit=" + std::to_string(kPageSize);
  if (head > 0) base += "&min_position=" + std::to_string(head - 1);
  std::optional<uint64_t> after;
  while (true) {
    api::LocalResponse page =
        call(base + (after ? "&after=" + std::to_string(*after) : std::string()));
    if (page.status == 404) return NotFound("case '" + f.case_id + "' not found");
    if (page.status == 503) {
      return Unavailable("the timeline could not be read (" + ProblemDetail(page) +
                         "); nothing was exported");
    }
    if (page.status != 200) return Internal("the timeline read failed: " + ProblemDetail(page));
    json body = json::parse(page.body, nullptr, false);
    if (!body.is_object() || !body.contains("entries")) {
      return Internal("the timeline answer is not the documented JSON");
    }
    for (json& e : body["entries"]) x.entries.push_back(std::move(e));
    if (!body.contains("next")) break;
    after = body["next"].get<uint64_t>();
  }
  // Signed after the read, so its tree holds every entry read and this export's access records:
  // nothing is signed for an export that was refused.
  api::LocalResponse checkpoint = call("/v1/log/checkpoint");
  if (checkpoint.status != 200) {
    return Unavailable("could not sign a checkpoint: " + ProblemDetail(checkpoint));
  }
  x.checkpoint = checkpoint.body;
  api::LocalResponse key = call("/v1/log/verifier-key");
  if (key.status != 200) return Unavailable("could not read the verifier key");
  x.verifier_key = key.body;
  while (!x.verifier_key.empty() && x.verifier_key.back() == '\n') x.verifier_key.pop_back();
  return x;
}

void Run(CliContext& ctx, const ExportFlags& f) {
  if (f.format != "json" && f.format != "csv" && f.format != "html") {
    return Fail(ctx,
                InvalidArgument("--format: unknown format '" + f.format + "' (json, csv or html)"));
  }
  if (!domain::ValidateId("caseId", f.case_id).ok()) {
    return Fail(ctx, InvalidArgument("--case: '" + f.case_id +
                                     "' is not a case id (1 to 64 of A-Z a-z 0-9 . _ -)"));
  }
  if (!std::filesystem::is_directory(f.data.dir)) {
    return Fail(ctx, NotFound("no data folder at " + f.data.dir));
  }
  // The folder must already hold a log (<data>/log, api/server.h): ApiServer::Open would create
  // one, and even a failed EventLog::Open leaves RocksDB's LOCK and LOG files behind.
  if (!std::filesystem::is_directory(std::filesystem::path(f.data.dir) / "log")) {
    return Fail(ctx, NotFound("no kasane data in " + f.data.dir + " (no log folder)"));
  }
  {
    auto probe = OpenLog(ctx, f.data, /*create=*/false);
    if (!probe.ok()) {
      // OpenLog's messages already say what is wrong (a folder in use by another process, one
      // that holds no log): pass them on as they are.
      return Fail(ctx, probe.status());
    }
  }
  auto key = ResolveMasterKey(f.data.master_key_file);
  if (!key.ok()) return Fail(ctx, key.status());
  api::ServerOptions options;
  options.data_dir = f.data.dir;
  options.origin = f.data.origin;
  options.master_key = *key;
  options.clock = ctx.clock;
  options.threads = 1;
  auto server = api::ApiServer::Open(options);
  if (options.master_key) options.master_key->fill(0);
  if (!server.ok()) return Fail(ctx, server.status());

  auto principal = ResolvePrincipal(**server, f);
  if (!principal.ok()) return Fail(ctx, principal.status());

  PrivateOutput out;
  if (!f.out.empty()) {
    Status reserved = out.Reserve(f.out);
    if (!reserved.ok()) return Fail(ctx, reserved);
  }
  auto x = Read(**server, *principal, f, ctx.clock->Now());
  if (!x.ok()) return Fail(ctx, x.status());
  server->reset();

  std::string doc = f.format == "json"
                        ? ExportJson(*x).dump(2, ' ', false, json::error_handler_t::replace) + "\n"
                    : f.format == "csv" ? ExportCsv(*x)
                                        : ExportHtml(*x);
  if (f.out.empty()) {
    std::cout << doc << std::flush;
    if (!std::cout) return Fail(ctx, Internal("writing to stdout failed"));
    return;
  }
  Status committed = out.Commit(doc);
  if (!committed.ok()) return Fail(ctx, committed);
  std::cerr << "kasane: exported case " << f.case_id << " (" << x->entries.size() << " entries) to "
            << f.out << "\n";
}

}  // namespace

void AddExportCommand(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand(
      "export", "export a case timeline (経過記録) as a staff member sees it: json, csv or html");
  auto f = std::make_shared<ExportFlags>();
  AddDataFlags(cmd, f->data);
  cmd->add_option("--case", f->case_id, "the case id")->required();
  cmd->add_option("--as", f->as,
                  "the staff member on whose behalf the export is made (their scope applies; the "
                  "read is recorded in their agency's access records)")
      ->required();
  cmd->add_option("--role", f->role, "the role to act in, when --as holds several");
  cmd->add_option("--format", f->format, "json, csv (UTF-8 with BOM, for Excel) or html")
      ->capture_default_str();
  cmd->add_option("--as-of", f->as_of,
                  "the timeline as the log stood with N events (default: the signed head)");
  cmd->add_option("--out", f->out, "write to FILE (created with mode 0600) instead of stdout");
  cmd->footer(
      "Examples:\n"
      "  kasane export --data ./data --case c-1 --as st-cm > c-1.json\n"
      "  kasane export --data ./data --case c-1 --as st-cm --format csv --out c-1.csv\n"
      "  kasane export --data ./data --case c-1 --as st-coord --format html --as-of 120 "
      "--out c-1.html\n"
      "The export is a read by --as, recorded in the access records (閲覧記録) like an API read; "
      "run it while the server is stopped (the data folder is locked by whoever has it open). "
      "See docs/export.md.");
  cmd->callback([&ctx, f] { Run(ctx, *f); });
}

}  // namespace kasane::tools
