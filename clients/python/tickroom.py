"""A tickroom.v2 client written from docs/protocol.md and docs/snake.md only.

Three parts:
  * the message codec (client encoders, server message decoder),
  * Snake's wire formats (state / view decoder, canonical encoder, delta patcher, CRC-32),
  * an asyncio WebSocket connection (websockets 10.x) that records what the server sends.
"""

import asyncio
import zlib

import msgpack
import websockets

SUBPROTOCOL = "tickroom.v2"

# Message types (protocol.md, "Client to server messages" / "Server to client messages").
HELLO, INPUT, PONG, CHAT, LEAVE, REQUEST = 1, 2, 3, 4, 5, 6
WELCOME, EVENT, PING, ERROR, SNAPSHOT, REPLY, HISTORY = 16, 17, 18, 19, 20, 21, 22
SERVER_TYPES = {WELCOME: "welcome", EVENT: "event", PING: "ping", ERROR: "error",
                SNAPSHOT: "snapshot", REPLY: "reply", HISTORY: "history"}

# The doc says "The order of a map's keys means nothing", yet the hello vector's bytes fix one
# order (name, game, lastEvent, spectator). GUESS: the encoder writes keys in the order of the
# doc's hello key table; that reproduces the vector.
HELLO_KEY_ORDER = ("name", "game", "room", "reservation", "session", "lastEvent",
                   "spectator", "auth", "deltas", "view", "key")


class ProtocolError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Client message encoders
# ---------------------------------------------------------------------------------------------

def pack(value):
    # msgpack-python writes the smallest encoding of every int, str, bin, array and map header.
    return msgpack.packb(value, use_bin_type=True)


def encode_hello(fields=None, **kw):
    fields = dict(fields or {}, **kw)
    m = {}
    for k in HELLO_KEY_ORDER:
        if k in fields and fields[k] is not None:
            m[k] = fields[k]
    for k, v in fields.items():  # keys the doc does not list go last
        if k not in m and v is not None:
            m[k] = v
    return pack([HELLO, m])


def encode_input(seq, payload):
    return pack([INPUT, seq, payload])


def encode_pong(ping_id):
    return pack([PONG, ping_id])


def encode_chat(text):
    return pack([CHAT, text])


def encode_leave():
    return pack([LEAVE])


def encode_request(req_id, kind, data=None):
    return pack([REQUEST, req_id, kind, data])


# ---------------------------------------------------------------------------------------------
# Server message decoder
# ---------------------------------------------------------------------------------------------

def unpack(data):
    """One msgpack value, exactly (trailing bytes are an error)."""
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=False, use_list=True)
    except Exception as e:  # ExtraData, OutOfData, FormatError, ...
        raise ProtocolError("not one msgpack value: %r" % (e,))


def is_u32(v):
    return type(v) is int and 0 <= v < 2 ** 32


def is_int(v):
    return type(v) is int


def is_str(v):
    return isinstance(v, str)


def is_bool(v):
    return isinstance(v, bool)


class Msg:
    """A decoded server message: .type, .name, .raw (bytes), .value (the msgpack array), fields."""

    def __init__(self, raw, value):
        self.raw = raw
        self.value = value
        self.type = value[0]
        self.name = SERVER_TYPES.get(self.type, "type%d" % self.type)

    def __repr__(self):
        return "<%s %r>" % (self.name, self.value[1:])


MIN_LEN = {WELCOME: 2, EVENT: 5, PING: 5, ERROR: 4, SNAPSHOT: 5, REPLY: 5, HISTORY: 2}


