"""Console command ``speechbrain-srst-enhance``: enhance audio files with a model.

Usage::

    speechbrain-srst-enhance --model MODEL_FOLDER INPUT [INPUT ...] \\
        --output-dir OUT [--device cpu] [--format wav|flac] [--tune-allocator]
        [--chunk-seconds S] [--overlap-seconds S]

Each INPUT is an audio file or a folder searched recursively for the audio
files libsndfile reads (``.wav``, ``.flac``, ``.ogg``, ``.mp3``, ...);
hidden files and folders and other files are left out, and the summary
lists them with the reason. The enhanced speech of ``FOLDER/sub/x.ogg`` is
written to ``OUT/sub/x.wav`` (an input file given directly goes to
``OUT/<its name>``), at 16 kHz, one channel, with the same length as the
input: as 32-bit float WAV, or 24-bit FLAC for FLAC input or with
``--format flac``; the extension always names the format written. Files are
streamed chunk by chunk, so long recordings need no more memory than short
ones. A file that cannot be enhanced is reported by name and skipped; the
exit code is 1 when any file was skipped, 2 when the model or the device
cannot be used (one line, nothing written), 0 otherwise.

Authors
 * speechbrain-srst developers 2026
"""

import argparse
import os
import sys
from collections import Counter

from tqdm import tqdm

READABLE_EXTENSIONS = {
    "WAV": (".wav",),
    "FLAC": (".flac",),
    "OGG": (".ogg", ".oga", ".opus"),
    "MP3": (".mp3",),
    "AIFF": (".aif", ".aiff"),
    "AU": (".au", ".snd"),
    "CAF": (".caf",),
    "W64": (".w64",),
    "RF64": (".rf64",),
}
"""libsndfile format -> file extensions searched for in input folders."""


def readable_extensions():
    """The audio extensions this machine's libsndfile reads.

    Example
    -------
    >>> {".wav", ".flac"} <= readable_extensions()
    True
    """
    import soundfile

    formats = soundfile.available_formats()
    return {
        extension
        for name, extensions in READABLE_EXTENSIONS.items()
        if name in formats
        for extension in extensions
    }


def output_name(relative, output_format=None):
    """The output's relative path: the input's, with the extension written.

    Arguments
    ---------
    relative : str
        The input's path relative to its folder (or its name).
    output_format : str, optional
        ``"wav"`` or ``"flac"``; default: FLAC for FLAC input, else WAV.

    Example
    -------
    >>> output_name("sub/a.ogg"), output_name("b.flac"), output_name("c.wav", "flac")
    ('sub/a.wav', 'b.flac', 'c.flac')
    """
    stem, extension = os.path.splitext(relative)
    if output_format is None:
        output_format = "flac" if extension.lower() == ".flac" else "wav"
    return f"{stem}.{output_format}"


def list_folder(folder, extensions):
    """Audio files under ``folder`` and what was left out, with the reason.

    Returns
    -------
    files : list of str
        Absolute paths, sorted.
    left_out : list of str
        ``"path: reason"`` for hidden files and folders and other files.

    Example
    -------
    >>> import os, tempfile
    >>> tmp = tempfile.mkdtemp()
    >>> for name in ["a.wav", ".b.wav", "notes.txt"]:
    ...     open(os.path.join(tmp, name), "w").close()
    >>> files, left_out = list_folder(tmp, {".wav"})
    >>> [os.path.basename(f) for f in files]
    ['a.wav']
    >>> [os.path.relpath(m, tmp) for m in left_out]
    ['.b.wav: hidden', 'notes.txt: not an audio format libsndfile reads (.txt)']
    """
    folder = os.path.abspath(folder)
    files, left_out = [], []
    for root, dirs, names in os.walk(folder, followlinks=True):
        for name in sorted(d for d in dirs if d.startswith(".") or d == "__MACOSX"):
            left_out.append(f"{os.path.join(root, name)}{os.sep}: hidden folder")
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
        for name in sorted(names):
            path = os.path.join(root, name)
            extension = os.path.splitext(name)[1].lower()
            if name.startswith("."):
                left_out.append(f"{path}: hidden")
            elif extension not in extensions:
                reason = extension or "no extension"
                left_out.append(
                    f"{path}: not an audio format libsndfile reads ({reason})"
                )
            else:
                files.append(path)
    return sorted(files), left_out


