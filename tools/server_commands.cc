// `kasane serve`: the HTTP API on a data folder (api/server.h), until SIGTERM or SIGINT, then a
// graceful stop (requests in flight finish, the log drains and closes).
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>
#include <thread>

#include "api/server.h"
#include "tools/cli.h"

namespace kasane::tools {
namespace {

struct ServeFlags {
  DataFlags data;
  std::string listen = "127.0.0.1:8080";
  size_t threads = 96;
};

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

void AddServe(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("serve", "serve the HTTP API on a data folder (until SIGTERM)");
  auto flags = std::make_shared<ServeFlags>();
  AddDataFlags(cmd, flags->data);
  cmd->add_option("--listen", flags->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--threads", flags->threads,
                  "worker threads (each open keep-alive connection or feed reader holds one)")
      ->capture_default_str()
      ->check(CLI::Range(4, 4096));
  cmd->footer(
      "Examples:\n"
      "  kasane serve --data ./data\n"
      "  kasane serve --data /var/lib/kasane --listen 127.0.0.1:8443\n"
      "Issue tokens first (with the server stopped): kasane token issue --help");
  cmd->callback([&ctx, flags] {
    auto listen = ParseListen(flags->listen);
    if (!listen.ok()) return Fail(ctx, listen.status());
    auto key = ResolveMasterKey(flags->data.master_key_file);
    if (!key.ok()) return Fail(ctx, key.status());
    // Block the stop signals in every thread; one thread waits for them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    api::ServerOptions options;
    options.data_dir = flags->data.dir;
    options.origin = flags->data.origin;
    options.master_key = *key;
    options.host = listen->first;
    options.port = listen->second;
    options.threads = flags->threads;
    options.clock = ctx.clock;
    auto server = api::ApiServer::Open(options);
    if (!server.ok()) return Fail(ctx, server.status());
    Status started = (*server)->Start();
    if (!started.ok()) return Fail(ctx, started);
    std::cerr << "kasane: serving " << flags->data.dir << " on http://" << listen->first << ":"
              << (*server)->port() << " (SIGTERM or Ctrl-C stops)\n";
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
    server->reset();
    std::cerr << "kasane: stopped\n";
  });
}

}  // namespace

void AddServerCommands(CLI::App& app, CliContext& ctx) { AddServe(app, ctx); }

}  // namespace kasane::tools
