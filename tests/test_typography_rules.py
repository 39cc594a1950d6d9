"""The typography checker itself (tests/typography.py): each fault is caught on a small
page, and a page written right passes."""

import pytest

from tests.typography import (
    NBSP,
    NNBSP,
    english_offences,
    french_offences,
    show_spaces,
    visible_text,
)

CORRECT_FRENCH = f"""<!doctype html>
<html lang="fr"><head><title>Mon compte{NNBSP}: Uniqc</title>
<style>body::after {{ content: "a; b!"; }}</style>
<script>if (a !== b) {{ alert('Erreur: x'); }}</script></head>
<body>
  <h1>Bonjour, Camille{NNBSP}!</h1>
  <p>Voulez-vous l’ajouter{NNBSP}? Oui{NNBSP}; c’est «{NNBSP}facile{NNBSP}».</p>
  <p>Courriel{NBSP}: <a href="/compte/?next=/x">camille@exemple.ca</a></p>
  <p>Rendez-vous à 14{NBSP}h{NBSP}05 pour 4,50{NBSP}$, ratio 1:2, empreinte 0A:1B:2C,
     voir https://uniqc.coop/a?b=c ou /compte/?next=/boutiques/.</p>
  <p>Empreinte{NBSP}: <code>AB:CD: x; y!</code> <kbd>Ctrl+S;</kbd></p>
  <pre>key: value; other: it's</pre>
  <img src="/logo.svg" alt="Logo d’Uniqc">
  <input type="text" name="q" value="it's: raw; data!">
  <input type="submit" value="Rechercher">
  <template><p>Wrong: isn't shown</p></template>
</body></html>"""


def test_a_correct_french_page_passes():
    text = visible_text(CORRECT_FRENCH)
    assert french_offences(text) == [], [str(o) for o in french_offences(text)]


def test_the_extractor_reads_text_and_the_attributes_people_read():
    text = visible_text(CORRECT_FRENCH)
    assert "Bonjour, Camille" in text
    assert "Logo d’Uniqc" in text  # alt
    assert "Rechercher" in text  # a submit button's value
    assert "Mon compte" in text  # the window's title
    for hidden in ("alert", "content:", "raw; data", "isn't shown", "key: value", "AB:CD"):
        assert hidden not in text


def test_the_messages_a_script_shows_are_read_but_not_its_ids_or_urls():
    html = (
        '<script type="application/json" id="m">{"code": "agent_down", "url": "/a/b",'
        ' "text": {"down": "L’agent ne répond pas."}}</script><script>var x = "a b";</script>'
    )
    assert visible_text(html) == "L’agent ne répond pas."


def test_blocks_do_not_run_together_and_inline_markup_does_not_split_words():
    text = visible_text("<p>Un</p><p>deux <strong>trois</strong>quatre</p><li>cinq</li>")
    assert text.split("\n") == ["Un", "deux troisquatre", "cinq"]


def rules_broken(html: str, check=french_offences) -> set[str]:
    return {offence.rule for offence in check(visible_text(html))}


