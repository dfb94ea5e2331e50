#!/usr/bin/env python3
"""Conformance checks of a tickroom server against docs/protocol.md (tickroom.v2).

  python3 tickroom_conformance.py --url http://127.0.0.1:8080        # offline + online checks
  python3 tickroom_conformance.py --offline                          # the vectors only
  python3 tickroom_conformance.py --url ... --only resume,http.      # names or name prefixes

Prints PASS/FAIL/SKIP per check; exits 1 if any check failed.
Written from docs/protocol.md, docs/snake.md and docs/vectors/ only.
"""

import argparse
import asyncio
import base64
import datetime
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

import websockets

import tickroom as t
from tickroom import Conn, encode_hello, encode_input, encode_chat, encode_pong, encode_leave, \
    encode_request, pack

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.normpath(os.path.join(HERE, "..", "..", "docs", "vectors"))
ROOM_ALPHABET = set("abcdefghjkmnpqrstuvwxyz23456789")

CHECKS = []


class Skip(Exception):
    pass


def check(name, timeout=None, offline=False):
    def deco(fn):
        CHECKS.append((name, fn, timeout, offline))
        return fn
    return deco


def ensure(cond, msg):
    if not cond:
        raise AssertionError(msg)


def eq(got, want, what):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


# Rooms that checks left empty (every member closed with 1000), reused by later checks so that a
# run stays under the per-address room limits (8 at once, then 1 a second; 16 live). An empty
# room is disposed of after the empty timeout (30 s by default): reuse only recent ones.
POOL = []          # [(room id, time it was given back)]
POOL_MAX_AGE = 15.0


class Ctx:
    def __init__(self, args):
        self.args = args
        self.url = args.url
        self.conns = []
        self.n = 0
        self.rooms = []        # pool rooms this check uses
        self.unverified = set()
        self.dirty = False
        self.notes = []

    def note(self, text):
        """Something worth reporting that is not a failure (a guess, an undocumented behaviour)."""
        self.notes.append(text)

    def hello(self, h):
        """The hello with the join secret added, when the server needs one."""
        h = dict(h or {})
        if self.args.join_secret and "auth" not in h:
            h["auth"] = self.args.join_secret
        return h

    def api_headers(self, headers=None):
        h = dict(headers or {})
        if self.args.join_secret and "Authorization" not in h:
            h["Authorization"] = "Bearer " + self.args.join_secret
        return h

    async def room(self, dirty=False):
        """A private Snake room of 4 seats with nobody in it."""
        if dirty:
            self.dirty = True
        now = time.time()
        while POOL:
            rid, at = POOL.pop()
            if now - at < POOL_MAX_AGE:
                self.rooms.append(rid)
                self.unverified.add(rid)
                return rid
        rid = await self.create_room()
        self.rooms.append(rid)
        return rid

    def give_back(self, passed):
        if passed and not self.dirty and not any(c.aborted for c in self.conns):
            POOL.extend((r, time.time()) for r in self.rooms)

    async def open(self, hello=None, label=None, raw_auth=False, **kw):
        self.n += 1
        if not raw_auth:
            hello = self.hello(hello)
        c = await Conn.open(self.url, hello, label=label or "conn%d" % self.n, **kw)
        self.conns.append(c)
        return c

    async def join(self, label=None, **hello):
        hello.setdefault("game", "snake")
        room = hello.get("room")
        for attempt in range(20):
            c = await self.open(hello, label=label or hello.get("name"))
            await c.wait_welcome()
            if room not in self.unverified or hello.get("spectator"):
                return c
            # a reused room: the previous check's members may still be on their way out
            others = [p for p in c.welcome["players"] if p[0] != c.welcome["player"]]
            if not others:
                self.unverified.discard(room)
                return c
            self.conns.remove(c)
            await c.close(1000)
            await asyncio.sleep(0.1)
        raise AssertionError("reused room %s never emptied" % room)

    async def refused(self, hello, want, label="refused", what=""):
        c = await self.open(hello, label=label)
        code = await c.wait_closed(4)
        ensure(c.welcome is None, "%s: got a welcome, want close %d" % (what or label, want))
        eq(code, want, "%s: close code" % (what or label))
        return c

    async def http(self, method, path, body=None, raw_body=None, headers=None, auth=True):
        def do():
            data = None
            h = self.api_headers(headers) if auth else dict(headers or {})
            if raw_body is not None:
                data = raw_body
            elif body is not None:
                data = json.dumps(body).encode()
            if data is not None:
                h.setdefault("Content-Type", "application/json")
            req = urllib.request.Request(self.url.rstrip("/") + path, data=data, method=method,
                                         headers=h)
            try:
                with urllib.request.urlopen(req, timeout=4) as r:
                    return r.status, r.headers, r.read()
            except urllib.error.HTTPError as e:
                return e.code, e.headers, e.read()
        status, hdrs, raw = await asyncio.to_thread(do)
        try:
            js = json.loads(raw) if raw else None
        except ValueError:
            js = raw
        return status, hdrs, js

    async def post_creating(self, path, body):
        """A POST that creates a room: waits out the per-address creation rate (429, Retry-After)."""
        for _ in range(20):
            st, h, js = await self.http("POST", path, body)
            if st != 429:
                return st, h, js
            ensure(h.get("Retry-After", "").isdigit(), "429 without a Retry-After in whole seconds")
            await asyncio.sleep(min(float(h["Retry-After"]), 2))
        raise AssertionError("POST %s: still 429" % path)

    async def create_room(self, private=True, max_players=4, game="snake"):
        st, h, js = await self.post_creating("/api/rooms", {"game": game, "private": private,
                                                             "maxPlayers": max_players})
        eq(st, 201, "POST /api/rooms status (%r)" % (js,))
        return js["id"]

    async def cleanup(self):
        await asyncio.gather(*(c.close(1000) for c in self.conns), return_exceptions=True)


def ev(c, kind):
    return [e for e in c.events if e.kind == kind]


# Snake's own events (spawned, died, ...) come at any time; most checks look at the lobby's.
LOBBY_KINDS = {"joined", "dropped", "reconnected", "left", "chat", "locked", "colour", "draining"}


def lobby(c, start=0):
    return [e for e in c.events[start:] if e.kind in LOBBY_KINDS]


# =============================================================================================
# Offline: the vectors
# =============================================================================================

def load(name):
    with open(os.path.join(VECTORS, name)) as f:
        return json.load(f)


@check("vectors.messages.decode", offline=True)
async def _(ctx):
    vs = load("messages.json")["messages"]
    ensure(len(vs) >= 14, "only %d vectors" % len(vs))
    for v in vs:
        raw = bytes.fromhex(v["hex"])
        got = t.to_json_value(t.unpack(raw))
        eq(got, v["value"], "vector %s decoded" % v["name"])
        if v["direction"] == "server":
            m = t.decode_server(raw)  # also checks the layout of each server type
            want = {"welcome": 16, "event": 17, "ping": 18, "error": 19, "snapshot": 20,
                    "snapshot-delta": 20, "reply": 21, "reply-error": 21, "history": 22}[v["name"]]
            eq(m.type, want, "vector %s type" % v["name"])


@check("vectors.messages.encode", offline=True)
async def _(ctx):
    enc = {
        "hello": lambda v: encode_hello(v[1]),
        "hello-key": lambda v: encode_hello(v[1]),
        "input": lambda v: encode_input(v[1], v[2]),
        "pong": lambda v: encode_pong(v[1]),
        "chat": lambda v: encode_chat(v[1]),
        "leave": lambda v: encode_leave(),
        "request": lambda v: encode_request(v[1], v[2], v[3]),
    }
    n = 0
    for v in load("messages.json")["messages"]:
        if v["direction"] != "client":
            continue
        got = enc[v["name"]](t.from_json_value(v["value"]))
        eq(got.hex(" "), v["hex"], "encoding of %s" % v["name"])
        n += 1
    eq(n, 7, "client vectors")
    # The examples in the Encoding section that are not in the vectors.
    eq(encode_hello({}).hex(" "), "92 01 80", "hello {}")


@check("vectors.crc32", offline=True)
async def _(ctx):
    eq(t.crc32(b"123456789"), 0xCBF43926, "CRC-32 of 123456789")
    e = [x for x in load("snake-deltas.json")["entries"] if x["name"] == "full 10 from 9"][0]
    eq(t.crc32(base64.b64decode(e["base"])), 0x5F652E9D, "CRC-32 of the worked example's base")


@check("vectors.snake.snapshot", offline=True)
async def _(ctx):
    v = load("snake-snapshot.json")
    raw = bytes.fromhex(v["hex"])
    st = t.decode_state(raw)
    cells = t.state_cells(st)
    w = v["want"]
    for k in ("tick", "width", "height", "food"):
        eq(st[k], w[k], k)
    eq(len(st["snakes"]), len(w["snakes"]), "snakes")
    for s, ws in zip(st["snakes"], w["snakes"]):
        for k in ("player", "status", "score", "best", "respawnIn", "head", "dir", "len"):
            eq(s[k], ws[k], "snake %d %s" % (ws["player"], k))
        eq(cells[s["player"]], ws["cells"], "snake %d cells" % ws["player"])
    eq(t.encode_state(st), raw, "canonical re-encoding")
    eq(len(raw), 57, "length (the doc says 57 bytes)")


@check("vectors.snake.deltas", offline=True)
async def _(ctx):
    d = load("snake-deltas.json")
    es = d["entries"]
    eq(len(es), 531, "entries (the doc says 531)")
    kinds = set()
    for e in es:
        base, delta, cur = (base64.b64decode(e[k]) for k in ("base", "delta", "cur"))
        try:
            got = t.patch(base, delta)
        except t.PatchError as x:
            raise AssertionError("%s: %s" % (e["name"], x))
        ensure(got == cur, "%s: patched bytes differ from cur" % e["name"])
        st = t.decode_state(cur)
        t.state_cells(st)
        eq(t.encode_state(st), cur, "%s: cur canonical" % e["name"])
        kinds.add(e["kind"])
    eq(kinds, {"full", "view", "mixed"}, "kinds")


