// `kasane erase`, `kasane backup`, `kasane restore`: the data folder's lifecycle around erasure
// (docs/erasure.md), and the flags and opening shared by every command that touches a store.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "eventstore/event_log.h"
#include "eventstore/merkle.h"
#include "eventstore/subject_keys.h"
#include "tools/cli.h"
#include "tools/control_socket.h"

namespace kasane::tools {
namespace {

using eventstore::EventLog;

// 64 hex digits (surrounding white space ignored) into 32 bytes.
Result<std::array<uint8_t, 32>> ParseHexKey(std::string text, const std::string& where) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  size_t end = text.find_last_not_of(" \t\r\n");
  std::string_view hex = begin == std::string::npos
                             ? std::string_view()
                             : std::string_view(text).substr(begin, end - begin + 1);
  std::array<uint8_t, 32> key{};
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  bool ok = hex.size() == 64;
  for (size_t i = 0; ok && i < 32; ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) ok = false;
    key[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  std::fill(text.begin(), text.end(), '\0');
  if (!ok) {
    key.fill(0);
    return InvalidArgument("the master key in " + where + " is not 64 hex digits");
  }
  return key;
}

// The erasure event's id is a function of the subject, so that running `kasane erase` again
// (after a crash between the erasure and the append, say) is an idempotent retry.
eventstore::EventId ErasureEventId(const std::string& subject) {
  std::string label = std::string("kasane-erasure-event/1") + '\0' + subject;
  eventstore::Hash h = eventstore::HashLeaf(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(label.data()), label.size()));
  eventstore::EventId id;
  std::copy(h.begin(), h.begin() + 16, id.bytes.begin());
  id.bytes[6] = static_cast<uint8_t>((id.bytes[6] & 0x0f) | 0x80);  // UUID v8 (custom)
  id.bytes[8] = static_cast<uint8_t>((id.bytes[8] & 0x3f) | 0x80);
  return id;
}

}  // namespace

Result<std::optional<std::array<uint8_t, 32>>> ResolveMasterKey(const std::string& file) {
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return NotFound("cannot read the master key file " + file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    KASANE_ASSIGN_OR_RETURN(auto key, ParseHexKey(std::move(text), file));
    return std::optional(key);
  }
  if (const char* env = std::getenv("KASANE_MASTER_KEY"); env != nullptr && *env != '\0') {
    KASANE_ASSIGN_OR_RETURN(auto key, ParseHexKey(env, "KASANE_MASTER_KEY"));
    return std::optional(key);
  }
  return std::optional<std::array<uint8_t, 32>>();
}

void Fail(CliContext& ctx, const Status& s) {
  std::cerr << "kasane: error: " << s.message() << " (" << StatusCodeName(s.code()) << ")\n";
  ctx.exit_code = 2;
}

