-- What refresh.lua's per-answer work costs wrk, timed in wrk's own LuaJIT: reading the
-- pair out of a 201 body and building the next request, each the way refresh.lua does it
-- and the way it did before. wrk and the servers share the machine's cores, so whatever
-- the script spends per answer is taken from the server it measures.
--
-- Run against any server that answers (init exits before a request is sent):
--
--   wrk -t1 -c1 -d1s -s internal/bench/script_cost.lua http://127.0.0.1:5001/
--
-- The tokens are random base64url of the length the mock's are, in JWT form.

local function field(body, opening) -- as in refresh.lua
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

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

local function token(length)
   local t = {}
   for i = 1, length do
      local k = math.random(#alphabet)
      t[i] = alphabet:sub(k, k)
   end
   t[37], t[length - 43] = ".", "." -- header.payload.signature
   return table.concat(t)
end

local function time(label, n, fn)
   local start = os.clock()
   local check = fn(n) -- used, so that LuaJIT cannot drop the work
   io.write(string.format("%-44s %6.0f ns an answer (%d)\n", label, (os.clock() - start) * 1e9 / n, check))
end

function init()
   local access, refresh, bodies = {}, {}, {}
   for i = 1, 16 do -- several, so that no result is computed once for the whole loop
      access[i], refresh[i] = token(306), token(306)
      bodies[i] = '{"accessToken":"' .. access[i] .. '","refreshToken":"' .. refresh[i] .. '"}'
   end
   local bare = '{"accessToken":"a","refreshToken":"b"}'
   local prefix = "POST /api/v1/auth/refresh-token HTTP/1.1\r\nHost: 127.0.0.1\r\n" ..
      "Content-Type: application/json\r\nAuthorization: Bearer "
   local n = 200000
   for round = 1, 2 do
      io.write(string.format("round %d\n", round))
      time("read the pair: pattern match, mock's answer", n, function(n)
         local check = 0
         for i = 1, n do
            local b = bodies[i % 16 + 1]
            local a, r = b:match('"accessToken":"([^"]+)"'), b:match('"refreshToken":"([^"]+)"')
            check = check + #a + #r
         end
         return check
      end)
      time("read the pair: plain find, mock's answer", n, function(n)
         local check = 0
         for i = 1, n do
            local b = bodies[i % 16 + 1]
            local a, r = field(b, '"accessToken":"'), field(b, '"refreshToken":"')
            check = check + #a + #r
         end
         return check
      end)
      time("read the pair: pattern match, bare answer", n, function(n)
         local check = 0
         for _ = 1, n do
            local a, r = bare:match('"accessToken":"([^"]+)"'), bare:match('"refreshToken":"([^"]+)"')
            check = check + #a + #r
         end
         return check
      end)
      time("build the request: wrk.format", n, function(n)
         local check = 0
         for i = 1, n do
            local k = i % 16 + 1
            local s = wrk.format("POST", "/api/v1/auth/refresh-token",
               { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. access[k] },
               '{"refreshToken":"' .. refresh[k] .. '"}')
            check = check + #s
         end
         return check
      end)
      time("build the request: one concatenation", n, function(n)
         local check = 0
         for i = 1, n do
            local k = i % 16 + 1
            local s = prefix .. access[k] .. "\r\nContent-Length: " .. (#refresh[k] + 19) ..
               '\r\n\r\n{"refreshToken":"' .. refresh[k] .. '"}'
            check = check + #s
         end
         return check
      end)
   end
   os.exit(0)
end
