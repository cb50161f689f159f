"""The seed's practical tips as live advice on a futures wallet (shared/seeds/futures-cross-vs-isolated-margin.txt).

- Isolated: "each position's margin should not exceed 10%-20% of total account funds": warned when an
  isolated position's margin is over 20 % of the wallet.
- Cross: "keep at least 30% of your account as idle margin": warned when the available balance is under
  30 % of the cross margin balance.
- Cross: "monitor the maintenance margin ratio": warned from the warning line (80 % by default) on.
"""

from __future__ import annotations

from decimal import Decimal

from futures.selectors import AccountState

ISOLATED_SHARE_LIMIT = Decimal("0.20")
CROSS_IDLE_MINIMUM = Decimal("0.30")


def advice_for(state: AccountState | None, *, warning_ratio: Decimal) -> list[str]:
    if state is None:
        return []
    tips = []
    total = state.margin_balance
    for risk in state.isolated:
        if total > 0 and risk.position.isolated_margin / total > ISOLATED_SHARE_LIMIT:
            share = risk.position.isolated_margin / total * 100
            tips.append(
                f"{risk.info.code} isolated: its margin is {share:.0f} % of your futures funds; "
                "keep each position's margin within 10-20 %."
            )
    if state.cross and state.cross_margin_balance > 0:
        idle = state.available_balance / state.cross_margin_balance
        if idle < CROSS_IDLE_MINIMUM:
            tips.append(
                f"Cross: only {max(idle, Decimal(0)) * 100:.0f} % of your cross balance is idle; "
                "keep at least 30 % as idle margin."
            )
    ratio = state.cross_margin_ratio
    if state.cross and (ratio is None or ratio >= warning_ratio):
        shown = "over 100" if ratio is None else f"{ratio * 100:.1f}"
        tips.append(f"Cross margin ratio {shown} %: at 100 % positions are liquidated. Reduce them or add funds.")
    return tips
