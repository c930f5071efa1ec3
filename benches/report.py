#!/usr/bin/env python3
"""Tables and a chart from the codec and component benchmarks.

Reads criterion's results (every `new/benchmark.json` and
`new/estimates.json` under target/criterion, as left by
`cargo bench -p websocket-benches --bench codec` and `cargo bench -p websocket-benches --bench component`) and prints
Markdown tables of the median throughput of each case and the ratios:

* codec groups (`hixie_*`, `rfc6455_*`): ours/tungstenite,
  ours/fastwebsockets and ours/bound;
* component groups (`component_*`): component/native and
  component/native_owned;

where A/B is A's throughput divided by B's (above 1: A is faster). With
`--svg PATH`, also writes a bar chart of those ratios (log scale, 1 =
parity) to PATH.

    python3 benches/report.py [--criterion DIR] [--svg PATH]

Python 3 standard library only.
"""

import argparse
import json
import math
import os
import sys
from collections import defaultdict
from xml.sax.saxutils import escape

# The ratios shown, per kind of group: (numerator, denominator).
CODEC_RATIOS = [("ours", "tungstenite"), ("ours", "fastwebsockets"), ("ours", "bound")]
COMPONENT_RATIOS = [("component", "native"), ("component", "native_owned")]
CODEC_FUNCTIONS = ["ours", "tungstenite", "fastwebsockets", "bound"]
COMPONENT_FUNCTIONS = ["native", "native_owned", "component"]

# The order groups are printed in.
GROUP_ORDER = [
    "hixie_decode/text_ascii",
    "hixie_decode/text_mixed",
    "hixie_encode/text_ascii",
    "hixie_encode/text_mixed",
    "rfc6455_decode/text_ascii",
    "rfc6455_decode/text_mixed",
    "rfc6455_decode/binary",
    "rfc6455_encode/text_ascii",
    "rfc6455_encode/text_mixed",
    "rfc6455_encode/binary",
    "component_rfc6455_decode/text_ascii",
    "component_rfc6455_decode/text_mixed",
    "component_rfc6455_decode/binary",
    "component_hixie_decode/text_ascii",
    "component_hixie_decode/text_mixed",
]

COLOURS = {
    "ours/tungstenite": "#4e79a7",
    "ours/fastwebsockets": "#f28e2b",
    "ours/bound": "#59a14f",
    "component/native": "#e15759",
    "component/native_owned": "#b07aa1",
}


def load(root):
    """Every benchmark under `root`: {group: {function: {value: result}}},
    each result a dict with the median time (ns per iteration), its
    confidence interval and the throughput (bytes per iteration, or None)."""
    results = defaultdict(lambda: defaultdict(dict))
    for dirpath, _, filenames in os.walk(root):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in filenames:
            continue
        try:
            with open(os.path.join(dirpath, "benchmark.json")) as f:
                bench = json.load(f)
            with open(os.path.join(dirpath, "estimates.json")) as f:
                est = json.load(f)
        except (OSError, ValueError) as e:
            print(f"skipping {dirpath}: {e}", file=sys.stderr)
            continue
        throughput = bench.get("throughput") or {}
        median = est["median"]
        results[bench["group_id"]][bench["function_id"]][bench.get("value_str")] = {
            "ns": median["point_estimate"],
            "ns_lo": median["confidence_interval"]["lower_bound"],
            "ns_hi": median["confidence_interval"]["upper_bound"],
            "bytes": throughput.get("Bytes") or throughput.get("BytesDecimal"),
        }
    return results


def throughput(result):
    """Bytes per second at the median, or None."""
    if not result or not result["bytes"] or result["ns"] <= 0:
        return None
    return result["bytes"] / result["ns"] * 1e9


def human_rate(bps):
    if bps is None:
        return "–"
    for unit, scale in (("GiB/s", 1 << 30), ("MiB/s", 1 << 20), ("KiB/s", 1 << 10)):
        if bps >= scale:
            value = bps / scale
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{bps:.0f} B/s"


