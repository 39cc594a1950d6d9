"""The membership demo `make run` loads: someone who can join, an open vote on a member's
page, a request to leave waiting for the board; a second load writes nothing new."""

import pytest
from django.core.management import call_command

from coop_governance.joining import is_proven_adult
from coop_governance.models import Member, Motion, Withdrawal, WithdrawalStatus
from coop_governance.selectors import member_of
from identity.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_shows_joining_a_dashboard_and_a_withdrawal(client, sign_in_at):
    call_command("seed_demo", "--quiet")
    call_command("seed_demo", "--quiet")
    retailer = User.objects.get(email="retailer@demo.uniqc.coop")
    assert is_proven_adult(retailer) and member_of(retailer) is None
    [waiting] = Withdrawal.objects.filter(status=WithdrawalStatus.PENDING)
    assert waiting.member.person.email == "courier@demo.uniqc.coop"
    assert Motion.objects.filter(assembly__isnull=True).count() >= 1
    assert Member.objects.filter(person__email="courier@demo.uniqc.coop").count() == 1

    client.cookies.load({"django_language": "en"})
    sign_in_at(client, retailer, "substantial")
    assert 'name="category"' in client.get("/cooperative/").content.decode()
    sign_in_at(client, User.objects.get(email="shopper@demo.uniqc.coop"), "substantial")
    assert "data-open-motions" in client.get("/cooperative/").content.decode()
    sign_in_at(client, User.objects.get(email="admin@demo.uniqc.coop"), "high")
    page = client.get("/cooperative/retraits/").content.decode()
    assert f'data-withdrawal="{waiting.pk}"' in page
