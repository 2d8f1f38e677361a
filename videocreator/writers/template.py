"""A script without any model: deterministic, instant, and always usable.

It is the last writer in every fallback chain, so it must work for any topic in any script. It builds
an arc (hook, a few angles on the topic, wrap-up) from sentence patterns chosen by the request's seed.
"""

from __future__ import annotations

import random

from ..backend import SceneDraft, Script, ScriptRequest, ScriptWriter
from ..registry import register
from ..text import capitalized, clean, title_of

HOOKS = (
    "Have you ever wondered about {t}? In the next minute, we'll find out together.",
    "{T}. It sounds simple, but there is more to it than you might think.",
    "Let's take a quick look at {t}, one step at a time.",
)
ANGLES = (
    (
        "Start with the big picture. {T} is about how a few simple parts work together.",
        "the big picture",
    ),
    (
        "Here is the key idea: small causes, repeated over and over, add up to large effects.",
        "the key idea",
    ),
    (
        "Timing matters too. Some of it happens in seconds, some of it takes a very long time.",
        "a timeline",
    ),
    (
        "Scientists study it by measuring, comparing, and testing their ideas again and again.",
        "research tools",
    ),
    ("You can see traces of it in the world around you, once you know where to look.", "everyday examples"),
    (
        "A common mistake is to think it has a single cause. In reality, several things combine.",
        "many causes",
    ),
    (
        "Why does it matter? Because understanding it helps us plan, prepare, and make better choices.",
        "why it matters",
    ),
    ("And there are still open questions, which is what keeps the subject exciting.", "open questions"),
)
OUTROS = (
    "So next time you think about {t}, you'll know what is really going on. Thanks for watching!",
    "That's {t} in a nutshell: simple parts, big results. Stay curious!",
    "Now you know the basics of {t}. Share this with someone who would enjoy it.",
)


def _phrase(topic: str) -> str:
    """The topic as it reads inside a sentence: no final punctuation, a lower-case first letter."""
    text = clean(topic).rstrip(" ?!.。？！")
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text


def _fill(pattern: str, phrase: str) -> str:
    return pattern.format(t=phrase, T=capitalized(phrase))


@register
class TemplateWriter(ScriptWriter):
    name = "template"
    description = "No model: a deterministic script from the topic (instant; the last fallback)"
    languages = frozenset({"en"})  # its sentences are English templates

    def write(self, request: ScriptRequest) -> Script:
        rng = random.Random(f"{request.seed}\x00{request.topic}")
        phrase = _phrase(request.topic)
        visual = phrase or "the topic"
        angles = rng.sample(ANGLES, k=min(len(ANGLES), max(0, request.scenes - 2)))
        while len(angles) < request.scenes - 2:
            angles.append(rng.choice(ANGLES))
        scenes = [SceneDraft(_fill(rng.choice(HOOKS), phrase), visual)]
        scenes += [SceneDraft(_fill(text, phrase), f"{visual}, {look}") for text, look in angles]
        if request.scenes > 1:
            scenes.append(SceneDraft(_fill(rng.choice(OUTROS), phrase), f"{visual}, a recap"))
        return Script(title=title_of(request.topic), scenes=scenes[: request.scenes], trace={})
