"""MkDocs hook: one site, two languages.

The English book (mkdocs.yml, docs/) is the root of the site; the Chinese
book (mkdocs.zh.yml, which inherits mkdocs.yml, and docs/zh/) is its zh/
directory. The English build makes both: once its own pages are written,
it builds the Chinese book into its site's zh/, so plain `mkdocs build`
and `mkdocs serve` give the whole site. Both builds use this hook:

- Every page gets a language switch (the theme's extra.alternate) that
  lands on the same page in the other language, or on that language's
  start page when the page has no twin there.
- The English build leaves docs/zh/ out of its own pages.
- The Chinese build joins the lines of a paragraph that break between two
  Chinese characters, or after Chinese punctuation, which a browser would
  otherwise show as a space,
  and gives each heading of a page the id of the heading in
  the same place on the English page, so that an anchor names the same
  section in both languages (scripts/mkdocs/parity.py checks that the two
  pages have the same sections), and adds the English book's docs/js/ to
  its own site: the diagrams are drawn by the same scripts.
"""

import logging
import os
import posixpath
import re
import subprocess
import sys

import jinja2
from markdown.extensions.toc import slugify, unique
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(ROOT, "docs")
ZH_CONFIG = os.path.join(ROOT, "mkdocs.zh.yml")

# The two books: the theme language of each build, its sources, and where
# its site sits relative to the English site's root.
ENGLISH = {"lang": "en", "name": "English", "docs": DOCS, "root": ""}
CHINESE = {"lang": "zh-CN", "name": "简体中文", "docs": os.path.join(DOCS, "zh"), "root": "zh/"}

log = logging.getLogger("mkdocs.kubewalk.languages")


def books(config):
    """This build's book and the other one."""
    if config["theme"]["language"] == CHINESE["lang"]:
        return CHINESE, ENGLISH
    return ENGLISH, CHINESE


class Href(str):
    """A link that is already relative to the page it is on, which the
    theme's url filter must leave as it is (the filter would resolve it
    inside this build's site, and the other book is outside it)."""


def on_env(env, config, files):
    url = env.filters["url"]

    @jinja2.pass_context
    def url_or_href(context, value):
        return str(value) if isinstance(value, Href) else url(context, value)

    env.filters["url"] = url_or_href
    return env


def on_files(files, config):
    this, _ = books(config)
    if this is ENGLISH:
        for f in [f for f in files if f.src_uri.startswith("zh/")]:
            files.remove(f)
        return files
    # The scripts that draw the diagrams are the English book's.
    js = os.path.join(DOCS, "js")
    for name in sorted(os.listdir(js)):
        if files.get_file_from_path("js/" + name) is None:
            files.append(File("js/" + name, DOCS, config["site_dir"], config["use_directory_urls"]))
    return files


def on_page_context(context, page, config, nav):
    this, other = books(config)
    # From the page up to this book's root, then over to the other book's.
    up = "../" * page.url.count("/")
    over = posixpath.relpath(other["root"] or ".", this["root"] or ".") + "/"
    twin = os.path.exists(os.path.join(other["docs"], page.file.src_path))
    target = up + over + (page.url if twin else "")
    here = up + (page.url or "./")
    config["extra"]["alternate"] = [
        {"name": b["name"], "lang": b["lang"], "link": Href(here if b is this else target)}
        for b in (ENGLISH, CHINESE)
    ]
    return context


def on_post_page(output, page, config):
    # Pages rendered without a page (404.html) get no switch.
    config["extra"].pop("alternate", None)
    return output


# --- the Chinese book's headings take the ids of the English ones ---

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
ATTR_ID = re.compile(r"\{[^}]*#([\w-]+)[^}]*\}\s*$")


def headings(markdown):
    """The ATX headings of a Markdown page outside fenced code, as (line
    number, level, text)."""
    out, fenced = [], False
    for n, line in enumerate(markdown.split("\n")):
        if FENCE.match(line):
            fenced = not fenced
            continue
        m = None if fenced else HEADING.match(line)
        if m:
            out.append((n, len(m.group(1)), m.group(2)))
    return out


def plain(text):
    """A heading's text as the toc extension slugifies it: without code
    ticks, asterisks or link targets (underscores stay: they are part of
    names such as KUBE_API_VERSIONS)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[`*]", "", text)


def ids(markdown):
    """The ids the toc extension gives the headings of a page, in order."""
    used, out = set(), []
    for _, _, text in headings(markdown):
        m = ATTR_ID.search(text)
        hid = m.group(1) if m else unique(slugify(plain(text), "-"), used)
        used.add(hid)
        out.append(hid)
    return out


# Han characters, CJK punctuation and fullwidth forms: a line break
# between two of them is no space in Chinese text.
CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
CJK_END = re.compile("[" + CJK + "]$")
CJK_START = re.compile("^[ \t]*[" + CJK + "]")
# Chinese punctuation is full-width: no space follows it, whatever the
# next line starts with (`code`, a flag, a name).
CJK_PUNCT_END = re.compile("[\u3000-\u303f\uff00-\uffef]$")
# A line that starts a block of its own (a list item, a heading, a table,
# a quote, a definition, HTML, an include, a blank line): the line break
# before it stays.
BLOCK_START = re.compile(r"^[ \t]*([-*+][ \t]|\d+\.[ \t]|[#|>:<]|--8<--|!!!|$)")


def join_cjk_lines(markdown):
    """markdown with each line break that a browser would show as a space
    in Chinese text taken out (with the next line's indentation), in the
    text of a paragraph or a list item: one between two Chinese
    characters, and one after Chinese punctuation. A break between a
    Chinese character and a Latin one stays, as the space the book puts
    there. Headings, tables, code blocks and blank lines stay."""
    out, fenced = [], False
    for line in markdown.split("\n"):
        if FENCE.match(line):
            fenced = not fenced
        elif (not fenced and out and not out[-1].lstrip().startswith(("#", "|"))
              and ((CJK_START.match(line) and CJK_END.search(out[-1]))
                   or (CJK_PUNCT_END.search(out[-1]) and not BLOCK_START.match(line)))):
            out[-1] += line.lstrip()
            continue
        out.append(line)
    return "\n".join(out)


def on_page_markdown(markdown, page, config, files):
    this, _ = books(config)
    if this is not CHINESE:
        return markdown
    markdown = join_cjk_lines(markdown)
    english = os.path.join(DOCS, page.file.src_path)
    if not os.path.exists(english):
        return markdown
    with open(english, encoding="utf-8") as f:
        want = ids(f.read())
    lines = markdown.split("\n")
    for (n, _, text), hid in zip(headings(markdown), want):
        if not ATTR_ID.search(text):
            lines[n] = lines[n].rstrip() + " { #" + hid + " }"
    return "\n".join(lines)


# --- the English build builds the Chinese book into its zh/ ---

@event_priority(-100)  # after the search plugin has written the English index
def on_post_build(config):
    this, _ = books(config)
    if this is not ENGLISH:
        return
    cmd = [sys.executable, "-m", "mkdocs", "build", "--config-file", ZH_CONFIG,
           "--site-dir", os.path.join(config["site_dir"], "zh")]
    if config["strict"]:
        cmd.append("--strict")
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    for line in run.stderr.splitlines():
        if line.startswith(("WARNING", "ERROR")):
            log.warning("the Chinese book: %s", line)
    if run.returncode != 0:
        raise PluginError("building the Chinese book (mkdocs.zh.yml) failed:\n" + run.stderr[-3000:])


def on_serve(server, config, builder):
    server.watch(ZH_CONFIG)
    return server
