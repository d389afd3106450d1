// `kasane serve`: the HTTP API on a data folder (api/server.h), until SIGTERM or SIGINT, then a
// graceful stop (requests in flight finish, the log drains and closes) and exit 0.
//
// Configuration (docs/operations.md): every option can come from a flag, an environment
// variable (KASANE_DATA, KASANE_ORIGIN, KASANE_MASTER_KEY_FILE, KASANE_LISTEN, KASANE_THREADS,
// KASANE_TLS_CERT, KASANE_TLS_KEY; KASANE_CONFIG names the file), or a TOML config file
// (`--config FILE`: `key = value` lines named after the long flags, `data = "/var/lib/kasane"`,
// at the top level or in a `[serve]` section; `_` may stand for `-`). Precedence: flag >
// environment variable > config file > built-in default.
//
// Why the file is applied here and not by CLI11's set_config: CLI11 2.1 (Debian's) reads a config
// file only for the top-level app (`kasane --config F serve`), and applies it before the
// environment, so a file would beat an environment variable. Here the file is read in the serve
// callback, after CLI11 applied flags and environment variables, with CLI11's own TOML reader
// (CLI::ConfigTOML), and fills only the options still unset, through the options' own
// validators. An unknown key or section is an error (a typo must not silently fall back to a
// default).
//
// Full disk: --min-free-space (KASANE_MIN_FREE_SPACE, `min-free-space`; bytes, or with a K, M,
// G or T suffix, powers of 1024; default 64M, 0 turns the check off) is the log's free-space
// reserve: commands are refused with 507 while less is free; access and refusal records may go on
// down to a quarter of it (docs/operations.md, "Full disk").
//
// TLS: --tls-cert and --tls-key (PEM; both or neither) serve HTTPS (api::ServerOptions); a file
// that does not load, or a key that does not match, is exit 2 before the data folder is opened.
//
// The control socket (tools/control_socket.h): once serving, the server listens on
// <data>/control.sock (mode 0600, the server's own user only) so that `kasane backup` can copy
// the data folder while the server runs. Without it (a data path too long for a Unix socket)
// the server still serves, with a warning, and backups need it stopped.
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/server.h"
#include "tools/cli.h"
#include "tools/control_socket.h"

namespace kasane::tools {
namespace {

// What a running server does for `kasane backup` and other local commands (the control socket).
Result<nlohmann::json> HandleControl(api::ApiServer& server, const nlohmann::json& request) {
  const std::string command = request["command"].get<std::string>();
  if (command == "backup") {
    if (!request.contains("to") || !request["to"].is_string() ||
        request["to"].get<std::string>().empty() || request["to"].get<std::string>()[0] != '/') {
      return InvalidArgument("backup: \"to\" must be an absolute path");
    }
    const std::string to = request["to"].get<std::string>();
    // The log's size as the copy begins: an online copy holds at least these events.
    const uint64_t events = server.log().Size();
    spdlog::info("control: backup of the data folder into {}", to);
    Status s = server.log().Backup(to);
    if (!s.ok()) {
      spdlog::warn("control: backup into {} failed: {}", to, s.ToString());
      return s;
    }
    std::error_code ec;
    const bool master = std::filesystem::exists(std::filesystem::path(to) / "master.key", ec);
    spdlog::info("control: backup into {} done ({} events or more)", to, events);
    return nlohmann::json{{"events", events}, {"master_key_included", master}};
  }
  return InvalidArgument("unknown control command '" + command + "'");
}

struct ServeFlags {
  DataFlags data;
  std::string config;
  std::string listen = "127.0.0.1:8080";
  size_t threads = 96;
  std::string tls_cert;
  std::string tls_key;
  std::string min_free_space = "64M";
  bool check_config = false;
};

// "1048576", "512K", "64M", "2G", "1T" (powers of 1024; a trailing "B" or "iB" is allowed).
Result<uint64_t> ParseByteSize(const std::string& text) {
  const auto bad = [&] {
    return InvalidArgument("--min-free-space: '" + text +
                           "' is not a size (bytes, or a number with K, M, G or T)");
  };
  size_t i = 0;
  uint64_t n = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (n > (UINT64_MAX - 9) / 10) return bad();
    n = n * 10 + static_cast<uint64_t>(text[i] - '0');
  }
  if (i == 0) return bad();
  std::string unit = text.substr(i);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.empty() || unit == "B") return n;
  if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();  // "MB", "MiB"
  if (unit.size() > 1 && unit.back() == 'I') unit.pop_back();
  int shift = 0;
  if (unit == "K") {
    shift = 10;
  } else if (unit == "M") {
    shift = 20;
  } else if (unit == "G") {
    shift = 30;
  } else if (unit == "T") {
    shift = 40;
  } else {
    return bad();
  }
  if (n > (UINT64_MAX >> shift)) return bad();
  return n << shift;
}

