"""What the explorer's buttons do beyond rendering: Jacobian directions of
the current code (global, or local to a dragged box), text directions,
exporting a direction, and projecting an uploaded image."""
import hashlib
import os.path as osp
from typing import Dict, Optional

from ..latent.codes import Codes
from ..latent.directions import jacobian_directions
from ..latent.regions import region_mask
from ..utils.cli import user_message
from ..utils.errors import MMLatentError
from .jobs import ProjectionJob, start_projection
from .session import ExplorerSession
from .sliders import Slider, check_vector, export_slider, set_sliders
from .upload import check_size, upload_target
from .view import RequestError, integer, number, parse_box, parse_view, \
    text

MAX_NUM = 64


def _fingerprint(codes: Codes) -> str:
    h = hashlib.sha1(codes.latent.detach().cpu().numpy().tobytes())
    if codes.c is not None:
        h.update(codes.c.detach().cpu().numpy().tobytes())
    return h.hexdigest()


def _options(data: Dict) -> Dict:
    """``view``, ``num``, ``relax`` and ``box`` of a directions request."""
    if not isinstance(data, dict):
        raise RequestError('the request body must be a JSON object')
    unknown = sorted(set(data) - {'view', 'num', 'relax', 'box'})
    if unknown:
        raise RequestError(f'unknown key {unknown[0]!r}; the keys are '
                           'view, num, relax, box')
    return {'view': parse_view(data.get('view', {})),
            'num': integer(data.get('num', 8), 'num', 1, MAX_NUM),
            'relax': number(data.get('relax', 0.05), 'relax', 0, 1),
            'box': data.get('box')}


def jacobian_sliders(session: ExplorerSession, data: Dict, *,
                     local: bool) -> Dict:
    """Global (``local=False``) or local Jacobian directions at the
    current code, in the view's space; they replace the group's earlier
    sliders. Results are cached per code, box and settings."""
    opts = _options(data)
    G, view = session.G, opts['view']
    mask = None
    if local:
        if opts['box'] is None:
            raise RequestError('local directions need a box: drag one on '
                               'the image')
        cx, cy, h, w = parse_box(opts['box'], G.resolution)
        mask = region_mask(G.resolution, cx, cy, h, w)
    group = 'local' if local else 'jacobian'
    with session.lock:
        codes = session.codes_in_space(view)
        key = (local, _fingerprint(codes), codes.space, opts['num'],
               opts['relax'], None if mask is None else
               hashlib.sha1(mask.numpy().tobytes()).hexdigest())
        sliders, message = session.cached_directions(key) or (None, '')
    if sliders is None:     # outside the lock: renders go on meanwhile
        ds = jacobian_directions(G, codes, region=mask, relax=opts['relax'],
                                 num=opts['num'])
        label = 'local' if local else 'Jacobian'
        sliders = set_sliders(ds, f'{group}{session.next_id()}_', group,
                              label)
        message = '; '.join(ds.messages)
        session.cache_directions(key, (sliders, message))
    session.replace_group(group, sliders)
    return {'sliders': [s.info() for s in sliders], 'message': message,
            'space': codes.space}


def text_slider(session: ExplorerSession, data: Dict) -> Dict:
    """A direction from a text prompt, through the session's text hook."""
    if session.text_direction is None:
        raise RequestError('text prompts need the text tools, which this '
                           'explorer was started without', status=404)
    if not isinstance(data, dict) or set(data) != {'prompt'}:
        raise RequestError("the body must be {'prompt': TEXT}")
    prompt = text(data['prompt'], 'prompt')
    space, vector = session.text_direction(prompt)
    vector = check_vector(session.G, vector, space, f'prompt {prompt!r}')
    vector = vector / vector.norm().clamp_min(1e-12)
    s = Slider(f'text{session.next_id()}', f'"{prompt}"', 'text', space,
               vector)
    session.add_sliders([s])
    return {'sliders': [s.info()]}


def export_direction(session: ExplorerSession, data: Dict) -> Dict:
    """Write one slider's direction as a directions file."""
    if not isinstance(data, dict) or set(data) != {'id'}:
        raise RequestError("the body must be {'id': SLIDER_ID}")
    key = text(data['id'], 'id')
    with session.lock:
        if key not in session.sliders:
            raise RequestError(f'unknown direction {key!r}; GET /api/info '
                               'lists the sliders', status=404)
        s = session.sliders[key]
        path = session.next_file(f'direction_{s.group}')
        export_slider(path, s, session.G)
        return {'file': osp.basename(path), 'path': path,
                'url': session.add_file(path)}


def _finish(session: ExplorerSession):
    def done(job: ProjectionJob, codes: Codes) -> None:
        job.code = session.add_code(f'projected {job.id}', codes)[0]
    return done


def start_upload(session: ExplorerSession, body: bytes,
                 steps: Optional[int] = None) -> Dict:
    """Decode an uploaded image and start projecting it; returns the job."""
    check_size(len(body), session.max_upload)
    G = session.G
    target = upload_target(body, G.resolution, G.out_channels)
    steps = session.project_steps if steps is None else \
        integer(steps, 'steps', 1, 100000)
    job = ProjectionJob(f'job{session.next_id()}', steps)
    session.jobs[job.id] = job
    with session.lock:
        start_projection(job, G, target.to(session.device),
                         mse_weight=session.mse_weight,
                         w_avg_samples=session.w_avg_samples,
                         done=_finish(session),
                         starts=session.projection_starts)
    return job.info()


def job_info(session: ExplorerSession, key: str) -> Dict:
    if key not in session.jobs:
        raise RequestError(f'no projection job {key!r}', status=404)
    return session.jobs[key].info()


def run_action(fn, *args, **kwargs) -> Dict:
    """``fn(*args)``; a user error of the toolkit becomes a RequestError."""
    try:
        return fn(*args, **kwargs)
    except RequestError:
        raise
    except MMLatentError as e:
        raise RequestError(user_message(e)) from None
