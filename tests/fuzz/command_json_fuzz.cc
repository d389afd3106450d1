// Fuzz target: decoding a command's JSON body into a domain payload (api::PayloadFromJson, what
// the command routes run on every request body). Input: an event type on the first line, then
// the body. Arbitrary bytes must be refused with kInvalidArgument or decode; a decoded payload
// must be of that type, render back (projections::PayloadJson) to JSON that decodes to the same
// payload (the documented strict inverse), and survive the stored encoding (domain codec).
// Seeds: every event of the three worked examples as "<type>\n<payload JSON>".
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/payload_json.h"
#include "domain/codec.h"
#include "projections/event_json.h"
#include "tests/domain/worked_examples.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace kasane;
using nlohmann::json;

void WriteSeeds(const std::string& dir) {
  int n = 0;
  auto story = [&](auto build) {
    domain::testing::World w;
    build(w);
    for (const domain::DomainEvent& e : w.log) {
      const std::string text = std::string(domain::TypeOf(e.payload)) + "\n" +
                               projections::PayloadJson(e.payload, true).dump();
      fuzz::WriteSeed(dir, "payload-" + std::to_string(n++), text);
    }
  };
  story([](domain::testing::World& w) { domain::testing::Build8050Household(w); });
  story([](domain::testing::World& w) { domain::testing::BuildFourPersonHousehold(w); });
  story([](domain::testing::World& w) { domain::testing::BuildSupportMeetingTaxRefusal(w); });
}

}  // namespace

KASANE_FUZZ_SEEDS(WriteSeeds)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  const std::string_view type = in.substr(0, nl);
  const json body = json::parse(in.substr(nl + 1), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return 0;
  auto payload = api::PayloadFromJson(type, body);
  if (!payload.ok()) {
    FUZZ_CHECK(payload.status().code() == StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(domain::TypeOf(*payload) == type);
  const json rendered = projections::PayloadJson(*payload, true);
  auto again = api::PayloadFromJson(type, rendered);
  FUZZ_CHECK(again.ok() && *again == *payload);
  auto bytes = domain::EncodePayload(*payload);
  FUZZ_CHECK(bytes.ok());
  auto decoded = domain::DecodePayload(type, *bytes);
  FUZZ_CHECK(decoded.ok() && *decoded == *payload);
  return 0;
}
