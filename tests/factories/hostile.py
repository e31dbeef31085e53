"""Malicious and wrong-type inputs: XML bombs, XXE, and files that only look like activities."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def billion_laughs(root: str = "gpx", levels: int = 9) -> str:
    """The classic exponential entity expansion (10**levels copies of "lol")."""
    lines = ['<!ENTITY lol0 "lol">']
    lines += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n' + "\n".join(lines) +
            f"\n]>\n<{root}>&lol{levels};</{root}>\n")


def quadratic_blowup(root: str = "gpx", size: int = 50_000, repeats: int = 5_000) -> str:
    """One large entity referenced many times (no nesting, quadratic memory)."""
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY a "{"x" * size}">]>\n'
            f"<{root}>{'&a;' * repeats}</{root}>\n")


def external_entity(root: str = "gpx", target: str = "file:///etc/passwd") -> str:
    """XXE: an external entity that would read a local file or fetch a URL."""
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{target}">]>\n'
            f"<{root}><name>&xxe;</name></{root}>\n")


def external_dtd(root: str = "gpx", target: str = "http://127.0.0.1:9/evil.dtd") -> str:
    """A document whose DTD lives at a URL (fetching it would leak that we parsed the file)."""
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} SYSTEM "{target}">\n'
            f"<{root}></{root}>\n")


def png_bytes() -> bytes:
    """A valid 1 x 1 grey PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
            chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))


def zip_bytes() -> bytes:
    """A small zip archive holding one text member."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("activities.csv", "Activity ID,Activity Type\n1,Run\n")
    return buffer.getvalue()


def html_page() -> str:
    """A saved web page (what a browser saves when a download link went wrong)."""
    return ("<!DOCTYPE html>\n<html><head><title>Strava</title></head>"
            "<body><p>Log in to continue</p></body></html>\n")
