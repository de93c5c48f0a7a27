"""The one image wrapper: logo validation with Pillow, and a strict SVG check.

SVG logos are refused, not rewritten, when they carry anything active or external: scripts,
event-handler attributes, foreignObject/iframe/embed/object, links or references that are not
same-document fragments or embedded raster data, CSS imports/urls, DOCTYPE or entities.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

from PIL import Image, UnidentifiedImageError

MAX_BYTES = 256 * 1024
MAX_PIXELS = 4096 * 4096
RASTER = {"PNG": "image/png", "JPEG": "image/jpeg"}
SVG = "image/svg+xml"
_FORBIDDEN_TAGS = {
    "script",
    "foreignobject",
    "iframe",
    "embed",
    "object",
    "audio",
    "video",
    "animate",
    "set",
    "animatemotion",
    "animatetransform",
    "handler",
    "listener",
    "a",
}
_HREF_ATTRS = {"href", "src"}
_SAFE_REF = re.compile(r"^(#[\w.:-]*|data:image/(png|jpeg);base64,[A-Za-z0-9+/=\s]*)$")
_URL_IN_CSS = re.compile(r"url\s*\(\s*(?!['\"]?#)|@import|expression\s*\(|javascript:", re.I)


class LogoInvalid(ValueError):
    """The upload is not an acceptable logo; the message says why, in plain words."""


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].split(":")[-1].lower()


def _check_svg(data: bytes) -> None:
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise LogoInvalid("SVG logos must not contain a DOCTYPE or entities.")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise LogoInvalid("This SVG file cannot be read (it is not well-formed XML).") from exc
    if _local(root.tag) != "svg":
        raise LogoInvalid("This file is not an SVG image.")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = _local(element.tag)
        if tag in _FORBIDDEN_TAGS:
            raise LogoInvalid(f"SVG logos must not contain <{tag}> elements (scripts or links).")
        if tag == "style" and _URL_IN_CSS.search(element.text or ""):
            raise LogoInvalid("SVG logos must not load anything from outside the file.")
        for name, value in element.attrib.items():
            attr = _local(name)
            if attr.startswith("on"):
                raise LogoInvalid("SVG logos must not contain event handlers (on… attributes).")
            if attr in _HREF_ATTRS and not _SAFE_REF.match(value.strip()):
                raise LogoInvalid("SVG logos must not refer to other files or web addresses.")
            if _URL_IN_CSS.search(value) or "javascript:" in value.lower():
                raise LogoInvalid("SVG logos must not load anything from outside the file.")


def _check_raster(data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise LogoInvalid("This file is not a PNG, JPEG or SVG image.") from exc
    if kind not in RASTER:
        raise LogoInvalid(f"{kind} images are not accepted: use PNG, JPEG or SVG.")
    if width * height > MAX_PIXELS or not width or not height:
        raise LogoInvalid("The image is too large: at most 4096 × 4096 pixels.")
    return RASTER[kind]


def logo_content_type(data: bytes) -> str:
    """Validate a logo upload and return its content type, or raise LogoInvalid."""
    if not data:
        raise LogoInvalid("The file is empty.")
    if len(data) > MAX_BYTES:
        raise LogoInvalid("The logo is larger than 256 KB.")
    # PNG and JPEG start with binary signatures; anything starting with "<" is XML (SVG).
    if data.lstrip()[:1] == b"<":
        _check_svg(data)
        return SVG
    return _check_raster(data)
