"""BoundedJSONField: JSON typed into a form is read through json_parse; and every admin
page's JSON field is one."""

import pytest
from django import forms
from django.contrib import admin
from django.db import models
from django.test import RequestFactory

from core.forms import BoundedJSONField


class JsonForm(forms.Form):
    value = BoundedJSONField(max_bytes=1_000)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("[" * 15_000, "json_too_large"),
        ("[" * 500, "json_too_deep"),
        ("[" * 500 + "]" * 500, "json_too_deep"),
        ("[1, NaN]", "invalid"),
        ("{", "invalid"),
    ],
)
def test_refused_json_is_a_form_error(text, code):
    form = JsonForm({"value": text})
    assert not form.is_valid()
    assert form.errors.as_data()["value"][0].code == code
    assert "value" in form.as_p()  # shown back with its error, without parsing it again


def test_json_within_bounds_is_read():
    form = JsonForm({"value": '{"lundi": [["06:00", "23:00"]]}'})
    assert form.is_valid()
    assert form.cleaned_data["value"] == {"lundi": [["06:00", "23:00"]]}


@pytest.mark.django_db
def test_every_admin_json_field_is_bounded(admin_user):
    """A ModelAdmin added later without the override would bring back the 500."""
    request = RequestFactory().get("/")
    request.user = admin_user
    unbounded = []
    for model, model_admin in admin.site._registry.items():
        json_fields = [f.name for f in model._meta.fields if isinstance(f, models.JSONField)]
        if not json_fields or not model_admin.has_change_permission(request):
            continue
        form = model_admin.get_form(request)
        for name in json_fields:
            field = form.base_fields.get(name)
            if field is not None and not isinstance(field, BoundedJSONField):
                unbounded.append(f"{model._meta.label}.{name}")
    assert unbounded == []
