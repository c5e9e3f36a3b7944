"""The command line of ``tools/evaluate.py``, without torch: the tool
parses it (and answers ``--help`` and usage errors) before it imports
:mod:`mmlatent.apis.evaluate` and the metrics."""
import argparse
from typing import List, Optional

from ..utils.choices import METRIC_NAMES
from .args import add_sample_model_arg

EPILOG = f"""metrics: {', '.join(METRIC_NAMES)}
  fid, kid        Inception (FID network; weights from the torch hub cache)
  fd, kd, pr      Fréchet / kernel distance, precision and recall in the
                  --features space
  ppl             perceptual path length (--ppl-space/-sampling/-distance)
  mig, dci        disentanglement of --codes (or coordinates along
                  --directions) against the measured Shapes factors
  continuity      held-out continuity penalty
  validity        share of valid Shapes images
  orthogonality   of --directions
  outside_energy  change outside --region along local directions (or
                  --directions)
  continuity_norm held-out penalty / spread, and the spread
  chord           distance from the pixel chord / chord length
  pieces          exact activation-pattern changes along segments
  trajectories    R² and monotonicity of measured x, y, scale along t
  ghosting        shape brightness at the midpoint / at the ends
example:
  python tools/evaluate.py work_dirs/dcgan/iter_2000.pth --metrics fd ppl \\
      continuity validity --features shapes:work_dirs/shapes_net.pth \\
      --ppl-distance pixel --out eval.json
"""


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog='tools/evaluate.py', epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Evaluate the generator of a checkpoint.')
    p.add_argument('checkpoint', metavar='CKPT', help='checkpoint (.pth)')
    p.add_argument('--metrics', nargs='+', required=True, metavar='NAME',
                   help='metric names (see below)')
    p.add_argument('--num-samples', type=int, default=1000,
                   help='generated samples and real images per metric '
                   '(default 1000; published FIDs use 50000)')
    p.add_argument('--batch-size', type=int, default=100)
    p.add_argument('--real-data', metavar='CONFIG_OR_FOLDER',
                   help="a config (its train dataset) or an image folder; "
                   "default: the checkpoint's training set")
    p.add_argument('--features', default='inception',
                   help='feature space of fd, kd, pr: inception, pixel, '
                   'shapes:PATH or shapes:random (default inception)')
    p.add_argument('--ppl-space', default='z', choices=['z', 'w'])
    p.add_argument('--ppl-sampling', default='end', choices=['end', 'full'])
    p.add_argument('--ppl-distance', default='lpips',
                   choices=['lpips', 'lpips_alex', 'pixel'])
    p.add_argument('--codes', default='z', choices=['z', 'w', 'c'],
                   help='codes of mig / dci (default z)')
    p.add_argument('--directions', metavar='FILE',
                   help='.pt file of directions [k, d] for mig, dci, '
                   'orthogonality, outside_energy')
    p.add_argument('--num-directions', type=int, metavar='K')
    p.add_argument('--region', default='shape',
                   help="outside_energy region: 'shape' (object box), a "
                   "preset or 'cx,cy,h,w' pixels")
    p.add_argument('--config', help='config overriding the checkpoint one')
    add_sample_model_arg(p, help=None)
    p.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', metavar='FILE.json', help='write results here')
    return p.parse_args(argv)