std::string CliFailureMessage(const CLI::App* app, const CLI::Error& e) {
  // The deepest command the parse reached ("kasane log append").
  const CLI::App* at = app;
  std::string path = "kasane";
  while (!at->get_subcommands().empty()) {
    at = at->get_subcommands().front();
    path += " " + at->get_name();
  }
  const std::string what = e.what();
  std::string out;
  if (what.rfind("A subcommand is required", 0) == 0) {
    std::string names;
    for (const CLI::App* sub : at->get_subcommands([](const CLI::App*) { return true; })) {
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    std::vector<std::string> extra = at->remaining();
    out = path + ": " +
          (extra.empty() ? std::string("a command is required")
                         : "unknown command '" + extra.front() + "'") +
          " (one of: " + names + ")\n";
  } else {
    out = path + ": " + what + "\n";
  }
  return out + "Run `" + path + " --help` for more information.\n";
}

void SetExamples(CLI::App* cmd, const std::vector<std::string>& lines) {
  std::string text = "Examples:\n";
  for (const std::string& line : lines) text += "  " + line + "\n";
  cmd->footer([text] { return text; });
}

std::function<void(uint64_t, uint64_t)> ProgressPrinter(std::string prefix, std::string unit) {
  using SteadyClock = std::chrono::steady_clock;
  struct State {
    bool said = false;
    SteadyClock::time_point last;
  };
  auto state = std::make_shared<State>();
  return
      [prefix = std::move(prefix), unit = std::move(unit), state](uint64_t done, uint64_t total) {
        auto now = SteadyClock::now();
        if (state->said && done < total && now - state->last < std::chrono::seconds(1)) return;
        state->said = true;
        state->last = now;
        std::cerr << prefix << ": " << done << "/" << total << " " << unit << "\n";
      };
}

void AddDataFlags(CLI::App* cmd, DataFlags& flags) {
  cmd->add_option("--data", flags.dir, "data folder")->capture_default_str();
  cmd->add_option("--origin", flags.origin, "checkpoint origin (fixed when the folder is created)")
      ->capture_default_str();
  cmd->add_option("--master-key-file", flags.master_key_file,
                  "file holding the master key (64 hex digits); default: $KASANE_MASTER_KEY, "
                  "else DIR/master.key");
}

Result<std::unique_ptr<EventLog>> OpenLog(const CliContext& ctx, const DataFlags& flags,
                                          bool create) {
  // Said here, before RocksDB is asked: it would create DIR/log in a folder without a database
  // even when told not to create one, and its messages name files rather than the mistake.
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dir(flags.dir);
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    return InvalidArgument("--data " + flags.dir + " is a file, not a data folder");
  }
  if (!create && fs::is_directory(dir, ec) && !fs::exists(dir / "log" / "CURRENT", ec)) {
    if (fs::exists(dir / "log.partial", ec)) {
      return NotFound("the data folder " + flags.dir +
                      " holds a restore that did not finish (log.partial): run the same "
                      "`kasane restore` again");
    }
    return NotFound("the data folder " + flags.dir + " holds no log (no " + (dir / "log").string() +
                    " database); is --data right?");
  }
  eventstore::EventLogOptions options;
  options.dir = flags.dir;
  options.origin = flags.origin;
  options.clock = ctx.clock;
  options.create_if_missing = create;
  KASANE_ASSIGN_OR_RETURN(options.master_key, ResolveMasterKey(flags.master_key_file));
  auto log = EventLog::Open(options);
  if (options.master_key) options.master_key->fill(0);
  if (!log.ok() && log.status().message().find("While lock file") != std::string::npos) {
    // RocksDB's words for a folder another process has open.
    return FailedPrecondition("the data folder " + flags.dir +
                              " is in use by another process (a running `kasane serve`?): "
                              "stop it first");
  }
  return log;
}

namespace {

void PrintMasterKeyNote() {
  std::cerr << "kasane: backup: note: the backup holds master.key, so it can read every sealed "
               "part not erased before now; keep it as safe as the data folder, or keep the "
               "master key elsewhere (docs/erasure.md)\n";
}

}  // namespace

