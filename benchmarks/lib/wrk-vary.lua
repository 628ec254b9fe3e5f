-- wrk request() hook: rotate over N distinct paths ("/item/<i>", for decision-cache entries), or
-- send one fixed Host header; then the report of wrk-report.lua.
-- Arguments after "--": MODE N [START]   (MODE = paths | host; for host, N is the host name;
-- for paths, START is the first path's number, random when absent)
dofile(os.getenv("WRK_REPORT_LUA"))

local mode, n, counter, host

init = function(args)
  mode = args[1] or "paths"
  if mode == "host" then
    host = args[2]
  else
    n = tonumber(args[2]) or 1
    counter = ((tonumber(args[3]) or math.random(0, n - 1)) - 1) % n
  end
end

request = function()
  if mode == "host" then
    return wrk.format("GET", wrk.path, {["Host"] = host})
  end
  counter = (counter + 1) % n
  return wrk.format("GET", "/item/" .. counter)
end
