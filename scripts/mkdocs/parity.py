#!/usr/bin/env python3
"""The Chinese book has the English book's shape.

    parity.py              compares docs/*.md with docs/zh/*.md
    parity.py --site DIR   compares too the heading ids of the built pages,
                           DIR/<page>/ against DIR/zh/<page>/

A translation says the same things in another language, so each pair of
pages must have:

1. both pages: every English page has a Chinese one of the same name, and
   every Chinese page an English one; mkdocs.zh.yml's nav lists the same
   pages, in the same order, as mkdocs.yml's;
2. the same sections: the same headings, at the same levels, in the same
   order (their text is translated);
3. in each section, the same things that are not prose: the snippet
   includes (code from the source, the tour's transcripts, its diagrams),
   in order, except that where the English page shows a transcript
   docs/transcripts/X that a Chinese run recorded too (docs/transcripts/zh/X,
   by TestBookTranscripts), the Chinese page shows that one; the fenced code blocks, by language, in order; the links out
   of the book (https://…) and into the tour's timeline (trace/tour.html),
   as sets; the terms of a definition list (the glossary), in order;
4. with --site: the same heading ids, so that an anchor names the same
   section in both books (scripts/mkdocs/languages.py gives the Chinese
   headings the English ids); and no line break after Chinese punctuation
   in a Chinese page's text, which a browser would show as a space
   (languages.py joins those lines).

Each difference is one line naming the page and the section; the exit
status is 1 if there is any.
"""

import html.parser
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EN, ZH = os.path.join(ROOT, "docs"), os.path.join(ROOT, "docs", "zh")

FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w-]*)")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
INCLUDE = re.compile(r'--8<-- "([^"]+)"')
URL = re.compile(r"https?://[^\s)>\]\"'`]+")
CODE = re.compile(r"`([^`]+)`")
TOUR = re.compile(r"trace/tour\.html(?:#[^\s)\"'`]*)?")


class Section:
    def __init__(self, level, title):
        self.level, self.title = level, title
        self.includes, self.fences, self.terms = [], [], []
        self.links = set()
        self.code = set()  # inline code: kept as it is in a translation, so it tells sections apart

    def name(self):
        return "#" * self.level + " " + self.title if self.level else "(before the first heading)"


def sections(path):
    """The sections of a Markdown page, each with what it holds besides prose."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out = [Section(0, "")]
    fence = None  # the fence that opened the code block we are in
    for i, line in enumerate(lines):
        s = out[-1]
        m = FENCE.match(line)
        if m and (fence is None or m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not m.group(2)):
            if fence is None:
                fence = m.group(1)
                s.fences.append(m.group(2) or "(none)")
            else:
                fence = None
            continue
        s.includes += INCLUDE.findall(line)
        s.links.update(URL.findall(line))
        s.links.update(TOUR.findall(line))
        if fence is not None:
            continue
        s.code.update(CODE.findall(line))
        h = HEADING.match(line)
        if h:
            out.append(Section(len(h.group(1)), re.sub(r"\s*\{[^}]*\}\s*$", "", h.group(2))))
        elif line.strip() and not line[0].isspace() and i + 1 < len(lines) and lines[i + 1].startswith(": "):
            s.terms.append(line.strip())
    if not (out[0].includes or out[0].fences or out[0].links or out[0].terms):
        out = out[1:]
    return out


def nav_pages(config):
    def walk(items):
        for item in items:
            for v in (item.values() if isinstance(item, dict) else [item]):
                if isinstance(v, list):
                    yield from walk(v)
                else:
                    yield v
    with open(os.path.join(ROOT, config), encoding="utf-8") as f:
        cfg = yaml.load(f, Loader=yaml.BaseLoader)  # plain strings: the configs' !!python tags are not for us
    return list(walk(cfg.get("nav", [])))


def pages(d):
    return sorted(f for f in os.listdir(d) if f.endswith(".md"))


def chinese(include):
    """The include a Chinese page must have where the English page has
    include: the Chinese run's transcript when there is one."""
    if include.startswith("docs/transcripts/"):
        zh = "docs/transcripts/zh/" + include[len("docs/transcripts/"):]
        if os.path.exists(os.path.join(ROOT, zh)):
            return zh
    return include


def likeness(a, b):
    """How alike two sections are, by what a translation keeps."""
    if a.level != b.level:
        return 0
    code = len(a.code & b.code) / len(a.code | b.code) if a.code | b.code else 1
    return 1 + code + (a.includes == b.includes) + (a.links == b.links) + (a.fences == b.fences)


def unmatched(longer, shorter):
    """The index of the section of longer that, left out, lets the rest
    line up best with shorter, section by section."""
    def fit(i):
        rest = longer[:i] + longer[i + 1:]
        return sum(likeness(a, b) for a, b in zip(rest, shorter))
    return max(range(len(longer)), key=fit)


