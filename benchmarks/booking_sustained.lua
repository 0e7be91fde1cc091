-- wrk script of benchmarks/booking_throughput.py: passengers hold a booking, then pay for it.
--
-- Run with as many threads as connections (-t N -c N): each thread then has one connection, so
-- every response answers the thread's last request, and a thread is one passenger's client at a
-- time: POST /api/bookings; on 202 (queued) GET its Location after the estimated wait until
-- decided; on 201/200 POST /api/bookings/<pnr>/pay as the same passenger; then the next booking,
-- for the next passenger. Booking i is made by passenger i mod #sessions (sessions file: one
-- "sessionid csrftoken" per line), so each passenger books rarely enough to stay within the
-- booking rate limit and, paying at once, the hold limits. Bodies: one JSON booking per line.
--
-- wrk's own statistics count every request (holds, looks at queued requests, payments). The
-- outcomes are counted per thread and printed by done() as one "OUTCOMES" JSON line.

local sessions_path, bodies_path = os.getenv("RC_SESSIONS"), os.getenv("RC_BODIES")
local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("number", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    table.insert(lines, line)
  end
  return lines
end

function init(args)
  sessions = {}
  for _, line in ipairs(read_lines(sessions_path)) do
    local sid, csrf = line:match("^(%S+) (%S+)$")
    table.insert(sessions, {sid, csrf})
  end
  bodies = read_lines(bodies_path)
  index = number -- booking counter of this thread: number, number + threads, ...
  stride = tonumber(os.getenv("RC_THREADS"))
  next_request = nil
  wait_ms = 0
  session = nil
  held, paid, queued, refused, errors, pay_failed = 0, 0, 0, 0, 0, 0
  refusals = {}
  statuses = {}
  error_samples = {}
end

local function headers_for(s, json)
  local h = {
    ["Cookie"] = "sessionid=" .. s[1] .. "; csrftoken=" .. s[2],
    ["X-CSRFToken"] = s[2],
    ["Referer"] = "http://127.0.0.1/",
  }
  if json then
    h["Content-Type"] = "application/json"
  end
  return h
end

local function book()
  index = index + stride
  session = sessions[(index % #sessions) + 1]
  local h = headers_for(session, true)
  h["Idempotency-Key"] = "sustained-" .. index
  next_request = "book"
  return wrk.format("POST", "/api/bookings", h, bodies[(index % #bodies) + 1])
end

function delay()
  local ms = wait_ms
  wait_ms = 0
  return ms
end

function request()
  if pending_pay then
    local pnr = pending_pay
    pending_pay = nil
    next_request = "pay"
    return wrk.format("POST", "/api/bookings/" .. pnr .. "/pay", headers_for(session, true),
      '{"outcome": "succeeded"}')
  end
  if pending_look then
    local location = pending_look
    pending_look = nil
    next_request = "look"
    return wrk.format("GET", location, headers_for(session, false))
  end
  return book()
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if next_request == "pay" then
    if status == 200 then
      paid = paid + 1
    else
      pay_failed = pay_failed + 1
    end
    return
  end
  if status == 201 or status == 200 then
    held = held + 1
    pending_pay = body:match('"pnr": "(%d+)"')
  elseif status == 202 then
    if next_request == "book" then
      queued = queued + 1
    end
    pending_look = headers["Location"]
    local estimated = tonumber(body:match('"estimated_wait_ms": (%d+)')) or 1000
    wait_ms = math.max(100, math.min(estimated, 1000 * (tonumber(headers["Retry-After"]) or 1)))
  elseif status == 409 then
    refused = refused + 1
    local kind = body:match('"status": "(%u[%u_]*)"') or "HOLD_LIMIT"
    refusals[kind] = (refusals[kind] or 0) + 1
  else
    errors = errors + 1
    if errors <= 2 then -- what went wrong, for the report (done() prints these)
      error_samples[errors] = status .. " " .. next_request .. " " .. body:sub(1, 160)
    end
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for _, sample in pairs(thread:get("error_samples")) do
      io.write("ERROR SAMPLE " .. sample .. "\n")
    end
  end
  local totals = {held = 0, paid = 0, queued = 0, refused = 0, errors = 0, pay_failed = 0}
  local kinds, codes = {}, {}
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do
      totals[key] = totals[key] + thread:get(key)
    end
    for kind, count in pairs(thread:get("refusals")) do
      kinds[kind] = (kinds[kind] or 0) + count
    end
    for code, count in pairs(thread:get("statuses")) do
      codes[tostring(code)] = (codes[tostring(code)] or 0) + count
    end
  end
  local function object(t)
    local parts = {}
    for key, value in pairs(t) do
      table.insert(parts, string.format('"%s": %d', key, value))
    end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  io.write(string.format(
    'OUTCOMES {"held": %d, "paid": %d, "queued_202": %d, "refused": %d, "errors": %d, "pay_failed": %d, ' ..
    '"refusals": %s, "statuses": %s, "requests": %d, "socket_errors": %d, "duration_s": %.3f, ' ..
    '"p50_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f, "max_ms": %.1f}\n',
    totals.held, totals.paid, totals.queued, totals.refused, totals.errors, totals.pay_failed,
    object(kinds), object(codes), summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
