"""The design system's pieces as pages use them: the coop's pages in every footer, the style
guide, the components' markup (read-only fields, error summary, breadcrumbs), the header's
account menu."""

from datetime import date

import pytest
from django import forms
from django.template import Context, Template, TemplateSyntaxError
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from config.views import COOP_PAGES

pytestmark = pytest.mark.django_db

FOOTER_PAGES = [f"pages:{name}" for _route, name, _template in COOP_PAGES] + ["pages:design"]


def render(source: str, **context) -> str:
    return Template("{% load ui %}" + source).render(Context(context))


@pytest.mark.parametrize("url_name", FOOTER_PAGES)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_coop_page_answers_in_both_languages_and_every_footer_links_them(
    client, url_name, language
):
    client.cookies["django_language"] = language
    html = client.get(reverse(url_name)).content.decode()
    assert f'<html lang="{language}-CA">' in html
    assert html.count("<h1>") == 1
    assert 'aria-current="page"' in html  # its breadcrumb
    for other in FOOTER_PAGES:
        assert f'href="{reverse(other)}"' in html


def test_the_coop_pages_refuse_what_is_not_a_read(client):
    assert client.post(reverse("pages:privacy")).status_code == 405
    assert client.post(reverse("pages:design")).status_code == 405


def test_the_privacy_page_says_what_we_keep_and_links_the_release_log(client):
    client.cookies["django_language"] = "en"
    html = client.get(reverse("pages:privacy")).content.decode()
    assert reverse("identity:connected_services") in html
    assert "pairwise identifier" in html


def test_the_style_guide_shows_every_component_of_the_contract(client):
    html = client.get(reverse("pages:design")).content.decode()
    for class_name in [
        "button button--secondary",
        "button button--danger",
        "button button--link",
        "field--readonly",
        "error-summary",
        "summary-list",
        "card card--link",
        "notice notice--error",
        "badge badge--warn",
        "table table--reflow",
        "product-grid",
        "breadcrumbs",
        "empty-state",
        "page-header",
        'class="tabs"',
    ]:
        assert class_name in html, class_name
    # Its error summary is a specimen: it does not take the focus on load.
    assert 'data-error-summary="static"' in html


class ProvenForm(forms.Form):
    given_name = forms.CharField(
        label="Given name", disabled=True, widget=forms.TextInput(attrs={"data-proven": "true"})
    )
    birth_date = forms.DateField(label="Birth date", disabled=True)
    region = forms.ChoiceField(label="Province", choices=[("QC", "Québec")], disabled=True)
    email = forms.EmailField(label="Email", help_text="We check it.")
    delivery = forms.ChoiceField(
        label="Delivery", choices=[("4h", "4 h"), ("24h", "24 h")], widget=forms.RadioSelect
    )


def test_a_disabled_field_is_text_not_an_input_and_says_a_registrar_proved_it():
    form = ProvenForm(
        initial={"given_name": "Camille", "birth_date": date(1991, 4, 17), "region": "QC"}
    )
    with translation.override("en"):
        html = render(
            '{% for f in form %}{% include "components/field.html" with field=f %}{% endfor %}',
            form=form,
        )
    assert 'name="given_name"' not in html
    assert 'name="birth_date"' not in html
    assert html.count('class="field--readonly') == 3
    assert "field--proven" in html and html.count("Proven by a registrar") == 1
    assert "Camille" in html and "April 17, 1991" in html
    assert "Québec" in html and ">QC<" not in html
    # The editable field: its hint linked to the input.
    assert 'aria-describedby="id_email_helptext"' in html
    assert 'id="id_email_helptext"' in html


def test_an_invalid_field_links_its_error_and_the_summary_links_the_field():
    form = ProvenForm(data={"email": "camille@"}, initial={"given_name": "Camille"})
    html = render(
        '{% include "components/error_summary.html" with form=form %}'
        '{% include "components/field.html" with field=form.email %}',
        form=form,
    )
    assert 'role="alert"' in html and 'tabindex="-1"' in html
    assert 'href="#id_email"' in html
    assert 'href="#id_delivery_0"' in html  # a radio list: its first button
    assert 'id="id_email_error"' in html
    assert 'aria-describedby="id_email_helptext id_email_error"' in html
    assert 'aria-invalid="true"' in html
    assert "field--error" in html


def test_no_error_summary_without_errors():
    html = render('{% include "components/error_summary.html" with form=form %}', form=ProvenForm())
    assert html.strip() == ""


def test_breadcrumbs_link_each_level_and_mark_the_current_page():
    html = render('{% breadcrumbs "Home" "/" "Stores" "/boutiques/" "Café" %}')
    assert '<a href="/">Home</a>' in html
    assert '<a href="/boutiques/">Stores</a>' in html
    assert '<span aria-current="page">Café</span>' in html


def test_breadcrumbs_need_pairs_then_the_current_page():
    with pytest.raises(TemplateSyntaxError):
        render('{% breadcrumbs "Home" "/" "Stores" "/boutiques/" %}')


def test_the_header_links_the_account_page_once_signed_in(client, shopper):
    client.force_login(shopper)
    html = client.get("/").content.decode()
    try:
        account_url = reverse("identity:account")
    except NoReverseMatch:  # the hub is another branch's work; the profile stands in for it
        account_url = reverse("identity:profile")
    assert f'<a href="{account_url}"' in html
    assert reverse("identity:login") not in html


def test_the_favicon_logo_and_script_are_our_static_files(client):
    html = client.get("/").content.decode()
    assert 'href="/static/img/favicon.svg"' in html
    assert 'src="/static/img/logo.svg"' in html
    assert 'src="/static/js/ui.js"' in html
    assert " style=" not in html  # the CSP forbids inline styles
