"""tools/evaluate.py end to end, and its one-line errors."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
from helpers import ROOT

from mmlatent.apis.evaluate import main
from mmlatent.evaluation.features import INCEPTION_FILE
from mmlatent.utils.errors import ConfigError

TOOL = osp.join(ROOT, 'tools', 'evaluate.py')


def test_evaluate_tool_end_to_end(tiny_ckpts, tmp_path, capsys):
    out = str(tmp_path / 'eval.json')
    main([tiny_ckpts['dcgan'], '--metrics', 'fd', 'kd', 'pr', 'ppl',
          'continuity', 'validity', 'mig', '--features', 'shapes:random',
          '--ppl-distance', 'pixel', '--num-samples', '24',
          '--batch-size', '12', '--out', out])
    with open(out) as f:
        record = json.load(f)
    metrics = record['metrics']
    assert set(metrics) == {
        'fd_shapes', 'kd_shapes', 'kd_shapes_std', 'precision_shapes',
        'recall_shapes', 'ppl_z_end_pixel', 'continuity', 'validity', 'mig'}
    assert metrics['fd_shapes'] > 0 and 0 <= metrics['validity'] <= 1
    assert metrics['mig'] is None            # too few valid images: NaN
    # the main job's EMA averages from iteration 0, so it holds averaged
    # weights after 2 iterations and the one policy picks it
    assert record['generator'] == 'ema' and record['iter'] == 2
    table = capsys.readouterr().out
    assert 'fd_shapes' in table and 'ppl_z_end_pixel' in table


def test_real_data_from_a_folder_and_bad_names(tiny_ckpts, tmp_path):
    import cv2
    import numpy as np
    folder = tmp_path / 'imgs'
    folder.mkdir()
    for i in range(12):
        cv2.imwrite(str(folder / f'{i}.png'),
                    np.full((40, 40, 3), 20 * i, np.uint8))
    out = str(tmp_path / 'e.json')
    main([tiny_ckpts['dcgan'], '--metrics', 'fd', '--features', 'pixel',
          '--real-data', str(folder), '--num-samples', '12', '--out', out])
    with open(out) as f:
        assert json.load(f)['metrics']['fd_pixel'] > 0
    with pytest.raises(ConfigError, match="unknown metric 'fdi'"):
        main([tiny_ckpts['dcgan'], '--metrics', 'fdi'])
    with pytest.raises(ConfigError, match='--features'):
        main([tiny_ckpts['dcgan'], '--metrics', 'fd', '--features', 'vgg'])
    with pytest.raises(ConfigError, match='needs --directions'):
        main([tiny_ckpts['dcgan'], '--metrics', 'orthogonality'])


def _run(args, env=None):
    return subprocess.run([sys.executable, TOOL] + args, cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_one_line_errors(tiny_ckpts, tmp_path):
    p = _run([tiny_ckpts['dcgan'], '--metrics', 'fid', 'mgi'])
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == [
        "error: unknown metric 'mgi' (did you mean 'mig'?); choose from "
        'fid, kid, fd, kd, pr, ppl, mig, dci, continuity, validity, '
        'orthogonality, outside_energy, fidelity, continuity_norm, chord, '
        'pieces, trajectories, ghosting']
    p = _run([tiny_ckpts['dcgan'], '--metrics', 'fid', '--num-samples',
              '4'], env={'TORCH_HOME': str(tmp_path)})
    assert p.returncode == 2
    last = p.stderr.strip().splitlines()[-1]
    path = osp.join(str(tmp_path), 'hub', 'checkpoints', INCEPTION_FILE)
    assert last.startswith('error: FID needs the Inception weights') and \
        path in last


def test_evaluate_tool_shows_progress(tiny_ckpts, capsys, monkeypatch):
    monkeypatch.setenv('MMLATENT_PROGRESS', '1')  # as on a terminal
    main([tiny_ckpts['dcgan'], '--metrics', 'validity', 'ppl',
          '--ppl-distance', 'pixel', '--num-samples', '8', '--batch-size',
          '4'])
    err = capsys.readouterr().err
    assert 'generated images: 100%' in err and '8/8' in err
    assert err.count('100%') >= 2  # and one bar for PPL's generator calls
