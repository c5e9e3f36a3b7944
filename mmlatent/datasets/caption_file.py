"""Caption files: captions of a user's images, one file per folder.

A folder of images may hold a UTF-8 text file ``captions.txt``; each
non-empty line that does not start with ``#`` is::

    FILE<TAB>CAPTION

``FILE`` is the name of an image in that folder (no sub-path) and
``CAPTION`` free text (no tab). An image may have several lines, one per
caption. Example::

    # captions of my shapes
    img_000.png	a large red triangle in the top left
    img_000.png	red, triangle, left, top
    img_001.png	a small blue oval
"""
import os.path as osp
from typing import Dict, List, Sequence

from ..utils.errors import DataError

CAPTION_FILE = 'captions.txt'


def read_caption_file(path: str) -> Dict[str, List[str]]:
    """``{image file name: [captions]}`` of a caption file; a malformed
    line is a one-line :class:`DataError` naming the file and line."""
    out: Dict[str, List[str]] = {}
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip('\r\n')
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            name, tab, caption = line.partition('\t')
            if not tab or not name.strip() or not caption.strip() \
                    or '\t' in caption or osp.basename(name) != name:
                raise DataError(
                    f'{path}:{number}: {line!r} is not FILE<TAB>CAPTION '
                    '(a file name of this folder, one tab, a caption)')
            out.setdefault(name.strip(), []).append(caption.strip())
    return out


def folder_captions(files: Sequence[str]) -> List[List[str]]:
    """The captions of each image path in ``files`` from the caption file
    of its folder; an image without a caption, or a caption of a file that
    is not an image here, is a one-line :class:`DataError`."""
    by_folder: Dict[str, Dict[str, List[str]]] = {}
    for folder in sorted({osp.dirname(f) for f in files}):
        path = osp.join(folder, CAPTION_FILE)
        by_folder[folder] = read_caption_file(path) \
            if osp.isfile(path) else {}
    names = {(osp.dirname(f), osp.basename(f)) for f in files}
    for folder, caps in by_folder.items():
        for name in caps:
            if (folder, name) not in names:
                raise DataError(
                    f"{osp.join(folder, CAPTION_FILE)}: '{name}' is not an "
                    'image of this folder; fix the name or remove the line')
    out = [by_folder[osp.dirname(f)].get(osp.basename(f), []) for f in files]
    missing = [f for f, c in zip(files, out) if not c]
    if missing:
        raise DataError(
            f"{len(missing)} image(s) have no caption, e.g. '{missing[0]}'; "
            f'add lines FILE<TAB>CAPTION to {CAPTION_FILE} in its folder')
    return out