def human_size(value):
    try:
        n = int(value)
    except (TypeError, ValueError):
        return str(value)
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n} B"


def human_time(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.3g} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.3g} µs"
    return f"{ns:.3g} ns"


def fmt_ratio(r):
    if r is None:
        return "–"
    return f"{r:.2f}" if r < 10 else f"{r:.1f}"


def sorted_values(functions):
    values = set()
    for by_value in functions.values():
        values.update(by_value)

    def key(v):
        try:
            return (0, int(v))
        except (TypeError, ValueError):
            return (1, str(v))

    return sorted(values, key=key)


def ordered_groups(results):
    known = [g for g in GROUP_ORDER if g in results]
    return known + sorted(g for g in results if g not in GROUP_ORDER)


def is_component(group):
    return group.startswith("component_")


def rows(results, group):
    """(value, {function: bytes/s}, {ratio name: ratio}) for each value."""
    functions = results[group]
    ratios = COMPONENT_RATIOS if is_component(group) else CODEC_RATIOS
    out = []
    for value in sorted_values(functions):
        rates = {f: throughput(functions[f].get(value)) for f in functions}
        rs = {}
        for num, den in ratios:
            a, b = rates.get(num), rates.get(den)
            if a is not None and b:
                rs[f"{num}/{den}"] = a / b
        out.append((value, rates, rs))
    return out


def markdown(results):
    lines = []
    for group in ordered_groups(results):
        functions = results[group]
        if all(throughput(r) is None for by_value in functions.values() for r in by_value.values()):
            continue
        preferred = COMPONENT_FUNCTIONS if is_component(group) else CODEC_FUNCTIONS
        columns = [f for f in preferred if f in functions] + sorted(f for f in functions if f not in preferred)
        ratios = COMPONENT_RATIOS if is_component(group) else CODEC_RATIOS
        ratio_names = [f"{n}/{d}" for n, d in ratios if n in functions and d in functions]
        lines.append(f"### `{group}`")
        lines.append("")
        header = ["size"] + columns + ratio_names
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
        for value, rates, rs in rows(results, group):
            cells = [human_size(value)] + [human_rate(rates.get(f)) for f in columns]
            cells += [fmt_ratio(rs.get(name)) for name in ratio_names]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    # Benchmarks without a throughput: their median time.
    timed = [
        (group, function, value, result)
        for group in ordered_groups(results)
        for function, by_value in results[group].items()
        for value, result in by_value.items()
        if result["bytes"] is None
    ]
    if timed:
        lines.append("### Fixed costs (median time per call)")
        lines.append("")
        lines.append("| benchmark | median | 95% CI |")
        lines.append("|---|---:|---:|")
        for group, function, value, r in timed:
            name = "/".join(x for x in (group, function, value) if x)
            lines.append(
                f"| `{name}` | {human_time(r['ns'])} | {human_time(r['ns_lo'])} – {human_time(r['ns_hi'])} |"
            )
        lines.append("")
    return "\n".join(lines)


