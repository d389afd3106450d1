// The envelope codec: the one place that turns RecordedEvent values into the canonical Cap'n
// Proto bytes the log stores and hashes, and back. Generated Cap'n Proto code is used only here.
//
// Thread-safety: stateless functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "eventstore/event.h"

namespace kasane::eventstore {

// Returns the canonical encoding (capnp::canonicalize) of `e`'s envelope fields. The `canonical`
// member of `e` is ignored.
std::string EncodeEnvelope(const RecordedEvent& e);

// The same encoding for `e` as it would be recorded at the given place and time, without
// building a RecordedEvent first (the append path). An unset occurred-at (0) becomes
// `recorded_at`.
std::string EncodeEnvelope(const NewEvent& e, std::string_view stream, Version version,
                           Position position, UnixNanos recorded_at);

// Decodes stored bytes. On success the result's `canonical` holds `bytes`. Fails with kDataLoss
// when the bytes are not a valid envelope or are not in canonical form (a stored event must
// re-encode to exactly the bytes its leaf hash covers).
Result<RecordedEvent> DecodeEnvelope(std::string_view bytes);

}  // namespace kasane::eventstore
