-- wrk load: single-event commands (POST /v1/cases/{caseId}/outreach, outreach.recorded), each
-- with a fresh eventId, as `kasane bench http` measures http_append_c32_eps. Use -t32 -c32.
--   KASANE_TOKEN=ksn_... wrk -t32 -c32 -d10s --latency -s tools/wrk/append.lua \
--       http://127.0.0.1:8080
package.path = (debug.getinfo(1, "S").source:match("@?(.*/)") or "./") .. "?.lua;" ..
    package.path
local common = require("common")

local path, prefix, suffix
setup = common.setup
done = common.done
request, response = common.handlers(201, function(case_id, n)
  if path == nil then
    path = "/v1/cases/" .. case_id .. "/outreach"
    prefix = '{"activity":"home_visit","content":"家庭訪問: 本人と面談し生活状況を確認した ' ..
        '(架空の記録)","eventId":"'
    suffix = '","subject":"p-' .. case_id .. '-1"}'
  end
  return wrk.format("POST", path, common.headers(), prefix .. common.event_id(2, n) .. suffix)
end)
