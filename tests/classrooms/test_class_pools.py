"""A class's own lending pool and insurance fund: its members borrow USDT from the class's pool, and its
liquidations pay their fee into (and their shortfalls out of) the class's fund; the main market's and
another class's stay as they were."""

from classrooms.services.scenarios import class_price_set
from classrooms.services.trading import member_loan
from risk.models import Liquidation
from tests.classrooms.helpers import class_account
from tests.classrooms.test_class_rules import cross_5x_long
from tests.helpers import assert_ledger_clean
from trading.models import AccountKind, Balance, SystemAccount
from trading.services.markets import INSURANCE_FUND_SEED


def system(code, market, asset="USDT") -> Balance:
    return Balance.objects.get(account__system_code=code, account__market=market, asset__code=asset)


def test_a_class_borrows_from_and_pays_into_its_own_pool_and_fund(members, other_classroom, dana):
    erin_m, _ = members
    market, other = erin_m.classroom.market, other_classroom.market
    main_pool, main_fund = system(SystemAccount.LENDING_POOL, None), system(SystemAccount.INSURANCE_FUND, None)
    main_before = (main_pool.free, main_fund.free)
    pool = system(SystemAccount.LENDING_POOL, market)
    assert pool.free == main_pool.asset.lending_pool_size > 0
    assert system(SystemAccount.INSURANCE_FUND, market).free == INSURANCE_FUND_SEED
    other_before = (system(SystemAccount.LENDING_POOL, other).free, system(SystemAccount.INSURANCE_FUND, other).free)

    cross = cross_5x_long(erin_m)  # 600 USDT borrowed by the MARGIN_BUY
    member_loan(user=erin_m.student, classroom_id=erin_m.classroom_id, account_id=cross.pk, asset="USDT", amount="50")
    assert system(SystemAccount.LENDING_POOL, market).free == pool.free - 650
    class_price_set(user=dana, classroom_id=erin_m.classroom_id, symbol="ETHUSDT", price="126")
    liquidation = Liquidation.objects.get(account=class_account(erin_m, AccountKind.CROSS))
    fund = system(SystemAccount.INSURANCE_FUND, market).free
    assert fund == INSURANCE_FUND_SEED + liquidation.fee - liquidation.shortfall and liquidation.fee > 0
    assert system(SystemAccount.LENDING_POOL, market).free == pool.free  # repaid into the class's pool
    main_pool.refresh_from_db()
    main_fund.refresh_from_db()
    assert (main_pool.free, main_fund.free) == main_before
    assert (system(SystemAccount.LENDING_POOL, other).free, system(SystemAccount.INSURANCE_FUND, other).free) == (
        other_before
    )
    assert_ledger_clean()
