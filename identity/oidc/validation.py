"""Rules on what a client may register."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


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
