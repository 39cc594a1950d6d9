"""A store's catalogue as a CSV file (under /boutiques/mes-boutiques/<store>/catalogue/)."""

from django.urls import path

from marketplace import catalogue_import_views as views

urlpatterns = [
    path("", views.catalogue_import_page, name="catalogue_import_page"),
    path("export/", views.catalogue_export_csv, name="catalogue_export"),
    path("modele/", views.catalogue_template_csv, name="catalogue_template"),
    path("imports/<int:pk>/", views.catalogue_import_detail, name="catalogue_import"),
    path("imports/<int:pk>/etat/", views.catalogue_import_status, name="catalogue_import_status"),
]
