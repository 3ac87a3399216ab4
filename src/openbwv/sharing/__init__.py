"""Disclosure to the CPS, the defence and other recipients: shares, share links, receipts, the
do-not-disclose flag and the disclosure schedule (docs/sharing.md)."""
