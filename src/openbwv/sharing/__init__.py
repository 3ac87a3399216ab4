"""Sharing: disclosure to the CPS and the defence (shares, links, receipts, schedules) and the
evidence packages anyone can verify offline (`sharing.packages`)."""