@pytest.mark.parametrize(
    ("html", "rule"),
    [
        ("<p>Vous n'avez pas de carte.</p>", "straight apostrophe (write ’)"),
        ('<img alt="Photo d\'un pain" src="x">', "straight apostrophe (write ’)"),
        ('<a title="L\'accueil" href="/">x</a>', "straight apostrophe (write ’)"),
        ('<input type="text" placeholder="Nom d\'usager">', "straight apostrophe (write ’)"),
        ('<button aria-label="Retirer l\'appareil">x</button>', "straight apostrophe (write ’)"),
        ('<input type="submit" value="S\'inscrire">', "straight apostrophe (write ’)"),
        (
            '<script type="application/json" id="m">{"busy": "Un instant...", '
            '"failed": {"text": "Vous n\'avez pas de carte."}, "url": "/x?y=z"}</script>',
            "straight apostrophe (write ’)",
        ),
        ("<p>Vraiment ?</p>", "no narrow no-break space before ; ? ! »"),
        ("<p>Vraiment?</p>", "no narrow no-break space before ; ? ! »"),
        ("<p>Bravo !</p>", "no narrow no-break space before ; ? ! »"),
        ("<p>un ; deux</p>", "no narrow no-break space before ; ? ! »"),
        (f"<p>«{NNBSP}mot »</p>", "no narrow no-break space before ; ? ! »"),
        (f"<p>« mot{NNBSP}»</p>", "no narrow no-break space after «"),
        ("<p>Courriel : a@b.ca</p>", "no no-break space before :"),
        ("<p>Courriel:</p>", "no no-break space before :"),
        ("<dt>Carte :</dt><dd>active</dd>", "no no-break space before :"),
        ("<p>Saisissez une adresse e-mail valide.</p>", "“e-mail” (write courriel)"),
        ("<td>4,50 $</td>", "a breakable space before $ (write 4,50 $ with a no-break space)"),
        ("<p>Ouvert dès 9:30.</p>", "a clock time written 14:05 (write 14 h 05)"),
        ("<p>Votre email</p>", "“e-mail” (write courriel)"),
        ("<p>Se connecter</p><button>Delete</button>", "English in a French page"),
        ("<p>Uniqc demo branch</p>", "English in a French page"),
        ("<option>Quebec</option>", "English in a French page"),
        ("<a href='/'>Sign in</a>", "English in a French page"),
    ],
)
def test_each_french_fault_is_caught(html, rule):
    assert rule in rules_broken(html)


def test_an_offence_shows_where_it_is_with_its_spaces_named():
    (offence,) = french_offences(visible_text("<p>Avez-vous une carte ?</p>"))
    assert "une carte ?" in offence.snippet
    assert show_spaces(f"a{NBSP}b{NNBSP}c") == "a[nbsp]b[nnbsp]c"
    assert str(offence).startswith("no narrow no-break space before ; ? ! »: …")


CORRECT_ENGLISH = """<html lang="en"><body>
<h1>Welcome, Camille!</h1>
<p>Email: camille@example.ca; card: active. Ready? Let’s go — it’s “easy”.</p>
<p>Opens at 2:05 p.m.; see https://uniqc.coop/?a=b. Don’t panic.</p>
</body></html>"""


def test_a_correct_english_page_passes():
    assert english_offences(visible_text(CORRECT_ENGLISH)) == []


@pytest.mark.parametrize(
    "html",
    [
        "<p>Ready ?</p>",
        f"<p>Ready{NNBSP}?</p>",
        "<p>Welcome !</p>",
        "<p>Email : a@b.ca</p>",
        f"<p>Email{NBSP}: a@b.ca</p>",
        "<p>one ; two</p>",
        '<a title="Why ?" href="/">x</a>',
    ],
)
def test_each_english_fault_is_caught(html):
    assert rules_broken(html, english_offences) == {"a space before ? ! : ;"}


@pytest.mark.parametrize(
    ("html", "rule"),
    [
        ("<p>Don't panic.</p>", "straight apostrophe (write ’)"),
        ('<input type="text" placeholder="The card\'s PIN">', "straight apostrophe (write ’)"),
        ("<button>Supprimer</button>", "French in an English page"),
        ("<p>Your courriel address</p>", "French in an English page"),
    ],
)
def test_english_apostrophes_and_french_leftovers_are_caught(html, rule):
    assert rule in rules_broken(html, english_offences)


def test_text_marked_as_another_language_is_left_to_that_language():
    html = (
        '<html lang="fr-CA"><p>Réseau : absent</p>'
        '<section lang="en-CA"><p>Network: <b>none</b></p></section><p>Fin !</p></html>'
    )
    assert visible_text(html, "fr") == "Réseau : absent\nFin !"
    assert visible_text(html) == "Réseau : absent\nNetwork: none\nFin !"
