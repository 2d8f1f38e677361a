"""How it works: a readable account of what each stage of a project really did, written for a class.

Everything shown was recorded while the stage ran (the script writer's trace, each picture's details, the
timings saved beside each recording, the render's trace); nothing is computed again. Each section opens
with a short explanation for someone who has never seen a language model, then shows the data. Secrets
the environment holds (API keys, tokens) never appear: the finished text is checked for them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .credits import for_project
from .errors import InputError
from .files import write_text
from .project import PROJECT_FILE, Project, ProjectFolder, Scene
from .redaction import hide_secrets, secret_values
from .stage import Stage

REPORT_FILE = "how-it-works.md"
SHOWN_REPLY_CHARS = 4000  # a chat model's reply is cut after this many characters
REQUEST_HEADINGS = {"url": "Address", "provider": "Provider", "model": "Model", "temperature": "Temperature",
                    "json": "JSON asked for as", "stream": "Streamed"}  # fmt: skip
Lines = list[str]


def how_it_works(folder: ProjectFolder) -> str:
    """The project's *How it works* page, in Markdown."""
    project = folder.project
    parts = [
        f"# How it works: {_text(project.title or project.topic)}",
        "A video is made in four steps: a **script** is written, a **picture** is made for each scene, a "
        "**voice** reads the script, and everything is **rendered** into a video. Here is what each step "
        "did for this video, and how.",
        *_script(project),
        *_pictures(folder),
        *_voice(folder),
        *_render(project),
    ]
    key_name = str(
        project.settings.script.options.get("api_key_env", "")
    )  # a chat writer's key, named freely
    secrets = secret_values([os.environ.get(key_name) if key_name else None])
    return hide_secrets("\n\n".join(part for part in parts if part), secrets) + "\n"


def write_report(folder: ProjectFolder) -> Path:
    """Save the page as ``how-it-works.md`` in the project folder; its path."""
    path = folder.root / REPORT_FILE
    write_text(path, how_it_works(folder))
    return path


def is_current(folder: ProjectFolder) -> bool:
    """Whether ``how-it-works.md`` was written after the project last changed."""
    path, project = folder.root / REPORT_FILE, folder.root / PROJECT_FILE
    return path.is_file() and project.is_file() and path.stat().st_mtime_ns >= project.stat().st_mtime_ns


# ---- Markdown helpers -------------------------------------------------------------------------------


def _text(value: object) -> str:
    """Text shown as it is: Markdown's special characters escaped, on one line."""
    text = " ".join(str(value).split())
    for ch in "\\`*_[]<>|#":
        text = text.replace(ch, f"\\{ch}")
    return text


def _code(value: str) -> str:
    """Inline code, with spaces made visible (a token's leading space matters)."""
    shown = value.replace(" ", "␣").replace("\n", "⏎").replace("`", "ˋ").replace("|", "\\|")
    return f"`{shown}`" if shown else "(nothing)"


def _block(value: str) -> str:
    """A fenced block showing ``value`` exactly, whatever backticks it holds."""
    fence = "`" * max(3, _longest_run(value, "`") + 1)
    return f"{fence}text\n{value.rstrip(chr(10))}\n{fence}"


def _longest_run(text: str, ch: str) -> int:
    longest = run = 0
    for c in text:
        run = run + 1 if c == ch else 0
        longest = max(longest, run)
    return longest


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def _percent(p: float) -> str:
    return "<0.1%" if 0 < p < 0.001 else f"{p:.1%}"


def _seconds(value: float) -> str:
    return f"{value:.2f} s"


def _ran(project: Project, stage: Stage, what: str) -> str:
    entry = project.ran.get(stage)
    if not entry:
        return ""
    return f"{what} **{_text(entry['backend'])}** ({_text(entry['why'])})."


# ---- Script -----------------------------------------------------------------------------------------