@check("vectors.snake.doc_examples", offline=True)
async def _(ctx):
    es = {e["name"]: e for e in load("snake-deltas.json")["entries"]}
    e = es["full 10 from 9"]
    hx = lambda s: bytes.fromhex(s.replace("\n", " "))
    eq(base64.b64decode(e["delta"]).hex(" "),
       hx("9a 09 ce 5f 65 2e 9d 0a c0 90 90 91 94 02 06 01 01 01 c4 01 2a "
          "93 92 00 09 92 00 09 c4 04 01 cb 01 6c").hex(" "), "worked example delta")
    eq(len(base64.b64decode(e["base"])), 85, "worked example base length")
    cur = base64.b64decode(e["cur"])
    eq(cur.hex(" "), hx(
        "95 0a 18 14 94 99 01 01 00 00 00 cc f6 00 03 c4 01 0e 99 02 01 01 01 00 cc 97 00 03 c4 01 0a "
        "99 cc c8 01 00 00 00 cc 99 00 03 c4 01 0e 99 ce 00 01 11 70 01 00 00 00 cc 9d 02 03 c4 01 04 "
        "c4 14 01 cb 00 7d 01 32 00 f2 00 4f 01 08 00 30 01 76 00 a3 01 6c").hex(" "), "worked example new state")
    v = es["spectator rect {0 0 12 9} to {3 1 12 9} at 101"]
    eq(base64.b64decode(v["cur"]).hex(" "), "96 65 30 28 90 c4 02 01 27 94 03 01 0c 09",
       "view example")


@check("vectors.snake.wrong_base", offline=True)
async def _(ctx):
    es = load("snake-deltas.json")["entries"]
    n = 0
    for i, e in enumerate(es):
        base, delta = base64.b64decode(e["base"]), base64.b64decode(e["delta"])
        # 1. another entry's base (a different tick or different bytes)
        other = base64.b64decode(es[(i + 7) % len(es)]["base"])
        if other != base:
            try:
                t.patch(other, delta)
                raise AssertionError("%s: patch accepted another entry's base" % e["name"])
            except t.PatchError:
                n += 1
        # 2. the same base with one byte changed (same tick, so only the CRC can tell)
        food_last = bytearray(base)
        food_last[-1] ^= 0x01
        try:
            t.patch(bytes(food_last), delta)
            raise AssertionError("%s: patch accepted a base with a flipped byte" % e["name"])
        except t.PatchError as x:
            ensure("CRC" in str(x) or "tick" in str(x), "%s: refused for %s" % (e["name"], x))
            n += 1
    ensure(n > 1000, "too few refusals tried")


# =============================================================================================
# Online: transport and hello
# =============================================================================================

@check("transport.subprotocol_absent")
async def _(ctx):
    c = await ctx.open({"game": "snake"}, subprotocols=None, label="nosub")
    eq(await c.wait_closed(3), 4001, "close code without a subprotocol")
    ensure(c.welcome is None, "welcome without a subprotocol")


@check("transport.subprotocol_v1")
async def _(ctx):
    c = await ctx.open({"game": "snake"}, subprotocols=["tickroom.v1"], label="v1")
    eq(await c.wait_closed(3), 4001, "close code for tickroom.v1")
    c = await ctx.open({"game": "snake"}, subprotocols=["chat", "tickroom.v3"], label="other")
    eq(await c.wait_closed(3), 4001, "close code for other subprotocols")


@check("transport.subprotocol_negotiated")
async def _(ctx):
    # Offer v1 and v2, and permessage-deflate: the server picks tickroom.v2 and no extension.
    c = await ctx.open({"game": "snake"}, subprotocols=["tickroom.v1", "tickroom.v2"],
                       compression="deflate", label="both")
    await c.wait_welcome()
    eq(c.ws.subprotocol, "tickroom.v2", "negotiated subprotocol")
    eq(list(c.ws.extensions), [], "negotiated extensions")


@check("hello.welcome")
async def _(ctx):
    c = await ctx.join(name="welcomer")
    w = c.welcome
    eq(c.msgs[0].type, t.WELCOME, "first message")
    types = {"player": t.is_u32, "session": t.is_str, "room": t.is_str, "game": t.is_str,
             "tickRate": t.is_int, "tick": t.is_u32, "spectator": t.is_bool, "resumed": t.is_bool,
             "historyLost": t.is_bool, "lastEvent": t.is_u32, "deltas": t.is_bool,
             "areaOfInterest": t.is_bool, "players": lambda v: isinstance(v, list),
             "config": lambda v: True}
    for k, f in types.items():
        ensure(k in w, "welcome lacks %r (has %s)" % (k, sorted(w)))
        ensure(f(w[k]), "welcome %s has the wrong type: %r" % (k, w[k]))
    ensure(w["player"] >= 1, "player id 0")
    eq(w["game"], "snake", "game")
    eq(w["spectator"], False, "spectator")
    eq(w["resumed"], False, "resumed")
    eq(w["historyLost"], False, "historyLost")
    eq(w["lastEvent"], 0, "lastEvent of a new member")
    eq(w["deltas"], False, "deltas (not asked for)")
    ensure(w["session"] != "", "empty session for a player")
    ensure(w["tickRate"] > 0, "tickRate")
    for p in w["players"]:
        ensure(isinstance(p, list) and len(p) >= 2 and t.is_u32(p[0]) and t.is_str(p[1]),
               "players entry %r" % (p,))
    ensure([w["player"], "welcomer"] in [p[:2] for p in w["players"]], "self not in players")
    cfg = w["config"]
    ensure(isinstance(cfg, dict), "config is not a map")
    for k in ("w", "h", "food", "respawn_ticks", "max_players"):
        ensure(t.is_int(cfg.get(k)), "config %s: %r" % (k, cfg.get(k)))
    if not w["areaOfInterest"]:
        ensure("view" not in cfg, "config has view without area of interest")
    # its own joined event comes first
    e = await c.wait_event("joined")
    eq(c.events[0].kind, "joined", "first event")
    eq(c.events[0].seq, 1, "first event seq")
    eq(c.events[0].data, [w["player"], "welcomer"], "joined data")


@check("hello.not_first")
async def _(ctx):
    c = await ctx.open(None, send_hello=False, label="chatfirst")
    await c.send(encode_chat("hi"))
    eq(await c.wait_closed(3), 4013, "chat before hello")
    c = await ctx.open(None, send_hello=False, label="textfirst")
    await c.ws.send("[1, {}]")
    eq(await c.wait_closed(3), 4013, "text frame before hello")
    c = await ctx.open(None, send_hello=False, label="garbage")
    await c.send(b"\xc1")
    eq(await c.wait_closed(3), 4013, "undecodable hello")


@check("hello.bad_fields")
async def _(ctx):
    await ctx.refused({"name": 5}, 4013, what="name: 5")
    await ctx.refused({"game": "snake", "deltas": "yes"}, 4013, what="deltas: 'yes'")
    await ctx.refused({"game": "snake", "view": [0, 0, 10, 10]}, 4013, what="view from a player")
    await ctx.refused({"game": "snake", "spectator": True, "view": [0, 0, 0, 10]}, 4013,
                      what="spectator view with w 0")
    await ctx.refused({"game": "snake", "spectator": True, "view": [0, 0, 10]}, 4013,
                      what="spectator view of 3 ints")


@check("hello.nil_and_unknown_keys")
async def _(ctx):
    c = await ctx.open(None, send_hello=False, label="nil")
    await c.send(pack([1, ctx.hello({"name": None, "room": None, "spectator": None, "game": "snake",
                                     "futureKey": {"x": 1}})]))
    await c.wait_welcome()
    ensure(c.welcome["player"] >= 1, "no player")
    name = [p[1] for p in c.welcome["players"] if p[0] == c.welcome["player"]]
    eq(name, ["player-%d" % c.welcome["player"]], "default name")


@check("hello.too_big")
async def _(ctx):
    c = await ctx.open({"game": "snake", "name": "x" * 5000}, label="big")
    t0 = time.time()
    while c.ws.close_rcvd is None and not c.closed and time.time() - t0 < 3:
        await asyncio.sleep(0.005)
    t1 = time.time()
    eq(await c.wait_closed(4), 1009, "close code of a hello over 4096 bytes")
    if time.time() - t1 > 0.5:
        ctx.note("close frame 1009 after %.0f ms, but the server did not end the TCP connection: "
                 "the client library gave up waiting after %.1f s" % ((t1 - t0) * 1000, time.time() - t1))


@check("hello.name_cleaned")
async def _(ctx):
    raw = "a\x01b\x1fc\x7fd\ufffde f" + "0123456789" * 3
    want = ("abcde f" + "0123456789" * 3)[:24]
    c = await ctx.join(label="name", name=raw)
    got = [p[1] for p in c.welcome["players"] if p[0] == c.welcome["player"]]
    eq(got, [want], "cleaned name")
    c2 = await ctx.join(label="name2", name="\x01\x02")
    got = [p[1] for p in c2.welcome["players"] if p[0] == c2.welcome["player"]]
    eq(got, ["player-%d" % c2.welcome["player"]], "name that cleans to empty")


@check("hello.unknown_room_and_game")
async def _(ctx):
    await ctx.refused({"room": "nosuchroom2"}, 4012, what="unknown room")
    await ctx.refused({"game": "nosuchgame"}, 4012, what="unknown game")
    await ctx.refused({"session": "zzzz.00000000000000000000000000000000"}, 4011, what="unknown session")
    await ctx.refused({"reservation": "zzzz.00000000000000000000000000000000"}, 4011,
                      what="unknown reservation")


# =============================================================================================
# Snapshots
# =============================================================================================

