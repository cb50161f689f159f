from django.core.management.base import BaseCommand

from trading.services.markets import platform_bootstrap


class Command(BaseCommand):
    help = "Create the system accounts and fill the paper lending pools (idempotent)."

    def handle(self, *args, **options):
        done = platform_bootstrap()
        for line in done:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("bootstrap: nothing to do" if not done else "bootstrap: done"))
