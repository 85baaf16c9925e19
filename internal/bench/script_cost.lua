-- What refresh.lua's per-answer work costs wrk, timed in wrk's own LuaJIT: reading the
-- pair out of a 201 body and building the next request, as refresh.lua does it now (its
-- own response() and request(), loaded from it) and as it did before (pattern matches
-- and wrk.format, written out below). wrk and the servers share the machine's cores, so
-- whatever the script spends per answer is taken from the server it measures.
--
-- Run from the repository root against any server that answers (init exits before a
-- request is sent):
--
--   wrk -t1 -c1 -d1s -s internal/bench/script_cost.lua http://127.0.0.1:5001/
--
-- The tokens are random base64url of the length the mock's are, in JWT form.

-- refresh.lua's functions, taken before init below replaces its init.
dofile((debug.getinfo(1, "S").source:sub(2):gsub("script_cost%.lua$", "refresh.lua")))
local chainInit, chainRequest, chainResponse = init, request, response

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
   -- refresh.lua's queue starts with these pairs; each response() below puts one back
   -- and each request() takes one, as under load.
   local pool = os.tmpname()
   local f = assert(io.open(pool, "w"))
   for i = 1, 16 do
      f:write(access[i], " ", refresh[i], "\n")
   end
   f:close()
   id = 0 -- the thread number setup() gives refresh.lua
   chainInit({ pool, "1", "/api/v1/auth/refresh-token" })
   os.remove(pool)
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
      time("refresh.lua now: response() and request()", n, function(n)
         local check = 0
         for i = 1, n do
            chainResponse(201, nil, bodies[i % 16 + 1])
            check = check + #chainRequest()
         end
         return check
      end)
   end
   assert(non201 == 0, "refresh.lua's response() found no pair in an answer")
   os.exit(0)
end
