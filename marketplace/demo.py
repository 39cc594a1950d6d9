# ruff: noqa: RUF001 - French typography (multiplication signs, apostrophes, no-break spaces) is intended.
"""The demo stores, what they sell and who works there (`manage.py seed_demo` loads them
after identity's people and the lockers' sites).

Every business here is invented; streets, neighbourhoods and postal areas are real so
that the directory looks like Québec. Natural keys: a category's slug, a store's slug,
a listing's slug within its store (from its French title), a variant's SKU within its
store. Loading never undoes what happened since: variants keep their stock, listings
their publication, stores the coop's decision.
"""

import io
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from core.demo import DemoSummary
from identity.models import User
from marketplace.demo_catalogue_imports import catalogue_imports_demo_load
from marketplace.demo_orders import orders_demo_load
from marketplace.demo_payouts import payouts_demo_load
from marketplace.demo_sales import sales_demo_load
from marketplace.demo_store_api import store_api_demo_load
from marketplace.demo_store_settings import store_settings_demo_load
from marketplace.demo_webhooks import webhooks_demo_load
from marketplace.models import Category, Listing, ListingStatus, Store, StoreRole, StoreStatus
from marketplace.services import (
    category_upsert,
    listing_photo_add,
    listing_upsert,
    payout_account_record,
    store_apply,
    store_refuse,
    store_staff_set,
    store_update,
    store_upsert,
    variant_upsert,
)

# --- The catalogue's categories -----------------------------------------------------------
# (slug, French name, English name, parent slug or None), in the order shoppers see them.
CATEGORIES: list[tuple[str, str, str, str | None]] = [
    ("alimentation", "Alimentation", "Food", None),
    ("boulangerie", "Boulangerie", "Bakery", "alimentation"),
    ("fromagerie", "Fromagerie", "Cheese shop", "alimentation"),
    ("epicerie-fine", "Épicerie fine", "Fine foods", "alimentation"),
    ("fruits-et-legumes", "Fruits et légumes", "Fruit and vegetables", "alimentation"),
    ("vrac", "Vrac", "Bulk foods", "alimentation"),
    ("cafe-et-the", "Café et thé", "Coffee and tea", "alimentation"),
    ("maison", "Maison", "Home", None),
    ("quincaillerie", "Quincaillerie", "Hardware", "maison"),
    ("loisirs", "Loisirs", "Leisure", None),
    ("librairie", "Librairie", "Bookshop", "loisirs"),
    ("velo", "Vélo", "Cycling", "loisirs"),
    ("jeux", "Jeux", "Games", "loisirs"),
]

# --- Stores and what they sell ----------------------------------------------------------
# The demo retailer applies for stores (identity.demo's retailer@demo.uniqc.coop).
RETAILER = "retailer@demo.uniqc.coop"

# A listing: (French title, English title, category slug, French description,
# [(variant code, name, price, stock, locker size, weight in grams)]).
# A variant's SKU is "<store code>-<listing slug>-<variant code>", upper-case; it is
# unique within its store.

