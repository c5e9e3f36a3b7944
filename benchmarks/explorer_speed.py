"""Latent explorer speed: request-to-image time of a slider move, through
the real HTTP server (POST /api/render, JSON + PNG back, PNG decoded), for
the main DCGAN config and the StyleGAN2 64 px config with random-init
weights of the config's architecture (the speed does not depend on the
weights).

    python benchmarks/explorer_speed.py [--configs A.py B.py]
        [--requests 60] [--threads 2] [--kind sliders interpolation]

Targets (issue 18): <= 100 ms for the DCGAN, <= 300 ms for StyleGAN2 64 px
on 2 CPU cores. ``--kind interpolation`` times scrubbing the
interpolation slider towards ``seed:2`` in w (both ends' ws come from the
session's mapping cache, so a frame is one synthesis). Prints figures
only.
"""
import argparse
import base64
import json
import os.path as osp
import statistics
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from mmlatent.explorer import build_session, make_server  # noqa: E402
from mmlatent.models.ema import pick_generator  # noqa: E402
from mmlatent.registry import MODELS  # noqa: E402
from mmlatent.training import load_config  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = ['configs/dcgan/dcgan_continuity_shapes-32x32.py',
           'configs/stylegan2/stylegan2_small_shapes-64x64.py']


def generator_of(config: str) -> torch.nn.Module:
    """The config's generator with random-init weights, in eval mode."""
    cfg = load_config(osp.join(ROOT, config), {})
    model = MODELS.build(cfg.model)
    G = pick_generator(model).G
    return G.eval().requires_grad_(False)


def post(url: str, body: dict) -> np.ndarray:
    """One render request; the decoded image."""
    req = urllib.request.Request(url, json.dumps(body).encode(),
                                 {'Content-Type': 'application/json'})
    with urllib.request.urlopen(req) as res:
        data = json.loads(res.read())
    png = base64.b64decode(data['image'].split(',', 1)[1])
    return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)


def request_body(kind: str, i: int, space: str) -> dict:
    """The i-th request of a slider move or an interpolation scrub."""
    if kind == 'interpolation':
        return {'seed': 1, 'space': 'w', 'target': 'seed:2',
                't': 0.5 + 0.5 * np.sin(i / 5)}
    return {'seed': 1, 'space': space, 'sliders': {
        'sefa0': 3 * np.sin(i / 5), 'sefa1': np.cos(i / 7)}}


def measure(config: str, requests: int, kind: str = 'sliders') -> dict:
    G = generator_of(config)
    with tempfile.TemporaryDirectory() as out:
        session = build_session(G, out_dir=out, num_sefa=4, measure=True)
        server = make_server(session, '127.0.0.1', 0)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = server.url + 'api/render'
        space = 'w+' if G.has_w_space else 'w'
        times = []
        try:
            for i in range(requests + 3):
                body = request_body(kind, i, space)
                start = time.perf_counter()
                post(url, body)
                if i >= 3:                    # the first ones warm up
                    times.append(time.perf_counter() - start)
        finally:
            server.shutdown()
            server.server_close()
    ms = sorted(1000 * t for t in times)
    return {'median': statistics.median(ms),
            'p90': ms[int(0.9 * (len(ms) - 1))], 'res': G.resolution}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--configs', nargs='+', default=CONFIGS)
    p.add_argument('--requests', type=int, default=60)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--kind', nargs='+', default=['sliders'],
                   choices=['sliders', 'interpolation'],
                   help='slider moves and / or interpolation scrubs')
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f'torch threads: {args.threads}; requests through HTTP, '
          f'{args.requests} each (with the measured Shapes factors)')
    for kind in args.kind:
        for config in args.configs:
            r = measure(config, args.requests, kind)
            print(f"{kind:13s} {osp.basename(config):44s} {r['res']:4d} px  "
                  f"request-to-image median {r['median']:7.1f} ms  p90 "
                  f"{r['p90']:7.1f} ms")


if __name__ == '__main__':
    run_cli(main)