@check("snapshots.full")
async def _(ctx):
    c = await ctx.join(name="full")
    await c.wait_snapshots(6)
    me = c.welcome["player"]
    cfg = c.welcome["config"]
    absent = []
    for m in c.snapshots:
        eq(m.base, 0, "base_tick without deltas")
        eq(m.ack, 0, "ack_seq before any input")
        st = m.state
        ensure(st is not None, "snapshot %d did not decode: %s" % (m.tick, c.violations))
        eq((st["width"], st["height"]), (cfg["w"], cfg["h"]), "board vs config")
        if not c.welcome["areaOfInterest"]:
            ensure(st["rect"] is None, "a view snapshot without area of interest")
        mine = [s for s in st["snakes"] if s["player"] == me]
        if st["rect"] is None:
            ensure(mine, "own player not among the snakes of a whole-board snapshot")
        elif mine:
            # a view is around the player's head (docs/protocol.md, area of interest)
            x, y, w, h = st["rect"]
            hx, hy = mine[0]["head"] % cfg["w"], mine[0]["head"] // cfg["w"]
            ensure(x <= hx < x + w and y <= hy < y + h,
                   "own head (%d, %d) outside the view %r" % (hx, hy, st["rect"]))
        else:
            # dead and waiting players are in no view, the player's own included
            absent.append(m.tick)
        ensure(len(st["food"]) <= cfg["food"], "more food than config")
    if absent:
        ctx.note("own snake absent from the views of ticks %r: it died" % absent)
    ticks = [m.tick for m in c.snapshots]
    ensure(all(b > a for a, b in zip(ticks, ticks[1:])), "ticks not increasing: %r" % ticks)
    ensure(c.snapshots[0].tick >= c.welcome["tick"], "first snapshot older than the welcome's tick")
    # the snake spawns at the end of a tick: some snapshot shows it alive
    await c.wait(lambda: (c.my_snake() or {}).get("status") == 1, 2, "own snake alive")


@check("snapshots.deltas")
async def _(ctx):
    c = await ctx.join(name="delta", deltas=True)
    if not c.welcome["deltas"]:
        raise AssertionError("welcome deltas false for a hello with deltas: true "
                             "(server started with --snapshots full?)")
    await c.wait(lambda: c.deltas_applied >= 10, 4, "10 deltas")
    eq(c.snapshots[0].base, 0, "first snapshot is full")
    for m in c.snapshots:
        ensure(getattr(m, "state", None) is not None, "snapshot %d: %s" % (m.tick, c.violations))
        if m.base:
            ensure(m.base < m.tick, "base not older")


@check("snapshots.deltas_two_clients")
async def _(ctx):
    room = await ctx.room()
    a = await ctx.join(name="da", room=room, deltas=True)
    b = await ctx.join(name="db", room=room, deltas=True)
    await a.wait(lambda: a.deltas_applied >= 10 and b.deltas_applied >= 10, 4, "10 deltas each")
    # A room encodes its state once per tick: both hold the same bytes for the same tick
    sa = {m.tick: m.state for m in a.snapshots if getattr(m, "state", None)}
    common = [m.tick for m in b.snapshots if m.tick in sa and getattr(m, "state", None)]
    ensure(common, "no tick in common")
    tk = common[-1]
    sb = [m.state for m in b.snapshots if m.tick == tk][0]
    if sa[tk]["rect"] == sb["rect"]:
        eq(t.encode_state(sa[tk]), t.encode_state(sb), "both clients' state of tick %d" % tk)
    else:
        ctx.note("area of interest: the two players' views differ, states not compared")
    if sb["rect"] is None:
        eq(sorted(s["player"] for s in sb["snakes"]), sorted([a.welcome["player"], b.welcome["player"]]),
           "players in the state")


# =============================================================================================
# Inputs
# =============================================================================================

async def alive(c, timeout=2):
    await c.wait(lambda: (c.my_snake() or {}).get("status") == 1, timeout, "own snake alive")


@check("inputs.ack")
async def _(ctx):
    c = await ctx.join(name="acker")
    await alive(c)
    d = c.my_snake()["dir"]
    seqs = [1, 2, 5, 9]
    for i, s in enumerate(seqs):
        await c.send(encode_input(s, (d + 1 + 2 * (i % 2)) % 4))
        await asyncio.sleep(0.06)
    await c.wait(lambda: c.snapshots[-1].ack == 9, 2, "a snapshot with ack_seq 9")
    acks = [m.ack for m in c.snapshots]
    ensure(all(b >= a for a, b in zip(acks, acks[1:])), "ack_seq decreased: %r" % acks)
    ensure(set(acks) <= {0} | set(seqs), "ack_seq not one of the seqs sent: %r" % sorted(set(acks)))
    ensure(not [e for e in c.errors], "errors: %r" % c.errors)


@check("inputs.turn_applied")
async def _(ctx):
    c = await ctx.join(name="turner")
    for attempt in range(4):
        await alive(c, 3)
        me = c.welcome["player"]
        d = c.my_snake()["dir"]
        turn = (d + 1) % 4
        seq = attempt + 1
        n0 = len(c.snapshots)
        await c.send(encode_input(seq, turn))
        m = await c.wait(lambda: next((m for m in c.snapshots[n0:] if m.ack >= seq), None), 2,
                         "ack_seq %d" % seq)
        i = c.snapshots.index(m)
        prev = c.snapshots[i - 1]
        s_new = [s for s in m.state["snakes"] if s["player"] == me][0]
        s_old = [s for s in prev.state["snakes"] if s["player"] == me][0]
        if s_new["status"] != 1 or s_old["status"] != 1 or m.tick != prev.tick + 1:
            continue  # died (or respawned, or a skipped tick) meanwhile: try again
        eq(s_new["dir"], turn, "dir in the snapshot that acknowledges the turn")
        w = m.state["width"]
        want = t.step(s_old["head"], turn, w, m.state["height"])
        eq(s_new["head"], want, "head after the turn")
        return
    raise AssertionError("the snake never lived through a turn")


@check("inputs.bad_seq")
async def _(ctx):
    c = await ctx.join(name="seqer")
    await c.send(encode_input(3, 1))
    await c.send(encode_input(3, 2))
    await c.send(encode_input(2, 2))
    e1 = await c.wait_error("bad_seq", 3)
    e2 = await c.wait_error("bad_seq", 2)
    await c.send(encode_input(4, 0))
    await c.wait(lambda: c.snapshots and c.snapshots[-1].ack == 4, 2, "ack_seq 4")
    acks = {m.ack for m in c.snapshots}
    ensure(acks <= {0, 3, 4}, "acks %r" % acks)
    eq(len([e for e in c.errors if e.code == "bad_seq"]), 2, "bad_seq errors")


@check("inputs.bad_input")
async def _(ctx):
    c = await ctx.join(name="badin")
    payloads = [7, "up", -1, [1], 1.0, None, {"d": 1}]
    for i, p in enumerate(payloads, 1):
        await c.send(encode_input(i, p))
    n = len(payloads)
    await c.wait(lambda: c.snapshots and c.snapshots[-1].ack == n, 2, "ack_seq %d" % n)
    got = sorted(e.seq for e in c.errors if e.code == "bad_input")
    eq(got, list(range(1, n + 1)), "seqs of the bad_input errors for %r" % (payloads,))
    # bad_input comes among the tick's messages: before the snapshot that acknowledges it
    for e in c.errors:
        i_err = c.msgs.index(e)
        first_ack = next(i for i, m in enumerate(c.msgs) if m.type == t.SNAPSHOT and m.ack >= e.seq)
        ensure(i_err < first_ack, "bad_input %d after the snapshot that acknowledged it" % e.seq)
    # valid turns with any integer encoding are fine: uint8/16/32 of 1
    for i, raw in enumerate([b"\xcc\x01", b"\xcd\x00\x02", b"\xce\x00\x00\x00\x03", b"\xd3" + bytes(7) + b"\x00"]):
        await c.send(b"\x93\x02" + pack(20 + i) + raw)
    await c.wait(lambda: c.snapshots[-1].ack == 23, 2, "ack_seq 23")
    eq(len([e for e in c.errors if e.code == "bad_input"]), n, "bad_input for wide integer turns")


@check("inputs.nesting_depth")
async def _(ctx):
    c = await ctx.join(name="deep")
    p15 = []
    for _ in range(14):
        p15 = [p15]          # 15 levels of arrays: total depth 16 with the message's own array
    p16 = [p15]
    await c.send(encode_input(1, p15))
    await c.wait_error("bad_input", 1)
    before = len(c.errors)
    await c.send(encode_input(2, p16))
    e = await c.wait(lambda: len(c.errors) > before and c.errors[before], 2, "an error for depth 17")
    eq((e.code, e.seq), ("bad_message", 0), "error for a message nested 17 deep")


# =============================================================================================
# Pings
# =============================================================================================

@check("pings.pong", timeout=10)
async def _(ctx):
    c = await ctx.join(name="pinger")
    await c.wait(lambda: len(c.pings) >= 3, 8, "3 pings")
    eq([p.id for p in c.pings[:3]], [1, 2, 3], "ping ids")
    eq(c.pings[0].rtt, 0, "rtt of the first ping")
    now = time.time() * 1000
    ensure(abs(c.pings[-1].time_ms - now) < 60000, "server time %d far from %d" % (c.pings[-1].time_ms, now))
    # ping tick: the newest tick whose snapshot the server published to this connection
    for p in c.pings:
        i = c.msgs.index(p)
        snaps = [m.tick for m in c.msgs[:i] if m.type == t.SNAPSHOT]
        ensure(p.tick <= (snaps[-1] if snaps else 0) + 1,
               "ping %d tick %d ahead of last snapshot %r" % (p.id, p.tick, snaps[-1:]))
    ensure(not c.closed, "closed")
    ensure(not c.errors, "errors: %r" % c.errors)


@check("pings.bad_pong", timeout=10)
async def _(ctx):
    c = await ctx.join(name="badpong")
    await c.send(encode_pong(0))
    await c.wait_error("bad_message", 0)
    await c.wait(lambda: len(c.pings) >= 1, 8, "a ping")
    await c.send(encode_pong(c.pings[-1].id + 1000))
    await c.wait(lambda: len([e for e in c.errors if e.code == "bad_message"]) >= 2, 2,
                 "bad_message for a pong of a ping not sent")


@check("pings.timeout", timeout=30)
async def _(ctx):
    if not ctx.args.pong_timeout:
        raise Skip("give --pong-timeout SECONDS (the server's --pong-timeout) to run it")
    c = await ctx.join(name="silent")
    c.auto_pong = False
    code = await c.wait_closed(ctx.args.pong_timeout + 6)
    eq(code, 4009, "close code without pongs")