Result<std::pair<std::string, int>> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return InvalidArgument("--listen must be HOST:PORT, e.g. 127.0.0.1:8080");
  }
  const std::string port_text = listen.substr(colon + 1);
  int port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9' || port > 65535) {
      return InvalidArgument("--listen: the port must be 0 to 65535");
    }
    port = port * 10 + (c - '0');
  }
  if (port > 65535) return InvalidArgument("--listen: the port must be 0 to 65535");
  return std::make_pair(listen.substr(0, colon), port);
}

// The options a config file may set (long flag names, without the dashes).
constexpr std::array<std::string_view, 8> kConfigKeys = {
    "data",    "origin",   "master-key-file", "listen",
    "threads", "tls-cert", "tls-key",         "min-free-space"};

std::string KnownKeys() {
  std::string out;
  for (std::string_view k : kConfigKeys) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

// Fills the options of `cmd` that no flag or environment variable set from the TOML file.
Status ApplyConfigFile(CLI::App& cmd, const std::string& file) {
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_file(file);
  } catch (const CLI::Error&) {
    return InvalidArgument("--config: cannot read " + file);
  }
  for (const CLI::ConfigItem& item : items) {
    if (item.name == "--" || item.name == "++") continue;  // section markers
    const bool top = item.parents.empty();
    if (!top && !(item.parents.size() == 1 && item.parents.front() == "serve")) {
      return InvalidArgument("--config " + file + ": unknown section '" + item.parents.front() +
                             "' (keys go at the top level or under [serve])");
    }
    std::string name = item.name;
    std::replace(name.begin(), name.end(), '_', '-');
    if (std::find(kConfigKeys.begin(), kConfigKeys.end(), name) == kConfigKeys.end()) {
      return InvalidArgument("--config " + file + ": unknown key '" + item.name +
                             "' (known: " + KnownKeys() + ")");
    }
    // The whole file is checked, also the keys a flag or environment variable overrides.
    if (item.inputs.size() != 1) {
      return InvalidArgument("--config " + file + ": '" + item.name + "' takes one value");
    }
    const std::string& value = item.inputs.front();
    if (!value.empty() && (value.front() == '"' || value.front() == '\'' || value.back() == '"' ||
                           value.back() == '\'')) {
      // CLI11's reader ends a value at `#` even inside quotes, leaving the quote unbalanced.
      return InvalidArgument("--config " + file + ": '" + item.name +
                             "': unbalanced quotes (a # starts a comment, even inside quotes)");
    }
    CLI::Option* opt = cmd.get_option("--" + name);
    if (opt->count() > 0) continue;  // a flag or an environment variable gave it
    try {
      opt->add_result(value);
      opt->run_callback();  // the option's validators, then its variable
    } catch (const CLI::Error& e) {
      return InvalidArgument("--config " + file + ": " + e.what());
    }
  }
  return Status::Ok();
}

