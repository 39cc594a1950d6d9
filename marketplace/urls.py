from django.urls import path

from marketplace import views

app_name = "marketplace"

# "mes-boutiques/" comes before "<slug>/"; the slug is reserved (see RESERVED_STORE_SLUGS).
urlpatterns = [
    path("", views.store_list, name="store_list"),
    path("mes-boutiques/", views.my_stores, name="my_stores"),
    path("<slug:slug>/", views.store_detail, name="store_detail"),
]
