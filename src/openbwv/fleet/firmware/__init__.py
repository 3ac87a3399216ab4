"""Firmware: versions, staged update plans and what cameras report.

A plan updates one model to one version in stages. Each stage names a scope (a borough, or the
whole force) and a cumulative percentage of the cameras in that scope, due from a time: e.g. 5 %
of Camden on Monday, 100 % of Camden on Wednesday, 25 % of the force the week after. The
cameras chosen for a stage are the first ones in an order fixed by hashing the plan's name with
each serial, so the choice is stable, spread across stations and the same if recomputed.
A camera's target is `installed` once it reports the version.
"""