LANGUAGE_MODEL = (
    "A **language model** is a program that has read a huge amount of text and learned one skill: given "
    "the beginning of a text, guess what comes next. It works in **tokens**: whole words or pieces of "
    "words. For every token it knows, it gives a probability of coming next; one token is picked and "
    "added to the text, and the model guesses again, one token at a time."
)


def _script(project: Project) -> Lines:
    trace = project.script_trace
    lines = ["## Script", _ran(project, Stage.SCRIPT, "Written by")]
    if not trace:
        return [*lines, "No script has been written yet."]
    writer = str(trace.get("writer", ""))
    if writer == "local":
        lines += _local_script(trace)
    elif writer == "text":
        lines += _own_text_script(trace)
    elif "messages" in trace:
        lines += _chat_script(trace)
    elif writer == "template":
        lines.append(
            "No language model here: the script is made from ready-written sentence patterns, chosen by "
            "the seed and filled in with your topic. The same topic and seed always give the same script."
        )
    else:
        lines.append(f"The {_text(writer)} writer recorded no details.")
    scenes = [f"{n}. {_text(scene.narration)}" for n, scene in enumerate(project.scenes, 1)]
    return [*lines, "### The script", "\n".join(scenes) or "(no scenes)"]


def _local_script(trace: dict[str, Any]) -> Lines:
    lines = [
        LANGUAGE_MODEL,
        f"This video's model ({_text(trace.get('model', ''))}) is small, so it is not asked a question: "
        "it is given a **document** to continue. The document starts with two example scripts and the "
        "title of yours. Then, for each scene, the program adds the words `Scene 1:` (2, 3, ...) and the "
        "model writes the rest of that line.",
        "### The prompt, part by part",
        "These parts are joined, in this order, into one text that the model reads; each scene is written "
        "with the scenes kept before it already in the text.",
    ]
    labels = {"example": "An example script", "topic": "Your topic"}
    for part in trace.get("prompt_parts", []):
        label = labels.get(part["kind"], f"Scene {part.get('scene')}, written by the model and kept")
        lines += [f"**{label}**", _block(part["text"])]
    lines += _local_rules(trace)
    lines += _local_attempts(trace)
    lines += _local_probabilities(trace)
    return lines


def _local_rules(trace: dict[str, Any]) -> Lines:
    lines = ["### The rules"]
    if trace.get("token_rules"):
        rules = "\n".join(f"- {_text(rule)}" for rule in trace["token_rules"])
        lines += [
            "While the model writes, **rules** allow only some tokens at each step: one or two sentences of "
            "words, with no digits (so it cannot make up numbers). Tokens the rules do not allow are never "
            "picked, however likely the model finds them:",
            rules,
        ]
    elif trace.get("grammar"):  # a script written before the rules replaced the grammar
        lines += [
            "While the model writes, a **grammar** allows only some tokens: here one or two sentences of "
            "words, with no digits (so it cannot make up numbers). Tokens the grammar does not allow are "
            "never picked, however likely the model finds them.",
            _block(trace["grammar"]),
        ]
    if trace.get("checks"):
        checks = "\n".join(f"- {_text(check)}" for check in trace["checks"])
        lines += [
            "Then the program checks each line. A line is kept when:",
            checks,
            "A line that fails is written once more, a little more adventurously (a higher *temperature* "
            "makes less likely tokens more likely to be picked). If that fails too, a ready-written "
            "sentence is used for the scene instead.",
        ]
    return lines


def _local_attempts(trace: dict[str, Any]) -> Lines:
    rows = []
    for entry in trace.get("lines", []):
        verdict = (
            "✅ kept" if entry.get("kept") else f"❌ not kept: {_text(entry.get('why') or 'not usable')}"
        )
        rows.append([str(entry["scene"]), str(entry.get("attempt", "")), _text(entry["raw"]), verdict])
    lines = ["### What the model wrote", _table(["Scene", "Try", "What the model wrote", "Kept?"], rows)]
    fallback = trace.get("fallback_scenes") or []
    if fallback:
        lines.append(
            f"Scene {', '.join(map(str, fallback))}: no line was kept, so a ready-written sentence was used."
        )
    return lines


