#include "api/case_store.h"

#include <algorithm>
#include <atomic>

#include "projections/event_codec.h"

namespace kasane::api {
namespace {

constexpr size_t kReadBatch = 512;

// Reads `stream` from version `from` to its head and hands each decoded event to `fold`, with
// its sealed parts.
template <typename Fold>
Status ReadFrom(const eventstore::EventLog& log, const std::string& stream, uint64_t from,
                uint64_t head_count, Fold fold) {
  while (from < head_count) {
    auto batch = log.ReadStream(stream, from, eventstore::Direction::kForward,
                                std::min<uint64_t>(kReadBatch, head_count - from));
    if (!batch.ok()) return batch.status();
    if (batch->empty()) return Internal("stream " + stream + " ended before its head");
    for (eventstore::RecordedEvent& r : *batch) {
      auto d = projections::DecodeWithoutContent(r);
      if (!d.ok()) {
        return Status(StatusCode::kDataLoss, "event at position " + std::to_string(r.position) +
                                                 " does not decode: " + d.status().message());
      }
      fold(r.position, std::move(d->event), std::move(r.sealed));
      ++from;
    }
  }
  return Status::Ok();
}

// The number of events in `stream` (0 when it does not exist).
Result<uint64_t> EventCount(const eventstore::EventLog& log, const std::string& stream) {
  auto head = log.GetStreamHead(stream);
  if (head.ok()) return head->version + 1;
  if (head.status().code() == StatusCode::kNotFound) return uint64_t{0};
  return head.status();
}

}  // namespace

std::string CaseStream(const domain::CaseId& id) { return "case-" + id.value; }

bool RelatedTo(const domain::Principal& principal, const CaseSnapshot& snap, UnixNanos now) {
  if (!snap.state.opened) return false;
  if (principal.role == domain::Role::kAuditor) return true;
  for (const CaseEvent& e : snap.events) {
    if (domain::Evaluate(principal, snap.state, e.event, now).level !=
        domain::ScopeLevel::kNothing) {
      return true;
    }
  }
  return false;
}

bool MayRecordInto(const domain::Principal& principal, const CaseSnapshot& snap, UnixNanos now) {
  const domain::CaseState& s = snap.state;
  const domain::AgencyId& a = principal.agency;
  if (s.intake_agency == a || s.lead_agency == a) return true;
  for (const auto& [id, c] : s.consents) {
    if (c.NamesAgency(a)) return true;
  }
  for (const auto& [id, r] : s.referrals) {
    if (r.from_agency == a || r.to_agency == a) return true;
  }
  for (const auto& [id, m] : s.meetings) {
    for (const domain::MemberState& member : m.members) {
      if (member.member.agency == a) return true;
    }
  }
  if (s.plan) {
    const domain::PlanState& p = *s.plan;
    if (p.HasRole(a) || p.accompanying_agency == a) return true;
    for (const domain::AgencyId& d : p.draft_role_agencies) {
      if (d == a) return true;
    }
  }
  for (const domain::DisclosureState& d : s.disclosures) {
    for (const domain::Recipient& r : d.recipients) {
      if (r.agency == a) return true;
    }
  }
  return RelatedTo(principal, snap, now);
}

bool SeesCaseStructure(const domain::Principal& principal, const CaseSnapshot& snap,
                       UnixNanos now) {
  if (!snap.state.opened || snap.events.empty()) return false;
  if (principal.role == domain::Role::kAuditor || principal.role == domain::Role::kSecretariat) {
    return true;
  }
  const domain::ScopeLevel level =
      domain::Evaluate(principal, snap.state, snap.events.front().event, now).level;
  return principal.role == domain::Role::kApp ? level != domain::ScopeLevel::kNothing
                                              : level == domain::ScopeLevel::kFull;
}

const CaseEvent* CaseSnapshot::AtPosition(uint64_t position) const {
  auto it = std::lower_bound(events.begin(), events.end(), position,
                             [](const CaseEvent& e, uint64_t p) { return e.position < p; });
  return it != events.end() && it->position == position ? &*it : nullptr;
}

Result<projections::DecodedEvent> CaseSnapshot::Unsealed(uint64_t position,
                                                         const eventstore::EventLog& log) const {
  const CaseEvent* e = AtPosition(position);
  if (e == nullptr) return NotFound("no event of the case at position " + std::to_string(position));
  projections::DecodedEvent d;
  d.event = e->event;
  d.stream = CaseStream(state.case_id);
  d.version = static_cast<eventstore::Version>(e - events.data());
  d.position = position;
  KASANE_RETURN_IF_ERROR(projections::OpenSealedParts(d, e->sealed, log));
  return d;
}

std::shared_ptr<const nlohmann::json> CaseSnapshot::View() const {
  std::lock_guard lock(view_mu_);
  if (!view_) {
    view_ = std::make_shared<const nlohmann::json>(projections::BuildCaseView(state, extras));
  }
  return view_;
}

CaseStore::CaseStore(const eventstore::EventLog& log, size_t max_cases)
    : log_(log), max_cases_(max_cases) {}

template <typename Feed>
Result<std::shared_ptr<CaseSnapshot>> CaseStore::Extend(Entry& entry, Feed feed) {
  std::shared_ptr<CaseSnapshot> next;
  if (!entry.snap) {
    next = std::make_shared<CaseSnapshot>();
  } else if (entry.snap.use_count() == 1) {
    // Nobody else holds it: extend in place. Copies of entry.snap are only ever made under
    // entry.mu, so no new holder can appear; the fence orders the last holder's release (a
    // relaxed decrement seen through use_count) before the writes below.
    std::atomic_thread_fence(std::memory_order_acquire);
    next = std::move(entry.snap);
  } else {
    next = std::make_shared<CaseSnapshot>(*entry.snap);  // a reader holds it: copy
  }
  auto add = [&next](uint64_t position, domain::DomainEvent&& e,
                     std::vector<eventstore::SealedPart>&& sealed) {
    next->state = domain::Evolve(std::move(next->state), e);
    next->extras.Apply(e, position);
    next->events.push_back({position, std::move(e), std::move(sealed)});
  };
  KASANE_RETURN_IF_ERROR(feed(next->count(), add));
  {
    std::lock_guard view_lock(next->view_mu_);
    next->view_.reset();  // extended in place: the old view is stale
  }
  entry.snap = next;
  return next;
}

Result<std::shared_ptr<const CaseSnapshot>> CaseStore::Load(const domain::CaseId& id) {
  const std::string stream = CaseStream(id);
  KASANE_ASSIGN_OR_RETURN(const uint64_t head_count, EventCount(log_, stream));
  if (head_count == 0) {
    auto empty = std::make_shared<CaseSnapshot>();
    empty->state.case_id = id;
    return std::shared_ptr<const CaseSnapshot>(std::move(empty));
  }
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(mu_);
    auto& slot = cases_[id];
    if (!slot) slot = std::make_shared<Entry>();
    entry = slot;
    if (cases_.size() > max_cases_) {
      auto victim = cases_.begin();
      if (victim->first == id) ++victim;
      cases_.erase(victim);
    }
  }
  std::lock_guard lock(entry->mu);
  if (entry->snap && entry->snap->count() >= head_count) {
    return std::shared_ptr<const CaseSnapshot>(entry->snap);
  }
  KASANE_ASSIGN_OR_RETURN(std::shared_ptr<CaseSnapshot> next,
                          Extend(*entry, [&](uint64_t from, const auto& add) {
                            return ReadFrom(log_, stream, from, head_count, add);
                          }));
  return std::shared_ptr<const CaseSnapshot>(std::move(next));
}

