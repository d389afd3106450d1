// Fuzz target: audit-bundle verification (eventstore::VerifyAuditBundle), the auditor's offline
// check of a document that may come from anywhere. Each input is checked twice: as it is, against
// the fixed key (a mutated signature or checkpoint must be refused), and with its checkpoint
// signed again by that key over the bundle's own tree_size and root_hex, so that mutated events,
// positions, leaves and inclusion proofs reach the proof checks (eventstore/merkle.h) instead of
// stopping at the signature. Neither may crash; the answer is OK, kInvalidArgument or kDataLoss.
// Seeds: bundles of a real log (one stream, the whole log, an empty stream's log), re-signed.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "eventstore/audit_bundle.h"
#include "eventstore/event_log.h"
#include "eventstore/merkle.h"
#include "tests/eventstore/test_util.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace kasane;
using namespace kasane::eventstore;
using nlohmann::json;

// `bundle` with its checkpoint replaced by the fuzz key's signature of (tree_size, root_hex);
// empty when the bundle has no such fields.
std::string Resigned(std::string_view bundle) {
  json b = json::parse(bundle, nullptr, /*allow_exceptions=*/false);
  if (b.is_discarded() || !b.is_object()) return "";
  auto size = b.find("tree_size");
  auto root_hex = b.find("root_hex");
  if (size == b.end() || !size->is_number_unsigned() || root_hex == b.end() ||
      !root_hex->is_string()) {
    return "";
  }
  auto root = HashFromHex(root_hex->get<std::string>());
  if (!root.ok()) return "";
  Checkpoint cp{fuzz::FuzzSigner().name(), size->get<uint64_t>(), *root, {}};
  auto note = fuzz::FuzzSigner().Sign(cp.Marshal());
  if (!note.ok()) std::abort();
  b["checkpoint"] = *note;
  return b.dump(-1, ' ', false, json::error_handler_t::replace);
}

void WriteSeeds(const std::string& dir) {
  testing::TempDir tmp;
  SeededRandom random(1);
  FakeClock clock;
  EventLogOptions options;
  options.dir = tmp.Sub("data");
  options.origin = "kasane.fuzz/log";
  options.clock = &clock;
  options.random = &random;
  auto log = EventLog::Open(options);
  if (!log.ok()) std::abort();
  for (uint64_t i = 0; i < 6; ++i) {
    const std::string stream = i % 3 == 0 ? "case-c-2" : "case-c-1";
    auto r = (*log)->Append(stream, ExpectedVersion::Any(), {testing::MakeEvent(i)});
    if (!r.ok()) std::abort();
  }
  auto write = [&](const std::string& name, const std::optional<std::string>& stream) {
    auto bundle = BuildAuditBundle(**log, stream);
    if (!bundle.ok()) std::abort();
    fuzz::WriteSeed(dir, name, Resigned(*bundle));
  };
  write("stream", "case-c-2");
  write("whole-log", std::nullopt);
  auto one = (*log)->Append("case-c-3", ExpectedVersion::Any(), {testing::MakeEvent(6)});
  if (!one.ok()) std::abort();
  write("last-event", "case-c-3");
}

}  // namespace

KASANE_FUZZ_SEEDS(WriteSeeds)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  static const std::string key = fuzz::FuzzSigner().VerifierKey();
  auto check = [](std::string_view bundle) {
    auto summary = VerifyAuditBundle(bundle, key);
    if (summary.ok()) {
      FUZZ_CHECK(summary->origin == "kasane.fuzz/log");
      FUZZ_CHECK(summary->events_verified <= summary->tree_size);
    } else {
      FUZZ_CHECK(summary.status().code() == StatusCode::kInvalidArgument ||
                 summary.status().code() == StatusCode::kDataLoss);
    }
  };
  check(in);
  const std::string resigned = Resigned(in);
  if (!resigned.empty()) check(resigned);
  return 0;
}
