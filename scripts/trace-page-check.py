#!/usr/bin/env python3
"""Drives cmd/traceview's HTML page in headless Chromium, as a reader would.

    trace-page-check.py tour PAGE TRACE OUT     the page of a tour
    trace-page-check.py serve PAGE TRACE OUT    the page of a long --serve

It loads the page through the DevTools protocol over a pipe (Chromium's
--remote-debugging-pipe: no port, no extra package), clicks with real
mouse events, types into the filter, follows #span= links, and checks
what the page shows after each. PAGE is the page, TRACE the trace file it
was made from (the expectations are counted from it), OUT a directory for
screenshots. It prints one line per check and exits 1 if any failed.

The serve page must be drawn, with the goroutines of its requests grouped
and collapsed, within LOAD_LIMIT_MS of the navigation starting, measured
here by the wall clock, not by the page.
"""
import base64
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time

LOAD_LIMIT_MS = 2000


class Browser:
    """Headless Chromium spoken to with the DevTools protocol over a pipe:
    JSON messages, each ended by a NUL byte, on file descriptors 3 and 4."""

    def __init__(self, width, height):
        self.profile = tempfile.mkdtemp(prefix="trace-page-check-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds():  # in the child: the pipe's ends become its fds 3 and 4
            r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.proc = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--remote-debugging-pipe", "--user-data-dir=" + self.profile, "about:blank"],
            pass_fds=(3, 4), preexec_fn=fds,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True,
                  width=width, height=height, deviceScaleFactor=1, mobile=False)

    def call(self, method, session=False, timeout=30, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = self.read()
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)
        raise TimeoutError(method)

    def read(self):
        while b"\0" not in self.buf:
            chunk = os.read(self.from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\0", 1)
        return json.loads(line)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", session=True, expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def load(self, url, limit_s=20):
        """Navigates to url and waits until the page's script has drawn it
        (body data-rendered ok or error); returns the wall milliseconds."""
        t0 = time.monotonic()
        self.call("Page.navigate", session=True, url=url)
        while time.monotonic() - t0 < limit_s:
            state = self.eval("document.body ? document.body.dataset.rendered || '' : ''")
            if state in ("ok", "error"):
                return (time.monotonic() - t0) * 1000, state
            time.sleep(0.01)
        return (time.monotonic() - t0) * 1000, "timeout"

    def click(self, x, y):
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", session=True, type=kind, x=x, y=y, button="left", clickCount=1)

    def click_element(self, selector):
        """Clicks the middle of the first element matching selector; False
        when there is none."""
        r = self.eval(f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
            if (!e) return null; const r = e.getBoundingClientRect();
            return [r.left + r.width / 2, r.top + r.height / 2]; }})()""")
        if r is None:
            return False
        self.click(r[0], r[1])
        return True

    def click_nth(self, selector, i):
        """Scrolls the i-th element matching selector into view and clicks
        its middle; False when there is none."""
        r = self.eval(f"""(() => {{ const e = document.querySelectorAll({json.dumps(selector)})[{i}];
            if (!e) return null; e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect();
            return [r.left + r.width / 2, r.top + r.height / 2]; }})()""")
        if r is None:
            return False
        self.click(r[0], r[1])
        return True

    def type_into(self, selector, text):
        self.eval(f"document.querySelector({json.dumps(selector)}).focus()")
        self.eval(f"document.querySelector({json.dumps(selector)}).select()")
        self.call("Input.insertText", session=True, text=text)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        subprocess.run(["rm", "-rf", self.profile])


def read_trace(path):
    """The spans of a trace file, with their attributes as a dict."""
    spans = []
    with open(path) as f:
        for line in f:
            s = json.loads(line)
            s["attrs"] = {a["Key"]: a["Value"]["Value"] for a in s.get("Attributes") or []}
            spans.append(s)
    return spans


def goroutines(spans):
    """The goroutine spans, and those of them started for a request."""
    by_id = {s["SpanContext"]["SpanID"]: s for s in spans}

    def under_request(s):
        p = by_id.get(s["Parent"]["SpanID"])
        while p is not None:
            if p["attrs"].get("walkthrough.kind") == "request":
                return True
            p = by_id.get(p["Parent"]["SpanID"])
        return False

    gs = [s for s in spans if s["attrs"].get("walkthrough.kind") == "goroutine"]
    return gs, [g for g in gs if under_request(g)]


class Checks:
    def __init__(self):
        self.failed = 0

    def check(self, ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            self.failed += 1


def body(b, key):
    return b.eval(f"document.body.dataset.{key} || ''")


def details_title(b):
    return b.eval("(document.querySelector('#details h2') || {}).textContent || ''")


def toggle_all(b, expanded):
    """Clicks every group toggle whose aria-expanded is expanded ("false":
    opens every group; "true": closes them), and returns how many. The
    labels are drawn for the lanes in view only, so it walks the page a
    screen at a time: to open, from the bottom up (opening a group moves
    only what is below it); to close, from the top down (closing one pulls
    what is below up into view)."""
    def scroll(expr):  # then wait for the labels of the lanes now in view
        b.eval(f"(() => {{ const s = document.getElementById('scroller'); s.scrollTop = {expr}; }})()")
        time.sleep(0.2)

    opening = expanded == "false"
    sel = json.dumps(f'.group-toggle[aria-expanded="{expanded}"]')
    n = 0
    scroll("s.scrollHeight" if opening else "0")
    for _ in range(1000):  # a bound on a bug, never reached
        count = int(b.eval(f"document.querySelectorAll({sel}).length") or 0)
        if count:
            b.click_nth(json.loads(sel), count - 1 if opening else 0)
            time.sleep(0.05)
            n += 1
            continue
        end = "s.scrollTop <= 0" if opening else "s.scrollTop + s.clientHeight >= s.scrollHeight - 1"
        if b.eval(f"(() => {{ const s = document.getElementById('scroller'); return {end}; }})()"):
            break
        scroll("Math.max(0, s.scrollTop - s.clientHeight)" if opening else "s.scrollTop + s.clientHeight")
    return n


def check_serve(b, c, page, spans, out):
    gs, per_request = goroutines(spans)
    lanes, grouped = len(gs) + 1, len(per_request)
    ms, state = b.load(page)
    c.check(state == "ok", f"serve page: the script finished ({state})")
    c.check(ms < LOAD_LIMIT_MS, f"serve page: {lanes} lanes, {len(spans)} spans, drawn {ms:.0f} ms after the navigation started (limit {LOAD_LIMIT_MS} ms)")
    c.check(body(b, "lanesGrouped") == str(grouped) and body(b, "lanesShown") == str(lanes - grouped),
            f"serve page: {body(b, 'lanesGrouped')} request goroutines grouped, {body(b, 'lanesShown')} lanes shown; want {grouped} and {lanes - grouped}")
    b.screenshot(os.path.join(out, "serve.png"))

    # A group per lane that served requests: the test's, under a serve
    # goroutine; the post-start hooks' loopback requests, under the
    # goroutine that sent each.
    opened = toggle_all(b, "false")
    c.check(opened >= 1 and str(opened) == body(b, "laneGroups"),
            f"serve page: each group has a toggle ({opened} opened of {body(b, 'laneGroups')})")
    c.check(body(b, "lanesShown") == str(lanes), f"serve page: opening the groups shows every lane ({body(b, 'lanesShown')} of {lanes})")
    toggle_all(b, "true")
    c.check(body(b, "lanesShown") == str(lanes - grouped), f"serve page: closing them hides them again ({body(b, 'lanesShown')})")

    name = per_request[-1]["attrs"]["goroutine.name"]
    want = sum(1 for g in gs if name.lower() in g["attrs"]["goroutine.name"].lower())
    b.type_into("#lane-filter", name)
    c.check(body(b, "lanesShown") == str(want), f"serve page: the filter {name!r} shows {body(b, 'lanesShown')} lanes; want {want}")
    b.type_into("#lane-filter", "")

    last = per_request[-1]
    ms, _ = b.load(page + "#span=" + last["SpanContext"]["SpanID"])
    c.check(details_title(b) == last["Name"] and b.eval("document.querySelector('.lane.member') !== null"),
            f"serve page: #span=ID of the last request goroutine opens its group and selects it ({details_title(b)!r})")


def check_tour(b, c, page, spans, out):
    gs, per_request = goroutines(spans)
    ms, state = b.load(page)
    c.check(state == "ok", f"tour page: the script finished ({state}), {ms:.0f} ms")
    c.check(body(b, "lanesShown") == str(len(gs) + 1 - len(per_request)),
            f"tour page: {body(b, 'lanesShown')} lanes shown; want main and {len(gs) - len(per_request)} goroutines, the {len(per_request)} of the requests grouped")

    # Every span has a deep link: the details link of a span leads back to it.
    step = next(s for s in spans if s["Name"] == "server.RunServer")
    b.load(page + "#span=" + step["SpanContext"]["SpanID"])
    link = b.eval("(document.querySelector('#details a.permalink') || {}).getAttribute?.('href') || ''")
    c.check(details_title(b) == "server.RunServer" and link == "#span=" + step["SpanContext"]["SpanID"],
            f"tour page: #span=ID selects server.RunServer and its details link to it ({link})")

    # The step filter: only the goroutines started under server.RunServer,
    # directly or not; those started for a request stay grouped under the
    # goroutine that served it, when that one is shown.
    b.click_element("#details .actions button")
    by_id = {s["SpanContext"]["SpanID"]: s for s in spans}

    def ancestors(s):
        p = by_id.get(s["Parent"]["SpanID"])
        while p is not None:
            yield p
            p = by_id.get(p["Parent"]["SpanID"])

    def under(s):
        return any(a["Name"] == "server.RunServer" and a["attrs"].get("walkthrough.kind") == "step" for a in ancestors(s))

    def server_of(g):  # the goroutine that served the request g was started for
        seen_request = False
        for a in ancestors(g):
            seen_request = seen_request or a["attrs"].get("walkthrough.kind") == "request"
            if seen_request and a["attrs"].get("walkthrough.kind") == "goroutine":
                return a
        return None

    want = sum(1 for g in gs if under(g) and not (g in per_request and server_of(g) is not None and under(server_of(g))))
    c.check(body(b, "lanesShown") == str(want), f"tour page: 'only the goroutines it started' shows {body(b, 'lanesShown')} lanes; want {want}")

    # An arrow's head leads to its tail: from a woken chan.recv to the chan.close.
    # The first hand-off is stopCh's close: the button zooms to it and
    # every receive it woke, so that their markers do not overlap.
    b.load(page)
    b.click_element("#handoff-next")
    heads = b.eval("""[...document.querySelectorAll('.item[data-id^="h"]')].map(e => e.getAttribute('aria-label'))""")
    wake = next((h for h in heads if h.startswith("arrow to chan.recv stopCh in main:")), None)
    c.check(wake is not None, f"tour page: the arrow into main's chan.recv stopCh has a clickable head ({len(heads)} heads)")
    if wake is not None:
        b.click_element(f'.item[aria-label="{wake}"]')
        c.check(details_title(b) == "chan.close stopCh", f"tour page: clicking that head selects the close at its tail ({details_title(b)!r})")
        tails = b.eval("""[...document.querySelectorAll('.item[data-id^="t"]')].map(e => e.getAttribute('aria-label'))""")
        tail = next((t for t in tails if t.startswith("arrow from chan.close stopCh")), None)
        if tail is not None:
            b.click_element(f'.item[aria-label="{tail}"]')
        c.check(details_title(b) == "chan.recv stopCh", f"tour page: clicking a tail selects the receive at its head ({details_title(b)!r})")

    # Folding nested steps makes main's lane shorter and says what it hid.
    # From a fresh load: the clicks above may have scrolled main's lane out
    # of the DOM (only the lanes in view are in it).
    b.load(page)
    tall = b.eval("lanesHeight = document.querySelector('.lane[data-lane=\"0\"]').style.height")
    b.eval("const d = document.querySelector('#depth'); d.value = '1'; d.dispatchEvent(new Event('change'))")
    short = b.eval("document.querySelector('.lane[data-lane=\"0\"]').style.height")
    c.check(int(short.rstrip("px")) < int(tall.rstrip("px")), f"tour page: folding to top-level steps makes main's lane {short} tall, from {tall}")
    b.screenshot(os.path.join(out, "tour-folded.png"))


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("tour", "serve"):
        print(__doc__, file=sys.stderr)
        return 2
    kind, page, trace, out = sys.argv[1:]
    os.makedirs(out, exist_ok=True)
    spans = read_trace(trace)
    url = "file://" + os.path.abspath(page)
    c = Checks()
    b = Browser(1400, 900)
    try:
        (check_serve if kind == "serve" else check_tour)(b, c, url, spans, out)
    finally:
        b.close()
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