def build_parser():
    """Returns the argument parser of ``speechbrain-srst-enhance``.

    Example
    -------
    >>> args = build_parser().parse_args(["--model", "m", "a.wav", "-o", "out"])
    >>> args.model, args.inputs, args.output_dir, args.device, args.format
    ('m', ['a.wav'], 'out', 'cpu', None)
    """
    parser = argparse.ArgumentParser(
        prog="speechbrain-srst-enhance",
        description=(
            "Enhance speech in audio files with a speechbrain-srst model folder. "
            "Inputs may be files or folders (searched recursively for audio "
            "files); outputs keep their path relative to the input folder, "
            "with the extension of the format written (.wav, or .flac)."
        ),
    )
    parser.add_argument(
        "--model", required=True, help="model folder written by export_model"
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders")
    parser.add_argument(
        "-o", "--output-dir", required=True, help="where enhanced files are written"
    )
    parser.add_argument("--device", default="cpu", help="e.g. cpu, cuda:0")
    parser.add_argument(
        "--format",
        choices=["wav", "flac"],
        default=None,
        help="output format (default: flac for FLAC input, else 32-bit float wav)",
    )
    parser.add_argument(
        "--tune-allocator",
        action="store_true",
        help=(
            "let glibc's malloc keep freed memory for the next chunk "
            "(process-wide; CPU enhancement about a quarter faster on 10 s "
            "clips, see speechbrain_srst/allocator.py)"
        ),
    )
    parser.add_argument(
        "--chunk-seconds",
        type=float,
        default=None,
        help="length of the chunks long files are cut into (default: the model's)",
    )
    parser.add_argument(
        "--overlap-seconds",
        type=float,
        default=None,
        help="cross-fade between chunks (default: the model's)",
    )
    return parser


def collect_jobs(inputs, output_dir, output_format=None, left_out=None):
    """Pairs every input audio file with its output path.

    Arguments
    ---------
    inputs : list of str
        Files and folders (folders are searched recursively).
    output_dir : str
        The output root.
    output_format : str, optional
        ``"wav"`` or ``"flac"`` (see :func:`output_name`).
    left_out : list, optional
        Receives ``"path: reason"`` for every file of an input folder that
        is not enhanced (hidden, or not audio).

    Returns
    -------
    jobs : list of (str, str)
        ``(input_file, output_file)`` pairs, in order, without duplicates.
    problems : list of str
        One message per input that does not exist or would collide.

    Example
    -------
    >>> import os, tempfile
    >>> tmp = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(tmp, "in", "sub"))
    >>> for name in ["a.wav", "sub/b.flac", "sub/c.ogg", "notes.txt"]:
    ...     open(os.path.join(tmp, "in", name), "w").close()
    >>> left_out = []
    >>> jobs, problems = collect_jobs(
    ...     [os.path.join(tmp, "in"), os.path.join(tmp, "gone.wav")], "out",
    ...     left_out=left_out)
    >>> for source, target in jobs:
    ...     print(os.path.relpath(source, tmp), target)
    in/a.wav out/a.wav
    in/sub/b.flac out/sub/b.flac
    in/sub/c.ogg out/sub/c.wav
    >>> problems
    ['...gone.wav: no such file or folder']
    >>> left_out
    ['...notes.txt: not an audio format libsndfile reads (.txt)']
    """
    jobs, problems, claimed = [], [], {}
    extensions = readable_extensions()
    for item in inputs:
        if os.path.isdir(item):
            files, skipped = list_folder(item, extensions)
            if left_out is not None:
                left_out.extend(skipped)
            pairs = [(f, os.path.relpath(f, os.path.abspath(item))) for f in files]
        elif os.path.isfile(item):
            pairs = [(os.path.abspath(item), os.path.basename(item))]
        else:
            problems.append(f"{item}: no such file or folder")
            continue
        for source, relative in pairs:
            target = os.path.join(output_dir, output_name(relative, output_format))
            key = os.path.abspath(target)
            if key == os.path.abspath(source):
                problems.append(f"{source}: output would overwrite the input")
            elif key in claimed:
                if claimed[key] != source:
                    problems.append(
                        f"{source}: output {target} is already taken by {claimed[key]}"
                    )
            else:
                claimed[key] = source
                jobs.append((source, target))
    return jobs, problems


def check_device(device):
    """Returns None if ``device`` can be used, else a one-line reason.

    Example
    -------
    >>> check_device("cpu") is None
    True
    >>> check_device("gpu0")
    "--device gpu0: not a torch device (e.g. cpu, cuda, cuda:0): ..."
    """
    import torch

    try:
        parsed = torch.device(device)
    except (RuntimeError, ValueError) as error:
        return (
            f"--device {device}: not a torch device (e.g. cpu, cuda, cuda:0): {error}"
        )
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            return (
                f"--device {device}: this torch build ({torch.__version__}) sees no "
                "CUDA device; use --device cpu"
            )
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            return (
                f"--device {device}: there are {torch.cuda.device_count()} CUDA "
                "device(s)"
            )
    return None


def main(argv=None):
    """Runs ``speechbrain-srst-enhance``; returns the exit code.

    Arguments
    ---------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when every file was enhanced, 1 when any was skipped (or none was
        found), 2 when the device or the model cannot be used (one line on
        stderr, nothing written).
    """
    args = build_parser().parse_args(argv)
    problem = check_device(args.device)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    # imported here so that --help stays fast
    from speechbrain_srst.inference import SRSTEnhancer

    try:
        enhancer = SRSTEnhancer.from_hparams(
            args.model, run_opts={"device": args.device}
        )
        enhancer.chunk_sizes(args.chunk_seconds, args.overlap_seconds)
    except (FileNotFoundError, RuntimeError, ValueError) as error:
        print(f"error: cannot load model {args.model}: {error}", file=sys.stderr)
        return 2
    if args.tune_allocator:
        from speechbrain_srst.allocator import keep_freed_memory

        keep_freed_memory()

    left_out = []
    jobs, problems = collect_jobs(args.inputs, args.output_dir, args.format, left_out)
    skipped = list(problems)
    for message in problems:
        print(f"skipped {message}", file=sys.stderr)
    enhanced = 0
    for source, target in tqdm(jobs, desc="Enhancing", unit="file"):
        try:
            enhancer.enhance_file(
                source,
                output_path=target,
                return_tensor=False,
                chunk_seconds=args.chunk_seconds,
                overlap_seconds=args.overlap_seconds,
            )
        except Exception as error:  # report and go on with the other files
            message = f"{source}: {type(error).__name__}: {error}"
            skipped.append(message)
            tqdm.write(f"skipped {message}", file=sys.stderr)
        else:
            enhanced += 1

    print(
        f"Enhanced {enhanced} file(s) into {args.output_dir}; "
        f"skipped {len(skipped)} file(s); left out {len(left_out)} other "
        "file(s) of the input folders."
    )
    for message in skipped:
        print(f"  skipped {message}")
    for kind, count in Counter(m.rsplit(": ", 1)[1] for m in left_out).items():
        examples = [m.rsplit(": ", 1)[0] for m in left_out if m.endswith(kind)][:3]
        more = f" and {count - len(examples)} more" if count > len(examples) else ""
        print(f"  left out {count} ({kind}): {', '.join(examples)}{more}")
    if enhanced == 0 and not skipped:
        print("No audio files found in the inputs.", file=sys.stderr)
        return 1
    return 1 if skipped else 0


if __name__ == "__main__":
    sys.exit(main())
