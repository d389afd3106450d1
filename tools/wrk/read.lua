-- wrk load: case view reads (GET /v1/cases/{caseId}) by the caseworker who opened the case, so
-- profiles are shown in full and every read appends an access record, as `kasane bench http`
-- measures http_read_c32_rps. Each connection first opens its own case. Use -t32 -c32.
--   KASANE_TOKEN=ksn_... wrk -t32 -c32 -d10s --latency -s tools/wrk/read.lua \
--       http://127.0.0.1:8080
package.path = (debug.getinfo(1, "S").source:match("@?(.*/)") or "./") .. "?.lua;" ..
    package.path
local common = require("common")

local read
setup = common.setup
done = common.done
request, response = common.handlers(200, function(case_id)
  if read == nil then read = wrk.format("GET", "/v1/cases/" .. case_id, common.headers()) end
  return read
end)
