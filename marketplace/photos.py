"""The one parser of uploaded photos: what a store sends is checked here, then re-encoded.

An upload is refused unless it is at most MARKETPLACE_PHOTO_MAX_BYTES, a JPEG, PNG or WebP
that Pillow opens and verifies, of at most PHOTO_MAX_PIXELS pixels (a small file can
declare a huge image: a decompression bomb) and decodes in full (a truncated file fails).
What is kept is never the uploaded bytes: the pixels, turned upright by their EXIF
orientation, encoded again as WebP with no metadata at all (a phone photo's EXIF carries
where it was taken, personal data), at most PHOTO_MAX_SIDE on its longer side, and two
thumbnails of LISTING_PHOTO_THUMBNAIL_WIDTHS.
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from marketplace.models import LISTING_PHOTO_THUMBNAIL_WIDTHS

# The formats accepted, by Pillow's name for them.
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
# 40 megapixels: above any phone's camera, far below what would exhaust a worker's memory
# (4 bytes a pixel once decoded: 160 MB at most).
PHOTO_MAX_PIXELS = 40_000_000
# The stored photo's longer side: enough for a zoom on a large screen.
PHOTO_MAX_SIDE = 2048
PHOTO_QUALITY = 85


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo ready to store: the re-encoded image and its thumbnails, all WebP."""

    image: EncodedImage
    thumbnails: dict[int, EncodedImage]

    extension = "webp"


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _read_upload(upload: UploadedFile) -> bytes:
    """The upload's bytes, never more than the limit (a client may lie about the size)."""
    limit = settings.MARKETPLACE_PHOTO_MAX_BYTES
    too_large = _refuse(
        _("This photo is too large: send a file of at most %(size)s MB.")
        % {"size": limit // (1024 * 1024)},
        "photo_too_large",
    )
    if upload.size is not None and upload.size > limit:
        raise too_large
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large
    if not data:
        raise _refuse(_("This file is empty."), "photo_empty")
    return data


def _open_checked(data: bytes) -> Image.Image:
    """Open `data` as an accepted image, refusing anything else before decoding pixels."""
    not_an_image = _refuse(
        _("This file is not a photo the coop accepts: send a JPEG, PNG or WebP image."),
        "photo_not_an_image",
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns past its own limit; ours, lower, is checked below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=PHOTO_FORMATS)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        raise not_an_image from None
    width, height = image.size
    if width < 1 or height < 1 or width * height > PHOTO_MAX_PIXELS:
        raise _refuse(
            _("This image has too many pixels: at most %(megapixels)s million.")
            % {"megapixels": PHOTO_MAX_PIXELS // 1_000_000},
            "photo_too_many_pixels",
        )
    try:
        image.verify()
    except Exception:  # verify() raises whatever the decoder finds wrong
        raise not_an_image from None
    # verify() leaves the image unusable: open it again to decode its pixels in full.
    image = Image.open(io.BytesIO(data), formats=PHOTO_FORMATS)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse(
            _("This image is damaged or incomplete: send it again."), "photo_damaged"
        ) from None
    return image


def _pixels_only(image: Image.Image) -> Image.Image:
    """The pixels, upright, in RGB (RGBA when transparent), with no metadata attached."""
    upright = ImageOps.exif_transpose(image) or image
    transparent = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    pixels = upright.convert("RGBA" if transparent else "RGB")
    # A new image holds the pixels and nothing else: no EXIF, XMP, ICC profile or comment.
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    clean.info = {}
    return clean


def _encode(image: Image.Image) -> EncodedImage:
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=PHOTO_QUALITY, method=4, exif=b"", xmp=b"")
    return EncodedImage(out.getvalue(), image.width, image.height)


def _scaled_to_width(image: Image.Image, width: int) -> Image.Image:
    """`image` at `width` pixels wide, keeping its proportions; never enlarged."""
    if image.width <= width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS)


def photo_prepare(upload: UploadedFile) -> PreparedPhoto:
    """Check an uploaded photo and re-encode it with its thumbnails; a ValidationError
    with a stable code (photo_too_large, photo_empty, photo_not_an_image,
    photo_too_many_pixels, photo_damaged) says why it is refused."""
    image = _open_checked(_read_upload(upload))
    clean = _pixels_only(image)
    if max(clean.size) > PHOTO_MAX_SIDE:
        clean.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
    return PreparedPhoto(
        image=_encode(clean),
        thumbnails={
            width: _encode(_scaled_to_width(clean, width))
            for width in LISTING_PHOTO_THUMBNAIL_WIDTHS
        },
    )
