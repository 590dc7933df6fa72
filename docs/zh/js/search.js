// Chinese search queries, cut into the words the index was cut into.
//
// scripts/mkdocs/zhsearch.py cut the Chinese of the search index into words
// with jieba at build time, and listed them in js/words.js. Here a query's
// runs of Han characters are cut the same way, longest known word first
// (a character on its own when no word starts there), so that 关闭监听器
// searches for 关闭 and 监听器. The theme calls __search.transform before
// every search; the rest of the query is left as the theme's own transform
// would leave it: quoted terms are all required, and lone operators dropped.
var __search = {
  transform: function (query) {
    var words = new Set(kubewalkSearchWords);
    var longest = 0;
    words.forEach(function (w) { longest = Math.max(longest, w.length); });
    var cut = function (run) {
      var out = [];
      for (var i = 0; i < run.length;) {
        var n = Math.min(longest, run.length - i);
        while (n > 1 && !words.has(run.substr(i, n))) n--;
        out.push(run.substr(i, n));
        i += n;
      }
      return " " + out.join(" ") + " ";
    };
    return query
      .replace(/[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g, cut)
      .split(/"([^"]+)"/g)
      .map(function (terms, i) { return i & 1 ? terms.trim().replace(/^|\s+/g, " +") : terms; })
      .join("")
      .replace(/"|(?:^|\s+)[*+\-:^~]+(?=\s+|$)/g, "")
      .replace(/\s+/g, " ")
      .trim();
  }
};