# =============================================================================================
# Events, presence, chat
# =============================================================================================

@check("events.presence")
async def _(ctx):
    room = await ctx.room()
    a = await ctx.join(name="alice", room=room)
    ea = await a.wait_event("joined", [a.welcome["player"], "alice"])
    eq(ea.seq, a.welcome["lastEvent"] + 1, "first event seq")
    b = await ctx.join(name="bob", room=room)
    pa, pb = a.welcome["player"], b.welcome["player"]
    ensure(pb > pa, "player ids not increasing")
    eq([p[:2] for p in b.welcome["players"]], [[pa, "alice"], [pb, "bob"]], "bob's welcome roster")
    await a.wait_event("joined", [pb, "bob"])
    await b.wait_event("joined", [pb, "bob"])
    eq(b.events[0].data, [pb, "bob"], "bob's first event")
    # a spectator's arrival causes no event; a chat right after shows what came before it
    s = await ctx.join(name="spec", room=room, spectator=True)
    await a.send(encode_chat("after spectator"))
    await a.wait_event("chat", [pa, "after spectator"])
    eq([e.kind for e in lobby(a)], ["joined", "joined", "chat"], "alice's lobby events")
    await s.wait_event("chat", [pa, "after spectator"])
    eq(a.events[0].seq, 1, "alice's first event seq")  # and contiguity: checked on every connection


@check("chat.roundtrip")
async def _(ctx):
    room = await ctx.room()
    a = await ctx.join(name="ca", room=room)
    b = await ctx.join(name="cb", room=room)
    pa, pb = a.welcome["player"], b.welcome["player"]
    text = "h\u00e9llo <b>&amp;</b> \u2713 \U0001F40D"
    await a.send(encode_chat(text))
    await a.wait_event("chat", [pa, text])
    await b.wait_event("chat", [pa, text])
    await b.send(encode_chat("gg wp"))
    await a.wait_event("chat", [pb, "gg wp"])
    await b.wait_event("chat", [pb, "gg wp"])


@check("chat.limits")
async def _(ctx):
    room = await ctx.room()
    a = await ctx.join(name="cl", room=room)
    pa = a.welcome["player"]

    async def bad(raw, what):
        n = len(a.errors)
        await a.send(raw)
        e = await a.wait(lambda: len(a.errors) > n and a.errors[n], 2, "error for " + what)
        eq((e.code, e.seq), ("bad_message", 0), "error for " + what)

    await bad(encode_chat(""), "empty chat")
    await bad(encode_chat("\u00e9" * 201), "201 code points")
    await bad(b"\x92\x04\xa2\xff\xfe", "invalid UTF-8")
    ok = "\u00e9" * 200  # 200 code points, 400 bytes
    await a.send(encode_chat(ok))
    await a.wait_event("chat", [pa, ok])
    # those bad_message errors are not counted among the bad messages (10 would close with 4000)
    for _ in range(10):
        await a.send(encode_chat(""))
    await a.wait(lambda: len(a.errors) >= 13, 2, "13 errors")
    await asyncio.sleep(0.2)
    ensure(not a.closed, "closed with %s after 13 bad chats" % a.close_code)
    s = await ctx.join(name="cls", room=room, spectator=True)
    await s.send(encode_chat("from a spectator"))
    e = await s.wait_error("not_allowed")
    eq(e.seq, 0, "seq of a spectator's chat error")


@check("chat.history")
async def _(ctx):
    room = await ctx.create_room()  # a fresh room: a pool room may have chat of its own
    a = await ctx.join(name="ha", room=room)
    pa = a.welcome["player"]
    eq(a.welcome.get("playerId"), 0, "a guest's playerId")
    await a.send(encode_chat("said before"))
    await a.wait_event("chat", [pa, "said before"])
    b = await ctx.join(name="hb", room=room)
    await b.wait(lambda: len(b.msgs) >= 2, 2, "a message after the welcome")
    h = b.msgs[1]
    eq(h.type, t.HISTORY, "the message after the welcome")
    eq([line[:2] for line in h.lines], [["ha", "said before"]], "history lines")
    eq(h.lines[0][3], 0, "a guest's player id in the history")
    ensure(h.lines[0][2] > 1600000000000, "history time in ms: %r" % (h.lines[0][2],))
    await a.send(encode_chat("said after"))
    await b.wait_event("chat", [pa, "said after"])
    ensure(not any(m.type == t.HISTORY for m in b.msgs[2:]), "a second history")
    ensure(not any(m.type == t.HISTORY for m in a.msgs), "a history for the first joiner")


# =============================================================================================
# Bad messages
# =============================================================================================

@check("bad_messages.each")
async def _(ctx):
    c = await ctx.join(name="bad")
    cases = [
        ("text frame", "hello", "bad_message"),
        ("unknown type", pack([99]), "unknown_type"),
        ("server type", pack([16, {}]), "unknown_type"),
        ("second hello", encode_hello({}), "bad_message"),
        ("trailing bytes", encode_chat("x") + b"\xc0", "bad_message"),
        ("0xc1", b"\xc1", "bad_message"),
        ("request id 0", encode_request(0, "room.info"), "bad_message"),
        ("request of 3 elements", pack([6, 1, "room.info"]), "bad_message"),
        ("input seq 2^32", encode_input(2 ** 32, 1), "bad_message"),
    ]
    for what, raw, code in cases:
        n = len(c.errors)
        await c.ws.send(raw)
        e = await c.wait(lambda: len(c.errors) > n and c.errors[n], 2, "error for " + what)
        eq((e.code, e.seq), (code, 0), "error for " + what)
    await asyncio.sleep(0.2)
    ensure(not c.closed, "closed after 9 bad messages")
    ensure(not [r for r in c.replies], "a reply to a bad request: %r" % c.replies)


@check("bad_messages.limit")
async def _(ctx):
    c = await ctx.join(name="bad10")
    for _ in range(10):
        await c.ws.send("x")
    eq(await c.wait_closed(3), 4000, "close code after 10 bad messages")
    eq(len([e for e in c.errors if e.code == "bad_message"]), 10, "bad_message errors before the close")


# =============================================================================================
# Requests
# =============================================================================================

@check("requests.room_info")
async def _(ctx):
    room = await ctx.room()
    a = await ctx.join(name="ia", room=room)
    b = await ctx.join(name="ib", room=room)
    s = await ctx.join(name="is", room=room, spectator=True)
    await a.wait_event("joined", [b.welcome["player"], "ib"])
    r = await a.request("room.info", None)
    eq(r.code, "", "code (%s)" % r.message)
    eq(r.message, "", "message")
    d = r.data
    ensure(isinstance(d, dict), "data is not a map: %r" % (d,))
    types = {"id": t.is_str, "game": t.is_str, "maxPlayers": t.is_int, "host": t.is_u32,
             "locked": t.is_bool, "private": t.is_bool, "tick": t.is_u32,
             "players": lambda v: isinstance(v, list), "spectators": t.is_int}
    for k, f in types.items():
        ensure(k in d and f(d[k]), "room.info %s: %r" % (k, d.get(k)))
    eq(d["id"], room, "id")
    eq(d["game"], "snake", "game")
    eq(d["maxPlayers"], 4, "maxPlayers")
    eq(d["host"], a.welcome["player"], "host")
    eq(d["locked"], False, "locked")
    eq(d["private"], True, "private")
    eq([p[:2] for p in d["players"]], [[a.welcome["player"], "ia"], [b.welcome["player"], "ib"]], "players")
    eq(d["spectators"], 1, "spectators")
    i = a.msgs.index(r)
    await a.wait(lambda: any(m.type == t.SNAPSHOT for m in a.msgs[i:]), 1, "a snapshot after the reply")
    nxt = next(m for m in a.msgs[i:] if m.type == t.SNAPSHOT)
    eq(nxt.tick, d["tick"], "tick of the snapshot that follows the room.info reply")
    # a spectator may ask too
    r = await s.request("room.info")
    eq(r.code, "", "spectator's room.info")


@check("requests.unknown")
async def _(ctx):
    c = await ctx.join(name="unk")
    for kind in ("dance", "room.dance", ""):
        r = await c.request(kind, None)
        eq(r.code, "unknown_request", "code for kind %r" % kind)
        ensure(r.message != "", "empty message for an error reply")
        eq(r.data, None, "data of an error reply")


@check("requests.colour")
async def _(ctx):
    room = await ctx.room()
    a = await ctx.join(name="cola", room=room)
    b = await ctx.join(name="colb", room=room)
    pa, pb = a.welcome["player"], b.welcome["player"]
    r = await a.request("colour", 120)
    eq((r.code, r.data), ("", 120), "colour reply")
    ea = await a.wait_event("colour", [pa, 120])
    await b.wait_event("colour", [pa, 120])
    i, j = a.msgs.index(r), a.msgs.index(ea)
    ensure(i < j, "colour event before its reply")
    ensure(not any(m.type == t.SNAPSHOT for m in a.msgs[i:j]), "a snapshot between reply and event")
    r = await b.request("colours", None)
    eq((r.code, r.data), ("", [[pa, 120]]), "colours")
    r = await b.request("colour", 7)
    eq(r.data, 7, "colour 7")
    r = await a.request("colours")
    eq(r.data, [[pa, 120], [pb, 7]], "colours in player order")
    for bad in (360, -1, "red", None, 1.5, [1]):
        r = await a.request("colour", bad)
        eq(r.code, "bad_request", "colour %r" % (bad,))
    r = await a.request("colour", 0)
    eq((r.code, r.data), ("", 0), "colour 0")
    r = await a.request("colour", 359)
    eq((r.code, r.data), ("", 359), "colour 359")
    # any integer encoding: uint16 200
    await a.send(b"\x94\x06" + pack(99) + pack("colour") + b"\xcd\x00\xc8")
    r = await a.wait_reply(99)
    eq((r.code, r.data), ("", 200), "colour as uint16")


