"""Proposal images: decoded and encoded again, so no metadata (GPS, camera) and no foreign
bytes survive, bounded in size, stored under a random name outside the database."""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path
from typing import BinaryIO

from app.errors import Invalid
from app.i18n import N_

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1200
MAX_PIXELS = 40_000_000
MEDIA_TYPE = "image/jpeg"


def media_dir(var_dir: Path) -> Path:
    return var_dir / "media" / "proposals"


def image_path(var_dir: Path, name: str) -> Path:
    return media_dir(var_dir) / name


def store_image(var_dir: Path, upload: BinaryIO) -> str:
    """Save an uploaded JPEG, PNG or WebP as a new JPEG; answer its file name."""
    # Imported on first use: Pillow costs an idle worker several MB, and uploads are rare.
    from PIL import Image, ImageOps, UnidentifiedImageError

    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise Invalid(N_("The image is too large: at most 5 MB."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as source:
                if source.format not in ACCEPTED_FORMATS:
                    raise Invalid(N_("Upload a JPEG, PNG or WebP image."))
                width, height = source.size
                if width * height > MAX_PIXELS:
                    raise Invalid(N_("The image has too many pixels."))
                picture = ImageOps.exif_transpose(source)
                picture.thumbnail((MAX_SIDE, MAX_SIDE))
                if picture.mode in {"RGBA", "LA", "P"}:
                    picture = picture.convert("RGBA")
                    background = Image.new("RGB", picture.size, "white")
                    background.paste(picture, mask=picture.getchannel("A"))
                    picture = background
                else:
                    picture = picture.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(N_("Upload a JPEG, PNG or WebP image.")) from None
    except OSError:
        raise Invalid(N_("The image could not be read; it may be damaged.")) from None
    name = f"{secrets.token_hex(16)}.jpg"
    folder = media_dir(var_dir)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{name}.part"
    picture.save(temporary, "JPEG", quality=85, optimize=True)
    temporary.replace(folder / name)
    return name


def remove_image(var_dir: Path, name: str | None) -> None:
    if name:
        image_path(var_dir, name).unlink(missing_ok=True)
