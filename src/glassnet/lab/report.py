"""Write the lab report: one self-contained HTML page, Markdown and JSON with the same content, and
``verdicts.json``, the claims' verdicts alone with the command, version and date that produced them.

The HTML embeds every figure as a base64 PNG and carries its own style, so it reads offline. The
Markdown links the same figures, written as PNG files beside it. With replicate blocks, each claim shows
the combined verdict and every block's; figures, tables and notes come from the first block.
"""

from __future__ import annotations

import base64
import datetime
import html
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from ..fileio import atomic_write
from .runner import UNSTABLE, Finding, verdict_counts

VERDICT_COLOURS = {
    "supported": "#1a7f37",
    "partly supported": "#9a6700",
    "not supported": "#57606a",
    "refuted": "#cf222e",
    "inconclusive": "#8250df",
    UNSTABLE: "#bc4c00",
}

QUICK_NOTE = (
    "Quick mode: fewer seeds, epochs and smaller tasks, for a first look and for CI. It may be less sure than "
    "the full lab, never wrong: where it cannot tell, the verdict is 'inconclusive' with the reason. Cite the "
    "full lab's verdicts (glassnet lab --replicates 3)."
)
FULL_NOTE = (
    "Every verdict is computed from the measurements by the rule printed beside it, judging 95% intervals, "
    "after the claim's gates (positive controls, manipulation checks) have passed. With several replicate "
    "blocks (disjoint seeds), a claim whose blocks disagree is 'unstable'."
)


