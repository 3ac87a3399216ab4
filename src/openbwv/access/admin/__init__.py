"""Administration: people, their roles and grants, roles, categories and API tokens — through
one service used by the admin API, the administration pages and the `bwv user`/`bwv token` CLI."""
