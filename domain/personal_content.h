// Personal content: reaching into a payload's personal fields to take their values out, put them
// back, or blank them, without knowing the payload's type.
//
// PersonalFieldsOf (events.h) lists the personal fields of a payload; ForEachPersonalSlot walks
// the same fields, in the same order and with the same paths and subjects, and hands the caller
// a PersonalSlot through which it can read, take, set or clear the value. This is what the
// sealing glue (projections/event_codec.h) uses to move every personal field into a sealed part
// and back; the domain itself knows nothing of keys or ciphertext.
//
// Each personal value has one byte encoding, its "plaintext" (docs/sealing.md):
//   text             the UTF-8 bytes themselves, unframed;
//   list of text     each element as a frame: unsigned LEB128 byte length, then the bytes;
//   struct           each field in Describe order as two frames: its schema name, then its
//                    value's encoding (recursively). Decoding matches fields by name: a field
//                    absent from the bytes stays default (older writer), an unknown name is
//                    skipped (newer writer), as Cap'n Proto itself does.
// A value equal to its type's default (empty text, empty list, a struct of empty fields) is
// "empty": it carries no personal content.
//
// Thread-safety: plain functions over the caller's payload; not safe to call concurrently on the
// same payload.
//
//   Status s = ForEachPersonalSlot(payload, [&](PersonalSlot& slot) -> Status {
//     if (slot.empty()) return Status::Ok();
//     std::string plaintext = slot.Take();  // the field is now blank
//     ...
//     return Status::Ok();
//   });
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "domain/events.h"

namespace kasane::domain {

// One personal field of a payload during a walk. Valid only inside the callback that receives it.
class PersonalSlot {
 public:
  // The field's path of schema names, as in PersonalFieldsOf (e.g. "members[1].profile").
  const std::string& path() const { return path_; }
  // The data subject the field belongs to (may be empty if the payload names none).
  const PersonId& subject() const { return subject_; }

  // True when the value is its type's default (no personal content).
  virtual bool empty() const = 0;
  // The value's plaintext encoding; the field keeps its value.
  virtual std::string Encode() const = 0;
  // The value's plaintext encoding; the field is left blank (default). For text this moves the
  // string out without copying it.
  virtual std::string Take() = 0;
  // Sets the field from a plaintext encoding. Failure: kDataLoss when `plaintext` is not a
  // well-formed encoding of the field's type (the field is then left blank).
  virtual Status Set(std::string_view plaintext) = 0;
  // Blanks the field (sets it to its type's default).
  virtual void Clear() = 0;

 protected:
  PersonalSlot(std::string path, PersonId subject)
      : path_(std::move(path)), subject_(std::move(subject)) {}
  ~PersonalSlot() = default;

 private:
  std::string path_;
  PersonId subject_;
};

// Calls `fn` once per personal field of `payload`, in schema order (the order and paths of
// PersonalFieldsOf). Stops at, and returns, the first non-OK status `fn` returns; OK otherwise.
Status ForEachPersonalSlot(Payload& payload, const std::function<Status(PersonalSlot&)>& fn);

}  // namespace kasane::domain
