"""The people admin works without a username field."""

import pytest
from django.urls import reverse

from identity.models import User
from identity.roles import Role, user_roles
from identity.services import user_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    # Not User.objects.create_superuser: it sets email_verified without
    # email_verified_at, which the model's check constraint refuses.
    superuser = user_create(
        email="root@example.com",
        password="root password 123",
        given_name="Root",
        family_name="Admin",
        email_verified=True,
        is_superuser=True,
        roles=(Role.COOP_ADMIN,),
    )
    client.force_login(superuser)
    return client


def test_changelist_searches_and_filters(admin_client_, alice):
    url = reverse("admin:identity_user_changelist")
    response = admin_client_.get(url, {"q": "tremblay", "email_verified__exact": "0"})
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [alice]


def test_add_person(admin_client_):
    response = admin_client_.get(reverse("admin:identity_user_add"))
    assert response.status_code == 200
    response = admin_client_.post(
        reverse("admin:identity_user_add"),
        {
            "email": "New.Person@Example.com",
            "given_name": "New",
            "family_name": "Person",
            "preferred_language": "en",
            "usable_password": "true",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="new.person@example.com")
    assert user.check_password("a long enough passphrase")
    assert user_roles(user) == {Role.SHOPPER}


def test_add_person_with_taken_email_fails(admin_client_, alice):
    response = admin_client_.post(
        reverse("admin:identity_user_add"),
        {
            "email": "ALICE@example.com",
            "given_name": "A",
            "family_name": "B",
            "preferred_language": "fr",
            "usable_password": "false",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.has_error("email", "unique")


def test_change_page_opens_and_saves(admin_client_, alice):
    url = reverse("admin:identity_user_change", args=[alice.pk])
    response = admin_client_.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None and name not in {"password"}
    }
    data.update(
        {
            "given_name": "Alicia",
            "groups": [g.pk for g in alice.groups.all()],
            "user_permissions": [],
        }
    )
    response = admin_client_.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    alice.refresh_from_db()
    assert alice.given_name == "Alicia"


@pytest.mark.parametrize(
    ("language", "header"),
    [("fr", "Administration de la Coop Uniqc"), ("en", "Uniqc Coop administration")],
)
def test_the_admin_names_the_coop_not_django(admin_client_, settings, language, header):
    admin_client_.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = admin_client_.get(reverse("admin:index")).content.decode()
    assert "<title>" in page and header in page.split("</title>")[0]
    assert header in page.split("</header>")[0]
    assert "Django" not in page.split("</header>")[0]
