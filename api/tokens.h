// TokenStore: the bearer tokens of the HTTP API, each bound to one principal (staff, agency, role;
// an app's scope), issued and revoked with `kasane token issue|revoke|list` and checked on every
// request. docs/api.md, "Authentication: bearer tokens", is the longer account.
//
// Token text (given to its holder once, never stored):
//   ksn_<id>_<secret>   id = 12 lower-case hex digits (6 random bytes, public: it names the
//                       token in lists and revocations); secret = 32 random bytes in unpadded
//                       base64url (43 characters). 60 characters in all.
//
// What is stored: log-level events in the log's stream `tokens` (nothing personal in them):
//   token.issued   {"id", "hash": hex SHA-256 of the whole token text, "principal": {"staff",
//                  "agency", "role", "app_scope": {"cases", "kinds", "content"}}, "label",
//                  "issued_at"}
//   token.revoked  {"id", "revoked_at"}
// Open replays the stream into memory; Issue and Revoke append (durably, through the log's group
// commit) and then update memory. The log is the only store, so tokens survive restarts, backups
// carry them, and every issue and revocation is in the Merkle tree (tamper-evident).
//
// Threat model:
// - A copy of the data folder, a backup or an export shows only hashes. The secret is 256 random
//   bits, so the hash cannot be inverted or guessed; a slow password hash (Argon2, bcrypt) would
//   add nothing for such an input and would cost every request.
// - Authenticate looks the token up by its public id and compares SHA-256 digests with
//   sodium_memcmp (constant time), so response timing reveals neither the stored hash nor how
//   much of a guess matched. The lookup by id may reveal whether an id exists; the id is not a
//   secret.
// - A revoked token fails from the moment Revoke returns, in this process. A second process
//   (another TokenStore over the same log) sees revocations only after its own Refresh.
// - Whoever can append to the stream `tokens` can mint tokens: the log is the root of trust, and
//   the API must never let a client append to this stream.
// - Token text is never logged or printed by kasane except once, by `kasane token issue`.
//
// Thread-safety: every method is safe to call concurrently. Authenticate and List take a shared
// lock over an in-memory map (no log reads); Issue, Revoke and Refresh are serialised among
// themselves and take the map's lock exclusively only to apply what they appended or read.
//
//   KASANE_ASSIGN_OR_RETURN(auto tokens, TokenStore::Open(log));
//   KASANE_ASSIGN_OR_RETURN(IssuedToken t, tokens->Issue(principal, "front desk", clock.Now()));
//   std::optional<TokenInfo> who = tokens->Authenticate(bearer);  // nullopt: answer 401
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "base/status.h"
#include "domain/scope_policy.h"
#include "eventstore/event_log.h"

namespace kasane::api {

// The log stream holding token events, and their types.
inline constexpr std::string_view kTokenStream = "tokens";
inline constexpr std::string_view kTokenIssuedType = "token.issued";
inline constexpr std::string_view kTokenRevokedType = "token.revoked";
// The token text's fixed prefix; a label's maximum length in bytes.
inline constexpr std::string_view kTokenPrefix = "ksn_";
inline constexpr size_t kMaxTokenLabelBytes = 200;

// What is known of a token. Never holds the token text or its hash.
struct TokenInfo {
  std::string id;  // 12 hex digits
  domain::Principal principal;
  std::string label;  // the issuer's note (a device, an app), never personal content
  UnixNanos issued_at = 0;
  bool revoked = false;
  UnixNanos revoked_at = 0;  // 0 unless revoked
  friend bool operator==(const TokenInfo&, const TokenInfo&) = default;
};

// The result of Issue: the token text, to hand over once; only its hash was stored.
struct IssuedToken {
  TokenInfo info;
  std::string token;
};

// OK when `principal` may hold a token: a well-formed agency id (domain::ValidateId); for an
// app, no staff id and an AppScope naming at least one kind and only well-formed case ids; for
// every other role, a well-formed staff id and no AppScope. kInvalidArgument saying what is wrong
// otherwise.
Status ValidateTokenPrincipal(const domain::Principal& principal);

// {"staff", "agency", "role"} plus, for an app, "app_scope": {"cases", "kinds", "content"}: the
// form stored in token.issued and printed by `kasane token`.
nlohmann::json PrincipalJson(const domain::Principal& principal);
// {"id", "principal", "label", "issued_at", "revoked", "revoked_at"}: never a hash or a secret.
nlohmann::json TokenInfoJson(const TokenInfo& info);

class TokenStore final {
 public:
  // Loads every event of the stream `tokens` (a missing stream: no tokens yet). `log` must
  // outlive the store. `random` (null: libsodium's randombytes_buf) makes ids and secrets; it must
  // outlive the store. Fails with the log's status when it cannot be read; kDataLoss when a
  // token event is malformed or revokes an unknown token; kFailedPrecondition for an event type
  // this version does not know (written by a newer kasane: failing closed is safer than
  // ignoring, say, a suspension).
  static Result<std::unique_ptr<TokenStore>> Open(eventstore::EventLog& log,
                                                  Random* random = nullptr);

  TokenStore(const TokenStore&) = delete;
  TokenStore& operator=(const TokenStore&) = delete;
  ~TokenStore();

  // Issues a token for `principal`, appending token.issued to the log before it returns.
  // kInvalidArgument when ValidateTokenPrincipal refuses the principal, or the label is longer
  // than kMaxTokenLabelBytes, not UTF-8 or holds control characters. Otherwise the log's append
  // status (for kIoError, the outcome is unknown: list the tokens and revoke a stray one).
  Result<IssuedToken> Issue(const domain::Principal& principal, std::string label, UnixNanos now);

  // Revokes token `id`, appending token.revoked. Idempotent: revoking a revoked token succeeds,
  // appends nothing and keeps the first revoked_at, so a retry after an uncertain failure is
  // safe. kNotFound for an unknown id; otherwise the log's append status (the token then stays
  // valid in memory; retry).
  Status Revoke(std::string_view id, UnixNanos now);

  // Every token, revoked ones included, ordered by issued_at then id.
  std::vector<TokenInfo> List() const;
  // The token with this id, or nullopt.
  std::optional<TokenInfo> Find(std::string_view id) const;

  // The token's info when `token` is well-formed, known, not revoked and its SHA-256 equals the
  // stored one (compared in constant time); nullopt otherwise. No log reads.
  std::optional<TokenInfo> Authenticate(std::string_view token) const;

  // Applies token events appended to the log since the last load (by another TokenStore over the
  // same log). Same failures as Open.
  Status Refresh();

 private:
  using Digest = std::array<uint8_t, 32>;
  struct Entry {
    TokenInfo info;
    Digest hash{};
  };

  TokenStore(eventstore::EventLog& log, Random* random);
  // Refresh's body. REQUIRES(write_mu_).
  Status RefreshLocked();
  // Applies one recorded event of the stream. REQUIRES(mu_) exclusive.
  Status Apply(const eventstore::RecordedEvent& e);
  void RandomBytes(uint8_t* out, size_t n);

  eventstore::EventLog& log_;  // outlives the store
  Random* random_;             // may be null; outlives the store

  std::mutex write_mu_;                            // serialises Issue, Revoke, Refresh
  eventstore::Version next_version_ = 0;           // GUARDED_BY(write_mu_)
  mutable std::shared_mutex mu_;                   // the map
  std::unordered_map<std::string, Entry> tokens_;  // GUARDED_BY(mu_)
};

}  // namespace kasane::api