def compare_pages(name, problems):
    en_path, zh_path = "docs/" + name, "docs/zh/" + name
    en, zh = sections(os.path.join(EN, name)), sections(os.path.join(ZH, name))
    if len(en) != len(zh):
        if len(en) > len(zh):
            i = unmatched(en, zh)
            problems.append(f"{en_path}: section “{en[i].name()}” (section {i + 1}) has no twin in {zh_path}")
        else:
            i = unmatched(zh, en)
            problems.append(f"{zh_path}: section “{zh[i].name()}” (section {i + 1}) has no twin in {en_path}")
        return  # the rest would not line up
    for i, (e, z) in enumerate(zip(en, zh)):
        if e.level != z.level:
            problems.append(f"{zh_path}: section {i + 1} is “{z.name()}”; {en_path} has “{e.name()}” there, at another level")
            return
        what = f"{zh_path}, section “{z.name()}” (English “{e.name()}”)"
        if [chinese(i) for i in e.includes] != z.includes:
            problems.append(f"{what}: includes {z.includes}; want {[chinese(i) for i in e.includes]}, "
                            f"as the English page includes {e.includes}")
        if e.fences != z.fences:
            problems.append(f"{what}: code blocks {z.fences}; the English page has {e.fences}")
        if e.links != z.links:
            missing, extra = sorted(e.links - z.links), sorted(z.links - e.links)
            problems.append(f"{what}: links differ: missing {missing}, not in the English {extra}")
        if e.terms != z.terms:
            missing = [t for t in e.terms if t not in z.terms]
            extra = [t for t in z.terms if t not in e.terms]
            problems.append(f"{what}: glossary terms differ: missing {missing}, not in the English {extra}"
                            + ("" if missing or extra else " (in another order)"))


class Ids(html.parser.HTMLParser):
    """The ids of a built page's headings, h1 to h6, in order."""

    def __init__(self):
        super().__init__()
        self.ids = []

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.ids.append(dict(attrs).get("id", ""))


def heading_ids(path):
    p = Ids()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    return p.ids


# A line break after Chinese punctuation in a built page's text, which a
# browser shows as a space (scripts/mkdocs/languages.py joins such lines).
BREAK_AFTER_PUNCT = re.compile("[\u3000-\u303f\uff00-\uffef][ \t]*\n")


def stray_spaces(path):
    """The places in the article of a built Chinese page where a line
    break follows Chinese punctuation, outside code blocks."""
    with open(path, encoding="utf-8") as f:
        m = re.search(r"<article.*?</article>", f.read(), flags=re.S)
    text = re.sub(r"<(pre|script|style)\b.*?</\1>", "", m.group(0) if m else "", flags=re.S)
    return [text[max(0, b.start() - 12):b.end() + 12] for b in BREAK_AFTER_PUNCT.finditer(text)]


def compare_sites(site, names, problems):
    for name in names:
        rel = "" if name == "index.md" else name[:-3] + "/"
        en_html, zh_html = os.path.join(site, rel, "index.html"), os.path.join(site, "zh", rel, "index.html")
        if not (os.path.exists(en_html) and os.path.exists(zh_html)):
            problems.append(f"{site}: {rel or 'the start page'} is not built in both books")
            continue
        stray = stray_spaces(zh_html)
        if stray:
            problems.append(f"{zh_html}: {len(stray)} line breaks after Chinese punctuation, shown as spaces, "
                            f"such as {stray[0]!r}")
        en, zh = heading_ids(en_html), heading_ids(zh_html)
        if en != zh:
            diff = next((i for i, (a, b) in enumerate(zip(en, zh)) if a != b), min(len(en), len(zh)))
            problems.append(f"{zh_html}: heading ids {zh[diff:diff + 3]}… differ from the English page's {en[diff:diff + 3]}… "
                            f"from heading {diff + 1}")


def main(argv):
    problems = []
    en_pages, zh_pages = pages(EN), pages(ZH)
    for name in en_pages:
        if name not in zh_pages:
            problems.append(f"docs/{name} has no Chinese twin: docs/zh/{name} is missing")
    for name in zh_pages:
        if name not in en_pages:
            problems.append(f"docs/zh/{name} has no English twin: docs/{name} is missing")
    en_nav, zh_nav = nav_pages("mkdocs.yml"), nav_pages("mkdocs.zh.yml")
    if en_nav != zh_nav:
        problems.append(f"mkdocs.zh.yml's nav lists {zh_nav}; mkdocs.yml's lists {en_nav}: the same pages, in the same order")
    both = [n for n in en_pages if n in zh_pages]
    for name in both:
        compare_pages(name, problems)
    if len(argv) == 2 and argv[0] == "--site":
        compare_sites(argv[1], both, problems)
    elif argv:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    for p in problems:
        print("parity: " + p)
    if not problems:
        print(f"parity: {len(both)} pages in both books, the same sections, includes, code blocks and links"
              + (", the same heading ids" if argv else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
