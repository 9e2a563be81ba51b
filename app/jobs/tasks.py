"""The periodic tasks every instance gets from the job worker."""

from __future__ import annotations

from datetime import timedelta

from app.accounts.purge import purge_ended_records
from app.jobs.periodic import periodic_task
from app.proposals.service import archive_expired

# Proposals past their support period stop taking supports at once (see the permission);
# this only records it, so an hour's delay is harmless.
periodic_task("archive_expired_proposals", timedelta(hours=1))(archive_expired)

# Ended sign-in sessions, spent email links and throttle counts past every window.
periodic_task("purge_ended_sign_in_records", timedelta(hours=1))(purge_ended_records)