STORES: list[dict[str, Any]] = [
    # Québec ----------------------------------------------------------------------------
    {
        "slug": "boulangerie-du-faubourg",
        "code": "BDF",
        "name": "Boulangerie du Faubourg",
        "neighbourhood": "Saint-Jean-Baptiste",
        "street_address": "745, rue Saint-Jean",
        "locality": "Québec",
        "postal_code": "G1R 1P9",
        "latitude": Decimal("46.810540"),
        "longitude": Decimal("-71.218950"),
        "description": (
            "Pains au levain, viennoiseries et tartes cuits chaque matin dans un four à sole, "
            "avec des farines moulues sur pierre au Québec."
        ),
        "listings": [
            (
                "Miche au levain de seigle",
                "Rye sourdough loaf",
                "boulangerie",
                "Levain naturel, seigle de Charlevoix, croûte épaisse ; se garde cinq jours.",
                [
                    ("800", "Miche de 800 g", "7.50", 14, "M", 850),
                    ("400", "Demi-miche de 400 g", "4.25", 10, "M", 430),
                ],
            ),
            (
                "Croissants pur beurre",
                "All-butter croissants",
                "boulangerie",
                "Feuilletés au beurre du Québec, à réchauffer 3 minutes au four.",
                [
                    ("B4", "Boîte de 4", "9.00", 20, "S", 300),
                    ("B8", "Boîte de 8", "17.00", 8, "M", 600),
                ],
            ),
            (
                "Pain de mie complet",
                "Whole wheat sandwich loaf",
                "boulangerie",
                "Farine de blé entier, miel de trèfle ; idéal pour les lunchs.",
                [("675", "Pain de 675 g", "6.25", 12, "M", 700)],
            ),
            (
                "Tarte au sucre",
                "Sugar pie",
                "boulangerie",
                "La recette de la maison, à la cassonade et à la crème.",
                [("9PO", "Tarte de 9 pouces", "16.00", 6, "M", 900)],
            ),
            (
                "Granola à l’érable",
                "Maple granola",
                "epicerie-fine",
                "Avoine, graines de citrouille et sirop d’érable, cuit lentement.",
                [
                    ("500", "Sac de 500 g", "11.50", 12, "S", 520),
                    ("1KG", "Sac de 1 kg", "21.00", 0, "M", 1030),
                ],
            ),
            (
                "Pouding chômeur",
                "Maple pudding cake",
                "boulangerie",
                "Gâteau nappé de sirop d’érable, format à partager.",
                [("FAM", "Format familial", "14.50", 4, "M", 1200)],
            ),
        ],
    },
    {
        "slug": "fromagerie-saint-roch",
        "code": "FSR",
        "name": "Fromagerie du Marché Saint-Roch",
        "neighbourhood": "Saint-Roch",
        "street_address": "418, rue Saint-Joseph Est",
        "locality": "Québec",
        "postal_code": "G1K 3B6",
        "latitude": Decimal("46.813960"),
        "longitude": Decimal("-71.225310"),
        "description": (
            "Plus de 150 fromages d’ici, coupés à la demande, et les conseils d’une équipe "
            "qui connaît chaque fromager."
        ),
        "listings": [
            (
                "Cheddar fort vieilli deux ans",
                "Two-year-old sharp cheddar",
                "fromagerie",
                "Lait de vache du Bas-Saint-Laurent, texture friable et goût de noisette.",
                [("200", "200 g", "8.95", 25, "S", 210), ("500", "500 g", "19.95", 10, "S", 510)],
            ),
            (
                "Croûte fleurie de Charlevoix",
                "Charlevoix bloomy-rind cheese",
                "fromagerie",
                "Pâte molle crémeuse, lait entier ; à servir à température ambiante.",
                [("170", "Meule de 170 g", "12.50", 9, "S", 190)],
            ),
            (
                "Fromage en grains du jour",
                "Fresh cheese curds",
                "fromagerie",
                "Il fait encore « couic-couic » : livré le jour même.",
                [("250", "250 g", "5.75", 40, "S", 260), ("500", "500 g", "10.50", 0, "S", 510)],
            ),
            (
                "Raclette au lait cru",
                "Raw-milk raclette",
                "fromagerie",
                "Pâte demi-ferme qui fond sans se séparer ; pour quatre personnes.",
                [("400", "400 g", "17.80", 7, "M", 420)],
            ),
            (
                "Plateau découverte, quatre fromages du Québec",
                "Discovery board, four Québec cheeses",
                "fromagerie",
                "Une pâte molle, une demi-ferme, une persillée et un chèvre, avec les notes "
                "de dégustation.",
                [
                    ("P2", "Pour 2 personnes", "34.00", 5, "M", 650),
                    ("P4", "Pour 4 personnes", "62.00", 3, "L", 1250),
                ],
            ),
            (
                "Beurre de baratte salé",
                "Salted churned butter",
                "fromagerie",
                "Baratté à l’ancienne, sel de mer.",
                [("250", "250 g", "7.25", 18, "S", 260)],
            ),
        ],
    },
    {
        "slug": "librairie-la-page-tournee",
        "code": "LPT",
        "name": "Librairie La Page tournée",
        "neighbourhood": "Limoilou",
        "street_address": "1062, 3e Avenue",
        "locality": "Québec",
        "postal_code": "G1L 2X8",
        "latitude": Decimal("46.826870"),
        "longitude": Decimal("-71.228520"),
        "description": (
            "Librairie indépendante de quartier : littérature québécoise, jeunesse, "
            "bande dessinée et papeterie."
        ),
        "listings": [
            (
                "Coup de cœur du mois, roman québécois",
                "Staff pick of the month, a Québec novel",
                "librairie",
                "Le roman que l’équipe a le plus aimé ce mois-ci, avec un mot du libraire.",
                [
                    ("POCHE", "Format poche", "14.95", 12, "S", 250),
                    ("GF", "Grand format", "29.95", 6, "S", 600),
                ],
            ),
            (
                "Atlas des rivières du Québec",
                "Atlas of Québec’s rivers",
                "librairie",
                "Cartes, photographies et histoire de 40 rivières, de la Jacques-Cartier "
                "à la Moisie.",
                [("RELIE", "Relié", "49.95", 3, "S", 1800)],
            ),
            (
                "Carnet de notes cousu main",
                "Hand-stitched notebook",
                "librairie",
                "Papier recyclé, couverture en carton de Limoilou.",
                [
                    ("LIGNE", "A5 ligné", "18.00", 15, "S", 220),
                    ("POINTS", "A5 pointillé", "18.00", 0, "S", 220),
                ],
            ),
            (
                "Les enquêtes de Limoilou, tome 1",
                "The Limoilou Mysteries, volume 1",
                "librairie",
                "Bande dessinée jeunesse, dès 8 ans.",
                [("T1", "Couverture souple", "19.95", 8, "S", 350)],
            ),
            (
                "Carte-cadeau de la librairie",
                "Bookshop gift card",
                "librairie",
                "Valable deux ans en magasin et en ligne.",
                [
                    ("25", "Valeur de 25 $", "25.00", 100, "S", 20),
                    ("50", "Valeur de 50 $", "50.00", 100, "S", 20),
                ],
            ),
            (
                "Signets en bois d’érable",
                "Maple wood bookmarks",
                "librairie",
                "Gravés au laser dans un atelier de Saint-Sauveur.",
                [("P3", "Paquet de 3", "9.50", 20, "S", 30)],
            ),
        ],
    },
    {
        "slug": "velo-laurentien",
        "code": "VLA",
        "name": "Vélo Laurentien",
        "neighbourhood": "Sainte-Foy",
        "street_address": "2785, chemin Sainte-Foy",
        "locality": "Québec",
        "postal_code": "G1V 1V5",
        "latitude": Decimal("46.778620"),
        "longitude": Decimal("-71.289450"),
        "description": (
            "Atelier de réparation et boutique de vélos urbains, de route et d’hiver, "
            "près du campus."
        ),
        "listings": [
            (
                "Chambre à air 700 × 28-32",
                "Inner tube, 700 × 28-32",
                "velo",
                "Butyle, 1 mm d’épaisseur.",
                [
                    ("PRESTA", "Valve Presta", "9.99", 30, "S", 120),
                    ("SCHRADER", "Valve Schrader", "8.99", 22, "S", 125),
                ],
            ),
            (
                "Lumières avant et arrière rechargeables",
                "Rechargeable front and rear lights",
                "velo",
                "Recharge USB-C, 6 h d’autonomie, visibles à 300 m.",
                [("ENS", "Ensemble avant et arrière", "39.99", 10, "S", 180)],
            ),
            (
                "Cadenas en U",
                "U-lock",
                "velo",
                "Acier trempé de 14 mm, deux clés.",
                [
                    ("STD", "Standard", "54.99", 6, "M", 1300),
                    ("CABLE", "Avec câble de 1,2 m", "64.99", 4, "M", 1650),
                ],
            ),
            (
                "Sacoche de porte-bagages imperméable",
                "Waterproof pannier",
                "velo",
                "Toile soudée, fermeture roulée, bande réfléchissante.",
                [
                    ("20L", "Une sacoche de 20 L", "89.00", 5, "L", 1100),
                    ("2X20L", "La paire", "159.00", 2, "L", 2200),
                ],
            ),
            (
                "Trousse de réparation",
                "Repair kit",
                "velo",
                "Rustines, démonte-pneus et outil multifonction.",
                [("BASE", "Trousse de base", "24.99", 15, "S", 250)],
            ),
            (
                "Casque urbain",
                "Urban helmet",
                "velo",
                "Coque ABS, visière amovible, lumière arrière intégrée.",
                [
                    ("SM", "Taille S/M", "79.99", 4, "L", 450),
                    ("LXL", "Taille L/XL", "79.99", 0, "L", 480),
                ],
            ),
            (
                "Mise au point printanière",
                "Spring tune-up",
                "velo",
                "Bon d’atelier : réglage des freins et des vitesses, nettoyage de la chaîne.",
                [("BON", "Bon d’atelier", "89.00", 50, "S", 20)],
            ),
        ],
    },
    {
        "slug": "epices-the-vieux-port",
        "code": "ETV",
        "name": "Épices et Thés du Vieux-Port",
        "neighbourhood": "Vieux-Québec",
        "street_address": "97, rue Saint-Paul",
        "locality": "Québec",
        "postal_code": "G1K 3V9",
        "latitude": Decimal("46.817150"),
        "longitude": Decimal("-71.205930"),
        "description": (
            "Épices moulues sur place, thés en vrac et produits de l’érable, dans une "
            "maison de pierre du Vieux-Port."
        ),
        "small_supplier": True,
        "listings": [
            (
                "Thé du Labrador sauvage",
                "Wild Labrador tea",
                "cafe-et-the",
                "Cueilli sur la Côte-Nord ; infusion douce aux notes résineuses.",
                [("30", "30 g", "12.00", 16, "S", 60)],
            ),
            (
                "Mélange d’épices pour tourtière",
                "Tourtière spice blend",
                "epicerie-fine",
                "Cannelle, clou de girofle, sarriette et poivre.",
                [("50", "Pot de 50 g", "7.50", 20, "S", 120)],
            ),
            (
                "Poivre des dunes",
                "Dune pepper",
                "epicerie-fine",
                "Aulne crispé de la Gaspésie, goût boisé et poivré.",
                [("25", "Pot de 25 g", "11.75", 9, "S", 90)],
            ),
            (
                "Thé noir déjeuner de Québec",
                "Québec breakfast black tea",
                "cafe-et-the",
                "Assam et Ceylan, corsé, parfait avec un nuage de lait.",
                [("100", "100 g", "10.50", 14, "S", 130), ("250", "250 g", "22.00", 6, "S", 290)],
            ),
            (
                "Sirop d’érable ambré",
                "Amber maple syrup",
                "epicerie-fine",
                "Goût riche, récolte de cette année, érablière de Beauce.",
                [
                    ("540", "Boîte de 540 ml", "13.95", 24, "M", 750),
                    ("1L", "Cruchon de 1 L", "22.95", 10, "M", 1450),
                ],
            ),
            (
                "Coffret dégustation",
                "Tasting gift box",
                "epicerie-fine",
                "Six pots d’épices et de thés choisis par la maison, emballés pour offrir.",
                [("6POTS", "Six pots", "54.00", 3, "M", 900)],
            ),
        ],
    },
    {
        "slug": "quincaillerie-cartier",
        "code": "QCA",
        "name": "Quincaillerie Cartier",
        "neighbourhood": "Montcalm",
        "street_address": "1120, avenue Cartier",
        "locality": "Québec",
        "postal_code": "G1R 2S5",
        "latitude": Decimal("46.804530"),
        "longitude": Decimal("-71.225460"),
        "description": (
            "Quincaillerie familiale depuis trois générations : on y trouve la bonne vis "
            "et le bon conseil."
        ),
        "listings": [
            (
                "Ampoule DEL A19 blanc chaud",
                "Warm white A19 LED bulb",
                "quincaillerie",
                "Équivalent 60 W, 2700 K, intensité réglable.",
                [
                    ("1", "À l’unité", "6.49", 40, "S", 70),
                    ("4", "Paquet de 4", "19.99", 12, "S", 320),
                ],
            ),
            (
                "Ruban à mesurer de 7,5 m",
                "7.5 m tape measure",
                "quincaillerie",
                "Gradué en métrique et en impérial, boîtier caoutchouté.",
                [("7M5", "7,5 m", "16.99", 10, "S", 380)],
            ),
            (
                "Grattoir à glace avec brosse",
                "Ice scraper with brush",
                "quincaillerie",
                "Manche de 60 cm, lame en laiton qui ne raye pas le pare-brise.",
                [("60", "60 cm", "14.99", 15, "L", 450)],
            ),
            (
                "Calfeutrant de silicone transparent",
                "Clear silicone caulk",
                "quincaillerie",
                "Pour la cuisine et la salle de bain, résiste aux moisissures.",
                [("300", "Cartouche de 300 ml", "9.49", 18, "S", 380)],
            ),
            (
                "Trousse de tournevis de précision",
                "Precision screwdriver set",
                "quincaillerie",
                "Embouts magnétiques pour l’électronique et les lunettes.",
                [("24", "24 pièces", "29.99", 7, "S", 300)],
            ),
            (
                "Sel de déglaçage écologique",
                "Eco-friendly ice melter",
                "quincaillerie",
                "Sans chlorure, sans danger pour les pattes et les plantes.",
                [("10KG", "Sac de 10 kg", "17.49", 20, "L", 10200)],
            ),
            (
                "Gants de travail doublés",
                "Lined work gloves",
                "quincaillerie",
                "Cuir de chèvre, doublure thermique.",
                [
                    ("M", "Taille M", "21.99", 8, "S", 180),
                    ("L", "Taille L", "21.99", 5, "S", 190),
                    ("XL", "Taille XL", "21.99", 0, "S", 200),
                ],
            ),
        ],
    },
    # Montréal ---------------------------------------------------------------------------
    {
        "slug": "brulerie-mont-royal",
        "code": "BMR",
        "name": "Brûlerie Mont-Royal",
        "neighbourhood": "Plateau-Mont-Royal",
        "street_address": "1251, avenue du Mont-Royal Est",
        "locality": "Montréal",
        "postal_code": "H2J 1Y4",
        "latitude": Decimal("45.528010"),
        "longitude": Decimal("-73.578930"),
        "description": (
            "Torréfaction artisanale en petits lots, cafés achetés directement à des "
            "coopératives de producteurs."
        ),
        "listings": [
            (
                "Espresso, mélange de la maison",
                "House espresso blend",
                "cafe-et-the",
                "Chocolat noir et noisette ; torréfié cette semaine.",
                [
                    ("340G", "340 g en grains", "18.50", 30, "S", 360),
                    ("340M", "340 g moulu", "18.50", 12, "S", 360),
                    ("1KG", "1 kg en grains", "46.00", 6, "M", 1030),
                ],
            ),
            (
                "Filtre, Éthiopie Yirgacheffe",
                "Filter coffee, Ethiopia Yirgacheffe",
                "cafe-et-the",
                "Lavé, notes de bergamote et de pêche.",
                [("340", "340 g en grains", "21.00", 10, "S", 360)],
            ),
            (
                "Décaféiné à l’eau",
                "Water-process decaf",
                "cafe-et-the",
                "Colombie, procédé sans solvant.",
                [("340", "340 g en grains", "19.50", 0, "S", 360)],
            ),
            (
                "Cafetière à piston",
                "French press",
                "cafe-et-the",
                "Verre borosilicaté et acier inoxydable.",
                [("350", "350 ml", "34.00", 5, "M", 700), ("1L", "1 L", "49.00", 4, "M", 1100)],
            ),
            (
                "Abonnement découverte",
                "Discovery subscription",
                "cafe-et-the",
                "Un café d’origine différent chaque mois, trois mois.",
                [("3M", "Trois sacs de 340 g", "58.00", 25, "S", 1080)],
            ),
            (
                "Chai épicé en vrac",
                "Loose spiced chai",
                "cafe-et-the",
                "Thé noir, cardamome, gingembre et cannelle.",
                [("100", "100 g", "12.00", 9, "S", 120)],
            ),
        ],
    },
    {
        "slug": "epicerie-le-vrac",
        "code": "ELV",
        "name": "Épicerie Le Vrac",
        "neighbourhood": "Plateau-Mont-Royal",
        "street_address": "1030, rue Rachel Est",
        "locality": "Montréal",
        "postal_code": "H2J 2J3",
        "latitude": Decimal("45.525600"),
        "longitude": Decimal("-73.578500"),
        "description": (
            "Épicerie zéro déchet : produits secs en vrac, produits ménagers en recharge "
            "et contenants consignés."
        ),
        "listings": [
            (
                "Flocons d’avoine biologiques",
                "Organic rolled oats",
                "vrac",
                "Avoine du Lac-Saint-Jean, flocons épais.",
                [("1KG", "1 kg", "6.80", 25, "M", 1020)],
            ),
            (
                "Lentilles vertes du Québec",
                "Québec green lentils",
                "vrac",
                "Cultivées en Montérégie, cuisson en 25 minutes.",
                [("1KG", "1 kg", "7.90", 18, "M", 1020)],
            ),
            (
                "Savon à vaisselle en recharge",
                "Dish soap refill",
                "maison",
                "Bouteille de verre consignée, parfum pamplemousse.",
                [("1L", "1 L", "8.50", 12, "M", 1500)],
            ),
            (
                "Huile de tournesol pressée à froid",
                "Cold-pressed sunflower oil",
                "vrac",
                "Pressée en Estrie, bouteille de verre consignée.",
                [("500", "500 ml", "12.95", 8, "M", 950)],
            ),
            (
                "Sacs à vrac en coton",
                "Cotton bulk bags",
                "maison",
                "Coton biologique, cordon de serrage, lavables.",
                [("P3", "Paquet de 3", "15.00", 20, "S", 90)],
            ),
            (
                "Miel de trèfle non pasteurisé",
                "Raw clover honey",
                "vrac",
                "D’un rucher de Lanaudière.",
                [("500", "Pot de 500 g", "13.50", 0, "S", 650)],
            ),
        ],
    },
    {
        "slug": "quincaillerie-masson",
        "code": "QMA",
        "name": "Quincaillerie Masson",
        "neighbourhood": "Rosemont",
        "street_address": "2965, rue Masson",
        "locality": "Montréal",
        "postal_code": "H1Y 1X4",
        "latitude": Decimal("45.547810"),
        "longitude": Decimal("-73.573990"),
        "description": (
            "Outils, peinture et quincaillerie de rénovation pour les plex de Rosemont."
        ),
        "listings": [
            (
                "Perceuse-visseuse sans fil 20 V",
                "20 V cordless drill",
                "quincaillerie",
                "Deux vitesses, mandrin de 13 mm, chargeur inclus.",
                [
                    ("1BAT", "Avec une batterie", "149.99", 4, "L", 2300),
                    ("2BAT", "Avec deux batteries", "199.99", 2, "L", 2800),
                ],
            ),
            (
                "Vis à bois n° 8",
                "No. 8 wood screws",
                "quincaillerie",
                "Tête plate, embout carré, zinguées.",
                [
                    ("125", "1 ¼ po, boîte de 100", "9.99", 30, "S", 450),
                    ("200", "2 po, boîte de 100", "12.49", 22, "S", 600),
                ],
            ),
            (
                "Peinture murale fini velours",
                "Velvet finish wall paint",
                "quincaillerie",
                "Blanc, faible odeur, lavable.",
                [
                    ("946", "946 ml", "24.99", 10, "M", 1300),
                    ("378", "3,78 L", "64.99", 6, "L", 4800),
                ],
            ),
            (
                "Rouleau et bac à peinture",
                "Paint roller and tray",
                "quincaillerie",
                "Rouleau de 23 cm, manchon 10 mm, bac en plastique recyclé.",
                [("ENS", "Ensemble", "22.99", 8, "L", 600)],
            ),
            (
                "Détecteur de fumée",
                "Smoke alarm",
                "quincaillerie",
                "Pile scellée de 10 ans, bouton d’essai.",
                [("10ANS", "Pile de 10 ans", "34.99", 9, "S", 250)],
            ),
            (
                "Rallonge électrique extérieure",
                "Outdoor extension cord",
                "quincaillerie",
                "Calibre 16, trois prises, 7,6 m.",
                [("7M6", "7,6 m", "27.99", 0, "M", 900)],
            ),
        ],
    },
    {
        "slug": "epicerie-fine-castelnau",
        "code": "EFC",
        "name": "Épicerie fine Castelnau",
        "neighbourhood": "Villeray",
        "street_address": "352, rue De Castelnau Est",
        "locality": "Montréal",
        "postal_code": "H2R 1P8",
        "latitude": Decimal("45.536280"),
        "longitude": Decimal("-73.617120"),
        "description": (
            "À deux pas du marché Jean-Talon : fruits et légumes de saison, pâtes fraîches "
            "et produits fins d’ici et d’Italie."
        ),
        "listings": [
            (
                "Panier de légumes de saison",
                "Seasonal vegetable basket",
                "fruits-et-legumes",
                "Récoltés cette semaine chez des maraîchers de la Montérégie.",
                [
                    ("PETIT", "Petit panier", "25.00", 10, "L", 4000),
                    ("GRAND", "Grand panier", "40.00", 6, "L", 7000),
                ],
            ),
            (
                "Huile d’olive extra vierge",
                "Extra virgin olive oil",
                "epicerie-fine",
                "Première pression à froid, récolte de l’an dernier.",
                [("750", "750 ml", "24.50", 12, "M", 1300)],
            ),
            (
                "Pâtes fraîches du jour",
                "Fresh pasta of the day",
                "epicerie-fine",
                "Faites le matin même dans notre cuisine.",
                [
                    ("TAG", "Tagliatelles, 450 g", "8.50", 15, "S", 480),
                    ("RAV", "Ravioli ricotta et épinards, 400 g", "11.00", 7, "S", 430),
                ],
            ),
            (
                "Olives marinées maison",
                "House-marinated olives",
                "epicerie-fine",
                "Zeste d’orange, fenouil et piment d’Espelette.",
                [("300", "300 g", "9.75", 11, "S", 340)],
            ),
            (
                "Tomates cerises de serre du Québec",
                "Québec greenhouse cherry tomatoes",
                "fruits-et-legumes",
                "Cultivées à Mirabel toute l’année.",
                [("CHOP", "Une chopine", "5.50", 20, "M", 400)],
            ),
            (
                "Biscotti aux amandes",
                "Almond biscotti",
                "epicerie-fine",
                "Cuits deux fois, pour tremper dans le café.",
                [("250", "250 g", "8.95", 14, "S", 270)],
            ),
        ],
    },
    {
        "slug": "la-mie-d-hochelaga",
        "code": "BMH",
        "name": "La Mie d’Hochelaga",
        "neighbourhood": "Hochelaga-Maisonneuve",
        "street_address": "3915, rue Ontario Est",
        "locality": "Montréal",
        "postal_code": "H1W 1S6",
        "latitude": Decimal("45.546450"),
        "longitude": Decimal("-73.543680"),
        "description": (
            "Boulangerie de quartier sur la Promenade Ontario : pains au levain, "
            "viennoiseries et pâtés du jour."
        ),
        "listings": [
            (
                "Pain de campagne au levain",
                "Sourdough country loaf",
                "boulangerie",
                "Blé et seigle, longue fermentation.",
                [("750", "750 g", "7.25", 12, "M", 780)],
            ),
            (
                "Brioches à la cannelle",
                "Cinnamon buns",
                "boulangerie",
                "Glaçage au fromage à la crème.",
                [
                    ("1", "À l’unité", "4.50", 18, "S", 130),
                    ("6", "Boîte de 6", "24.00", 5, "M", 800),
                ],
            ),
            (
                "Pain sans gluten aux graines",
                "Gluten-free seed bread",
                "boulangerie",
                "Sarrasin, millet, tournesol et lin ; fait dans un atelier séparé.",
                [("600", "600 g", "9.50", 0, "M", 630)],
            ),
            (
                "Chocolatines",
                "Chocolate croissants",
                "boulangerie",
                "Deux bâtons de chocolat noir 70 %.",
                [("4", "Boîte de 4", "10.00", 16, "M", 320)],
            ),
            (
                "Pâté à la viande",
                "Meat pie",
                "boulangerie",
                "Porc et veau, épices de grand-mère ; à réchauffer 30 minutes.",
                [("FAM", "Format familial, 9 pouces", "19.50", 6, "M", 1300)],
            ),
        ],
    },
    {
        "slug": "le-de-verdunois",
        "code": "DVE",
        "name": "Le Dé verdunois",
        "neighbourhood": "Verdun",
        "street_address": "4137, rue Wellington",
        "locality": "Montréal",
        "postal_code": "H4G 1V7",
        "latitude": Decimal("45.458560"),
        "longitude": Decimal("-73.569910"),
        "description": (
            "Boutique de jeux de société sur la Promenade Wellington, avec soirées de "
            "découverte le jeudi."
        ),
        "listings": [
            (
                "Les Castors du Saint-Laurent, jeu coopératif",
                "Beavers of the St. Lawrence, a cooperative game",
                "jeux",
                "De 2 à 6 joueurs, dès 7 ans ; construisez le barrage avant la crue.",
                [("BOITE", "Boîte de base", "49.99", 5, "L", 1400)],
            ),
            (
                "Jeu de cartes d’ambiance",
                "Party card game",
                "jeux",
                "De 3 à 10 joueurs, parties de 20 minutes.",
                [("BOITE", "Boîte", "24.99", 12, "S", 300)],
            ),
            (
                "Casse-tête du Vieux-Port de Montréal",
                "Old Port of Montréal jigsaw puzzle",
                "jeux",
                "Photographie aérienne, carton recyclé.",
                [("1000", "1000 pièces", "27.99", 7, "M", 700)],
            ),
            (
                "Dés polyédriques",
                "Polyhedral dice",
                "jeux",
                "D4, D6, D8, deux D10, D12 et D20, avec pochette.",
                [
                    ("TRANS", "Translucides", "14.99", 20, "S", 60),
                    ("METAL", "Métal", "39.99", 3, "S", 250),
                ],
            ),
            (
                "Rivières et Portages, jeu de stratégie",
                "Rivers and Portages, a strategy game",
                "jeux",
                "De 1 à 4 joueurs, dès 12 ans ; la traite des fourrures en canot.",
                [("BOITE", "Boîte de base", "64.99", 0, "L", 2100)],
            ),
            (
                "Protège-cartes",
                "Card sleeves",
                "jeux",
                "Format standard, transparents, sans acide.",
                [("100", "Paquet de 100", "5.99", 40, "S", 80)],
            ),
        ],
    },
    # The demo retailer's first application, refused: they read the reason on "My stores".
    {
        "slug": "friperie-jarry",
        "code": "FRJ",
        "name": "Friperie Jarry",
        "neighbourhood": "Villeray",
        "street_address": "541, rue Jarry Est",
        "locality": "Montréal",
        "postal_code": "H2P 1V4",
        "description": "Vêtements de seconde main et accessoires de vélo d’occasion.",
        "small_supplier": True,
        "applicant": RETAILER,
        "status": StoreStatus.REFUSED,
        "decision_reason": (
            "Le NEQ donné ne correspond pas à la raison sociale inscrite au registre des "
            "entreprises. Vous pouvez présenter une nouvelle demande avec le bon numéro."
        ),
        "listings": [],
    },
    # Applied for by the demo retailer, waiting for the coop's decision: in the
    # administration and on the retailer's "My stores", not in the directory.
    {
        "slug": "atelier-velo-jarry",
        "code": "AVJ",
        "name": "Atelier Vélo Jarry",
        "neighbourhood": "Villeray",
        "street_address": "535, rue Jarry Est",
        "locality": "Montréal",
        "postal_code": "H2P 1V4",
        "latitude": Decimal("45.546300"),
        "longitude": Decimal("-73.623700"),
        "description": "Atelier de réparation de vélos et pièces d’occasion remises à neuf.",
        "small_supplier": True,
        "applicant": RETAILER,
        "listings": [
            (
                "Chaîne 8 vitesses",
                "8-speed chain",
                "velo",
                "116 maillons, attache rapide incluse.",
                [("116", "116 maillons", "24.99", 10, "S", 300)],
            ),
            (
                "Pompe à pied avec manomètre",
                "Floor pump with gauge",
                "velo",
                "Embout double Presta et Schrader.",
                [("STD", "Standard", "49.99", 4, "L", 1600)],
            ),
            (
                "Garde-boue 700c",
                "700c fenders",
                "velo",
                "Polycarbonate, fixations incluses.",
                [("PAIRE", "La paire", "39.99", 5, "L", 650)],
            ),
        ],
    },
]

