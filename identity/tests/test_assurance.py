"""require_assurance lets a view run only at the level it names, and sends others up."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory

from identity.assurance import SESSION_ACR, require_assurance


@require_assurance("high")
def high_view(request):
    return HttpResponse("ran")


def request_at(user, acr: str | None, path: str = "/vote/"):
    request = RequestFactory().get(path)
    request.user = user
    request.session = SessionStore()
    if acr:
        request.session[SESSION_ACR] = acr
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.django_db
@pytest.mark.parametrize("acr", ["low", "substantial"])
def test_a_lower_level_is_sent_to_card_sign_in_and_back(make_person, acr):
    response = high_view(request_at(make_person("a@example.ca", "shopper"), acr))
    assert response.status_code == 302
    assert response["Location"] == "/login/card?next=%2Fvote%2F"


def test_a_visitor_is_sent_to_card_sign_in():
    response = high_view(request_at(AnonymousUser(), None))
    assert response["Location"].startswith("/login/card?next=")


@pytest.mark.django_db
def test_the_level_itself_runs_the_view(make_person):
    response = high_view(request_at(make_person("a@example.ca", "shopper"), "high"))
    assert response.content == b"ran"


def test_an_unknown_level_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown assurance level"):
        require_assurance("medium")