def decode_server(raw):
    v = unpack(raw)
    if not isinstance(v, list) or not v:
        raise ProtocolError("not a non-empty array")
    t = v[0]
    if type(t) is not int or t not in SERVER_TYPES:
        raise ProtocolError("unknown server message type %r" % (t,))
    if len(v) < MIN_LEN[t]:
        raise ProtocolError("%s with %d elements" % (SERVER_TYPES[t], len(v)))
    m = Msg(raw, v)
    if t == WELCOME:
        if not isinstance(v[1], dict):
            raise ProtocolError("welcome without a map")
        m.fields = v[1]
    elif t == EVENT:
        m.seq, m.tick, m.kind, m.data = v[1:5]
        if not (is_u32(m.seq) and is_u32(m.tick) and is_str(m.kind)):
            raise ProtocolError("bad event header %r" % (v[:4],))
    elif t == PING:
        m.id, m.time_ms, m.tick, m.rtt = v[1:5]
        if not (is_u32(m.id) and is_int(m.time_ms) and m.time_ms >= 0 and is_u32(m.tick) and is_u32(m.rtt)):
            raise ProtocolError("bad ping %r" % (v,))
    elif t == ERROR:
        m.code, m.message, m.seq = v[1:4]
        if not (is_str(m.code) and is_str(m.message) and is_u32(m.seq)):
            raise ProtocolError("bad error %r" % (v,))
    elif t == SNAPSHOT:
        m.tick, m.base, m.ack, m.payload = v[1:5]
        if not (is_u32(m.tick) and is_u32(m.base) and is_u32(m.ack) and isinstance(m.payload, bytes)):
            raise ProtocolError("bad snapshot header %r" % (v[:4],))
    elif t == REPLY:
        m.id, m.code, m.message, m.data = v[1:5]
        if not (is_u32(m.id) and is_str(m.code) and is_str(m.message)):
            raise ProtocolError("bad reply %r" % (v[:4],))
    elif t == HISTORY:
        # [22, [[name, text, at_ms, player_id], ...]]; a line may have more elements.
        if not isinstance(v[1], list):
            raise ProtocolError("history without a list of lines")
        m.lines = []
        for line in v[1]:
            if not (isinstance(line, list) and len(line) >= 4 and is_str(line[0]) and is_str(line[1])
                    and is_int(line[2]) and is_int(line[3])):
                raise ProtocolError("bad history line %r" % (line,))
            m.lines.append(line[:4])
    return m


def to_json_value(v):
    """A decoded msgpack value as the vectors write it (a bin as {"bin": "<spaced hex>"})."""
    if isinstance(v, bytes):
        return {"bin": v.hex(" ")}
    if isinstance(v, list):
        return [to_json_value(x) for x in v]
    if isinstance(v, dict):
        return {k: to_json_value(x) for k, x in v.items()}
    return v


def from_json_value(v):
    if isinstance(v, dict) and set(v) == {"bin"}:
        return bytes.fromhex(v["bin"])
    if isinstance(v, list):
        return [from_json_value(x) for x in v]
    if isinstance(v, dict):
        return {k: from_json_value(x) for k, x in v.items()}
    return v


# ---------------------------------------------------------------------------------------------
# Snake: canonical msgpack, state/view decoding, delta patching
# ---------------------------------------------------------------------------------------------

class PatchError(Exception):
    pass


def crc32(b):
    return zlib.crc32(b) & 0xFFFFFFFF


def enc_uint(v):
    if type(v) is not int or v < 0:
        raise PatchError("not an unsigned integer: %r" % (v,))
    if v < 128:
        return bytes([v])
    if v <= 0xFF:
        return b"\xcc" + bytes([v])
    if v <= 0xFFFF:
        return b"\xcd" + v.to_bytes(2, "big")
    if v <= 0xFFFFFFFF:
        return b"\xce" + v.to_bytes(4, "big")
    raise PatchError("integer too large: %r" % (v,))


def enc_array(n):
    if n < 16:
        return bytes([0x90 + n])
    if n <= 0xFFFF:
        return b"\xdc" + n.to_bytes(2, "big")
    return b"\xdd" + n.to_bytes(4, "big")


def enc_bin(b):
    n = len(b)
    if n <= 0xFF:
        h = b"\xc4" + bytes([n])
    elif n <= 0xFFFF:
        h = b"\xc5" + n.to_bytes(2, "big")
    else:
        h = b"\xc6" + n.to_bytes(4, "big")
    return h + bytes(b)


