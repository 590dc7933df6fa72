"""MkDocs hook: include parts of source files in the book.

pymdownx.snippets 9.5 (Debian bookworm) includes whole files only. Before
it runs, this hook expands two more forms of its directive, so the book
shows code straight from the source and never a pasted copy:

    --8<-- "path/file.go:name"         the lines between the markers
                                       // --8<-- [start:name] and [end:name]
    --8<-- "path/file.go:func=Example" the function Example with its doc
                                       comment, up to its closing brace;
                                       func=Type.Method for a method, and
                                       type=Name or var=Name likewise

Paths are relative to the repository root. A missing file, section or
function fails the build, so the book cannot silently lose its code.
"""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIRECTIVE = re.compile(r'^(?P<indent>[ \t]*)--8<-- "(?P<path>[^":]+):(?P<spec>[^"]+)"[ \t]*$', re.M)


def section(lines, name, path):
    start = re.compile(r"--8<-- \[start:%s\]" % re.escape(name))
    end = re.compile(r"--8<-- \[end:%s\]" % re.escape(name))
    out, inside, found = [], False, False
    for line in lines:
        if start.search(line):
            inside = found = True
        elif end.search(line):
            inside = False
        elif inside:
            out.append(line)
    if not found:
        raise ValueError("snippet section %r not found in %s" % (name, path))
    return dedent(out)


def declaration(lines, kind, name, path):
    """The declaration of name (a func, type or var), with its doc comment."""
    recv, _, ident = name.rpartition(".")
    if kind == "func" and recv:  # Type.Method
        head = re.compile(r"^func \(\w+ \*?%s\) %s\(" % (re.escape(recv), re.escape(ident)))
    else:
        head = re.compile(r"^%s (\([^)]*\) )?%s\b" % (kind, re.escape(ident)))
    for i, line in enumerate(lines):
        if head.match(line):
            first = i
            while first > 0 and lines[first - 1].startswith("//"):
                first -= 1
            last = i
            if line.rstrip().endswith(("{", "(")):
                last = next(j for j in range(i, len(lines)) if lines[j] in ("}", ")"))
            return lines[first:last + 1]
    raise ValueError("%s %r not found in %s" % (kind, name, path))


def dedent(lines):
    indents = [len(l) - len(l.lstrip("\t")) for l in lines if l.strip()]
    cut = min(indents, default=0)
    return [l[cut:] for l in lines]


def expand(match):
    path, spec = match.group("path"), match.group("spec")
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        lines = f.read().splitlines()
    kind, eq, name = spec.partition("=")
    if eq and kind in ("func", "type", "var"):
        body = declaration(lines, kind, name, path)
    else:
        body = section(lines, spec, path)
    return "\n".join(match.group("indent") + l for l in body)


def on_page_markdown(markdown, page, config, files):
    return DIRECTIVE.sub(expand, markdown)
