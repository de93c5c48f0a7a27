"""The tenant dashboard: sign-ins, registrations and failures over 30 days, drawn as SVG."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.db.models import Count
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from tenants.audit import AuditEvent

DAYS = 30
SIGNED_IN = "enduser.signed_in"
REGISTERED = "enduser.registered"
FAILURES = {
    "enduser.signin_failed": "Sign-in",
    "enduser.registration_failed": "Registration",
    "enduser.email_code_failed": "Email code",
}
TOP_REASONS = 10


@dataclass(frozen=True)
class Day:
    day: date
    sign_ins: int
    registrations: int
    failures: int


@dataclass(frozen=True)
class SignInStats:
    """Per-day counts (oldest first), totals, and the commonest failure reasons."""

    days: list
    sign_ins: int
    registrations: int
    failures: int
    reasons: list  # [(step, reason, count)]


def sign_in_stats(*, tenant, today: date | None = None) -> SignInStats:
    """Two grouped queries on the (tenant, action, created_at) index of the audit log."""
    today = today or timezone.now().date()
    first = today - timedelta(days=DAYS - 1)
    since = datetime.combine(first, time.min, tzinfo=dt_timezone.utc)
    events = AuditEvent.objects.for_tenant(tenant).filter(
        action__in=[SIGNED_IN, REGISTERED, *FAILURES], created_at__gte=since
    )
    counts: dict = {}
    per_day = (
        events.annotate(day=TruncDate("created_at"))
        .values_list("action", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    for action, day, n in per_day:
        counts[(action, day)] = n
    days = []
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        failed = sum(counts.get((action, day), 0) for action in FAILURES)
        days.append(
            Day(day, counts.get((SIGNED_IN, day), 0), counts.get((REGISTERED, day), 0), failed)
        )
    reasons = (
        events.filter(action__in=list(FAILURES))
        .annotate(reason=KeyTextTransform("reason", "details"))
        .values_list("action", "reason")
        .annotate(n=Count("id"))
        .order_by("-n", "action", "reason")[:TOP_REASONS]
    )
    return SignInStats(
        days=days,
        sign_ins=sum(d.sign_ins for d in days),
        registrations=sum(d.registrations for d in days),
        failures=sum(d.failures for d in days),
        reasons=[(FAILURES[a], r or "(no reason recorded)", n) for a, r, n in reasons],
    )


# Chart geometry (SVG user units); the SVG scales to its container's width.
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 620, 200, 36, 22, 10
COLOURS = {"sign_ins": "#2563eb", "registrations": "#16a34a", "failures": "#dc2626"}


def sign_in_chart(stats: SignInStats) -> str:
    """Grouped bars per day (sign-ins, registrations, failures); no script, no styles."""
    peak = max([1] + [max(d.sign_ins, d.registrations, d.failures) for d in stats.days])
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / len(stats.days)
    bar = max(1.0, slot / 4)
    bars = []
    for i, d in enumerate(stats.days):
        x0 = LEFT + i * slot + bar / 2
        for j, key in enumerate(("sign_ins", "registrations", "failures")):
            value = getattr(d, key)
            h = plot_h * value / peak
            bars.append(
                (
                    f"{x0 + j * bar:.1f}",
                    f"{TOP + plot_h - h:.1f}",
                    f"{bar:.1f}",
                    f"{h:.1f}",
                    COLOURS[key],
                    f"{d.day:%b %d}: {value} {key.replace('_', ' ')}",
                )
            )
    last = len(stats.days) - 1
    labels = [
        # The last label ends at the right edge so it is never cut off.
        (
            f"{WIDTH if i == last else LEFT + i * slot + slot / 2:.1f}",
            HEIGHT - 6,
            "end" if i == last else "middle",
            f"{d.day:%d %b}",
        )
        for i, d in enumerate(stats.days)
        if (i % 5 == 0 and last - i >= 3) or i == last
    ]
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="chart-title" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="chart-title">Sign-ins, new registrations and failures per day, last {days} '
        "days (peak {peak})</title>"
        '<line x1="{left}" y1="{base}" x2="{w}" y2="{base}" stroke="#9ca3af" />'
        '<text x="{tx}" y="{ty}" font-size="10" text-anchor="end" fill="#4b5563">{peak}</text>'
        '<text x="{tx}" y="{base}" font-size="10" text-anchor="end" fill="#4b5563">0</text>'
        "{bars}{labels}</svg>",
        w=WIDTH,
        h=HEIGHT,
        days=len(stats.days),
        peak=peak,
        left=LEFT,
        base=HEIGHT - BOTTOM,
        tx=LEFT - 4,
        ty=TOP + 8,
        bars=format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
            bars,
        ),
        labels=format_html_join(
            "",
            '<text x="{}" y="{}" font-size="10" text-anchor="{}" fill="#4b5563">{}</text>',
            labels,
        ),
    )
