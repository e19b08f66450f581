#!/usr/bin/env python3
"""Reliability probes (issue 12), run by bench/reliability.sh against a RadioServer it started.

Each probe replays one finding of the hardening issue and prints one row: what was sent, what is expected,
what was observed, and whether it held. A healthy listener (GET /stream with Icy-MetaData) reads throughout;
at the end its bytes are checked: every ICY block in place, the MP3 frames unbroken, no gap.
Standard library only.
"""
import argparse
import http.client
import json
import os
import re
import resource
import socket
import threading
import time

ARGS = None
ROWS = []


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def request(method, path, body=None, headers=None, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", ARGS.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def status():
    return json.loads(request("GET", "/api/status")[2])


def raw(data, shutdown=False, read=65536, timeout=5, pieces=None):
    """Sends raw bytes (optionally in pieces), optionally half-closes, reads up to `read` bytes or the end."""
    s = socket.create_connection(("127.0.0.1", ARGS.port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        for i, piece in enumerate(pieces or [data]):
            s.sendall(piece)
            if pieces and i < len(pieces) - 1:
                time.sleep(0.05)
        if shutdown:
            s.shutdown(socket.SHUT_WR)
        s.settimeout(timeout)
        got = bytearray()
        try:
            while len(got) < read:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        return bytes(got)
    finally:
        s.close()


def row(number, probe, sent, expected, observed, ok):
    ROWS.append((number, probe, sent, expected, observed, ok))
    print(f"{'ok  ' if ok else 'FAIL'} #{number} {probe}: {observed}", flush=True)


def schedule_json(slots=None, items=None):
    show = []
    if slots:
        show = [{"id": "probe", "title": "Probe Show", "playlist": {"items": ["evil.mp3"]}, "slots": slots}]
    return json.dumps({"timeZone": "UTC", "automation": {"title": "Probe Automation", "playlist": {"items": items or ["evil.mp3"], "order": "sequential"}}, "shows": show})


class Listener(threading.Thread):
    """The healthy listener: reads /stream with ICY metadata and checks every block is where metaint says."""

    def __init__(self):
        super().__init__(daemon=True)
        self.audio = 0
        self.blocks = 0
        self.titles = []
        self.error = None
        self.stop = False

    def run(self):
        try:
            s = socket.create_connection(("127.0.0.1", ARGS.port))
            s.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\nIcy-MetaData: 1\r\nUser-Agent: probe-listener\r\n\r\n")
            f = s.makefile("rb")
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                head += f.read(1)
            metaint = int(re.search(rb"icy-metaint: *(\d+)", head, re.I).group(1))
            previous = None
            while not self.stop:
                audio = f.read(metaint)
                if len(audio) < metaint:
                    raise IOError("the stream ended")
                self.audio += len(audio)
                if previous is not None and not self.frames_continue(previous + audio):
                    raise IOError(f"MP3 frames broken near byte {self.audio}")
                previous = audio[-2000:]
                length = f.read(1)[0] * 16
                block = f.read(length)
                self.blocks += 1
                if length:
                    text = block.rstrip(b"\0").decode("utf-8", "replace")
                    if not re.fullmatch(r"StreamTitle='[^']*';", text.replace("\u2019", "x")) and not re.fullmatch(r"StreamTitle='.*?';", text):
                        raise IOError(f"an ICY block that does not parse: {text!r}")
                    self.titles.append(text)
        except Exception as ex:  # noqa: BLE001 - reported in the table
            self.error = str(ex)

    @staticmethod
    def frames_continue(data):
        # At least one MP3 frame sync with a valid MPEG-1 Layer III header in every 2 KB window: the audio is not garbage.
        return re.search(rb"\xff[\xfa\xfb]", data) is not None


def probe1():
    n = 2400
    slot = {"days": ["mon"], "start": "07:00", "end": "08:00"}
    body = schedule_json(slots=[slot] * n)
    before = rss_mib(ARGS.pid)
    t = time.monotonic()
    code, _, answer = request("POST", "/api/schedule/validate", body, {"Content-Type": "application/json"})
    took = time.monotonic() - t
    errors = len(json.loads(answer)["errors"]) if code == 200 else -1
    after = rss_mib(ARGS.pid)
    items = schedule_json(items=["."] * 100_000)
    t = time.monotonic()
    code2, _, _ = request("POST", "/api/schedule/validate", items, {"Content-Type": "application/json"})
    took2 = time.monotonic() - t
    ok = code == 200 and errors <= 101 and len(answer) < 100_000 and took < 2 and after - before < 100 and code2 == 200 and took2 < 3
    row(1, "validation work and output", f"POST /api/schedule/validate: {n} identical slots ({len(body) // 1024} KB); 100,000 \".\" items ({len(items) // 1024} KB)",
        "200, at most 100 errors + \"and N more\", small answer, RSS stays; 100,000 items in well under a second of CPU",
        f"{code}, {errors} errors listed, {len(answer):,} B answer in {took * 1000:.0f} ms, RSS {before:.0f} -> {after:.0f} MiB; items: {code2} in {took2 * 1000:.0f} ms", ok)


def wait_for(predicate, seconds=10):
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def probe2():
    path = os.path.join(ARGS.root, "schedule.json")
    good = open(path, encoding="utf-8").read()
    errors_before = status()["schedule"]["errors"]
    with open(path, "w", encoding="utf-8") as f:
        f.write(good.replace('"evil.mp3"]', '"evil.mp3", ".\\u0000"]'))
    refused = wait_for(lambda: status()["schedule"]["errors"] > errors_before)
    last_error = status()["schedule"]["lastError"] or ""
    alive = request("GET", "/healthz")[0] == 200
    code, _, body = request("POST", "/api/schedule/validate", good.replace('"evil.mp3"]', '"evil.mp3", ".\\u0000"]'), {"Content-Type": "application/json"})
    with open(path, "w", encoding="utf-8") as f:
        f.write(good)
    ok = refused and alive and "control character" in last_error and code == 200 and b"stack" not in body.lower()
    row(2, "NUL in an item on disk", "schedule.json with the item \".\\u0000\"; the same over POST /api/schedule/validate",
        "refused with line and reason, last good schedule stays, process alive; the dry run answers 200 with the error",
        f"refused: {refused}, lastError: {last_error[:70]!r}, healthz 200: {alive}; dry run {code}", ok)


def probe3():
    fds = len(os.listdir(f"/proc/{ARGS.pid}/fd"))
    limit = fds + 24 + 724
    with open(f"/proc/{ARGS.pid}/limits") as f:
        soft_before, hard = re.search(r"Max open files\s+(\d+)\s+(\d+)", f.read()).groups()
    os.system(f"prlimit --pid {ARGS.pid} --nofile={limit}:{hard}")
    time.sleep(1.5)  # the budget reads the new limit once a second
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    silent = []
    for _ in range(1000):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", ARGS.port))
        silent.append(s)
    answers = {}
    t = time.monotonic()
    while time.monotonic() - t < 15:
        head = raw(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n", read=200, timeout=3)
        code = head[9:12].decode() if head.startswith(b"HTTP/") else "none"
        answers[code] = answers.get(code, 0) + 1
        time.sleep(0.5)
    waiting = [line for line in request("GET", "/metrics")[2].decode().splitlines() if line.startswith("radio_connections")]
    for s in silent:
        s.close()
    os.system(f"prlimit --pid {ARGS.pid} --nofile={soft_before}:{hard}")
    ok = set(answers) == {"200"}
    row(3, "silent connections", "1,000 silent TCP connections from one address, room for 724; GET /stream every 0.5 s for 15 s",
        "every GET /stream 200; the silent ones beyond 16 answered 429, the rest closed after 5 s",
        f"GET /stream answers {answers}; {'; '.join(w for w in waiting if 'refused' in w or 'closed' in w)}", ok)


def probe4():
    good = 0
    for first in (b"/listen.m3u", b"/healthz", b"/listen.m3u"):
        got = raw(b"GET " + first + b" HTTP/1.1\r\nHost: x\r\n\r\nGET /stream HTTP/1.1\r\nHost: x\r\n\r\n", read=30000)
        second = got.find(b"HTTP/1.", 1)
        if got.startswith(b"HTTP/1.1 200") and second > 0 and b"audio/mpeg" not in got[:second] and b"audio/mpeg" in got[second:second + 600]:
            good += 1
    row(4, "pipelining before a GET", "GET /listen.m3u (or /healthz) then GET /stream on one connection, 3 tries",
        "the first answer whole, then the stream's head and audio", f"{good} of 3 in order", good == 3)


def fail_lines():
    lines = open(ARGS.log, encoding="utf-8", errors="replace").read().splitlines()
    return [lines[i + 1].strip() if i + 1 < len(lines) else line for i, line in enumerate(lines) if line.startswith("fail:")]


def probe5():
    fails_before = len(fail_lines())
    served = 0
    for i in range(60):
        if i % 2:
            got = raw(b"GET /stream HTTP/1.1\r\nHost: x\r\nCookie: " + b"c" * 5000 + b"\r\n\r\n", shutdown=True, read=20000)
        else:
            got = raw(None, shutdown=True, read=20000, pieces=[b"GET /stream HTTP/1.1\r\nHost: x\r\n", b"User-Agent: probe\r\n\r\n"])
        if got.startswith(b"HTTP/1.0 200") and len(got) >= 20000:
            served += 1
    fails = fail_lines()[fails_before:]
    row(5, "half-close", "a head over 4 KB, or in two pieces, then shutdown of the write side; 60 tries",
        "each served audio, nothing logged as fail", f"{served} of 60 served 20 KB+; {len(fails)} fail lines in the log {fails[:2]}", served == 60 and not fails)


def probe6(listener):
    ok = wait_for(lambda: any("Evil" in t for t in listener.titles), 10)
    block = next((t for t in listener.titles if "Evil" in t), "")
    # As a player reads it: StreamTitle=' up to the first "';", then the next field, if any.
    title, rest = (block[len("StreamTitle='"):].split("';", 1) + [""])[:2] if block.startswith("StreamTitle='") else ("", block)
    ok = ok and rest == "" and title.startswith("Evil Artist - It") and title.endswith("x=\u2019")
    row(6, "ICY injection", "a tag title It';StreamUrl='http://evil.example/';x='",
        "one StreamTitle field whose text ends where the title ends", f"title as a player reads it: {title!r}; after it: {rest!r}", ok)


def probe7():
    key = {"X-Api-Key": ARGS.host_key + "-op"}
    codes = []
    for query in ("to=9999-12-31", "from=0001-01-01T00:00:00Z", "from=0001-01-01&to=9999-12-31T23:59:59Z", "from=-1", "to=2026-13-45", "from=" + "9" * 400):
        codes.append(request("GET", "/api/history?" + query, headers=key)[0])
    ok = all(c in (200, 400) for c in codes) and 500 not in codes
    row(7, "history dates", "GET /api/history with to=9999-12-31, from=0001-01-01, nonsense dates", "400 with a reason (never 500)", f"{codes}", ok)


def probe8():
    library = status()["library"]
    warnings = sum(1 for line in open(ARGS.log, encoding="utf-8", errors="replace") if "FolderLinksSkipped" in line or "folder link" in line.lower())
    ok = library["tracks"] == 2
    row(8, "folder link loop", "media/sub/loop -> .. (a directory symlink loop) with 2 real tracks",
        "2 tracks, the loop skipped with one warning", f"{library['tracks']} tracks, {warnings} warning line(s)", ok)


def probe9():
    path = os.path.join(ARGS.root, "schedule.json")
    good = open(path, encoding="utf-8").read()
    errors_before = status()["schedule"]["errors"]
    open(path, "w").close()
    refused = wait_for(lambda: status()["schedule"]["errors"] > errors_before)
    new = good.replace("Probe Automation", "Probe Automation Two")
    code = request("PUT", "/api/schedule", new, {"Content-Type": "application/json", "X-Api-Key": ARGS.host_key})[0]
    backup = open(path + ".bak", encoding="utf-8").read()
    ok = refused and code == 200 and backup == good
    row(9, "the backup", "truncate schedule.json to 0 bytes, then PUT a valid one", "schedule.json.bak is the good schedule that was on air",
        f"0-byte file refused: {refused}; PUT {code}; .bak is the good one: {backup == good} ({len(backup)} B)", ok)


def probe10():
    before = sum(1 for _ in open(ARGS.log, encoding="utf-8", errors="replace"))
    for _ in range(1500):
        conn = http.client.HTTPConnection("127.0.0.1", ARGS.port, timeout=10)
        conn.request("GET", "/api/history", headers={"X-Api-Key": "wrong"})
        conn.getresponse().read()
        conn.close()
    time.sleep(0.5)
    after = sum(1 for _ in open(ARGS.log, encoding="utf-8", errors="replace"))
    row(10, "log flooding", "1,500 requests with a wrong key", "a handful of lines (one warning a minute per address)", f"{after - before} log lines", after - before <= 10)


def probe11():
    body = "\ufeff" + schedule_json()
    code, _, answer = request("POST", "/api/schedule/validate", body.encode("utf-8"), {"Content-Type": "application/json"})
    valid = code == 200 and json.loads(answer)["valid"]
    row(11, "byte-order mark", "a schedule starting with a UTF-8 BOM (POST /api/schedule/validate)", "accepted", f"{code}, valid: {valid}", valid)


def probe12():
    codes = []
    for _ in range(25):
        codes.append(request("POST", "/api/schedule/validate", schedule_json(), {"Content-Type": "application/json"})[0])
    ok = codes[:15].count(200) == 15 and 429 in codes
    row(12, "dry-run rate limit", "25 dry runs at once from one address (after the probes above)", "the first answered, then 429 with Retry-After",
        f"{codes.count(200)} x 200, {codes.count(429)} x 429", ok)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--host-key", required=True)
    parser.add_argument("--only", default="")
    ARGS = parser.parse_args()
    only = {int(x) for x in ARGS.only.split(",") if x}

    listener = Listener()
    listener.start()
    wait_for(lambda: listener.blocks > 0, 10)
    probes = [probe1, probe2, probe3, probe4, probe5, lambda: probe6(listener), probe7, probe8, probe9, probe10, probe11, probe12]
    for number, probe in enumerate(probes, 1):
        if not only or number in only:
            try:
                probe()
            except Exception as ex:  # noqa: BLE001 - a probe that breaks is a failed row
                row(number, probe.__name__, "", "", f"probe failed: {ex!r}", False)
    listener.stop = True
    time.sleep(1)
    healthy = listener.error is None and listener.audio > 0
    refusals = [line for line in fail_lines() if line.startswith("Schedule ") and " rejected: " in line]
    fails = [line for line in fail_lines() if line not in refusals]
    row(0, "the log", "everything above", "no error (fail) lines but the schedule refusals (probes 2 and 9)",
        f"{len(refusals)} schedule refusal(s), {len(fails)} other fail line(s) {fails[:3]}", not fails)
    row(0, "the healthy listener", "GET /stream with Icy-MetaData, reading throughout", "never dropped, every ICY block in place, MP3 frames unbroken",
        f"{listener.audio:,} audio bytes, {listener.blocks} ICY blocks, error: {listener.error}", healthy)

    print()
    print("| # | Probe | Sent | Expected | Observed | Held |")
    print("|---|---|---|---|---|---|")
    for number, probe, sent, expected, observed, ok in ROWS:
        print(f"| {number} | {probe} | {sent} | {expected} | {observed} | {'yes' if ok else '**no**'} |")
    raise SystemExit(0 if all(r[5] for r in ROWS) else 1)


if __name__ == "__main__":
    main()
