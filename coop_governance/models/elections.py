"""Secret-ballot elections (docs/election-record.md). The server keeps only public values:
the manifest, each trustee's public messages, the encrypted ballots, the shuffles and the
partial decryptions. It never sees a plaintext choice or a trustee's secret; the result is
computed from what the trustees publish, and anyone can recompute it from the record."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ElectionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CEREMONY = "ceremony", _("Key ceremony")
    READY = "ready", _("Ready to open")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    TALLYING = "tallying", _("Being counted")
    PUBLISHED = "published", _("Result published")
    CANCELLED = "cancelled", _("Cancelled")


# The statuses in which the manifest is frozen and the election key exists.
KEYED = ("ready", "open", "closed", "tallying", "published")


class QuestionKind(models.TextChoices):
    CHOOSE = "choose", _("Choose answers")
    RANK = "rank", _("Rank candidates (single transferable vote)")


class Election(models.Model):
    """A secret ballot. Its rules (re-voting, assurance) are the by-laws' in force when the
    board created it; its manifest is frozen when the key ceremony starts."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=ElectionStatus.choices, default=ElectionStatus.DRAFT
    )
    bylaws = models.ForeignKey(
        "coop_governance.Bylaws", on_delete=models.PROTECT, related_name="elections"
    )
    revote = models.BooleanField(_("a new ballot replaces the earlier one"))
    assurance = models.CharField(_("assurance needed to vote"), max_length=12)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    trustee_count = models.PositiveSmallIntegerField(_("trustees"))
    threshold = models.PositiveSmallIntegerField(_("trustees needed to decrypt"))
    manifest = models.JSONField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    public_key = models.CharField(max_length=64, blank=True)
    # At closing: the encrypted tally of each choose question ({qid: [{alpha, beta}]}) and
    # the mix's input of each rank question ({qid: [[{alpha, beta}...]...]}).
    encrypted_tally = models.JSONField(null=True, blank=True)
    mix_input = models.JSONField(null=True, blank=True)
    eligible_count = models.PositiveIntegerField(
        _("members on the register at closing"), null=True, blank=True
    )
    result = models.JSONField(null=True, blank=True)
    record = models.JSONField(null=True, blank=True)
    ceremony_started_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-opens_at", "pk"]
        verbose_name = _("election")
        verbose_name_plural = _("elections")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="coop_governance_election_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(threshold__gte=1, threshold__lte=models.F("trustee_count")),
                name="coop_governance_election_threshold_within_trustees",
            ),
            models.CheckConstraint(
                condition=models.Q(assurance__in=("substantial", "high")),
                name="coop_governance_election_assurance_level",
            ),
            # The manifest is frozen from the ceremony on, never before.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status="draft", manifest__isnull=True, ceremony_started_at__isnull=True
                    )
                    | models.Q(status="cancelled")
                    | (
                        ~models.Q(status__in=("draft", "cancelled"))
                        & models.Q(manifest__isnull=False, ceremony_started_at__isnull=False)
                    )
                ),
                name="coop_governance_election_manifest_from_ceremony",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=KEYED)
                | models.Q(ready_at__isnull=False, public_key__regex=r"^[0-9a-f]{64}$"),
                name="coop_governance_election_key_once_ready",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=("open", "closed", "tallying", "published"))
                | models.Q(opened_at__isnull=False),
                name="coop_governance_election_opened_at",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=("closed", "tallying", "published"))
                | models.Q(closed_at__isnull=False, eligible_count__isnull=False),
                name="coop_governance_election_closed_at",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status="published",
                        published_at__isnull=False,
                        result__isnull=False,
                        record__isnull=False,
                    )
                    | (~models.Q(status="published") & models.Q(result__isnull=True))
                ),
                name="coop_governance_election_result_when_published",
            ),
            models.CheckConstraint(
                condition=models.Q(status="cancelled", cancelled_at__isnull=False)
                | (~models.Q(status="cancelled") & models.Q(cancelled_at__isnull=True)),
                name="coop_governance_election_cancelled_at",
            ),
        ]

    def __str__(self) -> str:
        return self.title_fr

    def title(self, language: str | None) -> str:
        return self.title_en if (language or "fr").startswith("en") else self.title_fr


