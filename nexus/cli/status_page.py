"""The status page of `nexus status --all --html FILE`: every environment side by side, in one
self-contained HTML file (no script, no external asset: it opens from an artifact, a mail or
GitHub Pages alike). Pure rendering of what status.py gathered; not a command.

Readable on a laptop and on a phone: the cards flow into as many columns as fit (one on a
phone), long values (ARNs, zone lists) wrap inside their card, and every status is a word as
well as a colour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from nexus.live.verify import AREAS, Check


@dataclass
class VerifyResult:
    """One `nexus verify` run as kept in its results file."""

    checked_at: datetime
    summary: dict[str, int]
    checks: list[Check]

    def failing(self, area: str | None = None) -> list[Check]:
        return [c for c in self.checks if c.status == "fail" and area in (None, c.area)]

    def count(self, area: str) -> tuple[int, int]:
        """(passed, looked at) in `area`; skipped checks are not counted as looked at."""
        looked = [c for c in self.checks if c.area == area and c.status != "skip"]
        return sum(1 for c in looked if c.status == "pass"), len(looked)

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> VerifyResult:
        """KeyError, TypeError or ValueError when it is not what verify writes."""
        checks = [Check(**c) for c in document["checks"]]
        summary = {k: int(v) for k, v in document["summary"].items()}
        return cls(datetime.fromisoformat(document["checked_at"]), summary, checks)


@dataclass
class EnvironmentView:
    stack: str
    tier: str | None = None  # the settings' environment; None: no stack file here
    account: str | None = None
    region: str | None = None
    zones: list[str] = field(default_factory=list)
    monthly_cost: str | None = None
    resources: int | None = None
    plan_problem: str | None = None  # why there is no plan (a stack file the program refuses)
    result: VerifyResult | None = None
    drill: dict[str, Any] | None = None  # the last recovery drill restored from this stack's backups

    def state(self, now: datetime, stale_after_hours: float) -> tuple[str, str]:
        """(css class, word) of the card's headline."""
        if self.result is None:
            return "unknown", "never verified"
        if self.result.failing():
            return "failing", f"failing ({len(self.result.failing())})"
        if (now - self.result.checked_at).total_seconds() > stale_after_hours * 3600:
            return "stale", "healthy, but stale"
        return "healthy", "healthy"


@dataclass
class Promotion:
    source: str
    target: str
    blocking: list[str]
    by_design: int


_CSS = """
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --muted: #6e7781;
        --card: #ffffff; --bg: #f6f8fa; --line: #d0d7de; --text: #1f2328; }
@media (prefers-color-scheme: dark) {
  :root { --card: #161b22; --bg: #0d1117; --line: #30363d; --text: #e6edf3; --muted: #8d96a0;
          --ok: #3fb950; --bad: #f85149; --warn: #d29922; }
}
* { box-sizing: border-box; }
body { margin: 0; padding: 1rem; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       background: var(--bg); color: var(--text); }
header, main, footer { max-width: 90rem; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 0; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.summary { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; margin: .75rem 0 1rem; }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(min(100%, 22rem), 1fr)); }
section.card, section.promotion { background: var(--card); border: 1px solid var(--line); border-radius: .5rem;
                                  padding: .9rem 1rem; border-top: .35rem solid var(--muted); min-width: 0; }
.card.healthy { border-top-color: var(--ok); } .card.failing { border-top-color: var(--bad); }
.card.stale { border-top-color: var(--warn); }
.card > .head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: .5rem; }
.badge { font-weight: 600; white-space: nowrap; }
.healthy .badge, .pass { color: var(--ok); } .failing .badge, .fail { color: var(--bad); }
.stale .badge { color: var(--warn); } .unknown .badge { color: var(--muted); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .75rem; margin: .75rem 0 0; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; min-width: 0; }
ul.failures { margin: .6rem 0 0; padding-left: 1.1rem; } ul.failures li { overflow-wrap: anywhere; margin: .2rem 0; }
.promotion { margin-bottom: 1rem; } .promotion.ready { border-top-color: var(--ok); }
.promotion.blocked { border-top-color: var(--bad); }
footer { margin-top: 1.5rem; font-size: .85rem; }
"""