@check("requests.spectator")
async def _(ctx):
    room = await ctx.room()
    a = await ctx.join(name="spa", room=room)
    s = await ctx.join(name="sps", room=room, spectator=True)
    w = s.welcome
    eq(w["spectator"], True, "welcome spectator")
    eq(w["session"], "", "spectator session")
    ensure(w["player"] >= 1, "spectator player id")
    ensure(w["player"] not in [p[0] for p in w["players"]], "spectator in the roster")
    r = await s.request("colour", 10)
    eq(r.code, "not_allowed", "spectator colour")
    r = await s.request("colours")
    eq(r.code, "", "spectator colours")
    r = await s.request("room.lock", True)
    eq(r.code, "not_allowed", "spectator room.lock")
    await s.send(encode_input(1, 1))
    await s.wait_error("not_allowed", 1)
    # GUESS: a spectator's input refused with not_allowed still counts for the seq check
    await s.send(encode_input(1, 1))
    await s.wait_error("bad_seq", 1)
    await s.send(encode_input(2, 1))
    await s.wait_error("not_allowed", 2)
    ensure(not ev(a, "joined")[1:], "events for a spectator's arrival: %r" % ev(a, "joined")[1:])
    await s.wait(lambda: len(s.snapshots) >= 2, 2, "snapshots for a spectator")


@check("requests.flood")
async def _(ctx):
    c = await ctx.join(name="flood")
    n = 40
    for i in range(1, n + 1):
        await c.send(encode_request(i, "room.info"))
    await c.wait(lambda: len({r.id for r in c.replies}) >= n, 3, "%d replies" % n)
    await asyncio.sleep(0.3)
    ids = sorted(r.id for r in c.replies)
    eq(ids, list(range(1, n + 1)), "reply ids")
    codes = {r.code for r in c.replies}
    ensure(codes <= {"", "rate_limited"}, "codes %r" % codes)
    limited = [r for r in c.replies if r.code == "rate_limited"]
    ensure(limited, "no rate_limited reply for %d requests at once (burst 30, 16 per tick)" % n)
    ensure(all(r.data is None and r.message for r in limited), "rate_limited replies need a message and nil")
    ensure(not c.closed, "closed")


@check("requests.lock")
async def _(ctx):
    room = await ctx.room()
    a = await ctx.join(name="host", room=room)
    b = await ctx.join(name="guest", room=room)
    pa = a.welcome["player"]
    r = await b.request("room.lock", True)
    eq(r.code, "not_allowed", "non-host lock")
    r = await b.request("room.lock", None)
    eq(r.code, "bad_request", "non-host lock with nil (data is checked first)")
    r = await a.request("room.lock", None)
    eq(r.code, "bad_request", "lock with nil")
    st, _, before = await ctx.http("POST", "/api/matchmake", {"mode": "join", "room": room})
    eq(st, 200, "matchmake join before the lock (%r)" % (before,))
    r = await a.request("room.lock", True)
    eq((r.code, r.data), ("", True), "lock")
    e = await a.wait_event("locked", [pa, True])
    ensure(a.msgs.index(e) < a.msgs.index(r), "locked event after the reply")
    await b.wait_event("locked", [pa, True])
    await ctx.refused({"room": room}, 4008, what="join a locked room")
    await ctx.refused({"room": room, "spectator": True}, 4008, what="spectate a locked room")
    st, _, js = await ctx.http("POST", "/api/matchmake", {"mode": "join", "room": room})
    eq(st, 409, "matchmake into a locked room (%r)" % (js,))
    r3 = await ctx.join(label="reserved", reservation=before["reservation"])
    eq(r3.welcome["room"], room, "a reservation made before the lock is spent into the locked room")
    await r3.close(1000)
    n = len(a.events)
    r = await a.request("room.lock", True)
    eq((r.code, r.data), ("", True), "lock again")
    r2 = await a.request("room.info")
    eq(r2.data["locked"], True, "room.info locked")
    eq(len(ev(a, "locked")), 1, "locked events after locking a locked room")
    r = await a.request("room.lock", False)
    eq((r.code, r.data), ("", False), "unlock")
    await b.wait_event("locked", [pa, False])
    c = await ctx.join(name="late", room=room)
    ensure(c.welcome is not None, "join after unlock")


@check("requests.kick")
async def _(ctx):
    room = await ctx.room()
    a = await ctx.join(name="kicker", room=room)
    b = await ctx.join(name="kicked", room=room)
    pa, pb = a.welcome["player"], b.welcome["player"]
    r = await b.request("room.kick", pa)
    eq(r.code, "not_allowed", "non-host kick")
    r = await b.request("room.kick", "x")
    ctx.note("non-host kick with bad data gets %r (the doc gives the order only for room.lock)" % r.code)
    for bad in (pa, 9999, "x", None, -1):
        r = await a.request("room.kick", bad)
        eq(r.code, "bad_request", "kick %r" % (bad,))
    r = await a.request("room.kick", pb)
    eq((r.code, r.data), ("", True), "kick")
    eq(await b.wait_closed(3), 4007, "close code of the kicked player")
    await a.wait_event("left", [pb, "kicked"])
    await ctx.refused({"session": b.welcome["session"], "lastEvent": b.last_event_seq}, 4011,
                      what="resume of a kicked player")
    c = await ctx.join(name="away", room=room)
    pc = c.welcome["player"]
    await a.wait_event("joined", [pc, "away"])
    c.abort()
    await a.wait_event("dropped", [pc, "away"])
    r = await a.request("room.kick", pc)
    eq((r.code, r.data), ("", True), "kick of an away player")
    await a.wait_event("left", [pc, "away"], timeout=1)


# =============================================================================================
# Resume
# =============================================================================================

@check("resume.replay", timeout=10)
async def _(ctx):
    room = await ctx.room(dirty=True)  # leaves a seat held
    a = await ctx.join(name="ra", room=room, deltas=True)
    b = await ctx.join(name="rb", room=room)
    pa, pb = a.welcome["player"], b.welcome["player"]
    await a.wait_event("joined", [pb, "rb"])
    await a.wait_snapshots(2)
    last = a.last_event_seq
    token = a.welcome["session"]
    a.abort()  # no close frame
    await a.wait_closed(2)
    await b.wait_event("dropped", [pa, "ra"])
    await b.send(encode_chat("while you were away"))
    await b.wait_event("chat", [pb, "while you were away"])
    # a future lastEvent is refused and does not spend the token
    await ctx.refused({"session": token, "lastEvent": last + 1000}, 4011, what="future lastEvent")
    a2 = await ctx.join(label="ra2", session=token, lastEvent=last, deltas=True, name="ignored")
    w = a2.welcome
    eq(w["resumed"], True, "resumed")
    eq(w["player"], pa, "player id after resume")
    eq(w["lastEvent"], last, "welcome lastEvent")
    eq(w["historyLost"], False, "historyLost")
    ensure(w["session"] not in ("", token), "new session token")
    eq(w["room"], room, "room")
    await a2.wait_event("reconnected", [pa, "ra"])
    eq(a2.events[0].seq, last + 1, "first replayed seq")
    got = [(e.seq, e.kind, e.data) for e in lobby(a2)]
    eq(got[:3], [(last + 1, "dropped", [pa, "ra"]), (last + 2, "chat", [pb, "while you were away"]),
                 (last + 3, "reconnected", [pa, "ra"])], "replayed events")
    await b.wait_event("reconnected", [pa, "ra"])
    await a2.wait_snapshots(3)
    eq(a2.snapshots[0].base, 0, "first snapshot after a resume is full")
    eq(a2.snapshots[0].ack, 0, "ack_seq after a resume")
    await a2.send(encode_input(1, 0))
    await a2.wait(lambda: a2.snapshots[-1].ack == 1, 2, "ack_seq 1 on the new connection")
    eq([p[:2] for p in w["players"]], [[pa, "ra"], [pb, "rb"]], "roster after resume")
    # the old token is spent
    await ctx.refused({"session": token, "lastEvent": last}, 4011, what="spent token")
    ensure(not a2.closed, "resumed connection closed by a spent-token attempt")


@check("resume.replace", timeout=10)
async def _(ctx):
    room = await ctx.room(dirty=True)  # leaves a seat held
    a = await ctx.join(name="xa", room=room)
    b = await ctx.join(name="xb", room=room)
    pa, pb = a.welcome["player"], b.welcome["player"]
    await a.wait_event("joined", [pb, "xb"])
    # resume while the old connection is open, without lastEvent: replay from seq 1
    a2 = await ctx.join(label="xa2", session=a.welcome["session"])
    eq(await a.wait_closed(2), 4010, "close code of the replaced connection")
    eq(a2.welcome["resumed"], True, "resumed")
    eq(a2.welcome["player"], pa, "player")
    await a2.wait_event("reconnected", [pa, "xa"])
    eq(a2.events[0].seq, 1, "first replayed seq without lastEvent")
    eq([(e.kind, e.data) for e in lobby(a2)[:3]],
       [("joined", [pa, "xa"]), ("joined", [pb, "xb"]), ("reconnected", [pa, "xa"])],
       "replay from event 1")
    await b.wait_event("reconnected", [pa, "xa"])
    ensure(not ev(b, "dropped"), "a dropped event for a replaced connection")


@check("resume.last_event_modulo")
async def _(ctx):
    room = await ctx.room()
    a = await ctx.join(name="ma", room=room)
    b = await ctx.join(name="mb", room=room)
    pa, pb = a.welcome["player"], b.welcome["player"]
    await a.wait_event("joined", [pb, "mb"])
    # the room's events (joins, spawns) interleave as its ticks fall, so
    # the one to see replayed is whatever a itself got as event 2
    second = await a.wait(lambda: next((e for e in a.events if e.seq == 2), None), 3, "event 2")
    # "lastEvent ... it takes modulo 2^32": 2^32 + 1 is lastEvent 1
    a2 = await ctx.join(label="ma2", session=a.welcome["session"], lastEvent=2 ** 32 + 1)
    eq(a2.welcome["resumed"], True, "resumed")
    eq(a2.welcome["lastEvent"], 1, "welcome lastEvent for 2^32 + 1")
    await a2.wait_event("reconnected", [pa, "ma"])
    eq(a2.events[0].seq, 2, "first replayed seq")
    eq((a2.events[0].kind, a2.events[0].data), (second.kind, second.data), "first replayed event")
    # -1: the doc says only "do not send -1" (taken modulo 2^32 it is a future lastEvent)
    c = await ctx.open({"session": a2.welcome["session"], "lastEvent": -1}, label="minus1")
    code = await c.wait_closed(3) if not await _welcomed(c) else "welcome"
    ctx.note("hello lastEvent -1 on a resume gets %s" % code)


