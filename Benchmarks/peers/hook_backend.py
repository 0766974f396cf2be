"""A trivial hook backend for Benchmarks/hooks.sh (aiohttp, one process): the event hook acks
with the event's arguments; the lifecycle hook counts records (and distinct ids) and when the
first and last arrived. GET /stats reports them. Signatures are not checked (a backend would add one HMAC)."""
import asyncio
import sys
import time

from aiohttp import web

stats = {"records": 0, "batches": 0, "first": None, "last": None, "events": 0, "unique": 0, "connects": 0, "disconnects": 0}
seen = set()


async def event(request):
    document = await request.json()
    stats["events"] += 1
    return web.json_response({"ack": document["args"]})


async def lifecycle(request):
    document = await request.json()
    now = time.monotonic()
    stats["first"] = stats["first"] or now
    stats["last"] = now
    stats["records"] += len(document["events"])
    for record in document["events"]:
        if record["id"] not in seen:
            seen.add(record["id"])
            stats["unique"] += 1
            stats["connects"] += record["type"] == "connect"
            stats["disconnects"] += record["type"] == "disconnect"
    stats["batches"] += 1
    return web.json_response({"ok": True})


async def get_stats(request):
    return web.json_response(stats)


async def reset(request):
    stats.update(records=0, batches=0, first=None, last=None, events=0, unique=0, connects=0, disconnects=0)
    seen.clear()
    return web.json_response(stats)


async def main(port):
    app = web.Application()
    app.add_routes([web.post("/event", event), web.post("/lifecycle", lifecycle), web.get("/stats", get_stats), web.post("/reset", reset)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
