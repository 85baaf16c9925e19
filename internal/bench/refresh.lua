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
local path, prefix -- prefix: the request up to the access token
non201 = 0

function init(args)
   local pool, nthreads = args[1], tonumber(args[2])
   path = args[3]
   prefix = "POST " .. path .. " HTTP/1.1\r\nHost: " .. wrk.headers["Host"] ..
      "\r\nContent-Type: application/json\r\nAuthorization: Bearer "
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
   -- One concatenation, which LuaJIT compiles: wrk.format builds a table of headers and
   -- formats each (about 1 to 1.7 µs a request; script_cost.lua times both).
   return prefix .. pair[1] .. "\r\nContent-Length: " .. (#pair[2] + #'{"refreshToken":""}') ..
      '\r\n\r\n{"refreshToken":"' .. pair[2] .. '"}'
end

-- field returns the string value that follows opening ('"key":"') in body, as the mock
-- writes it: the value holds no quote (a token is base64url and dots). Plain finds scan
-- like memchr; a pattern's character class would take a step per character of a token
-- of 300, which charged the mock's token length to wrk's CPU.
local function field(body, opening)
   local _, last = body:find(opening, 1, true)
   if last == nil then
      return nil
   end
   local close = body:find('"', last + 1, true)
   if close == nil then
      return nil
   end
   return body:sub(last + 1, close - 1)
end

function response(status, headers, body)
   local access, refresh
   if status == 201 then
      access, refresh = field(body, '"accessToken":"'), field(body, '"refreshToken":"')
   end
   if access == nil or refresh == nil then
      -- Not a 201, or one without a pair to chain: counted, and the chain ends.
      non201 = non201 + 1
      return
   end
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