async def _welcomed(c):
    try:
        await c.wait(lambda: c.welcome is not None, 1.5, "welcome")
        return True
    except AssertionError:
        return False


@check("resume.history_lost", timeout=15)
async def _(ctx):
    room = await ctx.room()
    a = await ctx.join(name="ha", room=room)
    b = await ctx.join(name="hb", room=room)
    pa, pb = a.welcome["player"], b.welcome["player"]
    await a.wait_event("joined", [pb, "hb"])
    last = a.last_event_seq
    a.abort()
    await b.wait_event("dropped", [pa, "ha"])
    # more than 240 missed events: chats, paced under the rate limit (60 a second, bursts of 30)
    for i in range(250):
        await b.send(encode_chat("filler %d" % i))
        if i >= 20:
            await asyncio.sleep(1 / 50)
    await b.wait_event("chat", [pb, "filler 249"], timeout=3)
    ensure(not [e for e in b.errors if e.code == "rate_limited"], "chats rate limited")
    a2 = await ctx.join(label="ha2", session=a.welcome["session"], lastEvent=last)
    w = a2.welcome
    eq((w["resumed"], w["historyLost"]), (True, True), "resumed, historyLost")
    ensure(w["lastEvent"] > last + 240, "welcome lastEvent %d" % w["lastEvent"])
    e = await a2.wait_event("reconnected", [pa, "ha"])
    eq(a2.events[0].seq, w["lastEvent"] + 1, "first event after a lost history")
    ensure(not ev(a2, "chat"), "events replayed although the history was lost")


@check("resume.spectator_has_no_session")
async def _(ctx):
    s = await ctx.join(name="nos", spectator=True)
    eq(s.welcome["session"], "", "spectator session")


# =============================================================================================
# Leave and close codes
# =============================================================================================

@check("leave")
async def _(ctx):
    room = await ctx.room()
    a = await ctx.join(name="la", room=room)
    b = await ctx.join(name="lb", room=room)
    pa, pb = a.welcome["player"], b.welcome["player"]
    await a.wait_event("joined", [pb, "lb"])
    await a.send(encode_leave())
    eq(await a.wait_closed(2), 1000, "close code after leave")
    await b.wait_event("left", [pa, "la"])
    await ctx.refused({"session": a.welcome["session"], "lastEvent": a.last_event_seq}, 4011,
                      what="resume after leave")
    r = await b.request("room.info")
    eq([p[0] for p in r.data["players"]], [pb], "players after leave")
    eq(r.data["host"], pb, "host after the host left")


@check("close.seat")
async def _(ctx):
    room = await ctx.room(dirty=True)  # leaves a seat held
    o = await ctx.join(name="obs", room=room)
    a = await ctx.join(name="c1000", room=room)
    b = await ctx.join(name="c1001", room=room)
    pa, pb = a.welcome["player"], b.welcome["player"]
    await o.wait_event("joined", [pb, "c1001"])
    await a.ws.close(1000)
    await o.wait_event("left", [pa, "c1000"])
    await b.ws.close(1001)
    await o.wait_event("dropped", [pb, "c1001"])
    await asyncio.sleep(0.2)
    ensure(not [e for e in o.events if e.kind == "left" and e.data[0] == pb], "1001 ended the seat")
    r = await o.request("room.info")
    eq([p[0] for p in r.data["players"]], [o.welcome["player"], pb], "players (away one held)")


# =============================================================================================
# Encoding widths the doc states
# =============================================================================================

def span(b, i=0):
    """End offset of the msgpack value starting at b[i]."""
    c = b[i]
    if c <= 0x7F or c >= 0xE0 or c in (0xC0, 0xC2, 0xC3):
        return i + 1
    if 0x80 <= c <= 0x8F or 0x90 <= c <= 0x9F:
        n = c & 0x0F
        j = i + 1
        for _ in range(n * (2 if c <= 0x8F else 1)):
            j = span(b, j)
        return j
    if 0xA0 <= c <= 0xBF:
        return i + 1 + (c & 0x1F)
    fixed = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8, 0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8, 0xCA: 4, 0xCB: 8}
    if c in fixed:
        return i + 1 + fixed[c]
    if c in (0xC4, 0xD9):
        return i + 2 + b[i + 1]
    if c in (0xC5, 0xDA):
        return i + 3 + int.from_bytes(b[i + 1:i + 3], "big")
    if c in (0xC6, 0xDB):
        return i + 5 + int.from_bytes(b[i + 1:i + 5], "big")
    if c in (0xDC, 0xDE, 0xDD, 0xDF):
        w = 2 if c in (0xDC, 0xDE) else 4
        n = int.from_bytes(b[i + 1:i + 1 + w], "big") * (2 if c in (0xDE, 0xDF) else 1)
        j = i + 1 + w
        for _ in range(n):
            j = span(b, j)
        return j
    raise ValueError("unsupported byte %02x" % c)


def map_items_raw(b, i):
    """[(key, raw value bytes)] of the map at b[i]."""
    c = b[i]
    if 0x80 <= c <= 0x8F:
        n, j = c & 0x0F, i + 1
    elif c == 0xDE:
        n, j = int.from_bytes(b[i + 1:i + 3], "big"), i + 3
    else:
        raise ValueError("not a map")
    out = []
    for _ in range(n):
        k_end = span(b, j)
        key = t.unpack(b[j:k_end])
        v_end = span(b, k_end)
        out.append((key, b[k_end:v_end]))
        j = v_end
    return out


@check("encoding.widths")
async def _(ctx):
    room = await ctx.room()
    a = await ctx.join(name="wid", room=room)
    pa = a.welcome["player"]
    # welcome map values: smallest encodings (config is a game value: reported, not checked)
    items = map_items_raw(a.msgs[0].raw, 2)
    for k, raw in items:
        if k == "config":
            if raw != pack(t.unpack(raw)):
                ctx.note("welcome config is not in the smallest encoding: %s" % raw.hex(" "))
            continue
        eq(raw.hex(" "), pack(t.unpack(raw)).hex(" "), "welcome %s encoding" % k)
    e = await a.wait_event("joined")
    want_tail = b"\x92\xce" + pa.to_bytes(4, "big") + pack("wid")
    ensure(e.raw.endswith(want_tail), "joined data %s, want %s" % (e.raw.hex(" "), want_tail.hex(" ")))
    head = b"\x95" + pack(17) + pack(e.seq) + pack(e.tick) + pack("joined")
    ensure(e.raw.startswith(head), "event header not smallest: %s" % e.raw.hex(" "))
    await a.wait_snapshots(2)
    s = a.snapshots[-1]
    eq(s.raw[:len(pack(s.value[:4]))], b"\x95" + pack(s.value[:4])[1:], "snapshot header smallest")
    r = await a.request("colour", 120)
    ensure(r.raw.endswith(b"\xd3" + (120).to_bytes(8, "big")),
           "colour reply data %s, want int64 d3" % r.raw.hex(" "))
    r = await a.request("room.info")
    off = 1
    for _ in range(4):  # type, id, code, message
        off = span(r.raw, off)
    items = dict(map_items_raw(r.raw, off))
    eq(items["host"][:1].hex(), "ce", "room.info host encoding (%s)" % items["host"].hex(" "))
    eq(items["tick"][:1].hex(), "ce", "room.info tick encoding (%s)" % items["tick"].hex(" "))


# =============================================================================================
# HTTP API
# =============================================================================================

def json_headers(h, what):
    ensure((h.get("Content-Type") or "").startswith("application/json"),
           "%s Content-Type %r" % (what, h.get("Content-Type")))
    eq(h.get("Cache-Control"), "no-store", "%s Cache-Control" % what)


ENTRY_TYPES = {"id": t.is_str, "game": t.is_str, "players": t.is_int, "maxPlayers": t.is_int,
               "locked": t.is_bool, "private": t.is_bool}


def check_entry(e, what):
    ensure(isinstance(e, dict), "%s: not an object: %r" % (what, e))
    for k, f in ENTRY_TYPES.items():
        ensure(k in e and f(e[k]), "%s: %s = %r" % (what, k, e.get(k)))


@check("http.list")
async def _(ctx):
    st, h, js = await ctx.http("GET", "/api/rooms")
    eq(st, 200, "GET /api/rooms")
    json_headers(h, "GET /api/rooms")
    ensure(isinstance(js, list), "not an array")
    for e in js:
        check_entry(e, "listing entry")
    st, h, js = await ctx.http("GET", "/api/rooms?game=snake&free=1&limit=200")
    eq(st, 200, "GET ?game=snake&free=1&limit=200")
    for e in js:
        ensure(e["maxPlayers"] - e["players"] >= 1 and e["game"] == "snake" and not e["private"],
               "entry %r" % e)
    ids = [e["id"] for e in js]
    eq(ids, sorted(ids), "ordered by id")
    st, h, js = await ctx.http("GET", "/api/rooms?game=nosuchgame")
    eq(st, 404, "unknown game")
    json_headers(h, "404")
    ensure(isinstance(js, dict) and t.is_str(js.get("error")), "error body %r" % (js,))
    for q in ("limit=0", "limit=201", "free=-1", "free=x", "limit=x"):
        st, h, js = await ctx.http("GET", "/api/rooms?" + q)
        eq(st, 400, "GET ?" + q)
    st, h, body = await ctx.http("DELETE", "/api/rooms")
    eq(st, 405, "DELETE /api/rooms")