def _local_probabilities(trace: dict[str, Any]) -> Lines:
    lines = [
        "### How the model picks its next word",
        "At the first tokens of each line, these are the model's own five likeliest next tokens and their "
        "probabilities (`␣` is a space). The rules above then pick one; the **picked** row shows which, "
        "with the probability the model gave it. When the rules forbid the likeliest tokens (for "
        "example a digit), the picked token can be an unlikely one.",
    ]
    for entry in trace.get("lines", []):
        points = entry.get("next_tokens") or []
        if not points:
            continue
        header = ["", *(f"after {_code(point['after'][-24:])}" for point in points)]
        ranks = max(len(point["options"]) for point in points)
        rows = [
            [str(rank + 1), *(_option(point["options"], rank) for point in points)] for rank in range(ranks)
        ]
        rows.append(["**picked**", *(_picked(point) for point in points)])
        lines += [f"**Scene {entry['scene']}, try {entry.get('attempt', 1)}**", _table(header, rows)]
    return lines


def _option(options: list[dict[str, Any]], rank: int) -> str:
    if rank >= len(options):
        return ""
    return f"{_code(options[rank]['token'])} {_percent(options[rank]['p'])}"


def _decimal(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, int | float) and not isinstance(value, bool) else "?"


def _picked(point: dict[str, Any]) -> str:
    if point.get("picked") is None:
        return "(the line ended)"
    return f"{_code(point['picked'])} {_percent(point['picked_p'])}"


def _own_text_script(trace: dict[str, Any]) -> Lines:
    mode = trace.get("mode", "as-written")
    lines = [
        "No language model here: the script is your own text. It is cut into sentences "
        f"({_text(trace.get('sentence_rules', ''))}), and the sentences into scenes of a comfortable length.",
        f"Your text has {trace.get('source_words', '?')} words; the voice reads about "
        f"{_decimal(trace.get('words_per_second'))} words a second.",
    ]
    if mode == "as-written":
        return [*lines, "**As written**: every sentence is read, in order."]
    lines.append(
        "**Condensed**: every sentence got a **score** for how central it is to the text (how much it has "
        "in common with the other sentences: LexRank). The best ones were kept, in their original order, "
        f"until the length was filled: about {trace.get('target_words', '?')} words wanted, "
        f"{trace.get('chosen_words', '?')} kept."
    )
    if trace.get("note"):
        return [*lines, _text(trace["note"])]
    rows = [
        [str(s["index"] + 1), f"{s['score']:.3f}", "✅ kept" if s["kept"] else "dropped", _text(s["text"])]
        for s in trace.get("sentences", [])
    ]
    lines.append(_table(["#", "Score", "Kept?", "Sentence"], rows))
    if trace.get("sentences_not_listed"):
        lines.append(
            f"{trace['sentences_not_listed']} more dropped sentences, with lower scores, are not listed."
        )
    return lines


def _chat_script(trace: dict[str, Any]) -> Lines:
    lines = [
        LANGUAGE_MODEL,
        f"Here a large chat model on a server ({_text(trace.get('provider', ''))}) was sent a conversation: "
        "a *system* message that says what its job is, and a *user* message with your topic. It answered "
        "with the whole script as JSON (a format programs can read), which the program then checked.",
    ]
    requests = trace.get("requests") or []
    if requests:
        keys = [key for key in REQUEST_HEADINGS if any(key in request for request in requests)]
        rows = [[_text(request.get(key, "")) for key in keys] for request in requests]
        lines += ["### What was sent", "Each request's settings (the key that pays for it is never shown):",
                  _table([REQUEST_HEADINGS[key] for key in keys], rows)]  # fmt: skip
    lines.append("### The conversation")
    for message in trace.get("messages", []):
        lines += [f"**{_text(message.get('role', ''))}**", _block(str(message.get("content", "")))]
    for n, reply in enumerate(trace.get("raw_replies", []), 1):
        shown = reply if len(reply) <= SHOWN_REPLY_CHARS else reply[:SHOWN_REPLY_CHARS] + " …"
        lines += [f"**The model's reply {n}**", _block(shown)]
    return lines


