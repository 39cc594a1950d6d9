"""Pages about locker sites: where they are for everyone, the round for couriers."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lockers.selectors import courier_rounds, sites_with_free_compartments


@require_GET
def site_list(request: HttpRequest) -> HttpResponse:
    """Every active site, by city, with its host, address, hours and free compartments."""
    return render(request, "lockers/site_list.html", {"sites": sites_with_free_compartments()})


@require_GET
@login_required
@permission_required("lockers.carry_parcels", raise_exception=True)
def courier_sites(request: HttpRequest) -> HttpResponse:
    """The sites in the order of a round, with addresses and access hours (couriers only)."""
    return render(request, "lockers/courier_sites.html", {"rounds": courier_rounds()})
