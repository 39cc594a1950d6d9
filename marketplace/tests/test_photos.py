"""Listing photos: the one parser of uploads (marketplace.photos) refuses what is not a
photo the coop accepts, keeps no metadata, and the services cap a listing at 10 photos."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from PIL import Image

from identity.audit import audit_events_for
from marketplace.errors import ListingPhotoLimit
from marketplace.models import LISTING_PHOTO_MAX, ListingPhoto
from marketplace.services import (
    listing_photo_add,
    listing_photo_move,
    listing_photo_remove,
    store_staff_set,
)

pytestmark = pytest.mark.django_db

# EXIF tags: Orientation, GPSInfo, and in the GPS directory the latitude's reference.
ORIENTATION = 0x0112
GPS_IFD = 0x8825
GPS_LATITUDE_REF = 1


def image_bytes(
    size: tuple[int, int] = (1200, 800),
    image_format: str = "JPEG",
    mode: str = "RGB",
    exif: Image.Exif | None = None,
) -> bytes:
    out = io.BytesIO()
    colour = {"1": 0, "RGBA": (255, 0, 0, 128)}.get(mode, "red")  # half transparent
    image = Image.new(mode, size, colour)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, format=image_format, **kwargs)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def listing(make_store, store_worker, media_root):
    store = make_store(listings=1)
    store_staff_set(store=store, user=store_worker, acting_user=None)
    return store.listings.get()


def add(listing, data: bytes, acting_user, **kwargs):
    return listing_photo_add(
        listing=listing, upload=upload(data, **kwargs), alt_fr="Une miche", acting_user=acting_user
    )


def refusal_code(listing, data: bytes, acting_user, **kwargs) -> str:
    with pytest.raises(ValidationError) as refused:
        add(listing, data, acting_user, **kwargs)
    return refused.value.code


def test_a_jpeg_is_stored_as_webp_with_two_thumbnails(listing, store_worker):
    photo = add(listing, image_bytes((1200, 800)), store_worker)
    assert (photo.width, photo.height, photo.slot, photo.position) == (1200, 800, 0, 0)
    sizes = {}
    for field in (photo.image, photo.thumbnail_small, photo.thumbnail_large):
        assert field.name.endswith(".webp")
        with default_storage.open(field.name) as stored, Image.open(stored) as image:
            assert image.format == "WEBP"
            sizes[field.name] = image.size
    assert sorted(sizes.values()) == [(320, 213), (960, 640), (1200, 800)]
    assert photo.thumbnail_small_size == (320, 213)
    assert [e.action for e in audit_events_for(listing)] == ["listing.photo_add"]


def test_png_and_webp_are_accepted_and_a_small_photo_is_never_enlarged(listing, store_worker):
    png = add(listing, image_bytes((200, 100), "PNG", "RGBA"), store_worker, name="a.png")
    webp = add(listing, image_bytes((300, 300), "WEBP"), store_worker, name="b.webp")
    assert (png.width, png.height) == (200, 100)
    assert png.thumbnail_small_size == (200, 100)
    with default_storage.open(png.thumbnail_large.name) as stored, Image.open(stored) as image:
        assert image.size == (200, 100)
        assert image.mode == "RGBA"  # transparency kept
    assert webp.slot == 1 and webp.position == 1


def test_a_large_photo_is_brought_to_2048_pixels(listing, store_worker):
    photo = add(listing, image_bytes((4096, 1024)), store_worker)
    assert (photo.width, photo.height) == (2048, 512)


def test_exif_gps_is_removed_and_the_orientation_applied(listing, store_worker):
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # the camera was turned: show it rotated 90° clockwise
    exif.get_ifd(GPS_IFD)[GPS_LATITUDE_REF] = "N"
    exif[0x010F] = "PhoneMaker"  # Make
    data = image_bytes((200, 100), exif=exif)
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(GPS_IFD)  # the upload does carry a position
    photo = add(listing, data, store_worker)
    assert (photo.width, photo.height) == (100, 200)
    for field in (photo.image, photo.thumbnail_small, photo.thumbnail_large):
        with default_storage.open(field.name) as stored:
            raw = stored.read()
        assert b"Exif" not in raw
        assert b"PhoneMaker" not in raw
        with Image.open(io.BytesIO(raw)) as image:
            assert not image.getexif()
            assert "exif" not in image.info and "xmp" not in image.info
            assert "icc_profile" not in image.info


def test_a_truncated_jpeg_is_refused(listing, store_worker):
    data = image_bytes((800, 600))
    code = refusal_code(listing, data[: len(data) // 2], store_worker)
    assert code in {"photo_damaged", "photo_not_an_image"}
    assert not ListingPhoto.objects.exists()


def test_a_text_file_named_jpg_is_refused(listing, store_worker):
    code = refusal_code(listing, b"GIF? no: just some text\n" * 10, store_worker)
    assert code == "photo_not_an_image"


def test_a_gif_is_refused(listing, store_worker):
    data = image_bytes((10, 10), "GIF", "P")
    assert refusal_code(listing, data, store_worker, name="a.gif") == "photo_not_an_image"


def test_an_empty_file_is_refused(listing, store_worker):
    assert refusal_code(listing, b"", store_worker) == "photo_empty"


def test_huge_dimensions_are_refused_before_decoding(listing, store_worker):
    """A 50-megapixel PNG of one bit per pixel compresses to a few kilobytes."""
    data = image_bytes((10_000, 5_000), "PNG", "1")
    assert len(data) < 100_000
    assert refusal_code(listing, data, store_worker, name="bomb.png") == "photo_too_many_pixels"


def test_a_file_over_the_size_limit_is_refused(listing, store_worker, settings):
    settings.MARKETPLACE_PHOTO_MAX_BYTES = 1000
    data = image_bytes((400, 400))
    assert len(data) > 1000
    assert refusal_code(listing, data, store_worker) == "photo_too_large"


def test_a_listing_has_at_most_ten_photos(listing, store_worker):
    data = image_bytes((40, 30))
    for _ in range(LISTING_PHOTO_MAX):
        add(listing, data, store_worker)
    with pytest.raises(ListingPhotoLimit):
        add(listing, data, store_worker)
    assert listing.photos.count() == LISTING_PHOTO_MAX


def test_the_database_refuses_an_eleventh_slot_and_a_shared_slot(listing, store_worker):
    photo = add(listing, image_bytes((40, 30)), store_worker)
    for slot in (LISTING_PHOTO_MAX, photo.slot):
        copy = ListingPhoto.objects.get(pk=photo.pk)
        copy.pk, copy.slot = None, slot
        with pytest.raises(IntegrityError), transaction.atomic():
            copy.save()


def test_a_removed_slot_is_used_again(listing, store_worker, django_capture_on_commit_callbacks):
    first = add(listing, image_bytes((40, 30)), store_worker)
    add(listing, image_bytes((40, 30)), store_worker)
    with django_capture_on_commit_callbacks(execute=True):
        listing_photo_remove(photo=first, acting_user=store_worker)
    assert not default_storage.exists(first.image.name)
    assert not default_storage.exists(first.thumbnail_small.name)
    third = add(listing, image_bytes((40, 30)), store_worker)
    assert third.slot == 0 and third.position == 2


def test_photos_move(listing, store_worker):
    a, b, c = (add(listing, image_bytes((40, 30)), store_worker) for _ in range(3))
    listing_photo_move(photo=c, offset=-1, acting_user=store_worker)
    assert list(listing.photos.order_by("position").values_list("pk", flat=True)) == [
        a.pk,
        c.pk,
        b.pk,
    ]
    listing_photo_move(photo=a, offset=-1, acting_user=store_worker)  # already first
    assert listing.photos.order_by("position").first() == a


def test_a_photo_needs_a_french_description(listing, store_worker):
    with pytest.raises(ValidationError) as refused:
        listing_photo_add(
            listing=listing, upload=upload(image_bytes()), alt_fr=" ", acting_user=store_worker
        )
    assert refused.value.error_dict["alt_fr"][0].code == "alt_required"


def test_someone_not_on_the_staff_adds_no_photo(listing, shopper):
    with pytest.raises(PermissionDenied):
        add(listing, image_bytes(), shopper)
    assert not ListingPhoto.objects.exists()