# --- English descriptions, by French title ------------------------------------------------
# Shown in the English interface and searched in English (a listing without one falls
# back to its French description).
DESCRIPTIONS_EN: dict[str, str] = {
    "Miche au levain de seigle": (
        "Natural sourdough bread with Charlevoix rye and a thick crust; keeps five days."
    ),
    "Croissants pur beurre": "Flaky pastries made with Québec butter; warm for 3 minutes.",
    "Pain de mie complet": "Whole wheat sandwich bread with clover honey, made for lunches.",
    "Granola à l’érable": "Oats, pumpkin seeds and maple syrup, slowly baked.",
    "Pouding chômeur": "Cake topped with maple syrup, a size to share.",
    "Cheddar fort vieilli deux ans": (
        "Cow’s milk cheese from the Lower St. Lawrence, crumbly and nutty."
    ),
    "Fromage en grains du jour": "The cheese still squeaks: delivered the same day.",
    "Raclette au lait cru": "A semi-firm cheese that melts without separating; serves four.",
    "Pain de campagne au levain": "Wheat and rye bread, long fermentation.",
    "Pain sans gluten aux graines": (
        "Buckwheat, millet, sunflower and flax bread, made in a separate kitchen."
    ),
    "Sirop d’érable ambré": "Rich taste, this year’s harvest, from a Beauce sugar bush.",
    "Signets en bois d’érable": "Laser-engraved in a Saint-Sauveur workshop.",
}

