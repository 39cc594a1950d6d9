"""Messages of Django and Django REST framework that people read on our pages, translated
again by our own French catalogue.

Our catalogue (LOCALE_PATHS) takes precedence over those of installed apps, so listing a
message here (makemessages then puts it in config/locale/fr) is enough to change what every
form shows. Listed: those whose French breaks Québec usage: "e-mail" for courriel (from
rest_framework's catalogue, which overrides Django's own), a straight apostrophe. Nothing
imports this module; the strings are never translated here.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

MESSAGES = (
    gettext_noop("Enter a valid email address."),
    gettext_noop("No file was submitted."),
    gettext_noop(
        "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
    ),
    gettext_noop("%(model)s instance with %(field)s %(value)r is not a valid choice."),
    gettext_noop("%(name)s object with primary key %(key)r does not exist."),
)

PLURAL_MESSAGES = (
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit before the decimal point.",
        "Ensure that there are no more than %(max)s digits before the decimal point.",
        "max",
    ),
)
