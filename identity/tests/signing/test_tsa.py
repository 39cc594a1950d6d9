"""The timestamp authority: tokens that pyHanko and OpenSSL accept, and refusals."""

import datetime
import hashlib
import shutil
import subprocess

import pytest
from asgiref.sync import async_to_sync
from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext

from identity.card.ca import issuing_certificate, root_certificate
from identity.models import ServiceCertificate, ServiceCertificateStatus
from identity.signing.tsa import (
    POLICY_OID,
    CoopTimeStamper,
    TimeStampResponse,
    timestamp_token,
    tsa_certificate,
    tsa_respond,
)

pytestmark = pytest.mark.django_db

DIGEST = hashlib.sha256(b"a document").digest()


def request_der(
    *,
    digest: bytes = DIGEST,
    algorithm: str = "sha256",
    nonce: int | None = 1234567890123,
    cert_req: bool = True,
    policy: str | None = None,
) -> bytes:
    fields = {
        "version": "v1",
        "message_imprint": {"hash_algorithm": {"algorithm": algorithm}, "hashed_message": digest},
        "cert_req": cert_req,
    }
    if nonce is not None:
        fields["nonce"] = nonce
    if policy is not None:
        fields["req_policy"] = policy
    return tsp.TimeStampReq(fields).dump()


def post(client, body: bytes, content_type: str = "application/timestamp-query"):
    return client.post(reverse("card:tsa"), data=body, content_type=content_type)


def validation_context() -> ValidationContext:
    der = serialization.Encoding.DER
    return ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(root_certificate().public_bytes(der))],
        other_certs=[asn1_x509.Certificate.load(issuing_certificate().public_bytes(der))],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


def tst_info(token: cms.ContentInfo) -> tsp.TSTInfo:
    return token["content"]["encap_content_info"]["content"].parsed


def test_url_is_named():
    assert reverse("card:tsa") == "/carte/horodatage"


