from django.urls import include, path

urlpatterns = [path("", include("voirie.urls"))]
