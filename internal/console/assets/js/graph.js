// The graph of a state machine's definition (Amazon States Language),
// drawn as SVG by a small layered layout of our own: states are ranked by
// their longest path from the start (loops set aside and drawn around the
// side), edges that skip ranks get waypoints, each rank is ordered by its
// neighbours' positions, and Parallel branches and Map iterations are
// laid out inside their state's box. An execution colours each state by
// how it went.
const NS = "http://www.w3.org/2000/svg";
const GAP_X = 28, GAP_Y = 44, NODE_H = 44, PAD = 14, HEAD = 26;

function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function label(name) {
  return name.length > 28 ? name.slice(0, 27) + "…" : name;
}

// edgesOf lists a state's transitions: Next, a Choice's rules and
// Default, Catch; End and the terminal types go to the end.
function edgesOf(name, s) {
  const out = [];
  if (s.Next) out.push([name, s.Next, ""]);
  for (const c of s.Choices || []) if (c.Next) out.push([name, c.Next, ""]);
  if (s.Default) out.push([name, s.Default, "default"]);
  for (const c of s.Catch || []) if (c.Next) out.push([name, c.Next, "catch"]);
  if (s.End || s.Type === "Succeed" || s.Type === "Fail") out.push([name, "__end", ""]);
  return out;
}

// inner lays out the sub-machines of a Parallel or Map state.
function inner(s) {
  if (s.Type === "Parallel") return (s.Branches || []).map((b) => level(b.States || {}, b.StartAt));
  const p = s.ItemProcessor || s.Iterator;
  return s.Type === "Map" && p ? [level(p.States || {}, p.StartAt)] : [];
}

function sizeOf(name, s) {
  const subs = s ? inner(s) : [];
  if (subs.length) {
    const w = subs.reduce((a, l) => a + l.w, 0) + GAP_X * (subs.length - 1) + 2 * PAD;
    return { w: Math.max(w, 160), h: Math.max(...subs.map((l) => l.h)) + HEAD + PAD, subs };
  }
  if (!s) return { w: 64, h: 26, subs }; // start and end
  return { w: Math.min(230, Math.max(120, label(name).length * 7 + 26)), h: NODE_H, subs };
}

// ranks ranks nodes by their longest path from start, over the edges that
// are not back edges (those a depth-first search finds closing a loop).
function ranks(ids, succ, start) {
  const mark = {}, back = new Set(), post = [];
  const visit = (v) => {
    mark[v] = 1;
    for (const w of succ[v]) {
      if (mark[w] === 1) back.add(v + "\0" + w);
      else if (!mark[w]) visit(w);
    }
    mark[v] = 2;
    post.push(v);
  };
  visit(start);
  for (const v of ids) if (!mark[v]) visit(v);
  const topo = post.reverse();
  const rank = Object.fromEntries(ids.map((v) => [v, 0]));
  for (const v of topo) for (const w of succ[v]) if (!back.has(v + "\0" + w)) rank[w] = Math.max(rank[w], rank[v] + 1);
  return { rank, back, topo };
}

// order sorts each rank by the mean position of its neighbours in the
// rank before (and, going up, after), a few times.
function order(layers, preds, succs) {
  const pos = {};
  const index = () => layers.forEach((l) => l.forEach((v, i) => (pos[v] = i)));
  index();
  const sweep = (l, near) => {
    const key = (v) => (near[v].length ? near[v].reduce((a, w) => a + pos[w], 0) / near[v].length : pos[v]);
    l.sort((a, b) => key(a) - key(b));
    l.forEach((v, i) => (pos[v] = i));
  };
  for (let k = 0; k < 4; k++) {
    for (let r = 1; r < layers.length; r++) sweep(layers[r], preds);
    for (let r = layers.length - 2; r >= 0; r--) sweep(layers[r], succs);
  }
}

// place gives every node its x and y: ranks stacked, each node as near
// the middle of its predecessors as its left neighbour allows.
function place(layers, nodes, preds) {
  let y = PAD;
  for (const l of layers) {
    const h = Math.max(...l.map((v) => nodes[v].h));
    let right = -Infinity;
    for (const v of l) {
      const n = nodes[v];
      const ps = preds[v].filter((p) => nodes[p].x !== undefined);
      const want = ps.length ? ps.reduce((a, p) => a + nodes[p].x + nodes[p].w / 2, 0) / ps.length - n.w / 2 : 0;
      n.x = Math.max(want, right + (n.dummy ? GAP_X / 3 : GAP_X));
      n.y = y + (h - n.h) / 2;
      right = n.x + n.w;
    }
    y += h + GAP_Y;
  }
  const minX = Math.min(...Object.values(nodes).map((n) => n.x));
  for (const n of Object.values(nodes)) n.x += PAD - minX;
  return { w: Math.max(...Object.values(nodes).map((n) => n.x + n.w)) + PAD, h: y - GAP_Y + PAD };
}

