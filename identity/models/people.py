"""People: the person record, their user manager and the choices it uses."""

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.geo import coordinate_constraints
from identity.validators import validate_phone, validate_postal_code


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class Province(models.TextChoices):
    """Canada's provinces and territories: the code is stored, the name is in the
    person's language (Quebec in English, Québec in French)."""

    AB = "AB", _("Alberta")
    BC = "BC", _("British Columbia")
    MB = "MB", _("Manitoba")
    NB = "NB", _("New Brunswick")
    NL = "NL", _("Newfoundland and Labrador")
    NS = "NS", _("Nova Scotia")
    NT = "NT", _("Northwest Territories")
    NU = "NU", _("Nunavut")
    ON = "ON", _("Ontario")
    PE = "PE", _("Prince Edward Island")
    QC = "QC", _("Quebec")
    SK = "SK", _("Saskatchewan")
    YT = "YT", _("Yukon")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("email_verified", True)
        fields.setdefault("email_verified_at", timezone.now())
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person, with the attributes they have proven or declared to the coop.

    Roles (shopper, courier, registrar, coop admin) are groups; see identity.roles.
    Working at a store is not a role: the marketplace records it (StoreStaff).
    """

    public_id = models.UUIDField(
        _("public identifier"),
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text=_("Carried by card certificates instead of the person’s name."),
    )
    email = models.EmailField(_("email address"), unique=True)
    email_verified = models.BooleanField(_("email verified"), default=False)
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    given_name = models.CharField(_("given name"), max_length=150)
    family_name = models.CharField(_("family name"), max_length=150)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(
        _("phone number"), max_length=16, blank=True, validators=[validate_phone]
    )
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    locality = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(
        _("province"), max_length=2, choices=Province.choices, default=Province.QC
    )
    postal_code = models.CharField(
        _("postal code"), max_length=7, blank=True, validators=[validate_postal_code]
    )
    country = models.CharField(_("country"), max_length=2, default="CA", editable=False)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.FRENCH
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Can sign in to the administration site."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["given_name", "family_name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            *coordinate_constraints("identity_user", nullable=True),
            models.CheckConstraint(
                condition=models.Q(email_verified=False)
                | models.Q(email_verified_at__isnull=False),
                name="identity_user_verified_email_has_time",
            ),
        ]
        permissions = [
            ("shop", _("Can shop and pick up parcels")),
            ("issue_cards", _("Can check identity documents and issue cards")),
            ("administer_coop", _("Can administer the cooperative")),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.given_name