def ago(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _area_row(result: VerifyResult, area: str) -> str:
    passed, looked = result.count(area)
    failed = len(result.failing(area))
    word, css = ("pass", "pass") if not failed else (f"{failed} failed", "fail")
    return f'<dt>{escape(area)}</dt><dd><span class="{css}">{escape(word)}</span> ({passed}/{looked} checks)</dd>'


def _card(view: EnvironmentView, now: datetime, stale_after_hours: float) -> str:
    css, word = view.state(now, stale_after_hours)
    rows = []
    if view.tier is not None:
        rows += [
            f"<dt>tier</dt><dd>{escape(view.tier)}</dd>",
            f"<dt>account</dt><dd>{escape(view.account or '-')}</dd>",
            f"<dt>region</dt><dd>{escape(view.region or '-')}</dd>",
            f"<dt>zones</dt><dd>{escape(', '.join(view.zones) or '-')}</dd>",
        ]
    else:
        rows.append("<dt>stack file</dt><dd>none here (a stack verified elsewhere)</dd>")
    if view.plan_problem:
        rows.append(f'<dt>plan</dt><dd class="fail">{escape(view.plan_problem)}</dd>')
    if view.monthly_cost is not None:
        rows.append(f"<dt>monthly cost</dt><dd>{escape(view.monthly_cost)}</dd>")
    if view.resources is not None:
        rows.append(f"<dt>resources</dt><dd>{view.resources}</dd>")
    failures = ""
    if view.result is None:
        rows.append("<dt>last verify</dt><dd>never (no result of nexus verify)</dd>")
    else:
        at = view.result.checked_at
        rows.append(
            f'<dt>last verify</dt><dd><time datetime="{escape(at.isoformat())}">{at:%Y-%m-%d %H:%M} UTC</time> '
            f"({ago((now - at).total_seconds())} ago)</dd>"
        )
        rows += [_area_row(view.result, area) for area in AREAS]
        if failing := view.result.failing():
            items = "".join(
                f"<li><b>{escape(c.area)}</b> {escape(c.line().split(maxsplit=2)[2])}</li>" for c in failing
            )
            failures = f'<ul class="failures" aria-label="failing checks">{items}</ul>'
    if view.drill is not None:
        drill = view.drill
        seconds = drill.get("restore_seconds")
        restored = f"restored in {seconds} s" if isinstance(seconds, int) else "the restore failed"
        verdict, css = (
            ("passed", "pass") if drill.get("verify_passed") and isinstance(seconds, int) else ("FAILED", "fail")
        )
        rows.append(
            f'<dt>recovery drill</dt><dd><span class="{css}">{verdict}</span>: {escape(restored)} '
            f"into {escape(str(drill.get('stack', '?')))}, {escape(str(drill.get('started_at', '')))}</dd>"
        )
    return (
        f'<section class="card {css}" data-stack="{escape(view.stack)}">'
        f'<div class="head"><h2>{escape(view.stack)}</h2><span class="badge">{escape(word)}</span></div>'
        f"<dl>{''.join(rows)}</dl>{failures}</section>"
    )


def _promotion(promotion: Promotion | None) -> str:
    if promotion is None:
        return ""
    arrow = f"{escape(promotion.source)} → {escape(promotion.target)}"
    if not promotion.blocking:
        return (
            f'<section class="promotion ready"><h2>Promotion {arrow}: <span class="pass">READY</span></h2>'
            f'<p class="muted">{promotion.by_design} differences by design; none blocks promotion '
            f"(<code>nexus compare {escape(promotion.source)} {escape(promotion.target)}</code>).</p></section>"
        )
    items = "".join(f"<li>{escape(b)}</li>" for b in promotion.blocking)
    return (
        f'<section class="promotion blocked"><h2>Promotion {arrow}: <span class="fail">NOT READY</span></h2>'
        f'<ul class="failures">{items}</ul></section>'
    )


def _cell(text: str) -> str:
    """A live value in a table cell, inert: in a code span (no @mention, link or HTML in an
    issue body), its backticks made quotes and its pipes escaped (GitHub's tables split on them)."""
    if not text:
        return ""
    return "`" + text.replace("`", "'").replace("|", "\\|").replace("\n", " ") + "`"


def render_markdown(views: list[EnvironmentView], *, now: datetime, stale_after_hours: float) -> str:
    """The same state for a job summary or an issue body: a heading per environment, and a
    table of its failing checks."""
    out = []
    for view in views:
        _, word = view.state(now, stale_after_hours)
        line = f"### {view.stack}: {word}"
        if view.result is not None:
            at = view.result.checked_at
            line += f" (verified {at:%Y-%m-%d %H:%M} UTC, {ago((now - at).total_seconds())} ago)"
        out.append(line)
        if view.result is not None and (failing := view.result.failing()):
            out += ["", "| area | check | expected | live | detail |", "|---|---|---|---|---|"]
            out += [
                f"| {c.area} | {_cell(c.name)} | {_cell(c.expected)} | {_cell(c.live)} | {_cell(c.detail)} |"
                for c in failing
            ]
        out.append("")
    return "\n".join(out)


def render_page(
    views: list[EnvironmentView],
    promotion: Promotion | None,
    *,
    now: datetime,
    source: str,
    stale_after_hours: float,
) -> str:
    states = [v.state(now, stale_after_hours)[0] for v in views]
    counts = {s: states.count(s) for s in ("healthy", "failing", "stale", "unknown")}
    summary = (
        f'<span><b>{len(views)}</b> environments</span><span class="pass"><b>{counts["healthy"]}</b> healthy</span>'
        f'<span class="fail"><b>{counts["failing"]}</b> failing</span>'
        f"<span><b>{counts['stale']}</b> stale (last verify over {stale_after_hours:g} h ago)</span>"
        f"<span><b>{counts['unknown']}</b> never verified</span>"
    )
    cards = "".join(_card(v, now, stale_after_hours) for v in views)
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>NEXUS environments: {counts['failing']} failing</title><style>{_CSS}</style></head><body>"
        f'<header><h1>NEXUS environments</h1><p class="muted">Generated {now:%Y-%m-%d %H:%M} UTC by '
        f"<code>nexus status --all --html</code> from {escape(source)}.</p>"
        f'<div class="summary">{summary}</div></header>'
        f'<main>{_promotion(promotion)}<div class="grid">{cards}</div></main>'
        '<footer class="muted">Health, drift and isolation are the areas of <code>nexus verify</code>; '
        "costs are list prices of the offline plan (<code>nexus cost</code>).</footer>"
        "</body></html>\n"
    )