@check("http.create", timeout=15)
async def _(ctx):
    st, h, js = await ctx.post_creating("/api/rooms", {"game": "snake", "private": True, "maxPlayers": 2})
    eq(st, 201, "POST /api/rooms private (%r)" % (js,))
    json_headers(h, "POST /api/rooms")
    check_entry(js, "created entry")
    priv = js["id"]
    eq((js["game"], js["players"], js["maxPlayers"], js["locked"], js["private"]),
       ("snake", 0, 2, False, True), "created entry")
    eq(len(priv), 20, "private room id length")
    ensure(set(priv) <= ROOM_ALPHABET, "room id alphabet: %r" % priv)
    pubs = []
    for _ in range(2):
        st, h, js = await ctx.post_creating("/api/rooms", {"game": "snake", "maxPlayers": 3})
        eq(st, 201, "POST /api/rooms public (%r)" % (js,))
        eq(len(js["id"]), 8, "public room id length")
        ensure(set(js["id"]) <= ROOM_ALPHABET, "room id alphabet: %r" % js["id"])
        eq(js["private"], False, "private")
        pubs.append(js["id"])
    st, h, lst = await ctx.http("GET", "/api/rooms?game=snake&limit=200")
    ids = [e["id"] for e in lst]
    ensure(priv not in ids, "private room listed")
    ensure(all(p in ids for p in pubs), "public rooms not listed")
    # paging: limit=1 starting before the first of ours
    lo = min(pubs)
    prev = [i for i in ids if i < lo]
    q = "/api/rooms?game=snake&limit=1" + ("&cursor=" + prev[-1] if prev else "")
    st, h, page = await ctx.http("GET", q)
    eq(st, 200, "GET " + q)
    eq([e["id"] for e in page], [lo], "page of one")
    link = h.get("Link") or ""
    m = re.match(r'^<([^>]*)>;\s*rel="next"$', link)
    ensure(m, "Link header %r" % link)
    ensure("cursor=" + lo in m.group(1), "next link %r lacks cursor=%s" % (link, lo))
    st, h, page2 = await ctx.http("GET", m.group(1))
    eq(st, 200, "GET next page")
    ensure(page2 and page2[0]["id"] > lo, "next page %r" % page2)
    # a private room can be joined by id
    c = await ctx.join(name="byid", room=priv)
    eq(c.welcome["room"], priv, "welcome room")
    # errors
    for body, raw, want, what in [
        (None, b"", 400, "empty body"),
        (None, b"[]", 400, "array body"),
        ({"game": "snake", "colour": 1}, None, 400, "unknown field"),
        ({"game": "snake", "maxPlayers": 1000}, None, 400, "maxPlayers 1000"),
        ({"game": "snake", "maxPlayers": -1}, None, 400, "maxPlayers -1"),
        ({"game": "nosuchgame"}, None, 404, "unknown game"),
    ]:
        st, h, js = await ctx.http("POST", "/api/rooms", body, raw_body=raw)
        if st == 429 and want == 404:
            # The doc gives the order Origin, body, secret, "then the request"; it does not say
            # whether the per-address room limits come before the game lookup. They do.
            ctx.note("POST /api/rooms with %s got 429 (%s), not %d: the room limits are checked "
                     "before the game" % (what, js.get("error"), want))
            continue
        eq(st, want, "POST /api/rooms with " + what + " (%r)" % (js,))
        ensure(isinstance(js, dict) and "error" in js, "error body %r" % (js,))


