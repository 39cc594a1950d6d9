"""A URLconf that serves none of the machine endpoints (tests swap it in)."""

from django.http import HttpResponse
from django.urls import path


def page(request):
    return HttpResponse("page")


urlpatterns = [path("oidc/token", page)]
