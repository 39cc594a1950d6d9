"""A large catalogue for the search benchmark, loaded under bench.settings with COPY.

`python -m bench.catalogue_fixtures LISTINGS` fills an empty (just migrated) PostgreSQL
database: the demo categories, 400 approved stores around Québec City and Montréal,
LISTINGS published listings with French and English titles and descriptions made from
a small vocabulary (each product word in about 1 listing of 40, each place in about 1
of 25), and two variants each, one in four out of stock. The full-text trigger fills
each listing's search vector as rows arrive. Prints JSON: the counts, the load's
duration, and a category slug to browse. Run by bench/catalogue_search.py.
"""

import json
import os
import random
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.demo import DemoSummary  # noqa: E402
from marketplace.demo import categories_load  # noqa: E402
from marketplace.search import catalogue_choices_forget  # noqa: E402
from marketplace.search_cache import catalogue_changed  # noqa: E402

STORES = 400
# (French, English) product words, qualifiers and places.
PRODUCTS = [
    ("Pain", "Bread"),
    ("Fromage", "Cheese"),
    ("Sirop d’érable", "Maple syrup"),
    ("Confiture", "Jam"),
    ("Miel", "Honey"),
    ("Café", "Coffee"),
    ("Thé", "Tea"),
    ("Chocolat", "Chocolate"),
    ("Biscuits", "Cookies"),
    ("Tarte", "Pie"),
    ("Savon", "Soap"),
    ("Bougie", "Candle"),
    ("Tasse", "Mug"),
    ("Carnet", "Notebook"),
    ("Roman", "Novel"),
    ("Casse-tête", "Puzzle"),
    ("Foulard", "Scarf"),
    ("Tuque", "Toque"),
    ("Mitaines", "Mittens"),
    ("Chaussettes", "Socks"),
    ("Vélo", "Bicycle"),
    ("Cadenas", "Lock"),
    ("Lampe", "Lamp"),
    ("Planche à découper", "Cutting board"),
    ("Couteau", "Knife"),
    ("Bol", "Bowl"),
    ("Assiette", "Plate"),
    ("Cidre", "Cider"),
    ("Bière", "Beer"),
    ("Granola", "Granola"),
    ("Beurre", "Butter"),
    ("Yogourt", "Yogurt"),
    ("Saucisson", "Sausage"),
    ("Pâté", "Pâté"),
    ("Moutarde", "Mustard"),
    ("Épices", "Spices"),
    ("Farine", "Flour"),
    ("Huile", "Oil"),
    ("Vinaigre", "Vinegar"),
    ("Croustilles", "Chips"),
]
QUALIFIERS = [
    ("artisanal", "artisanal"),
    ("biologique", "organic"),
    ("fumé", "smoked"),
    ("à l’ancienne", "old-fashioned"),
    ("de saison", "seasonal"),
    ("fait main", "handmade"),
    ("au levain", "sourdough"),
    ("vieilli", "aged"),
    ("doux", "mild"),
    ("fort", "strong"),
    ("en vrac", "bulk"),
    ("recyclé", "recycled"),
    ("en laine", "wool"),
    ("en érable", "maple wood"),
    ("grand format", "large"),
    ("format familial", "family size"),
]
PLACES = [
    "Charlevoix",
    "Kamouraska",
    "Gaspésie",
    "Beauce",
    "Lanaudière",
    "Laurentides",
    "Estrie",
    "Mauricie",
    "Saguenay",
    "Abitibi",
    "Bas-Saint-Laurent",
    "Outaouais",
    "Montérégie",
    "Portneuf",
    "Bellechasse",
    "Lotbinière",
    "Côte-Nord",
    "Îles-de-la-Madeleine",
    "Témiscouata",
    "Chaudière-Appalaches",
    "Limoilou",
    "Saint-Roch",
    "Verdun",
    "Rosemont",
    "Hochelaga",
]
CITIES = [("Québec", 46.8139, -71.2080), ("Montréal", 45.5089, -73.5617)]


