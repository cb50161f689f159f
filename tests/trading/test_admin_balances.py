"""The admin shows balances at their asset's precision, as the web does (issue 19): 1.25 ETH, not 1.25000000."""

from decimal import Decimal as D

from tests.helpers import cross, spot
from trading.models import Asset, Balance
from trading.services.accounts import paper_funds_credit
from trading.services.transfers import transfer_create


def _staff(client, charlie):
    charlie.is_superuser = True
    charlie.save(update_fields=["is_superuser"])
    client.force_login(charlie)


def test_the_balance_inline_and_list_show_the_assets_precision(client, charlie, alice):
    paper_funds_credit(account_id=spot(alice).pk, asset="ETH", amount="1.25")
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="ETH", amount="1.25"
    )
    assert Balance.objects.get(account=cross(alice), asset__code="ETH").free == D("1.25")
    _staff(client, charlie)
    page = client.get(f"/admin/trading/account/{cross(alice).pk}/change/").content.decode()
    assert '<span class="num" title="1.25">1.25</span>' in page  # as the web's qty tag shows it
    assert "1.25000000" not in page
    listing = client.get(
        f"/admin/trading/balance/?asset__id__exact={Asset.objects.get(code='ETH').pk}"
    ).content.decode()
    assert '<span class="num" title="1.25">1.25</span>' in listing and "1.25000000" not in listing
