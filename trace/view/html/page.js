// The timeline of cmd/traceview --format html.
//
// It reads the trace from the JSON blob in #trace-data (its shape is
// pageData in trace/view/htmldata.go), draws only what is in view on one
// canvas, and puts a focusable button over each item in view, so the
// keyboard and screen readers reach what the canvas shows. Nothing is
// loaded from anywhere. When the first drawing is done, body gets
// data-rendered="ok"; any script error turns it to "error".
(function () {
  'use strict';
  const body = document.body;
  // The page's texts, in the language of #words (English text → its
  // translation, given by trace/view/html.go for the texts said here):
  // say(text), and sayf(format, …) for a format whose %s (or %[n]s) take
  // the arguments.
  const WORDS = JSON.parse(document.getElementById('words').textContent);
  const say = (s) => WORDS[s] || s;
  const sayf = (s, ...args) => {
    let next = 0;
    return say(s).replace(/%(?:\[(\d+)\])?s/g, (_, n) => String(n ? args[n - 1] : args[next++]));
  };
  window.addEventListener('error', function (e) {
    body.dataset.rendered = 'error';
    const p = document.getElementById('error');
    p.hidden = false;
    p.textContent = sayf('The timeline failed to draw: %s', e.message);
  });
  const loadStart = performance.now();

  // Geometry, in CSS pixels.
  const AXIS = 28; // the time axis above the lanes
  const EVROW = 26; // each lane's first row: its events, on the goroutine's lifetime line
  const ROW = 18; // each row of bars
  const LANEPAD = 8;
  const GROUPH = 62; // the least height of a lane with a group: room for its toggle
  const MARGIN = 16; // left of the trace
  const MARGIN_RIGHT = 150; // right of it: room for the labels of the last markers
  const MAX_WIDTH = 2e7; // browsers stop scrolling somewhere past 3e7 px
  const MAX_BUTTONS = 1500;

  const COLOURS = {
    // Okabe-Ito
    black: '#000000', orange: '#e69f00', sky: '#56b4e9', green: '#009e73',
    yellow: '#f0e442', blue: '#0072b2', vermillion: '#d55e00', purple: '#cc79a7',
    life: '#8a8a8a', band: '#f4f6f8', line: '#d4d4d4', ink: '#1b1b1b', failedFill: '#fbe3d3',
  };
  const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';

  // ---- the data ----
  const D = JSON.parse(document.getElementById('trace-data').textContent);
  const S = D.strings, sp = D.spans, ev = D.events;
  const nSpans = sp.lane.length, nEvents = ev.span.length;
  const str = (i) => S[i];
  const markOf = (e) => D.marks[ev.mark[e]];
  const attr = (kv, key) => {
    for (let j = 0; j + 1 < kv.length; j += 2) if (S[kv[j]] === key) return S[kv[j + 1]];
    return '';
  };

  const lanes = D.lanes.map((l, i) => ({
    i, name: l.name, seq: l.seq, span: l.span, rows: l.rows, group: l.group,
    side: l.side || '', // on the page of a diff: the run, A or B
    only: !!l.only, // on the page of a diff: the other run has no lane like it
    members: [], // the lanes grouped under this one: goroutines started for its requests
    open: false, // whether those members are shown
    pos: -1, // its place among the lanes shown, or -1 when hidden
    top: 0, height: 0, shownRows: l.rows,
    bars: Array.from({ length: l.rows }, () => []), // span indexes, by start, per row
    marks: [], // drawn event indexes, by time
    items: null, // every bar and marker by time, built when the keyboard needs it
    steps: null, // the names of the steps it was started under, built when filtering by step
  }));
  const spanEvents = new Array(nSpans);
  const nested = new Int32Array(nSpans); // how many bars each bar has directly below it
  for (let s = 0; s < nSpans; s++) {
    if (sp.row[s] < 0) continue;
    lanes[sp.lane[s]].bars[sp.row[s]].push(s);
    const p = sp.parent[s];
    if (p >= 0 && sp.row[p] >= 0 && sp.lane[p] === sp.lane[s]) nested[p]++;
  }
  for (let e = 0; e < nEvents; e++) {
    const s = ev.span[e];
    (spanEvents[s] || (spanEvents[s] = [])).push(e);
    if (ev.mark[e]) lanes[sp.lane[s]].marks.push(e);
  }
  for (const l of lanes) if (l.group >= 0) lanes[l.group].members.push(l.i);

  // ---- which lanes are shown ----
  // Goroutines started for requests (one per request) are grouped under
  // the goroutine that served them, and hidden until their group is
  // opened. The filters show only the goroutines whose name contains
  // some text, or that a step started; maxDepth hides bars nested deeper.
  let order = []; // the lanes shown, top to bottom
  let contentH = 0;
  let filterText = '', filterStep = '', maxDepth = Infinity;
  const barShown = (s) => sp.depth[s] < maxDepth;

  // stepsOf returns the names of the steps lane l was started under:
  // those above its goroutine span, up to the goroutine that started it,
  // and that goroutine's.
  function stepsOf(l) {
    if (!l.steps) {
      l.steps = new Set();
      for (let p = l.span >= 0 ? sp.parent[l.span] : -1; p >= 0; p = sp.parent[p]) {
        if (sp.row[p] < 0) { // a goroutine span: the rest is its lane's
          for (const n of stepsOf(lanes[sp.lane[p]])) l.steps.add(n);
          break;
        }
        if (str(sp.kind[p]) === 'step') l.steps.add(str(sp.name[p]));
      }
    }
    return l.steps;
  }
  function matches(l) {
    if (filterText && !l.name.toLowerCase().includes(filterText)) return false;
    return !filterStep || stepsOf(l).has(filterStep);
  }

  // layout decides which lanes are shown, in what order, and how tall
  // each is. A group's members follow it; when the filters hide a group's
  // lane, its members that match are shown without it.
  function layout() {
    const filtering = filterText !== '' || filterStep !== '';
    order = [];
    for (const l of lanes) {
      l.pos = -1;
      l.items = null;
    }
    for (const l of lanes) {
      if (l.group >= 0) continue;
      const shown = !filtering || matches(l);
      if (shown) order.push(l.i);
      if (shown && !l.open) continue;
      for (const m of l.members) if (!filtering || matches(lanes[m])) order.push(m);
    }
    contentH = 0;
    order.forEach((i, k) => {
      const l = lanes[i];
      l.pos = k;
      l.shownRows = l.rows;
      if (maxDepth !== Infinity) {
        l.shownRows = 0;
        l.bars.forEach((row, r) => {
          if (row.some(barShown)) l.shownRows = r + 1;
        });
      }
      l.top = contentH;
      l.height = Math.max(EVROW + l.shownRows * ROW + LANEPAD, l.members.length ? GROUPH : 0);
      contentH += l.height;
    });
    spacer.style.height = contentH + 'px';
    labelsInner.style.height = contentH + 'px';
    labels = new Map(); // their places, classes and toggles may have changed
    orders.delete(labelsInner);
    const grouped = lanes.filter((l) => l.group >= 0).length;
    laneCount.textContent = order.length === lanes.length ? sayf('%s lanes', lanes.length.toLocaleString('en'))
      : sayf('%s of %s lanes shown', order.length.toLocaleString('en'), lanes.length.toLocaleString('en'));
    body.dataset.lanesShown = String(order.length);
    body.dataset.lanesGrouped = String(grouped);
    body.dataset.laneGroups = String(lanes.filter((l) => l.members.length).length);
  }

  // show makes lane l shown: it opens its group, or clears the filters.
  function show(l) {
    const lane = lanes[l];
    if (lane.pos >= 0) return;
    if (lane.group >= 0 && lanes[lane.group].pos >= 0) {
      lanes[lane.group].open = true;
      layout();
    }
    if (lane.pos < 0) setFilters('', '');
  }

  // Arrows {kind, a, b}: from event a to event b (wake, accept), or from
  // span a to goroutine span b (start).
  const arrows = [];
  const related = new Map(); // event → [{kind, other, out}]
  const relate = (kind, a, b) => {
    arrows.push({ kind, a, b });
    if (kind === 'start') return;
    if (!related.has(a)) related.set(a, []);
    if (!related.has(b)) related.set(b, []);
    related.get(a).push({ kind, other: b, out: true });
    related.get(b).push({ kind, other: a, out: false });
  };
  for (let j = 0; j + 1 < D.wakes.length; j += 2) relate('wake', D.wakes[j], D.wakes[j + 1]);
  for (let j = 0; j + 1 < D.accepts.length; j += 2) relate('accept', D.accepts[j], D.accepts[j + 1]);
  for (let j = 0; j + 1 < D.starts.length; j += 2) relate('start', D.starts[j], D.starts[j + 1]);
  // Hand-offs, for the hand-off buttons: each source event with its targets, by time.
  const handoffs = [];
  for (const [e, rel] of related) {
    const outs = rel.filter((r) => r.out).map((r) => r.other);
    if (outs.length) handoffs.push({ e, outs });
  }
  handoffs.sort((x, y) => ev.time[x.e] - ev.time[y.e]);

  // ---- the page's elements ----
  const $ = (id) => document.getElementById(id);
  const timeline = $('timeline'), canvas = $('canvas'), scroller = $('scroller'), spacer = $('spacer');
  const labelsInner = $('labels-inner'), details = $('details'), zoomLevel = $('zoom-level');
  const laneFilter = $('lane-filter'), laneStep = $('lane-step'), depthSelect = $('depth'), laneCount = $('lane-count');
  const ctx = canvas.getContext('2d');

  // ---- time and space ----
  let scale = 1; // px per ns
  let viewW = 0, viewH = 0; // the scroller's visible size
  let viewLeft = 0, viewTop = 0; // its scroll offsets, read once per frame
  const minScale = () => Math.max(1e-12, (viewW - MARGIN - MARGIN_RIGHT) / D.duration);
  const maxScale = () => Math.max(minScale(), Math.min(20, (MAX_WIDTH - MARGIN - MARGIN_RIGHT) / D.duration));
  const xOf = (t) => MARGIN + t * scale - viewLeft; // view x of time t
  const laneY = (l) => AXIS + lanes[l].top - viewTop; // view y of a shown lane's top
  const eventY = (l) => laneY(l) + EVROW / 2 + 1;
  const barY = (l, r) => laneY(l) + EVROW + r * ROW;

  function resize() {
    const dpr = window.devicePixelRatio || 1;
    const w = timeline.clientWidth, h = timeline.clientHeight;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    canvas.style.width = w + 'px';
    canvas.style.height = h + 'px';
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    viewW = scroller.clientWidth;
    viewH = scroller.clientHeight;
  }

  function setScale(next, anchorX) {
    next = Math.min(maxScale(), Math.max(minScale(), next));
    const t = (scroller.scrollLeft + anchorX - MARGIN) / scale;
    scale = next;
    spacer.style.width = Math.ceil(D.duration * scale + MARGIN + MARGIN_RIGHT) + 'px';
    scroller.scrollLeft = t * scale + MARGIN - anchorX;
    const z = scale / minScale();
    zoomLevel.textContent = '×' + (z < 100 ? z.toPrecision(2) : Math.round(z).toLocaleString('en'));
    draw();
  }

  // showRange zooms so that times a..b fill the view.
  function showRange(a, b) {
    const span = Math.max(b - a, 1);
    setScale((viewW - MARGIN - MARGIN_RIGHT) / span, 0);
    scroller.scrollLeft = a * scale;
    draw();
  }

  // ---- drawing ----
  let frameRequested = false;
  function requestDraw() {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(() => {
      frameRequested = false;
      draw();
    });
  }

  // firstEnding returns the first index in list (span indexes sorted by
  // start, not overlapping) whose span ends at or after t.
  function firstEnding(list, t) {
    let lo = 0, hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sp.end[list[mid]] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  function firstEventAt(list, t) {
    let lo = 0, hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ev.time[list[mid]] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  // posAt returns the place, among the lanes shown, of the lane at
  // content height y; -1 when no lane is shown.
  function posAt(y) {
    let lo = 0, hi = order.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lanes[order[mid]].top <= y) lo = mid;
      else hi = mid - 1;
    }
    return hi;
  }

  let selected = null; // {type: 'span' | 'event', i}
  let items = []; // what draw() put a button over

  function draw() {
    const w = timeline.clientWidth, h = timeline.clientHeight;
    ctx.clearRect(0, 0, w, h);
    items = [];
    const st = (viewTop = scroller.scrollTop), sl = (viewLeft = scroller.scrollLeft);
    const t0 = (sl - MARGIN) / scale, t1 = (sl + viewW - MARGIN) / scale;
    const first = posAt(st), last = posAt(st + viewH);
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, AXIS, viewW, viewH);
    ctx.clip();
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    for (let k = Math.max(first, 0); k <= last; k++) drawLaneBackground(order[k], t0, t1);
    drawGrid(t0, t1, h);
    for (let k = Math.max(first, 0); k <= last; k++) drawBars(order[k], t0, t1);
    drawArrows();
    for (let k = Math.max(first, 0); k <= last; k++) drawMarks(order[k], t0, t1);
    ctx.restore();
    drawAxis(t0, t1, w);
    syncButtons(sl, st);
    syncLabels(first, last);
    labelsInner.style.transform = 'translateY(' + -st + 'px)';
  }

  function drawLaneBackground(l, t0, t1) {
    const y = laneY(l), lane = lanes[l];
    if (lane.pos % 2) {
      ctx.fillStyle = COLOURS.band;
      ctx.fillRect(0, y, viewW, lane.height);
    }
    if (lane.side) { // a diff: a strip in the colour of the lane's run
      ctx.fillStyle = lane.side === 'A' ? COLOURS.blue : COLOURS.orange;
      ctx.fillRect(0, y, 4, lane.height);
    }
    ctx.fillStyle = COLOURS.line;
    ctx.fillRect(0, y + lane.height - 1, viewW, 1);
    // The lifetime line: from when the goroutine ran to when it returned.
    const ey = eventY(l);
    let a = 0, b = D.duration, failed = false;
    if (lane.span >= 0) {
      a = sp.start[lane.span];
      b = sp.end[lane.span];
      failed = sp.status[lane.span] !== 0;
    }
    if (b < t0 || a > t1) return;
    const x0 = Math.max(xOf(a), -10), x1 = Math.min(xOf(b), viewW + 10);
    const thick = lane.span >= 0 && isSelected('span', lane.span) ? 5 : 3;
    ctx.fillStyle = failed ? COLOURS.vermillion : thick > 3 ? COLOURS.black : COLOURS.life;
    if (lane.span < 0) ctx.globalAlpha = 0.35; // main has no span: a faint line
    ctx.fillRect(x0, ey - thick / 2, Math.max(x1 - x0, 1), thick);
    ctx.fillRect(xOf(a) - 1, ey - 6, 2, 12);
    ctx.fillRect(xOf(b) - 1, ey - 6, 2, 12);
    ctx.globalAlpha = 1;
  }

  function drawBars(l, t0, t1) {
    const lane = lanes[l];
    for (let r = 0; r < lane.shownRows; r++) {
      const row = lane.bars[r], y = barY(l, r);
      let cx0 = 0, cx1 = -1e9, cn = 0; // a run of bars too thin to draw one by one
      const flush = () => {
        if (!cn) return;
        ctx.fillStyle = COLOURS.life;
        ctx.fillRect(cx0, y + 2, Math.max(cx1 - cx0, 1.5), ROW - 5);
        cn = 0;
      };
      for (let k = firstEnding(row, t0); k < row.length; k++) {
        const s = row[k];
        if (sp.start[s] > t1) break;
        if (!barShown(s)) continue;
        const x0 = xOf(sp.start[s]), x1 = xOf(sp.end[s]);
        if (x1 - x0 < 2 && !isSelected('span', s)) {
          if (cn && x0 - cx1 > 1) flush();
          if (!cn) cx0 = x0;
          cx1 = Math.max(cx1, x1, x0 + 1.5);
          cn++;
          continue;
        }
        flush();
        drawBar(s, x0, x1, y);
      }
      flush();
    }
  }

  function drawBar(s, x0, x1, y) {
    const failed = sp.status[s] !== 0, kind = str(sp.kind[s]);
    const left = Math.max(x0, -4), right = Math.min(x1, viewW + 4);
    const w = Math.max(right - left, 2), h = ROW - 3;
    ctx.fillStyle = failed ? COLOURS.failedFill : kind === 'request' ? COLOURS.yellow : kind === 'step' ? COLOURS.sky : '#c9c9c9';
    ctx.fillRect(left, y + 1, w, h);
    ctx.lineWidth = failed ? 2 : 1;
    ctx.strokeStyle = failed ? COLOURS.vermillion : 'rgba(0,0,0,.55)';
    ctx.strokeRect(left + 0.5, y + 1.5, w - 1, h - 1);
    if (isSelected('span', s)) {
      ctx.lineWidth = 3;
      ctx.strokeStyle = COLOURS.black;
      ctx.strokeRect(left - 1, y, w + 2, h + 2);
    }
    if (w > 24) {
      const folded = nested[s] && sp.depth[s] + 1 >= maxDepth ? sayf('  ▸ %s nested', nested[s]) : '';
      const label = (failed ? '✖ ' : '') + str(sp.name[s]) + '  ' + duration(sp.end[s] - sp.start[s]) + folded;
      ctx.save();
      ctx.beginPath();
      ctx.rect(left + 2, y, w - 4, ROW);
      ctx.clip();
      ctx.fillStyle = COLOURS.black;
      ctx.fillText(label, Math.max(left, 0) + 4, y + ROW / 2);
      ctx.restore();
    }
    if (w >= 4 || isSelected('span', s)) {
      addItem('s' + s, left, y + 1, w, h, spanLabel(s));
    }
  }

  function drawMarks(l, t0, t1) {
    const list = lanes[l].marks, y = eventY(l);
    const pad = 12 / scale; // a marker just outside the view still shows its edge
    let px = NaN, drawn = 0; // the pixel column, and the kinds of marker drawn in it
    for (let k = firstEventAt(list, t0 - pad); k < list.length; k++) {
      const e = list[k];
      if (ev.time[e] > t1 + pad) break;
      const x = xOf(ev.time[e]), kind = 1 << ev.mark[e];
      if (Math.round(x) !== px) {
        px = Math.round(x);
        drawn = 0;
      }
      if (drawn & kind && !isSelected('event', e)) continue; // one of each kind per pixel
      drawn |= kind;
      drawMark(ctx, markOf(e), x, y);
      if (isSelected('event', e)) {
        ctx.lineWidth = 2.5;
        ctx.strokeStyle = COLOURS.black;
        ctx.beginPath();
        ctx.arc(x, y, 10, 0, 2 * Math.PI);
        ctx.stroke();
      }
      // A label when there is room before the next marker.
      const next = k + 1 < list.length ? xOf(ev.time[list[k + 1]]) : viewW + 200;
      const room = next - x - 16;
      if (room >= 28) {
        ctx.save();
        ctx.beginPath();
        ctx.rect(x + 8, y - 9, room, 18);
        ctx.clip();
        ctx.lineWidth = 3;
        ctx.lineJoin = 'round';
        ctx.strokeStyle = lanes[l].pos % 2 ? COLOURS.band : '#fff';
        ctx.strokeText(markText(e), x + 9, y + 1); // a halo, to read over the lifetime line
        ctx.fillStyle = COLOURS.ink;
        ctx.fillText(markText(e), x + 9, y + 1);
        ctx.restore();
      }
      addItem('e' + e, x - 7, y - 8, 14, 16, eventLabel(e));
    }
  }

  // drawMark draws one marker: a shape and a colour per kind, so neither
  // colour nor shape alone tells them apart.
  function drawMark(c, mark, x, y) {
    c.lineWidth = 1.5;
    c.strokeStyle = '#fff';
    c.beginPath();
    switch (mark) {
      case 'chan.make': // diamond
        c.moveTo(x, y - 6.5); c.lineTo(x + 6.5, y); c.lineTo(x, y + 6.5); c.lineTo(x - 6.5, y); c.closePath();
        c.fillStyle = COLOURS.blue; c.fill(); c.stroke();
        return;
      case 'chan.close': // square
        c.rect(x - 5, y - 5, 10, 10);
        c.fillStyle = COLOURS.vermillion; c.fill(); c.stroke();
        return;
      case 'chan.wait': // hollow circle: blocked
        c.arc(x, y, 5, 0, 2 * Math.PI);
        c.fillStyle = '#fff'; c.fill();
        c.lineWidth = 2.5; c.strokeStyle = COLOURS.orange; c.stroke();
        return;
      case 'chan.recv': // filled circle: woken
        c.arc(x, y, 5.5, 0, 2 * Math.PI);
        c.fillStyle = COLOURS.green; c.fill(); c.stroke();
        return;
      case 'listener.open': // triangle up
        c.moveTo(x, y - 6.5); c.lineTo(x + 6.5, y + 5); c.lineTo(x - 6.5, y + 5); c.closePath();
        c.fillStyle = COLOURS.purple; c.fill(); c.stroke();
        return;
      case 'listener.close': // triangle down
        c.moveTo(x, y + 6.5); c.lineTo(x + 6.5, y - 5); c.lineTo(x - 6.5, y - 5); c.closePath();
        c.fillStyle = COLOURS.purple; c.fill(); c.stroke();
        return;
      case 'panic': // a cross
        c.lineWidth = 3.5; c.strokeStyle = COLOURS.vermillion;
        c.moveTo(x - 5.5, y - 5.5); c.lineTo(x + 5.5, y + 5.5); c.moveTo(x + 5.5, y - 5.5); c.lineTo(x - 5.5, y + 5.5);
        c.stroke();
        return;
      default: // a log line: a tick
        c.rect(x - 1.5, y - 6, 3, 12);
        c.fillStyle = COLOURS.ink; c.fill();
    }
  }

  const ARROW_STYLE = {
    wake: { colour: COLOURS.vermillion, width: 1.75, dash: [] },
    accept: { colour: COLOURS.purple, width: 1.75, dash: [6, 3] },
    start: { colour: '#b4b4b4', width: 1, dash: [1, 3] },
  };

  function arrowEnds(a) {
    if (a.kind === 'start') {
      const p = a.a, g = a.b, t = sp.start[g];
      const pl = sp.lane[p];
      const py = sp.row[p] >= 0 ? barY(pl, sp.row[p]) + ROW / 2 : eventY(pl);
      return [xOf(t), py, xOf(t), eventY(sp.lane[g])];
    }
    const la = sp.lane[ev.span[a.a]], lb = sp.lane[ev.span[a.b]];
    return [xOf(ev.time[a.a]), eventY(la), xOf(ev.time[a.b]), eventY(lb)];
  }

  // arrowShown reports whether both ends of arrow a are in shown lanes
  // (and a start arrow's bar is not folded away by the depth).
  function arrowShown(a) {
    if (a.kind === 'start') return lanes[sp.lane[a.a]].pos >= 0 && lanes[sp.lane[a.b]].pos >= 0 && (sp.row[a.a] < 0 || barShown(a.a));
    return lanes[sp.lane[ev.span[a.a]]].pos >= 0 && lanes[sp.lane[ev.span[a.b]]].pos >= 0;
  }

  // inView reports whether view y is in view, or within margin of it.
  const inView = (y, margin) => y >= AXIS - margin && y <= AXIS + viewH + margin;

  // The ends of an arrow, in view coordinates, where a click jumps to
  // the other end: the tail just past the source, the head just short of
  // the target.
  function arrowTips(a) {
    const [x1, y1, x2, y2] = arrowEnds(a);
    const dir = y2 >= y1 ? 1 : -1, flat = Math.abs(y2 - y1) < 4;
    return { tail: [x1, flat ? y1 - 10 : y1 + dir * 10], head: [x2, y2 - dir * 12] };
  }
  const arrowItem = (a) => (a.kind === 'start' ? { type: 'span', i: a.a } : { type: 'event', i: a.a });
  const arrowTarget = (a) => (a.kind === 'start' ? { type: 'span', i: a.b } : { type: 'event', i: a.b });

  function drawArrows() {
    arrows.forEach((a, k) => {
      if (!arrowShown(a)) return;
      const [x1, y1, x2, y2] = arrowEnds(a);
      if (Math.max(x1, x2) < -20 || Math.min(x1, x2) > viewW + 20) return;
      if (Math.max(y1, y2) < AXIS - 20 || Math.min(y1, y2) > AXIS + viewH + 20) return;
      // A request's goroutine is drawn with its arrow only when its lane is
      // in view: thousands of them would otherwise fill every frame.
      if (a.kind === 'start' && lanes[sp.lane[a.b]].group >= 0 && !inView(y2, 20)) return;
      const type = a.kind === 'start' ? 'span' : 'event';
      const on = selected !== null && selected.type === type && (selected.i === a.a || selected.i === a.b);
      drawArrow(ctx, ARROW_STYLE[a.kind], x1, y1, x2, y2, on);
      if (x1 === x2 && Math.abs(y2 - y1) < 24) return; // too short to have two ends to click
      const tips = arrowTips(a);
      if (inView(tips.tail[1], 0)) addItem('t' + k, tips.tail[0] - 6, tips.tail[1] - 6, 12, 12, () => sayf('arrow from %s: go to its other end, %s', itemText(arrowItem(a)), itemText(arrowTarget(a))));
      if (inView(tips.head[1], 0)) addItem('h' + k, tips.head[0] - 6, tips.head[1] - 6, 12, 12, () => sayf('arrow to %s: go to its other end, %s', itemText(arrowTarget(a)), itemText(arrowItem(a))));
    });
  }

  // arrowEndAt returns the end of an arrow at view point (x, y), as the
  // item at its other end, or null.
  function arrowEndAt(x, y) {
    let best = null, bestD = 7 * 7;
    arrows.forEach((a) => {
      if (!arrowShown(a)) return;
      const tips = arrowTips(a);
      for (const [tip, other] of [[tips.tail, arrowTarget(a)], [tips.head, arrowItem(a)]]) {
        const d = (tip[0] - x) ** 2 + (tip[1] - y) ** 2;
        // Several arrows leave one chan.close: a second click goes on to the next.
        if (d < bestD || (d === bestD && best && selected && best.type === selected.type && best.i === selected.i)) {
          best = other;
          bestD = d;
        }
      }
    });
    return best;
  }

  // follow selects the item at the other end of the arrow end with the id
  // of a button: t (tail) or h (head), then the arrow's index.
  function follow(id) {
    const a = arrows[Number(id.slice(1))];
    select(id[0] === 't' ? arrowTarget(a) : arrowItem(a), true);
  }

  // drawArrow draws an S-curve from (x1, y1) to (x2, y2), ending in a head
  // just short of the target marker.
  function drawArrow(c, style, x1, y1, x2, y2, bold) {
    const dir = y2 >= y1 ? 1 : -1;
    const ey = y2 - dir * 8; // stop at the marker's edge
    let sy = y1 + dir * 6, mid = (sy + ey) / 2;
    if (Math.abs(y2 - y1) < 4) { // within one lane: arc over the top
      sy = y1 - 6;
      mid = y1 - 24;
    }
    c.save();
    c.strokeStyle = style.colour;
    c.fillStyle = style.colour;
    c.lineWidth = bold ? style.width + 1.5 : style.width;
    c.setLineDash(style.dash);
    c.beginPath();
    c.moveTo(x1, sy);
    c.bezierCurveTo(x1, mid, x2, mid, x2, ey);
    c.stroke();
    c.setLineDash([]);
    c.beginPath();
    c.moveTo(x2, ey + dir * 1);
    c.lineTo(x2 - 4.5, ey - dir * 7);
    c.lineTo(x2 + 4.5, ey - dir * 7);
    c.closePath();
    c.fill();
    c.restore();
  }

  function niceStep(ns) {
    const p = Math.pow(10, Math.floor(Math.log10(ns)));
    for (const m of [1, 2, 5, 10]) if (m * p >= ns) return m * p;
    return 10 * p;
  }

  function drawGrid(t0, t1, h) {
    const step = niceStep(90 / scale);
    ctx.fillStyle = 'rgba(0,0,0,.06)';
    for (let t = Math.ceil(Math.max(t0, 0) / step) * step; t <= Math.min(t1, D.duration); t += step) {
      ctx.fillRect(Math.round(xOf(t)), AXIS, 1, h);
    }
  }

  function drawAxis(t0, t1, w) {
    const step = niceStep(90 / scale);
    const decimals = Math.max(0, Math.min(6, Math.ceil(-Math.log10(step / 1e6))));
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, AXIS);
    ctx.fillStyle = COLOURS.line;
    ctx.fillRect(0, AXIS - 1, w, 1);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    ctx.fillStyle = COLOURS.ink;
    for (let t = Math.ceil(Math.max(t0, 0) / step) * step; t <= Math.min(t1, D.duration); t += step) {
      const x = Math.round(xOf(t));
      ctx.fillRect(x, AXIS - 7, 1, 6);
      ctx.fillText('+' + (t / 1e6).toFixed(decimals) + ' ms', x + 3, AXIS / 2 - 2);
    }
  }

  // ---- buttons over what is drawn ----
  function addItem(id, x, y, w, h, label) {
    if (items.length < MAX_BUTTONS || id === selectedId()) items.push({ id, x, y, w, h, label });
  }
  let buttons = new Map(); // id → button

  function syncButtons(sl, st) {
    const next = new Map();
    for (const it of items) {
      let b = buttons.get(it.id);
      if (!b) {
        b = el('button', 'item');
        b.type = 'button';
        b.dataset.id = it.id;
        const label = typeof it.label === 'function' ? it.label() : it.label;
        b.setAttribute('aria-label', label);
        b.title = label;
      }
      b.style.cssText = 'left:' + (it.x + sl) + 'px;top:' + (it.y - AXIS + st) + 'px;width:' + it.w + 'px;height:' + it.h + 'px';
      next.set(it.id, b);
    }
    buttons = next;
    keep(spacer, [...next.values()]);
  }

  // keep makes list the children of parent, in order, touching the DOM
  // only when that changes. A focused child stays, even out of view, so
  // that focus is not lost on scrolling.
  const orders = new WeakMap();
  function keep(parent, list) {
    const focused = document.activeElement;
    const hadFocus = focused && focused.parentNode === parent;
    if (hadFocus && !list.includes(focused)) list.push(focused);
    const ids = list.map((b) => b.dataset.id || b.dataset.lane).join(' ');
    if (ids === orders.get(parent)) return;
    parent.replaceChildren(...list);
    orders.set(parent, ids);
    if (hadFocus && document.activeElement !== focused) focused.focus({ preventScroll: true });
  }

  // ---- lane labels ----
  // Only the lanes in view have a label element: a trace with 10k
  // goroutines would otherwise spend seconds laying out their labels.
  let labels = new Map(); // lane → its label

  function syncLabels(first, last) {
    const next = new Map();
    for (let k = Math.max(first, 0); k <= last; k++) {
      const i = order[k];
      const b = labels.get(i) || laneLabel(i);
      b.classList.toggle('selected', selected !== null && selected.type === 'span' && selected.i === lanes[i].span);
      next.set(i, b);
    }
    labels = next;
    keep(labelsInner, [...next.values()]);
    body.dataset.lanesVisible = String(next.size);
  }

  // laneLabel is a lane's label: a button that selects the goroutine,
  // and for a lane with a group, a button that opens or closes it.
  function laneLabel(i) {
    const l = lanes[i];
    const d = el('div', 'lane' + (l.pos % 2 ? ' odd' : '') + (l.group >= 0 && lanes[l.group].pos >= 0 ? ' member' : ''));
    d.dataset.lane = String(i);
    d.style.top = l.top + 'px';
    d.style.height = l.height + 'px';
    const b = el('button', 'lane-name');
    b.type = 'button';
    b.dataset.lane = String(i);
    const name = el('span', 'name');
    if (l.side) name.append(el('span', 'side side-' + l.side, l.side));
    name.append(el('span', 'seq', l.seq ? '#' + l.seq : ''), l.name);
    const by = el('span', 'by');
    if (l.span >= 0) {
      const p = sp.parent[l.span];
      const ran = sayf('ran %s → %s', at(sp.start[l.span]), at(sp.end[l.span]));
      by.textContent = p >= 0 ? sayf('started by %s, %s', str(sp.name[p]), ran) : ran;
      if (sp.status[l.span]) {
        d.classList.add('failed');
        by.textContent = sayf('✖ panicked · %s', by.textContent);
      }
    } else {
      by.textContent = say('the main goroutine');
    }
    if (l.only) by.prepend(el('span', 'only', l.side === 'A' ? say('only in A') : say('only in B')), ' · ');
    b.append(name, by);
    b.title = (l.side ? l.side + ': ' : '') + l.name + (l.span >= 0 ? ' (goroutine.seq ' + l.seq + ')' : '');
    d.append(b);
    if (l.members.length) {
      const n = l.members.length.toLocaleString('en');
      const t = el('button', 'group-toggle', l.members.length > 1
        ? (l.open ? sayf('▾ hide %s request goroutines', n) : sayf('▸ show %s request goroutines', n))
        : (l.open ? say('▾ hide 1 request goroutine') : say('▸ show 1 request goroutine')));
      t.type = 'button';
      t.dataset.group = String(i);
      t.setAttribute('aria-expanded', String(l.open));
      t.title = say('The goroutines started for the requests this goroutine served, one per request (WithTimeout\'s)');
      d.append(t);
    }
    return d;
  }

  // setOpen opens or closes the group of lane i.
  function setOpen(i, open) {
    lanes[i].open = open;
    layout();
    draw();
  }

  // ---- text ----
  const at = (t) => '+' + (t / 1e6).toFixed(3) + ' ms';
  const duration = (d) => (d / 1e6).toFixed(3) + ' ms';
  function markText(e) {
    const kv = ev.attrs[e], mark = markOf(e);
    if (mark.startsWith('chan.')) return attr(kv, 'chan.name');
    if (mark.startsWith('listener.')) return ':' + attr(kv, 'network.local.port');
    if (mark === 'panic') return 'panic: ' + attr(kv, 'exception.message');
    return str(ev.name[e]);
  }
  function spanLabel(s) {
    return sayf('%s %s, %s from %s', str(sp.kind[s]), str(sp.name[s]), duration(sp.end[s] - sp.start[s]), at(sp.start[s])) +
      (sp.status[s] ? say(', failed') : '');
  }
  function itemText(item) {
    const i = item.i;
    if (item.type === 'span') return (sp.row[i] < 0 ? 'goroutine' : str(sp.kind[i])) + ' ' + str(sp.name[i]);
    return sayf('%s %s in %s', markOf(i), markText(i), lanes[sp.lane[ev.span[i]]].name);
  }
  function eventLabel(e) {
    const mark = markOf(e);
    const what = mark === 'log' ? 'log: ' + str(ev.name[e]) : mark + ' ' + markText(e);
    return sayf('%s at %s in %s', what, at(ev.time[e]), lanes[sp.lane[ev.span[e]]].name);
  }

  // ---- selection and details ----
  const selectedId = () => (selected ? (selected.type === 'span' ? 's' : 'e') + selected.i : '');
  const isSelected = (type, i) => selected !== null && selected.type === type && selected.i === i;
  const parseId = (id) => ({ type: id[0] === 's' ? 'span' : 'event', i: Number(id.slice(1)) });
  const isArrowEnd = (id) => id[0] === 't' || id[0] === 'h';

  function select(item, focus) {
    selected = item;
    showDetails(item);
    if (item) reveal(item);
    draw();
    if (focus && item) {
      const b = buttons.get(selectedId());
      if (b) b.focus({ preventScroll: true });
    }
  }

  // reveal scrolls so that item is in view, leaving the zoom alone.
  function reveal(item) {
    show(item.type === 'span' ? sp.lane[item.i] : sp.lane[ev.span[item.i]]);
    if (item.type === 'span' && sp.row[item.i] >= 0 && !barShown(item.i)) setDepth(Infinity);
    let l, t0, t1, y;
    if (item.type === 'span') {
      l = sp.lane[item.i];
      t0 = sp.start[item.i];
      t1 = sp.end[item.i];
      y = lanes[l].top + (sp.row[item.i] >= 0 ? EVROW + sp.row[item.i] * ROW : 0);
    } else {
      l = sp.lane[ev.span[item.i]];
      t0 = t1 = ev.time[item.i];
      y = lanes[l].top;
    }
    const x0 = MARGIN + t0 * scale, x1 = MARGIN + t1 * scale;
    const sl = scroller.scrollLeft;
    if (x1 < sl + 10 || x0 > sl + viewW - 10) {
      const mid = (x0 + Math.min(x1, x0 + viewW)) / 2; // of the item, or of its first screenful
      scroller.scrollLeft = Math.max(0, mid - viewW / 2);
    }
    if (y < scroller.scrollTop || y + ROW > scroller.scrollTop + viewH) scroller.scrollTop = Math.max(0, y - viewH / 3);
  }

  function el(tag, cls, text) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = text;
    return n;
  }
  function linkTo(item, text) {
    const b = el('button', 'link', text);
    b.type = 'button';
    b.addEventListener('click', () => select(item, true));
    return b;
  }
  function attrTable(kv) {
    const t = el('table');
    for (let j = 0; j + 1 < kv.length; j += 2) {
      const tr = el('tr');
      tr.append(el('td', '', S[kv[j]]), el('td', '', S[kv[j + 1]]));
      t.append(tr);
    }
    return t;
  }

  function showDetails(item) {
    details.replaceChildren();
    if (!item) {
      details.append(el('p', 'hint', say('Click a bar, a marker or a goroutine\'s name to see its attributes and events here.')));
    } else if (item.type === 'span') {
      spanDetails(item.i);
    } else {
      eventDetails(item.i);
    }
  }

  function spanDetails(s) {
    const kind = str(sp.kind[s]), lane = lanes[sp.lane[s]], kv = sp.attrs[s];
    details.append(el('h2', '', str(sp.name[s])));
    const meta = el('p', 'meta');
    const when = at(sp.start[s]) + ' → ' + at(sp.end[s]) + ' (' + duration(sp.end[s] - sp.start[s]) + ')';
    meta.append(el('span', 'kind', kind), sp.row[s] < 0 ? when : sayf('in %s, %s', lane.name, when));
    details.append(meta);
    if (sp.status[s]) details.append(el('p', 'failed', '✖ ' + str(sp.status[s])));
    const link = el('a', 'permalink', say('link to this span'));
    link.href = '#span=' + sp.id[s];
    link.title = sayf('This page, opened at this span: %s', '#span=' + sp.id[s]);
    const actions = el('p', 'actions');
    actions.append(link);
    if (kind === 'step') {
      const only = el('button', 'link', say('only the goroutines it started'));
      only.type = 'button';
      only.addEventListener('click', () => setFilters('', str(sp.name[s])));
      actions.append(' · ', only);
    }
    if (sp.row[s] < 0 && lane.members.length) {
      const n = lane.members.length.toLocaleString('en');
      const t = el('button', 'link', lane.open ? sayf('hide the %s goroutines of its requests', n) : sayf('show the %s goroutines of its requests', n));
      t.type = 'button';
      t.addEventListener('click', () => {
        setOpen(lane.i, !lane.open);
        showDetails(selected);
      });
      actions.append(' · ', t);
    }
    details.append(actions);
    if (sp.upstream[s]) {
      details.append(el('h3', '', say('Upstream')));
      const a = el('a', '', attr(kv, 'walkthrough.upstream.file') + ' @ ' + attr(kv, 'walkthrough.upstream.ref'));
      a.href = str(sp.upstream[s]);
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      const p = el('p');
      p.append(sayf('%s in ', attr(kv, 'walkthrough.upstream.function')), a);
      details.append(p);
    }
    if (sp.source[s]) {
      details.append(el('h3', '', say('Our code')));
      const p = el('p');
      p.append(el('code', '', str(sp.source[s])));
      details.append(p);
    }
    if (sp.parent[s] >= 0) {
      const p = sp.parent[s];
      details.append(el('h3', '', sp.row[s] < 0 ? say('Started by') : sp.row[p] < 0 ? say('Runs in goroutine') : say('Called from')));
      details.append(linkTo({ type: 'span', i: sp.parent[s] }, str(sp.name[sp.parent[s]])));
    }
    details.append(el('h3', '', say('Attributes')), attrTable(kv));
    const es = spanEvents[s] || [];
    details.append(el('h3', '', sayf('Events (%s)', es.length)));
    const ol = el('ol');
    for (const e of es) {
      const li = el('li');
      li.append(el('span', 'time', at(ev.time[e])));
      li.append(ev.mark[e] ? linkTo({ type: 'event', i: e }, str(ev.name[e])) : str(ev.name[e]));
      const extra = [];
      for (let j = 0; j + 1 < ev.attrs[e].length; j += 2) extra.push(S[ev.attrs[e][j]] + '=' + S[ev.attrs[e][j + 1]]);
      if (extra.length) li.append(el('div', 'meta', extra.join(' · ')));
      ol.append(li);
    }
    details.append(ol);
  }

  const RELATION = {
    'wake-true': say('Woke'), 'wake-false': say('Woken by the close in'),
    'accept-true': say('Then, in the serving goroutine'), 'accept-false': say('After the listener was closed in'),
  };

  function eventDetails(e) {
    const s = ev.span[e], lane = lanes[sp.lane[s]], mark = markOf(e);
    details.append(el('h2', '', mark === 'log' ? str(ev.name[e]) : mark + ' ' + markText(e)));
    const meta = el('p', 'meta');
    meta.append(el('span', 'kind', mark === 'log' ? 'log' : 'event'), sayf('%s in %s', at(ev.time[e]), lane.name));
    details.append(meta);
    details.append(el('h3', '', say('On')));
    details.append(linkTo({ type: 'span', i: s }, str(sp.kind[s]) + ' ' + str(sp.name[s])));
    let heading = '', ol = null;
    for (const r of related.get(e) || []) {
      if (RELATION[r.kind + '-' + r.out] !== heading) {
        heading = RELATION[r.kind + '-' + r.out];
        ol = el('ol');
        details.append(el('h3', '', heading), ol);
      }
      const o = r.other, li = el('li');
      li.append(linkTo({ type: 'event', i: o }, sayf('%s %s in %s at %s', markOf(o), markText(o), lanes[sp.lane[ev.span[o]]].name, at(ev.time[o]))));
      ol.append(li);
    }
    details.append(el('h3', '', say('Attributes')), attrTable(ev.attrs[e]));
  }

  // ---- keyboard ----
  function laneItems(l) {
    const lane = lanes[l];
    if (!lane.items) {
      const list = [];
      for (const row of lane.bars) for (const s of row) if (barShown(s)) list.push({ id: 's' + s, t: sp.start[s] });
      for (const e of lane.marks) list.push({ id: 'e' + e, t: ev.time[e] });
      list.sort((a, b) => a.t - b.t);
      lane.items = list;
    }
    return lane.items;
  }
  function itemLane(item) {
    return item.type === 'span' ? sp.lane[item.i] : sp.lane[ev.span[item.i]];
  }
  function itemTime(item) {
    return item.type === 'span' ? sp.start[item.i] : ev.time[item.i];
  }
  function step(item, key) {
    const l = itemLane(item);
    const t = itemTime(item);
    if (key === 'ArrowLeft' || key === 'ArrowRight') {
      const list = laneItems(l), id = (item.type === 'span' ? 's' : 'e') + item.i;
      const k = list.findIndex((x) => x.id === id) + (key === 'ArrowRight' ? 1 : -1);
      return k >= 0 && k < list.length ? parseId(list[k].id) : null;
    }
    const d = key === 'ArrowDown' ? 1 : -1;
    for (let k = lanes[l].pos + d; k >= 0 && k < order.length; k += d) {
      const list = laneItems(order[k]);
      if (!list.length) continue;
      let best = list[0];
      for (const x of list) if (Math.abs(x.t - t) < Math.abs(best.t - t)) best = x;
      return parseId(best.id);
    }
    return null;
  }

  function onItemKey(e) {
    const b = e.target.closest('.item');
    if (!b || isArrowEnd(b.dataset.id) || !['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'].includes(e.key)) return;
    const next = step(parseId(b.dataset.id), e.key);
    e.preventDefault();
    if (next) select(next, true);
  }

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const mid = viewW / 2;
    switch (e.key) {
      case '+': case '=': setScale(scale * 1.5, mid); break;
      case '-': case '_': setScale(scale / 1.5, mid); break;
      case '0': setScale(minScale(), 0); break;
      case ']': handoff(1); break;
      case '[': handoff(-1); break;
      case 'Escape': select(null); break;
      default: return;
    }
    e.preventDefault();
  }

  let handoffAt = -1;
  // handoff selects the next (or previous) event that woke another
  // goroutine, and zooms to show it with everything it woke.
  function handoff(dir) {
    if (!handoffs.length) return;
    handoffAt = (handoffAt + dir + handoffs.length) % handoffs.length;
    const h = handoffs[handoffAt];
    let a = ev.time[h.e], b = a;
    for (const o of h.outs) b = Math.max(b, ev.time[o]);
    const pad = Math.max((b - a) * 0.6, 50e3);
    showRange(Math.max(0, a - pad), b + pad);
    select({ type: 'event', i: h.e }, true);
  }

  // ---- pointer ----
  // hit returns what a click at (clientX, clientY) selects: the other
  // end of an arrow whose end it hit, else the marker or bar under it.
  function hit(clientX, clientY) {
    const r = scroller.getBoundingClientRect();
    const end = arrowEndAt(clientX - r.left, clientY - r.top + AXIS);
    if (end) return end;
    const x = clientX - r.left + scroller.scrollLeft, y = clientY - r.top + scroller.scrollTop;
    const t = (x - MARGIN) / scale, tol = 6 / scale;
    const k = posAt(y);
    if (k < 0) return null;
    const lane = lanes[order[k]], dy = y - lane.top;
    if (dy < EVROW) {
      let best = null;
      for (let k = firstEventAt(lane.marks, t - tol); k < lane.marks.length && ev.time[lane.marks[k]] <= t + tol; k++) {
        const e = lane.marks[k];
        if (!best || Math.abs(ev.time[e] - t) < Math.abs(ev.time[best] - t)) best = e;
      }
      return best === null ? null : { type: 'event', i: best };
    }
    const r0 = Math.floor((dy - EVROW) / ROW), row = r0 < lane.shownRows ? lane.bars[r0] : null;
    if (!row) return null;
    for (let j = firstEnding(row, t - tol); j < row.length && sp.start[row[j]] <= t + tol; j++) {
      if (barShown(row[j])) return { type: 'span', i: row[j] };
    }
    return null;
  }

  // ---- wiring ----
  scroller.addEventListener('scroll', requestDraw, { passive: true });
  scroller.addEventListener('wheel', (e) => {
    if (!(e.ctrlKey || e.metaKey)) return;
    e.preventDefault();
    const r = scroller.getBoundingClientRect();
    setScale(scale * Math.exp(-e.deltaY * 0.002), e.clientX - r.left);
  }, { passive: false });
  $('labels').addEventListener('wheel', (e) => {
    scroller.scrollTop += e.deltaY;
    e.preventDefault();
  }, { passive: false });
  spacer.addEventListener('click', (e) => {
    const b = e.target.closest('.item');
    if (b && isArrowEnd(b.dataset.id)) follow(b.dataset.id);
    else select(b ? parseId(b.dataset.id) : hit(e.clientX, e.clientY), !!b);
  });
  spacer.addEventListener('keydown', onItemKey);
  labelsInner.addEventListener('click', (e) => {
    const t = e.target.closest('.group-toggle');
    if (t) {
      const i = Number(t.dataset.group);
      setOpen(i, !lanes[i].open);
      const again = labelsInner.querySelector('.group-toggle[data-group="' + i + '"]');
      if (again) again.focus({ preventScroll: true });
      return;
    }
    const b = e.target.closest('.lane-name');
    if (!b) return;
    const lane = lanes[Number(b.dataset.lane)];
    if (lane.span >= 0) select({ type: 'span', i: lane.span });
    else scroller.scrollTop = lane.top;
  });
  document.addEventListener('keydown', onKey);
  $('zoom-in').addEventListener('click', () => setScale(scale * 1.5, viewW / 2));
  $('zoom-out').addEventListener('click', () => setScale(scale / 1.5, viewW / 2));
  $('zoom-fit').addEventListener('click', () => setScale(minScale(), 0));
  $('handoff-next').addEventListener('click', () => handoff(1));
  $('handoff-prev').addEventListener('click', () => handoff(-1));
  $('handoff-next').disabled = $('handoff-prev').disabled = handoffs.length === 0;
  window.addEventListener('resize', () => {
    const fit = scale <= minScale() * 1.0001;
    resize();
    if (fit) setScale(minScale(), 0);
    else draw();
  });

  // The legend draws the same shapes as the timeline.
  for (const c of document.querySelectorAll('.legend canvas')) {
    const g = c.getContext('2d');
    if (c.dataset.mark) drawMark(g, c.dataset.mark, 8, 8);
    else drawArrow(g, ARROW_STYLE[c.dataset.arrow], 3, 2, 25, 15, false);
  }

  // ---- filters ----
  // setFilters shows only the lanes whose name contains text (any case)
  // and that step started; empty strings show every lane.
  function setFilters(text, step) {
    laneFilter.value = text;
    filterText = text.trim().toLowerCase();
    if (step && !laneStep.querySelector('option[value="' + CSS.escape(step) + '"]')) laneStep.append(new Option(step, step));
    laneStep.value = filterStep = step;
    layout();
    draw();
  }
  // fillSteps lists, once, the steps that started goroutines.
  let stepsListed = false;
  function fillSteps() {
    if (stepsListed) return;
    stepsListed = true;
    const names = new Set();
    for (const l of lanes) if (l.group < 0) for (const n of stepsOf(l)) names.add(n);
    for (const n of [...names].sort()) if (n !== filterStep) laneStep.append(new Option(n, n));
  }
  // setDepth folds bars nested deeper than depth (Infinity: none).
  function setDepth(depth) {
    maxDepth = depth;
    depthSelect.value = depth === Infinity ? '' : String(depth);
    layout();
    draw();
  }
  laneFilter.addEventListener('input', () => setFilters(laneFilter.value, filterStep));
  laneStep.addEventListener('focus', fillSteps);
  laneStep.addEventListener('pointerdown', fillSteps);
  laneStep.addEventListener('change', () => setFilters(laneFilter.value, laneStep.value));
  depthSelect.addEventListener('change', () => setDepth(depthSelect.value ? Number(depthSelect.value) : Infinity));

  // The address can ask for a place: #span=ID selects the span with that
  // span ID, #span=NAME the first span of that name, #chapter=SLUG shows
  // the steps of a chapter, #t=A-B the milliseconds from A to B;
  // #goroutine=TEXT and #step=NAME set the filters.
  function fromHash() {
    const q = new URLSearchParams(location.hash.slice(1));
    if (q.has('goroutine') || q.has('step')) setFilters(q.get('goroutine') || '', q.get('step') || '');
    if (q.has('t')) {
      const [a, b] = q.get('t').split('-').map(Number);
      if (isFinite(a) && isFinite(b) && b > a) showRange(a * 1e6, b * 1e6);
    }
    const name = q.get('span'), chapter = q.get('chapter');
    let found = name ? sp.id.indexOf(name) : -1, a = Infinity, b = -Infinity;
    for (let s = 0; s < nSpans && (chapter || found < 0); s++) {
      if (name && str(sp.name[s]) === name) found = s;
      if (chapter && attr(sp.attrs[s], 'walkthrough.chapter') === chapter && str(sp.kind[s]) === 'step') {
        if (found < 0) found = s;
        a = Math.min(a, sp.start[s]);
        b = Math.max(b, sp.end[s]);
      }
    }
    if (found < 0) return;
    if (!chapter) {
      a = sp.start[found];
      b = sp.end[found];
    }
    const pad = (b - a) * (chapter ? 0.05 : 0.3);
    show(sp.lane[found]);
    if (chapter || !q.has('t')) showRange(Math.max(0, a - pad), b + pad);
    select({ type: 'span', i: found });
  }
  window.addEventListener('hashchange', fromHash);

  // #bench measures the page (docs/viewing-traces.md quotes it): it draws
  // 200 frames at other scroll positions and zooms, and records on body
  // how long a frame took.
  function bench() {
    const times = [];
    for (let k = 0; k < 200; k++) {
      const t = performance.now();
      if (k % 50 === 0) setScale(minScale() * Math.pow(8, k / 50), viewW / 2);
      scroller.scrollTop = (contentH - viewH) * ((k * 37) % 200) / 200;
      scroller.scrollLeft = (spacer.scrollWidth - viewW) * ((k * 53) % 200) / 200;
      draw();
      times.push(performance.now() - t);
    }
    times.sort((x, y) => x - y);
    body.dataset.frameMsMedian = times[100].toFixed(2);
    body.dataset.frameMsMax = times[199].toFixed(2);
    setScale(minScale(), 0);
  }

  layout();
  resize();
  setScale(minScale(), 0);
  fromHash();
  body.dataset.lanesDrawn = String(lanes.length);
  body.dataset.scriptMs = (performance.now() - loadStart).toFixed(0);
  body.dataset.loadMs = performance.now().toFixed(0); // since navigation started
  if (location.hash === '#bench') bench();
  if (body.dataset.rendered !== 'error') body.dataset.rendered = 'ok';
})();
