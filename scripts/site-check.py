#!/usr/bin/env python3
"""Checks, in headless Chromium, what the Chinese book and pages need.

    site-check.py book BASE OUT   the site served at BASE (http://127.0.0.1:N/)
    site-check.py cjk URL OUT/NAME.png   one page: Chinese, in CJK glyphs

book: the Chinese chapter on RunServer says lang="zh-CN", is drawn in CJK
glyphs, switches to the English chapter and back; a search of the Chinese
book finds Chinese words — one word, and a phrase typed without spaces —
and an English identifier; the Chinese tour page (zh/trace/tour.html) is
drawn, in Chinese and in CJK glyphs. cjk: the page at URL (a trace page:
its script must finish) says lang="zh-CN" and is drawn in CJK glyphs. Screenshots go to OUT.

CJK glyphs: a page's Chinese is drawn with whatever font has the
characters, and without one Chromium draws the same empty box for every
character. So the check draws two different Han characters in the page's
font on a canvas and fails if their pixels are the same, or the same as
those of a character no font has. It prints one line per check and exits
1 if any failed. It drives Chromium as scripts/trace-page-check.py does,
through its DevTools protocol over a pipe.
"""
import importlib.util
import json
import os
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("trace_page_check", os.path.join(here, "trace-page-check.py"))
tpc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tpc)
Browser, Checks = tpc.Browser, tpc.Checks

# Draws two Han characters and one that no font has, each alone on a
# canvas in the font of the element sel, and compares their pixels.
GLYPHS = """(sel => {
  const el = document.querySelector(sel);
  if (!el) return 'no element ' + sel;
  const family = getComputedStyle(el).fontFamily;
  const draw = (ch) => {
    const c = document.createElement('canvas');
    c.width = c.height = 48;
    const g = c.getContext('2d');
    g.font = '32px ' + family;
    g.fillText(ch, 4, 36);
    return Array.from(g.getImageData(0, 0, 48, 48).data).join();
  };
  const a = draw('监'), b = draw('听'), none = draw('\\u{10FFFD}');
  return a !== b && a !== none && b !== none ? 'ok' : 'boxes';
})"""


def wait(b, expr, limit_s=15):
    """Polls expr in the page until it is truthy; returns its last value."""
    deadline = time.monotonic() + limit_s
    while True:
        v = b.eval(expr)
        if v or time.monotonic() > deadline:
            return v
        time.sleep(0.05)


def navigate(b, url):
    b.call("Page.navigate", session=True, url=url)
    wait(b, f"location.href === {json.dumps(url)} && document.readyState === 'complete'")


def check_cjk(b, c, what, sel):
    c.check(b.eval("document.documentElement.lang") == "zh-CN",
            f"{what}: html lang is {b.eval('document.documentElement.lang')!r}; want zh-CN")
    glyphs = b.eval(GLYPHS + f"({json.dumps(sel)})")
    c.check(glyphs == "ok", f"{what}: Chinese in {sel} is drawn in CJK glyphs ({glyphs})")


def search(b, base, query):
    """The pages the Chinese book's search lists for query, as paths."""
    navigate(b, base + "zh/?q=" + query)
    wait(b, "document.querySelector('.md-search-result__meta') && "
            "!document.querySelector('.md-search-result__meta').textContent.includes('初始化')")
    time.sleep(0.3)  # the results follow the meta line
    links = b.eval("[...document.querySelectorAll('.md-search-result__item > a')].map(a => new URL(a.href).pathname)")
    return links or []


def check_book(b, c, base, out):
    chapter = base + "zh/runserver/"
    navigate(b, chapter)
    check_cjk(b, c, "zh/runserver/", "article p")
    c.check("RunServer 的两个 goroutine" in b.eval("document.querySelector('article h1').textContent"),
            "zh/runserver/: the chapter's title is Chinese")
    svgs = wait(b, "document.querySelectorAll('div.diagram > svg').length")
    c.check(svgs and svgs == b.eval("document.querySelectorAll('div.diagram').length"),
            f"zh/runserver/: its diagrams are SVG ({svgs})")
    b.screenshot(os.path.join(out, "zh-chapter.png"))
    switch = b.eval("Object.fromEntries([...document.querySelectorAll('a[hreflang]')].map(a => [a.hreflang, new URL(a.href).pathname]))")
    c.check(switch.get("en") == "/runserver/" and switch.get("zh-CN") == "/zh/runserver/",
            f"zh/runserver/: the language switch leads to the same chapter in each language ({switch})")
    navigate(b, base + "runserver/")
    back = b.eval("new URL(document.querySelector('a[hreflang=\"zh-CN\"]').href).pathname")
    c.check(back == "/zh/runserver/", f"runserver/: the switch to Chinese leads to {back}")

    for query, want in [("监听器", "/zh/runserver/"), ("级联关闭", "/zh/glossary/"),
                        ("RunServer", "/zh/runserver/"), ("关闭监听器", "/zh/runserver/")]:
        found = search(b, base, query)
        c.check(want in found, f"search {query!r} in the Chinese book: {len(found)} pages, {want} among them ({found[:4]})")
    b.screenshot(os.path.join(out, "zh-search.png"))

    navigate(b, base + "zh/trace/tour.html")
    state = wait(b, "document.body && ['ok', 'error'].includes(document.body.dataset.rendered) && document.body.dataset.rendered")
    c.check(state == "ok", f"zh/trace/tour.html: the timeline is drawn ({state})")
    check_cjk(b, c, "zh/trace/tour.html", "#details .hint")
    b.screenshot(os.path.join(out, "zh-trace.png"))


def main(argv):
    if len(argv) != 3 or argv[0] not in ("book", "cjk"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    b, c = Browser(1280, 1000), Checks()
    try:
        if argv[0] == "book":
            os.makedirs(argv[2], exist_ok=True)
            check_book(b, c, argv[1], argv[2])
        else:
            navigate(b, argv[1])
            state = wait(b, "document.body && document.body.dataset.rendered !== 'no' && (document.body.dataset.rendered || 'static')")
            c.check(state in ("ok", "static"), f"{argv[1]}: the page's script finished ({state})")
            check_cjk(b, c, argv[1], "body")
            b.screenshot(argv[2])
    finally:
        b.close()
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
