"""Your own words: a text, notes or a whole course becomes the script, read as written or condensed.

No model is involved. "as-written" reads every word in order, cut into scenes at sentence ends;
"condense" keeps the most central whole sentences (LexRank) until the target length is filled. Image
prompts are each scene's key phrases; a scene that starts under a heading carries it (the card's headline).
The trace shows every decision: the cuts, the scores, the budget.
``ScriptRequest.scenes`` is the most scenes the project may have (the pipeline passes its limit).
"""

from __future__ import annotations

from typing import Any

from ..backend import SceneDraft, Script, ScriptRequest, ScriptWriter
from ..errors import InputError
from ..registry import register
from ..source.condense import select
from ..source.document import blocks, title_from_text
from ..source.keywords import PromptMaker
from ..source.reading import check_text
from ..source.scenes import AIM_S, MAX_SCENE_S, PlannedScene, Unit, plan, rejoin, units_of
from ..source.sentences import splitter_language
from ..stage import Stage

MODES = ("as-written", "condense")
DEFAULT_LENGTH_S = 60.0
MIN_LENGTH_S = 5.0  # seconds of speech (the pipeline turns a video's length into its speech)
MAX_CONDENSE_SENTENCES = 3000  # ranking compares every pair of sentences
# Sentences listed in the condense trace: all kept ones, then the best dropped ones up to this many.
LISTED_SENTENCES = 200


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def max_length_s(max_scenes: int) -> float:
    """The longest video ``max_scenes`` comfortable scenes make."""
    return max_scenes * (AIM_S + MAX_SCENE_S) / 2


def _too_long(words: int, words_per_second: float, mode: str, max_scenes: int) -> InputError:
    advice = (
        "choose a shorter length"
        if mode == "condense"
        else "choose condense mode to shorten it to the length you want, or make one video per section"
    )
    return InputError(
        f"the text reads for about {_duration(words / words_per_second)} ({words:,} words at "
        f"{words_per_second:.1f} words/s), more than {max_scenes} scenes can hold: {advice}",
        stage=Stage.SCRIPT,
    )


def _target_words(length_s: float | None, words_per_second: float, max_scenes: int) -> int:
    seconds = DEFAULT_LENGTH_S if length_s is None else length_s
    longest = max_length_s(max_scenes)
    if not MIN_LENGTH_S <= seconds <= longest:
        raise InputError(
            f"the length must be between {MIN_LENGTH_S:g} and {longest:g} seconds, not {seconds:g}",
            stage=Stage.SCRIPT,
        )
    return round(seconds * words_per_second)


def _condense(units: list[Unit], target_words: int, language: str) -> tuple[list[Unit], dict[str, Any]]:
    """The kept sentences, and what a learner wants to see: the scores, what was kept and dropped."""
    selection = select([u.text for u in units], [u.words for u in units], target_words, language)
    kept = set(selection.kept)
    dropped = sorted(set(range(len(units))) - kept, key=lambda i: -selection.scores[i])
    listed = sorted([*kept, *dropped[: max(0, LISTED_SENTENCES - len(kept))]])
    trace = {
        "target_words": target_words,
        "chosen_words": selection.chosen_words,
        "sentences_total": len(units),
        "sentences_kept": len(kept),
        "sentences_not_listed": len(units) - len(listed),
        "sentences": [
            {
                "index": i,
                "kept": i in kept,
                "score": selection.scores[i],
                "words": units[i].words,
                "text": units[i].text,
            }
            for i in listed
        ],
    }
    return rejoin(units, selection.kept), trace


def _drafts(planned: list[PlannedScene], language: str, title: str) -> list[SceneDraft]:
    prompts = PromptMaker(language)
    return [
        SceneDraft(scene.narration, prompts.prompt(scene.narration, scene.title or title), scene.title)
        for scene in planned
    ]


@register
class OwnTextWriter(ScriptWriter):
    name = "text"
    description = "Your own text (notes, an article, a course): read as written or condensed; no model"

    def write(self, request: ScriptRequest) -> Script:
        text = check_text(request.text, "the text")
        mode, words_per_second = request.mode, request.words_per_second
        if mode not in MODES:
            raise InputError(f"unknown mode {mode!r}; choose one of: {', '.join(MODES)}", stage=Stage.SCRIPT)
        units = units_of(blocks(text), request.language)
        words = sum(unit.words for unit in units)
        trace: dict[str, Any] = {
            "mode": mode,
            "language": request.language,
            "sentence_rules": f"pysbd ({splitter_language(request.language)})",
            "words_per_second": words_per_second,
            "source_words": words,
        }
        if mode == "condense":
            target = _target_words(request.length_s, words_per_second, request.scenes)
            if words > target:
                if len(units) > MAX_CONDENSE_SENTENCES:
                    raise InputError(
                        f"the text has {len(units):,} sentences; condense takes at most "
                        f"{MAX_CONDENSE_SENTENCES:,}: split it into sections (batch makes one video each)",
                        stage=Stage.SCRIPT,
                    )
                units, condensed = _condense(units, target, request.language)
                trace.update(condensed)
            else:
                trace.update(target_words=target, chosen_words=words, note="the text is already short enough")
        planned = plan(units, words_per_second, request.scenes)
        if planned is None:
            raise _too_long(sum(unit.words for unit in units), words_per_second, mode, request.scenes)
        title = title_from_text(text)
        trace.update(
            scene_titles=[scene.title for scene in planned],
            scene_seconds=[round(scene.words / words_per_second, 1) for scene in planned],
            estimated_seconds=round(sum(scene.words for scene in planned) / words_per_second, 1),
        )
        return Script(title=title, scenes=_drafts(planned, request.language, title), trace=trace)
