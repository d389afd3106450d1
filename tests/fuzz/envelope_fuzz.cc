// Fuzz target: decoding stored event bytes (eventstore::DecodeEnvelope, then the domain payload
// inside with domain::DecodePayload). Arbitrary bytes must decode or be refused with a status
// (kDataLoss / kInvalidArgument), never crash; what decodes, encoded again, must decode to the
// same value (byte equality does not hold: see the comment in the target).
// Seeds: every event of the three worked examples (tests/domain/worked_examples.h) as a stored
// envelope, one with sealed parts and causation/correlation ids.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "domain/codec.h"
#include "eventstore/envelope_codec.h"
#include "tests/domain/worked_examples.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace kasane;

void WriteSeeds(const std::string& dir) {
  int n = 0;
  auto story = [&](auto build) {
    domain::testing::World w;
    build(w);
    for (const domain::DomainEvent& e : w.log) {
      auto payload = domain::EncodePayload(e.payload);
      if (!payload.ok()) std::abort();
      eventstore::NewEvent ne;
      std::copy(e.id.bytes.begin(), e.id.bytes.end(), ne.id.bytes.begin());
      ne.type = std::string(domain::TypeOf(e.payload));
      ne.occurred_at = e.occurred_at;
      ne.actor = eventstore::Actor{e.actor.staff.value, e.actor.agency.value, "caseworker"};
      ne.payload = *payload;
      if (n % 7 == 3) {
        ne.causation_id = ne.id;
        ne.correlation_id = ne.id;
        ne.sealed.push_back(eventstore::SealedPart{"p-1", "/members/0/profile",
                                                   std::string(24, 'n'), std::string(40, 'c')});
      }
      const std::string bytes =
          eventstore::EncodeEnvelope(ne, "case-c-1", static_cast<uint64_t>(n),
                                     static_cast<uint64_t>(n) + 3, e.occurred_at + 1000);
      kasane::fuzz::WriteSeed(dir, "event-" + std::to_string(n++), bytes);
    }
  };
  story([](domain::testing::World& w) { domain::testing::Build8050Household(w); });
  story([](domain::testing::World& w) { domain::testing::BuildFourPersonHousehold(w); });
  story([](domain::testing::World& w) { domain::testing::BuildSupportMeetingTaxRefusal(w); });
}

}  // namespace

KASANE_FUZZ_SEEDS(WriteSeeds)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = kasane::eventstore::DecodeEnvelope(bytes);
  if (!decoded.ok()) {
    FUZZ_CHECK(decoded.status().code() == kasane::StatusCode::kDataLoss);
    return 0;
  }
  FUZZ_CHECK(decoded->canonical == bytes);
  // Canonical bytes may still carry what this schema does not know (a newer schema's fields,
  // set bits in a data word's unused part: capnp keeps them for schema evolution), which a
  // decode drops; so the property is that encoding what was decoded decodes to the same value.
  const std::string encoded = kasane::eventstore::EncodeEnvelope(*decoded);
  auto redecoded = kasane::eventstore::DecodeEnvelope(encoded);
  FUZZ_CHECK(redecoded.ok());
  redecoded->canonical = decoded->canonical;
  FUZZ_CHECK(*redecoded == *decoded);
  auto payload = kasane::domain::DecodePayload(decoded->type, decoded->payload);
  if (payload.ok()) {
    FUZZ_CHECK(kasane::domain::TypeOf(*payload) == decoded->type);
    auto again = kasane::domain::EncodePayload(*payload);
    FUZZ_CHECK(again.ok());
    auto payload_again = kasane::domain::DecodePayload(decoded->type, *again);
    FUZZ_CHECK(payload_again.ok() && *payload_again == *payload);
  }
  return 0;
}
