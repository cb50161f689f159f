"""Static files: hashed names cached for good once collected, plain names without collectstatic, a favicon."""

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from config.staticfiles import ManifestStaticStorage


def test_without_collectstatic_a_file_keeps_its_plain_name(tmp_path):
    assert ManifestStaticStorage(location=tmp_path).url("marginlab/app.css") == "/static/marginlab/app.css"


def test_collected_files_get_hashed_names_and_a_far_future_immutable_cache(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path):
        call_command("collectstatic", "--noinput", verbosity=0)
        from django.contrib.staticfiles.storage import staticfiles_storage

        url = staticfiles_storage.url("vendor/plotly.min.js")
        response = Client().get(url)
        plain = Client().get("/static/vendor/plotly.min.js")

    assert url.startswith("/static/vendor/plotly.min.") and url != "/static/vendor/plotly.min.js"
    assert response.status_code == 200
    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert max_age >= 365 * 24 * 3600 and "immutable" in response["Cache-Control"]
    assert plain.status_code == 200 and "immutable" not in plain["Cache-Control"]


@pytest.mark.django_db
def test_the_favicon_is_served_and_linked_from_every_page(client, alice):
    icon = client.get("/favicon.ico")
    client.force_login(alice)
    page = client.get(reverse("dashboard")).content.decode()

    assert icon.status_code == 200 and icon["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert b"PNG" in b"".join(icon.streaming_content)  # an ICO holding a 32x32 PNG
    assert '<link rel="icon" href="/favicon.ico"' in page