# --- What the register and the tax authorities know of each store ------------------------
# (legal name, NEQ, phone, opening hours). Invented numbers of the right format: an NEQ of
# ten digits, and for a registered store a business number that gives its GST number
# (<BN>RT0001) and a QST number (<10 digits>TQ0001). Phones are in 555-01xx, which the
# North American numbering plan keeps for fiction.
_WEEKDAYS_9_TO_6 = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
HOURS = {
    "shop": {
        **_WEEKDAYS_9_TO_6,
        "thu": [["09:00", "21:00"]],
        "fri": [["09:00", "21:00"]],
        "sat": [["10:00", "17:00"]],
        "sun": [["12:00", "17:00"]],
    },
    "bakery": {day: [["07:00", "18:00"]] for day in ("tue", "wed", "thu", "fri", "sat")}
    | {"sun": [["08:00", "13:00"]]},
    "workshop": {**_WEEKDAYS_9_TO_6, "sat": [["10:00", "16:00"]]},
}
BUSINESS: dict[str, tuple[str, str, str, str]] = {
    "boulangerie-du-faubourg": ("9381-2207 Québec inc.", "1170004182", "+14185550101", "bakery"),
    "fromagerie-saint-roch": ("Fromagerie Saint-Roch inc.", "1170011873", "+14185550102", "shop"),
    "librairie-la-page-tournee": (
        "Librairie La Page tournée, coopérative",
        "1170023346",
        "+14185550103",
        "shop",
    ),
    "velo-laurentien": ("Vélo Laurentien inc.", "1170035910", "+14185550104", "workshop"),
    "epices-the-vieux-port": ("Marie-Ève Lachance", "2270047725", "+14185550105", "shop"),
    "quincaillerie-cartier": (
        "Quincaillerie Cartier et Fils ltée",
        "1170058264",
        "+14185550106",
        "shop",
    ),
    "brulerie-mont-royal": ("Brûlerie Mont-Royal inc.", "1170060439", "+15145550107", "shop"),
    "epicerie-le-vrac": (
        "Épicerie Le Vrac, coopérative de solidarité",
        "1170072518",
        "+15145550108",
        "shop",
    ),
    "quincaillerie-masson": ("9415-6630 Québec inc.", "1170084097", "+15145550109", "shop"),
    "epicerie-fine-castelnau": (
        "Épicerie fine Castelnau inc.",
        "1170096751",
        "+15145550110",
        "shop",
    ),
    "la-mie-d-hochelaga": (
        "La Mie d’Hochelaga, société en nom collectif",
        "2270108836",
        "+15145550111",
        "bakery",
    ),
    "le-de-verdunois": ("Le Dé verdunois inc.", "1170110542", "+15145550112", "shop"),
    "friperie-jarry": ("Friperie Jarry enr.", "2270123384", "+15145550113", "shop"),
    "atelier-velo-jarry": ("Samuel Bergeron", "2270135961", "+15145550114", "workshop"),
}


