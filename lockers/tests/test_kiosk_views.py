"""The kiosk's pages: set up with the device's secret, then the keypad at the device's own
site; every step works with plain forms (no JavaScript)."""

import re

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse

from lockers.kiosk_devices import kiosk_device_create, kiosk_device_revoke
from lockers.kiosk_pickup import pickup_qr_text
from lockers.kiosk_views import KIOSK_COOKIE, KIOSK_COOKIE_SALT
from lockers.models import ParcelStatus
from lockers.tests.kiosk_helpers import kiosk_setup, wrong_code

pytestmark = pytest.mark.django_db

__all__ = ["kiosk_setup"]

KIOSK = reverse("lockers:kiosk")
ACTIVATE = reverse("lockers:kiosk_activate")


@pytest.fixture
def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def signed_in(client, secret: str):
    response = client.post(ACTIVATE, {"secret": secret})
    assert response.status_code == 302
    assert response["Location"] == KIOSK
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_screen_without_a_device_goes_to_the_activation_page(client):
    response = client.get(KIOSK)
    assert response.status_code == 302
    assert response["Location"] == ACTIVATE
    assert client.post(KIOSK, {"code": "123456"}).status_code == 302


def test_the_secret_typed_once_is_kept_in_a_strict_httponly_cookie(english, kiosk_setup):
    response = english.post(ACTIVATE, {"secret": kiosk_setup.secret})
    cookie = response.cookies[KIOSK_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == KIOSK
    assert int(cookie["max-age"]) >= 365 * 24 * 3600
    # Signed: the cookie is the secret and its signature, not something a screen can edit.
    assert cookie.value.startswith(kiosk_setup.secret + ":")
    page = english.get(KIOSK)
    assert page.status_code == 200
    assert kiosk_setup.waiting.site.name in text(page)
    assert "Your 6-digit pickup code" in text(page)


def test_the_cookie_is_secure_where_the_session_cookie_is(client, kiosk_setup, settings):
    settings.SESSION_COOKIE_SECURE = True
    response = client.post(ACTIVATE, {"secret": kiosk_setup.secret})
    assert response.cookies[KIOSK_COOKIE]["secure"] is True


@pytest.mark.parametrize("secret", ["", "uqk_wrong", "not a secret"])
def test_a_wrong_secret_sets_up_nothing(english, kiosk_setup, secret):
    response = english.post(ACTIVATE, {"secret": secret})
    assert response.status_code == 400
    assert KIOSK_COOKIE not in response.cookies
    assert "does not belong to a kiosk device" in text(response)


def test_a_cookie_that_was_not_signed_here_opens_nothing(client, kiosk_setup):
    client.cookies[KIOSK_COOKIE] = kiosk_setup.secret
    response = client.post(KIOSK, {"code": kiosk_setup.waiting.code})
    assert response.status_code == 403
    kiosk_setup.waiting.parcel.refresh_from_db()
    assert kiosk_setup.waiting.parcel.status == ParcelStatus.IN_LOCKER


def test_a_revoked_device_is_signed_out_at_its_next_request(english, kiosk_setup):
    signed_in(english, kiosk_setup.secret)
    kiosk_device_revoke(device=kiosk_setup.device, acting_user=None)
    response = english.post(KIOSK, {"code": kiosk_setup.waiting.code})
    assert response.status_code == 403
    assert "its kiosk device was revoked" in text(response)
    assert response.cookies[KIOSK_COOKIE].value == ""
    kiosk_setup.waiting.parcel.refresh_from_db()
    assert kiosk_setup.waiting.parcel.status == ParcelStatus.IN_LOCKER
    # The secret cannot set the screen up again either.
    assert english.post(ACTIVATE, {"secret": kiosk_setup.secret}).status_code == 400


def test_the_code_opens_the_compartment_and_the_parcel_ends_picked_up(
    inprocess, english, kiosk_setup
):
    signed_in(english, kiosk_setup.secret)
    waiting = kiosk_setup.waiting
    response = english.post(KIOSK, {"code": waiting.code, "action": "open"})
    assert response.status_code == 200
    assert (
        f"Compartment {waiting.compartment} is open — take your parcel and close the door."
        in text(response)
    )
    assert 'data-return-after="15"' in text(response)
    waiting.parcel.refresh_from_db()
    assert waiting.parcel.status == ParcelStatus.PICKED_UP


def test_the_qr_code_from_the_shoppers_phone_opens_the_compartment(inprocess, english, kiosk_setup):
    signed_in(english, kiosk_setup.secret)
    waiting = kiosk_setup.waiting
    response = english.post(KIOSK, {"code": pickup_qr_text(site=waiting.site, code=waiting.code)})
    assert f"Compartment {waiting.compartment} is open" in text(response)


def test_the_keypad_types_without_javascript(english, kiosk_setup):
    signed_in(english, kiosk_setup.secret)
    assert 'value="121"' in text(english.post(KIOSK, {"code": "12", "key": "1"}))
    assert 'value="1"' in text(english.post(KIOSK, {"code": "12", "key": "back"}))
    assert 'value=""' in text(english.post(KIOSK, {"code": "12", "key": "clear"}))
    assert 'value="123456"' in text(english.post(KIOSK, {"code": "123456", "key": "7"}))
    # Typing counts no attempt.
    assert "try left" not in text(english.post(KIOSK, {"code": "12", "key": "3"}))


def test_another_sites_code_is_refused_with_the_tries_left(inprocess, english, kiosk_setup):
    signed_in(english, kiosk_setup.secret)
    other = kiosk_setup.other
    response = english.post(KIOSK, {"code": other.code})
    assert response.status_code == 400
    assert "This code does not match a parcel here — 4 tries left." in text(response)
    other.parcel.refresh_from_db()
    assert other.parcel.status == ParcelStatus.IN_LOCKER


def test_five_wrong_codes_lock_the_kiosk_and_support_is_told(
    english, kiosk_setup, django_capture_on_commit_callbacks, settings
):
    settings.LOCKERS_SUPPORT_EMAIL = "support@example.com"
    signed_in(english, kiosk_setup.secret)
    wrong = wrong_code(kiosk_setup.waiting.code)
    with django_capture_on_commit_callbacks(execute=True):
        answers = [english.post(KIOSK, {"code": wrong}) for _ in range(5)]
    assert [answer.status_code for answer in answers] == [400, 400, 400, 400, 429]
    assert "— 1 try left." in text(answers[3])
    locked = text(answers[4])
    assert "Too many wrong codes: this kiosk accepts codes again at" in locked
    assert "data-kiosk-form" not in locked
    assert len(mail.outbox) == 1
    # The page says so until the lockout ends.
    assert "Too many wrong codes" in text(english.get(KIOSK))


def test_the_lockout_time_reads_in_french(client, kiosk_setup):
    signed_in(client, kiosk_setup.secret)
    wrong = wrong_code(kiosk_setup.waiting.code)
    for _ in range(5):
        response = client.post(KIOSK, {"code": wrong})
    # (The French words come with the catalogue: /work/wt/h9.fr.txt.)
    assert re.search(r" \d{1,2}\u00a0h\u00a0\d\d\.</p>", response.content.decode())


def test_an_offline_controller_is_shown_at_once(device_transport, english, kiosk_setup):
    signed_in(english, kiosk_setup.secret)
    response = english.post(KIOSK, {"code": kiosk_setup.waiting.code})
    assert response.status_code == 503
    assert "This locker cannot open right now; support has been told." in text(response)
    assert device_transport.sent == []


def test_the_page_is_french_first_and_english_lasts_one_visit(client, kiosk_setup):
    signed_in(client, kiosk_setup.secret)
    french = client.get(KIOSK)
    assert french["Content-Language"] == "fr"
    assert 'lang="en"' in text(french) and "?lang=en" in text(french)
    english = client.get(KIOSK + "?lang=en")
    assert english["Content-Language"] == "en"
    assert "Your 6-digit pickup code" in text(english)
    assert 'name="lang" value="en"' in text(english)
    # No cookie remembers it: the next shopper finds French.
    assert django_settings.LANGUAGE_COOKIE_NAME not in english.cookies
    assert client.get(KIOSK)["Content-Language"] == "fr"


def test_a_device_of_another_site_opens_nothing_of_this_one(inprocess, english, kiosk_setup):
    _device, secret = kiosk_device_create(
        site=kiosk_setup.other.site, name="Écran 2", acting_user=None
    )
    signed_in(english, secret)
    response = english.post(KIOSK, {"code": kiosk_setup.waiting.code})
    assert response.status_code == 400
    kiosk_setup.waiting.parcel.refresh_from_db()
    assert kiosk_setup.waiting.parcel.status == ParcelStatus.IN_LOCKER


def test_the_kiosk_page_links_nowhere_else(english, kiosk_setup):
    signed_in(english, kiosk_setup.secret)
    hrefs = re.findall(r'<a [^>]*href="([^"]+)"', english.get(KIOSK).content.decode())
    assert hrefs == [KIOSK + "?lang=fr"]


def test_the_signed_cookie_salt_is_the_kiosks_own():
    assert KIOSK_COOKIE_SALT == "lockers.kiosk-device"
