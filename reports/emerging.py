"""Emerging complaints: what a brand's unhappy customers started saying that no theme covers.

The week's negative mentions are grouped by meaning (their sentence vectors, agglomerative
clustering from scikit-learn), each group is named by the words that set it apart from the rest
of the week and from the weeks before (class-based TF-IDF, as BERTopic does), and compared with
the previous weeks: a group is *new* when almost nothing like it was said before, *growing* when
it grew clearly faster than the brand's negative mentions as a whole, and *explained* when most
of its mentions already carry one theme (then the theme's own trend tells the story).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy.stats import poisson
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from reports.safety import distinct, excerpt

# Average-linkage merging stops once the mean cosine distance between two groups' mentions would
# pass this: MiniLM puts paraphrases of one complaint at distance 0.2-0.5 and unrelated
# complaints about one brand at 0.7-0.9, so 0.6 keeps one complaint together without
# merging different ones.
MERGE_DISTANCE = 0.6
# Agglomerative clustering holds every pairwise distance (n² floats): beyond this many mentions
# it runs on a fixed sample and the rest join the group whose centre they are nearest to.
MAX_CLUSTERED = 4000
# A group must be at least this large, and this share of the week's negative mentions, to be
# reported: fewer people than that is an anecdote, not something a brand team can act on (and
# at 8 the demo's ordinary weeks already threw up chance groups of loosely related gripes).
MIN_SIZE = 10
MIN_SHARE = 0.01
# A previous mention "says the same" when it is at least as close to the group's centre as the
# closest 80% of the group's own mentions are.
RADIUS_QUANTILE = 0.2
# New: the earlier weeks held, on average, at most this share of this week's count (and at most
# one mention a week for small groups).
NEW_PRIOR_SHARE = 0.1
# Growing: the group grew at least this many times faster than all negative mentions did, and
# its count is beyond what that overall growth explains (one-sided Poisson test), so a group
# of 12 that "usually" has 3 is not called a trend on noise alone.
GROWTH_OVER_OVERALL = 2.0
GROWTH_P_VALUE = 0.001
# Explained: at least this share of the group carries the same theme.
EXPLAINED_SHARE = 0.5
QUOTES = 3
LABEL_TERMS = 3
EXAMPLES = 8


@dataclass(frozen=True)
class Complaint:
    """One negative mention of the week, as the analysis needs it."""

    mention_id: int
    text: str
    source: str
    published_at: datetime
    url: str | None = None
    author: str | None = None
    themes: tuple[str, ...] = ()


@dataclass
class Cluster:
    label: str
    terms: list[str]
    status: str  # new | growing | steady | explained
    count: int
    weekly_before: float
    growth: float | None
    theme: str | None
    sources: dict[str, int]
    quotes: list[dict[str, str | None]]
    examples: list[str]

    @property
    def emerging(self) -> bool:
        return self.status in ("new", "growing")


def _cluster(vectors: np.ndarray) -> np.ndarray:
    """A group number per row (-1: none)."""
    count = len(vectors)
    if count < 2:
        return np.full(count, -1)
    sample = np.arange(count)
    if count > MAX_CLUSTERED:
        sample = np.sort(np.random.default_rng(0).choice(count, MAX_CLUSTERED, replace=False))
    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                    distance_threshold=MERGE_DISTANCE)
    sample_labels = model.fit_predict(vectors[sample])
    if len(sample) == count:
        return np.asarray(sample_labels)
    groups = np.unique(sample_labels)
    centres = np.stack([vectors[sample[sample_labels == g]].mean(axis=0) for g in groups])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    similarity = vectors @ centres.T
    nearest = similarity.argmax(axis=1)
    labels = groups[nearest]
    labels[similarity[np.arange(count), nearest] < 1 - MERGE_DISTANCE] = -1
    labels[sample] = sample_labels
    return np.asarray(labels)


_WORD = re.compile(r"[a-z][a-z']+[a-z]")
_SUFFIXES = ("ing", "ed", "es", "s", "e")


def _fold(word: str) -> str:
    """One key for a word's forms (charge, charged, charges, charging), so they count together."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


class _Terms:
    """Folded unigrams and bigrams without stop words, remembering how each was written most."""

    def __init__(self) -> None:
        self.written: dict[str, Counter[str]] = {}

    def __call__(self, document: str) -> list[str]:
        words = [w for w in _WORD.findall(document.lower()) if w not in ENGLISH_STOP_WORDS]
        grams = [(w,) for w in words] + list(zip(words, words[1:], strict=False))
        keys = []
        for gram in grams:
            key = " ".join(_fold(w) for w in gram)
            self.written.setdefault(key, Counter())[" ".join(gram)] += 1
            keys.append(key)
        return keys

    def show(self, key: str) -> str:
        return self.written[key].most_common(1)[0][0]