def svg_chart(results):
    """A horizontal bar chart of every ratio, log2 scale, one row per case."""
    entries = []  # (section, label, [(ratio name, value)])
    for group in ordered_groups(results):
        for value, _, rs in rows(results, group):
            if rs:
                order = sorted(rs.items(), key=lambda kv: list(COLOURS).index(kv[0]) if kv[0] in COLOURS else 99)
                entries.append((group, human_size(value), order))
    if not entries:
        return None
    all_ratios = [r for _, _, rs in entries for _, r in rs if r > 0]
    lo = min(-3, math.floor(math.log2(min(all_ratios))))
    hi = max(3, math.ceil(math.log2(max(all_ratios))))

    bar_h, bar_gap, row_gap, section_gap = 7, 1, 6, 28
    label_w, plot_w, margin = 110, 640, 20
    legend_h = 24 + 18 * ((len(COLOURS) + 2) // 3)
    top = margin + 48 + legend_h
    x0 = margin + label_w

    def x_of(ratio):
        return x0 + (math.log2(ratio) - lo) / (hi - lo) * plot_w

    parts = []
    y = top
    section = None
    for group, label, rs in entries:
        if group != section:
            if section is not None:
                y += section_gap - row_gap
            parts.append(
                f'<text x="{margin}" y="{y + 12}" font-weight="bold">{escape(group)}</text>'
            )
            y += 20
            section = group
        row_h = len(rs) * (bar_h + bar_gap)
        parts.append(
            f'<text x="{x0 - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end">{escape(label)}</text>'
        )
        for name, r in rs:
            a, b = sorted((x_of(1), x_of(max(r, 2.0**lo))))
            parts.append(
                f'<rect x="{a:.1f}" y="{y}" width="{max(b - a, 0.5):.1f}" height="{bar_h}" '
                f'fill="{COLOURS.get(name, "#999")}"><title>{escape(group)} {escape(label)} '
                f"{escape(name)} = {r:.3f}</title></rect>"
            )
            tx = b + 3 if r >= 1 else a - 3
            anchor = "start" if r >= 1 else "end"
            parts.append(
                f'<text x="{tx:.1f}" y="{y + bar_h - 0.5}" font-size="8" text-anchor="{anchor}" '
                f'fill="#444">{fmt_ratio(r)}</text>'
            )
            y += bar_h + bar_gap
        y += row_gap
    bottom = y + 10

    grid = []
    for e in range(lo, hi + 1):
        x = x0 + (e - lo) / (hi - lo) * plot_w
        text = f"{2 ** e:g}" if e >= 0 else f"1/{2 ** -e}"
        width = 1.5 if e == 0 else 0.5
        colour = "#000" if e == 0 else "#ccc"
        grid.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{bottom}" stroke="{colour}" stroke-width="{width}"/>')
        grid.append(f'<text x="{x:.1f}" y="{top - 10}" text-anchor="middle" font-size="10">{text}</text>')
        grid.append(f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle" font-size="10">{text}</text>')

    legend = []
    lx, ly = margin, margin + 40
    for i, (name, colour) in enumerate(COLOURS.items()):
        cx = lx + (i % 3) * 280
        cy = ly + (i // 3) * 18
        legend.append(f'<rect x="{cx}" y="{cy}" width="12" height="10" fill="{colour}"/>')
        legend.append(f'<text x="{cx + 18}" y="{cy + 9}">{escape(name)}</text>')

    width = x0 + plot_w + margin + 40
    height = bottom + 30
    title = "Throughput ratios A/B, log scale (right of 1: A is faster)"
    subtitle = "Medians of criterion's samples; A and B measured side by side in one run."
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif" font-size="11">',
            '<rect width="100%" height="100%" fill="#fff"/>',
            f'<text x="{margin}" y="{margin + 8}" font-size="13" font-weight="bold">{escape(title)}</text>',
            f'<text x="{margin}" y="{margin + 24}">{escape(subtitle)}</text>',
            *legend,
            *grid,
            *parts,
            "</svg>",
            "",
        ]
    )


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--criterion",
        default=os.path.join(os.path.dirname(here), "target", "criterion"),
        help="criterion's output directory (default: target/criterion of this workspace)",
    )
    parser.add_argument("--svg", metavar="PATH", help="write a bar chart of the ratios here")
    args = parser.parse_args()

    results = load(args.criterion)
    if not results:
        sys.exit(f"no criterion results under {args.criterion}: run `cargo bench -p websocket-benches --bench codec` first")
    print(markdown(results))
    if args.svg:
        svg = svg_chart(results)
        if svg is None:
            sys.exit("no ratios to chart")
        with open(args.svg, "w") as f:
            f.write(svg)
        print(f"wrote {args.svg}", file=sys.stderr)


if __name__ == "__main__":
    main()
