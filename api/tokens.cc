#include "api/tokens.h"

#include <sodium.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>
#include <tuple>

#include "domain/ids.h"
#include "domain/kinds.h"
#include "domain/vocabulary.h"
#include "eventstore/merkle.h"

namespace kasane::api {
namespace {

using eventstore::RecordedEvent;
using nlohmann::json;

constexpr size_t kIdBytes = 6;       // 12 hex digits
constexpr size_t kSecretBytes = 32;  // 43 base64url characters
constexpr size_t kIdChars = 2 * kIdBytes;
constexpr size_t kSecretChars = 43;
constexpr size_t kTokenChars = 4 + kIdChars + 1 + kSecretChars;  // "ksn_" id "_" secret
constexpr size_t kReadBatch = 512;

std::array<uint8_t, 32> Sha256(std::string_view text) {
  return eventstore::Sha256Of(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

std::string Hex(const uint8_t* bytes, size_t n) {
  return eventstore::BytesToHex(std::span<const uint8_t>(bytes, n));
}

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool IsBase64Url(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

Status ValidateLabel(std::string_view label) {
  if (label.size() > kMaxTokenLabelBytes) {
    return InvalidArgument("a token label is at most " + std::to_string(kMaxTokenLabelBytes) +
                           " bytes");
  }
  if (!eventstore::IsValidUtf8(label)) return InvalidArgument("a token label must be UTF-8");
  for (unsigned char c : label) {
    if (c < 0x20 || c == 0x7f) {
      return InvalidArgument("a token label may not hold control characters");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateTokenPrincipal(const domain::Principal& p) {
  if (domain::EnumName(p.role) == "?") return InvalidArgument("unknown role");
  KASANE_RETURN_IF_ERROR(domain::ValidateId("agency id", p.agency.value));
  if (p.role == domain::Role::kApp) {
    if (!p.staff.empty()) {
      return InvalidArgument("an app token has no staff id (name the app with its label)");
    }
    if (!p.app_scope) {
      return InvalidArgument("an app token needs an app scope (the kinds it may see)");
    }
    if (p.app_scope->kinds.empty()) {
      return InvalidArgument("an app token's scope must name at least one kind of information");
    }
    for (const domain::CaseId& c : p.app_scope->cases) {
      KASANE_RETURN_IF_ERROR(domain::ValidateId("case id", c.value));
    }
    return Status::Ok();
  }
  if (p.staff.empty()) {
    return InvalidArgument("a " + std::string(domain::EnumName(p.role)) +
                           " token needs a staff id");
  }
  KASANE_RETURN_IF_ERROR(domain::ValidateId("staff id", p.staff.value));
  if (p.app_scope) return InvalidArgument("only an app token has an app scope");
  return Status::Ok();
}

namespace {

// The principal from its JSON form; throws nlohmann::json::exception on wrong types.
Result<domain::Principal> PrincipalFromJson(const json& j) {
  domain::Principal p;
  p.staff = domain::StaffId(j.value("staff", std::string()));
  p.agency = domain::AgencyId(j.at("agency").get<std::string>());
  KASANE_ASSIGN_OR_RETURN(p.role, domain::ParseEnum<domain::Role>(j.at("role").get<std::string>()));
  if (j.contains("app_scope")) {
    const json& s = j.at("app_scope");
    domain::AppScope scope;
    for (const json& c : s.at("cases")) scope.cases.insert(domain::CaseId(c.get<std::string>()));
    for (const json& k : s.at("kinds")) {
      KASANE_ASSIGN_OR_RETURN(domain::InformationKind kind,
                              domain::ParseKind(k.get<std::string>()));
      scope.kinds.Insert(kind);
    }
    scope.content = s.at("content").get<bool>();
    p.app_scope = std::move(scope);
  }
  return p;
}

}  // namespace

json PrincipalJson(const domain::Principal& p) {
  json j = {{"staff", p.staff.value},
            {"agency", p.agency.value},
            {"role", std::string(domain::EnumName(p.role))}};
  if (p.app_scope) {
    json cases = json::array();
    for (const domain::CaseId& c : p.app_scope->cases) cases.push_back(c.value);
    json kinds = json::array();
    for (domain::InformationKind k : p.app_scope->kinds.Kinds()) {
      kinds.push_back(std::string(domain::KindName(k)));
    }
    j["app_scope"] = {{"cases", std::move(cases)},
                      {"kinds", std::move(kinds)},
                      {"content", p.app_scope->content}};
  }
  return j;
}

json TokenInfoJson(const TokenInfo& t) {
  return {{"id", t.id},           {"principal", PrincipalJson(t.principal)},
          {"label", t.label},     {"issued_at", t.issued_at},
          {"revoked", t.revoked}, {"revoked_at", t.revoked_at}};
}

TokenStore::TokenStore(eventstore::EventLog& log, Random* random) : log_(log), random_(random) {}
TokenStore::~TokenStore() = default;

Result<std::unique_ptr<TokenStore>> TokenStore::Open(eventstore::EventLog& log, Random* random) {
  if (sodium_init() < 0) return Internal("libsodium cannot initialise");
  std::unique_ptr<TokenStore> store(new TokenStore(log, random));
  KASANE_RETURN_IF_ERROR(store->Refresh());
  return store;
}

void TokenStore::RandomBytes(uint8_t* out, size_t n) {
  if (random_ != nullptr) {
    random_->Fill(std::span<uint8_t>(out, n));
  } else {
    randombytes_buf(out, n);
  }
}

Status TokenStore::Refresh() {
  std::lock_guard write(write_mu_);
  return RefreshLocked();
}

Status TokenStore::RefreshLocked() {
  const std::string stream(kTokenStream);
  for (;;) {
    auto read = log_.ReadStream(stream, next_version_, eventstore::Direction::kForward, kReadBatch);
    if (!read.ok()) {
      if (read.status().code() == StatusCode::kNotFound && next_version_ == 0) return Status::Ok();
      return read.status();
    }
    if (read->empty()) return Status::Ok();
    std::unique_lock lock(mu_);
    for (const RecordedEvent& e : *read) {
      if (e.version != next_version_) {
        return DataLoss("token stream: expected version " + std::to_string(next_version_) +
                        ", read " + std::to_string(e.version));
      }
      KASANE_RETURN_IF_ERROR(Apply(e));
      ++next_version_;
    }
    if (read->size() < kReadBatch) return Status::Ok();
  }
}

Status TokenStore::Apply(const RecordedEvent& e) {
  const std::string where = "token event at position " + std::to_string(e.position);
  json j = json::parse(e.payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return DataLoss(where + " is not a JSON object");
  try {
    if (e.type == kTokenIssuedType) {
      Entry entry;
      entry.info.id = j.at("id").get<std::string>();
      if (entry.info.id.size() != kIdChars || !IsLowerHex(entry.info.id)) {
        return DataLoss(where + " has a malformed id");
      }
      std::string hash = j.at("hash").get<std::string>();
      if (hash.size() != 64 || !IsLowerHex(hash)) return DataLoss(where + " has a malformed hash");
      for (size_t i = 0; i < entry.hash.size(); ++i) {
        entry.hash[i] = static_cast<uint8_t>(std::stoi(hash.substr(2 * i, 2), nullptr, 16));
      }
      auto principal = PrincipalFromJson(j.at("principal"));
      if (!principal.ok()) return DataLoss(where + ": " + principal.status().message());
      Status valid = ValidateTokenPrincipal(*principal);
      if (!valid.ok()) return DataLoss(where + ": " + valid.message());
      entry.info.principal = std::move(principal).value();
      entry.info.label = j.value("label", std::string());
      entry.info.issued_at = j.at("issued_at").get<UnixNanos>();
      if (tokens_.count(entry.info.id) != 0) {
        return DataLoss(where + " issues token " + entry.info.id + " a second time");
      }
      std::string id = entry.info.id;
      tokens_.emplace(std::move(id), std::move(entry));
      return Status::Ok();
    }
    if (e.type == kTokenRevokedType) {
      std::string id = j.at("id").get<std::string>();
      auto it = tokens_.find(id);
      if (it == tokens_.end()) return DataLoss(where + " revokes unknown token " + id);
      if (!it->second.info.revoked) {  // a second revocation keeps the first time
        it->second.info.revoked = true;
        it->second.info.revoked_at = j.at("revoked_at").get<UnixNanos>();
      }
      return Status::Ok();
    }
  } catch (const json::exception& ex) {
    return DataLoss(where + " is malformed: " + ex.what());
  }
  return FailedPrecondition(where + " has type " + e.type +
                            ", unknown to this version of kasane (written by a newer one?)");
}

Result<IssuedToken> TokenStore::Issue(const domain::Principal& principal, std::string label,
                                      UnixNanos now) {
  KASANE_RETURN_IF_ERROR(ValidateTokenPrincipal(principal));
  KASANE_RETURN_IF_ERROR(ValidateLabel(label));
  std::lock_guard write(write_mu_);

  IssuedToken issued;
  TokenInfo& info = issued.info;
  for (;;) {
    std::array<uint8_t, kIdBytes> id_bytes{};
    RandomBytes(id_bytes.data(), id_bytes.size());
    info.id = Hex(id_bytes.data(), id_bytes.size());
    std::shared_lock lock(mu_);
    if (tokens_.count(info.id) == 0) break;
  }
  std::array<uint8_t, kSecretBytes> secret{};
  RandomBytes(secret.data(), secret.size());
  char encoded[sodium_base64_ENCODED_LEN(kSecretBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(encoded, sizeof(encoded), secret.data(), secret.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  issued.token = std::string(kTokenPrefix) + info.id + "_" + encoded;
  sodium_memzero(secret.data(), secret.size());
  sodium_memzero(encoded, sizeof(encoded));
  const std::array<uint8_t, 32> hash = Sha256(issued.token);

  info.principal = principal;
  info.label = std::move(label);
  info.issued_at = now;

  std::array<uint8_t, 16> event_id{};
  RandomBytes(event_id.data(), event_id.size());
  eventstore::NewEvent e;
  std::copy(event_id.begin(), event_id.end(), e.id.bytes.begin());
  e.type = std::string(kTokenIssuedType);
  e.occurred_at = now;
  e.actor = eventstore::Actor{"kasane-tokens", "", ""};
  e.payload = json{
      {"id", info.id},
      {"hash", Hex(hash.data(), hash.size())},
      {"principal", PrincipalJson(info.principal)},
      {"label", info.label},
      {"issued_at",
       now}}.dump();
  auto appended =
      log_.Append(std::string(kTokenStream), eventstore::ExpectedVersion::Any(), {std::move(e)});
  if (!appended.ok()) return appended.status();
  // Reads back what was appended (and anything another store appended before it).
  KASANE_RETURN_IF_ERROR(RefreshLocked());
  return issued;
}

Status TokenStore::Revoke(std::string_view id, UnixNanos now) {
  std::lock_guard write(write_mu_);
  KASANE_RETURN_IF_ERROR(RefreshLocked());
  {
    std::shared_lock lock(mu_);
    auto it = tokens_.find(std::string(id));
    if (it == tokens_.end()) return NotFound("no token has id '" + std::string(id) + "'");
    if (it->second.info.revoked) return Status::Ok();
  }
  std::array<uint8_t, 16> event_id{};
  RandomBytes(event_id.data(), event_id.size());
  eventstore::NewEvent e;
  std::copy(event_id.begin(), event_id.end(), e.id.bytes.begin());
  e.type = std::string(kTokenRevokedType);
  e.occurred_at = now;
  e.actor = eventstore::Actor{"kasane-tokens", "", ""};
  e.payload = json{{"id", std::string(id)}, {"revoked_at", now}}.dump();
  auto appended =
      log_.Append(std::string(kTokenStream), eventstore::ExpectedVersion::Any(), {std::move(e)});
  if (!appended.ok()) return appended.status();
  return RefreshLocked();
}

std::vector<TokenInfo> TokenStore::List() const {
  std::vector<TokenInfo> out;
  {
    std::shared_lock lock(mu_);
    out.reserve(tokens_.size());
    for (const auto& [id, entry] : tokens_) out.push_back(entry.info);
  }
  std::sort(out.begin(), out.end(), [](const TokenInfo& a, const TokenInfo& b) {
    return std::tie(a.issued_at, a.id) < std::tie(b.issued_at, b.id);
  });
  return out;
}

std::optional<TokenInfo> TokenStore::Find(std::string_view id) const {
  std::shared_lock lock(mu_);
  auto it = tokens_.find(std::string(id));
  if (it == tokens_.end()) return std::nullopt;
  return it->second.info;
}

std::optional<TokenInfo> TokenStore::Authenticate(std::string_view token) const {
  if (token.size() != kTokenChars || token.substr(0, kTokenPrefix.size()) != kTokenPrefix) {
    return std::nullopt;
  }
  std::string_view id = token.substr(kTokenPrefix.size(), kIdChars);
  std::string_view secret = token.substr(kTokenPrefix.size() + kIdChars + 1);
  if (token[kTokenPrefix.size() + kIdChars] != '_' || !IsLowerHex(id) || !IsBase64Url(secret)) {
    return std::nullopt;
  }
  const std::array<uint8_t, 32> presented = Sha256(token);
  std::shared_lock lock(mu_);
  auto it = tokens_.find(std::string(id));
  if (it == tokens_.end() || it->second.info.revoked) return std::nullopt;
  if (sodium_memcmp(presented.data(), it->second.hash.data(), presented.size()) != 0) {
    return std::nullopt;
  }
  return it->second.info;
}

}  // namespace kasane::api
