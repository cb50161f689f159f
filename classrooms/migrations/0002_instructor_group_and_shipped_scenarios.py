"""The ``instructor`` group (staff grant it in the admin) and the two scenarios that ship."""

import json
from pathlib import Path

from django.db import migrations

SHIPPED = ["seed-eth-bch.json", "flash-crash.json"]
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Scenario = apps.get_model("classrooms", "Scenario")
    Group.objects.get_or_create(name="instructor")
    for name in SHIPPED:
        data = json.loads((SCENARIO_DIR / name).read_text(encoding="utf-8"))
        Scenario.objects.update_or_create(
            slug=data["slug"],
            defaults={"name": data["name"], "description": data["description"], "spec": data["spec"]},
        )


def backwards(apps, schema_editor):
    apps.get_model("classrooms", "Scenario").objects.filter(slug__in=["seed-eth-bch", "flash-crash"]).delete()
    apps.get_model("auth", "Group").objects.filter(name="instructor").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("classrooms", "0001_classrooms"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
