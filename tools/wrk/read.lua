-- wrk load: case view reads (GET /v1/cases/{caseId}) by the caseworker who opened the case, so
-- profiles are shown in full and every read appends an access record, as `kasane bench http`
-- measures http_read_c32_rps. Each connection first opens its own case. Use -t32 -c32.
--   KASANE_TOKEN=ksn_... wrk -t32 -c32 -d10s --latency -s tools/wrk/read.lua \
--       http://127.0.0.1:8080
package.path = debug.getinfo(1, "S").source:match("@?(.*/)") .. "?.lua;" .. package.path
local common = require("common")

setup = common.setup
done = common.done
local count = common.counter(200)
response = function(status) count(status) end

local n = -1
local read

request = function()
  n = n + 1
  local case_id = common.case_id()
  if n == 0 then return common.open_case(case_id, common.event_id(1, 0)) end
  if read == nil then read = wrk.format("GET", "/v1/cases/" .. case_id, common.headers()) end
  return read
end
