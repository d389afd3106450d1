-- Shared by append.lua and read.lua: the same load as `kasane bench http`, for wrk.
--
-- Run wrk with one connection per thread (-t32 -c32): each wrk thread is one connection and
-- works on its own case, which it opens with its first request (POST /v1/cases, as the staff
-- member of the token in $KASANE_TOKEN, a caseworker of ag-houkatsu; see run.sh). Case ids and
-- event ids carry a per-run nonce, so runs against the same server never collide.
-- Every answer other than `expected` (and 201 for the opening) is counted and reported by done().
-- The bodies hold synthetic content only.

local M = {}

local threads = {}
local next_id = 0
local nonce = string.format("%08x", os.time() % 0x7fffffff)

function M.setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  thread:set("nonce", nonce)
  table.insert(threads, thread)
end

function M.case_id()
  return "w" .. wrk.thread:get("nonce") .. "-" .. wrk.thread:get("id")
end

-- 32 hex digits, unique per run, thread and request.
function M.event_id(kind, n)
  return string.format("%s%08x%08x%08x", wrk.thread:get("nonce"), kind * 65536 +
                       wrk.thread:get("id"), math.floor(n / 4294967296), n % 4294967296)
end

function M.headers()
  local token = os.getenv("KASANE_TOKEN")
  if token == nil or token == "" then
    error("set KASANE_TOKEN to a caseworker token of ag-houkatsu (see tools/wrk/run.sh)")
  end
  return {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end

-- The case.opened body of `kasane bench http` (projections::PayloadJson of its CaseOpened).
function M.open_case(case_id, event_id)
  local p = "p-" .. case_id
  local body = '{"caseId":"' .. case_id .. '","eventId":"' .. event_id .. '",' ..
      '"fields":["elderly_care"],"intakeAgency":"ag-houkatsu","mainPerson":"' .. p .. '-1",' ..
      '"members":[' ..
      '{"person":"' .. p .. '-1","relation":"self","profile":{"fullName":"氏名 ベンチ 一郎",' ..
      '"nameKana":"べんち いちろう","birthDate":"1950-01-01","address":"架空市架空町1-1",' ..
      '"description":"要介護認定の申請中"}},' ..
      '{"person":"' .. p .. '-2","relation":"spouse","profile":{"fullName":"氏名 ベンチ 花子",' ..
      '"nameKana":"べんち はなこ","birthDate":"1952-02-02","address":"架空市架空町1-1",' ..
      '"description":""}}],' ..
      '"route":"agency_referral","summary":"相談内容の要旨 (ベンチマーク用の架空の内容)"}'
  return wrk.format("POST", "/v1/cases", M.headers(), body)
end

-- The request and response functions of a script: each connection first opens its case, then
-- sends `measured(case_id, n)` (n = 1, 2, ...) and counts every answer but `expected`. wrk calls
-- request() once on the first thread before connecting (to check the script), so the opening is
-- repeated until its answer arrives (a repeat with the same eventId is an idempotent replay).
function M.handlers(expected, measured)
  local opened, opening, n = false, false, 0
  local function request()
    local case_id = M.case_id()
    if not opened then
      opening = true
      return M.open_case(case_id, M.event_id(1, 0))
    end
    n = n + 1
    return measured(case_id, n)
  end
  local function response(status)
    if opening then
      opening = false
      opened = status == 201 or status == 200
      if opened then return end
    end
    if status ~= expected then
      wrk.thread:set("errors", (wrk.thread:get("errors") or 0) + 1)
      if wrk.thread:get("first_error") == nil then wrk.thread:set("first_error", status) end
    end
  end
  return request, response
end

function M.done(summary, latency, requests)
  local errors, first = 0, nil
  for _, t in ipairs(threads) do
    errors = errors + (t:get("errors") or 0)
    first = first or t:get("first_error")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
      "requests %d in %.2fs: %.0f/s; unexpected answers %d%s; socket errors %d; " ..
      "p50 %.0fus p99 %.0fus\n",
      summary.requests, seconds, summary.requests / seconds, errors,
      first and (" (first: HTTP " .. first .. ")") or "",
      summary.errors.connect + summary.errors.read + summary.errors.write +
      summary.errors.timeout, latency:percentile(50), latency:percentile(99)))
end

return M
