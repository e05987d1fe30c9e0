-- wrk script: sends "Connection: close" on every Nth request of a wrk thread (N from CLOSE_EVERY; unset or 0:
-- never), so that a bare server reconnects as often as a policy's reuse.max-requests makes it. With -t1 -cC,
-- CLOSE_EVERY=N closes each connection after about N * C requests (reuse.max-requests=1000 with 10 % jitter
-- retires after 950 on average: N = 119 for 8 connections). Every configuration of a comparison should run with
-- the script (CLOSE_EVERY=0 where nothing is closed), since building requests in Lua costs wrk some CPU.
--
--   CLOSE_EVERY=119 wrk -t1 -c8 -d4s -s benchmarks/close-every.lua http://127.0.0.1:PORT/weather.xml
local n = 0
local every = tonumber(os.getenv("CLOSE_EVERY") or "0") or 0
local plain = wrk.format()
local closing = wrk.format(nil, nil, { ["Connection"] = "close" })

request = function()
  n = n + 1
  if every > 0 and n % every == 0 then
    return closing
  end
  return plain
end
