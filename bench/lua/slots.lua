-- GET one slots URL over and over with a service user's token.
-- BENCH_LUA_DIR: this folder; BENCH_TOKEN: API token; BENCH_PATH: path with query string.
dofile(os.getenv("BENCH_LUA_DIR") .. "/stats.lua")

wrk.method = "GET"
wrk.path = os.getenv("BENCH_PATH")
wrk.headers["Authorization"] = "Token " .. os.getenv("BENCH_TOKEN")
wrk.headers["Accept"] = "application/json"
