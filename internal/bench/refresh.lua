-- wrk script of `make bench` (internal/bench/wrk.go writes it to a temporary file).
--
-- Every request presents a refresh token that is current. The pool file, minted before
-- the run, has one session a line: "<accessToken> <refreshToken>". Each thread takes
-- every n-th line, so no two threads share a session, and keeps a queue of ready pairs:
-- request() takes one, response() puts back the pair a 201 answer carries. A pair is
-- either queued or in flight, never both, so no token is presented twice.
--
-- Arguments after --: pool file, thread count, request path.

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

local queue, head, tail = {}, 1, 0
local path
non201 = 0

function init(args)
   local pool, nthreads = args[1], tonumber(args[2])
   path = args[3]
   local i = 0
   for line in io.lines(pool) do
      if i % nthreads == id then
         local access, refresh = line:match("^(%S+) (%S+)$")
         tail = tail + 1
         queue[tail] = { access, refresh }
      end
      i = i + 1
   end
end

function request()
   local pair = queue[head]
   if pair == nil then
      -- Every chain ended on a non-201 answer; this request is answered 401 and counted.
      pair = { "none", "none" }
   else
      queue[head] = nil
      head = head + 1
   end
   return wrk.format("POST", path,
      { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. pair[1] },
      '{"refreshToken":"' .. pair[2] .. '"}')
end

function response(status, headers, body)
   if status ~= 201 then
      non201 = non201 + 1
      return
   end
   local access = body:match('"accessToken":"([^"]+)"')
   local refresh = body:match('"refreshToken":"([^"]+)"')
   tail = tail + 1
   queue[tail] = { access, refresh }
end

function done(summary, latency, requests)
   local bad = 0
   for _, thread in ipairs(threads) do
      bad = bad + thread:get("non201")
   end
   local e = summary.errors
   io.write(string.format("WRK-RESULT requests=%d duration_us=%d errors=%d p50_us=%d p99_us=%d non201=%d\n",
      summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
      latency:percentile(50), latency:percentile(99), bad))
end