def store_business_fields(slug: str, small_supplier: bool) -> dict[str, Any]:
    """The legal and tax details of a demo store, from BUSINESS."""
    legal_name, neq, phone, hours = BUSINESS[slug]
    fields: dict[str, Any] = {
        "legal_name": legal_name,
        "neq": neq,
        "phone": phone,
        "opening_hours": HOURS[hours],
        "small_supplier": small_supplier,
        "gst_number": "",
        "qst_number": "",
    }
    if not small_supplier:
        fields["gst_number"] = f"7{neq[2:10]}RT0001"
        fields["qst_number"] = f"12{neq[2:10]}TQ0001"
    return fields


# (email of a demo person of identity.demo, store slug, role): who works where. The demo
# retailer also owns an approved store, to manage its listings (besides their applications).
DEMO_STAFF: list[tuple[str, str, str]] = [
    ("store@demo.uniqc.coop", "boulangerie-du-faubourg", StoreRole.OWNER),
    (RETAILER, "quincaillerie-masson", StoreRole.OWNER),
]

# The stores whose listings get a photo, drawn at seed time (no photo is downloaded).
DEMO_PHOTO_STORES = ("boulangerie-du-faubourg", "quincaillerie-masson")
# A colour per top category for the drawn photos.
PHOTO_COLOURS = {"alimentation": (196, 122, 52), "maison": (70, 110, 150), "loisirs": (90, 140, 90)}


