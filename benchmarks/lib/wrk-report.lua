-- wrk done() hook: one machine-readable line with the counts and the latency spectrum (microseconds).
local spectrum = {0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96.875, 97.5, 98.4375, 99, 99.21875,
                  99.5, 99.609375, 99.8, 99.9, 99.95, 99.99, 99.999, 100}

done = function(summary, latency, requests)
  local e = summary.errors
  local parts = {}
  for _, p in ipairs(spectrum) do
    parts[#parts + 1] = string.format('"%s":%d', tostring(p), latency:percentile(p))
  end
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"mean_us":%.1f,"max_us":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"spectrum":{%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), table.concat(parts, ",")))
end
