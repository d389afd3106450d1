// PlainHttpServer: httplib::Server (plain HTTP) with kasane's own connection loop.
//
// httplib parses requests, routes them and writes the answers; only the socket underneath is
// ours (an httplib::Stream, the interface httplib's own TLS server plugs in through). What it
// saves per request, measured with strace under `kasane bench http` (docs/api.md,
// "Connections"; BENCHMARKS.md):
//   - httplib's SocketStream polls before every read and every write, and waits for the next
//     request of a keep-alive connection in 10 ms polls and 1 ms sleeps. Here a connection
//     waits in one poll (in 100 ms slices, so that a stopping server ends idle connections)
//     and reads what is there; writes block with SO_SNDTIMEO as their timeout.
//   - httplib writes an answer's header block and its body in two sends. Here a header block
//     that announces a Content-Length is held and goes out with the body in one sendmsg; an
//     answer without one (the SSE feed, chunked) is written as it comes, so a stream is never
//     delayed. Whatever is held is sent when the request's processing returns.
//   - the peer's and the local address are read once per connection, not twice per request.
// A request that may leave bytes of itself unread (a body on a GET, a body refused unread, a
// chunked body) or whose request line or headers did not parse ends its connection after the
// answer, so that its rest is never parsed as another request. Pipelined requests are answered
// in order. The keep-alive rules are httplib's: at most keep_alive_max_count requests per
// connection, an idle connection closed after keep_alive_timeout, the read and write timeouts as
// configured. HTTPS stays on httplib::SSLServer, unchanged.
//
// Thread-safety: as httplib::Server; each connection's stream is used by its one worker.
#pragma once

#include <httplib.h>

namespace kasane::api {

class PlainHttpServer final : public httplib::Server {
 private:
  bool process_and_close_socket(socket_t sock) override;
};

}  // namespace kasane::api