def listing_slug(title: str) -> str:
    return slugify(title)[:120]


def variant_sku(store_code: str, listing_title: str, variant_code: str) -> str:
    return f"{store_code}-{listing_slug(listing_title)}-{variant_code}".upper()[:64]


def categories_load(*, summary: DemoSummary) -> dict[str, Category]:
    """Bring the demo categories to the tree above; the categories by slug."""
    categories: dict[str, Category] = {}
    positions: dict[str | None, int] = {}
    for slug, name_fr, name_en, parent in CATEGORIES:
        positions[parent] = positions.get(parent, 0) + 1
        category, created = category_upsert(
            slug=slug,
            name_fr=name_fr,
            name_en=name_en,
            parent=categories[parent] if parent else None,
            position=positions[parent],
        )
        summary.count("categories", created)
        categories[slug] = category
    return categories


def _store_ensure(store_data: dict[str, Any], people: Mapping[str, User]) -> tuple[Store, bool]:
    """The demo store, created if missing; a reload brings its description to the data
    above and never undoes a decision of the coop."""
    fields = {
        key: value
        for key, value in store_data.items()
        if key not in {"code", "listings", "status", "applicant", "decision_reason"}
    }
    fields |= store_business_fields(store_data["slug"], fields.pop("small_supplier", False))
    status = store_data.get("status", StoreStatus.APPROVED)
    applicant_email = store_data.get("applicant")
    if applicant_email is None:
        return store_upsert(
            initial_status=status,
            initial_decision_reason=store_data.get("decision_reason", ""),
            **fields,
        )
    store = Store.objects.filter(slug=fields["slug"]).first()
    if store is not None:
        fields.pop("slug")
        return store_update(store=store, acting_user=None, **fields), False
    # An application, as the retailer made it, then the coop's decision if any.
    store = store_apply(applicant=people[applicant_email], **fields)
    if status == StoreStatus.REFUSED:
        store_refuse(store=store, reason=store_data["decision_reason"], acting_user=None)
    return store, True