void AddServe(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("serve", "serve the HTTP API on a data folder (until SIGTERM)");
  auto flags = std::make_shared<ServeFlags>();
  AddDataFlags(cmd, flags->data);
  cmd->get_option("--data")->envname("KASANE_DATA");
  cmd->get_option("--origin")->envname("KASANE_ORIGIN");
  cmd->get_option("--master-key-file")->envname("KASANE_MASTER_KEY_FILE");
  cmd->add_option("--config", flags->config,
                  "TOML file of settings (keys: " + KnownKeys() +
                      "); flags and environment variables override it")
      ->envname("KASANE_CONFIG");
  cmd->add_option("--listen", flags->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str()
      ->envname("KASANE_LISTEN");
  cmd->add_option("--threads", flags->threads,
                  "worker threads (each open keep-alive connection or feed reader holds one)")
      ->capture_default_str()
      ->check(CLI::Range(4, 4096))
      ->envname("KASANE_THREADS");
  cmd->add_option("--min-free-space", flags->min_free_space,
                  "free disk space the log keeps in reserve: commands are refused (507) below it, "
                  "reads go on down to a quarter of it (bytes or K/M/G/T; 0: off)")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& v) {
            auto n = ParseByteSize(v);
            return n.ok() ? std::string() : n.status().message();
          },
          "SIZE"))
      ->envname("KASANE_MIN_FREE_SPACE");
  cmd->add_option("--tls-cert", flags->tls_cert,
                  "serve HTTPS with this certificate (PEM, may hold the chain); needs --tls-key")
      ->envname("KASANE_TLS_CERT");
  cmd->add_option("--tls-key", flags->tls_key, "the certificate's private key (PEM)")
      ->envname("KASANE_TLS_KEY");
  cmd->add_flag("--check-config", flags->check_config,
                "print the effective settings as JSON and exit (loads the TLS files; does not "
                "open the data folder or listen)");
  cmd->footer(
      "Settings: flag > environment variable (KASANE_DATA, KASANE_LISTEN, KASANE_THREADS,\n"
      "KASANE_ORIGIN, KASANE_MASTER_KEY_FILE, KASANE_TLS_CERT, KASANE_TLS_KEY,\n"
      "KASANE_MIN_FREE_SPACE, KASANE_CONFIG)\n"
      "> --config file > default. Prints `listening HOST:PORT` on stdout once listening.\n"
      "SIGTERM or Ctrl-C: requests in flight finish, the log is committed and closed, exit 0.\n"
      "Examples:\n"
      "  kasane serve --data ./data\n"
      "  kasane serve --data /var/lib/kasane --listen 127.0.0.1:8443 \\\n"
      "      --tls-cert /etc/kasane/tls/cert.pem --tls-key /etc/kasane/tls/key.pem\n"
      "  kasane serve --config /etc/kasane/kasane.toml\n"
      "  KASANE_LISTEN=127.0.0.1:9090 kasane serve --config /etc/kasane/kasane.toml "
      "--check-config\n"
      "Issue tokens first (with the server stopped): kasane init --help, kasane token issue "
      "--help");
  cmd->callback([&ctx, flags, cmd] {
    if (!flags->config.empty()) {
      if (Status s = ApplyConfigFile(*cmd, flags->config); !s.ok()) return Fail(ctx, s);
    }
    auto listen = ParseListen(flags->listen);
    if (!listen.ok()) return Fail(ctx, listen.status());
    if (flags->tls_cert.empty() != flags->tls_key.empty()) {
      return Fail(ctx, InvalidArgument("--tls-cert and --tls-key go together (both or neither)"));
    }
    auto min_free = ParseByteSize(flags->min_free_space);
    if (!min_free.ok()) return Fail(ctx, min_free.status());
    auto key = ResolveMasterKey(flags->data.master_key_file);
    if (!key.ok()) return Fail(ctx, key.status());
    api::ServerOptions options;
    options.data_dir = flags->data.dir;
    options.origin = flags->data.origin;
    options.master_key = *key;
    options.host = listen->first;
    options.port = listen->second;
    options.threads = flags->threads;
    options.tls_cert_file = flags->tls_cert;
    options.tls_key_file = flags->tls_key;
    options.min_free_bytes = *min_free;
    options.priority_min_free_bytes = *min_free / 4;
    options.clock = ctx.clock;
    if (key->has_value()) key->value().fill(0);
    if (flags->check_config) {
      if (Status s = api::ApiServer::CheckTls(options); !s.ok()) return Fail(ctx, s);
      std::cout << nlohmann::json{{"config", flags->config},
                                  {"data", flags->data.dir},
                                  {"origin", flags->data.origin},
                                  {"masterKeyFile", flags->data.master_key_file},
                                  {"listen", flags->listen},
                                  {"threads", flags->threads},
                                  {"tlsCert", flags->tls_cert},
                                  {"tlsKey", flags->tls_key},
                                  {"minFreeSpace", *min_free}}
                       .dump()
                << "\n";
      return;
    }
    // Block the stop signals in every thread; one thread waits for them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    auto server = api::ApiServer::Open(options);
    if (options.master_key) options.master_key->fill(0);
    if (!server.ok()) return Fail(ctx, server.status());
    Status started = (*server)->Start();
    if (!started.ok()) return Fail(ctx, started);
    const char* scheme = flags->tls_cert.empty() ? "http" : "https";
    std::cerr << "kasane: serving " << flags->data.dir << " on " << scheme << "://" << listen->first
              << ":" << (*server)->port() << " (SIGTERM or Ctrl-C stops)\n";
    std::unique_ptr<ControlServer> control;
    {
      api::ApiServer* s = server->get();
      auto started_control = ControlServer::Start(
          flags->data.dir,
          [s](const nlohmann::json& request) { return HandleControl(*s, request); });
      if (started_control.ok()) {
        control = std::move(*started_control);
      } else {
        spdlog::warn("serve: no control socket ({}); `kasane backup` needs the server stopped",
                     started_control.status().message());
      }
    }
    std::cout << "listening " << listen->first << ":" << (*server)->port() << std::endl;
    std::thread waiter([&signals, s = server->get()] {
      int sig = 0;
      sigwait(&signals, &sig);
      spdlog::info("serve: signal {}, stopping", sig);
      s->Stop();
    });
    (*server)->Wait();
    // Wake the waiter if the server stopped for another reason.
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
    control.reset();  // before the log closes: a backup in progress finishes first
    server->reset();
    std::cerr << "kasane: stopped\n";
  });
}

}  // namespace

void AddServerCommands(CLI::App& app, CliContext& ctx) { AddServe(app, ctx); }

}  // namespace kasane::tools
