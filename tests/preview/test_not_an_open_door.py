"""The preview is a local server that must not be an open door: plain HTTP requests, as an attacker sends them."""

from __future__ import annotations

import base64
import hashlib
import os
import socket

import pytest

from tests.preview.conftest import PreviewProcess, wait_until

PNG = base64.b64decode(  # a 1x1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==")
# The name the build gives the file (builder/media.py: its stem and its content's digest); the field refers to it.
PNG_NAME = f"diagram-one-{hashlib.sha256(PNG).hexdigest()[:16]}.png"
IMAGE_CARD = """\
## diagram-card

Which picture is this? <img src="diagram one.png">

---

A one-pixel PNG.
"""


@pytest.fixture
def with_image(preview: PreviewProcess) -> PreviewProcess:
    """A card that references an image of the content folder, and a symlink in it pointing out of it.

    Referencing the symlink would be a content error (builder/media.py), so the card does not: the
    link is only there to be asked for."""
    (preview.author.content / "diagram one.png").write_bytes(PNG)
    secret = preview.author.root / "secret.txt"
    secret.write_text("not for the browser", encoding="utf-8")
    os.symlink(secret, preview.author.content / "outside.png")
    preview.author.append_card(IMAGE_CARD)
    wait_until(lambda: preview.request("/card/diagram-card")[0] == 200, what=f"the new card; the preview said:\n{preview.output}")
    return preview


@pytest.mark.parametrize("host", ["evil.example:{port}", "127.0.0.1:1", "localhost", "127.0.0.1", "attacker.localhost:{port}",
                                  "127.0.0.1.nip.io:{port}", ""])
def test_a_foreign_host_is_refused_on_every_path(preview: PreviewProcess, host: str) -> None:
    host = host.format(port=preview.port)
    for path in ("/", "/card/kv-cache-formula", "/frame/kv-cache-formula/question", "/events",
                 "/_preview/preview.js", "/_preview/mathjax/tex-chtml-full.js"):
        status, _, body = preview.request(path, host=host)
        assert status == 403, (host, path, status)
        assert b"kv-cache" not in body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}"])
def test_loopback_hosts_on_its_port_are_answered(preview: PreviewProcess, host: str) -> None:
    status, headers, body = preview.request("/", host=host.format(port=preview.port))
    assert status == 200
    assert b"kv-cache-formula" in body
    assert "script-src 'self'" in headers["content-security-policy"]


def test_it_listens_on_loopback_only(preview: PreviewProcess) -> None:
    addresses = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    outside = sorted(a for a in addresses if not a.startswith("127."))
    for address in outside:
        with socket.socket() as s, pytest.raises(OSError):
            s.settimeout(2)
            s.connect((address, preview.port))
    status, _, _ = preview.request("/")
    assert status == 200


def test_a_referenced_image_is_served_from_the_content_folder(with_image: PreviewProcess) -> None:
    status, _, frame = with_image.request("/frame/diagram-card/question")
    assert status == 200 and PNG_NAME.encode() in frame  # the field names the file by its media name
    status, headers, body = with_image.request(f"/media/diagram-card/{PNG_NAME}")
    assert (status, headers["content-type"], body) == (200, "image/png", PNG)


@pytest.mark.parametrize("path", [
    "/media/diagram-card/outside.png",  # a symlink out of the content folder
    "/media/diagram-card/diagram%20one.png",  # the file as written, not its media name
    "/media/diagram-card/cards.lock.json",  # in the content folder, not referenced by the card
    "/media/diagram-card/ch19-kv-cache.md",
    f"/media/kv-cache-formula/{PNG_NAME}",  # referenced by another card only
    "/media/diagram-card/../secret.txt",
    "/media/diagram-card/..%2fsecret.txt",
    "/media/diagram-card/..%2Fsecret.txt",
    "/media/diagram-card/%2e%2e%2fsecret.txt",
    "/media/diagram-card/%2e%2e/secret.txt",
    "/media/diagram-card/%252e%252e%252fsecret.txt",
    "/media/diagram-card/..%5csecret.txt",
    "/media/diagram-card/%00diagram%20one.png",
    "/media/diagram-card/%c0%ae%c0%ae%2fsecret.txt",
    "/_preview/../build.py",
    "/_preview/..%2f..%2fbuild.py",
    "/_preview/%2e%2e%2fpreview.py",
    "/_preview/preview_server.py",
    "/_preview/mathjax/../../package.json",
    "/_preview/mathjax/..%2f..%2f..%2fpackage.json",
    "/_preview/mathjax/%2e%2e/%2e%2e/package.json",
    "/_preview/mathjax/.%2e/LICENSE",
    "//etc/passwd",
    "/frame/../../etc/passwd",
    "/card/..%2f..%2fetc%2fpasswd",
])
def test_traversal_and_unreferenced_files_are_refused(with_image: PreviewProcess, path: str) -> None:
    status, _, body = with_image.request(path)
    assert status in (400, 404), (path, status)
    assert b"not for the browser" not in body and b"card_id" not in body and b"import" not in body


def test_only_get_and_head(preview: PreviewProcess) -> None:
    assert preview.request("/", method="HEAD")[0] == 200
    for method in ("POST", "PUT", "DELETE"):
        assert preview.request("/", method=method)[0] in (405, 501)