def demo_load(*, summary: DemoSummary, people: Mapping[str, User]) -> dict[str, Store]:
    """Bring the demo categories, and every demo store, listing and variant to the data
    above, and put the demo people (`people`, by email) to work at their stores; the
    stores by slug. Listings are published when they are created."""
    categories = categories_load(summary=summary)
    stores = {}
    for store_data in STORES:
        store, created = _store_ensure(store_data, people)
        summary.count("stores", created)
        stores[store.slug] = store
        for title_fr, title_en, category, description_fr, variants in store_data["listings"]:
            listing, created = listing_upsert(
                store=store,
                slug=listing_slug(title_fr),
                title_fr=title_fr,
                title_en=title_en,
                description_fr=description_fr,
                description_en=DESCRIPTIONS_EN.get(title_fr, ""),
                category=categories[category],
                initial_status=ListingStatus.PUBLISHED,
            )
            summary.count("listings", created)
            for code, name, price, stock, size_class, weight_grams in variants:
                _variant, created = variant_upsert(
                    store=store,
                    listing=listing,
                    sku=variant_sku(store_data["code"], title_fr, code),
                    name=name,
                    price=price,
                    size_class=size_class,
                    weight_grams=weight_grams,
                    initial_stock=stock,
                )
                summary.count("variants", created)
    for email, store_slug, role in DEMO_STAFF:
        store_staff_set(store=stores[store_slug], user=people[email], role=role, acting_user=None)
    payout_accounts_load(stores=stores, summary=summary)
    photos_load(stores=stores, summary=summary)
    orders_demo_load(summary=summary, people=people, stores=stores)
    sales_demo_load(summary=summary, people=people, stores=stores)
    # Before the webhook endpoint exists, so that its log shows only its own demo deliveries.
    payouts_demo_load(summary=summary, people=people, stores=stores)
    store_settings_demo_load(summary=summary, people=people, stores=stores)
    webhooks_demo_load(summary=summary, people=people, stores=stores)
    catalogue_imports_demo_load(summary=summary, people=people, stores=stores)
    store_api_demo_load(summary=summary, stores=stores)
    return stores


