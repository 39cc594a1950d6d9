"""Celery tasks of the assemblies: they take ids, load rows, and mail."""

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from coop_governance.models import Assembly, Member, MemberStatus, NoticeDelivery
from identity.tasks import MAIL_RETRY, mail_user


def notice_recipients(member: Member) -> list:
    """Who receives a member's notice: the person, or each active owner of a store."""
    from marketplace.models import StoreRole

    if member.person_id is not None:
        return [member.person] if member.person.is_active else []
    return [
        staff.user
        for staff in member.store.staff.filter(
            role=StoreRole.OWNER, user__is_active=True
        ).select_related("user")
    ]


@shared_task(**MAIL_RETRY)
def assembly_notice_mail(assembly_id: int) -> int:
    """Mail the notice of an assembly to every member active now, in each person's
    language, with the agenda and the documents' links. A retry mails only those not
    reached yet (NoticeDelivery). Returns the number of mails sent by this run."""
    assembly = (
        Assembly.objects.filter(pk=assembly_id, notice_sent_at__isnull=False)
        .select_related("bylaws")
        .first()
    )
    if assembly is None:
        return 0
    agenda = list(assembly.agenda.select_related("motion").prefetch_related("documents"))
    page = f"{settings.SITE_URL}{reverse('governance:assembly_detail', args=[assembly.pk])}"
    documents = [
        (
            item,
            [
                (
                    document,
                    document.url
                    or settings.SITE_URL
                    + reverse("governance:assembly_document", args=[assembly.pk, document.pk]),
                )
                for document in item.documents.all()
            ],
        )
        for item in agenda
    ]
    done = set(
        NoticeDelivery.objects.filter(assembly=assembly).values_list("member_id", "recipient_id")
    )
    sent = 0
    members = Member.objects.filter(status=MemberStatus.ACTIVE).select_related("person", "store")
    for member in members.iterator(chunk_size=500):
        for recipient in notice_recipients(member):
            if (member.pk, recipient.pk) in done or not recipient.email:
                continue
            mail_user(
                recipient,
                "coop_governance/email/assembly_notice",
                {"assembly": assembly, "agenda": documents, "link": page, "member": member},
            )
            try:
                with transaction.atomic():
                    NoticeDelivery.objects.create(
                        assembly=assembly, member=member, recipient=recipient
                    )
            except IntegrityError:  # another run of the task sent it meanwhile
                pass
            sent += 1
    return sent
