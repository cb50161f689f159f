"""A staticfiles finder for single files shipped inside installed Python packages.

The web UI's chart library is plotly.js as the `plotly` package ships it (pinned in requirements.txt), so
`python3 dev.py run` needs nothing but pip: no npm at set-up, no CDN at run time. Only the listed files
are served (the package holds much else), under the URL paths of ``settings.MARGINLAB_PACKAGE_STATIC``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


class PackageFileFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # URL path -> file on disk; a package that is not installed is reported by check(), not here.
        self.files: dict[str, Path] = {}
        for url_path, (package, inside) in settings.MARGINLAB_PACKAGE_STATIC.items():
            root = _package_dir(package)
            if root is not None and (root / inside).is_file():
                self.files[url_path] = root / inside

    def check(self, **kwargs):
        wanted = settings.MARGINLAB_PACKAGE_STATIC
        return [
            Error(f"{package}/{inside} not found: install the pinned requirements (pip install -r requirements.txt).")
            for url_path, (package, inside) in wanted.items()
            if url_path not in self.files
        ]

    def find(self, path, find_all=False, **kwargs):
        found = self.files.get(path)
        if found is None:
            return [] if find_all else None
        return [str(found)] if find_all else str(found)

    def list(self, ignore_patterns):
        for url_path, file in self.files.items():
            # The storage's prefix is where collectstatic puts the file: the URL path's folder.
            storage = FileSystemStorage(location=str(file.parent))
            storage.prefix = str(Path(url_path).parent)
            yield file.name, storage


class ManifestStaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed names (``app.3f2a1c.css``) so whitenoise can serve them with a far-future immutable cache, and
    compressed copies. Without a manifest (no ``collectstatic`` yet: the tests, a fresh laptop) a file keeps
    its plain name instead of raising, so nothing needs collectstatic to run."""

    manifest_strict = False

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:  # no manifest entry and no collected file to hash
            return name