def payout_accounts_load(*, stores: Mapping[str, Store], summary: DemoSummary) -> None:
    """Every approved demo store is connected through the offline gateway, at once, as a
    test account: it can publish, and no real money moves."""
    for store in stores.values():
        if store.status != StoreStatus.APPROVED:
            continue
        created = not hasattr(store, "payout_account")
        payout_account_record(
            store=store,
            gateway="offline",
            account_id=f"offline_{store.slug}",
            transfers_enabled=True,
            details_submitted=True,
            is_test=True,
            acting_user=None,
        )
        summary.count("payout accounts", created)


def photo_drawn(listing: Listing) -> bytes:
    """A simple picture for a demo listing: a plate of its category's colour and its
    title, as a JPEG (the upload a store would send)."""
    category = listing.category
    top = category.parent if category is not None and category.parent is not None else category
    colour = PHOTO_COLOURS.get(top.slug if top is not None else "", (120, 120, 120))
    image = Image.new("RGB", (1200, 900), (246, 241, 232))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((150, 120, 1050, 780), radius=60, fill=colour)
    draw.ellipse((420, 250, 780, 610), fill=(255, 255, 255))
    font = ImageFont.load_default(size=56)
    draw.text((600, 700), listing.title_fr[:28], fill=(255, 255, 255), font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def photos_load(*, stores: Mapping[str, Store], summary: DemoSummary) -> None:
    """A drawn photo for each listing of DEMO_PHOTO_STORES that has none, through the
    same service and checks as a store's upload."""
    for slug in DEMO_PHOTO_STORES:
        listings = Listing.objects.filter(store=stores[slug]).select_related("category__parent")
        for listing in listings.order_by("id"):
            if listing.photos.exists():
                summary.count("photos", False)
                continue
            listing_photo_add(
                listing=listing,
                upload=SimpleUploadedFile(
                    f"{listing.slug}.jpg", photo_drawn(listing), content_type="image/jpeg"
                ),
                alt_fr=f"Illustration\u00a0: {listing.title_fr}",
                alt_en=f"Illustration: {listing.title_en or listing.title_fr}",
                acting_user=None,
            )
            summary.count("photos", True)
