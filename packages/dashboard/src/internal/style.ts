/**
 * The page's stylesheet. It lives in the page (no external file, no web font) so the dashboard
 * works offline and behind any proxy; the Content-Security-Policy admits it by hash.
 */
export const STYLE = `
:root {
  color-scheme: light dark;
  --bg: #f3f5f8; --panel: #fff; --ink: #1f2328; --muted: #59636e; --line: #d5dce3;
  --head: #1c2128; --head-ink: #f0f3f6; --head-muted: #aab4be; --focus: #0969da;
  --success: #1a7f37; --short: #0969da; --rejected: #8250df; --timeout: #bc4c00;
  --failure: #cf222e; --fallback: #57606a; --active: #0969da; --queued: #9a6700;
  --idle: #afb8c1; --spark: #0969da; --spark-fill: rgba(9, 105, 218, .12);
  --closed-bg: #dafbe1; --closed-ink: #116329; --closed-line: #9be9a8;
  --open-bg: #cf222e; --open-ink: #fff; --open-line: #cf222e;
  --half-bg: #fff8c5; --half-ink: #7d4e00; --half-line: #e9c84f;
  --iso-bg: #fbefff; --iso-ink: #6639ba; --iso-line: #d8b9ff;
  --lost-bg: #ffebe9; --lost-ink: #82071e; --lost-line: #ff818266;
  --back-bg: #dafbe1; --back-ink: #116329; --back-line: #4ac26b66;
  --shadow: 0 1px 2px rgba(31, 35, 40, .06), 0 1px 8px rgba(31, 35, 40, .04);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --panel: #161b22; --ink: #e6edf3; --muted: #9198a1; --line: #30363d;
    --head: #010409; --focus: #4493f8;
    --success: #3fb950; --short: #4493f8; --rejected: #ab7df8; --timeout: #db6d28;
    --failure: #f85149; --fallback: #9198a1; --active: #4493f8; --queued: #d29922;
    --idle: #484f58; --spark: #4493f8; --spark-fill: rgba(68, 147, 248, .15);
    --closed-bg: rgba(46, 160, 67, .15); --closed-ink: #3fb950; --closed-line: rgba(46, 160, 67, .4);
    --open-bg: #da3633; --open-ink: #fff; --open-line: #f85149;
    --half-bg: rgba(187, 128, 9, .15); --half-ink: #d29922; --half-line: rgba(187, 128, 9, .5);
    --iso-bg: rgba(137, 87, 229, .15); --iso-ink: #ab7df8; --iso-line: rgba(137, 87, 229, .5);
    --lost-bg: rgba(248, 81, 73, .12); --lost-ink: #ff9492; --lost-line: rgba(248, 81, 73, .4);
    --back-bg: rgba(46, 160, 67, .15); --back-ink: #56d364; --back-line: rgba(46, 160, 67, .4);
    --shadow: none;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans",
    "Liberation Sans", Arial, sans-serif;
  font-variant-numeric: tabular-nums;
}
h1, h2, h3, p, dl, dd, figure { margin: 0; }
button, input { font: inherit; color: inherit; }
:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
  white-space: nowrap;
}
.skip { position: absolute; left: 8px; top: -48px; z-index: 2; padding: 8px 12px;
  background: var(--panel); color: var(--ink); border-radius: 6px; }
.skip:focus { top: 8px; }

.top {
  display: flex; flex-wrap: wrap; align-items: center; gap: 10px 20px;
  padding: 12px 24px; background: var(--head); color: var(--head-ink);
}
.brand { display: flex; align-items: center; gap: 10px; min-width: 0; margin-right: auto; }
.brand svg { flex: none; }
.brand h1 { font-size: 17px; font-weight: 650; letter-spacing: .01em; overflow-wrap: anywhere; }
.conn {
  display: inline-flex; align-items: center; gap: 7px; padding: 3px 10px; border-radius: 999px;
  border: 1px solid #ffffff2e; font-size: 13px; font-weight: 600; white-space: nowrap;
}
.conn .dot { width: 8px; height: 8px; border-radius: 50%; background: #8c959f; }
.conn[data-state="live"] .dot { background: #3fb950; box-shadow: 0 0 0 3px #3fb95040; }
.conn[data-state="lost"] .dot { background: #f85149; box-shadow: 0 0 0 3px #f8514940; }
.source { display: flex; align-items: center; gap: 8px; flex: 1 1 320px; max-width: 520px; }
.source label { color: var(--head-muted); font-size: 13px; }
.source input {
  flex: 1; min-width: 0; padding: 6px 10px; border-radius: 6px; border: 1px solid #ffffff33;
  background: #ffffff14; color: var(--head-ink);
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 13px;
}
.source button, .sort button {
  padding: 6px 12px; border-radius: 6px; cursor: pointer; font-weight: 600; font-size: 13px;
}
.source button { border: 1px solid #ffffff40; background: #ffffff1f; color: var(--head-ink); }
.source button:hover { background: #ffffff33; }
.top :focus-visible { outline-color: #79c0ff; }

.banner:not(:empty) { padding: 0 24px; margin-top: 14px; }
.banner p {
  display: flex; align-items: center; gap: 10px; padding: 10px 14px; border-radius: 8px;
  font-weight: 600; border: 1px solid;
}
.banner p::before { content: ""; flex: none; width: 10px; height: 10px; border-radius: 50%;
  background: currentColor; }
.banner .lost { background: var(--lost-bg); color: var(--lost-ink); border-color: var(--lost-line); }
.banner .back { background: var(--back-bg); color: var(--back-ink); border-color: var(--back-line); }

main { display: grid; gap: 24px; padding: 18px 24px 8px; }
@media (min-width: 1100px) { main { grid-template-columns: minmax(0, 1fr) 270px; } }
main.stale .card { opacity: .55; }
.panel-head { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 16px;
  margin-bottom: 12px; min-height: 34px; }
.panel-head h2 { font-size: 15px; font-weight: 650; margin-right: auto; }
.panel-head h2 .count { color: var(--muted); font-weight: 500; margin-left: 6px; }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 14px; }
.sort { display: inline-flex; align-items: center; gap: 4px; }
.sort .label, .filter span { color: var(--muted); font-size: 13px; margin-right: 4px; }
.sort button { border: 1px solid var(--line); background: var(--panel); color: var(--ink);
  font-weight: 500; }
.sort button:hover { border-color: var(--muted); }
.sort button[aria-pressed="true"] { background: var(--ink); border-color: var(--ink);
  color: var(--panel); font-weight: 600; }
.filter { display: inline-flex; align-items: center; }
.filter input { width: 190px; padding: 6px 10px; border-radius: 6px; border: 1px solid var(--line);
  background: var(--panel); }
.empty { color: var(--muted); padding: 18px 0; }

.grid { display: grid; gap: 14px; padding: 0; margin: 0; list-style: none;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 288px), 1fr)); }
.pools-panel .grid { grid-template-columns: repeat(auto-fill, minmax(min(100%, 230px), 1fr)); }
.card {
  position: relative; background: var(--panel); border: 1px solid var(--line); border-radius: 10px;
  padding: 12px 14px; box-shadow: var(--shadow); min-width: 0; transition: opacity .3s;
}
.card[data-state="open"] { border-left: 4px solid var(--open-line); padding-left: 11px; }
.card[data-state="half-open"], .card[data-state="mixed"] { border-left: 4px solid var(--half-line); padding-left: 11px; }
.card[data-state="isolated"] { border-left: 4px solid var(--iso-line); padding-left: 11px; }
.card[data-state="disabled"] { border-left: 4px dashed var(--line); padding-left: 11px; }
.card-head { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 4px 10px; }
.card-head h3 { flex: 1 1 9em; font-size: 15px; font-weight: 650; min-width: 0;
  overflow-wrap: anywhere; line-height: 1.35; }
.meta { color: var(--muted); font-size: 12.5px; }
.badge {
  display: inline-flex; align-items: center; gap: 5px; flex: none; padding: 2px 9px 2px 7px;
  border-radius: 999px; border: 1px solid var(--closed-line); background: var(--closed-bg);
  color: var(--closed-ink); font-size: 12.5px; font-weight: 700; line-height: 1.45;
}
.badge svg { width: 13px; height: 13px; fill: currentColor; }
.badge[data-state="open"] { background: var(--open-bg); color: var(--open-ink); border-color: var(--open-line); }
.badge[data-state="half-open"], .badge[data-state="mixed"] { background: var(--half-bg); color: var(--half-ink); border-color: var(--half-line); }
.badge[data-state="isolated"] { background: var(--iso-bg); color: var(--iso-ink); border-color: var(--iso-line); }
.badge[data-state="disabled"] { background: transparent; color: var(--muted); border-style: dashed; border-color: var(--muted); }
.badge[data-state="unknown"] { background: transparent; color: var(--muted); border-color: var(--line); }

.vitals { display: grid; grid-template-columns: 56px auto minmax(90px, 1fr); gap: 10px;
  align-items: center; margin: 6px 0 10px; }
.health { width: 56px; height: 56px; display: block; overflow: visible; }
.health circle { transition: r .4s ease, fill .4s ease; stroke: #0000001a; stroke-width: 1; }
.kpi { display: flex; flex-direction: column; gap: 2px; }
.kpi div { display: flex; }
.kpi-error { flex-direction: column-reverse; }
.kpi-rate { flex-direction: row-reverse; justify-content: flex-end; align-items: baseline; gap: 4px; }
.kpi dt { color: var(--muted); font-size: 12px; }
.kpi-error dd { font-size: 24px; font-weight: 700; line-height: 1.1; letter-spacing: -.01em; }
.kpi-rate dd { font-size: 15px; font-weight: 650; }
.kpi dd small { font-size: 14px; font-weight: 600; color: var(--muted); }
.kpi dd.bad { color: var(--failure); }
.spark { min-width: 0; }
.spark svg { display: block; width: 100%; height: 40px; overflow: visible; }
.spark .line { fill: none; stroke: var(--spark); stroke-width: 1.6; vector-effect: non-scaling-stroke;
  stroke-linejoin: round; }
.spark .area { fill: var(--spark-fill); stroke: none; }
.spark .base { stroke: var(--line); stroke-width: 1; vector-effect: non-scaling-stroke; }
.spark figcaption { display: flex; justify-content: space-between; gap: 6px; color: var(--muted);
  font-size: 11px; margin-top: 2px; white-space: nowrap; overflow: hidden; }

.outcomes { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.3fr) minmax(0, 1fr); gap: 6px 10px;
  padding: 4px 0 8px; }
.outcomes div { display: flex; flex-direction: column-reverse; min-width: 0; }
.outcomes dt { color: var(--muted); font-size: 11.5px; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.outcomes dt::before { content: ""; display: inline-block; width: 8px; height: 8px;
  border-radius: 2px; margin-right: 5px; background: var(--c, var(--muted)); vertical-align: 0; }
.outcomes dd { font-size: 15px; font-weight: 650; color: var(--c, var(--ink)); }
.outcomes dd.zero { color: var(--muted); font-weight: 500; }
.o-success { --c: var(--success); } .o-short { --c: var(--short); }
.o-rejected { --c: var(--rejected); } .o-timeout { --c: var(--timeout); }
.o-failure { --c: var(--failure); } .o-fallback { --c: var(--fallback); }
.o-active { --c: var(--active); } .o-queued { --c: var(--queued); }
.caption { color: var(--muted); font-size: 11px; padding-top: 6px; border-top: 1px solid var(--line); }
.latency { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 4px; padding-top: 4px; }
.latency div { display: flex; flex-direction: column-reverse; }
.latency dt { color: var(--muted); font-size: 11.5px; }
.latency dd { font-size: 13px; font-weight: 600; white-space: nowrap; letter-spacing: -0.2px; }

.bar { height: 8px; border-radius: 4px; background: var(--bg); border: 1px solid var(--line);
  overflow: hidden; margin: 10px 0 8px; }
.bar span { display: block; height: 100%; width: 0; background: var(--active); transition: width .4s; }
.bar.full span { background: var(--failure); }
.pool .outcomes { border-top: 0; padding: 2px 0 6px; }
.facts { display: flex; flex-wrap: wrap; gap: 0 12px; }
.facts span { white-space: nowrap; }
.facts b { color: var(--ink); font-weight: 600; }
.facts .warn b { color: var(--failure); }
.circuit .facts { padding: 0 0 6px; }
.facts[hidden] { display: none; }

footer { padding: 14px 24px 24px; color: var(--muted); font-size: 12.5px; }
footer p { display: flex; flex-wrap: wrap; gap: 6px 18px; }
@media (max-width: 640px) {
  .top, .banner:not(:empty), main, footer { padding-left: 16px; padding-right: 16px; }
  .controls, .filter, .filter input { width: 100%; }
  .filter input { flex: 1; }
  .source { flex-basis: 100%; }
}
@media (prefers-reduced-motion: reduce) {
  .health circle, .bar span, .card { transition: none; }
}
@media (forced-colors: active) {
  .badge, .sort button[aria-pressed="true"] { border: 2px solid CanvasText; }
}
`;
