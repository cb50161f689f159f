"""Five foreign-key indexes that a composite index already serves (issue 15: fewer indexes to write per order).

Each is the leading column of another index: balance.account of balance_unique_account_asset, ledger line
.balance of ledgerline_balance_bucket, margin point .account of marginpoint_account_time, order .account of
order_unique_client_id and order .pair of order_open_by_pair. Only the indexes go: the constraints stay as
they are (Django's own AlterField would drop and re-add each constraint, scanning the table to validate it).
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, Django's name of its index)
INDEXES = [
    ("trading_balance", "account_id", "trading_balance_account_id_3a15ce50"),
    ("trading_ledgerline", "balance_id", "trading_ledgerline_balance_id_fe79f0c6"),
    ("trading_marginpoint", "account_id", "trading_marginpoint_account_id_a8384f34"),
    ("trading_order", "account_id", "trading_order_account_id_2113cd4c"),
    ("trading_order", "pair_id", "trading_order_pair_id_7d53e2c7"),
]


def _fk(to, on_delete, related_name=None):
    return models.ForeignKey(db_index=False, on_delete=on_delete, related_name=related_name, to=to)


class Migration(migrations.Migration):
    dependencies = [
        ("trading", "0014_system_accounts_per_market"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"', reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")'
                )
                for table, column, name in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="balance",
                    name="account",
                    field=_fk("trading.account", django.db.models.deletion.CASCADE, "balances"),
                ),
                migrations.AlterField(
                    model_name="ledgerline",
                    name="balance",
                    field=_fk("trading.balance", django.db.models.deletion.PROTECT, "ledger_lines"),
                ),
                migrations.AlterField(
                    model_name="marginpoint",
                    name="account",
                    field=_fk("trading.account", django.db.models.deletion.CASCADE, "margin_points"),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="account",
                    field=_fk("trading.account", django.db.models.deletion.CASCADE, "orders"),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="pair",
                    field=_fk("trading.pair", django.db.models.deletion.PROTECT, "orders"),
                ),
            ],
        ),
    ]