def _stores(cursor, now) -> list[int]:
    rows = []
    for index in range(STORES):
        locality, latitude, longitude = CITIES[index % 2]
        rows.append(
            (
                f"Commerce {index}",
                f"commerce-{index}",
                "Un commerce de quartier.",
                "Quartier",
                f"{index}, rue Principale",
                locality,
                "G1K 3B6",
                round(latitude + random.uniform(-0.12, 0.12), 6),
                round(longitude + random.uniform(-0.15, 0.15), 6),
                f"Commerce {index} inc.",
                f"{1170000000 + index}",
                True,
                "",
                "",
                "",
                "{}",
                "approved",
                "",
                now,
                now,
            )
        )
    columns = (
        "name, slug, description, neighbourhood, street_address, locality, postal_code, "
        "latitude, longitude, legal_name, neq, small_supplier, gst_number, qst_number, "
        "phone, opening_hours, status, decision_reason, decided_at, created_at"
    )
    with cursor.copy(f"COPY marketplace_store ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute("SELECT id FROM marketplace_store ORDER BY id")
    return [pk for (pk,) in cursor.fetchall()]


def _listings(cursor, count: int, store_ids: list[int], category_ids: list[int], now) -> None:
    columns = (
        "store_id, slug, title_fr, title_en, description_fr, description_en, category_id, "
        "status, published_at"
    )
    with cursor.copy(f"COPY marketplace_listing ({columns}) FROM STDIN") as copy:
        for index in range(count):
            product_fr, product_en = random.choice(PRODUCTS)
            qualifier_fr, qualifier_en = random.choice(QUALIFIERS)
            place = random.choice(PLACES)
            copy.write_row(
                (
                    store_ids[index % len(store_ids)],
                    f"article-{index}",
                    f"{product_fr} {qualifier_fr} de {place}",
                    f"{qualifier_en.capitalize()} {product_en.lower()} from {place}",
                    f"{product_fr} {qualifier_fr}, préparé en petites quantités à {place}. "
                    "Emballé à la main et prêt pour le casier.",
                    f"{qualifier_en.capitalize()} {product_en.lower()}, made in small "
                    f"batches in {place}. Packed by hand, ready for the locker.",
                    random.choice(category_ids),
                    "published",
                    now - timedelta(minutes=random.randint(0, 500_000)),
                )
            )


def _variants(cursor) -> int:
    cursor.execute("SELECT id, store_id FROM marketplace_listing ORDER BY id")
    listings = cursor.fetchall()
    columns = (
        "store_id, listing_id, sku, name, price, currency, stock, low_stock_threshold, "
        "size_class, weight_grams"
    )
    made = 0
    with cursor.copy(f"COPY marketplace_variant ({columns}) FROM STDIN") as copy:
        for listing_id, store_id in listings:
            price = random.randint(300, 9000)
            for code, factor in (("P", 1), ("G", 2)):
                stock = 0 if random.random() < 0.25 else random.randint(1, 40)
                copy.write_row(
                    (
                        store_id,
                        listing_id,
                        f"L{listing_id}-{code}",
                        "Petit" if code == "P" else "Grand",
                        f"{price * factor / 100:.2f}",
                        "CAD",
                        stock,
                        3,
                        "S" if code == "P" else "M",
                        250 * factor,
                    )
                )
                made += 1
    return made


def main(count: int) -> None:
    random.seed(20261130)
    started = time.monotonic()
    now = timezone.now()
    categories = categories_load(summary=DemoSummary())
    leaves = [category for category in categories.values() if category.parent_id]
    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        store_ids = _stores(cursor, now)
        _listings(cursor, count, store_ids, [category.pk for category in leaves], now)
        variants = _variants(cursor)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    # COPY sends no post_save: what the cache kept of an earlier catalogue must go.
    catalogue_choices_forget()
    catalogue_changed()
    print(
        json.dumps(
            {
                "stores": len(store_ids),
                "listings": count,
                "variants": variants,
                "seconds": round(time.monotonic() - started, 1),
                "category": "alimentation",
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
