"""The pages a replay sent, set against the injected incidents of the generator's ground truth.

A page belongs to an incident when it names one of the incident's agents and is first sent
between the incident's start and the rule's linger after its end: while the rule's window
still holds the incident's hours (24 h for M1, M2, M3, M7 and C2; 6 h for P1; 1 h for the
hourly rates; 2 h for P2 and P3, which need two hours above their baseline), plus a grace
of 2 h for the tick that sees the last of them. M5 counts a run for every agent that
ran a step in it, so a workflow that fails in an incident's agent also lowers the completion
of the agents upstream of it in the same runs: an M5 page on such an agent belongs to the
incident too (a side effect). A fire page that belongs to no incident is a false page. An
incident's lead time is how long after its start its first page came.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from agent_monitor.lib.alerting.catalogue import CATALOGUE
from agent_monitor.lib.generator.ground_truth import IncidentTruth

GRACE = timedelta(hours=2)
# The rules the passage of time alone can breach: once a log ends, silence ages an open
# incident (M6) and stalls an open run (M5) as it would in production.
SILENCE_RULES = frozenset({"m5_workflow_completion", "m6_recovery_time"})
BASELINE_WINDOW_HOURS = 168  # P2 and P3: a window of baseline hours, judged hour by hour


def linger(rule: str) -> timedelta:
    """How long after an incident's end a page of `rule` may still be about it."""
    hours = CATALOGUE[rule].window_hours
    return timedelta(hours=2 if hours >= BASELINE_WINDOW_HOURS else hours) + GRACE


@dataclass(frozen=True)
class Page:
    """One Slack message sent by the alert sensor, and when (replay time) it was sent."""

    key: str
    rule: str
    scope: str
    episode: int
    kind: str  # fire, repeat, resolve
    sent_at: datetime

    @property
    def agents(self) -> tuple[str, ...]:
        """The agents the page names: `agent=A[;path=…]` → (A,), `edge=U->D` → (U, D)."""
        if self.scope.startswith("edge="):
            upstream, _, downstream = self.scope[len("edge="):].partition("->")
            return (upstream, downstream)
        return (self.scope.split(";", 1)[0].removeprefix("agent="),)


def parse_page(key: str, sent_at: datetime) -> Page:
    """A page from its idempotency key `<rule>:<scope>:<episode>:<kind>:<sequence>`."""
    rule, rest = key.split(":", 1)
    scope, episode, kind, _ = rest.rsplit(":", 3)
    return Page(key, rule, scope, int(episode), kind, sent_at)


@dataclass(frozen=True)
class PageMatch:
    """A fire page and the incident it belongs to (None: a false page)."""

    page: Page
    incident: IncidentTruth | None

    @property
    def expected(self) -> bool:
        """The page's rule is one the incident is expected to move (else a side effect)."""
        if self.incident is None:
            return False
        return CATALOGUE[self.page.rule].metric in self.incident.expected.get("rules", ())

    @property
    def lead(self) -> timedelta | None:
        """Time from the incident's start to this page."""
        return None if self.incident is None else self.page.sent_at - _naive(self.incident.start)


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None) if moment.tzinfo else moment


def upstream_of(agents: Iterable[str], edges: Iterable[tuple[str, str]]) -> set[str]:
    """The agents that feed the given ones through workflow edges (transitively), and them."""
    reach, pairs = set(agents), list(edges)
    while True:
        more = {up for up, down in pairs if down in reach} - reach
        if not more:
            return reach
        reach |= more


def belongs(page: Page, incident: IncidentTruth, edges: Sequence[tuple[str, str]] = ()) -> bool:
    start, end = _naive(incident.start), _naive(incident.end) + linger(page.rule)
    agents = set(incident.agents)
    if CATALOGUE[page.rule].metric == "M5":
        agents = upstream_of(agents, edges)
    return bool(set(page.agents) & agents) and start <= page.sent_at <= end


def match_pages(
    pages: Iterable[Page], incidents: Sequence[IncidentTruth], edges: Sequence[tuple[str, str]] = ()
) -> list[PageMatch]:
    """Every fire page with the incident it belongs to, in sending order: of several, the one
    that started last (an M1 page a day after a cascade, during a drift, is the drift's)."""
    out = []
    for page in sorted((p for p in pages if p.kind == "fire"), key=lambda p: (p.sent_at, p.key)):
        owners = sorted((i for i in incidents if belongs(page, i, edges)), key=lambda i: _naive(i.start))
        out.append(PageMatch(page, owners[-1] if owners else None))
    return out


def after_the_log(match: PageMatch, log_end: datetime) -> bool:
    """A page no incident explains, about what silence did once the traffic ended: an open
    incident or run left by the last events of the log (not a page about the traffic)."""
    return match.incident is None and match.page.rule in SILENCE_RULES and match.page.sent_at >= log_end


def first_pages(matches: Iterable[PageMatch], incidents: Sequence[IncidentTruth]) -> list[PageMatch | None]:
    """For each incident (in order), its first page, or None when it paged no one."""
    matched = list(matches)
    firsts: list[PageMatch | None] = []
    for incident in incidents:
        own = [m for m in matched if m.incident is incident]
        firsts.append(min(own, key=lambda m: m.page.sent_at) if own else None)
    return firsts