# ---- Images -----------------------------------------------------------------------------------------

PICTURE_EXPLANATIONS = {
    "card": "No AI here: each picture is a designed card. The program looks for words of the scene's "
    "picture prompt among the names and keywords of a set of **pictograms** (small drawings) and draws "
    "the ones that match best. The headline is the heading you wrote over the scene, or a phrase of its "
    "words that reads on its own (its words are tagged as nouns, verbs and so on, and a noun phrase is "
    "picked), never the same as the scene before's. The seed picks the colours "
    "and the layout, so the same prompt and seed always give the same card.",
    "diffusers": "An **image model** (a diffusion model) starts from random noise, chosen by the seed, and "
    "removes a little of it at each **step**, each time nudging the picture towards what the prompt "
    "describes. The same prompt, seed and model always give the same picture.",
}


def _pictures(folder: ProjectFolder) -> Lines:
    project = folder.project
    backend = project.ran.get(Stage.IMAGES, {}).get("backend", project.settings.images.backend)
    lines = ["## Images", _ran(project, Stage.IMAGES, "Made by")]
    lines.append(PICTURE_EXPLANATIONS.get(backend, "Each scene's picture is made from its picture prompt."))
    for n, scene in enumerate(project.scenes, 1):
        lines += [f"### Scene {n}", _picture(folder, scene, backend)]
    return lines


def _picture(folder: ProjectFolder, scene: Scene, backend: str) -> str:
    details = scene.image_details
    made = {"upload": "your own picture", "kept": "a picture you went back to"}.get(
        scene.image_source, backend
    )
    lines = [
        f"- Picture prompt: {_text(scene.image_prompt or scene.narration)}",
        f"- Seed: {scene.image_seed}",
        f"- Made by: {_text(made)}",
    ]
    if details.get("prompt_sent"):
        lines.append(f"- Prompt the model got: {_text(details['prompt_sent'])}")
    if details.get("headline"):
        source = " (your heading)" if details.get("headline_from") == "your heading" else ""
        lines.append(f"- Headline: {_text(details['headline'])}{source}")
    text = "\n".join(lines)
    if details.get("pictograms") is not None and "chosen_by" in details:
        text += "\n\n" + _pictograms(details)
    steps = [step for step in details.get("steps", []) if _inside(folder, step.get("file"))]
    if steps:
        text += "\n\n" + _steps(steps)
    if folder.has(scene.image):
        text += f"\n\n![The picture of this scene]({scene.image})"
    return text


def _inside(folder: ProjectFolder, relative: str | None) -> bool:
    """Whether ``relative`` names a file inside the project folder (project.json can be edited by hand)."""
    try:
        return folder.has(relative)
    except InputError:
        return False


def _pictograms(details: dict[str, Any]) -> str:
    pictograms = details["pictograms"]
    if not pictograms:
        return "No pictogram matched the prompt's words, so the card shows its headline only."
    rows = [
        [p["char"], _text(p.get("name", "")), _text(", ".join(p.get("words", [])) or "(chosen by you)")]
        for p in pictograms
    ]
    intro = f"Pictograms drawn (chosen by {_text(details['chosen_by'])}):"
    return intro + "\n\n" + _table(["Pictogram", "Name", "Matched words"], rows)


def _steps(steps: list[dict[str, Any]]) -> str:
    shown = " ".join(f"![after step {s['step']} of {s['steps']}]({s['file']})" for s in steps)
    return f"The picture after some of its steps, from noise to the result:\n\n{shown}"