@dataclass
class RunInfo:
    """What produced a report: printed in its header and stored in its JSON files."""

    command: str = "glassnet lab"
    seed: int = 0
    replicates: int = 1
    quick: bool = False
    version: str = ""
    date: str = ""
    seconds: float = 0.0

    def __post_init__(self):
        if not self.version:
            from .. import __version__

            self.version = __version__
        if not self.date:
            self.date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    @property
    def blocks(self) -> str:
        last = self.seed + self.replicates - 1
        return f"seed block {self.seed}" if self.replicates == 1 else f"seed blocks {self.seed}-{last}"


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;
color:#1f2328;line-height:1.5}
h1{margin-bottom:.2rem} h2{border-bottom:1px solid #d0d7de;padding-bottom:.3rem;margin-top:2.5rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.92rem} th,td{border:1px solid #d0d7de;padding:.35rem .6rem;
vertical-align:top;text-align:left} th{background:#f6f8fa}
.verdict{color:#fff;border-radius:1em;padding:.1rem .6rem;white-space:nowrap;font-size:.85rem}
.verdict.small{font-size:.72rem;padding:0 .45rem} .why{color:#57606a;font-size:.82rem;margin-top:.25rem}
.meta{color:#57606a;font-size:.9rem} img{max-width:100%;border:1px solid #d0d7de;margin:.5rem 0}
pre{background:#f6f8fa;padding:.8rem;overflow:auto} .error{color:#cf222e}
.note{border-left:4px solid #8250df;padding:.3rem .8rem;background:#fbf8ff}
"""


def _badge(verdict: str, small: bool = False) -> str:
    colour = VERDICT_COLOURS.get(verdict, "#57606a")
    cls = "verdict small" if small else "verdict"
    return f'<span class="{cls}" style="background:{colour}">{html.escape(verdict)}</span>'


def _html_table(columns, rows) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _counts_text(findings: list[Finding]) -> str:
    counts = verdict_counts(findings)
    return ", ".join(f"{n} {v}" for v, n in counts.items() if n)


def _block_label(outcome) -> str:
    return f"block {outcome.seed} (seeds {outcome.seeds_used})" if outcome.seeds_used else f"block {outcome.seed}"


def render_html(findings: list[Finding], title: str, info: RunInfo) -> str:
    replicated = info.replicates > 1
    mode = "quick" if info.quick else "full"
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>",
        f"<p class='meta'>{len(findings)} questions, {mode} mode, {html.escape(info.blocks)}. "
        f"<code>{html.escape(info.command)}</code>, glassnet {html.escape(info.version)}, {html.escape(info.date)}."
        f"</p><p class='note'>{html.escape(QUICK_NOTE if info.quick else FULL_NOTE)}</p>",
        f"<h2 id='summary'>Summary</h2><p>{html.escape(_counts_text(findings))}.</p>",
        "<table><tr><th>#</th><th>Question</th><th>Claim</th><th>Verdict</th></tr>",
    ]
    for f in findings:
        if f.error:
            parts.append(
                f"<tr><td><a href='#{f.id}'>{f.id}</a></td><td>{html.escape(f.question)}</td>"
                f"<td class='error'>experiment failed</td><td></td></tr>"
            )
        for k, c in enumerate(f.claims):
            head = (
                f"<td rowspan='{len(f.claims)}'><a href='#{f.id}'>{f.id}</a></td>"
                f"<td rowspan='{len(f.claims)}'>{html.escape(f.question)}</td>"
                if k == 0
                else ""
            )
            blocks = " ".join(_badge(b.verdict, small=True) for b in c.blocks) if replicated else ""
            parts.append(f"<tr>{head}<td>{html.escape(c.text)}</td><td>{_badge(c.verdict)} {blocks}</td></tr>")
    parts.append("</table>")
    for f in findings:
        parts.append(f"<h2 id='{f.id}'>{f.id}. {html.escape(f.question)}</h2>")
        parts.append(
            f"<p>{html.escape(f.answer)}</p><p class='meta'>Data: {html.escape(f.data)}. "
            f"Run time {f.seconds:.1f} s.</p>"
        )
        if f.error:
            parts.append(f"<pre class='error'>{html.escape(f.error)}</pre>")
            continue
        parts.append("<table><tr><th>Claim</th><th>Verdict</th><th>Measured</th><th>Rule</th></tr>")
        for c in f.claims:
            why = f"<div class='why'>{html.escape(c.reason)}</div>" if c.reason else ""
            if replicated:
                verdict = _badge(c.verdict) + why
                measured = "".join(
                    f"<div>{html.escape(_block_label(b))}: {_badge(cb.verdict, small=True)} "
                    f"{html.escape(cb.measured)}"
                    + (f"<div class='why'>{html.escape(cb.reason)}</div>" if cb.reason else "")
                    + "</div>"
                    for b, cb in zip(f.blocks, c.blocks)
                )
            else:
                verdict, measured = _badge(c.verdict) + why, html.escape(c.blocks[0].measured)
            parts.append(
                f"<tr><td>{html.escape(c.text)}</td><td>{verdict}</td><td>{measured}</td>"
                f"<td>{html.escape(c.rule)}</td></tr>"
            )
        parts.append("</table>")
        first = f.first
        if replicated:
            parts.append(f"<p class='meta'>Tables and figures: {html.escape(_block_label(first))}.</p>")
        for table in first.tables:
            parts.append(f"<h3>{html.escape(table['title'])}</h3>" + _html_table(table["columns"], table["rows"]))
        for name, png in first.figures.items():
            data = base64.b64encode(png).decode("ascii")
            parts.append(
                f"<figure><img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>"
                f"<figcaption class='meta'>{html.escape(name)}</figcaption></figure>"
            )
        for note in first.notes:
            parts.append(f"<p class='meta'>{html.escape(note)}</p>")
        if f.references:
            items = "".join(f"<li>{html.escape(r)}</li>" for r in f.references)
            parts.append(f"<h3>References</h3><ul>{items}</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _figure_file(f: Finding, name: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name.lower()).strip("-")
    return f"figures/{f.id}-{safe}.png"


def _cell(text) -> str:
    """Text for a Markdown table cell: a literal '|' would end the cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_verdict(c, replicated: bool) -> str:
    verdict = f"**{c.verdict}**"
    if replicated:
        verdict += " (" + " / ".join(b.verdict for b in c.blocks) + ")"
    return verdict


def render_markdown(findings: list[Finding], title: str, info: RunInfo) -> str:
    replicated = info.replicates > 1
    mode = "quick" if info.quick else "full"
    lines = [
        f"# {title}",
        "",
        f"{len(findings)} questions, {mode} mode, {info.blocks}. `{info.command}`, glassnet {info.version}, "
        f"{info.date}.",
        "",
        f"> {QUICK_NOTE if info.quick else FULL_NOTE}",
        "",
        f"Summary: {_counts_text(findings)}.",
        "",
        "| # | Question | Claim | Verdict |",
        "|---|---|---|---|",
    ]
    for f in findings:
        if f.error:
            lines.append(f"| {f.id} | {_cell(f.question)} | experiment failed | |")
        for c in f.claims:
            lines.append(f"| {f.id} | {_cell(f.question)} | {_cell(c.text)} | {_md_verdict(c, replicated)} |")
    for f in findings:
        lines += ["", f"## {f.id}. {f.question}", "", f.answer, "", f"*Data*: {f.data}. *Run time*: {f.seconds:.1f} s."]
        lines.append("")
        if f.error:
            lines += ["```", f.error.rstrip(), "```"]
            continue
        lines += ["| Claim | Verdict | Why | Measured | Rule |", "|---|---|---|---|---|"]
        for c in f.claims:
            measured = " <br> ".join(
                (f"{_block_label(b)}: {cb.verdict}; " if replicated else "") + cb.measured
                for b, cb in zip(f.blocks, c.blocks)
            )
            lines.append(
                f"| {_cell(c.text)} | {_md_verdict(c, replicated)} | {_cell(c.reason)} | {_cell(measured)} | "
                f"{_cell(c.rule)} |"
            )
        first = f.first
        for table in first.tables:
            lines += [
                "",
                f"**{table['title']}**",
                "",
                "| " + " | ".join(table["columns"]) + " |",
                "|" + "---|" * len(table["columns"]),
            ]
            lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in table["rows"]]
        for name in first.figures:
            lines += ["", f"![{name}]({_figure_file(f, name)})"]
        lines += [""] + [f"> {note}" for note in first.notes]
        if f.references:
            lines += ["", "References:", ""] + [f"- {r}" for r in f.references]
    return "\n".join(lines) + "\n"


def _json_safe(value):
    """JSON has no inf or nan: write them as the strings Python prints."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def verdicts_payload(findings: list[Finding], info: RunInfo) -> dict:
    """The claims' verdicts alone (combined and per block), keyed 'q05/relu_avoids_vanishing', with what
    produced them: small enough to commit as a reference."""
    claims = {}
    for f in findings:
        for c in f.claims:
            claims[f"{f.id}/{c.key}"] = {
                "verdict": c.verdict,
                "blocks": [b.verdict for b in c.blocks],
                "reason": c.reason,
            }
    return {"run": asdict(info), "claims": claims, "failed": [f.id for f in findings if f.error]}


def write_report(
    findings: list[Finding], out_dir: Path, title: str = "glassnet lab report", info: RunInfo | None = None
) -> dict[str, Path]:
    """Write index.html, report.md, report.json, verdicts.json and figures/*.png into ``out_dir``."""
    if info is None:
        info = RunInfo(quick=bool(findings and findings[0].quick), seed=findings[0].first.seed if findings else 0)
    out_dir = Path(out_dir)
    (out_dir / "figures").mkdir(parents=True, exist_ok=True)
    for f in findings:
        for name, png in f.first.figures.items():
            atomic_write(out_dir / _figure_file(f, name), png)
    paths = {
        "html": out_dir / "index.html",
        "markdown": out_dir / "report.md",
        "json": out_dir / "report.json",
        "verdicts": out_dir / "verdicts.json",
    }
    atomic_write(paths["html"], render_html(findings, title, info).encode())
    atomic_write(paths["markdown"], render_markdown(findings, title, info).encode())
    experiments = []
    for f in findings:
        experiments.append(
            {
                "id": f.id,
                "question": f.question,
                "answer": f.answer,
                "data": f.data,
                "references": f.references,
                "claims": [
                    {
                        "key": c.key,
                        "text": c.text,
                        "verdict": c.verdict,
                        "reason": c.reason,
                        "rule": c.rule,
                        "blocks": [asdict(b) for b in c.blocks],
                    }
                    for c in f.claims
                ],
                "blocks": [b.to_json() for b in f.blocks],
                "figures": [_figure_file(f, n) for n in f.first.figures],
                "error": f.error,
            }
        )
    payload = {"title": title, "run": asdict(info), "summary": verdict_counts(findings), "experiments": experiments}
    atomic_write(paths["json"], json.dumps(_json_safe(payload), indent=2, allow_nan=False).encode())
    atomic_write(paths["verdicts"], (json.dumps(verdicts_payload(findings, info), indent=2) + "\n").encode())
    return paths
