"""The admin's front page shows the accounts nearest to liquidation themselves, not only a link to them."""

from django import template

from risk.selectors import accounts_nearest_liquidation
from trading.selectors import platform_settings_get

register = template.Library()


@register.simple_tag
def nearest_liquidation(limit: int = 5):
    return accounts_nearest_liquidation(profile_id=platform_settings_get().risk_profile_id, limit=int(limit))
