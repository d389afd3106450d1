// The change feed: GET /v1/feed, long-poll JSON or Server-Sent Events, scoped to the reader.
//
// The feed walks the log in position order. Case events (streams "case-<id>") are evaluated by
// the scope policy exactly as the timeline does: nothing -> left out; metadata only -> the
// event's metadata with "redacted" {"reason"}; full -> the payload with content, after its
// access record is committed. Events of other streams (admin, tokens, access records,
// refusals) are not in the feed. The cursor is a log position: `after` (or Last-Event-ID) is the
// last position the reader has processed, and a JSON answer's "after" is where to continue,
// past positions the reader may not see, so a reader that resumes from it never misses a
// position it may see and never scans the same positions again.
#include <spdlog/spdlog.h>

#include "api/internal/decimal.h"
#include "api/internal/server_impl.h"
#include "projections/internal/register_util.h"

namespace kasane::api {
namespace {

using nlohmann::json;

constexpr size_t kDefaultFeedLimit = 100;
constexpr size_t kMaxFeedLimit = 1000;
constexpr size_t kScanBudget = 4096;  // positions scanned per round before answering
constexpr size_t kReadBatch = 512;
constexpr std::chrono::milliseconds kWaitSlice{250};

struct FeedRound {
  std::vector<json> items;
  uint64_t next = 0;  // the first position not scanned
};

}  // namespace

void ApiServer::Impl::HandleFeed(RequestContext& ctx, const httplib::Request& req,
                                 httplib::Response& res) {
  auto fail = [&](const Status& s) { SendProblem(res, ctx, ProblemFromStatus(s)); };
  auto after = QueryU64(req, "after");
  auto limit_q = QueryU64(req, "limit");
  auto wait_q = QueryU64(req, "wait");
  if (!after.ok()) return fail(after.status());
  if (!limit_q.ok()) return fail(limit_q.status());
  if (!wait_q.ok()) return fail(wait_q.status());
  const bool sse = req.get_header_value("Accept").find("text/event-stream") != std::string::npos;
  std::optional<uint64_t> cursor = *after;
  if (sse && req.has_header("Last-Event-ID")) {
    std::optional<uint64_t> n = ParseDecimal(req.get_header_value("Last-Event-ID"));
    if (!n) return fail(InvalidArgument("Last-Event-ID: must be a log position"));
    cursor = *n;
  }
  size_t limit = kDefaultFeedLimit;
  if (*limit_q) {
    if (**limit_q == 0 || **limit_q > kMaxFeedLimit) {
      return fail(InvalidArgument("limit: must be 1 to " + std::to_string(kMaxFeedLimit)));
    }
    limit = **limit_q;
  }
  const uint64_t max_wait_s = static_cast<uint64_t>(options.max_wait.count() / 1000);
  if (wait_q->value_or(0) > max_wait_s) {
    return fail(InvalidArgument("wait: at most " + std::to_string(max_wait_s) + " seconds"));
  }

  // One round: scan from `start`, at most kScanBudget positions, until `limit` items. Access
  // records for the content shown are committed before the round returns (fail closed).
  auto round = [this, limit](const RequestContext& c, uint64_t start) -> Result<FeedRound> {
    FeedRound r;
    r.next = start;
    const uint64_t size = log->Size();
    const uint64_t end = std::min<uint64_t>(size, start + kScanBudget);
    std::map<std::string, std::shared_ptr<const CaseSnapshot>> snaps;
    std::map<std::string, std::vector<domain::DomainEvent>> shown;
    while (r.next < end && r.items.size() < limit) {
      KASANE_ASSIGN_OR_RETURN(auto batch,
                              log->ReadAll(r.next, std::min<uint64_t>(kReadBatch, end - r.next)));
      if (batch.empty()) break;
      for (const eventstore::RecordedEvent& ev : batch) {
        if (r.items.size() >= limit) break;
        r.next = ev.position + 1;
        const std::string_view cid = projections::internal::CaseIdOfStream(ev.stream);
        if (cid.empty()) continue;
        const std::optional<std::string> case_id{std::string(cid)};
        auto& snap = snaps[*case_id];
        if (!snap) {
          KASANE_ASSIGN_OR_RETURN(snap, cases->Load(domain::CaseId{*case_id}));
        }
        const CaseEvent* e = snap->AtPosition(ev.position);
        if (e == nullptr) continue;
        KASANE_ASSIGN_OR_RETURN(std::optional<json> item,
                                ScopedEvent(c, *snap, *e, shown[*case_id]));
        if (!item) continue;
        (*item)["stream"] = ev.stream;
        (*item)["caseId"] = *case_id;
        r.items.push_back(std::move(*item));
      }
    }
    for (const auto& [case_id, events] : shown) {
      KASANE_RETURN_IF_ERROR(RecordShown(c, *snaps[case_id], events));
    }
    return r;
  };

  const uint64_t start = cursor ? *cursor + 1 : 0;
  if (!sse) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(wait_q->value_or(0));
    uint64_t next = start;
    for (;;) {
      ctx.now = clock->Now();
      auto r = round(ctx, next);
      if (!r.ok()) return fail(r.status());
      next = r->next;
      const bool idle = r->items.empty() && next >= log->Size();
      if (!idle || r->items.size() > 0 || stopping ||
          std::chrono::steady_clock::now() >= deadline) {
        if (r->items.empty() && next < log->Size() && std::chrono::steady_clock::now() < deadline &&
            !stopping) {
          continue;  // scanned a budget of invisible positions; keep going while time is left
        }
        json body = {{"items", std::move(r->items)}};
        if (next > 0) body["after"] = next - 1;
        return SendJson(res, 200, body);
      }
      const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      log->WaitForSizeAbove(next, std::min(remaining, kWaitSlice));
    }
  }

  // Server-Sent Events: runs until the reader disconnects or the server stops.
  struct SseState {
    RequestContext ctx;
    uint64_t next = 0;
    std::chrono::steady_clock::time_point last_write;
  };
  auto state = std::make_shared<SseState>();
  state->ctx = ctx;
  state->next = start;
  state->last_write = std::chrono::steady_clock::now();
  res.status = 200;
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream", [this, state, round](size_t, httplib::DataSink& sink) {
        if (stopping) {
          sink.done();
          return true;
        }
        state->ctx.now = clock->Now();
        auto r = round(state->ctx, state->next);
        if (!r.ok()) {
          spdlog::warn("feed: event stream ended: {}", r.status().ToString());
          return false;
        }
        state->next = r->next;
        std::string out;
        for (const json& item : r->items) {
          out += "id: " + std::to_string(item["position"].get<uint64_t>()) + "\n";
          out += "event: " + item["type"].get<std::string>() + "\n";
          out += "data: " + item.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
        }
        const auto now = std::chrono::steady_clock::now();
        if (out.empty() && now - state->last_write >= options.sse_keepalive) {
          out = ": keep-alive\n\n";
        }
        if (!out.empty()) {
          if (!sink.is_writable() || !sink.write(out.data(), out.size())) return false;
          state->last_write = now;
        }
        if (r->items.empty() && state->next >= log->Size()) {
          log->WaitForSizeAbove(state->next, kWaitSlice);
        }
        return true;
      });
}

}  // namespace kasane::api