void AddDataCommands(CLI::App& app, CliContext& ctx) {
  // kasane erase
  {
    auto* cmd = app.add_subcommand(
        "erase", "erase a data subject's personal content (destroys its key; docs/erasure.md)");
    auto flags = std::make_shared<DataFlags>();
    auto subject = std::make_shared<std::string>();
    auto yes = std::make_shared<bool>(false);
    AddDataFlags(cmd, *flags);
    cmd->add_option("--subject", *subject, "the subject id (opaque person id)")->required();
    cmd->add_flag("--yes", *yes, "do not ask for confirmation");
    SetExamples(cmd, {"# asks for the subject id again before erasing",
                      "kasane erase --data /srv/kasane/data --subject p-0042",
                      "# from a script (no question)",
                      "kasane erase --data /srv/kasane/data --subject p-0042 --yes"});
    cmd->callback([&ctx, flags, subject, yes] {
      // A malformed id is refused before anything is asked or opened.
      if (Status valid = eventstore::ValidateSubject(*subject); !valid.ok()) {
        return Fail(ctx, valid);
      }
      auto opened = OpenLog(ctx, *flags, false);
      if (!opened.ok()) return Fail(ctx, opened.status());
      EventLog& log = **opened;
      if (!*yes) {
        // The confirmation is read from stdin, a terminal or not (a script may pipe the id in);
        // nothing on stdin is a refusal that says how to skip the question.
        std::cerr << "Erase all personal content of subject " << *subject
                  << "? This cannot be undone. Type the subject id to confirm: " << std::flush;
        std::string typed;
        if (!std::getline(std::cin, typed)) {
          std::cerr << "\nkasane: erase: no confirmation on stdin (type the subject id, or pass "
                       "--yes); nothing was changed\n";
          ctx.exit_code = 2;
          return;
        }
        if (!typed.empty() && typed.back() == '\r') typed.pop_back();
        if (typed != *subject) {
          std::cerr << "\nkasane: erase: the confirmation did not match the subject id; nothing "
                       "was changed\n";
          ctx.exit_code = 2;
          return;
        }
      }
      std::cerr << "erase: destroying the subject's key (a flush and a compaction of the "
                   "database: may take a while)\n";
      Status erased = log.EraseSubject(*subject);
      if (!erased.ok()) return Fail(ctx, erased);
      eventstore::NewEvent e;
      e.id = ErasureEventId(*subject);
      e.type = "subject.erased";
      e.actor = eventstore::Actor{"cli", "", ""};
      e.payload = nlohmann::json{{"subject", *subject}}.dump();
      auto appended = log.Append("erasure", eventstore::ExpectedVersion::Any(), {std::move(e)});
      if (!appended.ok()) {
        std::cerr << "kasane: erase: the key is destroyed but the erasure event was not "
                     "appended; run the same command again\n";
        return Fail(ctx, appended.status());
      }
      std::cout
          << nlohmann::json{{"subject", *subject}, {"position", appended->last_position}}.dump()
          << "\n";
    });
  }

  // kasane backup
  {
    auto* cmd = app.add_subcommand(
        "backup", "copy the data folder, online and consistent, into an empty folder");
    auto flags = std::make_shared<DataFlags>();
    auto to = std::make_shared<std::string>();
    AddDataFlags(cmd, *flags);
    cmd->add_option("--to", *to, "the backup folder (must not exist or be empty)")->required();
    SetExamples(cmd, {"# a consistent copy, whether or not `kasane serve` runs on the folder",
                      "kasane backup --data /srv/kasane/data --to /backup/kasane-2026-04-01"});
    cmd->callback([&ctx, flags, to] {
      std::error_code ec;
      if (std::filesystem::exists(*to, ec) &&
          (!std::filesystem::is_directory(*to, ec) || !std::filesystem::is_empty(*to, ec))) {
        return Fail(ctx, InvalidArgument("--to " + *to +
                                         (std::filesystem::is_directory(*to, ec)
                                              ? " is not empty: a backup goes into a new folder"
                                              : " is a file: a backup goes into a new folder")));
      }
      // A running `kasane serve` holds the folder: it makes the copy itself, through its control
      // socket (tools/control_socket.h). A socket nobody listens on (a crashed server) is
      // ignored, and the folder is opened here as usual.
      if (std::filesystem::exists(ControlSocketPath(flags->dir), ec)) {
        const std::string absolute = std::filesystem::absolute(*to, ec).lexically_normal().string();
        std::cerr << "backup: the data folder is served by a running `kasane serve`; it copies "
                  << flags->dir << " into " << absolute << "\n";
        auto answer = CallControl(flags->dir, {{"command", "backup"}, {"to", absolute}});
        if (answer.ok()) {
          const bool has_master = answer->value("master_key_included", false);
          if (has_master) PrintMasterKeyNote();
          std::cout << nlohmann::json{{"backup", *to},
                                      {"events", answer->value("events", uint64_t{0})},
                                      {"master_key_included", has_master},
                                      {"through_server", true}}
                           .dump()
                    << "\n";
          return;
        }
        if (answer.status().code() != StatusCode::kUnavailable) {
          return Fail(ctx, answer.status());
        }
      }
      auto opened = OpenLog(ctx, *flags, false);
      if (!opened.ok()) return Fail(ctx, opened.status());
      // A RocksDB checkpoint (hard links where the file system allows) and three small files:
      // seconds at most, so one line says what is happening rather than a count.
      std::cerr << "backup: copying " << flags->dir << " (" << (*opened)->Size() << " events) into "
                << *to << "\n";
      Status s = (*opened)->Backup(*to);
      if (!s.ok()) return Fail(ctx, s);
      std::ifstream master(std::filesystem::path(*to) / "master.key");
      bool has_master = static_cast<bool>(master);
      if (has_master) PrintMasterKeyNote();
      std::cout << nlohmann::json{{"backup", *to},
                                  {"events", (*opened)->Size()},
                                  {"master_key_included", has_master},
                                  {"through_server", false}}
                       .dump()
                << "\n";
    });
  }

  // kasane restore
  {
    auto* cmd = app.add_subcommand(
        "restore",
        "restore a backup into a data folder without a database (its erasure.ledger is kept), "
        "apply erasures, verify");
    auto flags = std::make_shared<DataFlags>();
    auto from = std::make_shared<std::string>();
    auto ledgers = std::make_shared<std::vector<std::string>>();
    AddDataFlags(cmd, *flags);
    cmd->add_option("--from", *from, "the backup folder")->required();
    cmd->add_option("--ledger", *ledgers,
                    "an erasure ledger to merge (e.g. the live folder's erasure.ledger, or its "
                    "off-site copy); repeatable");
    SetExamples(cmd, {"# after losing the database: keep the live folder's erasure.ledger",
                      "kasane restore --from /backup/kasane-2026-04-01 --data /srv/kasane/data",
                      "# into a new folder, merging the off-site copy of the erasure ledger",
                      "kasane restore --from /backup/kasane-2026-04-01 --data ./restored \\",
                      "    --ledger /offsite/erasure.ledger"});
    cmd->callback([&ctx, flags, from, ledgers] {
      namespace fs = std::filesystem;
      std::error_code ec;
      const fs::path dir(flags->dir);
      bool had_ledger = fs::exists(dir / "erasure.ledger", ec);
      // The views (projections) are derived from the log and would describe the database being
      // replaced: the restore leaves them alone (so a refused restore changes nothing), and they
      // are removed once it succeeded, to be rebuilt from the restored log at the next open.
      const fs::path views = dir / "views";
      const bool stale_views = fs::exists(views, ec) && !fs::exists(dir / "log", ec);
      std::cerr << "restore: copying " << *from << " into " << flags->dir << "\n";
      // The projections' views, and the socket file a crashed server may have left, are not the
      // log's: restore tolerates them and leaves them alone.
      Status s = EventLog::RestoreBackup(*from, flags->dir, *ledgers, {"views", "control.sock"});
      if (s.ok() && stale_views) {
        fs::remove_all(views, ec);
        if (ec) {
          return Fail(ctx, IoError("restored, but the stale views in " + views.string() +
                                   " could not be removed (" + ec.message() +
                                   "): remove them before the next start"));
        }
        std::cerr << "kasane: restore: removed " << views.string()
                  << " (rebuilt from the restored log when next opened)\n";
      }
      if (!s.ok()) return Fail(ctx, s);
      if (ledgers->empty() && !had_ledger) {
        std::cerr << "kasane: restore: warning: no erasure ledger beside the data folder and no "
                     "--ledger given: subjects erased after the backup was taken are readable "
                     "again until erased again (docs/erasure.md)\n";
      }
      // Opening replays the merged ledger: keys of erased subjects are destroyed again here.
      auto opened = OpenLog(ctx, *flags, false);
      if (!opened.ok()) return Fail(ctx, opened.status());
      std::cerr << "restore: verifying the restored log\n";
      auto report = (*opened)->Verify(ProgressPrinter("restore: verify", "events"));
      if (!report.ok()) return Fail(ctx, report.status());
      for (const auto& p : report->problems) std::cerr << "restore: verify: FAILED: " << p << "\n";
      std::cout << nlohmann::json{{"ok", report->ok()},
                                  {"data", flags->dir},
                                  {"events", report->events_checked},
                                  {"checkpoints", report->checkpoints_checked}}
                       .dump()
                << "\n";
      if (!report->ok()) {
        std::cerr << "kasane: restore: the restored log does not verify; do not use it\n";
        ctx.exit_code = 1;
      }
    });
  }
}

}  // namespace kasane::tools
