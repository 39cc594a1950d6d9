from django.urls import path

from lockers import views

app_name = "lockers"

urlpatterns = [
    path("", views.site_list, name="site_list"),
    path("tournee/", views.courier_sites, name="courier_sites"),
]
