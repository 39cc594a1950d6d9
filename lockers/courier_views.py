"""The courier app's pages (issue 11, point 5), in the PWA's scope /casiers/coursier/:
today's manifest in route order, a stop where parcels are scanned (or their code typed),
and the exception reports. Plain forms: everything but the camera works without
JavaScript. They call lockers.courier, as the courier API does."""

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lockers import courier
from lockers.errors import LockersError
from lockers.models import Parcel, Site

# A stop's kind as its URL says it, in French like the site's other paths.
KIND_BY_SLUG = {
    "magasin": courier.StopKind.PICKUP,
    "casier": courier.StopKind.DEPOSIT,
    "recuperation": courier.StopKind.RETRIEVAL,
    "retour": courier.StopKind.RETURN,
}
SLUG_BY_KIND = {kind: slug for slug, kind in KIND_BY_SLUG.items()}


def stop_url(stop: courier.Stop) -> str:
    return reverse("lockers:courier_stop", args=[SLUG_BY_KIND[stop.kind], stop.key])


def _position(request: HttpRequest) -> tuple[float | None, float | None]:
    try:
        latitude = float(request.GET["lat"])
        longitude = float(request.GET["lon"])
    except (KeyError, ValueError):
        return None, None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None, None
    return latitude, longitude


def _kind_titles() -> dict[str, str]:
    return {
        courier.StopKind.PICKUP: _("Pickup at a store"),
        courier.StopKind.DEPOSIT: _("Deposit at a locker"),
        courier.StopKind.RETRIEVAL: _("Retrieval of expired parcels"),
        courier.StopKind.RETURN: _("Return to a store"),
    }


courier_required = [
    login_required,
    permission_required("lockers.carry_parcels", raise_exception=True),
]


def _courier_only(view: Any) -> Any:
    for decorator in reversed(courier_required):
        view = decorator(view)
    return view


@require_GET
@_courier_only
def manifest_page(request: HttpRequest) -> HttpResponse:
    """Today's stops in route order, from the courier's position when the browser gave
    it (?lat=&lon=), else from the westernmost stop."""
    latitude, longitude = _position(request)
    manifest = courier.courier_manifest(
        courier=request.user, latitude=latitude, longitude=longitude
    )
    titles = _kind_titles()
    stops = [{"stop": s, "url": stop_url(s), "title": titles[s.kind]} for s in manifest.stops]
    return render(
        request,
        "lockers/courier/manifest.html",
        {"manifest": manifest, "stops": stops},
    )


def _stop_for(request: HttpRequest, kind: str, key: str) -> courier.Stop | None:
    manifest = courier.courier_manifest(courier=request.user)
    return manifest.stop(kind, key)


def _stop_render(
    request: HttpRequest,
    *,
    kind: str,
    key: str,
    site: Site | None,
    result: courier.ScanResult | None = None,
    refused: LockersError | None = None,
    value: str = "",
) -> HttpResponse:
    stop = _stop_for(request, kind, key)
    name = stop.name if stop else (site.name if site else "")
    return render(
        request,
        "lockers/courier/stop.html",
        {
            "kind": kind,
            "kind_title": _kind_titles()[kind],
            "stop": stop,
            "stop_name": name,
            "site": site,
            "result": result,
            "error": str(refused.message) if refused else "",
            "offline": refused is not None and refused.code == "controller_offline",
            "value": value,
            "action": reverse("lockers:courier_stop", args=[SLUG_BY_KIND[kind], key]),
        },
    )


@require_http_methods(["GET", "POST"])
@_courier_only
def stop_page(request: HttpRequest, kind_slug: str, key: str) -> HttpResponse:
    """A stop: its parcels and the scanner. A scan (or a typed code) does the stop's
    action: collect at a store, deposit or retrieve at a locker, hand back at a store."""
    kind = KIND_BY_SLUG.get(kind_slug)
    if kind is None or len(key) > 80:
        raise Http404
    site = None
    if kind in (courier.StopKind.DEPOSIT, courier.StopKind.RETRIEVAL):
        site = Site.objects.filter(slug=key).first()
        if site is None:
            raise Http404
    if request.method == "GET":
        return _stop_render(request, kind=kind, key=key, site=site)
    text = request.POST.get("code", "")[: courier.SCAN_TEXT_MAX_LENGTH + 1]
    try:
        parcel = courier.parcel_from_scan(text)
        if kind == courier.StopKind.PICKUP:
            result = courier.courier_pickup(parcel=parcel, courier=request.user)
        elif kind == courier.StopKind.DEPOSIT:
            result = courier.courier_deposit(parcel=parcel, site=site, courier=request.user)
        elif kind == courier.StopKind.RETRIEVAL:
            result = courier.courier_retrieve(parcel=parcel, site=site, courier=request.user)
        else:
            result = courier.courier_return(parcel=parcel, courier=request.user)
    except LockersError as refused:
        return _stop_render(request, kind=kind, key=key, site=site, refused=refused, value=text)
    return _stop_render(request, kind=kind, key=key, site=site, result=result)


def _parcel(code: str) -> Parcel:
    parcel = (
        Parcel.objects.select_related("destination_site", "site", "compartment")
        .filter(public_code=code)
        .first()
    )
    if parcel is None:
        raise Http404
    return parcel


@require_POST
@_courier_only
def jammed_report(request: HttpRequest, code: str) -> HttpResponse:
    """The door given for a deposit did not open: another compartment opens."""
    parcel = _parcel(code)
    site = parcel.site or parcel.destination_site
    try:
        result = courier.courier_jammed(parcel=parcel, courier=request.user)
    except LockersError as refused:
        return _stop_render(
            request, kind=courier.StopKind.DEPOSIT, key=site.slug, site=site, refused=refused
        )
    return _stop_render(
        request, kind=courier.StopKind.DEPOSIT, key=site.slug, site=site, result=result
    )


@require_POST
@_courier_only
def damaged_report(request: HttpRequest, code: str) -> HttpResponse:
    """The courier found the parcel damaged: recorded; it goes back to its store."""
    parcel = _parcel(code)
    try:
        result = courier.courier_damaged(
            parcel=parcel, courier=request.user, note=request.POST.get("note", "")[:500]
        )
        error = ""
    except LockersError as refused:
        result, error = None, str(refused.message)
    return render(
        request,
        "lockers/courier/report.html",
        {"result": result, "error": error, "parcel": parcel},
    )
