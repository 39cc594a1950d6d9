"""The secret-ballot demo `make run` loads: a published election whose record verifies, an
open one the shopper can vote in, the open election's trustee key files; a second
load writes nothing new."""

import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from coop_governance import demo_elections
from coop_governance.election import record as election_record
from coop_governance.models import Election, ElectionStatus
from identity.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_elections(monkeypatch, tmp_path, sign_in_at):
    monkeypatch.setattr(demo_elections, "KEY_DIRECTORY", tmp_path)
    call_command("seed_demo", "--quiet")
    call_command("seed_demo", "--quiet")
    published = Election.objects.get(title_fr=demo_elections.PUBLISHED_TITLE)
    assert published.status == ElectionStatus.PUBLISHED
    assert published.result["q1"]["counts"] == [10, 2]
    assert len(published.result["q2"]["elected"]) == 3
    record = json.loads(
        Client().get(reverse("governance:election_record", args=[published.public_id])).content
    )
    assert election_record.verify_record(record).ok
    opened = Election.objects.get(title_fr=demo_elections.OPEN_TITLE)
    assert opened.status == ElectionStatus.OPEN
    keys = sorted(tmp_path.glob(f"{opened.public_id}-trustee-*.json"))
    assert len(keys) == 3
    assert json.loads(keys[0].read_text())["format"] == "uniqc-trustee-key/v1"
    counting = Election.objects.get(title_fr=demo_elections.COUNTING_TITLE)
    assert counting.status == ElectionStatus.TALLYING
    assert len(list(tmp_path.glob(f"{counting.public_id}-trustee-*.json"))) == 3
    ceremony = Election.objects.get(title_fr=demo_elections.CEREMONY_TITLE)
    assert ceremony.status == ElectionStatus.CEREMONY
    client = Client()
    sign_in_at(client, User.objects.get(email="shopper@demo.uniqc.coop"), "high")
    booth = client.get(reverse("governance:election_booth", args=[opened.public_id]))
    assert 'id="booth"' in booth.content.decode()
