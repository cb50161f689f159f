"""Demo logins for a laptop run: ``demo`` (a trader) and ``admin`` (staff). Idempotent.

The password is ``MARGINLAB_DEMO_PASSWORD`` when set; otherwise one is generated once per user and
kept in ``var/demo-logins.json`` (git-ignored), so every run prints a login that works without logging
anybody out. A user whose password no longer matches gets it set back.
"""

import json
import os
import secrets
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from trading.models import Account, AccountKind, MarkPrice, Order
from trading.services.accounts import account_provision, isolated_account_open, user_signup
from trading.services.orders import order_place
from trading.services.transfers import transfer_create

DEMO_USERNAME = "demo"
STAFF_USERNAME = "admin"


class Command(BaseCommand):
    help = "Create (or repair) the demo trader and the staff superuser, and print how to log in."

    def handle(self, *args, **options) -> None:
        passwords = _passwords(Path(settings.VAR_DIR) / "demo-logins.json")
        for username in (DEMO_USERNAME, STAFF_USERNAME):
            _ensure_user(username=username, password=passwords[username], staff=username == STAFF_USERNAME)
        _demo_positions(get_user_model().objects.get(username=DEMO_USERNAME))
        port = os.environ.get("PORT") or "8000"
        self.stdout.write(
            f"MarginLab is running at http://127.0.0.1:{port}/  "
            f"demo login: {DEMO_USERNAME} / {passwords[DEMO_USERNAME]}  "
            f"staff login: {STAFF_USERNAME} / {passwords[STAFF_USERNAME]}"
        )


def _passwords(store: Path) -> dict[str, str]:
    configured = settings.MARGINLAB_DEMO_PASSWORD
    if configured:
        return {DEMO_USERNAME: configured, STAFF_USERNAME: configured}
    try:
        stored = json.loads(store.read_text())
    except (FileNotFoundError, ValueError):
        stored = {}
    passwords = {name: stored.get(name) or secrets.token_urlsafe(12) for name in (DEMO_USERNAME, STAFF_USERNAME)}
    if passwords != stored:
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text(json.dumps(passwords, indent=2) + "\n")
        store.chmod(0o600)
    return passwords


def _ensure_user(*, username: str, password: str, staff: bool) -> None:
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        try:
            user = user_signup(username=username, password=password)
        except ApplicationError as error:
            problems = "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in error.fields.items())
            raise CommandError(f"Cannot create {username!r}: {error.message} {problems}".strip()) from error
    else:
        # A user made another way (createsuperuser, say) still gets its spot wallet and cross account.
        account_provision(user=user)
    changed = []
    if not user.check_password(password):
        user.set_password(password)
        changed.append("password")
    if staff and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        changed += ["is_staff", "is_superuser"]
    if not user.is_active:
        user.is_active = True
        changed.append("is_active")
    if changed:
        user.save(update_fields=changed)


def _demo_positions(user) -> None:
    """Give a new demo trader something to watch: a leveraged cross position, an isolated one, an order."""
    if Order.objects.filter(account__user=user).exists():
        return
    spot = Account.objects.get(user=user, kind=AccountKind.SPOT)
    cross = Account.objects.get(user=user, kind=AccountKind.CROSS)
    transfer_create(user=user, from_account_id=spot.pk, to_account_id=cross.pk, asset="USDT", amount="2000")
    order_place(
        user=user, account_id=cross.pk, symbol="ETHUSDT", side="BUY", quote_quantity="3000", side_effect="MARGIN_BUY"
    )
    order_place(
        user=user, account_id=cross.pk, symbol="SOLUSDT", side="BUY", quote_quantity="1000", side_effect="MARGIN_BUY"
    )
    isolated = isolated_account_open(user=user, symbol="BTCUSDT", leverage=5)
    transfer_create(user=user, from_account_id=spot.pk, to_account_id=isolated.pk, asset="USDT", amount="500")
    order_place(
        user=user, account_id=isolated.pk, symbol="BTCUSDT", side="BUY", quote_quantity="2000", side_effect="MARGIN_BUY"
    )
    mark = MarkPrice.objects.get(pair__symbol="ETHUSDT").price
    limit = (mark * Decimal("0.95")).quantize(Decimal("0.01"))
    order_place(
        user=user,
        account_id=cross.pk,
        symbol="ETHUSDT",
        side="BUY",
        type="LIMIT",
        quantity="0.1",
        price=str(limit),
        side_effect="MARGIN_BUY",
    )