def _describe(groups: Sequence[Sequence[str]], background: Sequence[str]) -> list[list[str]]:
    """The most distinctive words and phrases of each group (class-based TF-IDF, BERTopic's
    formula: term frequency in the group times log(1 + average words per class / the term's
    frequency over all classes)), each used in several of the group's mentions."""
    analyzer = _Terms()
    vectorizer = CountVectorizer(analyzer=analyzer)
    documents = [" ".join(texts) for texts in groups] + [" ".join(background) or "none"]
    counts = vectorizer.fit_transform(documents).toarray().astype(float)
    keys = vectorizer.get_feature_names_out()
    frequency = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    average_words = counts.sum() / len(documents)
    weights = frequency * np.log(1 + average_words / np.maximum(counts.sum(axis=0), 1))
    described = []
    for row, texts in zip(weights[:-1], groups, strict=False):
        mention_keys = [set(analyzer(text)) for text in texts]
        chosen: list[str] = []
        for index in np.argsort(-row)[:50]:
            key = str(keys[index])
            used_by = sum(key in found for found in mention_keys)
            if used_by < max(2, len(texts) // 10):
                continue  # one long rant does not name a group
            if any(key in picked or picked in key for picked in chosen):
                continue
            chosen.append(key)
            if len(chosen) == LABEL_TERMS:
                break
        described.append([analyzer.show(key) for key in chosen])
    return described


def _central(members: Sequence[int], similarity: np.ndarray, complaints: Sequence[Complaint],
             limit: int) -> list[Complaint]:
    most_central = [complaints[i] for i in sorted(members, key=lambda i: -similarity[i])]
    return distinct(most_central, limit, lambda complaint: complaint.text)


def _status(count: int, weekly_before: float, overall_growth: float, top_theme_share: float,
            had_history: bool) -> str:
    if top_theme_share >= EXPLAINED_SHARE:
        return "explained"
    if not had_history:
        return "steady"  # nothing to compare with: every group would look new
    if weekly_before <= max(1.0, NEW_PRIOR_SHARE * count):
        return "new"
    expected = weekly_before * overall_growth
    if ((count + 1) / (weekly_before + 1) >= GROWTH_OVER_OVERALL * overall_growth
            and poisson.sf(count - 1, expected) < GROWTH_P_VALUE):
        return "growing"
    return "steady"


def find_clusters(complaints: Sequence[Complaint], vectors: np.ndarray,
                  earlier_vectors: np.ndarray, earlier_texts: Sequence[str],
                  earlier_weeks: int) -> list[Cluster]:
    """The week's complaint groups, largest first; `earlier_*` are the negative mentions of the
    `earlier_weeks` weeks before (vectors unit length, one row per mention)."""
    if len(complaints) < MIN_SIZE:
        return []
    labels = _cluster(vectors)
    minimum = max(MIN_SIZE, int(MIN_SHARE * len(complaints)))
    sizes = Counter(int(label) for label in labels if label >= 0)
    groups = [[i for i in range(len(complaints)) if labels[i] == label]
              for label, size in sizes.most_common() if size >= minimum]
    if not groups:
        return []
    had_history = earlier_weeks > 0 and len(earlier_vectors) > 0
    earlier_weekly = len(earlier_vectors) / earlier_weeks if earlier_weeks else 0.0
    overall_growth = (len(complaints) + 1) / (earlier_weekly + 1)
    grouped = {i for members in groups for i in members}
    rest = [complaints[i].text for i in range(len(complaints)) if i not in grouped]
    terms = _describe([[complaints[i].text for i in members] for members in groups],
                      [*rest, *earlier_texts])
    clusters = []
    for members, words in zip(groups, terms, strict=True):
        centre = vectors[members].mean(axis=0)
        centre /= np.linalg.norm(centre)
        similarity = vectors @ centre
        radius = float(np.quantile(similarity[members], RADIUS_QUANTILE))
        # the week and the weeks before are counted by the same yardstick: mentions within the
        # radius, members or not (counting members alone would favour the week clustered)
        now = int((similarity >= radius).sum())
        before = float((earlier_vectors @ centre >= radius).sum()) if had_history else 0.0
        weekly_before = before / earlier_weeks if earlier_weeks else 0.0
        themes = Counter(theme for i in members for theme in complaints[i].themes)
        theme, theme_count = themes.most_common(1)[0] if themes else (None, 0)
        status = _status(now, weekly_before, overall_growth, theme_count / len(members),
                         had_history)
        quotes = _central(members, similarity, complaints, QUOTES)
        examples = _central(members, similarity, complaints, EXAMPLES)
        clusters.append(Cluster(
            label=" / ".join(words) if words else excerpt(quotes[0].text, 60),
            terms=words,
            status=status,
            count=len(members),
            weekly_before=round(weekly_before, 1),
            growth=None if not had_history else round((now + 1) / (weekly_before + 1), 1),
            theme=theme if status == "explained" else None,
            sources=dict(Counter(complaints[i].source for i in members).most_common()),
            quotes=[{"text": excerpt(q.text), "source": q.source, "url": q.url,
                     "author": excerpt(q.author or "anonymous", 80),
                     "date": q.published_at.date().isoformat()} for q in quotes],
            examples=[excerpt(q.text, 200) for q in examples],
        ))
    return clusters
