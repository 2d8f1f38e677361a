"""The images stage: each scene's picture made by the chosen image maker, or the person's own; pictograms
chosen, a new seed, and going back to an earlier picture."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

from .. import keys
from ..backend import ImageMaker, ImageRequest
from ..errors import InputError
from ..files import atomic_path, full_disk_is
from ..images.layers import under_text
from ..images.pictograms import known as pictogram_known
from ..images.upload import fit_image
from ..progress import Reporter
from ..project import (
    ImageVersion,
    Project,
    ProjectFolder,
    Scene,
    image_file,
    step_file,
    textless_file,
    upload_file,
)
from ..stage import Stage
from .artifacts import SceneArtifact, bring_all_up_to_date, bring_up_to_date
from .choosing import image_maker
from .editing import checked_upload, update_scene


def image_request(project: Project, scene: Scene) -> ImageRequest:
    """What the image maker is asked for ``scene``: its prompt, the frame, its seed, and the context."""
    width, height = project.settings.size
    return ImageRequest(
        prompt=scene.image_prompt or scene.narration,
        width=width,
        height=height,
        seed=scene.image_seed,
        title=project.title,
        index=project.scenes.index(scene),
        total=len(project.scenes),
        language=project.language,
        pictograms=tuple(scene.pictograms),
        script=tuple(s.image_prompt or s.narration for s in project.scenes),
        headings=tuple(s.heading for s in project.scenes),
    )


def image_key(folder: ProjectFolder, scene: Scene, maker: ImageMaker | None = None) -> str:
    return keys.picture(maker or image_maker(folder), image_request(folder.project, scene))


def image_is_current(folder: ProjectFolder, scene: Scene, maker: ImageMaker | None = None) -> bool:
    if not folder.has(scene.image):
        return False
    if scene.image_source != "generated":
        return True  # an upload, or a picture the person went back to: kept until they regenerate
    return scene.image_key == image_key(folder, scene, maker)


class ScenePicture(SceneArtifact[ImageMaker]):
    stage = Stage.IMAGES
    what = "picture"

    def backend(self, folder: ProjectFolder, record: bool = False) -> ImageMaker:
        return image_maker(folder, record)

    def key(self, folder: ProjectFolder, scene: Scene, backend: ImageMaker) -> str:
        return image_key(folder, scene, backend)

    def is_current(self, folder: ProjectFolder, scene: Scene, backend: ImageMaker) -> bool:
        return image_is_current(folder, scene, backend)

    def files(self, scene: Scene, key: str) -> tuple[str, ...]:
        return (image_file(scene, key),)

    def make(self, folder: ProjectFolder, scene: Scene, backend: ImageMaker, key: str) -> dict[str, Any]:
        started = time.monotonic()
        picture = backend.make_picture(image_request(folder.project, scene))
        seconds = round(time.monotonic() - started, 3)
        relative = image_file(scene, key)
        if picture.textless is not None:  # first: a picture on disk is taken as made, with its layer
            with atomic_path(folder.path(textless_file(relative))) as tmp:
                under_text(picture.image, picture.textless).save(tmp, format="PNG", compress_level=1)
        with atomic_path(folder.path(relative)) as tmp:
            picture.image.convert("RGB").save(tmp, format="PNG", compress_level=1)
        for step in getattr(backend, "last_steps", []):  # the model's steps, where it was asked to keep them
            with atomic_path(folder.path(step_file(scene, key, step.step, step.steps))) as tmp:
                step.image.save(tmp, format="PNG")
        return {"seconds": seconds}

    def adopt(
        self, folder: ProjectFolder, scene: Scene, backend: ImageMaker, key: str, made: dict[str, Any]
    ) -> None:
        details = backend.details(image_request(folder.project, scene)) | made
        if steps := folder.steps_made(scene, key):
            details["steps"] = steps
        _set_image(scene, image_file(scene, key), key, "generated", details)


PICTURE = ScenePicture()


def _set_image(
    scene: Scene, relative: str, key: str, source: str, details: dict[str, Any] | None = None
) -> None:
    if scene.image and scene.image != relative:
        before = ImageVersion(scene.image, scene.image_key or "", scene.image_source, scene.image_details)
        scene.image_history = [*scene.image_history, before][-10:]
    scene.image, scene.image_key, scene.image_source = relative, key, source  # type: ignore[assignment]
    scene.image_details = details or {}


@full_disk_is(Stage.IMAGES)
def make_image(
    folder: ProjectFolder, scene: Scene, reporter: Reporter | None = None, maker: ImageMaker | None = None
) -> None:
    """(Re)make one scene's image if it is missing or out of date."""
    bring_up_to_date(folder, PICTURE, scene, reporter, maker)


