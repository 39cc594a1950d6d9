"""The tender demo `make run` loads: a call open for bids, for which the demo shopper is a
supplier's representative, and an opened one whose record verifies and whose bids its
officials can read; a second load writes nothing new."""

import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from civic import demo_tenders
from civic import tender_crypto as tc
from civic.models import Bid, TenderCall, TenderStatus
from identity.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_calls(monkeypatch, tmp_path, card_settings, sign_in_at):
    monkeypatch.setattr(demo_tenders, "KEY_DIRECTORY", tmp_path)
    call_command("seed_demo", "--quiet")
    call_command("seed_demo", "--quiet")
    open_call = TenderCall.objects.get(reference=demo_tenders.OPEN_REFERENCE)
    assert open_call.status == TenderStatus.OPEN
    assert len(list(tmp_path.glob(f"{open_call.public_id}-official-*.json"))) == 3
    opened = TenderCall.objects.get(reference=demo_tenders.OPENED_REFERENCE)
    assert opened.status == TenderStatus.OPENED
    assert Bid.objects.filter(call=opened).count() == 3
    client = Client()
    record = json.loads(client.get(reverse("civic:tender_record", args=[opened.public_id])).content)
    report = tc.verify_tender_record(record)
    assert report.ok, report.failures
    assert report.opened == [2, 3]
    shopper = User.objects.get(email="shopper@demo.uniqc.coop")
    sign_in_at(client, shopper, "high")
    page = client.get(reverse("civic:tender_detail", args=[open_call.public_id]))
    assert 'id="tender-bid"' in page.content.decode()
    official = User.objects.get(email=demo_tenders.OFFICIALS[0][0])
    client.force_login(official)
    bid = client.get(reverse("civic:tender_opened_bid", args=[opened.public_id, 3]))
    assert "389\u00a0900,00" in bid.content.decode()


def test_without_the_card_ca_the_opened_call_waits(monkeypatch, tmp_path, settings):
    monkeypatch.setattr(demo_tenders, "KEY_DIRECTORY", tmp_path)
    settings.CARD_CA_DIR = str(tmp_path / "no-ca")
    call_command("seed_demo", "--quiet")
    assert TenderCall.objects.filter(reference=demo_tenders.OPEN_REFERENCE).exists()
    assert not TenderCall.objects.filter(reference=demo_tenders.OPENED_REFERENCE).exists()
