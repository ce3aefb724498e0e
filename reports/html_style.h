// The HTML report's stylesheet (inlined into every page). Light and dark
// themes via prefers-color-scheme; print forces the light theme and keeps
// figures and tables whole. Series colours are the Okabe-Ito palette,
// distinguishable with the common colour-vision deficiencies; SVG elements
// pick them through the classes k0..k7, which set --k.
#ifndef STATEBENCH_REPORTS_HTML_STYLE_H_
#define STATEBENCH_REPORTS_HTML_STYLE_H_

#include <string_view>

namespace statebench::report {

inline constexpr std::string_view kHtmlStyle = R"css(
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;
--line:#d1d9e0;--panel:#f6f8fa;--good:#1a7f37;--bad:#cf222e;--warn:#9a6700;
--c0:#0072b2;--c1:#d55e00;--c2:#009e73;--c3:#cc79a7;--c4:#e69f00;
--c5:#56b4e9;--c6:#6e6e6e;--c7:#8c564b}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;
--muted:#9198a1;--line:#3d444d;--panel:#151b23;--good:#3fb950;--bad:#f85149;
--warn:#d29922;--c0:#4fa3e0;--c1:#f0884a;--c2:#3cc8a0;--c3:#e59ac8;
--c4:#f2b53c;--c5:#8fd0f5;--c6:#b0b0b0;--c7:#c9927f}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1180px;padding:28px 24px 48px;
font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
background:var(--bg);color:var(--fg)}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:36px 0 10px;padding-bottom:6px;
border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:22px 0 8px}
.sub{font-size:16px;margin:0}
.meta,.note{color:var(--muted);margin:4px 0}
.note{font-size:13px}
.lead{font-size:16px}
.warn{border-left:4px solid var(--warn);background:var(--panel);
padding:6px 10px;margin:10px 0}
nav{display:flex;flex-wrap:wrap;gap:4px 16px;margin:16px 0 0;font-size:13px}
a{color:var(--c0)}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
background:var(--panel);padding:1px 4px;border-radius:4px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:6px 0;font-size:13px;
font-variant-numeric:tabular-nums}
th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:left;
vertical-align:top}
thead th{background:var(--panel);font-weight:600;white-space:nowrap}
td{white-space:nowrap}
td.failure,td ul{white-space:normal}
td ul{margin:0;padding-left:18px;min-width:300px}
td ul.capacity{min-width:220px;list-style:none;padding-left:0;font-size:12px}
ul.notes{color:var(--muted);font-size:13px;margin:6px 0}
.num{text-align:right}
table.kv th{background:none;font-weight:500;color:var(--muted)}
table.kv td{white-space:normal;word-break:break-word}
tr.vetoed td{color:var(--muted)}
.badge{display:inline-block;padding:0 7px;border-radius:10px;font-size:12px;
border:1px solid currentColor}
.good{color:var(--good)}
.bad{color:var(--bad)}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;
margin-right:6px;background:var(--k)}
.k0{--k:var(--c0)}.k1{--k:var(--c1)}.k2{--k:var(--c2)}.k3{--k:var(--c3)}
.k4{--k:var(--c4)}.k5{--k:var(--c5)}.k6{--k:var(--c6)}.k7{--k:var(--c7)}
figure.chart{margin:18px 0 26px;padding:12px 14px;border:1px solid var(--line);
border-radius:8px}
figcaption{font-size:13px;color:var(--muted);margin-bottom:8px}
figcaption strong{color:var(--fg);font-size:14px;margin-right:6px}
svg{display:block;width:100%;height:auto;max-width:900px}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
svg .tick{font-size:11px;fill:var(--muted)}
svg .axis{font-size:12px;fill:var(--muted)}
svg .label{font-size:12px;fill:var(--fg)}
svg .value{font-size:11px;fill:var(--fg)}
svg .muted{font-size:11px;fill:var(--muted)}
svg .grid{stroke:var(--line);stroke-width:1}
svg .frame{fill:none;stroke:var(--line)}
svg .bar{fill:var(--k)}
svg .bar.alt{fill-opacity:.5;stroke:var(--k);stroke-width:1}
svg .whisker{fill:none;stroke:var(--fg);stroke-width:1.3}
svg .ln{fill:none;stroke:var(--k);stroke-width:2;stroke-linejoin:round}
svg .ln.dash{stroke-dasharray:6 4;stroke-width:1.5}
svg .dot{fill:var(--k)}
svg .fail{fill:none;stroke:var(--bad);stroke-width:2}
@media print{:root{--bg:#fff;--fg:#000;--muted:#444;--line:#bbb;
--panel:#f2f2f2;--c0:#0072b2;--c1:#d55e00;--c2:#009e73;--c3:#cc79a7;
--c4:#e69f00;--c5:#56b4e9;--c6:#6e6e6e;--c7:#8c564b}
body{max-width:none;padding:0;font-size:11px}nav{display:none}
figure.chart,table,tr{break-inside:avoid}h2,h3{break-after:avoid}
.scroll{overflow:visible}td{white-space:normal}a{color:inherit}}
)css";

}  // namespace statebench::report

#endif  // STATEBENCH_REPORTS_HTML_STYLE_H_
