"""Test helpers for secret-ballot elections: an election made through the services, and
trustees simulated in Python (dkg.TrusteeKeys, the mixnet's shuffle) who talk to the server
through the same JSON endpoints as the trustee's page."""

import datetime
import json
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coop_governance import elections as services
from coop_governance.election import dkg, shuffle
from coop_governance.election.record import ElectionContext
from coop_governance.models import Election
from coop_governance.tests.factories import board_seat_give, member_make

QUESTIONS = [
    {
        "kind": "choose",
        "text_fr": "Adopter le budget",
        "text_en": "Adopt the budget",
        "answers": [{"fr": "Pour", "en": "For"}, {"fr": "Contre", "en": "Against"}],
        "min": 1,
        "max": 1,
    },
    {
        "kind": "rank",
        "text_fr": "Élire le conseil",
        "text_en": "Elect the board",
        "answers": [{"fr": name, "en": name} for name in ("Ana", "Bruno", "Chloé", "Dev")],
        "seats": 2,
        "ranks": 3,
    },
]


def board_person() -> Any:
    member = member_make(email=f"board-{Election.objects.count()}@example.org")
    board_seat_give(member)
    return member.person


def trustees_make(count: int) -> list[Any]:
    return [
        member_make(email=f"trustee{i}-{timezone.now().timestamp()}@example.org").person
        for i in range(count)
    ]


def election_make(
    *,
    board: Any,
    trustees: list[Any],
    threshold: int = 2,
    questions: list[dict] | None = None,
    opens_at: datetime.datetime | None = None,
    closes_at: datetime.datetime | None = None,
) -> Election:
    now = timezone.now()
    return services.election_create(
        title_fr="Élection du conseil",
        title_en="Board election",
        opens_at=opens_at or now - datetime.timedelta(minutes=5),
        closes_at=closes_at or now + datetime.timedelta(days=7),
        threshold=threshold,
        trustee_users=trustees,
        questions=questions or QUESTIONS,
        acting_user=board,
    )


def post_json(client: Client, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def url(name: str, election: Election) -> str:
    return reverse(f"governance:{name}", args=[election.public_id])


class SimulatedTrustee:
    """A trustee's browser, in Python: keeps the secrets, posts the public values."""

    def __init__(self, election: Election, user: Any, index: int) -> None:
        self.election, self.user, self.index = election, user, index
        self.client = Client()
        self.client.force_login(user)
        self.keys: dkg.TrusteeKeys | None = None

    def state(self) -> dict:
        response = self.client.get(url("election_trustee_state", self.election))
        assert response.status_code == 200, response.content
        return response.json()

    def post(self, name: str, body: dict) -> Any:
        return post_json(self.client, url(f"election_trustee_{name}", self.election), body)

    def step(self) -> str:
        """Do whatever the server says is this trustee's next step; answer the phase."""
        state = self.state()
        phase = state["phase"]
        eid, fp = state["election_id"], bytes.fromhex(state["fingerprint"])
        if phase == "transport":
            manifest = state["manifest"]
            self.keys = dkg.TrusteeKeys(
                eid, fp, self.index, manifest["trustees"], manifest["threshold"]
            )
            response = self.post("cle", self.keys.transport_key())
        elif phase == "deal":
            keys = {t["index"]: t["transport_key"] for t in state["trustees"]}
            response = self.post("distribution", self.keys.deal(keys))
        elif phase == "check":
            response = self.post(
                "verification", {"verification_key": self.keys.check(state["received"])}
            )
        elif phase == "mix":
            task = state["mix"]
            K = bytes.fromhex(state["public_key"])
            context = ElectionContext(eid, fp, K, state["threshold"], {})
            width = len(task["input"][0]) if task["input"] else 0
            inputs = shuffle.decode_ballots(task["input"], width, "input")
            step = shuffle.shuffle_step(
                context,
                task["question_id"],
                task["position"],
                inputs,
                trustee=self.index,
                transport_secret=self.keys.transport_secret,
            )
            response = self.post(
                "melange",
                {
                    "question_id": task["question_id"],
                    "position": task["position"],
                    "output": step["output"],
                    "proof": step["proof"],
                    "signature": step["signature"],
                },
            )
        elif phase == "decrypt":
            K = bytes.fromhex(state["public_key"])
            task = state["decrypt"]
            response = self.post(
                "depouillement",
                {
                    "tally": {
                        qid: self.keys.partial_decrypt(K, cts) for qid, cts in task["tally"].items()
                    },
                    "mixed": {
                        qid: [self.keys.partial_decrypt(K, ballot) for ballot in ballots]
                        for qid, ballots in task["mixed"].items()
                    },
                },
            )
        else:
            return phase
        assert response.status_code == 201, response.content
        return phase


def ceremony_run(election: Election, trustees: list[SimulatedTrustee]) -> Election:
    for _ in range(3):
        for trustee in trustees:
            trustee.step()
    election.refresh_from_db()
    return election


def trustees_for(election: Election, users: list[Any]) -> list[SimulatedTrustee]:
    return [SimulatedTrustee(election, user, i) for i, user in enumerate(users, start=1)]
