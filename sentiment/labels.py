"""Label names shared by the tagger, training and evaluation."""

SENTIMENTS = ("negative", "neutral", "positive")

# Kinds of text. The model reads each text after a short prefix naming its kind (training saw
# the same prefixes), and theme thresholds may differ per kind. None means the kind is unknown:
# the text is read as it is, with the shared thresholds.
TEXT_KINDS = {"social": "tweet", "app_review": "app review", "review": "review",
              "support": "support message"}
_KIND_OF_SOURCE = {"tweet": "social", "app_review": "app_review", "airline_review": "review",
                   "support_feedback": "support", "complaint_narrative": "support"}


def kind_of_source(source: str) -> str:
    """The kind of text of a labeled data `source` (train_wave2.jsonl); KeyError if unknown."""
    return _KIND_OF_SOURCE[source]


def with_kind(text: str, kind: str | None) -> str:
    """`text` as the model reads it: after a prefix naming its kind, when the kind is known."""
    return f"{TEXT_KINDS[kind]}: {text}" if kind else text

# The twelve default complaint themes; config, tagging and the demo all take them from here.
THEMES = (
    "language_barrier",
    "cultural_insensitivity",
    "slow_response",
    "unresolved_issue",
    "inconsistent_information",
    "lack_of_empathy",
    "automation_frustration",
    "lack_of_product_knowledge",
    "broken_promise",
    "hard_to_reach",
    "transfers_and_bureaucracy",
    "data_privacy",
)

# One-sentence descriptions, used by the zero-shot baseline and as seeds for the heads.
THEME_DESCRIPTIONS = {
    "language_barrier": "The customer and the support staff could not understand each other "
    "because of language, accent, no support in the customer's language or bad translation.",
    "cultural_insensitivity": "Staff or the company were offensive or insensitive about the "
    "customer's culture, religion, gender, ethnicity, disability or identity.",
    "slow_response": "The customer waited a long time: on hold, in a queue, for a reply to a "
    "message, email or ticket, or got no reply at all.",
    "unresolved_issue": "The customer contacted support and the problem is still not fixed, "
    "no solution was offered and they had to contact them again and again.",
    "inconsistent_information": "Different staff or channels gave conflicting answers, or a "
    "policy was applied inconsistently.",
    "lack_of_empathy": "Staff were rude, dismissive, condescending or uncaring, blamed the "
    "customer, or replied with a canned script.",
    "automation_frustration": "A chatbot, phone menu, automated reply or self-service tool "
    "failed, looped or kept the customer from reaching a human.",
    "lack_of_product_knowledge": "Staff did not know the product, service or policy, or gave "
    "wrong information or wrong instructions.",
    "broken_promise": "The company promised a callback, refund, credit, delivery date or fix "
    "and did not deliver it.",
    "hard_to_reach": "The customer could not get through at all: phone lines busy, calls "
    "dropped, no contact channel, hidden contact details or limited hours.",
    "transfers_and_bureaucracy": "The customer was bounced between agents or departments, had "
    "to repeat their story, or faced excessive forms, procedures and red tape.",
    "data_privacy": "Personal data was exposed, leaked or mishandled, the account was not "
    "secure, or the company asked for personal data it should not need.",
}
