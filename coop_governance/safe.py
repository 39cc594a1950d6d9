"""A member's statements kept in their safe (identity's vault, ADR 0011).

The member asks for it (the safe is theirs; nothing is put there behind their back): the
ristourne statement of a year, or a membership statement of their line of the register.
Asking twice keeps one copy: a statement already in the safe, unchanged and not deleted, is
returned as it is.
"""

import datetime
import hashlib
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coop_governance.errors import NotAMember, NotYourRistourne
from coop_governance.models import Member, MemberStatus, RistourneAllocation
from coop_governance.ristourne_statements import statement_draw, statement_pdf
from core.templatetags.qc import date_qc
from identity.models import VaultDocument, VaultDocumentKind
from identity.vault.services import vault_document_deposit

SOURCE_APP = "coop_governance"
# A tax record: six years after the end of the year it is for (Income Tax Act, s. 230(4)).
RECORD_YEARS = 6


def access_statement_keep(*, user: Any, member: Member) -> None:
    """Only the member may put their statements in their own safe: the person, or the
    owner of the member store. The board reads statements but keeps them in no one's safe."""
    from marketplace.models import StoreRole

    if not getattr(user, "is_authenticated", False):
        raise NotAMember()
    if member.person_id is not None and member.person_id == user.pk:
        return
    if (
        member.store_id is not None
        and member.store.staff.filter(user=user, role=StoreRole.OWNER).exists()
    ):
        return
    raise NotAMember()


def _language(language: str) -> str:
    return "en" if language.startswith("en") else "fr"


def _keep(
    *, owner: Any, kind: str, title: str, pdf: bytes, keep_until: datetime.datetime | None
) -> tuple[VaultDocument, bool]:
    """Deposit `pdf` in `owner`'s safe unless the same bytes are already there."""
    digest = hashlib.sha256(pdf).hexdigest()
    existing = VaultDocument.objects.filter(
        owner=owner, kind=kind, sha256=digest, deleted_at__isnull=True
    ).first()
    if existing is not None:
        return existing, False
    document = vault_document_deposit(
        owner=owner,
        kind=kind,
        title=title,
        content=pdf,
        content_type="application/pdf",
        source_app=SOURCE_APP,
        keep_until=keep_until,
        acting_user=owner,
    )
    return document, True


def ristourne_statement_keep(
    *, allocation: RistourneAllocation, acting_user: Any, language: str = "fr"
) -> tuple[VaultDocument, bool]:
    """Put the statement of `allocation` in the acting member's safe, kept six years after
    the fiscal year ends (a tax record). Returns the document and whether it is new."""
    try:
        access_statement_keep(user=acting_user, member=allocation.member)
    except NotAMember:
        raise NotYourRistourne() from None
    language = _language(language)
    pdf = statement_pdf(allocation, language=language)
    year = allocation.fiscal_year
    ends = datetime.datetime.combine(year.ends_on, datetime.time.min, tzinfo=datetime.UTC)
    keep_until = ends.replace(year=ends.year + RECORD_YEARS)
    with translation.override(language):
        title = _("Ristourne statement, fiscal year %(year)s") % {"year": year}
    return _keep(
        owner=acting_user,
        kind=VaultDocumentKind.RISTOURNE_STATEMENT,
        title=title,
        pdf=pdf,
        keep_until=keep_until,
    )


def membership_statement_pdf(member: Member, *, on: datetime.date, language: str = "fr") -> bytes:
    """A statement of one line of the register as it stands on `on`: who, number,
    category, qualifying shares, member since, status."""
    with translation.override(language):
        name = member.store.legal_name or member.store.name if member.store_id else None
        title = _("Membership statement")
        rows = [
            (_("Member"), f"#{member.number} · {name or member.person.get_full_name()}"),
            (_("Category"), str(member.get_category_display())),
            (_("Qualifying shares"), str(member.qualifying_shares)),
            (_("Member since"), date_qc(member.joined_at)),
            (_("Status"), str(member.get_status_display())),
        ]
        notes = [
            _("As the coop’s register of members stands on %(date)s.") % {"date": date_qc(on)},
            _("One member, one vote, whatever the shares held."),
        ]
        return statement_draw(title, rows, notes, author=_("Uniqc Coop"))


def membership_statement_keep(
    *, member: Member, acting_user: Any, language: str = "fr"
) -> tuple[VaultDocument, bool]:
    """Put today's statement of `member`'s line of the register in the acting member's
    safe; they may delete it whenever they like."""
    access_statement_keep(user=acting_user, member=member)
    if member.status == MemberStatus.WITHDRAWN:
        raise NotAMember()
    language = _language(language)
    today = timezone.localdate()
    pdf = membership_statement_pdf(member, on=today, language=language)
    with translation.override(language):
        title = _("Membership statement of %(date)s") % {"date": date_qc(today)}
    return _keep(
        owner=acting_user,
        kind=VaultDocumentKind.MEMBERSHIP_STATEMENT,
        title=title,
        pdf=pdf,
        keep_until=None,
    )
