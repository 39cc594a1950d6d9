from django.urls import path

from lockers import views

app_name = "lockers"

urlpatterns = [
    path("", views.site_list, name="site_list"),
    path("tournee/", views.courier_sites, name="courier_sites"),
]

# --- Labels (lockers/label_views.py) ---
from lockers import label_views  # noqa: E402

urlpatterns += [
    path("etiquettes/cles.json", label_views.label_keys, name="label_keys"),
]