class ElectionQuestion(models.Model):
    """One question of the ballot: choose between `min_choices` and `max_choices` answers,
    or rank up to `ranks` candidates for `seats` seats. `answers` is [{fr, en}, ...]."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    qid = models.CharField(max_length=32)
    kind = models.CharField(_("kind"), max_length=6, choices=QuestionKind.choices)
    text_fr = models.TextField(_("question (French)"))
    text_en = models.TextField(_("question (English)"))
    answers = models.JSONField(_("answers"))
    min_choices = models.PositiveSmallIntegerField(null=True, blank=True)
    max_choices = models.PositiveSmallIntegerField(null=True, blank=True)
    seats = models.PositiveSmallIntegerField(null=True, blank=True)
    ranks = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["election", "position"]
        verbose_name = _("election question")
        verbose_name_plural = _("election questions")
        constraints = [
            models.UniqueConstraint(
                fields=["election", "position"], name="coop_governance_question_position"
            ),
            models.UniqueConstraint(
                fields=["election", "qid"], name="coop_governance_question_qid"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind="choose",
                        min_choices__isnull=False,
                        max_choices__gt=0,
                        max_choices__gte=models.F("min_choices"),
                        seats__isnull=True,
                        ranks__isnull=True,
                    )
                    | models.Q(
                        kind="rank",
                        min_choices__isnull=True,
                        max_choices__isnull=True,
                        seats__gte=1,
                        ranks__gte=1,
                    )
                ),
                name="coop_governance_question_bounds_match_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.election_id}/{self.qid}"

    def text(self, language: str | None) -> str:
        return self.text_en if (language or "fr").startswith("en") else self.text_fr


class ElectionTrustee(models.Model):
    """A trustee of an election (index 1..n) and the public messages they posted during
    the key ceremony. Their secrets stay in a key file on their own computer."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="trustees")
    index = models.PositiveSmallIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="election_trusteeships"
    )
    transport_key = models.CharField(max_length=64, blank=True)
    transport_proof = models.JSONField(null=True, blank=True)
    key_posted_at = models.DateTimeField(null=True, blank=True)
    commitments = models.JSONField(null=True, blank=True)
    shares = models.JSONField(null=True, blank=True)
    dealt_at = models.DateTimeField(null=True, blank=True)
    verification_key = models.CharField(max_length=64, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    complaint = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["election", "index"]
        verbose_name = _("trustee")
        verbose_name_plural = _("trustees")
        constraints = [
            models.UniqueConstraint(
                fields=["election", "index"], name="coop_governance_trustee_index"
            ),
            models.UniqueConstraint(
                fields=["election", "user"], name="coop_governance_trustee_user"
            ),
            models.CheckConstraint(
                condition=models.Q(index__gte=1), name="coop_governance_trustee_index_positive"
            ),
            # Each step's message comes with its time, and in order.
            models.CheckConstraint(
                condition=models.Q(key_posted_at__isnull=True, transport_key="")
                | models.Q(key_posted_at__isnull=False, transport_proof__isnull=False),
                name="coop_governance_trustee_key_posted",
            ),
            models.CheckConstraint(
                condition=models.Q(dealt_at__isnull=True, commitments__isnull=True)
                | models.Q(dealt_at__isnull=False, key_posted_at__isnull=False),
                name="coop_governance_trustee_dealt_after_key",
            ),
            models.CheckConstraint(
                condition=models.Q(checked_at__isnull=True, verification_key="")
                | models.Q(checked_at__isnull=False, dealt_at__isnull=False),
                name="coop_governance_trustee_checked_after_deal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.election_id}#{self.index}"


class CastBallot(models.Model):
    """An encrypted ballot as cast. With re-voting, an earlier ballot stays, marked
    `replaced_at`, and published as replaced; one ballot per member is counted."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="ballots")
    member = models.ForeignKey(
        "coop_governance.Member", on_delete=models.PROTECT, related_name="cast_ballots"
    )
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acr = models.CharField(max_length=12)
    tracker = models.CharField(max_length=64)
    ballot = models.JSONField()
    cast_at = models.DateTimeField(default=timezone.now)
    replaced_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces"
    )

    class Meta:
        ordering = ["election", "cast_at", "pk"]
        verbose_name = _("cast ballot")
        verbose_name_plural = _("cast ballots")
        constraints = [
            models.UniqueConstraint(
                fields=["election", "tracker"], name="coop_governance_ballot_tracker"
            ),
            models.UniqueConstraint(
                fields=["election", "member"],
                condition=models.Q(replaced_at__isnull=True),
                name="coop_governance_ballot_one_counted_per_member",
            ),
            models.CheckConstraint(
                condition=models.Q(replaced_by__isnull=True)
                | models.Q(replaced_at__isnull=False, replaced_by__isnull=False),
                name="coop_governance_ballot_replaced_by_another",
                # (replaced_at is set first, in the same transaction, then replaced_by:
                # the partial unique index must let the new ballot in between.)
            ),
            models.CheckConstraint(
                condition=models.Q(tracker__regex=r"^[0-9a-f]{64}$"),
                name="coop_governance_ballot_tracker_hex",
            ),
        ]
        indexes = [models.Index(fields=["election", "tracker"], name="coop_gov_ballot_trk_idx")]

    def __str__(self) -> str:
        return self.tracker[:12]

    @property
    def counted(self) -> bool:
        return self.replaced_at is None


class BallotAlpha(models.Model):
    """Every `alpha` of every ballot cast: a ciphertext is accepted once per election, so
    no one can copy another voter's encrypted choice to learn it from the tally."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="+")
    ballot = models.ForeignKey(CastBallot, on_delete=models.CASCADE, related_name="alphas")
    alpha = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("ciphertext cast")
        verbose_name_plural = _("ciphertexts cast")
        constraints = [
            models.UniqueConstraint(
                fields=["election", "alpha"], name="coop_governance_alpha_once_per_election"
            ),
            models.CheckConstraint(
                condition=models.Q(alpha__regex=r"^[0-9a-f]{64}$"),
                name="coop_governance_alpha_hex",
            ),
        ]

    def __str__(self) -> str:
        return self.alpha[:12]


class MixShuffle(models.Model):
    """One trustee's re-encryption and shuffle of a rank question's ballots, with its proof
    and the trustee's signature.
    Positions follow each other from 0 (the record's order); each trustee shuffles a
    question once."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="shuffles")
    qid = models.CharField(max_length=32)
    position = models.PositiveSmallIntegerField()
    trustee = models.ForeignKey(ElectionTrustee, on_delete=models.PROTECT, related_name="shuffles")
    output = models.JSONField()
    proof = models.JSONField()
    # The trustee's signature {"c", "z"} of the shuffle under their transport key (record
    # section 9.3); null only for a shuffle posted before signatures existed.
    signature = models.JSONField(null=True, blank=True)
    posted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["election", "qid", "position"]
        verbose_name = _("shuffle")
        verbose_name_plural = _("shuffles")
        constraints = [
            models.UniqueConstraint(
                fields=["election", "qid", "position"], name="coop_governance_shuffle_position"
            ),
            models.UniqueConstraint(
                fields=["election", "qid", "trustee"], name="coop_governance_shuffle_trustee"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.election_id}/{self.qid}#{self.position}"


class PartialDecryption(models.Model):
    """A trustee's partial decryption of the tallies and the mixed ballots, with proofs
    (`payload` is what the trustee posted, verified)."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="decryptions")
    trustee = models.ForeignKey(
        ElectionTrustee, on_delete=models.PROTECT, related_name="decryptions"
    )
    payload = models.JSONField()
    posted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["election", "trustee__index"]
        verbose_name = _("partial decryption")
        verbose_name_plural = _("partial decryptions")
        constraints = [
            models.UniqueConstraint(
                fields=["election", "trustee"], name="coop_governance_decryption_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.election_id}#{self.trustee_id}"
