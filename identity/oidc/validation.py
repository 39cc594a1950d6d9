"""Rules on what a client may register."""

import http.client
import urllib.request
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.jsonin import JsonInputError, json_parse

if TYPE_CHECKING:
    from identity.models import OidcClient

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

# A sector identifier document lists redirect URIs: a few kilobytes at most.
SECTOR_DOCUMENT_MAX_BYTES = 64 * 1024
SECTOR_DOCUMENT_TIMEOUT_SECONDS = 5


def redirect_uri_validate(uri: str) -> None:
    """A redirect URI is absolute https, or http on the loopback interface, without fragment."""
    if not isinstance(uri, str):
        raise ValidationError(_("A redirect URI must be a string."))
    parts = urlsplit(uri)
    if parts.fragment or "#" in uri:
        raise ValidationError(_("%(uri)s: a redirect URI has no fragment."), params={"uri": uri})
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return
    raise ValidationError(
        _("%(uri)s: use https, or http on 127.0.0.1 or localhost."), params={"uri": uri}
    )


def redirect_uris_validate(uris: object, *, required: bool) -> None:
    """A list of valid redirect URIs; at least one when `required`."""
    if not isinstance(uris, list):
        raise ValidationError(_("Redirect URIs must be a list."))
    if required and not uris:
        raise ValidationError(_("Register at least one redirect URI."))
    for uri in uris:
        redirect_uri_validate(uri)


class _RedirectRefused(urllib.request.HTTPRedirectHandler):
    # The document must come from the sector host itself: a redirect answers as an error.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _https_get(uri: str) -> bytes:
    """The body of an https GET of `uri`, redirects not followed, read up to one byte past
    SECTOR_DOCUMENT_MAX_BYTES (so that a larger body is seen and refused). The one place
    that reaches the network; tests fake the opener it builds."""
    if urlsplit(uri).scheme != "https":
        raise ValueError("a sector identifier URI is https")
    opener = urllib.request.build_opener(_RedirectRefused)
    # The scheme is https, checked above (no file: or custom scheme reaches the opener).
    request = urllib.request.Request(uri, headers={"Accept": "application/json"})  # noqa: S310
    with opener.open(request, timeout=SECTOR_DOCUMENT_TIMEOUT_SECONDS) as response:
        return response.read(SECTOR_DOCUMENT_MAX_BYTES + 1)


def sector_redirect_uris_fetch(uri: str) -> list[str]:
    """The redirect URIs listed by the sector identifier document at `uri` (OIDC Core 8.1:
    a JSON array of strings), read from the sector host itself."""
    try:
        body = _https_get(uri)
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise ValidationError(
            _("%(uri)s could not be read (%(error)s)."),
            params={"uri": uri, "error": type(error).__name__},
        ) from error
    not_a_list = ValidationError(
        _("%(uri)s does not serve a JSON array of redirect URIs."), params={"uri": uri}
    )
    try:
        listed = json_parse(body, max_bytes=SECTOR_DOCUMENT_MAX_BYTES, object_only=False)
    except JsonInputError as error:
        raise not_a_list from error
    if not isinstance(listed, list) or not all(isinstance(item, str) for item in listed):
        raise not_a_list
    return listed


def client_sector_validate(client: "OidcClient") -> None:
    """Record the client's sector, the host its pairwise subjects are derived from (OIDC
    Core 8.1). Without a sector identifier URI, every redirect URI is on one host, the
    sector; with one, its host is the sector and the document it serves lists every
    redirect URI (read again whenever either changes). The sector is set at registration
    and never changes afterwards."""
    from identity.models import OidcClient

    stored = (
        OidcClient.objects.filter(pk=client.pk)
        .values("sector_identifier", "sector_identifier_uri", "redirect_uris")
        .first()
        if client.pk is not None
        else None
    )
    if stored is not None and client.sector_identifier != stored["sector_identifier"]:
        raise ValidationError(
            {"sector_identifier": _("A client’s sector identifier never changes.")}
        )
    uri = client.sector_identifier_uri
    if uri:
        parts = urlsplit(uri)
        if parts.scheme != "https" or not parts.hostname or parts.fragment:
            raise ValidationError(
                {"sector_identifier_uri": _("A sector identifier URI is an https address.")}
            )
        sector, field = parts.hostname, "sector_identifier_uri"
    else:
        hosts = sorted({urlsplit(redirect).hostname or "" for redirect in client.redirect_uris})
        if len(hosts) != 1:
            raise ValidationError(
                {
                    "redirect_uris": _(
                        "These redirect URIs are on more than one host: register a sector "
                        "identifier URI that lists them."
                    )
                }
            )
        sector, field = hosts[0], "redirect_uris"
    if client.sector_identifier and sector != client.sector_identifier:
        raise ValidationError(
            {
                field: _(
                    "This client’s subjects are derived from the host %(sector)s: its "
                    "redirect URIs stay on that host, or a sector identifier URI on that "
                    "host lists them."
                )
                % {"sector": client.sector_identifier}
            }
        )
    document_changed = stored is None or (
        (stored["sector_identifier_uri"], stored["redirect_uris"]) != (uri, client.redirect_uris)
    )
    if uri and document_changed:
        try:
            listed = sector_redirect_uris_fetch(uri)
        except ValidationError as error:
            raise ValidationError({"sector_identifier_uri": error.messages}) from error
        missing = [redirect for redirect in client.redirect_uris if redirect not in listed]
        if missing:
            raise ValidationError(
                {
                    "sector_identifier_uri": _("%(uri)s does not list %(missing)s.")
                    % {"uri": uri, "missing": ", ".join(missing)}
                }
            )
    client.sector_identifier = sector