SNAKE_FIELDS = ("player", "status", "score", "best", "respawnIn", "head", "dir", "len", "body")
DX = {0: 0, 1: 1, 2: 0, 3: -1}
DY = {0: -1, 1: 0, 2: 1, 3: 0}


def move(b, k):
    return (b[k >> 2] >> ((k & 3) * 2)) & 3


def pack_moves(moves):
    out = bytearray((len(moves) + 3) // 4)
    for k, m in enumerate(moves):
        out[k >> 2] |= (m & 3) << ((k & 3) * 2)
    return bytes(out)


def unpack_moves(b, n):
    if len(b) != (n + 3) // 4:
        raise PatchError("%d moves in %d bytes" % (n, len(b)))
    moves = [move(b, k) for k in range(n)]
    if pack_moves(moves) != bytes(b):
        raise PatchError("unused bits of a packed move list are not 0")
    return moves


def step(cell, d, w, h, against=False):
    x, y = cell % w, cell // w
    dx, dy = DX[d], DY[d]
    if against:
        dx, dy = -dx, -dy
    x, y = x + dx, y + dy
    if not (0 <= x < w and 0 <= y < h):
        raise PatchError("step off the board from cell %d" % cell)
    return y * w + x


def _uint(v, what):
    if type(v) is not int or v < 0:
        raise PatchError("%s is not an unsigned integer: %r" % (what, v))
    return v


def decode_snake(a, w, h):
    if not isinstance(a, list) or len(a) != 9:
        raise PatchError("a snake is not an array of 9: %r" % (a,))
    s = {}
    for name, v in zip(SNAKE_FIELDS, a):
        if name == "body":
            if not isinstance(v, bytes):
                raise PatchError("body is not a bin")
            s[name] = bytes(v)
        else:
            s[name] = _uint(v, name)
    return s


def snake_cells(s, w, h):
    if s["status"] != 1:
        if s["len"] != 0 or s["body"] != b"" or s["head"] != 0 or s["dir"] != 0:
            raise PatchError("a snake that is not alive has head/dir/len/body set: %r" % (s,))
        return []
    if s["len"] < 3:
        raise PatchError("living snake shorter than 3")
    moves = unpack_moves(s["body"], s["len"] - 1)
    if s["head"] >= w * h:
        raise PatchError("head off the board")
    cells = [s["head"]]
    for m in moves:
        cells.append(step(cells[-1], m, w, h))
    if moves and s["dir"] != (moves[0] + 2) % 4:
        raise PatchError("dir %d is not the reverse of move 0 (%d)" % (s["dir"], moves[0]))
    return cells


def decode_state(b):
    """Decode a Snake state or view (bytes). Returns a dict; raises PatchError."""
    try:
        a = msgpack.unpackb(b, raw=False, use_list=True)
    except Exception as e:
        raise PatchError("state is not one msgpack value: %r" % (e,))
    if not isinstance(a, list) or len(a) not in (5, 6):
        raise PatchError("state is not an array of 5 or 6")
    tick, w, h = (_uint(a[i], n) for i, n in ((0, "tick"), (1, "width"), (2, "height")))
    if not isinstance(a[3], list):
        raise PatchError("snakes is not an array")
    snakes = [decode_snake(x, w, h) for x in a[3]]
    players = [s["player"] for s in snakes]
    if players != sorted(set(players)):
        raise PatchError("snakes not in strictly ascending player order")
    if not isinstance(a[4], bytes) or len(a[4]) % 2:
        raise PatchError("food is not a bin of uint16s")
    food = [int.from_bytes(a[4][i:i + 2], "big") for i in range(0, len(a[4]), 2)]
    rect = None
    if len(a) == 6:
        if not isinstance(a[5], list) or len(a[5]) != 4:
            raise PatchError("rect is not [x, y, w, h]")
        rect = [_uint(v, "rect") for v in a[5]]
    return {"tick": tick, "width": w, "height": h, "snakes": snakes, "food": food,
            "food_bin": bytes(a[4]), "rect": rect}


def state_cells(st):
    """The cells of each snake, head first, keyed by player."""
    return {s["player"]: snake_cells(s, st["width"], st["height"]) for s in st["snakes"]}


def encode_state(st):
    out = [enc_array(6 if st["rect"] is not None else 5), enc_uint(st["tick"]),
           enc_uint(st["width"]), enc_uint(st["height"]), enc_array(len(st["snakes"]))]
    for s in st["snakes"]:
        out.append(enc_array(9))
        for name in SNAKE_FIELDS[:-1]:
            out.append(enc_uint(s[name]))
        out.append(enc_bin(s["body"]))
    out.append(enc_bin(st["food_bin"]))
    if st["rect"] is not None:
        out.append(enc_array(4))
        out.extend(enc_uint(v) for v in st["rect"])
    return b"".join(out)


# change mask bits -> field, in bit order
MASK_FIELDS = ((1, "status"), (2, "score"), (4, "best"), (8, "respawnIn"), (16, "head"),
               (32, "len"), (64, "body"), (128, "dir"))


def _ascending(xs, what):
    if xs != sorted(set(xs)):
        raise PatchError("%s not strictly ascending: %r" % (what, xs))


def patch(base, delta):
    """Apply a Snake delta (bytes) to the state bytes held; returns the new state's bytes."""
    B = decode_state(base)
    try:
        D = msgpack.unpackb(delta, raw=False, use_list=True)
    except Exception as e:
        raise PatchError("delta is not one msgpack value: %r" % (e,))
    if not isinstance(D, list) or len(D) != 10:
        raise PatchError("delta is not an array of 10")
    base_tick, base_crc, tick, view, gone, added, changed, steps, moves_bin, food = D
    if _uint(base_tick, "base_tick") != B["tick"]:
        raise PatchError("delta for base tick %d, held state is tick %d" % (base_tick, B["tick"]))
    if _uint(base_crc, "base_crc") != crc32(base):
        raise PatchError("delta base CRC %08x, held state's CRC %08x" % (base_crc, crc32(base)))
    w, h = B["width"], B["height"]
    if view is None:
        rect = B["rect"]
    elif isinstance(view, list) and len(view) == 0:
        rect = None
    elif isinstance(view, list) and len(view) == 4:
        rect = [_uint(v, "view") for v in view]
    else:
        raise PatchError("bad view %r" % (view,))
    if not isinstance(gone, list) or not isinstance(added, list) or not isinstance(changed, list):
        raise PatchError("gone/added/changed not arrays")
    gone = [_uint(g, "gone") for g in gone]
    _ascending(gone, "gone")
    base_by = {s["player"]: s for s in B["snakes"]}
    for g in gone:
        if g not in base_by:
            raise PatchError("gone player %d not in the base" % g)
    added_s = [decode_snake(a, w, h) for a in added]
    _ascending([s["player"] for s in added_s], "added")
    for s in added_s:
        if s["player"] in base_by:
            raise PatchError("added player %d already in the base" % s["player"])
    changes = {}
    order = []
    for c in changed:
        if not isinstance(c, list) or len(c) < 2:
            raise PatchError("bad change %r" % (c,))
        p, mask = _uint(c[0], "change player"), _uint(c[1], "mask")
        if mask > 255:
            raise PatchError("mask %d" % mask)
        bits = [(bit, f) for bit, f in MASK_FIELDS if mask & bit]
        if len(c) != 2 + len(bits):
            raise PatchError("change of player %d: %d elements for mask %d" % (p, len(c), mask))
        vals = {}
        for (bit, f), v in zip(bits, c[2:]):
            if f == "body":
                if not isinstance(v, bytes):
                    raise PatchError("change body not a bin")
                vals[f] = bytes(v)
            else:
                vals[f] = _uint(v, f)
        if p not in base_by:
            raise PatchError("changed player %d not in the base" % p)
        if p in gone:
            raise PatchError("player %d both gone and changed" % p)
        changes[p] = (mask, vals)
        order.append(p)
    _ascending(order, "changed")
    steps = _uint(steps, "steps")
    if not isinstance(moves_bin, bytes):
        raise PatchError("moves is not a bin")

    snakes = []
    for p in sorted(set(base_by) - set(gone)):
        snakes.append(("base", dict(base_by[p])))
    for s in added_s:
        snakes.append(("added", s))
    snakes.sort(key=lambda t: t[1]["player"])

    cursor = 0
    total_moves = len(moves_bin) * 4
    out = []
    for origin, s in snakes:
        p = s["player"]
        if origin == "added":
            out.append(s)
            continue
        base_s = base_by[p]
        mask, vals = changes.get(p, (0, {}))
        lived = base_s["status"] == 1 and not (mask & 1) and not (mask & 64)
        s.update(vals)
        if lived:
            if mask & 16:
                raise PatchError("change of a snake that lived through sets head")
            if cursor + steps > total_moves:
                raise PatchError("moves run out")
            mv = [move(moves_bin, cursor + k) for k in range(steps)]
            cursor += steps
            head = base_s["head"]
            for m in reversed(mv):
                head = step(head, m, w, h, against=True)
            s["head"] = head
            n = s["len"] - 1
            base_moves = unpack_moves(base_s["body"], base_s["len"] - 1)
            if n > steps + base_s["len"] - 1:
                raise PatchError("len %d more than steps + base len" % s["len"])
            body = mv[:min(steps, n)]
            if n > steps:
                body += base_moves[:n - steps]
            s["body"] = pack_moves(body)
            if not (mask & 128):
                if steps > 0:
                    s["dir"] = (mv[0] + 2) % 4
                else:
                    s["dir"] = base_s["dir"]
        out.append(s)
    bits = cursor * 2
    if len(moves_bin) != (bits + 7) // 8:
        raise PatchError("moves has %d bytes, %d moves used" % (len(moves_bin), cursor))
    if bits % 8:
        # unused high bits of the last byte must be 0 (as for every packed move list)
        if moves_bin[-1] >> (bits % 8):
            raise PatchError("unused bits of moves are not 0")

    if food is None:
        food_bin = B["food_bin"]
    elif isinstance(food, bytes):
        if len(food) % 2:
            raise PatchError("food bin of odd length")
        food_bin = bytes(food)
    elif isinstance(food, list) and len(food) == 3:
        fgone, fat, fcells = food
        if not isinstance(fgone, list) or not isinstance(fat, list) or not isinstance(fcells, bytes):
            raise PatchError("bad food edit")
        fgone = [_uint(x, "food gone") for x in fgone]
        fat = [_uint(x, "food at") for x in fat]
        _ascending(fgone, "food gone")
        _ascending(fat, "food at")
        if len(fcells) != 2 * len(fat):
            raise PatchError("food edit: %d cells for %d places" % (len(fcells) // 2, len(fat)))
        base_items = [B["food_bin"][i:i + 2] for i in range(0, len(B["food_bin"]), 2)]
        if fgone and fgone[-1] >= len(base_items):
            raise PatchError("food gone index out of range")
        keep = [it for i, it in enumerate(base_items) if i not in set(fgone)]
        m = len(base_items) - len(fgone) + len(fat)
        if fat and fat[-1] >= m:
            raise PatchError("food at index out of range")
        res = []
        ai = ki = 0
        for j in range(m):
            if ai < len(fat) and fat[ai] == j:
                res.append(fcells[2 * ai:2 * ai + 2])
                ai += 1
            else:
                res.append(keep[ki])
                ki += 1
        food_bin = b"".join(res)
    else:
        raise PatchError("bad food %r" % (food,))

    new = {"tick": _uint(tick, "tick"), "width": w, "height": h, "snakes": out,
           "food_bin": food_bin, "rect": rect}
    return encode_state(new)


# ---------------------------------------------------------------------------------------------
# A connection
# ---------------------------------------------------------------------------------------------

def ws_url(base):
    if base.startswith("https://"):
        return "wss://" + base[len("https://"):].rstrip("/") + "/ws"
    if base.startswith("http://"):
        return "ws://" + base[len("http://"):].rstrip("/") + "/ws"
    return base


class Conn:
    """One WebSocket connection to a tickroom server; a reader task records everything."""

    def __init__(self, ws, label=""):
        self.ws = ws
        self.label = label
        self.msgs = []          # every Msg, in order
        self.welcome = None
        self.events = []
        self.snapshots = []
        self.errors = []
        self.replies = []
        self.pings = []
        self.violations = []    # breaches of the protocol's promises seen on this connection
        self.closed = False
        self.aborted = False
        self.close_code = None
        self.close_reason = None
        self.auto_pong = True
        self.text_frames = 0
        self.state = None       # bytes of the Snake state held
        self.state_tick = 0
        self.deltas_applied = 0
        self.fulls = 0
        self.decode_snake = True
        self.last_event_seq = None
        self._cond = asyncio.Condition()
        self._task = None
        self.next_req = 1

    @classmethod
    async def open(cls, url, hello=None, subprotocols=(SUBPROTOCOL,), label="", send_hello=True,
                   extra_headers=None, compression=None, **kw):
        ws = await asyncio.wait_for(websockets.connect(
            ws_url(url), subprotocols=list(subprotocols) if subprotocols is not None else None,
            compression=compression, ping_interval=None, close_timeout=1,
            max_size=2 ** 22, extra_headers=extra_headers, **kw), 5)
        c = cls(ws, label)
        c._task = asyncio.ensure_future(c._reader())
        if send_hello:
            try:
                await c.send(encode_hello(hello or {}))
            except websockets.ConnectionClosed:
                pass  # the server may refuse before reading the hello (4001); the reader records it
        return c

    async def send(self, b):
        await self.ws.send(b)

    async def _notify(self):
        async with self._cond:
            self._cond.notify_all()

    def _violate(self, what):
        self.violations.append(what)

    async def _reader(self):
        try:
            async for raw in self.ws:
                if isinstance(raw, str):
                    self.text_frames += 1
                    self._violate("text frame from the server")
                    continue
                try:
                    m = decode_server(raw)
                except ProtocolError as e:
                    self._violate("undecodable message %s: %s" % (raw[:40].hex(), e))
                    continue
                self._handle(m)
                if m.type == PING and self.auto_pong:
                    try:
                        await self.ws.send(encode_pong(m.id))
                    except websockets.ConnectionClosed:
                        pass
                await self._notify()
        except websockets.ConnectionClosed:
            pass
        except Exception as e:  # pragma: no cover
            self._violate("reader crashed: %r" % (e,))
        self.closed = True
        self.close_code = self.ws.close_code
        self.close_reason = self.ws.close_reason
        await self._notify()

    def _handle(self, m):
        if not self.msgs and m.type != WELCOME:
            self._violate("first message is %s, not welcome" % m.name)
        self.msgs.append(m)
        if m.type == WELCOME:
            if self.welcome is not None:
                self._violate("second welcome")
            self.welcome = m.fields
            le = m.fields.get("lastEvent")
            self.last_event_seq = le if is_u32(le) else 0
        elif m.type == EVENT:
            if self.last_event_seq is not None and m.seq != self.last_event_seq + 1:
                self._violate("event seq %d after %d" % (m.seq, self.last_event_seq))
            self.last_event_seq = m.seq
            self.events.append(m)
        elif m.type == SNAPSHOT:
            if self.snapshots and m.tick <= self.snapshots[-1].tick:
                self._violate("snapshot tick %d after %d" % (m.tick, self.snapshots[-1].tick))
            if m.tick < 1:
                self._violate("snapshot of tick 0")
            self.snapshots.append(m)
            if self.decode_snake:
                self._apply_snapshot(m)
        elif m.type == ERROR:
            self.errors.append(m)
        elif m.type == REPLY:
            self.replies.append(m)
        elif m.type == PING:
            if self.pings and m.id != self.pings[-1].id + 1:
                self._violate("ping id %d after %d" % (m.id, self.pings[-1].id))
            if not self.pings and m.id != 1:
                self._violate("first ping id %d" % m.id)
            self.pings.append(m)

    def _apply_snapshot(self, m):
        try:
            if m.base == 0:
                st = m.payload
                self.fulls += 1
            else:
                if self.state is None:
                    raise PatchError("delta with no state held")
                if m.base != self.state_tick:
                    raise PatchError("delta against tick %d, held tick %d" % (m.base, self.state_tick))
                st = patch(self.state, m.payload)
                self.deltas_applied += 1
            dec = decode_state(st)
            state_cells(dec)
            if dec["tick"] != m.tick:
                raise PatchError("state tick %d in snapshot of tick %d" % (dec["tick"], m.tick))
            if encode_state(dec) != st:
                raise PatchError("state bytes are not canonical")
            m.state = dec
            self.state = st
            self.state_tick = m.tick
        except PatchError as e:
            m.state = None
            self._violate("snapshot %d (base %d): %s" % (m.tick, m.base, e))

    # -- waiting ---------------------------------------------------------------------------------

    async def wait(self, pred, timeout=3.0, what="", allow_closed=False):
        """Wait until pred() is truthy; returns its value. Raises AssertionError on timeout/close."""
        def ready():
            return pred() or (self.closed and not allow_closed)
        try:
            async with self._cond:
                await asyncio.wait_for(self._cond.wait_for(ready), timeout)
        except asyncio.TimeoutError:
            raise AssertionError("%s: timed out waiting for %s" % (self.label, what or "a message"))
        v = pred()
        if not v:
            raise AssertionError("%s: connection closed (%s %r) while waiting for %s"
                                 % (self.label, self.close_code, self.close_reason, what))
        return v

    async def wait_welcome(self, timeout=3.0):
        await self.wait(lambda: self.welcome is not None, timeout, "welcome")
        return self.welcome

    async def wait_closed(self, timeout=3.0):
        await self.wait(lambda: self.closed, timeout, "the close", allow_closed=True)
        return self.close_code

    async def wait_event(self, kind, data=None, timeout=3.0, after=0):
        def f():
            for e in self.events[after:]:
                if e.kind == kind and (data is None or e.data == data):
                    return e
        return await self.wait(f, timeout, "event %s %r" % (kind, data))

    async def wait_error(self, code, seq=None, timeout=3.0, after=0):
        def f():
            for e in self.errors[after:]:
                if e.code == code and (seq is None or e.seq == seq):
                    return e
        return await self.wait(f, timeout, "error %s seq %s" % (code, seq))

    async def wait_snapshots(self, n, timeout=3.0):
        await self.wait(lambda: len(self.snapshots) >= n, timeout, "%d snapshots" % n)
        return self.snapshots

    async def request(self, kind, data=None, timeout=3.0, req_id=None):
        if req_id is None:
            req_id = self.next_req
            self.next_req += 1
        await self.send(encode_request(req_id, kind, data))
        return await self.wait_reply(req_id, timeout)

    async def wait_reply(self, req_id, timeout=3.0):
        def f():
            for r in self.replies:
                if r.id == req_id:
                    return r
        return await self.wait(f, timeout, "reply %d" % req_id)

    def my_snake(self):
        me = self.welcome and self.welcome.get("player")
        for m in reversed(self.snapshots):
            st = getattr(m, "state", None)
            if st is None:
                continue
            for s in st["snakes"]:
                if s["player"] == me:
                    return s
            return None
        return None

    async def close(self, code=1000):
        if not self.closed:
            try:
                await asyncio.wait_for(self.ws.close(code), 1.5)
            except Exception:
                self.abort()
        await self._stop()

    def abort(self):
        """Drop the TCP connection without a close frame."""
        self.aborted = True
        try:
            self.ws.transport.abort()
        except Exception:
            pass

    async def _stop(self):
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 1.5)
            except Exception:
                self._task.cancel()
