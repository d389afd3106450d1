@0xc8e1a0b6f4d2e391;
# The event envelope: what the log stores for every event, in canonical encoding.
# Fields are only ever added; ordinals are never reused (see docs/storage-format.md).

$import "/capnp/c++.capnp".namespace("kasane::eventstore::wire");

struct Actor {
  staff @0 :Text;
  agency @1 :Text;
  role @2 :Text;
}

# A personal part of the payload, encrypted for one data subject (issue: sealed payloads).
struct SealedPart {
  subject @0 :Text;      # opaque subject (person) id
  path @1 :Text;         # field path within the payload
  nonce @2 :Data;        # XChaCha20-Poly1305 nonce (24 bytes)
  ciphertext @3 :Data;   # ciphertext with tag
}

struct Envelope {
  eventId @0 :Data;          # 16 bytes, client-supplied
  stream @1 :Text;
  version @2 :UInt64;        # position within the stream, from 0
  position @3 :UInt64;       # global position = Merkle leaf index
  type @4 :Text;
  recordedAt @5 :Int64;      # server clock, ns since Unix epoch, non-decreasing
  occurredAt @6 :Int64;      # business time, ns since Unix epoch
  actor @7 :Actor;
  causationId @8 :Data;      # 16 bytes or empty
  correlationId @9 :Data;    # 16 bytes or empty
  payload @10 :Data;         # opaque to the store (the domain's Cap'n Proto bytes)
  sealed @11 :List(SealedPart);
}
