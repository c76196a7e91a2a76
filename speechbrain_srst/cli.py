"""Console command ``speechbrain-srst-enhance``: enhance audio files with a model.

Usage::

    speechbrain-srst-enhance --model MODEL_FOLDER INPUT [INPUT ...] \\
        --output-dir OUT [--device cpu] [--chunk-seconds S] [--overlap-seconds S]

Each INPUT is an audio file or a folder searched recursively for ``.wav`` and
``.flac`` files (hidden files and folders are left out). The enhanced speech
of ``FOLDER/sub/x.wav`` is written to ``OUT/sub/x.wav`` (an input file given
directly goes to ``OUT/<its name>``), at 16 kHz, one channel, with the same
length as the input. Files are streamed chunk by chunk, so long recordings
need no more memory than short ones. A file that cannot be enhanced is
reported by name and skipped; the exit code is 1 when any file was skipped,
2 when the model cannot be loaded, 0 otherwise.

Authors
 * speechbrain-srst developers 2026
"""

import argparse
import os
import sys

from tqdm import tqdm

from speechbrain_srst.data.prepare import list_audio_files


def build_parser():
    """Returns the argument parser of ``speechbrain-srst-enhance``.

    Example
    -------
    >>> args = build_parser().parse_args(["--model", "m", "a.wav", "-o", "out"])
    >>> args.model, args.inputs, args.output_dir, args.device
    ('m', ['a.wav'], 'out', 'cpu')
    """
    parser = argparse.ArgumentParser(
        prog="speechbrain-srst-enhance",
        description=(
            "Enhance speech in audio files with a speechbrain-srst model folder. "
            "Inputs may be files or folders (searched recursively for .wav and "
            ".flac); outputs keep their path relative to the input folder."
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


def collect_jobs(inputs, output_dir):
    """Pairs every input audio file with its output path.

    Arguments
    ---------
    inputs : list of str
        Files and folders (folders are searched recursively).
    output_dir : str
        The output root.

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
    >>> for name in ["a.wav", "sub/b.flac", "notes.txt"]:
    ...     open(os.path.join(tmp, "in", name), "w").close()
    >>> jobs, problems = collect_jobs(
    ...     [os.path.join(tmp, "in"), os.path.join(tmp, "gone.wav")], "out")
    >>> [(os.path.relpath(i, tmp), o) for i, o in jobs]
    [('in/a.wav', 'out/a.wav'), ('in/sub/b.flac', 'out/sub/b.flac')]
    >>> problems
    ['...gone.wav: no such file or folder']
    """
    jobs, problems, claimed = [], [], {}
    for item in inputs:
        if os.path.isdir(item):
            files, _ = list_audio_files(item)
            pairs = [(f, os.path.relpath(f, os.path.abspath(item))) for f in files]
        elif os.path.isfile(item):
            pairs = [(os.path.abspath(item), os.path.basename(item))]
        else:
            problems.append(f"{item}: no such file or folder")
            continue
        for source, relative in pairs:
            target = os.path.join(output_dir, relative)
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
        found), 2 when the model could not be loaded.
    """
    args = build_parser().parse_args(argv)
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

    jobs, problems = collect_jobs(args.inputs, args.output_dir)
    skipped = list(problems)
    for message in problems:
        print(f"skipped {message}", file=sys.stderr)
    enhanced = 0
    for source, target in tqdm(jobs, desc="Enhancing", unit="file"):
        try:
            enhancer.enhance_file(
                source,
                output_path=target,
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
        f"skipped {len(skipped)} file(s)."
    )
    for message in skipped:
        print(f"  skipped {message}")
    if enhanced == 0 and not skipped:
        print("No .wav or .flac files found in the inputs.", file=sys.stderr)
        return 1
    return 1 if skipped else 0


if __name__ == "__main__":
    sys.exit(main())
