"""MkDocs hook of the Chinese book: search that finds Chinese words, offline.

The theme's search (lunr.js in the browser) splits text into words at its
separator, which Chinese text does not have between words. Material 8.2.5's
own Chinese search needs nodejieba, which does not run in a browser. So the
words are cut here, at build time, with jieba (Debian's python3-jieba):

- In the search index the search plugin wrote (search/search_index.json),
  every run of Chinese characters is cut into words with a zero-width space
  (U+200B) between them, which the separator in mkdocs.zh.yml includes.
  The pages themselves are left as they are.
- The words the index holds are written to js/words.js, for
  docs/zh/js/search.js, which cuts the Chinese in a query into those same
  words (longest match first) before the theme searches, so that a query
  typed without spaces, such as 关闭监听器, finds 关闭 and 监听器.

A query for one word finds every page that has the word; the theme searches
for the last word of a query as a prefix too (监听 finds 监听器).
"""

import json
import logging
import os
import re

import jieba
from mkdocs.plugins import event_priority

ZWSP = "\u200b"
# Han characters: the CJK Unified Ideographs, extension A, and the
# compatibility ideographs. Punctuation is the separator's business.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

jieba.setLogLevel(logging.WARNING)


def cut(text, words):
    """text with a zero-width space around every word of each run of Han
    characters; the words of two or more characters are added to words."""

    def run(m):
        parts = list(jieba.cut(m.group(0), HMM=False))
        words.update(p for p in parts if len(p) > 1)
        return ZWSP + ZWSP.join(parts) + ZWSP

    return HAN.sub(run, text)


@event_priority(-100)  # after the search plugin has written its index
def on_post_build(config):
    path = os.path.join(config["site_dir"], "search", "search_index.json")
    with open(path, encoding="utf-8") as f:
        index = json.load(f)
    words = set()
    for doc in index["docs"]:
        doc["title"] = cut(doc["title"], words)
        doc["text"] = cut(doc["text"], words)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(index, f, ensure_ascii=False, separators=(",", ":"))
    js = os.path.join(config["site_dir"], "js", "words.js")
    os.makedirs(os.path.dirname(js), exist_ok=True)
    with open(js, "w", encoding="utf-8") as f:
        f.write("// The words of the Chinese search index, made by scripts/mkdocs/zhsearch.py.\n")
        f.write("var kubewalkSearchWords = " + json.dumps(sorted(words), ensure_ascii=False) + ";\n")