# ---- Voice ------------------------------------------------------------------------------------------


def _voice(folder: ProjectFolder) -> Lines:
    project = folder.project
    lines = [
        "## Voice",
        _ran(project, "voice", "Read by"),
        "A **text-to-speech** voice reads the script one sentence at a time, turning letters into the "
        "sounds of the language (**phonemes**) and the sounds into audio. The program notes when each "
        "sentence starts and ends, so the captions appear exactly while it is spoken.",
    ]
    for n, scene in enumerate(project.scenes, 1):
        lines += [f"### Scene {n}", _timings(folder, scene)]
    return lines


def _timings(folder: ProjectFolder, scene: Scene) -> str:
    timings = folder.timings(scene)
    if not timings:
        return "Not narrated yet."
    rows = [
        [_text(text), _seconds(start), _seconds(end), _seconds(end - start)]
        for text, start, end in timings.get("sentences", [])
    ]
    parts = [
        f"The recording lasts {_seconds(timings['duration'])}.",
        _table(["Sentence", "Starts", "Ends", "Lasts"], rows),
    ]
    if timings.get("words"):
        starts = " · ".join(f"{_text(word)} {start:.2f}" for word, start, *_ in timings["words"])
        parts.append(f"When each word starts (seconds): {starts}")
    if timings.get("phonemes"):
        parts.append(f"The sounds (phonemes): {_phonemes(timings['phonemes'])}")
    return "\n\n".join(parts)


def _phonemes(items: list[Any]) -> str:
    """Phonemes as recorded: ``[phoneme, start, ...]`` entries show their start; others as they are."""

    def shown(item: Any) -> str:
        if isinstance(item, list | tuple) and len(item) >= 2 and isinstance(item[1], int | float):
            return f"{_code(str(item[0]))} {item[1]:.2f}"
        return _code(item if isinstance(item, str) else json.dumps(item, ensure_ascii=False))

    return " ".join(shown(item) for item in items)


# ---- Render -----------------------------------------------------------------------------------------


def _render(project: Project) -> Lines:
    lines = [
        "## Render",
        "Each scene becomes a **piece** of video: its picture, slowly zoomed, with the captions timed by the "
        "voice, compressed by a video **encoder**. A piece whose picture, voice and settings did not change "
        "since the last render is **reused** from the cache instead of being encoded again. Between two "
        "pictures, a **crossfade**: the text drawn on them fades out before its middle and the next in after "
        "it, never one through the other. Then the pieces are joined, and the music is mixed in under the "
        "voice.",
    ]
    trace = project.render_trace
    if not trace:
        return [*lines, "This video has not been rendered yet, or its render was not recorded."]
    pieces = trace.get("pieces", [])
    lines += _cards({p["label"] for p in pieces}, project)
    rows = [
        [
            _text(p["label"]),
            str(p["frames"]),
            "♻️ reused" if p["reused"] else "encoded",
            _seconds(p["seconds"]),
        ]
        for p in pieces
    ]
    reused = sum(1 for p in pieces if p["reused"])
    if trace.get("encoder"):
        lines.append(f"Encoder: {_text(_describe(trace['encoder']))}")
    return [
        *lines,
        _table(["Piece", "Frames", "Reused?", "Time taken"], rows),
        f"{reused} of {len(pieces)} pieces were reused.",
    ]


def _cards(labels: set[str], project: Project) -> Lines:
    """What the title and end cards show, where the render made them."""
    lines = []
    if "title card" in labels:
        lines.append(
            f"It opens on a **title card**, {_text(project.title or project.topic)}, as the music starts; "
            "the narration begins after it."
        )
    if "end card" in labels:
        lines.append(
            "It closes on an **end card** with the credits of the fonts, pictograms and music it used (what "
            "their licences ask for):"
        )
        lines.append("\n".join(f"- {_text(line)}" for line in for_project(project)))
    return lines


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key}: {item}" for key, item in value.items())
    return str(value)
