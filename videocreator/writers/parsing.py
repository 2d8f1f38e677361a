"""The script's JSON shape, the request every chat model gets, and turning a reply into a Script.

Shared by every writer that talks to a language model: ask for JSON in one schema, accept it inside code
fences or prose, clean each text, and enforce the scene count — or fail with a reason the caller can show
(and, for chat models, send back to the model once).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..backend import SceneDraft, Script, ScriptRequest
from ..errors import ProviderFailed
from ..languages import language_name
from ..stage import Stage
from ..text import MAX_TITLE_CHARS, clean, sentences

MAX_NARRATION_CHARS = 400
MAX_PROMPT_CHARS = 300
_NARRATION_KEYS = ("narration", "text", "voiceover", "voice_over", "script")
_PROMPT_KEYS = ("image_prompt", "image", "visual", "prompt", "image_description")
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


def script_schema(scenes: int) -> dict[str, Any]:
    """JSON Schema of a script with exactly ``scenes`` scenes (for servers with structured output)."""
    scene = {
        "type": "object",
        "properties": {"narration": {"type": "string"}, "image_prompt": {"type": "string"}},
        "required": ["narration", "image_prompt"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "scenes": {"type": "array", "items": scene, "minItems": scenes, "maxItems": scenes},
        },
        "required": ["title", "scenes"],
        "additionalProperties": False,
    }


ANSWER_FORMAT = (
    'Answer with one JSON object: {"title": "...", "scenes": [{"narration": "...", "image_prompt": "..."}]}'
)


def chat_messages(request: ScriptRequest) -> list[dict[str, str]]:
    """The system and user messages a chat model gets."""
    language = language_name(request.language)
    system = (
        "You write scripts for short narrated explainer videos. Each scene is shown as one picture while a "
        "voice reads its narration. Narration: 1-3 short spoken sentences (at most 45 words), concrete, "
        "accurate, no lists, no stage directions, no emojis. Image prompt: one line describing a picture "
        "(subject, setting, style) for an image generator, in English, with no text or letters in the "
        "picture. Reply with JSON only."
    )
    if request.text and request.mode == "rewrite":
        user = (
            f"Retell the text below as a video script of exactly {request.scenes} scenes, in {language}, "
            f"for {request.audience}, in a {request.tone} tone. Keep its facts and its order; add no fact "
            "that is not in it.\n"
            f"{ANSWER_FORMAT}\n<text>\n{request.text}\n</text>"
        )
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]
    user = (
        f"Topic: {request.topic}\n"
        f"Audience: {request.audience}. Tone: {request.tone}.\n"
        f"Write exactly {request.scenes} scenes; the first hooks the viewer, the last wraps up.\n"
        f"Write the title and every narration in {language}.\n{ANSWER_FORMAT}"
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def extract_json(text: str) -> Any:
    """The first JSON object in ``text``: bare, inside a code fence, or surrounded by prose."""
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        for start in (i for i, ch in enumerate(candidate) if ch == "{"):
            try:
                value, _ = decoder.raw_decode(candidate[start:])
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    raise ValueError("no JSON object found in the reply")


def trim_narration(text: str, limit: int = MAX_NARRATION_CHARS) -> str:
    """At most ``limit`` characters, cut at a sentence end where possible."""
    text = clean(text)
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in sentences(text):
        if len(kept) + len(sentence) + 1 > limit:
            break
        kept = f"{kept} {sentence}".strip()
    return kept or text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "."


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def parse_script(raw: str, request: ScriptRequest, *, provider: str = "model") -> Script:
    """Turn a model's reply into a Script with exactly ``request.scenes`` scenes, or raise ProviderFailed."""

    def fail(reason: str) -> ProviderFailed:
        return ProviderFailed(reason, stage=Stage.SCRIPT, provider=provider)

    try:
        data = extract_json(raw or "")
    except ValueError as exc:
        raise fail(str(exc) if raw and raw.strip() else "the reply was empty") from None
    items = data.get("scenes")
    if not isinstance(items, list):
        raise fail('the JSON has no "scenes" list')
    drafts = []
    for item in items:
        if not isinstance(item, dict):
            continue
        narration = trim_narration(_first(item, _NARRATION_KEYS))
        if not any(ch.isalnum() for ch in narration):
            continue
        prompt = clean(_first(item, _PROMPT_KEYS))[:MAX_PROMPT_CHARS] or narration[:MAX_PROMPT_CHARS]
        drafts.append(SceneDraft(narration=narration, image_prompt=prompt))
    if len(drafts) < request.scenes:
        raise fail(f"the reply has {len(drafts)} usable scenes, {request.scenes} were asked for")
    title = clean(str(data.get("title") or ""))[:MAX_TITLE_CHARS] or request.topic[:MAX_TITLE_CHARS]
    return Script(title=title, scenes=drafts[: request.scenes])