def test_a_granted_token_verifies_with_pyhanko(client):
    response = post(client, request_der())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/timestamp-reply"
    answer = TimeStampResponse.load(response.content)
    assert answer["status"]["status"].native == "granted"
    token = answer["time_stamp_token"]
    status = async_to_sync(validate_tst_signed_data)(
        token["content"], validation_context(), lambda algorithm: DIGEST
    )
    assert status["intact"] is True
    assert status["valid"] is True
    assert status["trust_problem_indic"] is None
    info = tst_info(token)
    assert info["nonce"].native == 1234567890123
    assert info["policy"].native == POLICY_OID
    assert info["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert info["message_imprint"]["hashed_message"].native == DIGEST
    assert info["accuracy"]["seconds"].native == 1
    assert info["serial_number"].native.bit_length() == 128
    now = datetime.datetime.now(tz=datetime.UTC)
    assert abs(info["gen_time"].native - now) < datetime.timedelta(seconds=5)


def test_a_changed_imprint_does_not_verify():
    token = cms.ContentInfo.load(timestamp_token(digest=DIGEST))
    other = hashlib.sha256(b"another document").digest()
    status = async_to_sync(validate_tst_signed_data)(
        token["content"], validation_context(), lambda algorithm: other
    )
    assert status["intact"] is False


def test_sha384_is_accepted():
    digest = hashlib.sha384(b"a document").digest()
    answer = TimeStampResponse.load(tsa_respond(request_der(digest=digest, algorithm="sha384")))
    assert answer["status"]["status"].native == "granted"
    imprint = tst_info(answer["time_stamp_token"])["message_imprint"]
    assert imprint["hash_algorithm"]["algorithm"].native == "sha384"


def test_certificates_only_when_asked():
    answer = TimeStampResponse.load(tsa_respond(request_der(cert_req=False)))
    assert not answer["time_stamp_token"]["content"]["certificates"].native
    answer = TimeStampResponse.load(tsa_respond(request_der(cert_req=True)))
    certificates = answer["time_stamp_token"]["content"]["certificates"]
    der = serialization.Encoding.DER
    assert {c.chosen.dump() for c in certificates} == {
        tsa_certificate().public_bytes(der),
        issuing_certificate().public_bytes(der),
    }


def test_no_nonce_asked_none_echoed():
    answer = TimeStampResponse.load(tsa_respond(request_der(nonce=None)))
    assert tst_info(answer["time_stamp_token"])["nonce"].native is None


def rejection(der: bytes) -> set[str]:
    answer = TimeStampResponse.load(der)
    assert answer["status"]["status"].native == "rejection"
    assert answer["time_stamp_token"].native is None
    return answer["status"]["fail_info"].native


def test_md5_is_refused_with_bad_alg(client):
    response = post(client, request_der(digest=hashlib.md5(b"x").digest(), algorithm="md5"))  # noqa: S324
    assert response.status_code == 200
    assert rejection(response.content) == {"bad_alg"}


def test_sha1_is_refused_with_bad_alg():
    digest = hashlib.sha1(b"x").digest()  # noqa: S324
    assert rejection(tsa_respond(request_der(digest=digest, algorithm="sha1"))) == {"bad_alg"}


def test_an_imprint_of_the_wrong_size_is_refused():
    assert rejection(tsa_respond(request_der(digest=b"short"))) == {"bad_data_format"}


def test_another_policy_is_refused():
    assert rejection(tsa_respond(request_der(policy="1.2.3.4"))) == {"unaccepted_policy"}


def test_our_policy_asked_is_granted():
    answer = TimeStampResponse.load(tsa_respond(request_der(policy=POLICY_OID)))
    assert answer["status"]["status"].native == "granted"


@pytest.mark.parametrize(
    "body",
    [b"\x00", b"garbage", b"\x30\x03\x02\x01\x01", request_der()[:-3], b"\x30\x80" + b"\x00" * 50],
)
def test_malformed_input_is_a_400_rejection(client, body):
    response = post(client, body)
    assert response.status_code == 400
    assert rejection(response.content) == {"bad_data_format"}


def test_version_2_is_malformed(client):
    body = bytearray(request_der())
    body[4] = 2  # version INTEGER 1 -> 2
    assert post(client, bytes(body)).status_code == 400


def test_wrong_content_type_is_415(client):
    assert post(client, request_der(), content_type="application/octet-stream").status_code == 415


def test_too_large_is_413(client):
    assert post(client, b"\x30" * 20_000).status_code == 413


def test_get_is_refused(client):
    assert client.get(reverse("card:tsa")).status_code == 405


def test_first_use_creates_the_certificate_and_renew_retires_it():
    assert not ServiceCertificate.objects.exists()
    first = tsa_certificate()
    row = ServiceCertificate.objects.get()
    assert row.status == ServiceCertificateStatus.ACTIVE
    assert row.serial_number == format(first.serial_number, "x")
    assert first.not_valid_after_utc - first.not_valid_before_utc > datetime.timedelta(days=364)
    call_command("card_ca", "tsa-renew")
    second = tsa_certificate()
    assert second.serial_number != first.serial_number
    assert ServiceCertificate.objects.get(pk=row.pk).status == ServiceCertificateStatus.RETIRED
    token = cms.ContentInfo.load(timestamp_token(digest=DIGEST))
    sid = token["content"]["signer_infos"][0]["sid"].chosen
    assert sid["serial_number"].native == second.serial_number


def test_coop_timestamper_gives_pyhanko_a_checked_token():
    stamper = CoopTimeStamper()
    token = async_to_sync(stamper.async_timestamp)(DIGEST, "sha256")
    assert tst_info(token)["message_imprint"]["hashed_message"].native == DIGEST


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_verifies_the_token(tmp_path):
    data = tmp_path / "data.txt"
    data.write_bytes(b"a document")
    query = tmp_path / "query.tsq"
    subprocess.run(
        ["openssl", "ts", "-query", "-data", str(data), "-sha256", "-cert", "-out", str(query)],
        check=True,
        capture_output=True,
    )
    reply = tmp_path / "reply.tsr"
    reply.write_bytes(tsa_respond(query.read_bytes()))
    chain = tmp_path / "chain.pem"
    pem = serialization.Encoding.PEM
    chain.write_bytes(
        root_certificate().public_bytes(pem) + issuing_certificate().public_bytes(pem)
    )
    result = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-queryfile",
            str(query),
            "-in",
            str(reply),
            "-CAfile",
            str(chain),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verification: OK" in result.stdout


def test_the_endpoint_skips_the_browsers_middleware():
    http = Client(HTTP_HOST="127.0.0.1")
    http.cookies["sessionid"] = "a-stale-session"
    response = http.post(
        reverse("card:tsa"), data=request_der(), content_type="application/timestamp-query"
    )
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    assert response.headers["Content-Length"] == str(len(response.content))
