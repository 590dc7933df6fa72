"""MkDocs hook: what the book shows but git does not keep, made at build time.

- trace/tour.html, the timeline page of a fresh tour, which every chapter
  links to, narrated in the book's language. It differs on every run, so
  it is not kept: the hook builds cmd/walkthrough, runs the tour with
  --free-ports (it binds two loopback ports the system picks), --lang and
  --trace-html, and adds the page to the site. It does this once per mkdocs
  process, so `mkdocs serve` rebuilds stay fast, in .cache/docs/<language>.
- docs/js/mermaid.min.js, mermaid 8.13.3, which draws the diagrams. When it
  is missing, the hook fetches it once with npm (Debian has no package for
  it); without npm the build goes on and the diagrams stay text.

So `mkdocs build --strict` and `mkdocs serve` work on a fresh clone with Go
and Debian's mkdocs packages; scripts/docs builds through this hook too.
"""

import logging
import os
import shutil
import subprocess
import tarfile
import tempfile

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOUR_PAGE = "trace/tour.html"
CACHE = os.path.join(ROOT, ".cache", "docs")  # ignored by git; each mkdocs process remakes it
MERMAID = "mermaid@8.13.3"
MERMAID_JS = os.path.join(ROOT, "docs", "js", "mermaid.min.js")

log = logging.getLogger("kubewalk.docs")  # not under "mkdocs": a note, never a strict-mode failure

_tour_dir = None  # where this process made the tour page

# The language of each book's tour (walkthrough --lang), by the book's
# theme language; never the locale's.
NARRATION = {"en": "en", "zh-CN": "zh"}


def make_tour_page(book):
    out = os.path.join(CACHE, book)  # each book's build makes its own
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    walkthrough = os.path.join(out, "walkthrough")
    build = subprocess.run(["go", "build", "-o", walkthrough, "./cmd/walkthrough"],
                           cwd=ROOT, capture_output=True, text=True)
    if build.returncode != 0:
        raise PluginError("building cmd/walkthrough for the tour page failed:\n" + build.stderr)
    page = os.path.join(out, TOUR_PAGE)
    os.makedirs(os.path.dirname(page))
    run = subprocess.run([walkthrough, "--free-ports", "--lang=" + NARRATION[book],
                          "--trace-file", os.path.join(out, "tour.json"), "--trace-html", page],
                         cwd=out, capture_output=True, text=True, timeout=60)
    if run.returncode != 0:
        raise PluginError("the tour for the tour page failed:\n" + run.stderr[-2000:])
    return out


def fetch_mermaid():
    if os.path.exists(MERMAID_JS):
        return
    if shutil.which("npm") is None:
        log.info("no npm to fetch %s: the diagrams stay text", MERMAID)
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", "--silent", MERMAID], cwd=tmp, check=True, capture_output=True)
        with tarfile.open(os.path.join(tmp, "mermaid-8.13.3.tgz")) as tgz:
            js = tgz.extractfile("package/dist/mermaid.min.js").read()
    os.makedirs(os.path.dirname(MERMAID_JS), exist_ok=True)
    with open(MERMAID_JS, "wb") as f:
        f.write(js)


def on_pre_build(config):
    fetch_mermaid()


def on_files(files, config):
    global _tour_dir
    if _tour_dir is None:
        _tour_dir = make_tour_page(config["theme"]["language"])
    stale = files.get_file_from_path(TOUR_PAGE)  # a page an older scripts/docs left in docs/
    if stale is not None:
        files.remove(stale)
    files.append(File(TOUR_PAGE, _tour_dir, config["site_dir"], config["use_directory_urls"]))
    return files
