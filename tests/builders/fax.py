"""Files a person faxes from the portal: a page as PNG bytes (one fax page each)."""

import functools
import io

from PIL import Image


@functools.lru_cache(maxsize=8)
def png_page(width=800, height=1100, line=40):
    """A white page with a black bar ``line`` pixels high near its top (portrait: one fax
    page); made once per size (bytes: no caller can change them)."""
    image = Image.new("L", (width, height), 255)
    image.paste(0, (100, 100, width - 100, 100 + line))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
