-- wrk script for ./dev bench (bench/run_bench.py): one request, repeated.
--
-- Settings come from the environment, so one script serves every scenario:
--   BENCH_METHOD        GET (default) or POST
--   BENCH_BODY          the request body (POST), already urlencoded
--   BENCH_COOKIE        the Cookie header (session and CSRF cookies), if any
--   BENCH_EXPECT        the status every answer must have (e.g. 200, 303)
--   BENCH_CLOSE         1: "Connection: close", a new connection for each request
--   BENCH_CHECK         1: look at every answer's status (see below)
--
-- At the end it prints one line "BENCH_JSON {...}" with the request count,
-- the bytes read, the duration, p50/p99 latency (microseconds), wrk's
-- socket errors, the answers wrk counts as errors (status >= 400) and, with
-- BENCH_CHECK=1, the answers whose status was not BENCH_EXPECT (a 303 to
-- /login instead of the profile page, say).
--
-- Why the status check is not on in every run: when a script defines
-- response(), wrk hands it every answer's headers as a Lua table and its
-- body as a Lua string ("Parsing the headers and body is expensive", wrk's
-- SCRIPTING), about 4 us of CPU a GET /profile against 1.5 for the
-- FastCGI control's few bytes, on the same cores as the server: the load
-- generator would charge a larger page for its own work. run_bench.py
-- checks in the warm-up and in a run after the measured rounds instead.

local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local cookie = os.getenv("BENCH_COOKIE")
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")

wrk.method = method
if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
if method == "POST" then
  wrk.body = body or ""
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
wrk.headers["User-Agent"] = "sessionauth-bench"
if os.getenv("BENCH_CLOSE") == "1" then wrk.headers["Connection"] = "close" end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

unexpected = 0
first_unexpected = 0

if os.getenv("BENCH_CHECK") == "1" then
  function response(status, headers, body)
    if status ~= expect then
      if unexpected == 0 then first_unexpected = status end
      unexpected = unexpected + 1
    end
  end
end

function done(summary, latency, requests)
  local bad, first = 0, 0
  for _, t in ipairs(threads) do
    local n = t:get("unexpected") or 0
    if n > 0 and first == 0 then first = t:get("first_unexpected") end
    bad = bad + n
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "bytes": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "mean_us": %.1f, ' ..
    '"socket_errors": %d, "status_errors": %d, "unexpected": %d, "first_unexpected": %d}\n',
    summary.requests, summary.bytes, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
    e.connect + e.read + e.write + e.timeout, e.status, bad, first))
end
