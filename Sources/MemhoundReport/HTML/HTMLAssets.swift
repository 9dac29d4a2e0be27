/// The page's stylesheet and script, inline: the page must open with no network.
enum HTMLAssets {
    static let css = """
        :root { --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --soft: #f6f8fa; --accent: #0969da; --warn: #9a6700; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--fg); background: #fff; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
        main { max-width: 1200px; margin: 0 auto; padding: 24px 32px 48px; }
        h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 20px; margin: 36px 0 8px; padding-top: 12px; border-top: 1px solid var(--line); }
        h3 { font-size: 16px; margin: 24px 0 6px; }
        code, .frames, .flame text { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
        a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
        .muted { color: var(--muted); font-weight: normal; } .small { font-size: 13px; }
        .facts { margin: 4px 0; } .warning { color: var(--warn); background: #fff8c5; border: 1px solid #eac54f; padding: 6px 10px; border-radius: 6px; }
        .ok { color: #1a7f37; }
        table { border-collapse: collapse; width: 100%; font-size: 14px; }
        th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: var(--soft); font-weight: 600; } .n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; margin: 12px 0; }
        .stats div { background: var(--soft); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
        .stats .label { display: block; font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
        .stats .value { font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .categories span, .legend span { display: inline-flex; align-items: center; margin-right: 18px; font-size: 14px; }
        .categories b { margin-left: 6px; }
        .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 6px; vertical-align: -1px; }
        .cgo { font-size: 11px; font-weight: 600; padding: 0 4px; border-radius: 3px; background: #fff1c2; color: #6b4e00; }
        .swatch.line { height: 3px; border-radius: 0; width: 18px; } .swatch.observed { background: #1f2328; } .swatch.attributed { background: #e15759; }
        svg.timeline { width: 100%; height: auto; display: block; background: #fff; }
        svg .grid { stroke: #eaeef2; stroke-width: 1; } svg .tick, svg .axis-label { fill: var(--muted); font-size: 12px; }
        svg polyline { fill: none; stroke-width: 2.2; stroke-linejoin: round; }
        svg polyline.observed { stroke: #1f2328; } svg polyline.attributed { stroke: #e15759; stroke-dasharray: 6 4; }
        svg circle.observed { fill: #1f2328; } svg circle.attributed { fill: #e15759; }
        svg .area { opacity: .55; }
        .marker line { stroke-width: 1.5; stroke-dasharray: 3 3; } .marker text { font-size: 11px; }
        .marker.exit line { stroke: #cf222e; } .marker.exit text { fill: #cf222e; } .marker.exec line { stroke: #8c959f; } .marker.exec text { fill: #656d76; }
        .marker.alert line { stroke: #bf8700; } .marker.alert text { fill: #9a6700; } .marker.oom line { stroke: #a40e26; stroke-width: 3; stroke-dasharray: none; } .marker.oom text { fill: #a40e26; font-weight: 700; }
        .legend { margin: 4px 0 8px 64px; }
        .sites { border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
        .site { display: grid; grid-template-columns: 110px 100px 100px 150px 1fr; gap: 10px; padding: 7px 12px; align-items: baseline; }
        .site.head { background: var(--soft); font-weight: 600; font-size: 14px; border-bottom: 1px solid var(--line); }
        .site-row { border-bottom: 1px solid var(--line); } .site-row:last-child { border-bottom: none; }
        .site-row > summary { cursor: pointer; list-style: none; } .site-row > summary::-webkit-details-marker { display: none; }
        .site-row > summary:hover { background: #f6f8fa; } .site-row[open] > summary { background: #ddf4ff; }
        .site .name { overflow-wrap: anywhere; } .site-name { font-weight: 600; }
        .site-row > summary .name::before { content: "▸ "; color: var(--muted); } .site-row[open] > summary .name::before { content: "▾ "; }
        .bar { display: block; position: relative; height: 4px; margin-top: 4px; background: #eaeef2; border-radius: 2px; }
        .bar i { position: absolute; left: 0; top: 0; height: 4px; border-radius: 2px; } .bar .grown { background: #c8d1da; } .bar .held { background: #4e79a7; }
        .stack { padding: 4px 16px 12px 24px; background: #fbfcfd; }
        .frames { margin: 0; padding-left: 28px; } .frames li { padding: 1px 0; overflow-wrap: anywhere; }
        .frames .fn { font-weight: 600; } .frames .where { color: #0550ae; } .frames .module { color: var(--muted); font-size: 12px; }
        .tag { font-size: 11px; background: #eaeef2; border-radius: 4px; padding: 0 5px; color: var(--muted); }
        svg.flame { width: 100%; height: auto; display: block; cursor: pointer; }
        .flame rect { stroke: #fff; stroke-width: .5; } .flame g:hover rect { stroke: #1f2328; stroke-width: 1; }
        .flame text { font-size: 11.5px; fill: #1f2328; pointer-events: none; } .flame .inl rect { opacity: .75; }
        .flame .above rect { fill: #d8dce1; }
        .flame-detail { min-height: 20px; margin: 4px 0; font-family: ui-monospace, Menlo, Consolas, monospace; }
        footer { margin-top: 40px; padding-top: 12px; border-top: 1px solid var(--line); }
        """

