"""What the server keeps behind a browser's session cookie."""

from importlib import import_module

from django.conf import settings


def browser_session(page) -> dict:
    """The server-side session behind the browser's session cookie ({} when there is none)."""
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    key = cookies.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return {}
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=key).load()
