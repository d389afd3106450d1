// Problem details (RFC 9457): every error the API answers is `application/problem+json` with a
// stable `type` per error, so clients branch on `type`, never on the English `detail`.
//
// Types are URNs, `urn:kasane:problem:<slug>`, listed in docs/api.md ("Errors"). The detail
// never carries personal content: messages come from Status texts that name ids, rules and
// JSON pointers only (payload_json.h, decide.h).
//
// Thread-safety: stateless functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kasane::api {

struct Problem {
  int status = 500;
  std::string slug;  // the stable part of `type`, e.g. "not-found"
  std::string title;
  std::string detail;
  nlohmann::json extra = nlohmann::json::object();  // e.g. {"rule": "tax_consent"}

  std::string Type() const { return "urn:kasane:problem:" + slug; }
  // The problem+json body; `instance` is the request id (urn:kasane:request:<id>).
  nlohmann::json Body(std::string_view request_id) const;
};

inline constexpr std::string_view kProblemContentType = "application/problem+json";

Problem MakeProblem(int status, std::string slug, std::string title, std::string detail);

// The problem for a failed Status from the layers below:
//   kInvalidArgument -> 422 validation       kNotFound -> 404 not-found
//   kAlreadyExists -> 409 event-id-conflict  kConflict -> 412 version-conflict
//   kPermissionDenied -> 403 forbidden       kFailedPrecondition -> 422 rule-refused
//   kUnauthenticated -> 401 unauthorized     kResourceExhausted -> 507 storage-full
//   kUnavailable -> 503 unavailable          kIoError/kDataLoss/kInternal -> 500/503 storage
Problem ProblemFromStatus(const Status& status);

}  // namespace kasane::api
