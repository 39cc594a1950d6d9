# ruff: noqa: RUF001 - French typography (multiplication signs, apostrophes, no-break spaces) is intended.
"""The demo stores, what they sell and who works there (`manage.py seed_demo` loads them
after identity's people and the lockers' sites).

Every business here is invented; streets, neighbourhoods and postal areas are real so
that the directory looks like Québec. Natural keys: a store's slug, a listing's slug
within its store (from its title), a variant's SKU. Loading never undoes what happened
since: variants keep their stock, stores the coop's decision.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.text import slugify

from core.demo import DemoSummary
from identity.models import User
from marketplace.models import Store, StoreRole, StoreStatus
from marketplace.services import (
    listing_upsert,
    store_apply,
    store_refuse,
    store_staff_set,
    store_update,
    store_upsert,
    variant_upsert,
)

# --- Stores and what they sell ----------------------------------------------------------
# The demo retailer applies for stores (identity.demo's retailer@demo.uniqc.coop).
RETAILER = "retailer@demo.uniqc.coop"

# A listing: (title, locker size, description, [(variant code, name, price, stock)]).
# A variant's SKU is "<store code>-<listing slug>-<variant code>", upper-case.

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
                "M",
                "Levain naturel, seigle de Charlevoix, croûte épaisse ; se garde cinq jours.",
                [("800", "Miche de 800 g", "7.50", 14), ("400", "Demi-miche de 400 g", "4.25", 10)],
            ),
            (
                "Croissants pur beurre",
                "M",
                "Feuilletés au beurre du Québec, à réchauffer 3 minutes au four.",
                [("B4", "Boîte de 4", "9.00", 20), ("B8", "Boîte de 8", "17.00", 8)],
            ),
            (
                "Pain de mie complet",
                "M",
                "Farine de blé entier, miel de trèfle ; idéal pour les lunchs.",
                [("675", "Pain de 675 g", "6.25", 12)],
            ),
            (
                "Tarte au sucre",
                "M",
                "La recette de la maison, à la cassonade et à la crème.",
                [("9PO", "Tarte de 9 pouces", "16.00", 6)],
            ),
            (
                "Granola à l’érable",
                "S",
                "Avoine, graines de citrouille et sirop d’érable, cuit lentement.",
                [("500", "Sac de 500 g", "11.50", 12), ("1KG", "Sac de 1 kg", "21.00", 0)],
            ),
            (
                "Pouding chômeur",
                "M",
                "Gâteau nappé de sirop d’érable, format à partager.",
                [("FAM", "Format familial", "14.50", 4)],
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
                "S",
                "Lait de vache du Bas-Saint-Laurent, texture friable et goût de noisette.",
                [("200", "200 g", "8.95", 25), ("500", "500 g", "19.95", 10)],
            ),
            (
                "Croûte fleurie de Charlevoix",
                "S",
                "Pâte molle crémeuse, lait entier ; à servir à température ambiante.",
                [("170", "Meule de 170 g", "12.50", 9)],
            ),
            (
                "Fromage en grains du jour",
                "S",
                "Il fait encore « couic-couic » : livré le jour même.",
                [("250", "250 g", "5.75", 40), ("500", "500 g", "10.50", 0)],
            ),
            (
                "Raclette au lait cru",
                "M",
                "Pâte demi-ferme qui fond sans se séparer ; pour quatre personnes.",
                [("400", "400 g", "17.80", 7)],
            ),
            (
                "Plateau découverte, quatre fromages du Québec",
                "M",
                "Une pâte molle, une demi-ferme, une persillée et un chèvre, avec les notes "
                "de dégustation.",
                [("P2", "Pour 2 personnes", "34.00", 5), ("P4", "Pour 4 personnes", "62.00", 3)],
            ),
            (
                "Beurre de baratte salé",
                "S",
                "Baratté à l’ancienne, sel de mer.",
                [("250", "250 g", "7.25", 18)],
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
                "S",
                "Le roman que l’équipe a le plus aimé ce mois-ci, avec un mot du libraire.",
                [("POCHE", "Format poche", "14.95", 12), ("GF", "Grand format", "29.95", 6)],
            ),
            (
                "Atlas des rivières du Québec",
                "S",
                "Cartes, photographies et histoire de 40 rivières, de la Jacques-Cartier "
                "à la Moisie.",
                [("RELIE", "Relié", "49.95", 3)],
            ),
            (
                "Carnet de notes cousu main",
                "S",
                "Papier recyclé, couverture en carton de Limoilou.",
                [("LIGNE", "A5 ligné", "18.00", 15), ("POINTS", "A5 pointillé", "18.00", 0)],
            ),
            (
                "Les enquêtes de Limoilou, tome 1",
                "S",
                "Bande dessinée jeunesse, dès 8 ans.",
                [("T1", "Couverture souple", "19.95", 8)],
            ),
            (
                "Carte-cadeau de la librairie",
                "S",
                "Valable deux ans en magasin et en ligne.",
                [("25", "Valeur de 25 $", "25.00", 100), ("50", "Valeur de 50 $", "50.00", 100)],
            ),
            (
                "Signets en bois d’érable",
                "S",
                "Gravés au laser dans un atelier de Saint-Sauveur.",
                [("P3", "Paquet de 3", "9.50", 20)],
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
                "S",
                "Butyle, 1 mm d’épaisseur.",
                [
                    ("PRESTA", "Valve Presta", "9.99", 30),
                    ("SCHRADER", "Valve Schrader", "8.99", 22),
                ],
            ),
            (
                "Lumières avant et arrière rechargeables",
                "S",
                "Recharge USB-C, 6 h d’autonomie, visibles à 300 m.",
                [("ENS", "Ensemble avant et arrière", "39.99", 10)],
            ),
            (
                "Cadenas en U",
                "M",
                "Acier trempé de 14 mm, deux clés.",
                [("STD", "Standard", "54.99", 6), ("CABLE", "Avec câble de 1,2 m", "64.99", 4)],
            ),
            (
                "Sacoche de porte-bagages imperméable",
                "L",
                "Toile soudée, fermeture roulée, bande réfléchissante.",
                [("20L", "Une sacoche de 20 L", "89.00", 5), ("2X20L", "La paire", "159.00", 2)],
            ),
            (
                "Trousse de réparation",
                "S",
                "Rustines, démonte-pneus et outil multifonction.",
                [("BASE", "Trousse de base", "24.99", 15)],
            ),
            (
                "Casque urbain",
                "L",
                "Coque ABS, visière amovible, lumière arrière intégrée.",
                [("SM", "Taille S/M", "79.99", 4), ("LXL", "Taille L/XL", "79.99", 0)],
            ),
            (
                "Mise au point printanière",
                "S",
                "Bon d’atelier : réglage des freins et des vitesses, nettoyage de la chaîne.",
                [("BON", "Bon d’atelier", "89.00", 50)],
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
                "S",
                "Cueilli sur la Côte-Nord ; infusion douce aux notes résineuses.",
                [("30", "30 g", "12.00", 16)],
            ),
            (
                "Mélange d’épices pour tourtière",
                "S",
                "Cannelle, clou de girofle, sarriette et poivre.",
                [("50", "Pot de 50 g", "7.50", 20)],
            ),
            (
                "Poivre des dunes",
                "S",
                "Aulne crispé de la Gaspésie, goût boisé et poivré.",
                [("25", "Pot de 25 g", "11.75", 9)],
            ),
            (
                "Thé noir déjeuner de Québec",
                "S",
                "Assam et Ceylan, corsé, parfait avec un nuage de lait.",
                [("100", "100 g", "10.50", 14), ("250", "250 g", "22.00", 6)],
            ),
            (
                "Sirop d’érable ambré",
                "M",
                "Goût riche, récolte de cette année, érablière de Beauce.",
                [("540", "Boîte de 540 ml", "13.95", 24), ("1L", "Cruchon de 1 L", "22.95", 10)],
            ),
            (
                "Coffret dégustation",
                "M",
                "Six pots d’épices et de thés choisis par la maison, emballés pour offrir.",
                [("6POTS", "Six pots", "54.00", 3)],
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
                "S",
                "Équivalent 60 W, 2700 K, intensité réglable.",
                [("1", "À l’unité", "6.49", 40), ("4", "Paquet de 4", "19.99", 12)],
            ),
            (
                "Ruban à mesurer de 7,5 m",
                "S",
                "Gradué en métrique et en impérial, boîtier caoutchouté.",
                [("7M5", "7,5 m", "16.99", 10)],
            ),
            (
                "Grattoir à glace avec brosse",
                "L",
                "Manche de 60 cm, lame en laiton qui ne raye pas le pare-brise.",
                [("60", "60 cm", "14.99", 15)],
            ),
            (
                "Calfeutrant de silicone transparent",
                "S",
                "Pour la cuisine et la salle de bain, résiste aux moisissures.",
                [("300", "Cartouche de 300 ml", "9.49", 18)],
            ),
            (
                "Trousse de tournevis de précision",
                "S",
                "Embouts magnétiques pour l’électronique et les lunettes.",
                [("24", "24 pièces", "29.99", 7)],
            ),
            (
                "Sel de déglaçage écologique",
                "L",
                "Sans chlorure, sans danger pour les pattes et les plantes.",
                [("10KG", "Sac de 10 kg", "17.49", 20)],
            ),
            (
                "Gants de travail doublés",
                "S",
                "Cuir de chèvre, doublure thermique.",
                [
                    ("M", "Taille M", "21.99", 8),
                    ("L", "Taille L", "21.99", 5),
                    ("XL", "Taille XL", "21.99", 0),
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
                "S",
                "Chocolat noir et noisette ; torréfié cette semaine.",
                [
                    ("340G", "340 g en grains", "18.50", 30),
                    ("340M", "340 g moulu", "18.50", 12),
                    ("1KG", "1 kg en grains", "46.00", 6),
                ],
            ),
            (
                "Filtre, Éthiopie Yirgacheffe",
                "S",
                "Lavé, notes de bergamote et de pêche.",
                [("340", "340 g en grains", "21.00", 10)],
            ),
            (
                "Décaféiné à l’eau",
                "S",
                "Colombie, procédé sans solvant.",
                [("340", "340 g en grains", "19.50", 0)],
            ),
            (
                "Cafetière à piston",
                "M",
                "Verre borosilicaté et acier inoxydable.",
                [("350", "350 ml", "34.00", 5), ("1L", "1 L", "49.00", 4)],
            ),
            (
                "Abonnement découverte",
                "S",
                "Un café d’origine différent chaque mois, trois mois.",
                [("3M", "Trois sacs de 340 g", "58.00", 25)],
            ),
            (
                "Chai épicé en vrac",
                "S",
                "Thé noir, cardamome, gingembre et cannelle.",
                [("100", "100 g", "12.00", 9)],
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
                "S",
                "Avoine du Lac-Saint-Jean, flocons épais.",
                [("1KG", "1 kg", "6.80", 25)],
            ),
            (
                "Lentilles vertes du Québec",
                "S",
                "Cultivées en Montérégie, cuisson en 25 minutes.",
                [("1KG", "1 kg", "7.90", 18)],
            ),
            (
                "Savon à vaisselle en recharge",
                "M",
                "Bouteille de verre consignée, parfum pamplemousse.",
                [("1L", "1 L", "8.50", 12)],
            ),
            (
                "Huile de tournesol pressée à froid",
                "M",
                "Pressée en Estrie, bouteille de verre consignée.",
                [("500", "500 ml", "12.95", 8)],
            ),
            (
                "Sacs à vrac en coton",
                "S",
                "Coton biologique, cordon de serrage, lavables.",
                [("P3", "Paquet de 3", "15.00", 20)],
            ),
            (
                "Miel de trèfle non pasteurisé",
                "S",
                "D’un rucher de Lanaudière.",
                [("500", "Pot de 500 g", "13.50", 0)],
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
                "L",
                "Deux vitesses, mandrin de 13 mm, chargeur inclus.",
                [
                    ("1BAT", "Avec une batterie", "149.99", 4),
                    ("2BAT", "Avec deux batteries", "199.99", 2),
                ],
            ),
            (
                "Vis à bois n° 8",
                "S",
                "Tête plate, embout carré, zinguées.",
                [
                    ("125", "1 ¼ po, boîte de 100", "9.99", 30),
                    ("200", "2 po, boîte de 100", "12.49", 22),
                ],
            ),
            (
                "Peinture murale fini velours",
                "L",
                "Blanc, faible odeur, lavable.",
                [("946", "946 ml", "24.99", 10), ("378", "3,78 L", "64.99", 6)],
            ),
            (
                "Rouleau et bac à peinture",
                "L",
                "Rouleau de 23 cm, manchon 10 mm, bac en plastique recyclé.",
                [("ENS", "Ensemble", "22.99", 8)],
            ),
            (
                "Détecteur de fumée",
                "S",
                "Pile scellée de 10 ans, bouton d’essai.",
                [("10ANS", "Pile de 10 ans", "34.99", 9)],
            ),
            (
                "Rallonge électrique extérieure",
                "M",
                "Calibre 16, trois prises, 7,6 m.",
                [("7M6", "7,6 m", "27.99", 0)],
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
                "L",
                "Récoltés cette semaine chez des maraîchers de la Montérégie.",
                [("PETIT", "Petit panier", "25.00", 10), ("GRAND", "Grand panier", "40.00", 6)],
            ),
            (
                "Huile d’olive extra vierge",
                "M",
                "Première pression à froid, récolte de l’an dernier.",
                [("750", "750 ml", "24.50", 12)],
            ),
            (
                "Pâtes fraîches du jour",
                "S",
                "Faites le matin même dans notre cuisine.",
                [
                    ("TAG", "Tagliatelles, 450 g", "8.50", 15),
                    ("RAV", "Ravioli ricotta et épinards, 400 g", "11.00", 7),
                ],
            ),
            (
                "Olives marinées maison",
                "S",
                "Zeste d’orange, fenouil et piment d’Espelette.",
                [("300", "300 g", "9.75", 11)],
            ),
            (
                "Tomates cerises de serre du Québec",
                "S",
                "Cultivées à Mirabel toute l’année.",
                [("CHOP", "Une chopine", "5.50", 20)],
            ),
            (
                "Biscotti aux amandes",
                "S",
                "Cuits deux fois, pour tremper dans le café.",
                [("250", "250 g", "8.95", 14)],
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
                "M",
                "Blé et seigle, longue fermentation.",
                [("750", "750 g", "7.25", 12)],
            ),
            (
                "Brioches à la cannelle",
                "M",
                "Glaçage au fromage à la crème.",
                [("1", "À l’unité", "4.50", 18), ("6", "Boîte de 6", "24.00", 5)],
            ),
            (
                "Pain sans gluten aux graines",
                "M",
                "Sarrasin, millet, tournesol et lin ; fait dans un atelier séparé.",
                [("600", "600 g", "9.50", 0)],
            ),
            (
                "Chocolatines",
                "M",
                "Deux bâtons de chocolat noir 70 %.",
                [("4", "Boîte de 4", "10.00", 16)],
            ),
            (
                "Pâté à la viande",
                "M",
                "Porc et veau, épices de grand-mère ; à réchauffer 30 minutes.",
                [("FAM", "Format familial, 9 pouces", "19.50", 6)],
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
                "L",
                "De 2 à 6 joueurs, dès 7 ans ; construisez le barrage avant la crue.",
                [("BOITE", "Boîte de base", "49.99", 5)],
            ),
            (
                "Jeu de cartes d’ambiance",
                "S",
                "De 3 à 10 joueurs, parties de 20 minutes.",
                [("BOITE", "Boîte", "24.99", 12)],
            ),
            (
                "Casse-tête du Vieux-Port de Montréal",
                "M",
                "Photographie aérienne, carton recyclé.",
                [("1000", "1000 pièces", "27.99", 7)],
            ),
            (
                "Dés polyédriques",
                "S",
                "D4, D6, D8, deux D10, D12 et D20, avec pochette.",
                [("TRANS", "Translucides", "14.99", 20), ("METAL", "Métal", "39.99", 3)],
            ),
            (
                "Rivières et Portages, jeu de stratégie",
                "L",
                "De 1 à 4 joueurs, dès 12 ans ; la traite des fourrures en canot.",
                [("BOITE", "Boîte de base", "64.99", 0)],
            ),
            (
                "Protège-cartes",
                "S",
                "Format standard, transparents, sans acide.",
                [("100", "Paquet de 100", "5.99", 40)],
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
                "S",
                "116 maillons, attache rapide incluse.",
                [("116", "116 maillons", "24.99", 10)],
            ),
            (
                "Pompe à pied avec manomètre",
                "L",
                "Embout double Presta et Schrader.",
                [("STD", "Standard", "49.99", 4)],
            ),
            (
                "Garde-boue 700c",
                "L",
                "Polycarbonate, fixations incluses.",
                [("PAIRE", "La paire", "39.99", 5)],
            ),
        ],
    },
]

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


# (email of a demo person of identity.demo, store slug, role): who works where.
DEMO_STAFF: list[tuple[str, str, str]] = [
    ("store@demo.uniqc.coop", "boulangerie-du-faubourg", StoreRole.OWNER),
]


def listing_slug(title: str) -> str:
    return slugify(title)[:120]


def variant_sku(store_code: str, listing_title: str, variant_code: str) -> str:
    return f"{store_code}-{listing_slug(listing_title)}-{variant_code}".upper()[:64]


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
    """Bring every demo store, listing and variant to the data above, and put the demo
    people (`people`, by email) to work at their stores; the stores by slug."""
    stores = {}
    for store_data in STORES:
        store, created = _store_ensure(store_data, people)
        summary.count("stores", created)
        stores[store.slug] = store
        for title, size_class, description, variants in store_data["listings"]:
            listing, created = listing_upsert(
                store=store,
                slug=listing_slug(title),
                title=title,
                size_class=size_class,
                description=description,
            )
            summary.count("listings", created)
            for code, name, price, stock in variants:
                _variant, created = variant_upsert(
                    listing=listing,
                    sku=variant_sku(store_data["code"], title, code),
                    name=name,
                    price=price,
                    initial_stock=stock,
                )
                summary.count("variants", created)
    for email, store_slug, role in DEMO_STAFF:
        store_staff_set(store=stores[store_slug], user=people[email], role=role, acting_user=None)
    return stores
