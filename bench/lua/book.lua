-- POST bookings from a prepared list: BENCH_DATA.<thread id> holds one "token<TAB>json body"
-- line per request, each an offered slot nobody else in the run asks for. A thread that
-- runs out of lines stops, so no request is sent twice.
dofile(os.getenv("BENCH_LUA_DIR") .. "/stats.lua")

local requests_ = {}
local next_index = 0

function init(args)
   local path = os.getenv("BENCH_DATA") .. "." .. id
   for line in io.lines(path) do
      local token, body = line:match("^([^\t]+)\t(.+)$")
      requests_[#requests_ + 1] = wrk.format("POST", "/api/appointments/", {
         ["Authorization"] = "Token " .. token,
         ["Content-Type"] = "application/json",
         ["Accept"] = "application/json",
      }, body)
   end
end

function request()
   next_index = next_index + 1
   if next_index > #requests_ then
      wrk.thread:stop()
      next_index = #requests_
   end
   return requests_[next_index]
end
