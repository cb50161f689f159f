from django.core.management.base import BaseCommand, CommandError

from trading.selectors import ledger_differences


class Command(BaseCommand):
    help = "Verify that every journal entry balances and every balance equals its journal; exit 1 otherwise."

    def handle(self, *args, **options):
        problems = ledger_differences()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"ledger check failed: {len(problems)} difference(s)")
        self.stdout.write(
            self.style.SUCCESS("ledger check: every entry balances and every balance matches its journal")
        )