@full_disk_is(Stage.IMAGES)
def make_images(folder: ProjectFolder, reporter: Reporter | None = None, *, tell: bool = True) -> None:
    """Make every picture that is missing or out of date (``tell``: then write How it works, if it
    changed)."""
    bring_all_up_to_date(folder, PICTURE, reporter, tell=tell)


def choose_pictograms(folder: ProjectFolder, scene: Scene, chars: list[str]) -> None:
    """The pictograms the offline illustrator draws for a scene: up to three, ["none"] for none, or []
    to let the scene's words decide. The picture is made again when next needed."""
    chars = [c for c in (c.strip() for c in chars) if c]
    unknown = [c for c in chars if c != "none" and not pictogram_known(c)]
    if unknown or len(chars) > 3 or ("none" in chars and len(chars) > 1):
        raise InputError(
            f"choose up to three pictograms the set has, or none; not {', '.join(unknown or chars)}",
            stage=Stage.IMAGES,
        )
    scene.pictograms = chars
    folder.save()


def regenerate_image(
    folder: ProjectFolder, scene: Scene, seed: int | None = None, *, prompt: str | None = None
) -> None:
    """A new picture for a scene: a new seed (random unless given), and its new ``prompt`` if given,
    generated again. A picture that depends on the scenes around it (the offline card's headline and
    pictograms) and was up to date is made again where the new prompt changes it."""
    maker = image_maker(folder, record=True)
    kept_current = [s for s in folder.project.scenes if s is not scene and image_is_current(folder, s, maker)]
    if prompt is not None:
        update_scene(folder, scene, image_prompt=prompt)
    scene.image_seed = seed if seed is not None else random.randrange(2**31)
    scene.image_source = "generated"
    for redone in (scene, *kept_current):  # the others are made only where the prompt changed them
        make_image(folder, redone, maker=maker)


@full_disk_is(Stage.IMAGES)
def upload_image(folder: ProjectFolder, scene: Scene, source: Path | bytes) -> None:
    """Use the person's own picture for a scene, fitted to the frame."""
    width, height = folder.project.settings.size
    if isinstance(source, bytes):
        folder.limits.check_upload(len(source), "picture", Stage.IMAGES)
    else:
        checked_upload(folder, Path(source), "picture", Stage.IMAGES)
    image = fit_image(source, width, height)
    key = keys.upload(image.tobytes(), (width, height))
    relative = upload_file(scene, key)
    with atomic_path(folder.path(relative)) as tmp:
        image.save(tmp, format="PNG", compress_level=1)
    _set_image(scene, relative, key, "upload")
    folder.save()


def undo_image(folder: ProjectFolder, scene: Scene) -> bool:
    """Go back to the scene's previous picture. False when there is none."""
    while scene.image_history:
        previous = scene.image_history.pop()
        if folder.has(previous.path):
            scene.image, scene.image_key, scene.image_details = previous.path, previous.key, previous.details
            # a generated picture gone back to is kept as it is, until the person regenerates
            scene.image_source = "upload" if previous.source == "upload" else "kept"
            folder.save()
            return True
    folder.save()
    return False