void CaseStore::Offer(const domain::CaseId& id, uint64_t first_version, uint64_t first_position,
                      std::vector<CaseEvent> events) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(mu_);
    auto it = cases_.find(id);
    if (it == cases_.end() || !it->second) return;
    entry = it->second;
  }
  std::lock_guard lock(entry->mu);
  if (!entry->snap || entry->snap->count() != first_version) return;
  Extend(*entry,
         [&](uint64_t, const auto& add) {
           uint64_t position = first_position;
           for (CaseEvent& e : events) add(position++, std::move(e.event), std::move(e.sealed));
           return Status::Ok();
         })
      .status()
      .IgnoreError();  // the feed cannot fail
  offered_events_.fetch_add(events.size());
}

Result<std::shared_ptr<const DirectorySnapshot>> CaseStore::Directory() {
  const std::string stream(kAdminStream);
  KASANE_ASSIGN_OR_RETURN(const uint64_t head_count, EventCount(log_, stream));
  std::shared_ptr<const DirectorySnapshot> cached;
  {
    std::lock_guard lock(directory_mu_);
    cached = directory_;
  }
  if (cached && cached->count >= head_count) return cached;
  auto next =
      cached ? std::make_shared<DirectorySnapshot>(*cached) : std::make_shared<DirectorySnapshot>();
  Status s =
      ReadFrom(log_, stream, next->count, head_count,
               [&](uint64_t, domain::DomainEvent&& e, std::vector<eventstore::SealedPart>&&) {
                 next->directory = domain::EvolveDirectory(std::move(next->directory), e);
                 ++next->count;
               });
  if (!s.ok()) return s;
  std::shared_ptr<const DirectorySnapshot> result = std::move(next);
  std::lock_guard lock(directory_mu_);
  if (!directory_ || directory_->count < result->count) directory_ = result;
  return result;
}

}  // namespace kasane::api