def parse_rfc3339_utc(s):
    m = re.match(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$", s)
    ensure(m, "expiresAt %r is not RFC 3339 UTC" % s)
    frac = m.group(7) or ""
    ensure(not frac.endswith("0"), "expiresAt %r has trailing zeros" % s)
    dt = datetime.datetime(*map(int, m.groups()[:6]), tzinfo=datetime.timezone.utc)
    return dt.timestamp() + (int(frac) / 10 ** len(frac) if frac else 0)


@check("http.matchmake", timeout=15)
async def _(ctx):
    st, h, js = await ctx.http("POST", "/api/matchmake", {"mode": "quick", "game": "snake"})
    eq(st, 200, "matchmake quick (%r)" % (js,))
    json_headers(h, "POST /api/matchmake")
    for k in ("room", "game", "reservation", "expiresAt"):
        ensure(t.is_str(js.get(k)), "matchmake %s: %r" % (k, js.get(k)))
    eq(js["game"], "snake", "game")
    ensure(re.match(r"^%s\.[0-9a-f]{32}$" % re.escape(js["room"]), js["reservation"]),
           "reservation token %r" % js["reservation"])
    exp = parse_rfc3339_utc(js["expiresAt"])
    ensure(10 < exp - time.time() < 20, "expiresAt %s not ~15 s ahead" % js["expiresAt"])
    c = await ctx.join(label="res", reservation=js["reservation"], room="ignored-room")
    eq(c.welcome["room"], js["room"], "room of the reservation")
    await ctx.refused({"reservation": js["reservation"]}, 4011, what="reservation used twice")
    # create: a room with one seat, held by the reservation
    st, h, cr = await ctx.post_creating("/api/matchmake",
                                        {"mode": "create", "game": "snake", "private": True, "maxPlayers": 1})
    eq(st, 200, "matchmake create (%r)" % (cr,))
    st, h, js2 = await ctx.http("POST", "/api/matchmake", {"mode": "join", "room": cr["room"]})
    eq(st, 409, "matchmake join into a room whose only seat is reserved (%r)" % (js2,))
    # reservation + spectator: 4013, and the reservation stays good
    await ctx.refused({"reservation": cr["reservation"], "spectator": True}, 4013,
                      what="reservation with spectator")
    c2 = await ctx.join(label="res2", reservation=cr["reservation"])
    eq(c2.welcome["room"], cr["room"], "room of the create reservation")
    await ctx.refused({"room": cr["room"]}, 4008, what="join of a full room")
    # join mode on a public room, counted in the listing
    st, h, pub = await ctx.post_creating("/api/rooms", {"game": "snake", "maxPlayers": 2})
    eq(st, 201, "POST /api/rooms (%r)" % (pub,))
    if st == 201:
        st, h, jr = await ctx.http("POST", "/api/matchmake", {"mode": "join", "room": pub["id"]})
        eq(st, 200, "matchmake join (%r)" % (jr,))
        eq(jr["room"], pub["id"], "join room")
        st, h, lst = await ctx.http("GET", "/api/rooms?game=snake&limit=200")
        ent = [e for e in lst if e["id"] == pub["id"]]
        eq([e["players"] for e in ent], [1], "players counting a reservation")
        c3 = await ctx.join(label="res3", reservation=jr["reservation"])
        eq(c3.welcome["room"], pub["id"], "joined room")
    for body, want, what in [
        ({"mode": "dance"}, 400, "unknown mode"),
        ({"mode": "join", "room": "nosuchro"}, 404, "join of no such room"),
        ({"mode": "quick", "game": "nosuchgame"}, 404, "no such game"),
        ({"mode": "create", "game": "snake", "maxPlayers": 1000}, 400, "maxPlayers 1000"),
    ]:
        st, h, js = await ctx.http("POST", "/api/matchmake", body)
        eq(st, want, "matchmake " + what + " (%r)" % (js,))


# =============================================================================================
# More of the doc's statements
# =============================================================================================

@check("transport.http_errors")
async def _(ctx):
    st, h, body = await ctx.http("POST", "/ws", raw_body=b"{}")
    eq(st, 405, "POST /ws")
    st, h, body = await ctx.http("GET", "/ws")
    ensure(st in (400, 426), "GET /ws without an upgrade: %d" % st)


@check("http.origin")
async def _(ctx):
    host = ctx.url.split("://", 1)[1].rstrip("/")
    st, h, js = await ctx.http("POST", "/api/rooms", raw_body=b"", headers={"Origin": "http://evil.example"})
    eq(st, 403, "POST /api/rooms from another site's page (checked before the body)")
    st, h, js = await ctx.http("POST", "/api/matchmake", {"mode": "quick"}, headers={"Origin": "http://evil.example"})
    eq(st, 403, "POST /api/matchmake from another site's page")
    st, h, js = await ctx.http("GET", "/api/rooms", headers={"Origin": "http://evil.example"})
    eq(st, 200, "GET /api/rooms has no Origin check")
    try:
        c = await ctx.open({"game": "snake"}, origin="http://evil.example", label="evil")
        raise AssertionError("a WebSocket from another origin was accepted")
    except websockets.InvalidStatusCode as e:
        eq(e.status_code, 403, "handshake status from another origin")
    c = await ctx.open({"game": "snake"}, origin="http://" + host, label="sameorigin")
    await c.wait_welcome()


@check("http.body_limits")
async def _(ctx):
    big = json.dumps({"game": "snake", "mode": "quick", "room": "x" * 5000}).encode()
    st, h, js = await ctx.http("POST", "/api/matchmake", raw_body=big)
    eq(st, 400, "POST /api/matchmake with a body over 4 KiB")
    st, h, js = await ctx.http("POST", "/api/matchmake", raw_body=b"{not json")
    eq(st, 400, "POST /api/matchmake with a body that is not JSON")


@check("limits.flood")
async def _(ctx):
    c = await ctx.join(name="flooder")
    n = 0
    # 120 drops in a row close with 4004; drops over the rate limit need to come faster than the
    # refill (60 a second), so write many at once.
    frames = [encode_input(i, i % 4) for i in range(1, 401)]
    for f in frames:
        if c.closed:
            break
        try:
            await c.send(f)
        except websockets.ConnectionClosed:
            break
        n += 1
    eq(await c.wait_closed(3), 4004, "close code after a flood")
    limited = [e for e in c.errors if e.code == "rate_limited"]
    ensure(len(limited) >= 100, "only %d rate_limited errors" % len(limited))
    ensure(all(e.seq >= 1 for e in limited), "rate_limited for an input without its seq")
    seqs = [e.seq for e in limited]
    ensure(len(set(seqs)) == len(seqs), "an input dropped twice")
    ensure(limited[0].message, "rate_limited without a message")
    ctx.note("first rate_limited message: %r" % limited[0].message)


@check("limits.conns_per_ip", timeout=10)
async def _(ctx):
    cap = ctx.args.max_conns_per_ip
    if not cap:
        raise Skip("--max-conns-per-ip 0")
    # connections without a hello count too (the caps are checked before the hello)
    for attempt in range(3):
        open_ = []
        for i in range(cap):
            c = await ctx.open(None, send_hello=False, label="cap%d.%d" % (attempt, i))
            open_.append(c)
        extra = await ctx.open({"game": "snake"}, label="over-cap%d" % attempt)
        try:
            code = await extra.wait_closed(3)
        except AssertionError:
            code = None
        early = [c for c in open_ if c.closed and c.close_code == 4014]
        if code is None and early:
            # An earlier check's connection the server had not yet let go
            # of held a slot while these opened, and left just after:
            # start again from none.
            ctx.note("attempt %d: a connection under the cap was refused while an earlier one "
                     "was still counted; tried again" % (attempt + 1))
            await asyncio.gather(*(c.close(1000) for c in open_ + [extra]), return_exceptions=True)
            await asyncio.sleep(0.5)
            continue
        break
    eq(code, 4014, "close code of connection %d from one address" % (cap + 1))
    for c in open_:
        ensure(not c.closed, "a connection under the cap was closed (%s)" % c.close_code)


@check("snapshots.area_of_interest")
async def _(ctx):
    c = await ctx.join(name="aoi", deltas=True)
    if not c.welcome["areaOfInterest"]:
        raise Skip("the server has no area of interest (tickroom serve --area-of-interest)")
    cfg = c.welcome["config"]
    ensure(t.is_int(cfg.get("view")) and t.is_int(cfg.get("view_margin")), "config view/view_margin: %r" % cfg)
    grid = cfg.get("view_grid", 16)
    await alive(c, 3)
    await c.wait(lambda: any(m.state and m.state["rect"] for m in c.snapshots), 2, "a view snapshot")
    me = c.welcome["player"]
    views = [m for m in c.snapshots if m.state and m.state["rect"]]
    for m in views[-5:]:
        st = m.state
        x, y, w, h = st["rect"]
        ensure(x + w <= st["width"] and y + h <= st["height"], "rect %r off the board" % st["rect"])
        ensure(x % grid == 0 and y % grid == 0, "rect %r not on the %d-cell grid" % (st["rect"], grid))
        cells = t.state_cells(st)
        for p, cs in cells.items():
            ensure(any(x <= cc % st["width"] < x + w and y <= cc // st["width"] < y + h for cc in cs),
                   "snake %d has no cell in the rect" % p)
        for f in st["food"]:
            ensure(x <= f % st["width"] < x + w and y <= f // st["width"] < y + h, "food %d outside the rect" % f)
        mine = [s for s in st["snakes"] if s["player"] == me]
        if mine and mine[0]["status"] == 1:
            hx, hy = mine[0]["head"] % st["width"], mine[0]["head"] // st["width"]
            half = cfg["view"] // 2 + cfg["view_margin"]
            ensure(x <= max(0, hx - half) and x + w >= min(st["width"], hx + half),
                   "rect %r does not cover %d cells left/right of head x %d" % (st["rect"], half, hx))
            ensure(y <= max(0, hy - half) and y + h >= min(st["height"], hy + half),
                   "rect %r does not cover %d cells above/below head y %d" % (st["rect"], half, hy))
    # a spectator's view: clipped, not snapped
    s = await ctx.join(name="aois", spectator=True, view=[-3, 5, 20, 10], room=c.welcome["room"], deltas=True)
    eq(s.welcome["areaOfInterest"], True, "spectator with a view")
    await s.wait(lambda: any(m.state for m in s.snapshots), 2, "a spectator snapshot")
    st = [m.state for m in s.snapshots if m.state][0]
    eq(st["rect"], [0, 5, 17, 10], "the spectator's view clipped to the board")
    s2 = await ctx.join(name="aois2", spectator=True, room=c.welcome["room"])
    eq(s2.welcome["areaOfInterest"], False, "spectator without a view")
    await s2.wait(lambda: any(m.state for m in s2.snapshots), 2, "a spectator snapshot")
    ensure([m.state for m in s2.snapshots if m.state][0]["rect"] is None, "a rect for a spectator without a view")


@check("auth.join_secret")
async def _(ctx):
    sec = ctx.args.join_secret
    if not sec:
        raise Skip("give --join-secret SECRET for a server started with --join-secret")
    c = await ctx.open({"game": "snake"}, raw_auth=True, label="noauth")
    eq(await c.wait_closed(3), 4011, "hello without auth")
    c = await ctx.open({"game": "snake", "auth": "wrong"}, raw_auth=True, label="wrongauth")
    eq(await c.wait_closed(3), 4011, "hello with a wrong auth")
    c = await ctx.open({"game": "snake"}, raw_auth=True, label="header",
                       extra_headers={"Authorization": "Bearer " + sec})
    await c.wait_welcome()
    c = await ctx.open({"game": "snake", "auth": "wrong"}, raw_auth=True, label="both1",
                       extra_headers={"Authorization": "Bearer " + sec})
    eq(await c.wait_closed(3), 4011, "hello auth wrong, header right (the hello wins)")
    c = await ctx.open({"game": "snake", "auth": sec}, raw_auth=True, label="both2",
                       extra_headers={"Authorization": "Bearer wrong"})
    await c.wait_welcome()
    st, h, js = await ctx.http("POST", "/api/rooms", raw_body=b"", auth=False)
    eq(st, 401, "POST /api/rooms without the secret (checked before the body)")
    st, h, js = await ctx.http("POST", "/api/matchmake", {}, auth=False,
                               headers={"Authorization": "Bearer wrong"})
    eq(st, 401, "POST /api/matchmake with a wrong secret")
    st, h, js = await ctx.http("GET", "/api/rooms", auth=False)
    eq(st, 200, "GET /api/rooms needs no secret")
    # spectators need it too; the ordering: a bad hello is 4013 before the secret is looked at
    c = await ctx.open({"game": "snake", "spectator": True}, raw_auth=True, label="specnoauth")
    eq(await c.wait_closed(3), 4011, "spectator without auth")
    c = await ctx.open({"name": 5}, raw_auth=True, label="badnoauth")
    eq(await c.wait_closed(3), 4013, "bad hello without auth")


@check("limits.throttle", timeout=15)
async def _(ctx):
    # Last: it spends the address's failed lookups (20, refilled at 2 a second).
    room = await ctx.room()
    codes = []
    for i in range(40):
        c = await ctx.open({"room": "nosuch%02d" % i}, label="look%d" % i)
        codes.append(await c.wait_closed(3))
        if codes[-1] == 4015:
            break
    ensure(codes[-1] == 4015, "no 4015 after %d failed lookups: %r" % (len(codes), codes))
    ensure(set(codes[:-1]) == {4012}, "codes before the throttle: %r" % codes)
    # earlier checks of this run may have spent a few of the 20 (they refill at 2 a second)
    ensure(10 <= len(codes) - 1 <= 21, "throttled after %d failed lookups (burst 20)" % (len(codes) - 1))
    ctx.note("throttled after %d failed lookups in a row (burst 20, less what earlier checks spent)"
             % (len(codes) - 1))
    c = await ctx.open({"room": room}, label="existing")
    eq(await c.wait_closed(3), 4015, "a room that exists, while throttled")
    st, h, js = await ctx.http("POST", "/api/matchmake", {"mode": "join", "room": room})
    eq(st, 429, "API lookup while throttled (%r)" % (js,))
    ensure(h.get("Retry-After"), "429 without Retry-After")
    c = await ctx.join(name="quick-while-throttled")
    ensure(c.welcome, "quick play while throttled")


# =============================================================================================
# Runner
# =============================================================================================

async def run(args):
    selected = []
    for name, fn, timeout, offline in CHECKS:
        if args.only and not any(name == o or name.startswith(o) for o in args.only.split(",")):
            continue
        if offline or args.url:
            selected.append((name, fn, timeout, offline))
    failed = 0
    t0 = time.time()
    for name, fn, timeout, offline in selected:
        ctx = Ctx(args)
        start = time.time()
        passed = False
        try:
            await asyncio.wait_for(fn(ctx), timeout or args.timeout)
            bad = [(c.label, v) for c in ctx.conns for v in c.violations]
            if bad:
                raise AssertionError("protocol violations seen: %r" % bad[:5])
            print("PASS %s (%.1fs)" % (name, time.time() - start))
            for n in ctx.notes:
                print("     note: %s" % n)
            passed = True
        except Skip as e:
            print("SKIP %s: %s" % (name, e))
        except asyncio.TimeoutError:
            failed += 1
            print("FAIL %s: check timed out after %ss" % (name, timeout or args.timeout))
        except AssertionError as e:
            failed += 1
            print("FAIL %s: %s" % (name, e))
        except Exception as e:
            failed += 1
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
        finally:
            try:
                await asyncio.wait_for(ctx.cleanup(), 4)
            except Exception:
                pass
            ctx.give_back(passed)
        sys.stdout.flush()
    print("%d checks, %d failed, %.1fs" % (len(selected), failed, time.time() - t0))
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="the server's base URL, e.g. http://127.0.0.1:8080")
    ap.add_argument("--offline", action="store_true", help="only the vector checks")
    ap.add_argument("--only", help="comma-separated check names or prefixes")
    ap.add_argument("--timeout", type=float, default=6.0, help="seconds per check (default 6)")
    ap.add_argument("--pong-timeout", type=float, default=0,
                    help="the server's --pong-timeout in seconds, to run pings.timeout")
    ap.add_argument("--join-secret", help="the server's join secret, if it has one (runs auth.*)")
    ap.add_argument("--max-conns-per-ip", type=int, default=64,
                    help="the server's --max-conns-per-ip (default 64; 0 skips limits.conns_per_ip)")
    ap.add_argument("--list", action="store_true", help="list the checks")
    args = ap.parse_args()
    if args.list:
        for name, _, _, offline in CHECKS:
            print(name + (" (offline)" if offline else ""))
        return 0
    if args.offline:
        args.url = None
    elif not args.url:
        ap.error("--url is required (or --offline)")
    return 1 if asyncio.run(run(args)) else 0


if __name__ == "__main__":
    sys.exit(main())
