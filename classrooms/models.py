"""Classrooms: an instructor's class with a market of its own, its members, and the scenarios it plays.

A class owns a ``trading.Market``: copies of the main assets and pairs (own codes, own prices), so the
price sources, the matcher and the risk engine, which work per asset and per pair, serve it as they
serve the main market, and a price moved in one class moves nothing anywhere else. A member's accounts
belong to a user of the membership's own (``holder``), as a Binance sub-account belongs to its master:
their spot wallet, cross and isolated accounts are a second set beside the student's personal ones,
which no class ever changes.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from trading.models import Market, Pair, amount_field

INSTRUCTOR_GROUP = "instructor"


class Classroom(models.Model):
    name = models.CharField(max_length=100)
    instructor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="classes_taught")
    market = models.OneToOneField(Market, on_delete=models.PROTECT, related_name="classroom")
    starting_balance = amount_field(help_text="USDT each member's class spot wallet starts with.")
    join_code = models.CharField(max_length=16, unique=True)
    is_open = models.BooleanField(default=True, help_text="Whether new members may join with the code.")
    # The futures product: the class's perpetuals (copies of the main ones on its pairs) and a class
    # futures wallet for every member.
    futures = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class ClassPair(models.Model):
    """A class's copy of a main pair: its own symbol, base asset and prices."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="class_pairs")
    source = models.ForeignKey(Pair, on_delete=models.PROTECT, related_name="class_copies")
    pair = models.OneToOneField(Pair, on_delete=models.PROTECT, related_name="class_pair")

    class Meta:
        ordering = ["source__symbol"]
        constraints = [models.UniqueConstraint(fields=["classroom", "source"], name="classpair_one_copy_per_class")]

    def __str__(self) -> str:
        return f"{self.classroom_id}: {self.source_id} as {self.pair_id}"


class Membership(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="memberships")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="class_memberships")
    # The user that owns the member's class accounts; it has no password and cannot sign in.
    holder = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="class_holding", editable=False
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["classroom", "student"], name="membership_one_per_student")]

    def __str__(self) -> str:
        return f"{self.student_id} in {self.classroom_id}"


class EquitySample(models.Model):
    """A member's class equity after a scenario step: the board's drawdown is read from these."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="equity_samples")
    equity = amount_field()
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["membership_id", "taken_at"]
        indexes = [models.Index(fields=["membership", "taken_at"], name="equity_sample_by_member")]

    def __str__(self) -> str:
        return f"{self.membership_id} {self.taken_at:%H:%M:%S} {self.equity}"


class Scenario(models.Model):
    """A scenario as data (``classrooms.scenario`` reads and checks ``spec``)."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    spec = models.JSONField(help_text="Events and replay, as in classrooms/scenarios/README.md.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ScenarioRun(models.Model):
    class State(models.TextChoices):
        RUNNING = "running"
        PAUSED = "paused"
        STOPPED = "stopped"
        FINISHED = "finished"

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="runs")
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="runs")
    state = models.CharField(max_length=8, choices=State.choices, default=State.RUNNING)
    speed = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal(1))
    # Scenario time is ``elapsed`` (seconds, played before the last resume) + (now - resumed_at) x speed.
    elapsed = models.DecimalField(max_digits=16, decimal_places=3, default=Decimal(0))
    resumed_at = models.DateTimeField(null=True, blank=True)
    # Each start or resume begins a new chain of steps; a step of an older chain does nothing.
    chain = models.PositiveIntegerField(default=0)
    # Prices at the start (what shocks move from) and the interest events applied, by index.
    state_data = models.JSONField(default=dict, blank=True)
    steps = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["classroom"], condition=Q(state__in=["running", "paused"]), name="scenariorun_one_active"
            ),
            models.CheckConstraint(condition=Q(speed__gt=0), name="scenariorun_speed_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.scenario} in {self.classroom} ({self.state})"
