"""Write the lab report: one self-contained HTML page, plus Markdown and JSON with the same content.

The HTML embeds every figure as a base64 PNG and carries its own style, so it reads offline.
The Markdown links the same figures, written as PNG files beside it.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from ..fileio import atomic_write
from .runner import Outcome

VERDICT_COLOURS = {
    "supported": "#1a7f37",
    "partly supported": "#9a6700",
    "not supported": "#57606a",
    "refuted": "#cf222e",
}

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;
color:#1f2328;line-height:1.5}
h1{margin-bottom:.2rem} h2{border-bottom:1px solid #d0d7de;padding-bottom:.3rem;margin-top:2.5rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.92rem} th,td{border:1px solid #d0d7de;padding:.35rem .6rem;
vertical-align:top;text-align:left} th{background:#f6f8fa}
.verdict{color:#fff;border-radius:1em;padding:.1rem .6rem;white-space:nowrap;font-size:.85rem}
.meta{color:#57606a;font-size:.9rem} img{max-width:100%;border:1px solid #d0d7de;margin:.5rem 0}
pre{background:#f6f8fa;padding:.8rem;overflow:auto} .error{color:#cf222e}
"""


def _badge(verdict: str) -> str:
    colour = VERDICT_COLOURS.get(verdict, "#57606a")
    return f'<span class="verdict" style="background:{colour}">{html.escape(verdict)}</span>'


def _html_table(columns, rows) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def render_html(outcomes: list[Outcome], title: str) -> str:
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>",
    ]
    mode = "quick" if outcomes and outcomes[0].quick else "full"
    seed = outcomes[0].seed if outcomes else 0
    parts.append(
        f"<p class='meta'>{len(outcomes)} questions, {mode} mode, seed {seed}. Every verdict below is "
        "computed from the measurements by the rule printed beside it.</p>"
    )
    parts.append(
        "<h2 id='summary'>Summary</h2><table><tr><th>#</th><th>Question</th><th>Claim</th><th>Verdict</th></tr>"
    )
    for o in outcomes:
        claims = o.claims or []
        if o.error:
            parts.append(
                f"<tr><td><a href='#{o.id}'>{o.id}</a></td><td>{html.escape(o.question)}</td>"
                f"<td class='error'>experiment failed</td><td></td></tr>"
            )
        for k, c in enumerate(claims):
            first = k == 0
            parts.append(
                "<tr>"
                + (
                    f"<td rowspan='{len(claims)}'><a href='#{o.id}'>{o.id}</a></td>"
                    f"<td rowspan='{len(claims)}'>{html.escape(o.question)}</td>"
                    if first
                    else ""
                )
                + f"<td>{html.escape(c.text)}</td><td>{_badge(c.verdict)}</td></tr>"
            )
    parts.append("</table>")
    for o in outcomes:
        parts.append(f"<h2 id='{o.id}'>{o.id}. {html.escape(o.question)}</h2>")
        parts.append(
            f"<p>{html.escape(o.answer)}</p><p class='meta'>Data: {html.escape(o.data)}. "
            f"Run time {o.seconds:.1f} s.</p>"
        )
        if o.error:
            parts.append(f"<pre class='error'>{html.escape(o.error)}</pre>")
            continue
        rows = [[c.text, _badge(c.verdict), c.measured, c.rule] for c in o.claims]
        parts.append("<table><tr><th>Claim</th><th>Verdict</th><th>Measured</th><th>Rule</th></tr>")
        for text, badge, measured, rule in rows:
            parts.append(
                f"<tr><td>{html.escape(text)}</td><td>{badge}</td><td>{html.escape(measured)}</td>"
                f"<td>{html.escape(rule)}</td></tr>"
            )
        parts.append("</table>")
        for table in o.tables:
            parts.append(f"<h3>{html.escape(table['title'])}</h3>" + _html_table(table["columns"], table["rows"]))
        for name, png in o.figures.items():
            data = base64.b64encode(png).decode("ascii")
            parts.append(
                f"<figure><img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>"
                f"<figcaption class='meta'>{html.escape(name)}</figcaption></figure>"
            )
        for note in o.notes:
            parts.append(f"<p class='meta'>{html.escape(note)}</p>")
        if o.references:
            items = "".join(f"<li>{html.escape(r)}</li>" for r in o.references)
            parts.append(f"<h3>References</h3><ul>{items}</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _figure_file(o: Outcome, name: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name.lower()).strip("-")
    return f"figures/{o.id}-{safe}.png"


def _cell(text) -> str:
    """Text for a Markdown table cell: a literal '|' would end the cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(outcomes: list[Outcome], title: str) -> str:
    lines = [f"# {title}", "", "| # | Question | Claim | Verdict |", "|---|---|---|---|"]
    for o in outcomes:
        if o.error:
            lines.append(f"| {o.id} | {_cell(o.question)} | experiment failed | |")
        for c in o.claims:
            lines.append(f"| {o.id} | {_cell(o.question)} | {_cell(c.text)} | **{c.verdict}** |")
    for o in outcomes:
        lines += [
            "",
            f"## {o.id}. {o.question}",
            "",
            o.answer,
            "",
            f"*Data*: {o.data}. *Run time*: {o.seconds:.1f} s.",
            "",
        ]
        if o.error:
            lines += ["```", o.error.rstrip(), "```"]
            continue
        lines += ["| Claim | Verdict | Measured | Rule |", "|---|---|---|---|"]
        lines += [f"| {_cell(c.text)} | **{c.verdict}** | {_cell(c.measured)} | {_cell(c.rule)} |" for c in o.claims]
        for table in o.tables:
            lines += [
                "",
                f"**{table['title']}**",
                "",
                "| " + " | ".join(table["columns"]) + " |",
                "|" + "---|" * len(table["columns"]),
            ]
            lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in table["rows"]]
        for name in o.figures:
            lines += ["", f"![{name}]({_figure_file(o, name)})"]
        lines += [""] + [f"> {note}" for note in o.notes]
        if o.references:
            lines += ["", "References:", ""] + [f"- {r}" for r in o.references]
    return "\n".join(lines) + "\n"


def write_report(outcomes: list[Outcome], out_dir: Path, title: str = "glassnet lab report") -> dict[str, Path]:
    """Write index.html, report.md, report.json and figures/*.png into ``out_dir``; return their paths."""
    out_dir = Path(out_dir)
    (out_dir / "figures").mkdir(parents=True, exist_ok=True)
    for o in outcomes:
        for name, png in o.figures.items():
            atomic_write(out_dir / _figure_file(o, name), png)
    paths = {"html": out_dir / "index.html", "markdown": out_dir / "report.md", "json": out_dir / "report.json"}
    atomic_write(paths["html"], render_html(outcomes, title).encode())
    atomic_write(paths["markdown"], render_markdown(outcomes, title).encode())
    payload = {
        "title": title,
        "experiments": [{**o.to_json(), "figures": [_figure_file(o, n) for n in o.figures]} for o in outcomes],
    }
    atomic_write(paths["json"], json.dumps(payload, indent=2).encode())
    return paths
