#include "api/problem.h"

namespace kasane::api {

nlohmann::json Problem::Body(std::string_view request_id) const {
  nlohmann::json body = {
      {"type", Type()},
      {"title", title},
      {"status", status},
      {"detail", detail},
      {"instance", "urn:kasane:request:" + std::string(request_id)},
  };
  for (auto it = extra.begin(); it != extra.end(); ++it) body[it.key()] = it.value();
  return body;
}

Problem MakeProblem(int status, std::string slug, std::string title, std::string detail) {
  Problem p;
  p.status = status;
  p.slug = std::move(slug);
  p.title = std::move(title);
  p.detail = std::move(detail);
  return p;
}

Problem ProblemFromStatus(const Status& s) {
  const std::string& m = s.message();
  switch (s.code()) {
    case StatusCode::kOk:
      return MakeProblem(500, "internal", "Internal error", "an OK status is not a problem");
    case StatusCode::kInvalidArgument:
      return MakeProblem(422, "validation", "The request is not valid", m);
    case StatusCode::kNotFound:
      return MakeProblem(404, "not-found", "Not found", m);
    case StatusCode::kAlreadyExists:
      return MakeProblem(409, "event-id-conflict",
                         "The event id (or Idempotency-Key) was used for another request", m);
    case StatusCode::kConflict:
      return MakeProblem(412, "version-conflict", "The expected version does not hold", m);
    case StatusCode::kPermissionDenied:
      return MakeProblem(403, "forbidden", "Not allowed", m);
    case StatusCode::kFailedPrecondition:
      return MakeProblem(422, "rule-refused", "A rule refused the command", m);
    case StatusCode::kUnauthenticated:
      return MakeProblem(401, "unauthorized", "Authentication required", m);
    case StatusCode::kResourceExhausted:
      return MakeProblem(507, "storage-full",
                         "The store is short of disk space and refuses writes; retry once space "
                         "is freed",
                         m);
    case StatusCode::kUnavailable:
      return MakeProblem(503, "unavailable", "Unavailable; try again", m);
    case StatusCode::kIoError:
      return MakeProblem(503, "storage-failed",
                         "The store failed; the outcome of a write is unknown, retry it", m);
    case StatusCode::kDataLoss:
      return MakeProblem(500, "data-loss", "Stored data failed verification", m);
    case StatusCode::kInternal:
      return MakeProblem(500, "internal", "Internal error", m);
  }
  return MakeProblem(500, "internal", "Internal error", m);
}

}  // namespace kasane::api
