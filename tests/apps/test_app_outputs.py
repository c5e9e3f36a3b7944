"""Output folders never mix two runs; Ctrl-C keeps the finished files and
says so in one line; one-line messages for files of the wrong kind."""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from mmlatent.latent import save_latents
from mmlatent.models.loading import load_generator
from mmlatent.utils.checkpoint import load_checkpoint_file
from mmlatent.utils.errors import CheckpointError, ConfigError
from mmlatent.utils.outputs import check_out_file, prepare_out_dir

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def frames(folder):
    return sorted(f for f in os.listdir(folder) if f.startswith('frame_'))


def test_rerun_into_an_earlier_runs_folder_is_refused_then_overwritten(
        tiny_ckpts, app, tmp_path, cli_error):
    interp, out = app('interpolate_sample'), tmp_path / 'out'
    base = [tiny_ckpts['dcgan'], '--endpoint', '2', '-o', str(out)]
    interp.main(base + ['--interval', '6', '--export-video'])
    first = sorted(os.listdir(out))
    assert len(frames(out)) == 6 and 'interpolation.gif' in first
    (out / 'notes.txt').write_text('mine')  # not the app's: never touched
    err = cli_error(interp, base + ['--interval', '3'])
    assert err == (f"error: --out-dir '{out}' already holds 9 file(s) of an "
                   "earlier run (e.g. 'endpoints.pt'); pass --overwrite to "
                   'delete them first, or choose another --out-dir')
    assert sorted(os.listdir(out)) == sorted(first + ['notes.txt'])
    interp.main(base + ['--interval', '3', '--overwrite'])
    # frames 3-5 and the videos of the earlier run are gone
    assert frames(out) == [f'frame_{k:05d}.png' for k in range(3)]
    assert sorted(os.listdir(out)) == ['endpoints.pt', 'frame_00000.png',
                                       'frame_00001.png', 'frame_00002.png',
                                       'notes.txt']


def test_folders_that_cannot_be_created_or_written(tmp_path, monkeypatch):
    def denied(path, exist_ok=False):
        raise PermissionError(13, 'Permission denied', path)

    monkeypatch.setattr(os, 'makedirs', denied)
    with pytest.raises(ConfigError) as e:
        prepare_out_dir(str(tmp_path / 'a' / 'b'), outputs=('*.png', ))
    assert str(e.value) == (f"cannot create --out-dir '{tmp_path}/a/b': "
                            'permission denied; choose a folder you can '
                            'write to')
    monkeypatch.undo()
    monkeypatch.setattr(os, 'access', lambda path, mode: False)
    with pytest.raises(ConfigError, match='cannot write to --out-dir'):
        prepare_out_dir(str(tmp_path), outputs=('*.png', ))


def test_single_output_file_is_not_replaced_silently(tmp_path):
    path = tmp_path / 'boundary_x_z.pt'
    assert check_out_file(str(path)) == str(path)
    path.write_bytes(b'earlier')
    with pytest.raises(ConfigError, match="already exists; pass --overwrite"):
        check_out_file(str(path))
    assert check_out_file(str(path), overwrite=True) == str(path)


def test_files_of_another_kind_name_what_they_are(tiny_ckpts, tmp_path):
    classifier = tmp_path / 'cls.pth'
    torch.save({'state_dict': {}, 'meta': {
        'format': 'mmlatent.classifier/1',
        'cfg': "model = dict(type='AttributeCNN')"}}, str(classifier))
    with pytest.raises(CheckpointError) as e:
        load_generator(str(classifier))
    msg = str(e.value)
    assert msg.startswith(f"'{classifier}' is an attribute classifier file "
                          'of tools/train_classifier.py, not a generator '
                          'checkpoint; it goes to --scorer of '
                          'apps/classifier_guidance.py')
    assert 'AttributeCNN' not in msg and '\n' not in msg
    latents = tmp_path / 'latents_z.pt'
    save_latents(str(latents), torch.zeros(2, 4), space='z')
    with pytest.raises(CheckpointError, match="is a latent file, not a "
                       'generator checkpoint'):
        load_generator(str(latents))


@pytest.mark.parametrize('kind', ['text', 'numpy_pickle', 'truncated'])
def test_unreadable_files_never_advise_weights_only_false(tmp_path, kind,
                                                          tiny_ckpts):
    path = tmp_path / 'file.pth'
    if kind == 'text':
        path.write_text('not a checkpoint\n')
        why = 'not a torch file (an image, text or other file)'
    elif kind == 'numpy_pickle':
        torch.save({'a': np.zeros(3)}, str(path))
        why = 'Unsupported global: GLOBAL numpy'
    else:
        data = open(tiny_ckpts['dcgan'], 'rb').read()
        path.write_bytes(data[:len(data) // 2])
        why = 'the file is truncated or corrupted'
    with pytest.raises(CheckpointError) as e:
        load_checkpoint_file(str(path))
    msg = str(e.value)
    assert msg.startswith(f"cannot read checkpoint '{path}': {why}"), msg
    assert 'weights_only' not in msg and '\n' not in msg


def test_sefa_refuses_truncation_before_writing_its_cache(tiny_ckpts, app,
                                                          tmp_path,
                                                          cli_error):
    cache = tmp_path / 'dirs.pt'
    err = cli_error(app('modified_sefa'), [
        tiny_ckpts['dcgan'], '-i', '0', '--truncation', '0.7',
        '--eigen-vector', str(cache), '-o', str(tmp_path / 'out')])
    assert 'needs a generator with a learned W space' in err
    assert not cache.exists() and not (tmp_path / 'out').exists()


def test_ctrl_c_in_the_projector_keeps_finished_projections(
        tiny_ckpts, generated_image, tmp_path):
    image = generated_image('stylegan2')[0]
    out = tmp_path / 'proj'
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    cmd = [sys.executable, osp.join(ROOT, 'apps', 'stylegan_projector.py'),
           tiny_ckpts['stylegan2'], image, image, image, '-o', str(out),
           '--perceptual', 'none', '--mse', '1', '--total-iters', '400',
           '--w-avg-samples', '200', '--sample-model', 'orig']
    # a user's terminal delivers Ctrl-C even when this suite itself runs in
    # the background (where SIGINT is inherited as ignored)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(
                                signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.time() + 240
        while not (out / 'target-project.pt').exists():
            assert proc.poll() is None and time.time() < deadline, \
                proc.communicate()[1][-2000:]
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)  # during the second projection
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err[-2000:]
    kept = sorted(os.listdir(out))  # 2 unless the machine stalled the test
    assert kept[:2] == ['target-project.png', 'target-project.pt']
    assert len(kept) in (2, 4) and not any('.partial' in f for f in kept)
    lines = err.strip().splitlines()
    assert lines[-1] == ('interrupted: apps/stylegan_projector.py stopped by '
                         f'Ctrl-C; kept {len(kept)} finished file(s) in {out} '
                         "(e.g. 'target-project.png')"), err[-2000:]
    assert 'Traceback' not in err
    for name in kept[1::2]:  # the finished latent files load
        assert load_checkpoint_file(str(out / name))['latent'].shape[0] == 1