// level lays out one machine: its states, start and end.
function level(states, startAt) {
  const nodes = { __start: { name: "Start", ...sizeOf("Start") }, __end: { name: "End", ...sizeOf("End") } };
  for (const [name, s] of Object.entries(states)) nodes[name] = { name, state: s, ...sizeOf(name, s) };
  const edges = [["__start", startAt, ""], ...Object.entries(states).flatMap(([n, s]) => edgesOf(n, s))].filter(([, to]) => nodes[to]);
  const ids = Object.keys(nodes);
  const succ = Object.fromEntries(ids.map((v) => [v, []]));
  for (const [a, b] of edges) succ[a].push(b);
  const { rank, back } = ranks(ids, succ, "__start");
  const preds = Object.fromEntries(ids.map((v) => [v, []]));
  const succs = Object.fromEntries(ids.map((v) => [v, []]));
  const chains = [];
  let dummies = 0;
  for (const [a, b, kind] of edges) {
    if (back.has(a + "\0" + b)) {
      chains.push({ path: [a, b], kind, back: true });
      continue;
    }
    const path = [a];
    for (let r = rank[a] + 1; r < rank[b]; r++) {
      const d = "__d" + dummies++;
      nodes[d] = { w: 0, h: 0, dummy: true, subs: [] };
      rank[d] = r;
      preds[d] = [];
      succs[d] = [];
      path.push(d);
    }
    path.push(b);
    for (let i = 1; i < path.length; i++) {
      preds[path[i]].push(path[i - 1]);
      succs[path[i - 1]].push(path[i]);
    }
    chains.push({ path, kind });
  }
  const layers = [];
  for (const v of Object.keys(nodes)) (layers[rank[v]] ||= []).push(v);
  const filled = layers.filter(Boolean);
  order(filled, preds, succs);
  return { nodes, chains, ...place(filled, nodes, preds) };
}

function edgePath(chain, nodes, w) {
  const pts = chain.path.map((v) => nodes[v]);
  const [s, t] = [pts[0], pts[pts.length - 1]];
  if (chain.back) { // around the right side, from the loop's end up to its start
    const sx = s.x + s.w, sy = s.y + s.h / 2, tx = t.x + t.w, ty = t.y + t.h / 2;
    const cx = Math.min(w - 4, Math.max(sx, tx) + 40);
    return { d: `M${sx},${sy} C${cx},${sy} ${cx},${ty} ${tx + 2},${ty}`, mid: [cx - 6, (sy + ty) / 2] };
  }
  const xy = pts.map((n, i) => [n.x + n.w / 2, i === 0 ? n.y + n.h : n.dummy ? n.y : n.y - 2]);
  let d = `M${xy[0][0]},${xy[0][1]}`;
  for (let i = 1; i < xy.length; i++) {
    const [[x0, y0], [x1, y1]] = [xy[i - 1], xy[i]];
    const my = (y0 + y1) / 2;
    d += ` C${x0},${my} ${x1},${my} ${x1},${y1}`;
  }
  const m = xy[Math.floor(xy.length / 2)];
  return { d, mid: [m[0] + 4, m[1] - 6] };
}

function draw(g, l, ox, oy, statusOf) {
  const group = svg("g", { transform: `translate(${ox},${oy})` });
  for (const c of l.chains) {
    const { d, mid } = edgePath(c, l.nodes, l.w);
    group.append(svg("path", { d, class: "edge" + (c.kind === "catch" ? " catch" : ""), "marker-end": "url(#arrow)" }));
    if (c.kind) group.append(svg("text", { x: mid[0], y: mid[1], class: "label" }, c.kind));
  }
  for (const [id, n] of Object.entries(l.nodes)) {
    if (n.dummy) continue;
    const terminal = id === "__start" || id === "__end";
    const cls = "node " + (terminal ? "terminal" : statusOf(n.name) || "");
    const node = svg("g", { class: cls.trim(), "data-state": terminal ? undefined : n.name }, svg("title", {}, n.name + (n.state ? " (" + n.state.Type + ")" : "")),
      svg("rect", { x: n.x, y: n.y, width: n.w, height: n.h, rx: terminal ? 13 : 6 }));
    if (n.subs.length) {
      node.append(svg("text", { x: n.x + 10, y: n.y + 17 }, label(n.name)), svg("text", { x: n.x + n.w - 10, y: n.y + 17, class: "kind", "text-anchor": "end" }, n.state.Type));
      let x = n.x + PAD;
      for (const sub of n.subs) {
        draw(node, sub, x, n.y + HEAD, statusOf);
        x += sub.w + GAP_X;
      }
    } else if (terminal) {
      node.append(svg("text", { x: n.x + n.w / 2, y: n.y + 17, "text-anchor": "middle", class: "kind" }, n.name));
    } else {
      node.append(svg("text", { x: n.x + n.w / 2, y: n.y + 19, "text-anchor": "middle" }, label(n.name)),
        svg("text", { x: n.x + n.w / 2, y: n.y + 34, "text-anchor": "middle", class: "kind" }, n.state.Type));
    }
    group.append(node);
  }
  g.append(group);
}

// graph returns an SVG drawing of definition (the ASL as an object);
// statusOf(name) may return "succeeded", "failed", "running" or "caught".
export function graph(definition, statusOf = () => "") {
  const l = level(definition.States || {}, definition.StartAt);
  const count = Object.keys(definition.States || {}).length;
  const root = svg("svg", { width: l.w, height: l.h, viewBox: `0 0 ${l.w} ${l.h}`, role: "img",
    "aria-label": `The state machine's graph: ${count} states from ${definition.StartAt}` },
  svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" },
    svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }))));
  draw(root, l, 0, 0, statusOf);
  return root;
}
