"""The complaint vocabulary: allegation categories and outcomes (pure data).

Allegation categories follow the IOPC's *Guidance on capturing data about police complaints*
(published February 2020, updated January 2021), the categories every force in England and
Wales reports to the IOPC under the Home Secretary's annual data requirement. Use of force,
stop and search, arrest and detention are its sub-categories of "police powers, policies and
procedures"; they are listed on their own here because the camera evaluation measures them.
"Oppressive behaviour" is the guidance's "overbearing or harassing behaviours" (the pre-2020
Home Office code D, "oppressive conduct or harassment").
"""

from __future__ import annotations

SOURCE = (
    "IOPC, Guidance on capturing data about police complaints (February 2020, updated "
    "January 2021): allegation categories and sub-categories"
)
ALLEGATIONS: dict[str, str] = {
    "use_of_force": "Police powers: use of force",
    "stop_and_search": "Police powers: stop and search",
    "arrest": "Police powers: arrest",
    "detention": "Police powers: detention in police custody",
    "search_of_premises": "Police powers: search of premises and seizure of property",
    "other_powers": "Police powers: other policies and procedures",
    "delivery_of_duties": "Delivery of duties and service",
    "property": "Handling of or damage to property or premises",
    "information": "Access to and/or disclosure of information",
    "vehicles": "Use of police vehicles",
    "discriminatory_behaviour": "Discriminatory behaviour",
    "abuse_of_position": "Abuse of position or corruption",
    "impolite_language": "Individual behaviours: impolite language or tone",
    "impolite_actions": "Individual behaviours: impolite and intolerant actions",
    "oppressive_behaviour": "Individual behaviours: overbearing or harassing (oppressive)",
    "unfairness": "Individual behaviours: lack of fairness and impartiality",
    "unprofessional_attitude": "Individual behaviours: unprofessional attitude and disrespect",
    "sexual_conduct": "Sexual conduct",
    "discreditable_conduct": "Discreditable conduct",
    "other": "Other",
}
# How a complaint ended (Police Reform Act 2002 Sch 3 as amended in 2020: handled otherwise
# than by investigation, or investigated); `open` until then.
OUTCOMES: dict[str, str] = {
    "open": "Open: being handled",
    "service_acceptable": "Handled: the service provided was acceptable",
    "service_not_acceptable": "Handled: the service provided was not acceptable",
    "not_determined": "Handled: not able to determine whether the service was acceptable",
    "no_further_action": "No further action",
    "withdrawn": "Withdrawn by the complainant",
    "case_to_answer": "Investigated: case to answer (misconduct or gross misconduct)",
    "no_case_to_answer": "Investigated: no case to answer",
    "referred_to_iopc": "Referred to the IOPC",
}