    /// Zooming the flame graphs, hover details, and a marker saying the script ran to the end
    /// (`#render-status[data-state=done]`, which tests check). It reads names with `textContent` and
    /// writes them the same way: nothing from the file is ever parsed as markup.
    static let script = """
        (function () {
          var status = document.getElementById('render-status');
          window.addEventListener('error', function (e) { status.dataset.state = 'error'; status.textContent = 'script error: ' + e.message; });
          function fit(name, width) {
            var chars = Math.floor((width - 6) / 6.6);
            if (chars < 3) return '';
            return name.length <= chars ? name : name.slice(0, chars - 1) + '\\u2026';
          }
          var frames = 0;
          document.querySelectorAll('svg.flame').forEach(function (svg) {
            var W = parseFloat(svg.dataset.width);
            var groups = Array.prototype.slice.call(svg.querySelectorAll('g.f'));
            var detail = document.getElementById(svg.id + '-detail');
            frames += groups.length;
            function zoom(x, w, d) {
              groups.forEach(function (g) {
                var gx = parseFloat(g.dataset.x), gw = parseFloat(g.dataset.w), gd = parseInt(g.dataset.d, 10);
                var lo = Math.max(gx, x), hi = Math.min(gx + gw, x + w);
                var nx = (lo - x) / w * W, nw = (hi - lo) / w * W;
                if (hi - lo <= w * 1e-9 || nw < 0.3) { g.style.display = 'none'; return; }
                g.style.display = '';
                var rect = g.querySelector('rect'), text = g.querySelector('text');
                rect.setAttribute('x', nx.toFixed(1));
                rect.setAttribute('width', Math.max(nw - 0.5, 0.5).toFixed(1));
                text.setAttribute('x', (nx + 3).toFixed(1));
                text.textContent = fit(g.dataset.name, nw);
                g.classList.toggle('above', gd < d);
              });
            }
            groups.forEach(function (g) {
              var title = g.querySelector('title').textContent;
              g.dataset.name = title.split('\\n')[0];
              g.addEventListener('click', function () {
                var d = parseInt(g.dataset.d, 10);
                if (d === 0) zoom(0, 1, 0); else zoom(parseFloat(g.dataset.x), parseFloat(g.dataset.w), d);
              });
              g.addEventListener('mouseenter', function () { if (detail) detail.textContent = title.replace('\\n', ' \\u2014 '); });
            });
          });
          status.dataset.state = 'done';
          status.dataset.frames = String(frames);
          status.textContent = 'rendered ' + frames + ' flame graph frames';
        })();
        """
}
