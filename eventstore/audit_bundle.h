// Audit bundles: a self-contained JSON document that lets an auditor holding only the log's
// verifier key check, offline, that a set of events is in the log exactly as signed. The format
// is specified in docs/audit-bundle.md; tools/verify_bundle.py is an independent verifier.
//
// Thread-safety: free functions; BuildAuditBundle is as thread-safe as EventLog.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "eventstore/event_log.h"

namespace kasane::eventstore {

inline constexpr char kAuditBundleFormat[] = "kasane-audit-bundle/1";

// Signs a fresh checkpoint of `log` and returns a bundle holding every event of `stream` (or of
// the whole log when `stream` is empty) below the checkpoint's size, each with its canonical bytes
// and inclusion proof. Fails with kNotFound for an unknown stream.
Result<std::string> BuildAuditBundle(EventLog& log, const std::optional<std::string>& stream);

struct BundleSummary {
  std::string origin;
  uint64_t tree_size = 0;
  std::string root_hex;
  uint64_t events_verified = 0;
};

// Verifies a bundle against `verifier_key` (which the auditor obtained out of band): the
// checkpoint signature, that the bundle's size and root are the checkpoint's, every leaf hash and
// every inclusion proof, positions strictly increasing. Needs no data folder. Fails with
// kInvalidArgument for a malformed bundle and kDataLoss for one that does not verify.
Result<BundleSummary> VerifyAuditBundle(std::string_view bundle_json,
                                        std::string_view verifier_key);

}  // namespace kasane::eventstore
